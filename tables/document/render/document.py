"""The whole disclosure as one self-contained HTML page (`document_html`), the page the PDF is
printed from (`for_pdf=True`, tables.document.render.pdf).

Order, as the published document (the seed): cover, 目录, 第一部分 概况 (职责, 机构设置),
第二部分 tables 1–14, 第三部分 情况说明 一–十二 with the 绩效目标 tables as attachments right after
section 十, 第四部分 名词解释.

This module turns a `DisclosureDocument` into a plain view model (anchors, heading levels,
numbering, column widths, paragraphs, chart SVG) so that the templates (templates/document/)
only lay it out: no arithmetic and no decisions there. Numbers come formatted from the derived
objects (`tables.figures.formatting` via `html_table`, `performance.sheets`, `tables.document.narrative`); user
text is autoescaped by the templates. The CSS (static/css/document.css) is inlined and the
charts are inline SVG, so the page makes no request of its own.

The same template also renders a piece of the document (`DocumentView.blocks` and the cut lists,
see `view_html`): the PDF lays pieces out separately and merges them (tables.document.render.pdf_parts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from tables.document.build import DisclosureDocument
from tables.document.narrative import Section
from tables.document.render.charts import chart_svg
from tables.document.render.html import StatutoryHtmlTable, html_table
from tables.figures.formatting import chinese_numeral
from tables.figures.types import Table

CSS_PATH = "css/document.css"
TEMPLATE = "document/document.html"
#: the only section whose subsections the 目录 lists (as the seed's), by title
OTHER_NOTES = "其他说明"

_BETWEEN_TAGS = re.compile(r">\s+<")
#: the openings a page of the document can hold (all of them: the whole document): cover, 目录,
#: 第一部分 (heading and texts), the headings of 第二/三部分 and of the attachments, 第四部分
BLOCKS = frozenset({"cover", "toc", "part-1", "part-2", "part-3", "attachments", "part-4"})

#: relative column widths of the statutory tables in print (table-layout: fixed); by column
#: key, else by kind. Codes are short; names and items wrap; amounts never wrap.
COLUMN_WEIGHTS = {
    "code": 1.0,
    "income_code": 1.0,
    "no": 0.55,
    "procurement": 0.9,
    "quantity": 0.9,
    "fund": 1.2,
}
TEXT_WEIGHT = 2.4
MONEY_WEIGHT = 1.0
#: the face of chart texts (the first is the one static/css/document.css asks for)
SVG_FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


def paragraphs(text: str) -> list[str]:
    """Entered text split at line breaks into non-empty paragraphs."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def column_widths(table: Table) -> list[str]:
    """Percent widths per column for `table-layout: fixed`, adding up to 100%."""
    weights = [
        COLUMN_WEIGHTS.get(column.key, MONEY_WEIGHT if column.kind == "money" else TEXT_WEIGHT)
        for column in table.columns
    ]
    total = sum(weights)
    return [f"{weight / total * 100:.2f}%" for weight in weights]


@cache
def _css_file() -> Path:
    found = finders.find(CSS_PATH)
    if found:
        return Path(found)
    return Path(settings.STATIC_ROOT) / CSS_PATH


def document_css() -> str:
    """The document's stylesheet, to inline."""
    return _css_file().read_text(encoding="utf-8")


# View model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    text: str
    children: tuple[TocEntry, ...] = ()
    css: str = ""
    #: the page the anchor is printed on, when known before layout (the merged PDF); else the
    #: print CSS asks target-counter()
    page: int | None = None


@dataclass(frozen=True)
class Paragraph:
    text: str = ""
    svg: SafeString | None = None


@dataclass(frozen=True)
class NarrativeItem:
    """A section of 情况说明 with its heading level (3 for 一–十二, 4 for their subsections)."""

    anchor: str
    number: str
    title: str
    heading: str
    level: int
    blocks: tuple[Paragraph, ...]
    children: tuple[NarrativeItem, ...] = ()
    #: the first section after the attachments starts a new page in print
    after_attachments: bool = False


@dataclass(frozen=True)
class TableItem:
    anchor: str
    toc_text: str
    table: Table
    html: StatutoryHtmlTable


@dataclass(frozen=True)
class SheetItem:
    anchor: str
    heading: str
    sheet: object  # performance.sheets.TargetSheet


@dataclass(frozen=True)
class DocumentView:
    unit_name: str
    year: int
    is_draft: bool
    for_pdf: bool
    css: SafeString
    title: str
    part_titles: dict[str, str]
    duties: list[str]
    organisation: list[str]
    tables: list[TableItem]
    narrative_before: list[NarrativeItem]
    sheets: list[SheetItem]
    narrative_after: list[NarrativeItem]
    glossary: list[tuple[str, str, str]]
    toc: list[TocEntry]
    links: Sequence[tuple[str, str]] = field(default_factory=tuple)
    #: which openings this page holds (see BLOCKS); the lists above are cut to match
    blocks: frozenset[str] = BLOCKS
    #: draw the 草稿 watermark (of a draft) in the page; the merged PDF draws it in a layer
    watermark: bool = True
    #: print 第 N 页 in the footer; the merged PDF prints it in the same layer
    page_numbers: bool = True
    #: what the 目录's links are relative to: "" for this page's own anchors
    toc_link_base: str = ""
    #: "部门" on a 部门预算 (`BudgetData.scope`), "单位" otherwise: 单位预算公开 / 部门预算公开,
    #: 本单位职责 / 本部门职责
    scope: str = "单位"
    #: 预算 or 决算 (`DisclosureDocument.kind_label`)
    kind_label: str = "预算"
    cover_notes: tuple[str, ...] = ()
    attachments_title: str = "绩效目标表"


def chart_markup(chart) -> SafeString:
    """The chart's inline SVG with the document's CJK font set on its root: WeasyPrint draws
    inline SVG without the page's CSS, and SVG text without a font-family falls back to
    whatever fontconfig offers (a JP face, DejaVu), which would embed non-SC fonts."""
    svg = chart_svg(chart)
    if svg.startswith("<svg ") and "font-family" not in svg.split(">", 1)[0]:
        svg = f'<svg font-family="{SVG_FONT_FAMILY}" ' + svg[len("<svg ") :]
    # chart_svg escapes every label itself (tables/render/charts.py)
    return mark_safe(svg)  # noqa: S308


def _blocks(section: Section) -> tuple[Paragraph, ...]:
    out: list[Paragraph] = []
    for block in section.blocks:
        if block.chart is not None:
            out.append(Paragraph(svg=chart_markup(block.chart)))
        else:
            out += [Paragraph(text=line) for line in paragraphs(block.text)]
    return tuple(out)


def _narrative_item(section: Section, anchor: str, level: int, *, after: bool) -> NarrativeItem:
    return NarrativeItem(
        anchor=anchor,
        number=section.number,
        title=section.title,
        heading=section.heading,
        level=level,
        blocks=_blocks(section),
        children=tuple(
            _narrative_item(sub, f"{anchor}-{j}", level + 1, after=False)
            for j, sub in enumerate(section.subsections, start=1)
        ),
        after_attachments=after,
    )


def _table_item(table: Table, *, name_label: str) -> TableItem:
    html = html_table(table, name_label=name_label)
    html.column_widths = column_widths(table)
    return TableItem(
        anchor=table.code,
        toc_text=f"表{chinese_numeral(table.number)} {table.title}",
        table=table,
        html=html,
    )


def document_view(
    document: DisclosureDocument, *, for_pdf: bool = False, links: Sequence = ()
) -> DocumentView:
    """The view model of `document` for templates/document/document.html."""
    year = document.year
    scope = document.data.scope
    kind = document.kind_label
    part_titles = {
        "part_1": "第一部分 概况",
        "part_2": f"第二部分 {year}年{scope}{kind}报表",
        "part_3": f"第三部分 {year}年度{scope}{kind}情况说明",
        "part_4": "第四部分 名词解释",
    }
    tables = [
        _table_item(table, name_label=f"{scope}名称") for table in document.shown_tables.values()
    ]

    sheets_all = ((document.unit_target_sheet,) if document.unit_target_sheet else ()) + tuple(
        document.project_target_sheets
    )
    sheets = [
        SheetItem(anchor=f"att-{sheet.key}", heading=f"附件{i} {sheet.name}", sheet=sheet)
        for i, sheet in enumerate(sheets_all, start=1)
    ]

    before: list[NarrativeItem] = []
    after: list[NarrativeItem] = []
    attached = False
    for i, section in enumerate(document.narrative.sections, start=1):
        # the first section after the attachments starts on a new page in print
        first_after = attached and not after and bool(sheets)
        (after if attached else before).append(
            _narrative_item(section, f"n{i}", 3, after=first_after)
        )
        if section.title == document.attachments_after:
            attached = True

    glossary = [
        (f"{chinese_numeral(i)}、", term, definition)
        for i, (term, definition) in enumerate(document.texts.glossary, start=1)
    ]

    def narrative_entries(items: list[NarrativeItem]) -> tuple[TocEntry, ...]:
        # as the seed's 目录: sections, and the subsections only of 十二 (其他说明)
        return tuple(
            TocEntry(
                item.anchor,
                item.heading,
                tuple(TocEntry(c.anchor, c.heading) for c in item.children)
                if item.title == OTHER_NOTES
                else (),
            )
            for item in items
        )

    toc = [
        TocEntry(
            "part-1",
            part_titles["part_1"],
            (
                TocEntry("duties", f"一、本{scope}职责"),
                TocEntry("organisation", "二、机构设置情况"),
            ),
            css="toc-part",
        ),
        TocEntry(
            "part-2",
            part_titles["part_2"],
            tuple(TocEntry(item.anchor, item.toc_text) for item in tables),
            css="toc-part",
        ),
        TocEntry(
            "part-3",
            part_titles["part_3"],
            narrative_entries(before)
            + ((TocEntry("attachments", f"附件：{document.attachments_title}"),) if sheets else ())
            + narrative_entries(after),
            css="toc-part",
        ),
        TocEntry("part-4", part_titles["part_4"], css="toc-part"),
    ]

    return DocumentView(
        unit_name=document.unit_name,
        year=year,
        is_draft=document.is_draft,
        for_pdf=for_pdf,
        css=mark_safe(document_css()),  # noqa: S308 - our own static file
        title=f"{document.unit_name}{year}年度{scope}{kind}公开",
        scope=scope,
        kind_label=kind,
        cover_notes=document.cover_notes,
        attachments_title=document.attachments_title,
        part_titles=part_titles,
        duties=paragraphs(document.texts.duties),
        organisation=paragraphs(document.texts.organisation),
        tables=tables,
        narrative_before=before,
        sheets=sheets,
        narrative_after=after,
        glossary=glossary,
        toc=toc,
        links=tuple(links),
    )


def toc_with_pages(entries: Sequence[TocEntry], pages: Mapping[str, int]) -> list[TocEntry]:
    """The 目录 `entries` with the page of each anchor in `pages` written in."""
    return [
        replace(
            entry,
            page=pages.get(entry.anchor),
            children=tuple(toc_with_pages(entry.children, pages)),
        )
        for entry in entries
    ]


def view_piece(view: DocumentView, blocks: Sequence[str] = (), **lists) -> DocumentView:
    """The piece of `view` that holds only the openings `blocks` and the given lists (tables,
    narrative_before, sheets, narrative_after; each empty unless given), printed without page
    numbers and watermark."""
    unknown = set(blocks) - BLOCKS
    if unknown:
        raise ValueError(f"unknown blocks {sorted(unknown)}")
    empty = {"tables": [], "narrative_before": [], "sheets": [], "narrative_after": []}
    if set(lists) - set(empty):
        raise ValueError(f"unknown lists {sorted(set(lists) - set(empty))}")
    return replace(
        view, blocks=frozenset(blocks), watermark=False, page_numbers=False, **{**empty, **lists}
    )


def view_html(view: DocumentView) -> str:
    """`view` rendered: a self-contained HTML page."""
    # Whitespace between tags carries nothing here (cell texts sit on their tag's line) and
    # is half of the page: dropping it makes the download smaller and parsing faster.
    return _BETWEEN_TAGS.sub("><", render_to_string(TEMPLATE, {"doc": view}))


def document_html(
    document: DisclosureDocument, *, for_pdf: bool = False, links: Sequence = ()
) -> str:
    """The whole disclosure as one self-contained HTML page (CSS and SVG inline, no requests).

    `links` are (url, label) pairs shown above the web view (never in the PDF).
    """
    return view_html(document_view(document, for_pdf=for_pdf, links=() if for_pdf else links))
