"""What the 决算 of one unit and year is derived from, as plain frozen data.

The expenditure is the 决算 submission's lines, seen three times through the same `BudgetData`
shape so that every budget derivation (三公 of 表十, 机关运行经费 of 表十一, 功能分类 trees)
works on each unchanged: `actual` (决算数, the lines' `amount`), `planned` (年初预算, the
lines' `planned_amount`, as published with the budget) and `adjusted` (调整预算, the lines'
`adjusted_amount`, the 年初预算 where none was entered). Everything else a 决算 prints is in
`FinalFacts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tables.figures.types import ZERO, BudgetData

#: the fund keys of 年初/年末结转和结余 and of 财政拨款收入, in printing order
FUND_KEYS = ("general", "gov_fund", "state_capital", "other")


@dataclass(frozen=True, slots=True)
class FinalFacts:
    """`units.models.FinalFacts` as loaded (exact 元; counts as int). Field names match the
    model's."""

    opening_general: Decimal = ZERO
    opening_gov_fund: Decimal = ZERO
    opening_state_capital: Decimal = ZERO
    opening_other: Decimal = ZERO
    income_general: Decimal = ZERO
    income_gov_fund: Decimal = ZERO
    income_state_capital: Decimal = ZERO
    income_superior: Decimal = ZERO
    income_business: Decimal = ZERO
    income_operating: Decimal = ZERO
    income_subordinate: Decimal = ZERO
    income_other: Decimal = ZERO
    expense_to_superior: Decimal = ZERO
    expense_operating: Decimal = ZERO
    expense_subsidiary: Decimal = ZERO
    closing_general: Decimal = ZERO
    closing_gov_fund: Decimal = ZERO
    closing_state_capital: Decimal = ZERO
    closing_other: Decimal = ZERO
    outbound_groups: int = 0
    outbound_persons: int = 0
    vehicles_purchased: int = 0
    vehicles_held: int = 0
    reception_batches: int = 0
    reception_persons: int = 0
    procurement_goods: Decimal = ZERO
    procurement_works: Decimal = ZERO
    procurement_services: Decimal = ZERO
    procurement_sme: Decimal = ZERO
    vehicles_total: int = 0
    equipment_over_500k: int = 0
    special_equipment_over_1m: int = 0
    is_synthetic: bool = False

    def opening(self, fund: str) -> Decimal:
        return getattr(self, f"opening_{fund}")

    def closing(self, fund: str) -> Decimal:
        return getattr(self, f"closing_{fund}")


@dataclass(frozen=True)
class FinalData:
    """Everything the 决算 tables, the comparison and the 决算 rules read."""

    actual: BudgetData
    planned: BudgetData
    adjusted: BudgetData
    facts: FinalFacts
    #: the unit's difference reasons by key (`tables.figures.final.compare.Difference.key`)
    reasons: dict[str, str] = field(default_factory=dict)
    #: last year's 决算 年末结转和结余 by fund key (FUND_KEYS), None when there is no published
    #: 决算 of the previous year
    prior_closing: dict[str, Decimal] | None = None
    #: the published budget of the year (its newest version, the one the 决算 is compared
    #: with), read back from the version's snapshot by the caller
    #: (`tables.figures.snapshot.snapshot_budget_data`); None when never published
    published_budget: BudgetData | None = None

    @property
    def year(self) -> int:
        return self.actual.year

    @property
    def unit(self):
        return self.actual.unit

    @property
    def scope(self) -> str:
        """单位 or 部门, as the budget data says (the tables' headings)."""
        return self.actual.scope
