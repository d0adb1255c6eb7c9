"""Charts of the public pages of a unit over the years, and their standalone SVG files.

Pure functions over published figures (`tables.public.insight.FigureValue`, exact 元): each
chart is a `ChartSpec` drawn as inline SVG without JavaScript. A structure (功能分类 类, 资金来源)
is drawn by the narrative's `chart_svg`, which prints each bar's share of the whole; the years
are drawn by `amount_bars_svg` here, the same bars without shares (a year's share of the sum of
several years means nothing). Every chart also has `chart_rows`: the same numbers for the
table that stands beside it for screen readers, and `svg_document` makes the standalone file
served at `/public/charts/<version>/<key>.svg`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from tables.document.narrative import ChartSpec, share
from tables.document.render.charts import (
    COLOURS,
    LABEL_WIDTH,
    ROW,
    TOP,
    WIDTH,
    chart_svg,
    chart_svg_head,
)
from tables.figures.formatting import format_wan_grouped
from tables.publication.figures import revenue_order

#: the charts of a published version, by the key in their URL: their title after the unit's name
CHART_TITLES = {
    "years": "历年支出合计",
    "function": "支出功能分类结构",
    "fund": "收入资金来源结构",
}
#: what the standalone file's text is set in (the pages set it through their CSS)
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)
#: the width of the frame the embed code asks for (the chart's 640 and a margin)
EMBED_WIDTH = 680


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One bar of a chart, as its table alternative prints it."""

    label: str
    amount: Decimal  # exact 元
    amount_text: str  # 万元, 2 places
    share_text: str  # percent of the chart's whole, "" for the years


def years_chart(*, totals: list[tuple[int, Decimal]]) -> ChartSpec:
    """支出合计 of each year (oldest first)."""
    return ChartSpec(
        key="years",
        title=CHART_TITLES["years"],
        items=tuple((f"{year}年", amount) for year, amount in totals),
    )


def function_chart(*, year: int, figures) -> ChartSpec:
    """The year's 支出 by 功能分类 类 (level 1), in code order."""
    return ChartSpec(
        key="function",
        title=f"{year}年{CHART_TITLES['function']}",
        items=tuple((f.name or f.code, f.amount) for f in figures if f.level == 1 and f.amount),
    )


def fund_chart(*, year: int, figures) -> ChartSpec:
    """The year's 收入 by 资金来源 (表一's order), those with an amount."""
    ordered = sorted(figures, key=lambda f: revenue_order(f.code))
    return ChartSpec(
        key="fund",
        title=f"{year}年{CHART_TITLES['fund']}",
        items=tuple((f.name or f.code, f.amount) for f in ordered if f.amount),
    )


def expenditure_totals(versions: dict, figures: dict) -> list[tuple[int, Decimal]]:
    """(year, 支出合计) of each version of `versions` (year → version), oldest first, from
    `version_figures`' answer (zero for a version without figures)."""
    totals = []
    for year, version in sorted(versions.items()):
        stored = figures.get(version.pk, {}).get("total", [])
        totals.append(
            (year, next((f.amount for f in stored if f.code == "expenditure"), Decimal(0)))
        )
    return totals


def chart_height(chart: ChartSpec) -> int:
    """The drawn height of a chart (as `chart_svg` lays it out: a title, a row per item)."""
    return TOP + ROW * max(len(chart.items), 1) + 16


def embed_height(chart: ChartSpec) -> int:
    """The height of a frame that shows the embed page without scrolling: the chart, its
    table (a row per item) and the source."""
    return chart_height(chart) + 36 * max(len(chart.items), 1) + 200


def chart_rows(chart: ChartSpec) -> list[ChartRow]:
    """The numbers of a chart, for its table alternative (shares only for a structure)."""
    total = sum((amount for _, amount in chart.items), Decimal(0))
    with_share = chart.key != "years"
    return [
        ChartRow(
            label, amount, format_wan_grouped(amount), share(amount, total) if with_share else ""
        )
        for label, amount in chart.items
    ]


def amount_bars_svg(chart: ChartSpec) -> str:
    """A bar per item with its amount in 万元 and no share (`chart_svg`'s layout otherwise)."""
    items = list(chart.items)
    biggest = max((amount for _, amount in items), default=Decimal(0))
    value_width = 130
    bar_space = WIDTH - LABEL_WIDTH - value_width - 20
    height = chart_height(chart)
    desc = "；".join(f"{label} {format_wan_grouped(amount)}万元" for label, amount in items)
    out = chart_svg_head(chart, height, desc)
    if not items:
        out.append(
            f'<text x="{WIDTH // 2}" y="{TOP + 18}" text-anchor="middle" font-size="13">'
            "无数据</text>"
        )
    for index, (label, amount) in enumerate(items):
        y = TOP + index * ROW
        length = 0 if biggest <= 0 or amount <= 0 else int(bar_space * amount / biggest)
        out += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>",
            f'<rect x="{LABEL_WIDTH}" y="{y + 6}" width="{max(length, 1)}" height="{ROW - 12}" '
            f'fill="{COLOURS[0]}"/>',
            f'<text x="{LABEL_WIDTH + max(length, 1) + 6}" y="{y + 19}" font-size="13">'
            f"{format_wan_grouped(amount)}</text>",
        ]
    out.append("</svg>")
    return "\n".join(out)


def chart_markup(chart: ChartSpec) -> str:
    """The chart's inline `<svg>` (escaped: safe to mark safe in a template)."""
    return amount_bars_svg(chart) if chart.key == "years" else chart_svg(chart)


def chart_safe(chart: ChartSpec) -> SafeString:
    """The chart's inline `<svg>`, ready for a template: every label and title is escaped by
    the drawing (`chart_svg`, `amount_bars_svg`), so it is the one place charts are marked
    safe."""
    return mark_safe(chart_markup(chart))  # noqa: S308 the drawing escapes every text


def structure_chart(key: str, title: str, figures: Iterable, *, label=str) -> SafeString:
    """A structure (each part's bar with its share of the whole) of `figures` (anything with
    a `name` and an `amount` in 元, in the order given), as inline SVG for a template;
    `label` shortens a name for the chart's label column."""
    return chart_safe(ChartSpec(key, title, tuple((label(f.name), f.amount) for f in figures)))


def svg_document(chart: ChartSpec, *, source: str) -> str:
    """The chart as a standalone SVG file: the XML declaration, the SVG namespace, a font, and
    under the chart the line `source` (whose data it is), all text escaped."""
    height = chart_height(chart)
    # a long source line is set smaller rather than cut (about one em per character)
    size = max(8, min(12, (WIDTH - 16) // max(len(source), 1)))
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" font-family="{escape(FONT_FAMILY)}" '
            f'viewBox="0 0 {WIDTH} {height + 24}" width="{WIDTH}" height="{height + 24}">',
            chart_markup(chart),
            f'<text x="8" y="{height + 14}" font-size="{size}" fill="#555">{escape(source)}</text>',
            "</svg>",
            "",
        ]
    )
