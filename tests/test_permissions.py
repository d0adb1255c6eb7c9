"""Object-level permissions: units A and B × roles 填报人(A), 审核人(A), 管理员, anonymous over the
admin URLs of the main models and the web views; B's name never reaches A's users; forged POSTs
change nothing."""

import pytest
from django.urls import reverse

from performance.models import UnitTarget
from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from units.models import BudgetLine, Submission, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db

B_NAME = "乙单位独有名称XYZ"


@pytest.fixture
def world():
    unit_a = budget_unit_create(name="甲单位")
    unit_b = budget_unit_create(name=B_NAME)
    sub_a = submission_create(unit=unit_a)
    sub_b = submission_create(unit=unit_b)
    synthetic_budget(sub_a, 6)
    synthetic_budget(sub_b, 6, seed=1)
    target_a = UnitTarget.objects.create(submission=sub_a, strategic_goal="甲目标")
    target_b = UnitTarget.objects.create(submission=sub_b, strategic_goal="乙目标")
    users = {}
    for role, units in [(FILLER, [unit_a]), (REVIEWER, [unit_a]), (ADMIN, [])]:
        users[role] = user_with(role, units, name=role)
    users["anonymous"] = None
    return {
        "sub": {"A": sub_a, "B": sub_b},
        "line": {"A": sub_a.lines.first(), "B": sub_b.lines.first()},
        "target": {"A": target_a, "B": target_b},
        "users": users,
    }


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


OBJECTS = {"submission": "sub", "budgetline": "line", "unittarget": "target"}
APPS = {"submission": "units", "budgetline": "units", "unittarget": "performance"}


def url(kind, model, obj=None):
    name = f"admin:{APPS[model]}_{model}_{kind}"
    return reverse(name, args=[obj.pk] if obj is not None else [])


# Expected status per role for: changelist, change A, change B, add, delete A.
# 200 = page shown (change pages of non-editable objects are read-only views), 302 = redirected
# (login for anonymous; admin redirects a change URL of an invisible object to the index),
# 403 = refused.
EXPECTED = {
    FILLER: {
        "submission": (200, 200, 302, 403, 403),
        "budgetline": (200, 200, 302, 200, 200),
        "unittarget": (200, 200, 302, 200, 200),
    },
    REVIEWER: {
        "submission": (200, 200, 302, 403, 403),
        "budgetline": (200, 200, 302, 403, 403),
        "unittarget": (200, 200, 302, 403, 403),
    },
    ADMIN: {
        "submission": (200, 200, 200, 200, 403),
        "budgetline": (200, 200, 200, 403, 403),
        "unittarget": (200, 200, 200, 403, 403),
    },
    "anonymous": dict.fromkeys(OBJECTS, (302, 302, 302, 302, 302)),
}


@pytest.mark.parametrize("model", list(OBJECTS))
@pytest.mark.parametrize("role", [FILLER, REVIEWER, ADMIN, "anonymous"])
def test_admin_matrix(client, world, role, model):
    """Every role gets the documented status on the changelist, change (A, B), add and delete."""
    c = _client(client, world["users"][role])
    objects = world[OBJECTS[model]]
    got = (
        c.get(url("changelist", model)).status_code,
        c.get(url("change", model, objects["A"])).status_code,
        c.get(url("change", model, objects["B"])).status_code,
        c.get(url("add", model)).status_code,
        c.get(url("delete", model, objects["A"])).status_code,
    )
    assert got == EXPECTED[role][model]


@pytest.mark.parametrize("model", list(OBJECTS))
@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_b_never_appears_for_a_users(client, world, role, model):
    """B's distinctive unit name is on none of the admin pages an A user can open."""
    c = _client(client, world["users"][role])
    objects = world[OBJECTS[model]]
    for page in (
        url("changelist", model),
        url("change", model, objects["A"]),
        url("add", model),
        reverse("admin:index"),
        reverse("admin:units_budgetunit_changelist"),
        reverse("admin:units_department_changelist"),
    ):
        response = c.get(page, follow=True)
        assert B_NAME not in response.content.decode(), page


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [(FILLER, 200, 404), (REVIEWER, 200, 404), (ADMIN, 200, 200), ("anonymous", 302, 302)],
)
@pytest.mark.parametrize("view", ["tables:submission_tables", "performance:submission_targets"])
def test_web_views(client, world, view, role, own, other):
    """The web pages of a submission follow the same visibility."""
    c = _client(client, world["users"][role])
    response_a = c.get(reverse(view, kwargs={"pk": world["sub"]["A"].pk}))
    response_b = c.get(reverse(view, kwargs={"pk": world["sub"]["B"].pk}))
    assert (response_a.status_code, response_b.status_code) == (own, other)
    if role in (FILLER, REVIEWER):
        assert B_NAME not in response_a.content.decode()


def test_reviewer_sees_read_only_lines(client, world):
    """A 审核人's change page of a line has no save button and a POST is refused."""
    c = _client(client, world["users"][REVIEWER])
    line = world["line"]["A"]
    response = c.post(url("change", "budgetline", line), {"amount": "1.00"})
    assert response.status_code == 403


def _line_post(line, submission_id, **extra):
    return {
        "submission": submission_id,
        "func_code": line.func_code_id,
        "dept_econ_code": line.dept_econ_code_id,
        "gov_econ_code": line.gov_econ_code_id,
        "expense_kind": line.expense_kind,
        "fund_source": line.fund_source,
        "project": line.project_id or "",
        "amount": "123.45",
        "note": "伪造",
        **extra,
    }


def test_forged_budget_line_with_other_units_submission(client, world):
    """A 填报人(A) posting B's submission id in a new or changed line saves nothing."""
    c = _client(client, world["users"][FILLER])
    line_a, sub_b = world["line"]["A"], world["sub"]["B"]
    before = BudgetLine.objects.filter(submission=sub_b).count()
    response = c.post(url("add", "budgetline"), _line_post(line_a, sub_b.pk))
    assert response.status_code == 200  # the form is shown again with an error
    assert "选择一个有效的选项" in response.content.decode()
    response = c.post(url("change", "budgetline", line_a), _line_post(line_a, sub_b.pk))
    assert response.status_code == 200
    assert BudgetLine.objects.filter(submission=sub_b).count() == before
    line_a.refresh_from_db()
    assert line_a.submission_id == world["sub"]["A"].pk
    assert line_a.note != "伪造"


def test_forged_status_field_changes_nothing(client, world):
    """`status` (or `unit`) in a submission's form data is ignored."""
    c = _client(client, world["users"][FILLER])
    sub_a = world["sub"]["A"]
    form = c.get(url("change", "submission", sub_a)).context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in form.initial.items()
        if name in form.fields
    }
    inline_prefixes = [
        formset.formset.prefix
        for formset in c.get(url("change", "submission", sub_a)).context["inline_admin_formsets"]
    ]
    for prefix in inline_prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(status=SubmissionStatus.APPROVED, unit=world["sub"]["B"].unit_id, version=9)
    c.post(url("change", "submission", sub_a), data)
    sub_a.refresh_from_db()
    assert sub_a.status == SubmissionStatus.DRAFT
    assert sub_a.unit.name != B_NAME
    assert sub_a.version == 1


def test_filler_cannot_edit_after_submission(client, world):
    """Once 已提交, the 填报人's change POST is refused and the data unchanged."""
    Submission.objects.filter(pk=world["sub"]["A"].pk).update(status=SubmissionStatus.SUBMITTED)
    c = _client(client, world["users"][FILLER])
    line_a = world["line"]["A"]
    response = c.post(url("change", "budgetline", line_a), _line_post(line_a, line_a.submission_id))
    assert response.status_code == 403
    line_a.refresh_from_db()
    assert line_a.note != "伪造"
