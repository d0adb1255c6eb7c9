"""The 决算 tables F01–F09: loading a 决算 submission, and every table derived from the seed's
budget taken as 年初预算 with deterministic 决算数 (identities to the cent, 完成率, empty tables)."""

import dataclasses
from decimal import Decimal

import pytest

from tables.figures.checks import TABLE_NAMES
from tables.figures.derive.layout import SANGONG_OUTBOUND, sangong_items_by_dept_code
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.final.compare import (
    change_phrase,
    completion_rate,
    final_differences,
    needs_reason,
)
from tables.figures.final.derive import FINAL_BUILDERS, derive_final
from tables.figures.final.load import final_data_load
from tables.figures.formatting import body_grid, table_grid, table_short_name
from tables.figures.registry import derive_all
from tables.figures.types import FISCAL_FUNDS, FUND_GENERAL, FUND_GOV, FUND_STATE_CAPITAL, ZERO
from tests.factories import (
    final_data_from_budget,
    final_example,
    submission_create,
    synthetic_budget,
)
from units.models import BudgetLine, FinalFacts, FinalReason, SubmissionKind

# the seed's BudgetData is read through the database once (tests/conftest.py)
pytestmark = pytest.mark.django_db

D = Decimal


def _final_submission(n_lines: int):
    """A 决算 submission of `n_lines` synthetic lines: every third line without a 年初预算, every
    second with a 调整预算 of 年初预算 + 1 元; with facts and one reason."""
    submission = submission_create(kind=SubmissionKind.FINAL)
    synthetic_budget(submission, n_lines)
    for i, line in enumerate(BudgetLine.objects.filter(submission=submission).order_by("id")):
        line.planned_amount = None if i % 3 == 2 else line.amount + D(i)
        line.adjusted_amount = line.planned_amount + 1 if i % 2 and line.planned_amount else None
        line.save(update_fields=["planned_amount", "adjusted_amount"])
    FinalFacts.objects.create(submission=submission, income_general=D("12.34"), outbound_groups=2)
    FinalReason.objects.create(submission=submission, key="total", reason="人员增加")
    return submission


@pytest.mark.django_db
@pytest.mark.parametrize("n_lines", [12, 60])
def test_final_data_load_reads_three_views_in_bounded_queries(
    n_lines, django_assert_max_num_queries
):
    """决算数, 年初预算 (0 when none) and 调整预算 (年初预算 when none) come from the same lines in
    the same order, with facts and reasons, in at most 10 queries at any size."""
    submission = _final_submission(n_lines)
    lines = list(BudgetLine.objects.filter(submission=submission).order_by("id"))
    submission = type(submission).objects.get(pk=submission.pk)
    with django_assert_max_num_queries(10):
        data = final_data_load(submission=submission)
    assert [line.amount for line in data.actual.lines] == [line.amount for line in lines]
    assert [line.amount for line in data.planned.lines] == [
        line.planned_amount or D("0.00") for line in lines
    ]
    assert [line.amount for line in data.adjusted.lines] == [
        (line.planned_amount or D("0.00")) if line.adjusted_amount is None else line.adjusted_amount
        for line in lines
    ]
    assert [line.func_code for line in data.planned.lines] == [
        line.func_code for line in data.actual.lines
    ]
    assert data.facts.income_general == D("12.34")
    assert data.facts.outbound_groups == 2
    assert data.reasons == {"total": "人员增加"}
    assert data.year == submission.year
    assert data.published_budget is None and data.prior_closing is None


@pytest.mark.django_db
def test_final_data_load_defaults_facts_when_none_entered():
    """A 决算 without entered facts loads zero facts rather than failing."""
    submission = submission_create(kind=SubmissionKind.FINAL)
    synthetic_budget(submission, 3)
    data = final_data_load(submission=submission, prior_closing={"general": D("1.00")})
    assert data.facts.closing_general == D("0.00")
    assert data.reasons == {}
    assert data.prior_closing == {"general": D("1.00")}


# The tables of the example 决算 (tests.factories.final_example) --------------------------------


@pytest.fixture
def data(seed_budget_data):
    return final_example(seed_budget_data)


@pytest.fixture
def tables(data):
    return derive_final(data)


def _total(table, column):
    value = table.rows[0].cells[table.column_index(column)]
    return ZERO if value is None else value


def _spent(data, keep=lambda line: True):
    return sum((line.amount for line in data.actual.lines if keep(line)), ZERO)


def test_nine_tables_in_order_with_their_labels(tables):
    """F01–F09 in publication order, labelled 决算公开表N, in 万元; budget labels unchanged."""
    assert list(tables) == list(FINAL_BUILDERS) == [f"F0{n}" for n in range(1, 10)]
    assert [t.label for t in tables.values()] == [f"决算公开表{n}" for n in range(1, 10)]
    assert {t.money_unit for t in tables.values()} == {"万元"}
    assert tables["F05"].title == "2025年一般公共预算财政拨款支出决算表"
    assert table_short_name("F05") == TABLE_NAMES["F05"] == "决算表五"
    assert table_short_name("T05") == "表五"


def test_budget_labels_unchanged(seed_budget_data):
    """The budget's tables still read 预算公开表N."""
    assert derive_all(seed_budget_data)["T05"].label == "预算公开表5"


def test_f01_balances_and_adds_up_to_the_cent(data, tables):
    """决算表一: 本年收入合计 = the income facts, 本年支出合计 = every 决算 line + the expenditure
    outside the lines, and both 总计 are equal (the example's facts balance)."""
    f01 = tables["F01"]
    facts = data.facts
    others = facts.expense_to_superior + facts.expense_operating + facts.expense_subsidiary
    income = sum((getattr(facts, f) for f in dir(facts) if f.startswith("income_")), ZERO)
    assert f01.cell("本年收入合计", "income") == income
    assert f01.cell("本年支出合计", "expense") == _spent(data) + others
    opening = sum(
        (facts.opening(f) for f in ("general", "gov_fund", "state_capital", "other")), ZERO
    )
    assert f01.cell("年初结转和结余", "income") == opening
    assert f01.cell("总计", "income") == f01.cell("总计", "expense") == income + opening
    assert f01.cell("一、一般公共服务支出", "expense") == _spent(
        data, lambda line: line.func_code.startswith("201")
    )
    assert f01.cell("二、外交支出", "expense") == ZERO  # blank, not a row of zeros
    assert f01.rows[1].cells[3] is None


def test_f01_other_expenses_are_rows_of_the_total(data):
    """上缴上级支出, 经营支出 and 对附属单位补助支出 are rows 31–33 and count in 本年支出合计 and
    in 决算表三's 合计 (not in its 功能分类 rows)."""
    data = dataclasses.replace(
        data,
        facts=dataclasses.replace(
            data.facts, expense_to_superior=D("100.00"), expense_subsidiary=D("0.50")
        ),
    )
    tables = derive_final(data)
    f01, f03 = tables["F01"], tables["F03"]
    assert f01.cell("三十一、上缴上级支出", "expense") == D("100.00")
    assert f01.cell("三十三、对附属单位补助支出", "expense") == D("0.50")
    assert f01.cell("本年支出合计", "expense") == _spent(data) + D("100.50")
    assert _total(f03, "total") == f01.cell("本年支出合计", "expense")
    assert _total(f03, "to_superior") == D("100.00")
    assert _total(f03, "basic") + _total(f03, "project") == _spent(data)
    assert all(row.cells[5:] == (None, None, None) for row in f03.rows[1:])


def test_f02_is_the_income_of_f01(data, tables):
    """决算表二's single 合计 row: 本年收入合计 as 决算表一, 财政拨款收入 the three funds'."""
    f02, facts = tables["F02"], data.facts
    assert len(f02.rows) == 1
    assert _total(f02, "total") == tables["F01"].cell("本年收入合计", "income")
    assert _total(f02, "fiscal") == sum(
        (getattr(facts, f"income_{fund}") for fund in FISCAL_FUNDS), ZERO
    )
    assert _total(f02, "business") == facts.income_business


def test_f03_tree_adds_up(data, tables):
    """决算表三: every 类/款 row is the exact sum of its parts; 合计 = 基本 + 项目 on the tree."""
    _assert_parts(tables["F03"])
    f03 = tables["F03"]
    assert _total(f03, "basic") == _spent(data, lambda line: line.is_basic)
    for row in f03.rows[1:]:
        assert row.cells[2] == row.cells[3] + row.cells[4]


def _assert_parts(table):
    money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
    for row in table.rows:
        for i in row.part_columns or money:
            if row.parts:
                parts = sum((table.rows[p].cells[i] or ZERO for p in row.parts), ZERO)
                assert (row.cells[i] or ZERO) == parts, (table.code, row.cells[:2], i)


@pytest.mark.parametrize("code", ["F01", "F03", "F04", "F05", "F06", "F07", "F08"])
def test_totals_are_exact_sums_of_their_parts(tables, code):
    """Every row that is a total (its `parts`) equals the exact sum of its parts, column by
    column: the 尾差 rule can rely on `parts`."""
    _assert_parts(tables[code])


def test_f04_is_the_fiscal_part_and_the_fund_tables(data, tables):
    """决算表四: 本年支出合计 by fund = 决算表五, 七 and 八's 合计; 年初/年末 are the facts;
    总计 balance."""
    f04, facts = tables["F04"], data.facts
    assert f04.cell("本年支出合计", "general") == _total(tables["F05"], "total")
    assert f04.cell("本年支出合计", "gov_fund") == _total(tables["F07"], "total")
    assert f04.cell("本年支出合计", "state_capital") == _total(tables["F08"], "total")
    assert f04.cell("本年支出合计", "expense_total") == _spent(
        data, lambda line: line.fund in FISCAL_FUNDS
    )
    assert f04.cell("年末财政拨款结转和结余", "gov_fund") == facts.closing_gov_fund
    assert f04.cell("年初财政拨款结转和结余", "income") == sum(
        (facts.opening(f) for f in FISCAL_FUNDS), ZERO
    )
    assert f04.cell("总计", "income") == f04.cell("总计", "expense_total")


def test_f05_columns_and_completion_rate(data, tables):
    """决算表五: 年初预算, 调整预算 and 决算数 of the 一般公共预算 lines, 完成率 per row from
    `completion_rate`; 基本 = 决算表六 合计."""
    f05 = tables["F05"]
    general = lambda line: line.fund == FUND_GENERAL  # noqa: E731
    assert _total(f05, "planned") == sum(
        (line.amount for line in data.planned.lines if general(line)), ZERO
    )
    assert _total(f05, "total") == _spent(data, general)
    assert _total(f05, "basic") == _total(tables["F06"], "total")
    rate = f05.column_index("rate")
    for row in f05.rows:
        assert row.cells[rate] == completion_rate(row.cells[2], row.cells[4])
    rates = [row.cells[rate] for row in f05.rows if row.level == 3]
    assert min(rates) < D("100.00") < max(rates)
    assert body_grid(f05)[0][rate] == f"{f05.rows[0].cells[rate]:.2f}"


def test_f05_rate_blank_when_nothing_planned(data):
    """A 项 with no 年初预算 shows no 完成率 (an empty cell), not a division by zero."""
    code = data.planned.lines[0].func_code
    planned = tuple(
        dataclasses.replace(line, amount=ZERO) if line.func_code == code else line
        for line in data.planned.lines
    )
    data = dataclasses.replace(data, planned=dataclasses.replace(data.planned, lines=planned))
    f05 = derive_final(data)["F05"]
    index = next(i for i, r in enumerate(f05.rows) if r.code == code)
    assert f05.rows[index].cells[2] == ZERO and f05.rows[index].cells[4] > 0
    assert f05.rows[index].cells[-1] is None
    assert body_grid(f05)[index][-1] == ""


def test_completion_rate_rounds_half_up():
    """决算数 / 年初预算 × 100 to 2 places, half-up; None when nothing was planned."""
    assert completion_rate(D("200.00"), D("0.01")) == D("0.01")  # 0.005 → 0.01
    assert completion_rate(D("3.00"), D("2.00")) == D("66.67")
    assert completion_rate(D("100.00"), D("112.00")) == D("112.00")
    assert completion_rate(D("0.00"), D("5.00")) is None


def test_change_phrase_by_sign():
    """增加, 减少 or 持平 by the sign of 决算数 − 年初预算 alone."""
    assert change_phrase(D("1.00"), D("1.01")) == "增加"
    assert change_phrase(D("1.00"), D("0.99")) == "减少"
    assert change_phrase(D("1.00"), D("1.00")) == "持平"
    assert change_phrase(D("0.00"), D("0.00")) == "持平"


def test_needs_reason_at_ten_percent():
    """A reason is needed from exactly 10% of the 年初预算 on, or for spending nothing planned."""
    assert needs_reason(D("100.00"), D("110.00")) and needs_reason(D("100.00"), D("90.00"))
    assert not needs_reason(D("100.00"), D("109.99"))
    assert needs_reason(D("0.00"), D("0.01")) and not needs_reason(D("0.00"), D("0.00"))


def test_f06_personnel_and_public(data, tables):
    """决算表六: 一般公共预算 基本支出 by 部门经济分类 类/款; 人员经费 + 公用经费 = 合计."""
    f06 = tables["F06"]
    assert [row.code for row in f06.rows if row.level == 1] == sorted(
        {line.dept_code[:3] for line in data.actual.lines if line.is_basic}
    )
    for row in f06.rows:
        assert row.cells[2] == row.cells[3] + row.cells[4]
    assert f06.rows[1].cells[:2] == ("301", "工资福利支出")


def test_f07_income_and_balances_on_the_total_row(data, tables):
    """决算表七: 年初, 本年收入 and 年末 of 政府性基金 on 合计 only; 年初 + 收入 − 支出 = 年末."""
    f07, facts = tables["F07"], data.facts
    assert not f07.is_empty and f07.note == ""
    assert _total(f07, "total") == _spent(data, lambda line: line.fund == FUND_GOV)
    top = f07.rows[0]
    assert top.cells[2:4] == (facts.opening_gov_fund, facts.income_gov_fund)
    assert top.cells[7] == facts.closing_gov_fund
    assert top.cells[2] + top.cells[3] - top.cells[4] == top.cells[7]
    assert all(row.cells[2] is None and row.cells[7] is None for row in f07.rows[1:])


def test_f08_state_capital(data, tables):
    """决算表八: 国有资本经营预算 lines' 年初预算 and 决算数."""
    f08 = tables["F08"]
    state = [
        (p, a)
        for p, a in zip(data.planned.lines, data.actual.lines, strict=True)
        if a.fund == FUND_STATE_CAPITAL
    ]
    assert _total(f08, "planned") == sum((p.amount for p, _ in state), ZERO)
    assert _total(f08, "total") == sum((a.amount for _, a in state), ZERO)


def test_f09_sangong_budget_and_final(data, tables):
    """决算表九: one row, 预算数 and 决算数 of the four 三公 items from 表十's derivation."""
    f09 = tables["F09"]
    (row,) = f09.rows
    planned, actual = sangong_sums(data.planned), sangong_sums(data.actual)
    assert row.cells[f09.column_index("budget_outbound")] == planned[SANGONG_OUTBOUND][0]
    assert row.cells[f09.column_index("final_outbound")] == actual[SANGONG_OUTBOUND][0]
    for prefix in ("budget", "final"):
        cell = lambda key, p=prefix: row.cells[f09.column_index(f"{p}_{key}")]  # noqa: E731
        assert cell("vehicle") == cell("vehicle_purchase") + cell("vehicle_operation")
        assert cell("total") == cell("outbound") + cell("vehicle") + cell("reception")
    assert row.cells[f09.column_index("final_total")] == sum((v[0] for v in actual.values()), ZERO)


def test_empty_tables_say_so(seed_budget_data):
    """Without 政府性基金, 国有资本经营 or 三公 amounts those tables are empty, with the
    template's note; the others are not; a 部门决算 says 本部门."""
    tables = derive_final(final_data_from_budget(seed_budget_data))  # 一般公共预算 only
    assert tables["F07"].is_empty and tables["F07"].note == (
        "注：本单位无政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出，"
        "故本表为空表。"
    )
    assert tables["F08"].is_empty
    assert tables["F08"].note == "注：本单位无国有资本经营预算财政拨款支出，故本表为空表。"
    assert [code for code, t in tables.items() if t.is_empty] == ["F07", "F08"]
    assert all(t.note == "" for code, t in tables.items() if code not in ("F07", "F08"))
    sangong = sangong_items_by_dept_code()
    budget = dataclasses.replace(
        seed_budget_data,
        lines=tuple(line for line in seed_budget_data.lines if line.dept_code not in sangong),
    )
    f09 = derive_final(final_data_from_budget(budget))["F09"]
    assert f09.is_empty
    assert f09.note == "注：本单位无财政拨款“三公”经费支出，故本表为空表。"
    department = dataclasses.replace(budget, members=(seed_budget_data.unit,))
    assert derive_final(final_data_from_budget(department))["F09"].note.startswith("注：本部门无")


def test_differences_are_f05_and_f09_figures(data, tables):
    """The differences: "total" (财政拨款), one per 一般公共预算 项 with 决算表五's figures, the four
    三公 items with 决算表九's, 机关运行经费 (a 行政 unit); each with rate and reason."""
    differences = {d.key: d for d in final_differences(data)}
    f05 = tables["F05"]
    items = [row for row in f05.rows if row.level == 3]
    assert [k for k in differences if k.startswith("func:")] == [f"func:{r.code}" for r in items]
    for row in items:
        d = differences[f"func:{row.code}"]
        assert (d.planned, d.actual, d.rate) == (row.cells[2], row.cells[4], row.cells[7])
        # named as the narrative names a 项: its 类, 款 and 项 (the 项 as F05 prints it)
        assert d.label.endswith(f"{row.cells[1]}（项）") and d.label.count("（") == 3
    f09 = tables["F09"].rows[0]
    f09_index = tables["F09"].column_index
    for suffix in ("outbound", "reception", "vehicle_purchase", "vehicle_operation"):
        d = differences[f"sangong:{suffix}"]
        assert d.planned == f09.cells[f09_index(f"budget_{suffix}")]
        assert d.actual == f09.cells[f09_index(f"final_{suffix}")]
    total = differences["total"]
    assert total.actual == tables["F04"].cell("本年支出合计", "expense_total")
    operating = differences["operating_costs"]
    assert (operating.planned, operating.actual) == (
        operating_cost_vector(data.planned)[0],
        operating_cost_vector(data.actual)[0],
    )
    assert all(d.reason == data.reasons.get(d.key, "") for d in differences.values())
    assert any(d.needs_reason for d in differences.values())


def test_no_operating_costs_difference_for_an_institution(data):
    """A 事业 unit has no 机关运行经费, so no such difference."""
    unit = dataclasses.replace(data.actual.unit, has_operating_costs=False)
    data = dataclasses.replace(data, actual=dataclasses.replace(data.actual, unit=unit))
    assert "operating_costs" not in {d.key for d in final_differences(data)}


def test_tables_display_as_grids(tables):
    """Each table displays as a rectangular grid (header then body, as every renderer prints
    it); amounts in 万元 with 2 places, 完成率 as a percentage with 2 places."""
    for table in tables.values():
        grid = table_grid(table)
        assert len({len(row) for row in grid}) == 1, table.code
    f05 = table_grid(tables["F05"])
    total = tables["F05"].rows[0]
    assert f05[2][2] == f"{total.cells[2] / 10000:.2f}"
    assert f05[2][-1] == f"{total.cells[-1]:.2f}" and "." in f05[2][-1]
    assert len(table_grid(tables["F09"])[-1]) == 12
