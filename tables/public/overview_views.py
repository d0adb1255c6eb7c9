"""The county overview of a year and its 公开情况 ledger, public pages without login.

`public:overview` (`/public/<year>/`) adds up the year's published units (部门预算 left out:
they add up their members): 支出合计 and, when the year's population is entered, 人均; 收入 by
fund; 支出 by 功能分类 with a drill-down 类 → 款 → 项 (`?func=201`, `?func=20101`); each
主管部门's 支出合计 and number of units, each a filter (`?department=<code>`) restricting the
whole page to it; and each unit's 三公经费 and 机关运行经费, sortable by any column
(`?sort=sangong_total&dir=desc`). Everything is rendered on the server: the drill-down and the
sorting are links, the charts inline SVG (`tables.document.render.charts`) each followed by the
table of its numbers.

`public:ledger` (`/public/<year>/ledger/`) lists every published disclosure of the year (部门预算
included) with its 批复日期, first publication, the days between, 按时/逾期 against the
statutory `DISCLOSURE_DAYS`, and whether it was corrected, sortable by date and days.

Both tables that list every unit (the 三公 table and the ledger) are shown `PER_PAGE` rows a page
(`?page=`, past the end: the last page); their page links keep the sort and the filters. What
sums or counts them (the 三公 合计 row, the ledger's counts) is over all the rows, not the page.

Both answer 404 for a year with nothing published, are served from the public page cache
(`public_page`), and read a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from operator import attrgetter

from django.core.paginator import Page, Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render

from tables.public.cache import public_page
from tables.public.charts import structure_chart
from tables.public.insight import LedgerRow, publication_ledger
from tables.public.overview import (
    ledger_summary,
    rows_sorted,
    with_shares,
    year_overview,
)
from tables.publication.services import published_budget_versions
from units.workflow import DISCLOSURE_DAYS, due_date

#: the 三公 table's columns: (sort key, heading, sorted high to low first)
SANGONG_HEADINGS = (
    ("unit", "单位", False),
    ("sangong_total", "“三公”经费合计", True),
    ("outbound", "因公出国（境）费", True),
    ("reception", "公务接待费", True),
    ("vehicle_purchase", "公务用车购置费", True),
    ("vehicle_operation", "公务用车运行维护费", True),
    ("operating", "机关运行经费", True),
)
SANGONG_DEFAULT = "sangong_total"

#: the ledger's sortable columns: (sort key, heading, sorted high to low / newest first)
LEDGER_HEADINGS = (
    ("unit", "单位", False),
    ("approval", "批复日期", True),
    ("published", "首次公开日期", True),
    ("days", "用时（天）", True),
)
LEDGER_DEFAULT = "unit"
#: the years a page may be asked for (others answer 404 before any query: a number past the
#: column's range would make PostgreSQL refuse the query)
YEARS = range(1900, 3000)
#: rows of the 三公 table and of the ledger a page
PER_PAGE = 50
#: the chart's label column holds about 14 characters; longer names are cut (the table beside
#: the chart prints them whole)
CHART_LABEL = 13


@dataclass(frozen=True, slots=True)
class SortColumn:
    """A sortable column heading: its link (the same page sorted by it) and its `aria-sort`."""

    key: str
    label: str
    href: str
    aria_sort: str  # "ascending", "descending" or "" when the table is not sorted by it
    numeric: bool


def _sort_state(params: QueryDict, headings, default: str) -> tuple[str, bool]:
    """The column and direction asked for (`sort`, `dir`), or the defaults for unknown ones."""
    defaults = {key: descending for key, _, descending in headings}
    sort = params.get("sort", "")
    if sort not in defaults:
        sort = default
    direction = params.get("dir", "")
    if direction not in ("asc", "desc"):
        return sort, defaults[sort]
    return sort, direction == "desc"


def _sort_columns(
    params: QueryDict, headings, sort: str, descending: bool, anchor: str
) -> list[SortColumn]:
    """The headings as links: the current column's reverses its direction, the others sort by
    themselves in their natural direction; the other query parameters are kept."""
    columns = []
    for key, label, natural in headings:
        next_descending = not descending if key == sort else natural
        query = params.copy()
        query.pop("page", None)  # a new order starts at its first page
        query["sort"] = key
        query["dir"] = "desc" if next_descending else "asc"
        aria = ("descending" if descending else "ascending") if key == sort else ""
        columns.append(
            SortColumn(key, label, f"?{query.urlencode()}#{anchor}", aria, key != "unit")
        )
    return columns


def _sort_note(headings, sort: str, descending: bool) -> str:
    """What order the table is in, in words (the caption says it to everyone)."""
    label = next(label for key, label, _ in headings if key == sort)
    if sort == "unit":
        return "按主管部门和单位编码排列" if headings is LEDGER_HEADINGS else "按单位编码排列"
    return f"按{label}{'从高到低' if descending else '从低到高'}排列"


def _published_years() -> list[int]:
    """The years that have an overview, newest first: those with a published unit budget that
    is not a 部门预算 (a year with only 部门预算 has none, its address answers 404); one query."""
    years = (
        published_budget_versions()
        .filter(is_department=False)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years, reverse=True)


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a long table and the links to the pages beside it (the other query
    parameters kept: sort, direction, filters), for `public/overview_pages.html`."""

    page: Page
    label: str  # the nav's accessible name, e.g. "“三公”经费表分页"
    previous: str  # the previous page's link, "" on the first page
    next: str  # the next page's link, "" on the last page


def _pager(params: QueryDict, rows: list, *, label: str, anchor: str) -> Pager:
    """Page `?page=` of `rows` (`PER_PAGE` a page; not a number: the first, past the end: the
    last, as the public list does) with its neighbours' links."""
    page = Paginator(rows, PER_PAGE).get_page(params.get("page"))

    def link(number: int) -> str:
        query = params.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    return Pager(
        page,
        label,
        link(page.previous_page_number()) if page.has_previous() else "",
        link(page.next_page_number()) if page.has_next() else "",
    )


def _chart_label(name: str) -> str:
    return name if len(name) <= CHART_LABEL + 1 else f"{name[:CHART_LABEL]}…"


def _query(**params) -> str:
    """A query string of the non-empty `params` ("" when there are none)."""
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value:
            query[key] = value
    return f"?{query.urlencode()}" if query else ""


@public_page
def year_overview_page(request, year: int):
    """全县预算概况 of `year`: totals, 收入 by fund, 功能分类 drill-down, 主管部门, 三公经费;
    seven queries whatever the number of units."""
    if year not in YEARS:
        raise Http404("该年度尚无已公开的单位预算")
    department_code = request.GET.get("department", "").strip()
    func = request.GET.get("func", "").strip()
    try:
        overview = year_overview(year=year, department_code=department_code, func=func)
    except LookupError:
        raise Http404("没有这个主管部门或支出功能分类的已公开预算") from None
    if overview is None:
        raise Http404("该年度尚无已公开的单位预算")

    sort, descending = _sort_state(request.GET, SANGONG_HEADINGS, SANGONG_DEFAULT)
    key = attrgetter("unit_code") if sort == "unit" else attrgetter(sort)
    sangong = rows_sorted(
        overview.sangong, key=key, descending=descending, tie=attrgetter("unit_code")
    )
    sangong_pager = _pager(request.GET, sangong, label="“三公”经费表分页", anchor="sangong")
    function = overview.function
    function_title = f"{function.node.name}的构成" if function.node else "支出功能分类结构（按类）"
    return render(
        request,
        "public/overview.html",
        {
            "year": year,
            "years": _published_years(),
            "overview": overview,
            "department": overview.department,
            "department_query": _query(department=department_code),
            "revenue": with_shares(overview.revenue, overview.revenue_total),
            "revenue_chart": structure_chart(
                "fund", "收入来源结构", overview.revenue, label=_chart_label
            ),
            "function": function,
            "function_rows": with_shares(function.rows, function.total),
            "function_title": function_title,
            "function_chart": structure_chart(
                "function", function_title, function.rows, label=_chart_label
            ),
            "function_crumbs": [
                (node, _query(department=department_code, func=node.code)) for node in function.path
            ],
            "sangong": sangong_pager.page.object_list,
            "sangong_pager": sangong_pager,
            "sangong_columns": _sort_columns(
                request.GET, SANGONG_HEADINGS, sort, descending, "sangong"
            ),
            "sangong_note": _sort_note(SANGONG_HEADINGS, sort, descending),
        },
    )


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """A ledger row as the page prints it: the row, its 应公开日期 and its status word."""

    row: LedgerRow
    due: datetime.date | None
    status: str


def _ledger_status(row: LedgerRow) -> str:
    if row.on_time is None:
        return "未填批复日期"
    return "按时" if row.on_time else "逾期"


_LEDGER_KEYS = {
    "approval": attrgetter("approval_date"),
    "published": attrgetter("first_published"),
    "days": attrgetter("days"),
}


@public_page
def year_ledger_page(request, year: int):
    """公开情况 of `year`: each disclosure's 批复日期, first publication, days taken, 按时/逾期 and
    更正, with the counts at the top; four queries whatever the number of units."""
    rows = publication_ledger(year=year) if year in YEARS else []
    if not rows:
        raise Http404("该年度尚无已公开的单位预算")
    sort, descending = _sort_state(request.GET, LEDGER_HEADINGS, LEDGER_DEFAULT)
    if sort != "unit":
        rows = rows_sorted(
            rows,
            key=_LEDGER_KEYS[sort],
            descending=descending,
            tie=attrgetter("department_code", "unit_code"),
        )
    elif descending:
        rows = rows[::-1]
    pager = _pager(request.GET, rows, label="公开情况表分页", anchor="ledger")
    return render(
        request,
        "public/overview_ledger.html",
        {
            "year": year,
            "years": _published_years(),
            "summary": ledger_summary(rows),  # over every row, not the page
            "lines": [
                LedgerLine(row, due_date(row.approval_date), _ledger_status(row))
                for row in pager.page.object_list
            ],
            "pager": pager,
            "disclosure_days": DISCLOSURE_DAYS,
            "columns": _sort_columns(request.GET, LEDGER_HEADINGS, sort, descending, "ledger"),
            "sort_note": _sort_note(LEDGER_HEADINGS, sort, descending),
        },
    )


def overview_latest(request):
    """A stable address for the overview: the newest year with a published unit budget."""
    year = (
        published_budget_versions()
        .filter(is_department=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if year is None:
        raise Http404("尚无已公开的单位预算")
    return redirect("public:overview", year=year)
