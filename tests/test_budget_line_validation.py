"""Bad budget lines are refused with a clear Chinese message, and nothing is saved."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    Project,
    Submission,
)
from units.reference_defaults import load_default_reference
from units.services import budget_lines_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission():
    load_default_reference(year=2025)
    department = Department.objects.create(code="900", name="测试部门")
    unit = BudgetUnit.objects.create(
        code="900", name="测试单位", kind="admin", department=department
    )
    return Submission.objects.create(unit=unit, year=2025)


def code(scheme, value, year=2025):
    return ClassificationCode.objects.get(scheme=scheme, year=year, code=value)


def good_line(**overrides):
    values = {
        "func_code": code(CodeScheme.FUNCTIONAL, "2010101"),
        "dept_econ_code": code(CodeScheme.DEPT_ECONOMIC, "30101"),
        "gov_econ_code": code(CodeScheme.GOV_ECONOMIC, "50101"),
        "expense_kind": "personnel",
        "amount": Decimal("1000.00"),
    }
    values.update(overrides)
    return BudgetLine(**values)


def refused(submission, bad_line) -> str:
    """Create 3 good lines and one bad one; return the error text after asserting nothing saved."""
    lines = [good_line(), good_line(), bad_line, good_line()]
    with pytest.raises(ValidationError) as info:
        budget_lines_create(submission=submission, lines=lines)
    assert BudgetLine.objects.count() == 0
    return " ".join(info.value.messages)


def test_good_lines_are_saved(submission):
    """Valid lines are all saved with exact amounts."""
    budget_lines_create(
        submission=submission, lines=[good_line(), good_line(amount=Decimal("0.01"))]
    )
    assert sorted(BudgetLine.objects.values_list("amount", flat=True)) == [
        Decimal("0.01"),
        Decimal("1000.00"),
    ]


def test_negative_amount_refused(submission):
    """A negative amount names the line and says it cannot be negative."""
    assert "第3条" in (msg := refused(submission, good_line(amount=Decimal("-1.00"))))
    assert "不能为负数" in msg


def test_more_than_two_decimals_refused_not_rounded(submission):
    """0.125 元 is refused (never rounded to 0.12 or 0.13)."""
    msg = refused(submission, good_line(amount=Decimal("0.125")))
    assert "第3条" in msg and "两位小数" in msg


def test_unknown_functional_code_refused(submission):
    """A functional code of another year is refused."""
    other = ClassificationCode.objects.create(
        scheme=CodeScheme.FUNCTIONAL, year=2019, code="2010101", name="行政运行", level=3
    )
    msg = refused(submission, good_line(func_code=other))
    assert "2019年的科目" in msg and "功能科目" in msg


def test_non_item_level_functional_code_refused(submission):
    """A 款-level functional code is refused: lines need a 项."""
    msg = refused(submission, good_line(func_code=code(CodeScheme.FUNCTIONAL, "20101")))
    assert "不是项级科目" in msg


def test_functional_slot_with_economic_code_refused(submission):
    """An economic code in the functional slot is refused."""
    msg = refused(submission, good_line(func_code=code(CodeScheme.DEPT_ECONOMIC, "30101")))
    assert "不属于支出功能分类" in msg


def test_project_expense_without_project_refused(submission):
    """项目支出 must name its project."""
    msg = refused(submission, good_line(expense_kind="project"))
    assert "项目支出必须选择所属项目" in msg


def test_basic_expense_with_project_refused(submission):
    """基本支出 must not carry a project."""
    project = Project.objects.create(
        submission=submission, name="会议费", category="operating", recurrence="recurring"
    )
    msg = refused(submission, good_line(project=project))
    assert "基本支出不能关联项目" in msg


def test_project_of_another_submission_refused(submission):
    """A project from another unit's submission cannot be used."""
    other_unit = BudgetUnit.objects.create(
        code="901", name="另一单位", kind="admin", department=submission.unit.department
    )
    other = Submission.objects.create(unit=other_unit, year=2025)
    project = Project.objects.create(
        submission=other, name="外单位项目", category="operating", recurrence="recurring"
    )
    msg = refused(submission, good_line(expense_kind="project", project=project))
    assert "不属于本填报" in msg


def test_economic_code_of_wrong_class_refused(submission):
    """人员经费 with a 302 code, and a 政府经济科目 of an unrelated class, are refused."""
    msg = refused(
        submission,
        good_line(
            dept_econ_code=code(CodeScheme.DEPT_ECONOMIC, "30201"),
            gov_econ_code=code(CodeScheme.GOV_ECONOMIC, "50201"),
        ),
    )
    assert "人员经费只能使用" in msg
    msg = refused(submission, good_line(gov_econ_code=code(CodeScheme.GOV_ECONOMIC, "50901")))
    assert "不属于对应的类" in msg


def post_admin_line(client, submission, **overrides):
    """POST the admin add form for a budget line as a superuser."""
    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(admin)
    data = {
        "submission": submission.pk,
        "func_code": code(CodeScheme.FUNCTIONAL, "2010101").pk,
        "dept_econ_code": code(CodeScheme.DEPT_ECONOMIC, "30101").pk,
        "gov_econ_code": code(CodeScheme.GOV_ECONOMIC, "50101").pk,
        "expense_kind": "personnel",
        "fund_source": "general",
        "amount": "10.00",
    }
    data.update(overrides)
    return client.post("/admin/units/budgetline/add/", data)


def test_admin_form_refuses_bad_amount_and_saves_nothing(submission, client):
    """The admin add form shows the Chinese error for 0.125 and saves no line."""
    response = post_admin_line(client, submission, amount="0.125")
    assert response.status_code == 200
    assert "小数不超过 2 位" in response.content.decode()
    assert BudgetLine.objects.count() == 0


def test_admin_form_refuses_project_rule(submission, client):
    """The admin form reports 项目支出 without project beside the field; nothing saved."""
    response = post_admin_line(
        client,
        submission,
        dept_econ_code=code(CodeScheme.DEPT_ECONOMIC, "30201").pk,
        gov_econ_code=code(CodeScheme.GOV_ECONOMIC, "50201").pk,
        expense_kind="project",
    )
    assert "项目支出必须选择所属项目" in response.content.decode()
    assert BudgetLine.objects.count() == 0


def test_admin_form_saves_a_good_line(submission, client):
    """A valid line posted through the admin is saved with its exact amount."""
    response = post_admin_line(client, submission, amount="1234.56")
    assert response.status_code == 302
    assert BudgetLine.objects.get().amount == Decimal("1234.56")
