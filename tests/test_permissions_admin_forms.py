"""Forged admin form posts change nothing, and admin forms offer only the user's own rows.

With the world of `tests/admin_url_matrix.py`: another unit's ids in FK fields, in inline rows
and in the formset management data, workflow fields in the form data, admin actions with B's
ids, reverts of B's versions — change nothing (database compared before and after); raw-id
popups, foreign-key choices and inline project choices list only rows the user may use; a
财政管理员 cannot make anyone a superuser; the submission page's queries do not grow with its
rows. The GET matrix over every admin URL is in `tests/test_permissions_admin_urls.py`.
"""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.urls import reverse

from performance.models import ProjectTarget, UnitTarget
from tests.admin_forms import change_form_data, posted, prefix_of
from tests.admin_url_matrix import (
    B_NAME,
    B_STRINGS,
    MISSING,
    STATES,
    build_world,
    latest_version,
    login_as,
    objects_of,
    response_body,
    url_of,
)
from tests.factories import submission_create
from units.history import TRACKED, submission_history_filter
from units.models import (
    BudgetLine,
    BudgetUnit,
    Department,
    Project,
    Submission,
    SubmissionStatus,
)
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db


# --- forged POSTs -----------------------------------------------------------------------------


def snapshot():
    """Every row of every budget-data table, and the number of history records of B's data.

    A forged inline row is dropped by Django (an id outside the formset's rows gives an empty
    form) while the rest of the page — A's own object, unchanged — may be saved again: so
    `updated_at` and the history of A's data are left out; the rows themselves must be equal.
    """
    state = {}
    b_submission = Submission.objects.get(unit__name=B_NAME).pk
    for tracked in TRACKED:
        model = tracked.model
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
        state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
        state[f"{model._meta.label} history of B"] = model.history.filter(
            submission_history_filter(tracked, b_submission)
        ).count()
    return state


def assert_refused(response, before):
    assert response.status_code in (200, 302, 403, 404)
    assert snapshot() == before
    assert not any(secret in response_body(response) for secret in B_STRINGS)


@pytest.fixture
def filler(client, draft_world):
    return login_as(client, draft_world["users"][FILLER])


def test_forged_fk_ids_of_b_in_line_and_target_forms(filler, draft_world):
    """B's submission or project in a line, B's submission in a unit target, B's project in a
    project target — on add and change — are refused; B's project name is not echoed back by
    the raw-id widget."""
    a, b = draft_world["A"], draft_world["B"]
    before = snapshot()
    line_url = url_of(BudgetLine, "change", a["line"].pk)
    data = change_form_data(filler, line_url)
    assert_refused(filler.post(line_url, {**data, "project": b["project"].pk}), before)
    assert_refused(filler.post(line_url, {**data, "submission": b["submission"].pk}), before)
    add_data = {k: v for k, v in data.items() if k != "concurrency_token"}
    assert_refused(
        filler.post(url_of(BudgetLine, "add"), {**add_data, "submission": b["submission"].pk}),
        before,
    )
    assert_refused(
        filler.post(url_of(BudgetLine, "add"), {**add_data, "project": b["project"].pk}), before
    )
    # saving as new from A's page with B's submission is an add, refused the same way
    assert_refused(
        filler.post(line_url, {**data, "_saveasnew": "1", "submission": b["submission"].pk}),
        before,
    )
    UnitTarget.objects.filter(pk=a["unit_target"].pk).delete()
    before = snapshot()
    assert_refused(
        filler.post(
            url_of(UnitTarget, "add"),
            {
                "submission": b["submission"].pk,
                "strategic_goal": "伪造",
                "annual_goal": "伪造",
                "key_tasks-TOTAL_FORMS": "0",
                "key_tasks-INITIAL_FORMS": "0",
                "indicators-TOTAL_FORMS": "0",
                "indicators-INITIAL_FORMS": "0",
            },
        ),
        before,
    )
    new_project = Project.objects.create(
        submission=a["submission"], name="甲新项目", category="operating", recurrence="recurring"
    )
    before = snapshot()
    target_data = change_form_data(filler, url_of(ProjectTarget, "add"))
    target_data.update(
        project=b["project"].pk,
        overview="伪造",
        basis="伪造",
        necessity="伪造",
        measures="伪造",
        plan="伪造",
        goal_period="伪造",
        goal_year="伪造",
    )
    assert_refused(filler.post(url_of(ProjectTarget, "add"), target_data), before)
    assert new_project.pk  # A's own project stays available, untouched


def test_forged_inline_rows_pointing_at_b(filler, draft_world):
    """Inline rows whose id is one of B's rows (a project on the submission page, an indicator
    and a key task on the target pages), or whose parent key is B's target, change nothing."""
    a, b = draft_world["A"], draft_world["B"]
    before = snapshot()
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(filler, url)
    projects = prefix_of(data, "projects")
    forged = {**data, f"{projects}-0-id": b["project"].pk, f"{projects}-0-name": "伪造项目名"}
    assert_refused(filler.post(url, forged), before)
    glossary = prefix_of(data, "glossary_terms")
    forged = {**data, f"{glossary}-0-id": b["glossary"].pk, f"{glossary}-0-DELETE": "on"}
    assert_refused(filler.post(url, forged), before)

    url = url_of(ProjectTarget, "change", a["project_target"].pk)
    data = change_form_data(filler, url)
    for prefix in [k.removesuffix("-TOTAL_FORMS") for k in data if k.endswith("-TOTAL_FORMS")]:
        for forged in (
            {f"{prefix}-0-id": b["indicator"].pk, f"{prefix}-0-text": "≥99个"},
            {f"{prefix}-0-id": b["indicator"].pk, f"{prefix}-0-DELETE": "on"},
            {f"{prefix}-0-project_target": b["project_target"].pk, f"{prefix}-0-text": "≥98个"},
        ):
            if f"{prefix}-0-id" in data or "project_target" in str(forged):
                assert_refused(filler.post(url, {**data, **forged}), before)

    url = url_of(UnitTarget, "change", a["unit_target"].pk)
    data = change_form_data(filler, url)
    tasks = prefix_of(data, "key_tasks")
    forged = {**data, f"{tasks}-0-id": b["key_task"].pk, f"{tasks}-0-tasks": "伪造任务"}
    assert_refused(filler.post(url, forged), before)
    indicators = prefix_of(data, "indicators")
    forged = {**data, f"{indicators}-0-id": b["unit_indicator"].pk, f"{indicators}-0-DELETE": "on"}
    assert_refused(filler.post(url, forged), before)


def test_tampered_management_forms(filler, draft_world):
    """TOTAL_FORMS larger than the rows sent, INITIAL_FORMS claiming rows without ids or with
    B's ids, and an absurd TOTAL_FORMS save nothing foreign and never fail with a 500."""
    a, b = draft_world["A"], draft_world["B"]
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(filler, url)
    projects = prefix_of(data, "projects")
    count = int(data[f"{projects}-TOTAL_FORMS"])
    before = snapshot()
    # More forms announced than sent: refused (the missing fields differ from the defaults).
    assert_refused(filler.post(url, {**data, f"{projects}-TOTAL_FORMS": str(count + 5)}), before)
    # Initial rows claimed beyond those sent (no id) and one with B's id.
    forged = {
        **data,
        f"{projects}-INITIAL_FORMS": str(count + 1),
        f"{projects}-TOTAL_FORMS": str(count + 1),
        f"{projects}-{count}-id": b["project"].pk,
        f"{projects}-{count}-name": "伪造",
    }
    assert_refused(filler.post(url, forged), before)
    forged = {
        **data,
        f"{projects}-INITIAL_FORMS": str(count + 3),
        f"{projects}-TOTAL_FORMS": str(count + 3),
    }
    assert_refused(filler.post(url, forged), before)
    forged = {**data, f"{projects}-TOTAL_FORMS": "100000"}
    assert_refused(filler.post(url, forged), before)


def test_workflow_fields_in_form_data_are_ignored(client, draft_world):
    """`status`, `version`, `approval_date`, `unit` and `year` posted with the submission page
    change none of them (批复日期 starts the unit's own 公开时限, so the unit cannot set it)."""
    a, b = draft_world["A"], draft_world["B"]
    login_as(client, draft_world["users"][FILLER])
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(client, url)
    assert "approval_date" not in data
    data.update(
        status=SubmissionStatus.PUBLISHED,
        version="7",
        approval_date="2020-01-01",
        unit=b["unit"].pk,
        year="1999",
        prior_total="12.00",
    )
    assert client.post(url, data).status_code == 302
    submission = Submission.objects.get(pk=a["submission"].pk)
    assert submission.prior_total == Decimal("12.00")  # the legitimate field was saved
    assert (submission.status, submission.version, submission.approval_date) == ("draft", 1, None)
    assert (submission.unit_id, submission.year) == (a["unit"].pk, a["submission"].year)


@pytest.mark.parametrize("state", STATES[1:], ids=[s.value for s in STATES[1:]])
@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_non_editable_states_refuse_every_write(client, role, state):
    """In 已提交/已审核/已发布, change, delete and revert POSTs of A's data are refused."""
    world = build_world(state)
    login_as(client, world["users"][role])
    a = world["A"]
    before = snapshot()
    for model, obj in (
        (Submission, a["submission"]),
        (BudgetLine, a["line"]),
        (UnitTarget, a["unit_target"]),
        (ProjectTarget, a["project_target"]),
    ):
        change = url_of(model, "change", obj.pk)
        data = change_form_data(client, change)
        data.update(approval_date="2020-01-01", status=SubmissionStatus.DRAFT, note="伪造")
        assert client.post(change, data).status_code == 403, change
        assert client.post(url_of(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        version = url_of(model, "version", obj.pk, latest_version(obj))
        assert client.post(version, data).status_code == 403
    assert snapshot() == before


def test_actions_with_b_ids_change_nothing(client, draft_world):
    """Every admin action posted with B's ids in `_selected_action` leaves the data (and the
    audit trail) exactly as it was."""
    b = draft_world["B"]
    Submission.objects.filter(pk=b["submission"].pk).update(status=SubmissionStatus.SUBMITTED)
    cases = [
        (FILLER, Submission, b["submission"], ["submit_for_review", "initialise_texts"]),
        (REVIEWER, Submission, b["submission"], ["approve", "return_to_unit"]),
        (FILLER, BudgetLine, b["line"], ["delete_selected"]),
        (FILLER, UnitTarget, b["unit_target"], ["copy_previous_year", "delete_selected"]),
        (FILLER, ProjectTarget, b["project_target"], ["copy_previous_year", "delete_selected"]),
    ]
    before = snapshot()
    for role, model, obj, actions in cases:
        login_as(client, draft_world["users"][role])
        for action in actions:
            response = client.post(
                url_of(model, "changelist"),
                {
                    "action": action,
                    ACTION_CHECKBOX_NAME: [obj.pk],
                    "post": "yes",
                    "reason": "伪造的退回原因",
                },
            )
            assert_refused(response, before)
    assert Submission.objects.get(pk=b["submission"].pk).status == SubmissionStatus.SUBMITTED


def test_delete_and_revert_posts_for_b_objects_change_nothing(filler, draft_world):
    """Delete and revert POSTs naming B's objects answer like missing objects; nothing changes."""
    b = draft_world["B"]
    before = snapshot()
    for model, obj in (
        (BudgetLine, b["line"]),
        (UnitTarget, b["unit_target"]),
        (ProjectTarget, b["project_target"]),
        (Submission, b["submission"]),
    ):
        for kind in ("delete", "change"):
            url = url_of(model, kind, obj.pk)
            missing = url_of(model, kind, MISSING)
            response = filler.post(url, {"post": "yes"})
            other = filler.post(missing, {"post": "yes"})
            assert (response.status_code, response.get("Location")) == (
                other.status_code,
                other.get("Location"),
            )
            assert_refused(response, before)
        version = url_of(model, "version", obj.pk, latest_version(obj))
        assert_refused(filler.post(version, {"post": "yes"}), before)
    assert BudgetUnit.objects.filter(pk=b["unit"].pk).exists()
    assert Department.objects.filter(pk=b["department"].pk).exists()


def test_custom_admin_views_with_b_ids(client, draft_world):
    """The 变更记录 page, the target Excel export and template, the copy page and the budget
    import/template views given B's submission answer like a missing one for A's users."""
    b = draft_world["B"]
    for role in (FILLER, REVIEWER):
        login_as(client, draft_world["users"][role])
        pairs = [
            (
                reverse("admin:units_submission_audit", args=[b["submission"].pk]),
                reverse("admin:units_submission_audit", args=[MISSING]),
            ),
            (
                reverse("admin:performance_projecttarget_export")
                + f"?submission={b['submission'].pk}",
                reverse("admin:performance_projecttarget_export") + f"?submission={MISSING}",
            ),
            (
                reverse("admin:performance_projecttarget_template")
                + f"?submission={b['submission'].pk}",
                reverse("admin:performance_projecttarget_template") + f"?submission={MISSING}",
            ),
            (
                reverse("units_budget_template") + f"?submission={b['submission'].pk}",
                reverse("units_budget_template") + f"?submission={MISSING}",
            ),
        ]
        for url, missing in pairs:
            response, other = client.get(url), client.get(missing)
            assert response.status_code == other.status_code, url
            assert not any(s in response_body(response) for s in B_STRINGS), url
        before = snapshot()
        for url in (
            reverse("admin:performance_projecttarget_copy"),
            reverse("units_budget_import"),
        ):
            assert_refused(client.post(url, {"submission": b["submission"].pk}), before)


def test_popups_list_only_visible_objects(client, draft_world):
    """Raw-id popups (`?_popup=1&_to_field=id`) of submissions, units and lines list A's rows
    only for A's users."""
    for role in (FILLER, REVIEWER):
        login_as(client, draft_world["users"][role])
        for model in (Submission, BudgetUnit, Department, BudgetLine, UnitTarget, ProjectTarget):
            response = client.get(url_of(model, "popup"))
            assert response.status_code == 200
            shown = {obj.pk for obj in response.context["cl"].result_list}
            a_obj, b_obj = objects_of(draft_world, model._meta.label_lower)
            assert a_obj.pk in shown and b_obj.pk not in shown
            assert not any(s in response_body(response) for s in B_STRINGS)


def test_every_field_relation_of_budget_forms_is_scoped(client, draft_world):
    """On A's change pages every foreign-key <select> offers no row of B (projects, submissions,
    targets), so B's names are never listed."""
    login_as(client, draft_world["users"][FILLER])
    a = draft_world["A"]
    for model, obj in (
        (Submission, a["submission"]),
        (BudgetLine, a["line"]),
        (UnitTarget, a["unit_target"]),
        (ProjectTarget, a["project_target"]),
    ):
        response = client.get(url_of(model, "change", obj.pk))
        forms = [response.context["adminform"].form]
        for inline in response.context["inline_admin_formsets"]:
            forms += list(inline.formset.forms) + [inline.formset.empty_form]
        for form in forms:
            for name, field in form.fields.items():
                queryset = getattr(field, "queryset", None)
                if queryset is None or field.widget.is_hidden:
                    continue  # row ids: never rendered as choices
                rows = {str(o) for o in queryset[:500]}
                assert not any(s in row for row in rows for s in B_STRINGS), (model, name)


def test_admin_role_cannot_become_superuser(client, draft_world):
    """A 财政管理员 editing users cannot grant superuser status or single permissions (to
    themselves or anyone), nor change or delete a superuser's account or password."""
    manager = draft_world["users"][ADMIN]
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw-123456")
    login_as(client, manager)
    url = reverse("admin:auth_user_change", args=[manager.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    data = {
        name: posted(form[name].value())
        for name in form.fields
        if form[name].value() is not False and not isinstance(form[name].value(), list)
    }
    data.update(is_superuser="on", is_staff="on", is_active="on")
    data["groups"] = [g.pk for g in manager.groups.all()]
    client.post(url, data)
    manager.refresh_from_db()
    assert not manager.is_superuser
    for kind in ("change", "delete"):
        assert (
            client.post(reverse(f"admin:auth_user_{kind}", args=[root.pk]), {}).status_code == 403
        )
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert (
        client.post(
            password_url, {"password1": "x-98765432", "password2": "x-98765432"}
        ).status_code
        == 403
    )
    root.refresh_from_db()
    assert root.check_password("pw-123456")


def test_inline_project_choices_are_the_submissions_own(client, draft_world):
    """On a submission's page, 政府采购 rows and 追加批次 offer only that submission's projects,
    even when the 填报人 edits several submissions."""
    a = draft_world["A"]
    other = submission_create(unit=a["unit"], year=a["submission"].year + 1)
    Project.objects.create(
        submission=other, name="另一年度的项目", category="operating", recurrence="recurring"
    )
    login_as(client, draft_world["users"][FILLER])
    response = client.get(url_of(Submission, "change", a["submission"].pk))
    own = set(Project.objects.filter(submission=a["submission"]).values_list("pk", flat=True))
    checked = 0
    for inline in response.context["inline_admin_formsets"]:
        form = inline.formset.empty_form
        for name in ("project", "allocation_of"):
            if name in form.fields:
                assert set(form.fields[name].queryset.values_list("pk", flat=True)) <= own
                checked += 1
    assert checked == 2


def test_submission_page_queries_do_not_grow_with_rows(client, draft_world):
    """The submission page (its project choices scoped and read once, the locking token taken
    from the rows already loaded) runs as many queries with 30 more projects and items."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from units.models import ProcurementItem

    submission = draft_world["A"]["submission"]
    login_as(client, draft_world["users"][FILLER])
    url = url_of(Submission, "change", submission.pk)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    ProcurementItem.objects.create(
        submission=submission, kind="goods", name="采购", amount=Decimal("1.00")
    )
    count()  # warm the per-process caches (content types, session)
    before = count()
    for n in range(30):
        project = Project.objects.create(
            submission=submission, name=f"项目{n}", category="operating", recurrence="recurring"
        )
        ProcurementItem.objects.create(
            submission=submission, kind="goods", name=f"采购{n}", project=project, amount=1
        )
    assert count() == before
