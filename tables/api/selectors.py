"""The reads of the open API that the public insight functions (`tables.public.insight`) do not
already provide: units with their published years, versions with their files, a version's
tables from its snapshot, and the county overview of a year.

Every read starts from `PublishedVersion`, and every list from the newest version of each
submission (`published_versions_latest`), so nothing unpublished or superseded is listed; a
version asked for by id may be an earlier one, as on the public version pages. Units, the year
figures and the ledger are about budgets; a 决算 version (`PublishedVersion.kind` "final") is
listed by `/versions?kind=final` and under its unit's `final_years`, and its id serves the version,
its files and its tables (决算公开表1–9 from its snapshot), but no figures (none are stored for a
决算). The lists are paged by `Batched`: a count and one page of keys, then one query for the
page's rows, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models.fields.json import KT
from django.http import Http404

from tables.models import FigureDimension, PublishedFile, PublishedVersion
from tables.public.cache import generation_memo
from tables.public.insight import FigureValue, year_figures_by_dimension
from tables.public.overview import DepartmentTotal, overview_departments
from tables.publication.search import search_query_normal
from tables.publication.services import (
    published_budget_versions,
    published_versions_latest,
    published_versions_of,
)
from units.models import SubmissionKind


class Batched(Sequence):
    """A sequence over a queryset whose slices are turned into output rows by `convert`, one
    call per slice (so a page costs the same queries for 10 rows as for 100): what ninja's
    paginator slices and counts."""

    def __init__(self, queryset, convert: Callable[[list], list]):
        self.queryset = queryset
        self.convert = convert

    def __len__(self) -> int:
        # the count of the whole filtered list is the same for everyone until the next
        # publication, and with thousands of versions it is the page's slowest query
        return generation_memo("api_count", str(self.queryset.query), compute=self.queryset.count)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Batched takes slices only")
        return self.convert(list(self.queryset[index]))


# --- units ------------------------------------------------------------------------------------


def api_unit_codes(*, year: int | None = None, department: str = "", q: str = ""):
    """The codes of the units with a published disclosure (matching the filters), in code
    order: a queryset of strings, for paging."""
    versions = published_versions_latest()
    if year is not None:
        versions = versions.filter(year=year)
    if department:
        versions = versions.filter(department_code=department)
    query = search_query_normal(q)
    if query:
        versions = versions.filter(search_entry__text__contains=query)
    return versions.order_by("unit_code").values_list("unit_code", flat=True).distinct()


@dataclass(frozen=True, slots=True)
class UnitSummary:
    code: str
    name: str
    department_code: str
    department_name: str
    is_department: bool
    years: list[int]
    latest_version_id: int


def api_units(codes: list[str]) -> list[UnitSummary]:
    """The units of `codes` (in that order), each named as its newest published version names
    it, with its published years; one query."""
    rows = (
        published_versions_latest()
        .filter(unit_code__in=codes)
        .order_by("unit_code", "-year", "-published_at", "-id")
        .values_list(
            "unit_code",
            "year",
            "pk",
            "unit_name",
            "department_code",
            "department_name",
            "is_department",
        )
    )
    summaries: dict[str, dict] = {}
    for code, year, pk, name, department_code, department_name, is_department in rows:
        summary = summaries.setdefault(
            code,
            {
                "code": code,
                "name": name,
                "department_code": department_code,
                "department_name": department_name,
                "is_department": is_department,
                "years": [],
                "latest_version_id": pk,
            },
        )
        if year not in summary["years"]:
            summary["years"].append(year)
    return [UnitSummary(**summaries[code]) for code in codes if code in summaries]


def api_unit_versions(*, unit_code: str) -> list[PublishedVersion]:
    """Every published version of a unit, budgets and 决算 (snapshot deferred), newest year
    first, then newest version first; 404 when it has none. One query."""
    versions = list(
        PublishedVersion.objects.defer("data_json")
        .filter(unit_code=unit_code)
        .order_by("-year", "-published_at", "-version", "-id")
    )
    if not versions:
        raise Http404("该单位没有已公开的预算")
    return versions


# --- versions ---------------------------------------------------------------------------------


def api_versions(
    *,
    year: int | None = None,
    department: str = "",
    unit_code: str = "",
    is_department: bool | None = None,
    kind: str = SubmissionKind.BUDGET,
):
    """The newest published version of every submission of `kind` (budgets unless told
    otherwise) matching the filters, newest publication first (snapshot deferred)."""
    versions = published_versions_latest(kind=kind)
    if year is not None:
        versions = versions.filter(year=year)
    if department:
        versions = versions.filter(department_code=department)
    if unit_code:
        versions = versions.filter(unit_code=unit_code)
    if is_department is not None:
        versions = versions.filter(is_department=is_department)
    return versions.order_by("-published_at", "-id")


def api_version_get(
    *, version_id: int, with_snapshot: bool = False, budget_only: bool = False
) -> PublishedVersion:
    """A published version, budget or 决算 (any of a submission's, as the public version
    page), or 404 (`budget_only`: also for a 决算's, with a message saying why); annotated with
    its snapshot's `table_set`, read in the database when the snapshot itself is not wanted."""
    versions = PublishedVersion.objects.annotate(table_set=KT("data_json__table_set"))
    if not with_snapshot:
        versions = versions.defer("data_json")
    version = versions.filter(pk=version_id).first()
    if version is None:
        raise Http404("没有这个已公开的版本")
    if budget_only and version.kind != SubmissionKind.BUDGET:
        raise Http404("这是决算版本：汇总数字只对预算版本提供")
    return version


def api_version_history(*, version: PublishedVersion) -> list[PublishedVersion]:
    """The published versions of the version's submission, newest first, with their files'
    metadata (two queries)."""
    return list(published_versions_of(submission_id=version.submission_id))


def api_version_files(*, version_id: int) -> list[PublishedFile]:
    """The stored files' metadata of a version (content deferred), by kind."""
    return list(
        PublishedFile.objects.defer("content").filter(version_id=version_id).order_by("kind")
    )


def api_version_tables(*, version: PublishedVersion) -> list[dict]:
    """The tables of a version as its snapshot stored them: the tables it printed, then (when
    its table set is not the statutory one) the 14 statutory tables, each marked `statutory`."""
    snapshot = version.data_json or {}
    statutory = snapshot.get("statutory_tables")
    tables = [{**t, "statutory": statutory is None} for t in snapshot.get("tables") or ()]
    tables += [{**t, "statutory": True} for t in statutory or ()]
    return tables


# --- the county of a year ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearOverview:
    year: int
    units: int
    totals: list[FigureValue]
    funds: list[FigureValue]
    functions: list[FigureValue]
    departments: list[DepartmentTotal]


def api_year_exists(*, year: int) -> None:
    """404 unless a budget is published for `year` (a published version never goes away, so
    any budget version will do: one index lookup)."""
    if not published_budget_versions().filter(year=year).exists():
        raise Http404("该年度没有已公开的预算")


def api_year_overview(*, year: int) -> YearOverview:
    """A year's county figures (部门预算 left out, the newest version of each unit): 支出合计,
    财政拨款 and 上年结转, by fund, by 功能分类 类, and per 主管部门 with its count of units
    (`tables.public.overview.overview_departments`, as the overview page lists them); two
    queries."""
    figures = year_figures_by_dimension(
        year=year,
        dimensions=(FigureDimension.TOTAL, FigureDimension.FUND, FigureDimension.FUNCTION),
    )
    departments = overview_departments(year=year)
    return YearOverview(
        year=year,
        units=sum(department.units for department in departments),
        totals=figures[FigureDimension.TOTAL],
        funds=figures[FigureDimension.FUND],
        functions=[f for f in figures[FigureDimension.FUNCTION] if f.level == 1],
        departments=departments,
    )
