"""Reads of a 决算 for its entry pages and workbook: the lines grouped by 功能分类 项 with their
年初预算, 调整预算, 决算数 and 完成率, and the fund balances of its 收支情况."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from units.final_balance import (
    ZERO,
    FundBalance,
    completion_rate,
    fund_balances,
    line_expense_by_fund,
)
from units.models import BudgetLine, FinalFacts, Submission


@dataclass
class FinalLineGroup:
    """The lines of one 功能分类 项 and their sums."""

    code: str
    name: str
    lines: list[BudgetLine] = field(default_factory=list)
    planned: Decimal = ZERO
    adjusted: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.planned, self.actual)


def final_lines_query(*, submission: Submission):
    return (
        BudgetLine.objects.filter(submission=submission)
        .select_related("func_code", "dept_econ_code", "gov_econ_code", "project")
        .order_by("func_code__code", "dept_econ_code__code", "id")
    )


def final_line_groups(*, submission: Submission) -> list[FinalLineGroup]:
    """The 决算's lines by 功能分类 项 (in code order), each line with `rate` (完成率) set; one
    query."""
    groups: dict[str, FinalLineGroup] = {}
    for line in final_lines_query(submission=submission):
        planned = line.planned_amount or ZERO
        adjusted = line.adjusted_amount if line.adjusted_amount is not None else planned
        line.rate = completion_rate(planned, line.amount)
        group = groups.get(line.func_code.code)
        if group is None:
            group = groups[line.func_code.code] = FinalLineGroup(
                line.func_code.code, line.func_code.name
            )
        group.lines.append(line)
        group.planned += planned
        group.adjusted += adjusted
        group.actual += line.amount
    return list(groups.values())


def final_totals(groups: list[FinalLineGroup]) -> FinalLineGroup:
    total = FinalLineGroup("", "合计")
    for group in groups:
        total.planned += group.planned
        total.adjusted += group.adjusted
        total.actual += group.actual
    return total


def final_fund_balances(*, submission: Submission) -> list[FundBalance]:
    """Each fund's 年初 + 收入 − 支出 − 年末 for the 决算 (its facts, or zeros if it has none)."""
    facts = FinalFacts.objects.filter(submission=submission).first() or FinalFacts()
    spent = line_expense_by_fund(
        BudgetLine.objects.filter(submission=submission).values_list("fund_source", "amount")
    )
    return fund_balances(facts, spent)
