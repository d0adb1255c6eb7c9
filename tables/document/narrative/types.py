"""What the narrative is built from and what it returns: frozen data, no behaviour beyond the
arithmetic of a comparison with last year (`Change`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tables.figures.types import ZERO, BudgetData, Table

CHANGE_NEEDS_REASON = Decimal(10)  # percent
HUNDRED = Decimal(100)


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class NarrativeTexts:
    """What the unit typed (reasons are stored without the "主要原因是" frame)."""

    revenue_change_reason: str = ""
    expense_change_reason: str = ""
    general_public_change_reason: str = ""
    sangong_change_reason: str = ""
    outbound_change_reason: str = ""
    reception_change_reason: str = ""
    vehicle_change_reason: str = ""
    vehicle_purchase_change_reason: str = ""
    vehicle_operation_change_reason: str = ""
    operating_costs_change_reason: str = ""
    purchased_services_note: str = ""
    other_notes: str = ""


@dataclass(frozen=True)
class AssetInfo:
    as_of: str  # "2024年12月31日"
    vehicles_quota: int = 0
    vehicles: tuple[tuple[str, int], ...] = ()  # (用车类别, 辆)
    office_area_m2: Decimal = ZERO
    equipment_over_500k: int = 0
    equipment_over_1m: int = 0

    @property
    def vehicles_total(self) -> int:
        return sum(n for _, n in self.vehicles)


@dataclass(frozen=True)
class PriorFigures:
    """Last year's figures in 元 (None when unknown); see tables.document.disclosure.prior_year_figures."""

    total: Decimal | None = None
    general_current: Decimal | None = None
    outbound: Decimal | None = None
    reception: Decimal | None = None
    vehicle_purchase: Decimal | None = None
    vehicle_operation: Decimal | None = None
    operating_costs: Decimal | None = None


@dataclass(frozen=True)
class ProjectTargetSummary:
    """Section 十's inputs, from `performance.derive.performance_figures`."""

    unit_target_amount: Decimal
    has_unit_target: bool
    managed_count: int
    managed_amount: Decimal
    managed_by_category: tuple[tuple[str, int, Decimal], ...]  # (label, count, amount)
    disclosed_count: int
    disclosed_amount: Decimal
    disclosed_by_category: tuple[tuple[str, int, Decimal], ...]


@dataclass(frozen=True)
class NarrativeInputs:
    """Everything one submission's narrative is worded from.

    `data` gives the unit and the year; the budget figures come from the derived tables
    (`tables`, derived from `data` when not given). `procurement` is 货物/工程/服务 → 元
    (`tables.figures.derive.procurement`).
    """

    data: BudgetData
    prior: PriorFigures
    texts: NarrativeTexts
    targets: ProjectTargetSummary | None
    assets: AssetInfo
    procurement: dict[str, Decimal]  # 货物/工程/服务 → 元
    tables: dict[str, Table] | None = None


# ---------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    items: tuple[tuple[str, Decimal], ...]  # (label, 元)


@dataclass(frozen=True)
class Block:
    """A paragraph of text, or a chart placed in the flow."""

    text: str = ""
    chart: ChartSpec | None = None


@dataclass(frozen=True)
class Section:
    number: str  # "一" … "十二", or "（一）" for subsections
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()

    @property
    def heading(self) -> str:
        sep = "" if self.number.startswith("（") or self.number.endswith("、") else "、"
        return f"{self.number}{sep}{self.title}"


@dataclass(frozen=True)
class Change:
    """A comparison with last year, in 元."""

    label: str
    current: Decimal
    prior: Decimal | None
    reason: str = ""
    reason_field: str = ""

    @property
    def diff(self) -> Decimal | None:
        return None if self.prior is None else self.current - self.prior

    @property
    def percent(self) -> Decimal | None:
        if self.prior is None or self.prior == 0:
            return None
        return (self.current - self.prior) / self.prior * HUNDRED

    @property
    def needs_reason(self) -> bool:
        if self.prior is None or self.diff == 0:
            return False
        if self.prior == 0 or self.current == 0:
            return True
        return abs(self.percent) >= CHANGE_NEEDS_REASON


@dataclass(frozen=True)
class Narrative:
    sections: tuple[Section, ...]
    charts: tuple[ChartSpec, ...]
    changes: tuple[Change, ...]
    #: every figure the sentences print, by name, in exact 元 (open data, tests)
    figures: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionPart:
    """One section as a section function returns it: the `Section`, the comparisons it words
    (checked by N01) and the figures it prints, by name in print order, in exact 元."""

    section: Section
    changes: tuple[Change, ...] = ()
    figures: dict[str, Decimal] = field(default_factory=dict)
