"""The 决算 rules J01–J09: on a consistent 决算 (the seed's budget as 年初预算, changed 决算数,
balanced facts, every reason given) nothing is reported; each test breaks exactly one thing and
exactly its rule reports it, naming what to fix."""

import dataclasses
from decimal import Decimal

import pytest

from tables.figures.derive.layout import SANGONG_OUTBOUND
from tables.figures.final.checks import FINAL_RULES, run_final_checks
from tables.figures.final.compare import final_differences
from tables.figures.final.derive import derive_final
from tables.figures.types import FUND_GENERAL, CodeIssue, Row
from tests.factories import final_example
from units.severity import ERROR, WARNING

# the seed's BudgetData is read through the database once (tests/conftest.py)
pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def base(seed_budget_data):
    return final_example(seed_budget_data)


def findings_of(data, tables=None):
    return run_final_checks(tables or derive_final(data), data)


def with_facts(data, **fields):
    return dataclasses.replace(data, facts=dataclasses.replace(data.facts, **fields))


def only(findings, rule_id):
    """The findings, after asserting that they are all of `rule_id` (and some)."""
    assert findings, f"{rule_id} found nothing"
    assert {f.rule_id for f in findings} == {rule_id}, [f.line() for f in findings]
    return findings


def replace_total_cell(table, column, delta):
    """`table` with `delta` 元 added to its 合计 (first) row's `column`."""
    index = table.column_index(column)
    top = table.rows[0]
    cells = list(top.cells)
    cells[index] += delta
    rows = (dataclasses.replace(top, cells=tuple(cells)), *table.rows[1:])
    return dataclasses.replace(table, rows=rows)


def test_consistent_final_reports_nothing(base):
    """The base 决算 satisfies every rule, and it does exercise them: it has differences that
    need reasons, 三公 spending, 政府采购 and every 财政拨款 fund."""
    assert findings_of(base) == []
    assert sum(d.needs_reason for d in final_differences(base)) >= 3
    assert base.facts.outbound_groups and base.facts.procurement_sme
    assert {line.fund for line in base.actual.lines} >= {"general", "gov_fund", "state_capital"}
    assert list(FINAL_RULES) == [f"J{n:02d}" for n in range(1, 11)]


def test_every_rule_has_a_docstring():
    """Each rule says what it checks."""
    assert all(rule.__doc__ and rule.__doc__.startswith(code) for code, rule in FINAL_RULES.items())


def test_j01_sides_that_do_not_balance(base):
    """A 年末结转和结余 of other funds 100 元 too high unbalances 决算表一 only."""
    data = with_facts(base, closing_other=base.facts.closing_other + 100)
    (finding,) = only(findings_of(data), "J01")
    assert finding.severity == ERROR
    assert "收入总计" in finding.message and "相差 -100.00 元" in finding.message
    assert "年末结转和结余" in finding.message


def test_j02_fund_that_does_not_balance(base):
    """一般公共预算 年末 100 元 too high, balanced overall by 100 元 more 其他收入: J02 names the
    fund, its four amounts and what to correct."""
    data = with_facts(
        base,
        closing_general=base.facts.closing_general + 100,
        income_other=base.facts.income_other + 100,
    )
    (finding,) = only(findings_of(data), "J02")
    spent = sum(line.amount for line in data.actual.lines if line.fund == FUND_GENERAL)
    assert finding.message.startswith("一般公共预算财政拨款：年初结转和结余")
    assert f"本年支出 {spent / 10000:.2f} 万元" in finding.message
    assert "相差 -100.00 元" in finding.message
    assert "资金来源为一般公共预算的支出" in finding.message


def test_j03_fiscal_table_that_does_not_add_up(base):
    """决算表五 合计 1 元 off 决算表四's 一般公共预算 column: J03 only."""
    tables = derive_final(base)
    tables["F05"] = replace_total_cell(tables["F05"], "total", D("1.00"))
    findings = only(findings_of(base, tables), "J03")
    assert any("决算表五" in f.message and "一般公共预算财政拨款" in f.message for f in findings)


def test_j04_basic_detail_that_differs(base):
    """决算表六 合计 1 元 off 决算表五's 基本支出: J04 only."""
    tables = derive_final(base)
    tables["F06"] = replace_total_cell(tables["F06"], "total", D("1.00"))
    (finding,) = only(findings_of(base, tables), "J04")
    assert "决算表五 基本支出合计" in finding.message and "相差 -1.00 元" in finding.message


def test_j05_opening_unlike_last_years_closing(base):
    """Last year's 一般公共预算 年末 differs from this year's 年初: J05 names both."""
    prior = {**base.prior_closing, FUND_GENERAL: base.facts.opening_general + D("0.01")}
    (finding,) = only(findings_of(dataclasses.replace(base, prior_closing=prior)), "J05")
    assert "一般公共预算财政拨款年初结转和结余" in finding.message
    assert "2024年决算" in finding.message and "相差 -0.01 元" in finding.message


def test_j05_silent_without_last_years_final(base):
    """Without a published 决算 of last year there is nothing to compare 年初 with: a changed
    年初 unbalances the fund (J01, J02) but J05 stays silent."""
    data = dataclasses.replace(base, prior_closing=None)
    data = with_facts(data, opening_general=base.facts.opening_general + 100)
    assert {f.rule_id for f in findings_of(data)} == {"J01", "J02"}


def test_j06_planned_unlike_published_budget(base):
    """The published budget 1 分 higher on one 一般公共预算 line: J06 names the 项 and both
    amounts."""
    published = base.published_budget
    index = next(i for i, line in enumerate(published.lines) if line.fund == FUND_GENERAL)
    line = published.lines[index]
    lines = list(published.lines)
    lines[index] = dataclasses.replace(line, amount=line.amount + D("0.01"))
    data = dataclasses.replace(
        base, published_budget=dataclasses.replace(published, lines=tuple(lines))
    )
    (finding,) = only(findings_of(data), "J06")
    assert finding.row == line.func_code
    assert f"“{line.func_code} {base.actual.name('func', line.func_code)}”" in finding.message
    assert "相差 -0.01 元" in finding.message


def test_j06_warns_when_budget_not_published(base):
    """Without a published budget the 年初预算 cannot be checked: one 警告, no error."""
    (finding,) = only(findings_of(dataclasses.replace(base, published_budget=None)), "J06")
    assert finding.severity == WARNING and "预算尚未公开" in finding.message


@pytest.mark.parametrize("reason", ["", "无", "XX"])
def test_j07_difference_without_a_real_reason(base, reason):
    """A 10%+ difference whose reason is missing or a placeholder: J07 names the item, 年初预算,
    决算数, 完成率 and what to write."""
    difference = next(d for d in final_differences(base) if d.needs_reason and d.planned)
    data = dataclasses.replace(base, reasons={**base.reasons, difference.key: reason})
    (finding,) = only(findings_of(data), "J07")
    assert finding.row == difference.key
    assert f"“{difference.label}”" in finding.message
    assert f"决算数 {difference.actual / 10000:.2f} 万元" in finding.message
    assert f"年初预算 {difference.planned / 10000:.2f} 万元" in finding.message
    assert f"完成率 {difference.rate}%" in finding.message
    assert "差异原因" in finding.message


def test_j07_needs_no_reason_below_ten_percent(base):
    """Differences under 10% need no reason: dropping every reason of those is silent."""
    keep = {d.key for d in final_differences(base) if d.needs_reason}
    data = dataclasses.replace(base, reasons={k: v for k, v in base.reasons.items() if k in keep})
    assert findings_of(data) == []


def test_j08_outbound_spending_without_groups(base):
    """因公出国（境）费 spent with no 团组 entered: J08 asks for the count."""
    (finding,) = only(findings_of(with_facts(base, outbound_groups=0)), "J08")
    assert SANGONG_OUTBOUND in finding.message and "请填写因公出国（境）团组数" in finding.message


def test_j08_vehicles_bought_without_purchase_spending(base):
    """A 购置数 without any 公务用车购置费: J08."""
    (finding,) = only(findings_of(with_facts(base, vehicles_purchased=1)), "J08")
    assert "公务用车购置数为1" in finding.message


def test_j08_fewer_persons_than_batches(base):
    """Fewer 接待人次 than 接待批次: J08."""
    facts = with_facts(base, reception_persons=base.facts.reception_batches - 1)
    only(findings_of(facts), "J08")


def test_j09_sme_share_above_procurement(base):
    """授予中小企业 more than all 政府采购: J09 names both."""
    facts = base.facts
    total = facts.procurement_goods + facts.procurement_works + facts.procurement_services
    (finding,) = only(findings_of(with_facts(base, procurement_sme=total + 1)), "J09")
    assert "超过政府采购支出总额" in finding.message


def test_j10_line_with_an_invalid_code(base):
    """A 决算 line whose code is not valid for the year (found on load): J10 names the line."""
    issue = CodeIssue(41, "功能分类科目", "2010101", "已在本年度科目表中停用")
    actual = dataclasses.replace(base.actual, code_issues=(issue,))
    (finding,) = only(findings_of(dataclasses.replace(base, actual=actual)), "J10")
    assert "决算明细（编号 41）的功能分类科目“2010101”已在本年度科目表中停用" in finding.message


def test_findings_most_severe_first(base):
    """A 警告 (no published budget) comes after an error (J09)."""
    facts = base.facts
    data = dataclasses.replace(
        with_facts(base, procurement_sme=facts.procurement_goods + 1), published_budget=None
    )
    assert [f.rule_id for f in findings_of(data)] == ["J09", "J06"]


def test_row_type_is_the_budgets(base):
    """The 决算 tables are the budget's `Table` and `Row`, so every renderer prints them."""
    tables = derive_final(base)
    assert all(isinstance(row, Row) for table in tables.values() for row in table.rows)


@pytest.mark.parametrize("seed", range(5))
def test_any_balanced_final_reports_nothing(seed_budget_data, seed):
    """Whatever the 决算数 (random changes of −50%…+50%, some lines not spent at all), a 决算
    whose facts balance and whose differences have reasons passes every rule: the table
    identities (J03, J04) hold by derivation, not by the example's numbers."""
    import random

    rng = random.Random(seed)

    def changed(i, line):
        if rng.random() < 0.1:
            return D("0.00")
        return (line.amount * D(rng.randint(50, 150)) / 100).quantize(D("0.01"))

    data = final_example(seed_budget_data, actual_amounts=changed)
    assert findings_of(data) == []
