"""Read functions of the public insight pages and the open API: a unit over the years, the
county's figures of a year, and the 公开情况 ledger. Only published versions are read, and of
each submission only its newest version (a 更正 replaces what the public sees, never adds to it).

Amounts come from `PublishedFigure` (summed once from each version's snapshot when it was
published, `tables.publication.figures`) and are returned in exact 元 (`Decimal`). A 部门预算
adds up its members, so the county's sums leave 部门预算 out (as the bulk open data does).

Everything here is about budgets: a 决算 version (`PublishedVersion.kind`) has no figures and is
neither a year of a unit, nor counted in a year, nor a row of the ledger.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from tables.models import PublishedFigure, PublishedVersion
from tables.publication.services import published_budget_versions, published_versions_latest
from units.money import cents_to_yuan
from units.workflow import due_date


@dataclass(frozen=True, slots=True)
class FigureValue:
    code: str
    name: str
    level: int
    amount: Decimal  # exact 元


def unit_versions_by_year(
    *, unit_code: str, as_of: PublishedVersion | None = None
) -> dict[int, PublishedVersion]:
    """The newest published budget version of each year of a unit (snapshot deferred), newest
    year first; one query. With `as_of`, as they stood when that version was published: the years
    up to its year, and of each the newest version with an id no greater than its own (a 更正
    published later is not seen, so what is drawn from the answer never changes)."""
    if as_of is None:
        versions = published_versions_latest().filter(unit_code=unit_code)
    else:
        versions = (
            published_budget_versions()
            .defer("data_json")
            .filter(unit_code=unit_code, year__lte=as_of.year, pk__lte=as_of.pk)
        )
    # one budget submission per unit and year: within it, a higher id is a later version
    versions = versions.order_by("-year", "-id")
    result: dict[int, PublishedVersion] = {}
    for version in versions:
        result.setdefault(version.year, version)
    return result


def version_figures(
    *, version_ids, dimensions: tuple[str, ...] = ()
) -> dict[int, dict[str, list[FigureValue]]]:
    """version id → dimension → its figures in code order; one query."""
    rows = PublishedFigure.objects.filter(version_id__in=list(version_ids))
    if dimensions:
        rows = rows.filter(dimension__in=dimensions)
    result: dict[int, dict[str, list[FigureValue]]] = {}
    for version_id, dimension, code, name, level, amount in rows.order_by(
        "version_id", "dimension", "code"
    ).values_list("version_id", "dimension", "code", "name", "level", "amount"):
        result.setdefault(version_id, {}).setdefault(dimension, []).append(
            FigureValue(code, name, level, cents_to_yuan(amount))
        )
    return result


def year_versions(*, year: int):
    """The newest published budget version of each unit of `year`, 部门预算 left out."""
    return published_versions_latest().filter(year=year, is_department=False)


def year_figures_by_dimension(
    *, year: int, dimensions: tuple[str, ...], department_code: str = "", prefix: str = ""
) -> dict[str, list[FigureValue]]:
    """dimension → its figures summed over the year's published units, in code order
    (optionally one 主管部门, optionally only codes under `prefix`, e.g. a 功能分类 类 for its
    款 and 项); one query. A code is one row even where versions printed it under different
    names (code lists of other years, an ancestor without a name): the non-empty name wins."""
    rows = PublishedFigure.objects.filter(
        version__in=year_versions(year=year), dimension__in=dimensions
    )
    if department_code:
        rows = rows.filter(version__department_code=department_code)
    if prefix:
        rows = rows.filter(code__startswith=prefix)
    result: dict[str, list[FigureValue]] = {dimension: [] for dimension in dimensions}
    for row in (
        rows.values("dimension", "code")
        .annotate(total=Sum("amount"), name=Max("name"), level=Max("level"))
        .order_by("dimension", "code")
    ):
        result[row["dimension"]].append(
            FigureValue(row["code"], row["name"], row["level"], cents_to_yuan(row["total"]))
        )
    return result


def year_figures(
    *, year: int, dimension: str, department_code: str = "", prefix: str = ""
) -> list[FigureValue]:
    """One dimension of `year_figures_by_dimension`; one query."""
    return year_figures_by_dimension(
        year=year, dimensions=(dimension,), department_code=department_code, prefix=prefix
    )[dimension]


def per_resident(amount: Decimal, population: int) -> Decimal:
    """An amount in 元 per resident, rounded half-up to the 分: the one 人均 of the public
    pages (the county overview and the county 公民预算)."""
    return (amount / Decimal(population)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class FigureChange:
    """One figure this year against the year before: 增减额 and 增减率 (None when the year
    before had none or zero)."""

    code: str
    name: str
    level: int
    amount: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.amount - self.previous

    @property
    def change_rate(self) -> Decimal | None:
        """增减率 in percent, two places, half-up as the narrative prints it (None when the year
        before was zero)."""
        if not self.previous:
            return None
        return (self.change / self.previous * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def figures_compare(current: list[FigureValue], previous: list[FigureValue]) -> list[FigureChange]:
    """The figures of two versions side by side, by code (a code in only one of them counts
    zero in the other), in the order of `current`, then what only `previous` had."""
    before = {figure.code: figure for figure in previous}
    now = {figure.code: figure for figure in current}
    zero = Decimal(0)
    changes = [
        FigureChange(
            f.code, f.name, f.level, f.amount, before[f.code].amount if f.code in before else zero
        )
        for f in current
    ]
    changes += [
        FigureChange(f.code, f.name, f.level, zero, f.amount) for f in previous if f.code not in now
    ]
    return changes


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One unit's 公开情况 for a year: 批复日期, the day it was first published, the days that
    took, whether that was within the statutory days, and whether it was corrected since."""

    version_id: int
    unit_code: str
    unit_name: str
    department_code: str
    department_name: str
    is_department: bool
    approval_date: datetime.date | None
    first_published: datetime.date
    latest_published: datetime.date
    versions: int

    @property
    def days(self) -> int | None:
        """Days from 批复 to the first publication (None without a 批复日期)."""
        if self.approval_date is None:
            return None
        return (self.first_published - self.approval_date).days

    @property
    def on_time(self) -> bool | None:
        """Published within `DISCLOSURE_DAYS` days of 批复 (None without a 批复日期)."""
        if self.approval_date is None:
            return None
        return self.first_published <= due_date(self.approval_date)

    @property
    def corrected(self) -> bool:
        return self.versions > 1


def publication_ledger(*, year: int) -> list[LedgerRow]:
    """The 公开情况 of every disclosure published for `year` (部门预算 included), by 主管部门
    and unit code; three queries. The 批复日期 is the one the first version printed, or, when
    it printed none, the newest version's (a 批复日期 entered before a 更正 was published)."""
    latest = list(
        published_versions_latest()
        .filter(year=year)
        .order_by("department_code", "-is_department", "unit_code", "id")
    )
    stats = {
        row["submission_id"]: row
        for row in published_budget_versions()
        .filter(year=year)
        .values("submission_id")
        .annotate(first=Min("published_at"), n=Count("pk"))
    }
    firsts = dict(
        published_budget_versions()
        .filter(year=year, version=1)
        .values_list("submission_id", "approval_date")
    )
    local = timezone.get_current_timezone()
    rows = []
    for version in latest:
        stat = stats[version.submission_id]
        rows.append(
            LedgerRow(
                version_id=version.pk,
                unit_code=version.unit_code,
                unit_name=version.unit_name,
                department_code=version.department_code,
                department_name=version.department_name,
                is_department=version.is_department,
                approval_date=firsts.get(version.submission_id) or version.approval_date,
                first_published=stat["first"].astimezone(local).date(),
                latest_published=version.published_at.astimezone(local).date(),
                versions=stat["n"],
            )
        )
    return rows


__all__ = [
    "FigureChange",
    "FigureValue",
    "figures_compare",
    "LedgerRow",
    "per_resident",
    "publication_ledger",
    "unit_versions_by_year",
    "version_figures",
    "year_figures",
    "year_figures_by_dimension",
    "year_versions",
]
