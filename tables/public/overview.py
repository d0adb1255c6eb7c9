"""Read functions of the county overview of a year (`public:overview`) and its 公开情况 ledger
(`public:ledger`): what the county's published units add up to, by fund, by 功能分类 (类 → 款 →
项), by 主管部门, and each unit's 三公经费 and 机关运行经费.

Only the newest published version of each unit counts (`insight.year_versions`), and 部门预算
are left out: a 部门预算's figures are its members' figures added up, so counting it too would
count its members twice. Amounts are the `PublishedFigure` rows summed once from each version's
snapshot at publication, added up here in SQL (exact 分) and returned in exact 元; each read is
one query whatever the number of units, so the page's query count does not grow with the county.

Sorting is done here on plain rows (a column key and a direction, as the page's links carry
them), never in the template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, Max, Sum

from tables.document.narrative.wording import share
from tables.document.year_settings import population_for_year
from tables.models import FigureDimension, PublishedFigure
from tables.public.insight import (
    FigureValue,
    LedgerRow,
    per_resident,
    year_figures,
    year_versions,
)
from tables.publication.figures import SANGONG_ITEMS, revenue_order
from units.money import cents_to_yuan

ZERO = Decimal(0)
#: the lengths of a 功能分类 code at 类, 款 and 项
FUNCTION_LENGTHS = {1: 3, 2: 5, 3: 7}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DepartmentTotal:
    """One 主管部门's published units of the year: their 支出合计 and how many there are."""

    code: str
    name: str
    expenditure: Decimal
    units: int


@dataclass(frozen=True, slots=True)
class SangongRow:
    """One unit's 三公经费 (表十's four items and 合计) and 机关运行经费 (表十一), exact 元."""

    version_id: int
    unit_code: str
    unit_name: str
    department_name: str
    outbound: Decimal
    reception: Decimal
    vehicle_purchase: Decimal
    vehicle_operation: Decimal
    sangong_total: Decimal
    operating: Decimal


#: `SangongRow` attribute of each 三公 item of `tables.publication.figures.SANGONG_ITEMS`
SANGONG_FIELDS = dict(
    zip(
        SANGONG_ITEMS,
        ("outbound", "reception", "vehicle_purchase", "vehicle_operation"),
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class FunctionLevel:
    """One level of the 功能分类 drill-down: the nodes above it (empty at the 类 level, then
    the 类, then the 类 and its 款), the rows shown, and their total."""

    path: tuple[FigureValue, ...]
    rows: tuple[FigureValue, ...]
    total: Decimal

    @property
    def node(self) -> FigureValue | None:
        return self.path[-1] if self.path else None

    @property
    def drillable(self) -> bool:
        """Whether the rows shown open a level below them (类 and 款 do, 项 do not)."""
        return len(self.path) < 2


@dataclass(frozen=True)
class YearOverview:
    """Everything the overview page shows of a year (optionally one 主管部门's units only)."""

    year: int
    departments: list[DepartmentTotal]
    department: DepartmentTotal | None
    totals: dict[str, Decimal]
    revenue: list[FigureValue]
    function: FunctionLevel
    sangong: list[SangongRow]
    population: int | None
    sangong_sum: dict[str, Decimal] = field(default_factory=dict)

    @property
    def units(self) -> int:
        if self.department is not None:
            return self.department.units
        return sum(d.units for d in self.departments)

    @property
    def expenditure(self) -> Decimal:
        return self.totals.get("expenditure", ZERO)

    @property
    def revenue_total(self) -> Decimal:
        """收入 over all sources (本年 by fund and 上年结转结余): equals 支出合计."""
        return sum((f.amount for f in self.revenue), ZERO)

    @property
    def per_resident(self) -> Decimal | None:
        """支出合计 per resident in 元 (2 places, half-up), for the whole county only: the
        population is the county's, so a 主管部门's share of it would mean nothing."""
        if not self.population or self.department is not None:
            return None
        return per_resident(self.expenditure, self.population)


def overview_departments(*, year: int) -> list[DepartmentTotal]:
    """Each 主管部门 with published units in `year`: their 支出合计 and number, by code; one
    query (the 支出合计 figure exists once per version)."""
    rows = (
        PublishedFigure.objects.filter(
            version__in=year_versions(year=year),
            dimension=FigureDimension.TOTAL,
            code="expenditure",
        )
        .values("version__department_code")
        .annotate(
            name=Max("version__department_name"),
            total=Sum("amount"),
            units=Count("version_id"),
        )
        .order_by("version__department_code")
        .values_list("version__department_code", "name", "total", "units")
    )
    return [
        DepartmentTotal(code, name, cents_to_yuan(total), units)
        for code, name, total, units in rows
    ]


def overview_function(*, year: int, department_code: str = "", func: str = "") -> FunctionLevel:
    """The 功能分类 level under `func` ("" for the 类, a 类 code for its 款, a 款 code for its
    项), summed over the year's units; one query. LookupError when `func` names no published
    类 or 款."""
    if func and (not func.isdigit() or len(func) not in (3, 5)):
        raise LookupError(func)
    figures = year_figures(
        year=year,
        dimension=FigureDimension.FUNCTION,
        department_code=department_code,
        prefix=func[:3],
    )
    by_code = {figure.code: figure for figure in figures}
    if not func:
        rows = [f for f in figures if len(f.code) == FUNCTION_LENGTHS[1]]
        return FunctionLevel((), tuple(rows), sum((f.amount for f in rows), ZERO))
    if func not in by_code:
        raise LookupError(func)
    path = tuple(by_code[func[:length]] for length in (3, 5) if length <= len(func))
    below = len(func) + 2
    rows = [f for f in figures if len(f.code) == below and f.code.startswith(func)]
    return FunctionLevel(path, tuple(rows), by_code[func].amount)


def overview_sangong(*, year: int, department_code: str = "") -> list[SangongRow]:
    """Each published unit's 三公经费 and 机关运行经费 of `year`, by unit code; one query."""
    figures = PublishedFigure.objects.filter(
        version__in=year_versions(year=year),
        dimension__in=(FigureDimension.SANGONG, FigureDimension.OPERATING),
    )
    if department_code:
        figures = figures.filter(version__department_code=department_code)
    units: dict[int, dict] = {}
    for (
        version_id,
        unit_code,
        unit_name,
        department_name,
        dimension,
        code,
        amount,
    ) in figures.order_by("version__unit_code", "version_id").values_list(
        "version_id",
        "version__unit_code",
        "version__unit_name",
        "version__department_name",
        "dimension",
        "code",
        "amount",
    ):
        row = units.setdefault(
            version_id,
            {
                "version_id": version_id,
                "unit_code": unit_code,
                "unit_name": unit_name,
                "department_name": department_name,
                "outbound": ZERO,
                "reception": ZERO,
                "vehicle_purchase": ZERO,
                "vehicle_operation": ZERO,
                "sangong_total": ZERO,
                "operating": ZERO,
            },
        )
        if dimension == FigureDimension.OPERATING:
            row["operating"] = cents_to_yuan(amount)
        elif code == "total":
            row["sangong_total"] = cents_to_yuan(amount)
        elif code in SANGONG_FIELDS:
            row[SANGONG_FIELDS[code]] = cents_to_yuan(amount)
    return [SangongRow(**row) for row in units.values()]


#: the money columns of the 三公 table, in the order shown
SANGONG_COLUMNS = (
    "sangong_total",
    "outbound",
    "reception",
    "vehicle_purchase",
    "vehicle_operation",
    "operating",
)


def sangong_sums(rows: Iterable[SangongRow]) -> dict[str, Decimal]:
    """Each money column of the 三公 table added up over `rows` (exact 元)."""
    rows = list(rows)
    return {key: sum((getattr(row, key) for row in rows), ZERO) for key in SANGONG_COLUMNS}


def year_overview(*, year: int, department_code: str = "", func: str = "") -> YearOverview | None:
    """The overview of `year` (None when no unit's disclosure of it is published); six queries.
    LookupError when `department_code` has no published unit that year or `func` no figure."""
    departments = overview_departments(year=year)
    if not departments:
        return None
    department = None
    if department_code:
        department = next((d for d in departments if d.code == department_code), None)
        if department is None:
            raise LookupError(department_code)
    function = overview_function(year=year, department_code=department_code, func=func)
    totals = {
        f.code: f.amount
        for f in year_figures(
            year=year, dimension=FigureDimension.TOTAL, department_code=department_code
        )
    }
    revenue = year_figures(
        year=year, dimension=FigureDimension.REVENUE, department_code=department_code
    )
    revenue.sort(key=lambda figure: revenue_order(figure.code))
    sangong = overview_sangong(year=year, department_code=department_code)
    return YearOverview(
        year=year,
        departments=departments,
        department=department,
        totals=totals,
        revenue=revenue,
        function=function,
        sangong=sangong,
        population=population_for_year(year),
        sangong_sum=sangong_sums(sangong),
    )


def rows_sorted(
    rows: Iterable[T], *, key: Callable[[T], object], descending: bool, tie: Callable[[T], object]
) -> list[T]:
    """`rows` by `key` (descending or not), rows whose key is None last either way, ties in
    `tie` order."""
    rows = list(rows)
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    present.sort(key=tie)
    present.sort(key=key, reverse=descending)  # stable: ties keep the `tie` order
    missing.sort(key=tie)
    return present + missing


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """The counts at the top of the 公开情况 ledger."""

    published: int
    on_time: int
    late: int
    corrected: int
    no_approval: int


def ledger_summary(rows: Iterable[LedgerRow]) -> LedgerSummary:
    """已公开, 按时, 逾期, 更正 and 未填批复日期 counts of the ledger's rows."""
    rows = list(rows)
    return LedgerSummary(
        published=len(rows),
        on_time=sum(1 for row in rows if row.on_time is True),
        late=sum(1 for row in rows if row.on_time is False),
        corrected=sum(1 for row in rows if row.corrected),
        no_approval=sum(1 for row in rows if row.approval_date is None),
    )


@dataclass(frozen=True, slots=True)
class ShareRow:
    """A figure with its share of a whole, as the tables beside the charts print it."""

    code: str
    name: str
    level: int
    amount: Decimal
    share: str  # percent to 0.01, e.g. "52.10"


def with_shares(figures: Iterable[FigureValue], whole: Decimal) -> list[ShareRow]:
    """Each figure with its percentage of `whole` (exact amounts, rounded once)."""
    return [ShareRow(f.code, f.name, f.level, f.amount, share(f.amount, whole)) for f in figures]
