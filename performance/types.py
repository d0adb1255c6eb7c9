"""Plain, frozen data for 绩效目标: loaded once by `performance.selectors`, computed on by
`performance.derive` and `performance.checks`, rendered by `performance.sheets`. Amounts are
exact `Decimal` 元."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")

SCOPE_PERIOD = "period"
SCOPE_YEAR = "year"


@dataclass(frozen=True, slots=True)
class CategoryRow:
    """一级 or 二级 indicator of the framework in use."""

    code: str
    name: str
    level: int
    parent_code: str
    position: int


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    scope: str  # "period" / "year"
    level1: str  # 一级指标 name
    level2: str  # 二级指标 name
    level2_code: str
    name: str  # 三级指标
    text: str  # 指标值 as shown
    comparator: str
    number: Decimal | None
    unit: str
    position: int


@dataclass(frozen=True, slots=True)
class FundSplit:
    """项目资金 split by source, in 元."""

    central: Decimal = ZERO
    provincial: Decimal = ZERO
    local: Decimal = ZERO  # 市县(区)财政资金
    self_raised: Decimal = ZERO
    other: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.central + self.provincial + self.local + self.self_raised + self.other


@dataclass(frozen=True, slots=True)
class Footer:
    leader: str = ""
    handler: str = ""
    phone: str = ""
    filled_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ProjectTargetRow:
    id: int
    project_id: int
    implementer: str
    overview: str
    basis: str
    necessity: str
    measures: str
    plan: str
    goal_period: str
    goal_year: str
    funds_period: FundSplit
    #: entered parts of the 年度 money (中央, 省级, 其他); 市县 and 自筹 come from budget lines
    year_central: Decimal
    year_provincial: Decimal
    year_other: Decimal
    indicators: tuple[IndicatorRow, ...]
    footer: Footer

    def indicators_for(self, scope: str) -> tuple[IndicatorRow, ...]:
        return tuple(i for i in self.indicators if i.scope == scope)


@dataclass(frozen=True)
class UnitTargetRow:
    strategic_goal: str
    annual_goal: str
    key_tasks: tuple[tuple[str, str], ...]  # (核心职能, 重点任务)
    indicators: tuple[IndicatorRow, ...]
    footer: Footer


@dataclass(frozen=True)
class UnitProfile:
    """部门基本信息, from the unit."""

    department_label: str  # "003-阳城县人民代表大会常务委员会办公室"
    unit_name: str
    internal_departments: int
    subordinate_units: int
    authorized_staff: int
    actual_staff: int
    on_payroll_staff: int
    other_staff: int
    duties: str


@dataclass(frozen=True)
class TargetData:
    """Everything the target tables and target checks of one submission need."""

    profile: UnitProfile
    unit_target: UnitTargetRow | None
    project_targets: tuple[ProjectTargetRow, ...]
    categories: tuple[CategoryRow, ...]
