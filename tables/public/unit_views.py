"""A unit's published budgets over the years, and the embeddable charts of a published version.

`/public/u/<unit_code>/` (`public:unit`): every year the unit has published (the newest version
of each, linking to its page), and for the newest year a comparison with the earlier years —
支出合计 with 基本支出 and 项目支出, 收入 by 资金来源, 支出 by 功能分类 类 (with its 款 and 项
under `?func=<类>`), 三公经费 and 机关运行经费 — each with 增减额 and 增减率 against the previous
published year, and the reasons the unit entered for its changes (read from the newest version's
snapshot). Amounts are the figures summed once at publication (`PublishedFigure`, through
`tables.public.insight`), in exact 元, shown in 万元 with 2 places; each cell also carries its
exact 元 (`data-yuan`), which the tests compare with the published tables to the cent. Each
year with a published 决算 also shows its 预算 and 决算 side by side
(`tables.public.final_compare`). Five queries whatever the number of years.

`/public/charts/<version_id>/<key>.svg` and `…/<key>/`: a chart of one published version as a
standalone SVG file and as a small page other sites may frame (`frame-ancestors *`, no
X-Frame-Options), with its table and its source. The `years` chart of a version shows the unit's
支出合计 of each year up to the version's year as they stood when it was published (the newest
version of each year with an id no greater than its own), so the file never changes and is
served with the same long cache as the other published files. The unit page draws its own
`years` chart from what it compares (the newest version of each year now): the two differ only
when an earlier year was corrected after the version was published.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from csp.decorators import csp_replace
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt

from tables.figures.formatting import format_wan_grouped
from tables.models import PublishedVersion
from tables.public.addresses import public_absolute_url
from tables.public.cache import public_page
from tables.public.charts import (
    CHART_TITLES,
    EMBED_WIDTH,
    chart_rows,
    chart_safe,
    embed_height,
    expenditure_totals,
    function_chart,
    fund_chart,
    svg_document,
    years_chart,
)
from tables.public.final_compare import unit_finals_get
from tables.public.insight import (
    FigureChange,
    FigureValue,
    figures_compare,
    unit_versions_by_year,
    version_figures,
)
from tables.publication.figures import REVENUE_ORDER, SANGONG_ITEMS
from tables.publication.services import published_budget_versions
from units.models import SubmissionText
from units.services import REASON_TEXT_FIELDS

#: the stored chart files never change (see the module docstring)
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
#: the standalone SVG may draw itself and nothing else
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; sandbox"
#: the dimensions the unit page compares
DIMENSIONS = ("total", "revenue", "function", "kind", "sangong", "operating")
ZERO = Decimal(0)


# --- what the page shows -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    year: int
    amount: Decimal | None  # exact 元; None: the year has no such figure

    @property
    def text(self) -> str:
        return "—" if self.amount is None else format_wan_grouped(self.amount)


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One figure in every year, with its change of the newest year against the previous one."""

    dimension: str
    code: str
    name: str
    level: int
    cells: tuple[Cell, ...]
    change: FigureChange | None  # None when there is no previous year
    link: str = ""  # the 款 and 项 of a 功能分类 类

    @property
    def change_text(self) -> str:
        return format_wan_grouped(self.change.change) if self.change else ""

    @property
    def rate_text(self) -> str:
        if self.change is None or self.change.change_rate is None:
            return "—"
        return f"{self.change.change_rate}%"


@dataclass(frozen=True, slots=True)
class CompareTable:
    key: str
    title: str
    caption: str
    rows: list[CompareRow]
    note: str = ""
    chart: ChartView | None = None  # drawn under the table


@dataclass(frozen=True, slots=True)
class ChartView:
    """A chart as the unit page shows it: the SVG, its table, and how to embed it."""

    key: str
    title: str
    svg: str
    rows: list
    svg_url: str = ""
    embed_url: str = ""
    embed_code: str = ""


@dataclass
class UnitYears:
    """Everything the unit page shows, read in four queries."""

    unit_code: str
    versions: dict[int, PublishedVersion]  # newest year first
    figures: dict[int, dict[str, list[FigureValue]]]
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def latest(self) -> PublishedVersion:
        return next(iter(self.versions.values()))

    @property
    def previous(self) -> PublishedVersion | None:
        return list(self.versions.values())[1] if len(self.versions) > 1 else None

    @property
    def years(self) -> list[int]:
        """The published years, oldest first (the columns of the comparison)."""
        return sorted(self.versions)

    def dimension(self, version: PublishedVersion | None, name: str) -> list[FigureValue]:
        if version is None:
            return []
        return self.figures.get(version.pk, {}).get(name, [])


# --- read functions ----------------------------------------------------------------------------


def unit_reasons(*, version_id: int) -> list[tuple[str, str]]:
    """(label, text) of the 增减变化原因 the unit entered, read from the version's snapshot
    (its `texts`, one row, one field); those left empty are left out."""
    texts = (
        PublishedVersion.objects.filter(pk=version_id)
        .values_list("data_json__texts__narrative", flat=True)
        .first()
    )
    if not isinstance(texts, dict):
        return []
    labels = {
        name: SubmissionText._meta.get_field(name).verbose_name for name in REASON_TEXT_FIELDS
    }
    return [
        (str(labels[name]), str(texts[name]).strip())
        for name in REASON_TEXT_FIELDS
        if str(texts.get(name) or "").strip()
    ]


def unit_years_get(*, unit_code: str) -> UnitYears:
    """A unit's newest published version of each year, their figures and the newest one's
    reasons (three queries), or 404."""
    versions = unit_versions_by_year(unit_code=unit_code)
    if not versions:
        raise Http404("该单位尚未公开预算")
    result = UnitYears(
        unit_code=unit_code,
        versions=versions,
        figures=version_figures(
            version_ids=[v.pk for v in versions.values()], dimensions=DIMENSIONS
        ),
    )
    result.reasons = unit_reasons(version_id=result.latest.pk)
    return result


# --- building the comparison -------------------------------------------------------------------


def _ordered(codes: list[str], order: tuple[str, ...]) -> list[str]:
    if not order:
        return sorted(codes)
    index = {code: i for i, code in enumerate(order)}
    return sorted(codes, key=lambda code: (index.get(code, len(index)), code))


def compare_rows(
    data: UnitYears,
    dimension: str,
    *,
    keep=lambda figure: True,
    order: tuple[str, ...] = (),
    names: dict[str, str] | None = None,
) -> list[CompareRow]:
    """The rows of one dimension: each code any year has (those `keep` accepts), its amount in
    every year, and its change of the newest year against the previous one."""
    by_year = {
        year: {f.code: f for f in data.dimension(version, dimension) if keep(f)}
        for year, version in data.versions.items()
    }
    latest, previous = data.latest, data.previous
    changes = {
        c.code: c
        for c in figures_compare(
            list(by_year[latest.year].values()),
            list(by_year[previous.year].values()) if previous else [],
        )
    }
    seen: dict[str, FigureValue] = {}
    for year in sorted(by_year, reverse=True):
        for code, figure in by_year[year].items():
            seen.setdefault(code, figure)
    rows = []
    for code in _ordered(list(seen), order):
        figure = seen[code]
        change = None
        if previous is not None:
            change = changes.get(code) or FigureChange(code, figure.name, figure.level, ZERO, ZERO)
        rows.append(
            CompareRow(
                dimension=dimension,
                code=code,
                name=(names or {}).get(code) or figure.name or code,
                level=figure.level,
                cells=tuple(
                    Cell(year, by_year[year][code].amount if code in by_year[year] else None)
                    for year in data.years
                ),
                change=change,
            )
        )
    return rows


def compare_tables(
    data: UnitYears, *, func: str = ""
) -> tuple[list[CompareTable], CompareTable | None]:
    """The comparison tables of the unit page, and the 款 and 项 of the 功能分类 类 `func`
    (None when it names no 类 of the unit)."""
    totals = compare_rows(
        data, "total", keep=lambda f: f.code == "expenditure", names={"expenditure": "支出合计"}
    ) + [
        replace(row, level=2)  # 其中
        for row in compare_rows(
            data, "kind", keep=lambda f: f.level == 1, order=("basic", "project")
        )
    ]
    functions = [
        replace(row, link=f"?func={row.code}#func-detail")
        for row in compare_rows(data, "function", keep=lambda f: f.level == 1)
    ]
    tables = [
        CompareTable("total", "支出合计", "支出合计及基本支出、项目支出", totals),
        CompareTable(
            "revenue",
            "收入按资金来源",
            "收入按资金来源（含上年结转）",
            compare_rows(data, "revenue", order=REVENUE_ORDER, names={"carryover": "上年结转"}),
        ),
        CompareTable(
            "function",
            "支出按功能分类",
            "支出按功能分类（类）",
            functions,
            note="点击类级科目名称，可查看其下款级、项级科目的对比。",
        ),
        CompareTable(
            "sangong",
            "“三公”经费和机关运行经费",
            "财政拨款安排的“三公”经费和机关运行经费",
            compare_rows(data, "sangong", order=(*SANGONG_ITEMS, "total"))
            + compare_rows(data, "operating"),
        ),
    ]
    detail = None
    chosen = next((r for r in functions if r.code == func), None)
    if chosen is not None:
        rows = compare_rows(
            data, "function", keep=lambda f: f.level > 1 and f.code.startswith(chosen.code)
        )
        detail = CompareTable(
            "function-detail",
            f"{chosen.code} {chosen.name}的款、项",
            f"{chosen.code} {chosen.name}下各款、项的支出",
            rows,
        )
    return tables, detail


def _chart_view(request, chart, version: PublishedVersion | None) -> ChartView:
    rows = chart_rows(chart)
    if version is None:
        return ChartView(chart.key, chart.title, chart_safe(chart), rows)
    kwargs = {"version_id": version.pk, "chart_key": chart.key}
    embed_url = public_absolute_url(request, reverse("public:chart_embed", kwargs=kwargs))
    code = (
        f'<iframe src="{escape(embed_url)}" title="{escape(version.unit_name + chart.title)}" width="{EMBED_WIDTH}" '
        f'height="{embed_height(chart)}" style="border:0" loading="lazy"></iframe>'
    )
    return ChartView(
        chart.key,
        chart.title,
        chart_safe(chart),
        rows,
        svg_url=reverse("public:chart_svg", kwargs=kwargs),
        embed_url=embed_url,
        embed_code=code,
    )


# --- views -------------------------------------------------------------------------------------


@public_page
def unit_years(request, unit_code: str):
    """一个单位的历年预算: its published years and the newest year against the earlier ones."""
    data = unit_years_get(unit_code=unit_code)
    latest = data.latest
    func = request.GET.get("func", "").strip()
    tables, detail = compare_tables(data, func=func)
    totals = expenditure_totals(data.versions, data.figures)
    charts = {
        "total": years_chart(totals=totals),
        "revenue": fund_chart(year=latest.year, figures=data.dimension(latest, "revenue")),
        "function": function_chart(year=latest.year, figures=data.dimension(latest, "function")),
    }
    tables = [
        replace(table, chart=_chart_view(request, charts[table.key], latest))
        if table.key in charts
        else table
        for table in tables
    ]
    return render(
        request,
        "public/unit_years.html",
        {
            "data": data,
            "latest": latest,
            "previous": data.previous,
            "versions": list(data.versions.values()),
            "years": data.years,
            "tables": tables,
            "detail": detail,
            "selected_func": func if detail else "",
            "listing": [
                (version, Cell(year, total))
                for (year, total), version in zip(
                    reversed(totals), data.versions.values(), strict=True
                )
            ],
            "reasons": data.reasons,
            "finals": unit_finals_get(unit_code=unit_code, budgets=data.versions),
        },
    )


def version_chart(*, version_id: int, chart_key: str):
    """(the published budget version, its chart `chart_key`), or 404 (also for a 决算
    version); two or three queries."""
    if chart_key not in CHART_TITLES:
        raise Http404("没有这个图表")
    # the charts draw a budget's figures: a 决算 version has none
    version = published_budget_versions().defer("data_json").filter(pk=version_id).first()
    if version is None:
        raise Http404("没有这个已公开的版本")
    if chart_key == "years":
        versions = unit_versions_by_year(unit_code=version.unit_code, as_of=version)
        figures = version_figures(
            version_ids=[v.pk for v in versions.values()], dimensions=("total",)
        )
        totals = expenditure_totals(versions, figures)
        return version, years_chart(totals=totals)
    dimension = "function" if chart_key == "function" else "revenue"
    figures = version_figures(version_ids=[version.pk], dimensions=(dimension,))
    values = figures.get(version.pk, {}).get(dimension, [])
    build = function_chart if chart_key == "function" else fund_chart
    return version, build(year=version.year, figures=values)


def version_source(version: PublishedVersion) -> str:
    """Whose data a chart is, as printed under it: "数据来源：<单位>2025年单位预算公开（第1版）"."""
    scope = "部门" if version.is_department else "单位"
    return f"数据来源：{version.unit_name}{version.year}年{scope}预算公开（第{version.version}版）"


@xframe_options_exempt
def chart_file(request, version_id: int, chart_key: str):
    """A chart of a published version as a standalone SVG file (never changes: long cache)."""
    version, chart = version_chart(version_id=version_id, chart_key=chart_key)
    svg = svg_document(chart, source=version_source(version))
    response = HttpResponse(svg.encode(), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE_CACHE
    response["Content-Security-Policy"] = SVG_CSP
    return response


@csp_replace({"frame-ancestors": ["*"]})
@xframe_options_exempt
@public_page
def chart_embed(request, version_id: int, chart_key: str):
    """A chart of a published version on a page other sites may frame: the chart, its table,
    and the version it comes from."""
    version, chart = version_chart(version_id=version_id, chart_key=chart_key)
    return render(
        request,
        "public/chart_embed.html",
        {"version": version, "chart": _chart_view(request, chart, None)},
    )
