"""Audit trail: every change to budget data — admin forms, inlines, actions, imports, services
and commands, bulk writes and bulk deletes included — is recorded with actor, time, source and
before/after; history pages are scoped like the data. The per-submission 变更记录 pages are
tests/test_audit_page.py."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from performance.models import Indicator, KeyTask, ProjectTarget, UnitTarget
from performance.services import targets_copy_from_previous_year
from tests.admin_forms import change_form_data, posted, prefix_of
from tests.audit_world import B_NAME, audit_world, line_with_history
from tests.factories import submission_create
from units.budget_import import budget_export_workbook, budget_import
from units.history import (
    COMMAND_LINE,
    EXCEL_IMPORT,
    TRACKED,
    WEB,
    submission_live_filter,
)
from units.models import (
    BudgetLine,
    ClassificationCode,
    GlossaryTerm,
    Project,
    Submission,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import FILLER, REVIEWER
from units.services import budget_lines_create, submission_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return audit_world()


# --- what is recorded ---------------------------------------------------------------------


def test_admin_change_of_a_line_records_user_and_before_after(client, world):
    """Saving a budget line in the admin writes a "~" record with the user and the new amount;
    the previous record holds the old amount."""
    filler = world["users"][FILLER]
    line = world["sub"]["A"].lines.first()
    line.save()  # a first record (synthetic lines are bulk-inserted without history)
    old_amount = line.amount
    client.force_login(filler)
    url = reverse("admin:units_budgetline_change", args=[line.pk])
    data = change_form_data(client, url)
    data["amount"] = "4321.00"
    assert client.post(url, data).status_code == 302
    latest, *_ = line.history.order_by("-history_id")
    assert (latest.history_type, latest.history_user, latest.amount) == (
        "~",
        filler,
        Decimal("4321.00"),
    )
    assert latest.history_change_reason == WEB
    previous = latest.prev_record
    assert previous is not None and previous.amount == old_amount
    assert latest.diff_against(previous).changed_fields == ["amount"]
    line.refresh_from_db()
    assert line.amount == Decimal("4321.00") != old_amount


def test_inline_rows_of_the_submission_page_are_recorded(client, world):
    """Changing a project and adding a glossary term on the submission page records both, with
    the user who saved."""
    filler = world["users"][FILLER]
    submission = world["sub"]["A"]
    client.force_login(filler)
    url = reverse("admin:units_submission_change", args=[submission.pk])
    data = change_form_data(client, url)
    prefix = prefix_of(data, "projects")
    data[f"{prefix}-0-name"] = "改名后的项目"
    glossary = prefix_of(data, "glossary_terms")
    index = int(data[f"{glossary}-TOTAL_FORMS"])
    data[f"{glossary}-TOTAL_FORMS"] = str(index + 1)
    data.update(
        {
            f"{glossary}-{index}-term": "新名词",
            f"{glossary}-{index}-definition": "解释",
            f"{glossary}-{index}-position": "9",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    project = Project.objects.get(name="改名后的项目")
    record = project.history.latest()
    assert (record.history_type, record.history_user) == ("~", filler)
    term = GlossaryTerm.objects.get(term="新名词")
    assert term.history.get().history_type == "+"
    assert term.history.get().history_user == filler


def test_admin_actions_are_recorded(client, world):
    """The 初始化情况说明文字 action (bulk-created glossary) and delete_selected leave records with
    the user; a queryset delete of several lines leaves one "-" record per line."""
    filler = world["users"][FILLER]
    submission = world["sub"]["A"]
    client.force_login(filler)
    client.post(
        reverse("admin:units_submission_changelist"),
        {"action": "initialise_texts", ACTION_CHECKBOX_NAME: [submission.pk]},
    )
    texts = SubmissionText.objects.get(submission=submission)
    assert texts.history.get().history_user == filler
    terms = GlossaryTerm.objects.filter(submission=submission)
    assert terms.exists()
    assert GlossaryTerm.history.filter(submission_id=submission.pk, history_type="+").count() == (
        terms.count()
    )
    assert {r.history_user for r in GlossaryTerm.history.filter(submission_id=submission.pk)} == {
        filler
    }

    lines = list(submission.lines.values_list("pk", flat=True)[:2])
    response = client.post(
        reverse("admin:units_budgetline_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: lines, "post": "yes"},
    )
    assert response.status_code == 302
    assert not BudgetLine.objects.filter(pk__in=lines).exists()
    deleted = BudgetLine.history.filter(id__in=lines, history_type="-")
    assert deleted.count() == 2
    assert {r.history_user for r in deleted} == {filler}


def test_bulk_delete_and_cascade_leave_one_record_per_row(world):
    """`queryset.delete()` and the cascade of a submission's deletion are recorded row by row
    (Django's collector sends post_delete per object when a model has listeners)."""
    submission = world["sub"]["B"]
    line_ids = set(submission.lines.values_list("pk", flat=True))
    project_ids = set(submission.projects.values_list("pk", flat=True))
    BudgetLine.objects.filter(submission=submission).delete()
    assert set(BudgetLine.history.filter(history_type="-").values_list("id", flat=True)) == line_ids
    submission.projects.all().delete()
    Submission.objects.filter(pk=submission.pk).delete()
    assert set(Project.history.filter(history_type="-").values_list("id", flat=True)) == project_ids
    gone = Submission.history.get(id=submission.pk, history_type="-")
    assert gone.history_change_reason == COMMAND_LINE


def test_service_bulk_create_outside_a_request_is_marked_command_line(world):
    """`budget_lines_create` (bulk insert) writes one "+" record per line; without a request
    the user is empty and the reason says 命令行."""
    submission = world["sub"]["A"]
    template = submission.lines.first()
    lines = [
        BudgetLine(
            func_code=template.func_code,
            dept_econ_code=template.dept_econ_code,
            gov_econ_code=template.gov_econ_code,
            expense_kind=template.expense_kind,
            project=template.project,
            amount=Decimal(n),
        )
        for n in (1, 2, 3)
    ]
    created = budget_lines_create(submission=submission, lines=lines)
    records = BudgetLine.history.filter(id__in=[line.pk for line in created])
    assert records.count() == 3
    assert {(r.history_type, r.history_user, r.history_change_reason) for r in records} == {
        ("+", None, COMMAND_LINE)
    }


def _every_row_has_history(submission) -> list[str]:
    missing = []
    for tracked in TRACKED:
        model = tracked.model
        rows = model.objects.filter(submission_live_filter(tracked, submission.pk))
        without = rows.exclude(pk__in=model.history.values("id"))
        if without.exists():
            missing.append(model.__name__)
    return missing


def test_demo_command_records_every_row(db):
    """`load_demo` leaves a history record for every row of the demo submission (the demo's
    bulk-inserted targets included), marked 载入演示数据（命令行）."""
    call_command("load_demo")
    submission = Submission.objects.get(year=2025, unit__code="003")
    assert _every_row_has_history(submission) == []
    reasons = set(
        Indicator.history.filter(project_target__isnull=False).values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == {f"载入演示数据（{COMMAND_LINE}）"}


def test_budget_import_records_deletions_and_creations(demo):
    """An import (here from the command path) records every replaced line as deleted and every
    new one as created, named 导入预算明细 and coming from Excel导入."""
    old = set(demo.lines.values_list("pk", flat=True))
    budget_import(submission=demo, file=budget_export_workbook(submission=demo))
    new = set(demo.lines.values_list("pk", flat=True))
    assert old.isdisjoint(new)
    assert set(BudgetLine.history.filter(history_type="-").values_list("id", flat=True)) == old
    created = BudgetLine.history.filter(id__in=new)
    assert created.count() == len(new)
    assert set(created.values_list("history_change_reason", flat=True)) == {
        f"导入预算明细（{EXCEL_IMPORT}）"
    }
    assert _every_row_has_history(demo) == []


def test_budget_import_through_the_admin_records_the_user(client, demo):
    """The admin upload records the uploading user and Excel导入 (no 命令行)."""
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    data = budget_export_workbook(submission=demo)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "lines.xlsx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response = client.post(reverse("units_budget_import"), {"submission": demo.pk, "file": upload})
    assert response.status_code == 302
    records = BudgetLine.history.filter(submission_id=demo.pk, history_type="+").exclude(
        history_change_reason__contains="演示"
    )
    assert records.exists()
    assert {(r.history_user, r.history_change_reason) for r in records} == {
        (user, f"导入预算明细（{EXCEL_IMPORT}）")
    }


def test_copying_targets_records_bulk_created_rows(demo):
    """Copying last year's targets records the unit target, key tasks and indicators."""
    submission = submission_create(unit=demo.unit, year=demo.year + 1)
    Project.objects.create(
        submission=submission,
        name=demo.projects.first().name,
        category="operating",
        recurrence="recurring",
    )
    targets_copy_from_previous_year(submission=submission)
    assert _every_row_has_history(submission) == []
    target = UnitTarget.objects.get(submission=submission)
    assert KeyTask.history.filter(unit_target_id=target.pk).count() == target.key_tasks.count()
    reason = {r.history_change_reason for r in Indicator.history.filter(unit_target_id=target.pk)}
    assert reason == {f"复制上年绩效目标（{COMMAND_LINE}）"}
    assert ProjectTarget.history.filter(project__submission=submission).count() <= 1


def test_transition_records_the_actor(world):
    """A workflow move appears in the submission's history with its actor and new status."""
    reviewer = world["users"][REVIEWER]
    submission = world["sub"]["A"]
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.SUBMITTED)
    submission_transition(
        submission_id=submission.pk, actor=reviewer, to_status=SubmissionStatus.APPROVED
    )
    record = Submission.history.filter(id=submission.pk).latest()
    assert (record.status, record.history_user) == (SubmissionStatus.APPROVED, reviewer)


# --- history pages ------------------------------------------------------------------------


def test_history_pages_follow_visibility(client, world):
    """An A user sees A's history list and versions; B's object answers exactly like a missing
    one (redirect to the index), a B version id on an A object is 404, and B's name never shows."""
    line_a, record_a = line_with_history(world["sub"]["A"])
    line_b, record_b = line_with_history(world["sub"]["B"])
    for role in (FILLER, REVIEWER):
        client.force_login(world["users"][role])
        pages = {
            "history A": reverse("admin:units_budgetline_history", args=[line_a.pk]),
            "version A": reverse(
                "admin:units_budgetline_simple_history", args=[line_a.pk, record_a.pk]
            ),
        }
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, name
            assert B_NAME not in response.content.decode()
        missing = client.get(reverse("admin:units_budgetline_history", args=[999999]))
        other = client.get(reverse("admin:units_budgetline_history", args=[line_b.pk]))
        assert missing.status_code == other.status_code == 302
        assert missing["Location"] == other["Location"]
        version_b = reverse("admin:units_budgetline_simple_history", args=[line_b.pk, record_b.pk])
        assert client.get(version_b).status_code == 302
        guessed = reverse("admin:units_budgetline_simple_history", args=[line_a.pk, record_b.pk])
        assert client.get(guessed).status_code == 404
        submission_b = reverse("admin:units_submission_history", args=[world["sub"]["B"].pk])
        assert client.get(submission_b).status_code == 302


def test_history_page_of_an_object_reads_in_chinese(client, world):
    """An object's own history page shows its changes like the 变更记录: money in 元, a cleared
    note as （空） (never "None"), a 科目 as code and name, and the page's headers in Chinese."""
    line = world["sub"]["A"].lines.select_related("func_code").first()
    line.note = "原备注"
    line.save()
    other = ClassificationCode.objects.filter(scheme=line.func_code.scheme).exclude(
        pk=line.func_code_id
    )[0]
    line.note, line.amount, line.func_code = "", Decimal("4321.00"), other
    line.save()
    client.force_login(world["users"][FILLER])
    text = client.get(reverse("admin:units_budgetline_history", args=[line.pk])).content.decode()
    assert "4,321.00 元" in text and "（空）" in text and f"{other.code} {other.name}" in text
    assert "变更内容" in text
    assert not re.search(r"\bNone\b|Changes", text)


def _form_data(response) -> dict:
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not False:
            data[name] = posted(value)
    return data


def test_reviewer_cannot_revert(client, world):
    """A 审核人 may view a version but a revert POST is refused and changes nothing."""
    line, _ = line_with_history(world["sub"]["A"], "11.00")
    first = line.history.earliest()
    line.amount = Decimal("22.00")
    line.save()
    client.force_login(world["users"][REVIEWER])
    url = reverse("admin:units_budgetline_simple_history", args=[line.pk, first.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert client.post(url, _form_data(response)).status_code == 403
    line.refresh_from_db()
    assert line.amount == Decimal("22.00")


def test_filler_reverts_a_line_and_the_revert_is_recorded(client, world):
    """A 填报人 reverts a line of their draft to an earlier version; the revert is a new record."""
    line, _ = line_with_history(world["sub"]["A"], "11.00")
    first = line.history.latest()
    line.amount = Decimal("22.00")
    line.save()
    filler = world["users"][FILLER]
    client.force_login(filler)
    url = reverse("admin:units_budgetline_simple_history", args=[line.pk, first.pk])
    response = client.post(url, _form_data(client.get(url)))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("11.00")
    latest = line.history.latest()
    assert (latest.history_user, latest.amount) == (filler, Decimal("11.00"))


def test_revert_of_a_submission_never_restores_workflow_fields(client, world):
    """Reverting a submission to a version taken while 已退回 restores the entered figures but
    keeps the current status and version (they move only through the workflow)."""
    submission = Submission.objects.get(pk=world["sub"]["A"].pk)
    submission.status, submission.version, submission.prior_total = "returned", 1, Decimal("1.00")
    submission.save()
    old = submission.history.latest()
    Submission.objects.filter(pk=submission.pk).update(version=3)
    submission.refresh_from_db()
    submission.status, submission.prior_total = "draft", Decimal("2.00")
    submission.save()
    client.force_login(world["users"][FILLER])
    url = reverse("admin:units_submission_simple_history", args=[submission.pk, old.pk])
    response = client.post(url, _form_data(client.get(url)))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.prior_total == Decimal("1.00")
    assert (submission.status, submission.version) == ("draft", 3)


def test_revert_is_refused_when_the_submission_is_no_longer_editable(client, world):
    """After submission for review, a 填报人's revert POST is refused."""
    line, first = line_with_history(world["sub"]["A"], "11.00")
    Submission.objects.filter(pk=world["sub"]["A"].pk).update(status=SubmissionStatus.SUBMITTED)
    client.force_login(world["users"][FILLER])
    url = reverse("admin:units_budgetline_simple_history", args=[line.pk, first.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert client.post(url, _form_data(response)).status_code == 403
