"""Excel workbook of the disclosure (openpyxl, normal mode: merged cells and print set-up need it).

`disclosure_workbook(document)` writes one sheet per statutory table 1–14 ("表一 预算收支总表" …),
then the unit-level target table ("绩效目标 整体支出") and one sheet per project target table
("目标01 人大会刊费" …). Sheet names are cleaned of the characters Excel refuses, cut to 31
characters and made unique.

A statutory table sheet is laid out as the printed form:

1. the form label ("预算公开表1"),
2. the title, merged across the table,
3. "单位名称：…" ("部门名称：…" on a 部门预算), 4. "单位：万元" (or 元 for 表十四),
5. … the header rows, merged exactly as `Table.header` (colspan/rowspan),
then the body rows and, for a table whose derivation sets one, its note ("注：本表无数据"). The
note comes from the derived table, as on the HTML page: 表十四 prints its "无" row and no note,
as the seed does.

Amounts are numeric cells holding the displayed value (`to_display`, the one rounding rule)
with the number format ``0.00``; a cell is empty exactly where the displayed grid
(`tables.figures.formatting.body_grid`) is empty. Panes are frozen below the header; the header rows
repeat on every printed page; A4, fit to one page wide, landscape when the columns are wider
than a portrait page.

A target sheet is its `TargetSheet` grid with the same merges: title and subtitle rows, the
sections, then the footer line (负责人 / 经办人 / 联系电话 / 填报日期). Amounts there are
numeric too, with a number format that prints them as the grid's text ("75,000", "943.43").
Same print set-up, the title and subtitle repeated on each page; panes are not frozen (a
target sheet has no column header row to keep in view).

Drafts: every sheet's title ends in "（草稿）" and every printed page carries "草稿" in its
header, so neither the screen nor a print-out can be mistaken for the published version.

User text is never a formula: text cells are forced to the string type (openpyxl would
otherwise store any text starting with "=" as a formula), and text starting with "=", "+",
"-", "@", tab or CR also gets Excel's quote prefix so that editing the cell in Excel keeps it
text. Carriage returns are written as line feeds (XML would turn a bare CR into LF anyway, and
Excel breaks lines in a cell on LF), and the control characters XML cannot carry are dropped.

openpyxl is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from performance.sheets import HEADER, LABEL, MONEY, TargetSheet
from tables.figures.formatting import chinese_numeral, format_amount, to_display
from tables.figures.types import Table
from units.spreadsheet import exact_number

MONEY_FORMAT = "0.00"
DRAFT_MARK = "草稿"
DRAFT_TITLE_SUFFIX = "（草稿）"
FONT_NAME = "宋体"

#: text starting with one of these is a formula (or DDE) to a spreadsheet when typed in
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: characters XML 1.0 cannot carry (as openpyxl's ILLEGAL_CHARACTERS_RE)
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
YEAR_PREFIX = re.compile(r"^\d{4}年")

#: rows above a statutory table's header: form label, title, 单位名称, 单位
TABLE_HEADER_START = 5
#: rows above a target sheet's grid: title, subtitle
TARGET_GRID_START = 3

#: column widths, in Excel's character units (a CJK character counts 2)
MIN_WIDTH = 8
MAX_WIDTH = 40
MONEY_MIN_WIDTH = 12
TARGET_MIN_WIDTH = 10
TARGET_MAX_WIDTH = 24
#: wider than this (sum of column widths), a sheet prints landscape
PORTRAIT_MAX_WIDTH = 100
#: points per line of 11-point CJK text, for rows whose wrapped text needs several lines
LINE_HEIGHT = 15.0
BODY_SIZE = 11
TITLE_SIZE = 16


def disclosure_workbook(document) -> bytes:
    """The whole disclosure as an .xlsx: tables 1–14, then the target tables."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"{document.unit_name}{document.year}年{document.kind_label}公开"
    styles = _styles()
    names = _SheetNames()
    for table in sorted(document.shown_tables.values(), key=lambda t: t.number):
        sheet = workbook.create_sheet(names.take(table_sheet_name(table)))
        _write_table(
            sheet,
            table,
            styles,
            is_draft=document.is_draft,
            name_label=f"{document.data.scope}名称",
        )
    if document.unit_target_sheet is not None:
        sheet = workbook.create_sheet(names.take("绩效目标 整体支出"))
        _write_target(sheet, document.unit_target_sheet, styles, is_draft=document.is_draft)
    prefix = "自评" if document.is_final else "目标"
    for i, target in enumerate(document.project_target_sheets, 1):
        sheet = workbook.create_sheet(names.take(f"{prefix}{i:02d} {target.name}"))
        _write_target(sheet, target, styles, is_draft=document.is_draft)
    return _save(workbook)


def table_workbook(table: Table, *, is_draft: bool = False) -> bytes:
    """One statutory table as an .xlsx of one sheet, laid out as in `disclosure_workbook`."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _SheetNames().take(table_sheet_name(table))
    _write_table(sheet, table, _styles(), is_draft=is_draft)
    return _save(workbook)


def table_sheet_name(table: Table) -> str:
    """ "表一 预算收支总表": the table's number and its title without the year."""
    return f"表{chinese_numeral(table.number)} {YEAR_PREFIX.sub('', table.title)}"


def display_width(text: str) -> int:
    """Width in Excel character units: wide (CJK, full-width) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def spanned_positions(rows: Sequence[Sequence], width: int) -> Iterator[tuple[int, int, object]]:
    """(row, column, cell) of every cell of rows of merged cells (anything with colspan and
    rowspan): each cell takes the first column its row has free, as in HTML tables."""
    taken = [[False] * width for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < width and taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            yield r, c, cell
            c += cell.colspan


# Writing ------------------------------------------------------------------------------------


def _styles() -> SimpleNamespace:
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    return SimpleNamespace(
        font=Font(name=FONT_NAME, size=BODY_SIZE),
        bold=Font(name=FONT_NAME, size=BODY_SIZE, bold=True),
        title=Font(name=FONT_NAME, size=TITLE_SIZE, bold=True),
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
        center=Alignment(horizontal="center", vertical="center", wrap_text=True),
        left=Alignment(horizontal="left", vertical="center", wrap_text=True),
        right=Alignment(horizontal="right", vertical="center"),
    )


def _set_text(cell, text: str | None) -> None:
    """Write user or label text as a string cell, never a formula (see the module docstring)."""
    if not text:
        cell.value = None
        return
    clean = ILLEGAL_CHARACTERS.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    cell.value = clean or None
    if clean:
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


def _merge(sheet, row: int, column: int, rowspan: int = 1, colspan: int = 1) -> None:
    if rowspan > 1 or colspan > 1:
        sheet.merge_cells(
            start_row=row,
            start_column=column,
            end_row=row + rowspan - 1,
            end_column=column + colspan - 1,
        )


def _line(sheet, row: int, width: int, text: str, font, alignment) -> None:
    """A line of text merged across the sheet (title, 单位名称, note …)."""
    cell = sheet.cell(row=row, column=1)
    _set_text(cell, text)
    cell.font = font
    cell.alignment = alignment
    _merge(sheet, row, 1, colspan=width)


def _box(sheet, first_row: int, last_row: int, width: int, styles) -> None:
    """Thin borders round every cell of the grid, merged ones included (Excel draws the
    border of a merged range from its member cells)."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=width):
        for cell in row:
            cell.border = styles.border


def _write_table(
    sheet, table: Table, styles, *, is_draft: bool, name_label: str = "单位名称"
) -> None:
    width = len(table.columns)
    title = table.title + (DRAFT_TITLE_SUFFIX if is_draft else "")
    _line(sheet, 1, width, table.label, styles.font, styles.left)
    _line(sheet, 2, width, title, styles.title, styles.center)
    _line(sheet, 3, width, f"{name_label}：{table.unit_name}", styles.font, styles.left)
    _line(sheet, 4, width, f"单位：{table.money_unit}", styles.font, styles.right)

    for r, c, head in spanned_positions(table.header, width):
        cell = sheet.cell(row=TABLE_HEADER_START + r, column=c + 1)
        _set_text(cell, head.text)
        cell.font = styles.bold
        cell.alignment = styles.center
        _merge(sheet, TABLE_HEADER_START + r, c + 1, head.rowspan, head.colspan)
    body_start = TABLE_HEADER_START + len(table.header)

    for r, row in enumerate(table.rows):
        font = styles.bold if row.level == 0 else styles.font
        for c, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
            cell = sheet.cell(row=body_start + r, column=c + 1)
            cell.font = font
            if column.kind == "money":
                # Empty exactly where the displayed grid is: the one formatting rule decides.
                if format_amount(value, table.money_unit):
                    exact_number(cell, to_display(value, table.money_unit), MONEY_FORMAT)
                cell.alignment = styles.right
            else:
                _set_text(cell, "" if value is None else str(value))
                cell.alignment = styles.left
    body_end = body_start + len(table.rows) - 1
    _box(sheet, TABLE_HEADER_START, body_end, width, styles)
    if table.note:
        _line(sheet, body_end + 1, width, table.note, styles.font, styles.left)

    widths = _table_widths(table)
    _set_widths(sheet, widths)
    lines = [(2, title, TITLE_SIZE), (3, f"{name_label}：{table.unit_name}", BODY_SIZE)]
    if table.note:
        lines.append((body_end + 1, table.note, BODY_SIZE))
    _fit_rows(
        sheet,
        [
            *_table_cells(table, body_start),
            *((row, 0, 1, width, text, size) for row, text, size in lines),
        ],
        widths,
    )
    sheet.freeze_panes = sheet.cell(row=body_start, column=1).coordinate
    _print_setup(
        sheet,
        landscape=sum(widths) > PORTRAIT_MAX_WIDTH,
        title_rows=f"{TABLE_HEADER_START}:{body_start - 1}" if table.header else None,
        is_draft=is_draft,
    )


def _table_widths(table: Table) -> list[float]:
    widths = []
    for c, column in enumerate(table.columns):
        texts = [
            cell.text
            for _, col, cell in spanned_positions(table.header, len(table.columns))
            if col == c and cell.colspan == 1
        ]
        for row in table.rows:
            value = row.cells[c]
            if column.kind == "money":
                texts.append(format_amount(value, table.money_unit))
            elif value is not None:
                texts.append(str(value))
        natural = max((display_width(t) for t in texts), default=0) + 2
        floor = MONEY_MIN_WIDTH if column.kind == "money" else MIN_WIDTH
        widths.append(min(max(natural, floor), MAX_WIDTH))
    return widths


def _table_cells(table: Table, body_start: int) -> Iterator[tuple]:
    """(row, column, rowspan, colspan, text, size) of the header and text cells."""
    for r, c, head in spanned_positions(table.header, len(table.columns)):
        yield TABLE_HEADER_START + r, c, head.rowspan, head.colspan, head.text, BODY_SIZE
    for r, row in enumerate(table.rows):
        for c, (value, column) in enumerate(zip(row.cells, table.columns, strict=True)):
            if column.kind != "money" and value is not None:
                yield body_start + r, c, 1, 1, str(value), BODY_SIZE


def _write_target(sheet, target: TargetSheet, styles, *, is_draft: bool) -> None:
    width = target.columns
    title = target.title + (DRAFT_TITLE_SUFFIX if is_draft else "")
    _line(sheet, 1, width, title, styles.title, styles.center)
    _line(sheet, 2, width, target.subtitle, styles.font, styles.center)

    rows = target.rows
    placed = list(spanned_positions(rows, width))
    for r, c, item in placed:
        cell = sheet.cell(row=TARGET_GRID_START + r, column=c + 1)
        number = _target_number(item.text) if item.kind == MONEY else None
        if number is not None:
            exact_number(cell, *number)
            cell.alignment = styles.right
        else:
            _set_text(cell, item.text)
            cell.alignment = styles.center if item.kind in (LABEL, HEADER) else styles.left
        cell.font = styles.bold if item.kind == HEADER or item.group else styles.font
        _merge(sheet, TARGET_GRID_START + r, c + 1, item.rowspan, item.colspan)
    grid_end = TARGET_GRID_START + len(rows) - 1
    _box(sheet, TARGET_GRID_START, grid_end, width, styles)

    footer = "　　".join(f"{label}：{value}" for label, value in target.footer)
    _line(sheet, grid_end + 1, width, footer, styles.font, styles.left)

    widths = _target_widths(placed, width)
    _set_widths(sheet, widths)
    _fit_rows(
        sheet,
        [
            (1, 0, 1, width, title, TITLE_SIZE),
            *(
                (TARGET_GRID_START + r, c, item.rowspan, item.colspan, item.text, BODY_SIZE)
                for r, c, item in placed
            ),
            (grid_end + 1, 0, 1, width, footer, BODY_SIZE),
        ],
        widths,
    )
    _print_setup(
        sheet, landscape=sum(widths) > PORTRAIT_MAX_WIDTH, title_rows="1:2", is_draft=is_draft
    )


def _target_number(text: str) -> tuple[Decimal, str] | None:
    """A formatted amount of a target sheet ("75,000", "943.43") as (value, number format)
    that prints it the same; None for anything else (blank included)."""
    if not re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?", text):
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    places = len(text.partition(".")[2])
    number_format = ("#,##0" if "," in text else "0") + ("." + "0" * places if places else "")
    return value, number_format


def _target_widths(placed, width: int) -> list[float]:
    widths = [0] * width
    for _, c, item in placed:
        if item.colspan == 1:
            widths[c] = max(widths[c], display_width(item.text) + 2)
    return [min(max(w, TARGET_MIN_WIDTH), TARGET_MAX_WIDTH) for w in widths]


# Layout helpers -----------------------------------------------------------------------------


def _set_widths(sheet, widths: Sequence[float]) -> None:
    from openpyxl.utils import get_column_letter

    for c, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(c)].width = width


def _lines(text: str, width: float, size: int = BODY_SIZE) -> int:
    """Lines `text` in `size`-point type wraps to in a cell `width` characters wide (column
    widths are counted in characters of the 11-point body font)."""
    usable = max((width - 1) * BODY_SIZE / size, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def _fit_rows(sheet, cells: Iterable[tuple], widths) -> None:
    """Row heights for wrapped text, from (row, column, rowspan, colspan, text, size) cells:
    Excel does not grow rows for merged cells by itself. Cells of one row first; a cell
    spanning rows then grows the rows it covers evenly."""
    heights: dict[int, float] = {}
    tall = []
    for row, column, rowspan, colspan, text, size in cells:
        if not text:
            continue
        lines = _lines(text, sum(widths[column : column + colspan]), size)
        need = lines * LINE_HEIGHT * max(size, BODY_SIZE) / BODY_SIZE
        if rowspan == 1:
            heights[row] = max(heights.get(row, LINE_HEIGHT), need)
        else:
            tall.append((row, rowspan, need))
    for row, rowspan, need in tall:
        covered = range(row, row + rowspan)
        have = sum(heights.get(r, LINE_HEIGHT) for r in covered)
        if need > have:
            for r in covered:
                heights[r] = heights.get(r, LINE_HEIGHT) + (need - have) / rowspan
    for row, height in heights.items():
        if height > LINE_HEIGHT:
            sheet.row_dimensions[row].height = round(height, 1)


def _print_setup(sheet, *, landscape: bool, title_rows: str | None, is_draft: bool) -> None:
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    if is_draft:
        sheet.oddHeader.center.text = DRAFT_MARK
        sheet.oddHeader.center.size = 16
        sheet.oddHeader.center.color = "C00000"


class _SheetNames:
    """Sheet names Excel accepts: no []:*?/\\, no leading or trailing apostrophe, at most 31
    characters, unique regardless of case."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        name = ILLEGAL_CHARACTERS.sub("", SHEET_NAME_FORBIDDEN.sub("", wanted))
        name = " ".join(name.split())[:SHEET_NAME_MAX].strip(" '") or "Sheet"
        candidate, n = name, 1
        while candidate.casefold() in self.used:
            n += 1
            suffix = f"({n})"
            candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        self.used.add(candidate.casefold())
        return candidate


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
