"""Server-side SVG charts for the narrative: 一般公共预算当年拨款结构图 and 三公经费分布图.

Hand-built rather than drawn with a charting library, deliberately: both charts are one
horizontal bar per item with a Chinese label and its value, and writing those ~30 elements
directly is simpler than configuring a library (matplotlib would add numpy and its own font
handling for CJK; leather cannot print values on bars). The output is deterministic (the PDF
cache keys on it), needs no JavaScript, carries `role="img"`, a `<title>` and a `<desc>` listing
every value for screen readers, and escapes every label. Text uses the page's CJK font.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from tables.document.narrative import ChartSpec, share, wan

WIDTH = 640
ROW = 30
LABEL_WIDTH = 190
VALUE_WIDTH = 170
TOP = 36
COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57", "#d68910", "#6c3483", "#117a65", "#7f8c8d")


def chart_svg_head(chart: ChartSpec, height: int, desc: str) -> list[str]:
    """The opening of a chart's `<svg>`: its size, `role="img"`, the `<title>` and `<desc>` a
    screen reader reads, and the printed title (escaped)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="chart-{chart.key}-title chart-{chart.key}-desc">',
        f'<title id="chart-{chart.key}-title">{escape(chart.title)}</title>',
        f'<desc id="chart-{chart.key}-desc">{escape(desc or "无数据")}</desc>',
        f'<text x="{WIDTH // 2}" y="20" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{escape(chart.title)}（单位：万元）</text>',
    ]


def chart_svg(chart: ChartSpec) -> str:
    """One chart as an inline `<svg>` element (UTF-8 text)."""
    items = list(chart.items)
    total = sum((amount for _, amount in items), Decimal(0))
    biggest = max((amount for _, amount in items), default=Decimal(0))
    bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20
    height = TOP + ROW * max(len(items), 1) + 16
    desc = "；".join(
        f"{label} {wan(amount)}万元，占{share(amount, total)}%" for label, amount in items
    )
    out = chart_svg_head(chart, height, desc)
    if not items or not total:
        out.append(
            f'<text x="{WIDTH // 2}" y="{TOP + 18}" text-anchor="middle" font-size="13">'
            "本年无此项支出</text>"
        )
    for index, (label, amount) in enumerate(items):
        y = TOP + index * ROW
        length = 0 if not biggest else int(bar_space * amount / biggest)
        colour = COLOURS[index % len(COLOURS)]
        out += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>",
            f'<rect x="{LABEL_WIDTH}" y="{y + 6}" width="{max(length, 1)}" height="{ROW - 12}" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL_WIDTH + max(length, 1) + 6}" y="{y + 19}" font-size="13">'
            f"{wan(amount)}（{share(amount, total)}%）</text>",
        ]
    out.append("</svg>")
    return "\n".join(out)
