"""Pure computations over loaded budget rows and targets: the figures a target table shows
that are derived rather than typed (年度资金, 年度预算情况), and the 绩效管理情况 figures of
section 十 of the narrative. No database access here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from performance.types import ZERO, FundSplit, ProjectTargetRow, TargetData
from tables.figures.types import (
    BASIC_KINDS,
    CATEGORY_OPERATING,
    CATEGORY_SPECIFIC,
    FUND_GENERAL,
    FUND_GOV,
    FUND_SPECIAL_ACCOUNT,
    FUND_STATE_CAPITAL,
    FUND_UNIT,
    KIND_PROJECT,
    BudgetData,
    ProjectRow,
)

#: 年度预算情况 按资金来源划分, in the order of the 整体支出绩效目标申报表.
UNIT_BUDGET_SOURCES = (
    ("一般公共预算资金", (FUND_GENERAL,)),
    ("政府性基金预算资金", (FUND_GOV,)),
    ("国有资本经营预算资金", (FUND_STATE_CAPITAL,)),
    ("社会保险基金预算资金", ()),
    ("专户管理资金", (FUND_SPECIAL_ACCOUNT,)),
    ("单位资金", (FUND_UNIT,)),
)

RECURRENCE_LABELS = {"recurring": "经常性项目", "one_off": "一次性项目"}


def project_current_amounts(data: BudgetData) -> dict[int, dict[str, Decimal]]:
    """project id → {fund: 元} of its current-year (表十二) lines."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for line in data.lines:
        if line.expense_kind == KIND_PROJECT and not line.is_carryover and line.project_id:
            sums[line.project_id][line.fund] += line.amount
    return sums


def project_amount(sums: dict[int, dict[str, Decimal]], project_id: int) -> Decimal:
    return sum(sums.get(project_id, {}).values(), ZERO)


def target_year_funds(target: ProjectTargetRow, sums: dict[int, dict[str, Decimal]]) -> FundSplit:
    """年度资金: 市县(区)财政资金 and 单位自筹 from the project's own budget lines, the rest as
    entered. Extra allocations of the project are separate 表十二 rows and are not included."""
    by_fund = sums.get(target.project_id, {})
    local = sum((v for fund, v in by_fund.items() if fund != FUND_UNIT), ZERO)
    return FundSplit(
        central=target.year_central,
        provincial=target.year_provincial,
        local=local,
        self_raised=by_fund.get(FUND_UNIT, ZERO),
        other=target.year_other,
    )


def project_attribute(project: ProjectRow) -> str:
    """项目属性 as printed: 经常性项目(长期开展) / 一次性项目(1年结束)."""
    label = RECURRENCE_LABELS.get(project.recurrence, "")
    if project.recurrence == "recurring":
        return f"{label}(长期开展)"
    return f"{label}({project.period_years}年结束)"


@dataclass(frozen=True)
class UnitBudget:
    """年度预算情况 of the unit-level target: current-year money by source and by direction."""

    by_source: tuple[tuple[str, Decimal], ...]
    basic: Decimal
    project: Decimal

    @property
    def total(self) -> Decimal:
        return self.basic + self.project


def unit_budget(data: BudgetData) -> UnitBudget:
    current = [line for line in data.lines if not line.is_carryover]
    by_fund: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in current:
        by_fund[line.fund] += line.amount
    return UnitBudget(
        by_source=tuple(
            (label, sum((by_fund[f] for f in funds), ZERO)) for label, funds in UNIT_BUDGET_SOURCES
        ),
        basic=sum((line.amount for line in current if line.expense_kind in BASIC_KINDS), ZERO),
        project=sum((line.amount for line in current if line.expense_kind == KIND_PROJECT), ZERO),
    )


@dataclass(frozen=True)
class CountAmount:
    count: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True)
class PerformanceFigures:
    """Section 十 (绩效管理情况), every figure derived.

    `managed` are the 表十二 project rows with money (all of them are under 绩效目标管理);
    `disclosed` are those rows whose project has a published target table (an extra allocation
    is covered by its project's table), so the narrative can never claim more than exist.
    """

    unit_target_amount: Decimal
    has_unit_target: bool
    managed: CountAmount
    managed_by_category: dict[str, CountAmount]
    disclosed: CountAmount
    disclosed_by_category: dict[str, CountAmount]
    target_tables: int
    #: 表十二 rows with money whose project has no target, in 表十二 order
    missing: tuple[ProjectRow, ...]

    @property
    def disclosed_share(self) -> Decimal | None:
        """Share of project spending whose target is published, in percent (exact)."""
        if not self.managed.amount:
            return None
        return self.disclosed.amount / self.managed.amount * 100


def _count_amount(rows) -> CountAmount:
    return CountAmount(count=len(rows), amount=sum((amount for _, amount in rows), ZERO))


def _by_category(rows) -> dict[str, CountAmount]:
    return {
        category: _count_amount([(p, a) for p, a in rows if p.category == category])
        for category in (CATEGORY_OPERATING, CATEGORY_SPECIFIC)
    }


def performance_figures(data: BudgetData, targets: TargetData) -> PerformanceFigures:
    sums = project_current_amounts(data)
    targeted = {t.project_id for t in targets.project_targets}
    rows = [
        (project, project_amount(sums, project.id))
        for project in sorted(data.projects, key=lambda p: (p.position, p.id))
        if project.id in sums
    ]
    disclosed = [
        (p, a) for p, a in rows if p.id in targeted or (p.allocation_of_id or 0) in targeted
    ]
    with_money = {p.id for p, _ in rows}
    disclosed_ids = {p.id for p, _ in disclosed}
    return PerformanceFigures(
        unit_target_amount=unit_budget(data).total,
        has_unit_target=targets.unit_target is not None,
        managed=_count_amount(rows),
        managed_by_category=_by_category(rows),
        disclosed=_count_amount(disclosed),
        disclosed_by_category=_by_category(disclosed),
        target_tables=sum(1 for t in targets.project_targets if t.project_id in with_money),
        missing=tuple(p for p, _ in rows if p.id not in disclosed_ids),
    )
