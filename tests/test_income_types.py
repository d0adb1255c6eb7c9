"""The income model: a 单位资金 line carries the national 收入 list's type (事业收入 …, blank =
其他收入), a line of another fund may not; income by type is one pure function; the type and the
地方细化科目 are entered on the desk, in the admin and in the budget workbook."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tables.figures.derive.income import INCOME_TYPES, UNIT_INCOME_KEYS, income_by_type
from tables.figures.types import LineRow
from tests.budget_workbooks import column_of, edited, refused
from units.budget_excel import SHEET_LINES
from units.budget_import import budget_export_workbook, budget_import
from units.models import BudgetLine, FundSource, UnitIncomeType
from units.validation import budget_line_errors


def line_row(amount, *, fund="general", income_type="", carryover=False) -> LineRow:
    return LineRow(
        func_code="2010101",
        dept_code="30101",
        gov_code="50101",
        expense_kind="personnel",
        fund=fund,
        is_carryover=carryover,
        project_id=None,
        amount=Decimal(amount),
        income_type=income_type,
    )


def test_unit_income_keys_are_the_models_income_types():
    """The derivation's unit income keys are exactly the choices a line may carry, in order."""
    assert tuple(UnitIncomeType.values) == UNIT_INCOME_KEYS
    labels = dict(INCOME_TYPES)
    assert [labels[key] for key in UNIT_INCOME_KEYS] == list(UnitIncomeType.labels)


def test_income_by_type_sorts_every_line_once():
    """Carry-over counts as 上年结转结余 whatever its fund; fiscal funds by fund; 单位资金 by its
    type, blank as 其他收入; the sum of the types is the sum of the lines."""
    lines = [
        line_row("100.00"),
        line_row("20.00", fund="gov_fund"),
        line_row("3.00", fund="special_account"),
        line_row("40.00", fund="unit_funds", income_type="business"),
        line_row("5.00", fund="unit_funds", income_type="superior"),
        line_row("6.00", fund="unit_funds"),
        line_row("700.00", fund="unit_funds", income_type="business", carryover=True),
        line_row("8.00", carryover=True),
    ]
    sums = income_by_type(lines)
    assert list(sums) == [key for key, _ in INCOME_TYPES]
    assert sums["general"] == Decimal("100.00") and sums["gov_fund"] == Decimal("20.00")
    assert sums["special_account"] == Decimal("3.00") and sums["state_capital"] == 0
    assert sums["business"] == Decimal("40.00") and sums["superior"] == Decimal("5.00")
    assert sums["other"] == Decimal("6.00") and sums["operating"] == 0
    assert sums["carryover"] == Decimal("708.00")
    assert sum(sums.values()) == sum(line.amount for line in lines)


def test_unit_funds_total_is_the_sum_of_the_five_types():
    """Shanxi's 单位资金 (current year) is the sum of the five unit types."""
    lines = [
        line_row("1.10", fund="unit_funds", income_type=key) for key in UnitIncomeType.values
    ] + [line_row("2.00", fund="unit_funds")]
    sums = income_by_type(lines)
    assert sum(sums[key] for key in UNIT_INCOME_KEYS) == Decimal("7.50")


@pytest.mark.django_db
def test_income_type_only_on_unit_funds(demo):
    """An income type on a line of another fund is refused, naming the field; on 单位资金 it is
    accepted; an unknown value is refused."""
    line = BudgetLine.objects.filter(submission=demo, project__isnull=True).first()
    line.income_type = UnitIncomeType.OPERATING
    line.fund_source = FundSource.GENERAL
    errors = budget_line_errors(line)
    assert errors["income_type"] == [
        "收入类型“事业单位经营收入”只适用于资金来源为单位资金的明细：请清空收入类型，"
        "或把资金来源改为单位资金。"
    ]
    line.fund_source = FundSource.UNIT_FUNDS
    assert "income_type" not in budget_line_errors(line)
    line.income_type = "grant"
    assert "收入类型“grant”无效" in budget_line_errors(line)["income_type"][0]


@pytest.mark.django_db
def test_workbook_income_type_is_checked_at_its_cell(demo):
    """The workbook's 收入类型 column: a label other than the five, or a type on a line whose
    fund is not 单位资金, is refused with row and column; on 单位资金 it imports."""
    data = budget_export_workbook(submission=demo)
    sheet = load_workbook(io.BytesIO(data))[SHEET_LINES]
    letter = sheet.cell(1, column_of(sheet, "收入类型")).column_letter
    messages = refused(demo, edited(data, 2, "收入类型", "捐赠收入"))
    assert messages == [
        f"「预算明细」表 第2行 {letter}列（收入类型）：收入类型「捐赠收入」无效，应为 事业收入、"
        "事业单位经营收入、上级补助收入、附属单位上缴收入、其他收入 之一，或留空（按其他收入）。"
    ]
    messages = refused(demo, edited(data, 2, "收入类型", "事业收入"))
    assert messages[0].startswith(
        f"「预算明细」表 第2行 {letter}列（收入类型）：收入类型“事业收入”"
    )
    data = edited(edited(data, 2, "收入类型", "上级补助收入"), 2, "资金来源", "单位资金")
    data = edited(data, 2, "地方细化科目", "其中：伙食补助")
    budget_import(submission=demo, file=data)
    line = BudgetLine.objects.get(submission=demo, sub_item="其中：伙食补助")
    assert line.income_type == UnitIncomeType.SUPERIOR
    assert line.fund_source == FundSource.UNIT_FUNDS


@pytest.mark.django_db
def test_sub_item_formula_text_is_refused(demo, exported):
    """地方细化科目 is free text: one starting like a formula is refused at its cell."""
    messages = refused(demo, edited(exported, 2, "地方细化科目", "=HYPERLINK(1)"))
    assert "（地方细化科目）" in messages[0]


# --- the desk's line form -------------------------------------------------------------------


@pytest.fixture
def desk_world():
    from tests.factories import synthetic_submission, user_with
    from units.permissions import FILLER

    submission = synthetic_submission(4, validate=True)
    filler = user_with(FILLER, [submission.unit])
    template = (
        submission.lines.filter(project=None).select_related("func_code", "dept_econ_code").first()
    )
    return submission, filler, template


def _line_fields(template, **extra):
    return {
        "func": template.func_code.code,
        "dept": template.dept_econ_code.code,
        "gov": "",
        "expense_kind": template.expense_kind,
        "fund_source": FundSource.GENERAL,
        "amount": "1,000.00",
        "note": "收入类型测试",
        **extra,
    }


@pytest.mark.django_db
def test_desk_refuses_an_income_type_on_another_fund_at_its_field(client, desk_world):
    """The add form shows 收入类型 and 地方细化科目; a type on a 一般公共预算 line is named on its
    field and nothing is saved."""
    from django.urls import reverse

    submission, filler, template = desk_world
    client.force_login(filler)
    url = reverse("desk:lines", kwargs={"pk": submission.pk})
    page = client.get(url).content.decode()
    assert 'name="income_type"' in page and 'name="sub_item"' in page
    assert "仅资金来源为单位资金时填写" in page
    before = BudgetLine.objects.count()
    response = client.post(url, _line_fields(template, income_type=UnitIncomeType.BUSINESS))
    assert response.status_code == 422
    assert "只适用于资金来源为单位资金的明细" in response.content.decode()
    assert 'id="income_type-error"' in response.content.decode()
    assert BudgetLine.objects.count() == before
    response = client.post(url, _line_fields(template, sub_item="=1+2"))
    assert response.status_code == 422 and BudgetLine.objects.count() == before


@pytest.mark.django_db
def test_desk_saves_type_and_sub_item_and_lists_them(client, desk_world):
    """On 单位资金 the type and 地方细化科目 are saved, shown in the list and kept on edit."""
    from django.urls import reverse

    submission, filler, template = desk_world
    client.force_login(filler)
    url = reverse("desk:lines", kwargs={"pk": submission.pk})
    fields = _line_fields(
        template,
        fund_source=FundSource.UNIT_FUNDS,
        income_type=UnitIncomeType.AFFILIATED,
        sub_item="其中：会议费",
    )
    assert client.post(url, fields).status_code == 302
    line = BudgetLine.objects.get(submission=submission, note="收入类型测试")
    assert (line.income_type, line.sub_item) == (UnitIncomeType.AFFILIATED, "其中：会议费")
    listing = client.get(url).content.decode()
    assert "地方细化科目 其中：会议费" in listing and "（附属单位上缴收入）" in listing
    edit = client.get(reverse("desk:line_edit", kwargs={"pk": submission.pk, "line_id": line.pk}))
    assert 'value="其中：会议费"' in edit.content.decode()
    assert '<option value="affiliated" selected>' in edit.content.decode()


@pytest.mark.django_db
def test_admin_line_form_has_income_type_and_sub_item(client, demo):
    """The admin's budget-line page offers 收入类型 (with its help text) and 地方细化科目; the
    submission page's 国有资产 offers the asset date first."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    line = BudgetLine.objects.filter(submission=demo).first()
    page = client.get(f"/admin/units/budgetline/{line.pk}/change/").content.decode()
    assert 'name="income_type"' in page and 'name="sub_item"' in page
    assert "仅单位资金填写；留空按其他收入。" in page
    page = client.get(f"/admin/units/submission/{demo.pk}/change/").content.decode()
    assert page.index('name="assets-0-as_of"') < page.index('name="assets-0-vehicles_quota"')
