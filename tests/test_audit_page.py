"""The 变更记录 of a submission as people read it, on the admin's page and on the desk: who
(full name or user name, 系统 without one), when, from where (网页 / Excel导入 / 命令行 /
后台任务), each field's label with its value before and after in Chinese (states, 是/否, 元,
dates, （空）); shown only to those who may see the submission, in a bounded number of queries."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from performance.models import KeyTask, UnitTarget
from tests.admin_forms import change_form_data
from tests.audit_world import B_NAME, audit_world, line_with_history
from tests.factories import synthetic_budget, user_with
from units.budget_import import budget_export_workbook, budget_import
from units.history import BACKGROUND_TASK, COMMAND_LINE, EXCEL_IMPORT, WEB
from units.models import BudgetLine, Submission, SubmissionStatus
from units.permissions import FILLER, REVIEWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return audit_world()


# --- the 变更记录 page of a submission --------------------------------------------------------


def test_audit_page_lists_who_when_and_before_after(client, world):
    """The page lists the filler's change of a line with the old and new amount and a deleted
    project; B's page answers 404 to A's users, like a missing submission."""
    filler = world["users"][FILLER]
    submission = world["sub"]["A"]
    line = submission.lines.first()
    line.save()
    client.force_login(filler)
    url = reverse("admin:units_budgetline_change", args=[line.pk])
    data = change_form_data(client, url)
    old = f"{line.amount:,.2f}"
    data["amount"] = "4321.00"
    assert client.post(url, data).status_code == 302
    audit = reverse("admin:units_submission_audit", args=[submission.pk])
    content = client.get(audit).content.decode()
    assert f"金额（元）：{old} 元 → 4,321.00 元" in content
    assert filler.get_username() in content
    assert B_NAME not in content
    for role in (FILLER, REVIEWER):
        client.force_login(world["users"][role])
        assert client.get(audit).status_code == 200
        other = reverse("admin:units_submission_audit", args=[world["sub"]["B"].pk])
        assert client.get(other).status_code == 404
        assert client.get(reverse("admin:units_submission_audit", args=[999999])).status_code == 404
    client.logout()
    assert client.get(audit).status_code == 302


def test_audit_page_names_deleted_rows_and_the_import(client, demo):
    """After an import, the page shows the deleted lines (with their amounts) and the created
    ones, named 导入预算明细 from Excel导入 by 系统; the submission page links to it."""
    budget_import(submission=demo, file=budget_export_workbook(submission=demo))
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    content = client.get(reverse("admin:units_submission_audit", args=[demo.pk])).content
    text = content.decode()
    assert "删除" in text and "新增" in text and "<td>导入预算明细</td>" in text
    assert f"<td>{EXCEL_IMPORT}</td>" in text and "<td>系统</td>" in text
    change = client.get(reverse("admin:units_submission_change", args=[demo.pk]))
    assert reverse("admin:units_submission_audit", args=[demo.pk]) in change.content.decode()


def _audit_queries(client, submission) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:units_submission_audit", args=[submission.pk]))
    assert response.status_code == 200
    return len(queries)


def test_audit_page_queries_do_not_grow_with_the_history(client, world):
    """The page's query count does not grow from 6 to 66 changed lines (it depends on the kinds
    of rows on the page, never on their number)."""
    submission = world["sub"]["A"]
    client.force_login(world["users"][FILLER])
    target = UnitTarget.objects.create(submission=submission, strategic_goal="目标")
    task = KeyTask.objects.create(unit_target=target, function="职能", tasks="任务")

    def change_everything():
        for line in submission.lines.all():
            line.amount += 1
            line.save()
        for obj in (target, task):
            obj.save()

    change_everything()
    small = _audit_queries(client, submission)
    synthetic_budget(submission, 60, seed=3)
    change_everything()
    assert _audit_queries(client, submission) <= small <= 30


# --- where a change came from, and how the 变更记录 reads -----------------------------------


def _entries(submission):
    """Every entry of the submission's 变更记录, newest first."""
    from units.history import audit_entries_load, submission_changes_queryset

    return audit_entries_load(list(submission_changes_queryset(submission_id=submission.pk)))


def test_a_desk_move_is_recorded_as_web_with_its_user(client, world):
    """A workflow move made on the desk (a logged-in web request) reads 网页 with the reviewer,
    and the state as 已提交 → 已退回, never the stored codes."""
    reviewer = world["users"][REVIEWER]
    reviewer.first_name = "审核员王五"
    reviewer.save()
    submission = Submission.objects.get(pk=world["sub"]["A"].pk)
    submission.status = SubmissionStatus.SUBMITTED
    submission.save()
    client.force_login(reviewer)
    response = client.post(
        reverse("desk:move", args=[submission.pk]), {"to_status": "returned", "reason": "请补充"}
    )
    assert response.status_code == 302
    record = Submission.history.filter(id=submission.pk).latest()
    assert (record.history_user, record.history_change_reason) == (reviewer, WEB)
    entry = _entries(submission)[0]
    assert (entry.actor, entry.source, entry.action) == ("审核员王五", WEB, "修改")
    assert ("状态", "已提交", "已退回") in [(c.label, c.before, c.after) for c in entry.changes]


def test_a_publication_started_in_the_browser_reads_background_task(client, monkeypatch):
    """Publishing from the admin's batch page records 后台任务 with the administrator (the task
    runs in the request with the tests' immediate backend, on the worker in production), never
    命令行; the move reads 已审核 → 已发布."""
    from tables.publication import artifacts
    from tests.factories import approved_submission
    from units.permissions import ADMIN

    monkeypatch.setattr(artifacts, "publication_render", lambda **kwargs: [])
    submission = approved_submission("甲单位", n_lines=3)
    admin_user = user_with(ADMIN, name="bureau")
    client.force_login(admin_user)
    start = reverse("admin:tables_publicationbatch_start")
    client.post(start, {"year": str(submission.year), "submission": [submission.pk]})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PUBLISHED
    entry = _entries(submission)[0]
    assert (entry.actor, entry.source) == ("bureau", BACKGROUND_TASK)
    assert ("状态", "已审核", "已发布") in [(c.label, c.before, c.after) for c in entry.changes]


def test_an_import_reads_excel_import_and_a_command_reads_command_line(demo):
    """The demo loaded by a command reads 命令行 by 系统 (named 载入演示数据); an import from
    the command path reads Excel导入 by 系统 (named 导入预算明细), deleted lines included."""
    before = {(e.source, e.actor, e.reason) for e in _entries(demo)}
    assert (COMMAND_LINE, "系统", "载入演示数据") in before
    budget_import(submission=demo, file=budget_export_workbook(submission=demo))
    entries = _entries(demo)
    assert {(e.source, e.actor, e.reason) for e in entries[:5]} == {
        (EXCEL_IMPORT, "系统", "导入预算明细")
    }
    deleted = next(e for e in entries if e.action == "删除" and e.what == "预算明细")
    assert deleted.label.endswith(" 元") and "（空）" not in deleted.label


def test_stored_reasons_read_as_their_source_and_operation():
    """Every stored form of `history_change_reason` reads as (source, operation); records kept
    from before the source was stored read 网页, or Excel导入 for an import's name."""
    from units.history import change_source

    assert change_source("网页") == (WEB, "")
    assert change_source("导入预算明细（Excel导入）") == (EXCEL_IMPORT, "导入预算明细")
    assert change_source("复制上年绩效目标（命令行）") == (COMMAND_LINE, "复制上年绩效目标")
    assert change_source("后台任务") == (BACKGROUND_TASK, "")
    assert change_source(None) == (WEB, "")
    assert change_source("导入绩效目标") == (EXCEL_IMPORT, "导入绩效目标")


def test_values_read_in_chinese():
    """States by their labels, money in 元 with separators, 是/否, dates as 2026年3月5日 (with
    时:分), a 科目 as code and name, and nothing as （空）, never None."""
    import datetime
    from zoneinfo import ZoneInfo

    from units.history import value_display

    field = Submission._meta.get_field
    line = BudgetLine._meta.get_field
    code = line("func_code").related_model(code="2010101", name="行政运行")
    code.pk = 7
    labels = {(code.__class__, 7): str(code)}
    at = datetime.datetime(2026, 3, 5, 14, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert value_display(field("status"), "approved") == "已审核"
    assert value_display(field("prior_total"), Decimal("12345.6")) == "12,345.60 元"
    assert value_display(field("prior_total"), None) == "（空）"
    assert value_display(field("approval_date"), datetime.date(2026, 3, 5)) == "2026年3月5日"
    assert value_display(field("created_at"), at) == "2026年3月5日 14:05"
    assert value_display(line("is_carryover"), True) == "是"
    assert value_display(line("is_carryover"), False) == "否"
    assert value_display(line("note"), "") == "（空）"
    assert value_display(line("func_code"), 7, labels) == "2010101 行政运行"
    assert value_display(line("func_code"), 8, labels) == "第8号（已删除）"


def test_admin_edit_reads_web_with_money_and_empty_values(client, world):
    """An admin edit of a line reads 网页 with the user: the amount as 元 with separators, a
    cleared note as （空）; the page shows no "None"."""
    filler = world["users"][FILLER]
    line = world["sub"]["A"].lines.first()
    line.note = "原备注"
    line.save()
    client.force_login(filler)
    url = reverse("admin:units_budgetline_change", args=[line.pk])
    data = change_form_data(client, url)
    data.update(amount="12345.60", note="")
    assert client.post(url, data).status_code == 302
    entry = _entries(world["sub"]["A"])[0]
    assert (entry.actor, entry.source, entry.reason) == (filler.get_username(), WEB, "")
    changes = {c.label: (c.before, c.after) for c in entry.changes}
    assert changes["金额（元）"][1] == "12,345.60 元"
    assert changes["备注"] == ("原备注", "（空）")
    page = client.get(reverse("admin:units_submission_audit", args=[line.submission_id]))
    assert "None" not in page.content.decode()


def test_desk_history_page_follows_visibility_and_shows_the_admins_table(client, world):
    """The desk's 变更记录 answers 200 to A's users with the same entries as the admin's page,
    404 for B's submission and a missing one, and sends an anonymous visitor to log in."""
    submission = world["sub"]["A"]
    line_with_history(submission, "4321.00")
    desk = reverse("desk:history", args=[submission.pk])
    for role in (FILLER, REVIEWER):
        client.force_login(world["users"][role])
        response = client.get(desk)
        assert response.status_code == 200
        text = response.content.decode()
        assert "4,321.00 元" in text and 'aria-current="page">变更记录' in text
        assert B_NAME not in text
        assert (
            response.context["audit"].entries
            == client.get(reverse("admin:units_submission_audit", args=[submission.pk]))
            .context["audit"]
            .entries
        )
        assert client.get(reverse("desk:history", args=[world["sub"]["B"].pk])).status_code == 404
        assert client.get(reverse("desk:history", args=[999999])).status_code == 404
    client.logout()
    assert client.get(desk).status_code == 302
