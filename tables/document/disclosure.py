"""The disclosure pipeline for one submission: load → derive → check."""

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from performance.checks import run_target_checks
from performance.selectors import department_target_data_load, target_data_load
from performance.types import TargetData
from tables.figures.checks import (
    SEVERITY_ORDER,
    Finding,
    project_attribute_gaps,
    rule_project_attributes,
    run_checks,
)
from tables.figures.derive import u01_units
from tables.figures.derive.layout import SANGONG_OUTBOUND, SANGONG_RECEPTION
from tables.figures.load import budget_data_load
from tables.figures.load_department import department_budget_load
from tables.figures.registry import derive_all
from tables.figures.tablesets import SHANXI, TableSet, table_set_get
from tables.figures.types import BudgetData, Table
from units.selectors import submission_queryset


@dataclass(frozen=True)
class DerivedDisclosure:
    data: BudgetData
    #: the 14 derivations every check and the narrative read (T01 … T14), whatever the set
    tables: dict[str, Table]
    #: table checks (R…) and target checks (P…), most severe first
    findings: list[Finding]
    targets: TargetData
    #: the table set asked for (a set or its name); None: the year's chosen set, looked up
    #: (one query) only when `table_set` is first read
    chosen_set: TableSet | str | None = None

    @cached_property
    def table_set(self) -> TableSet:
        """The set this disclosure prints."""
        return _resolved_set(self.chosen_set, self.data.year)

    @cached_property
    def set_tables(self) -> dict[str, Table]:
        """The tables the set prints, by code in order (for shanxi-2025: `tables` itself)."""
        if self.table_set.name == SHANXI.name:
            return self.tables
        shown = self.table_set.derive(self.data)
        if u01_units.CODE in self.tables:  # a 部门's 分单位 table follows the set's last one
            shown[u01_units.CODE] = dataclasses.replace(
                self.tables[u01_units.CODE], number=len(shown) + 1
            )
        return shown


def _resolved_set(table_set: TableSet | str | None, year: int) -> TableSet:
    """`table_set` as a set: itself, the set of that name, or the year's chosen set."""
    if isinstance(table_set, TableSet):
        return table_set
    if table_set:
        return table_set_get(table_set)
    from tables.document.year_settings import table_set_for_year

    return table_set_for_year(year)


def disclosure_derive(*, submission, table_set: TableSet | str | None = None) -> DerivedDisclosure:
    """Load a submission and its targets, derive tables 1–14 and run the table and target checks
    (expects `submission.unit.department` selected, as `submission_queryset` does). `table_set`
    (a set or its name; default: the year's chosen set) decides what `set_tables` prints; an
    unknown name raises KeyError naming the known sets. A 部门汇总单位's submission adds up its
    members' approved budgets and targets, and gets the 分单位 table (U01) after the set's."""
    if isinstance(table_set, str) and table_set:
        table_set_get(table_set)
    if submission.unit.consolidates_department:
        data = department_budget_load(submission=submission)
        targets = department_target_data_load(submission=submission)
    else:
        data = budget_data_load(submission=submission)
        targets = target_data_load(submission=submission)
    tables = derive_all(data)
    found = run_checks(tables, data) + run_target_checks(data, targets)
    if project_attribute_gaps(data):
        # R13 depends on the set; it is looked up (one query) only when a project lacks an
        # attribute, so the usual derive asks nothing more
        table_set = _resolved_set(table_set, data.year)
        if table_set.needs_project_attributes:
            found += rule_project_attributes(data)
    findings = sorted(found, key=lambda f: SEVERITY_ORDER[f.severity])
    if data.is_department:  # a 部门预算 adds its 分单位 table after the statutory ones
        tables[u01_units.CODE] = u01_units.build(data)
    return DerivedDisclosure(
        data=data, tables=tables, findings=findings, targets=targets, chosen_set=table_set
    )


@dataclass(frozen=True)
class PriorYearFigures:
    """Last year's figures the narrative compares against, in exact 元 (None when unknown)."""

    source: str  # "上年填报" (derived from last year's submission) or "录入" (entered)
    total: Decimal | None
    general_current: Decimal | None
    outbound: Decimal | None
    reception: Decimal | None
    vehicle_purchase: Decimal | None
    vehicle_operation: Decimal | None
    operating_costs: Decimal | None


def prior_year_figures(*, submission) -> PriorYearFigures:
    """From last year's submission of the same unit and kind when it exists (read off its
    derived tables, as this year's narrative reads its own; a budget's 上年数 are last year's
    budget, never its 决算), else the entered fields."""
    previous = (
        submission_queryset()
        .filter(unit=submission.unit, year=submission.year - 1, kind=submission.kind)
        .first()
    )
    if previous is None:
        return PriorYearFigures(
            source="录入",
            total=submission.prior_total,
            general_current=submission.prior_general_current,
            outbound=submission.prior_outbound,
            reception=submission.prior_reception,
            vehicle_purchase=submission.prior_vehicle_purchase,
            vehicle_operation=submission.prior_vehicle_operation,
            operating_costs=submission.prior_operating_costs,
        )
    tables = disclosure_derive(submission=previous, table_set=SHANXI).tables
    t10 = tables["T10"]
    return PriorYearFigures(
        source="上年填报",
        total=tables["T01"].cell("收入总计", "income"),
        general_current=tables["T05"].cell("合计", "total"),
        outbound=t10.cell(SANGONG_OUTBOUND, "total"),
        reception=t10.cell(SANGONG_RECEPTION, "total"),
        vehicle_purchase=t10.cell("①公务用车购置费", "total"),
        vehicle_operation=t10.cell("②公务用车运行维护费", "total"),
        operating_costs=tables["T11"].cell("部门合计", "total"),
    )
