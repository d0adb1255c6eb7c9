"""Rows of the sheets an import reads, from a workbook `units.excel.archive` has checked.

An import describes its sheets as data (`SheetSpec`: name, `Column`s, row limit) and gets back,
per sheet, its non-empty data rows as `Row`s of raw values keyed by column. Columns are found by
their header text in the first non-empty row (white space ignored, ( ) and （ ） alike), so
users may reorder them and add their own; what is missing is reported once per sheet.

What every import gets from here, located as 「sheet」表 第N行 X列（header）:

- numbers exactly: a numeric cell is the `Decimal` of the text stored in the file, to Excel's
  15 significant digits (Excel computes and shows 15; some versions store a 17-digit binary
  artefact such as 2.2999999999999998 for a typed 2.3), never a float;
- formula cells without a cached value refused in the columns read;
- free text (`Column.free_text`) that a spreadsheet would run as a formula refused with
  `units.formula_text.formula_text_error`'s message;
- any other fault of the file as a Chinese ValidationError (openpyxl's exceptions are caught
  and translated, never shown).

Besides rows, an import may ask for a few fixed cells (`CellRef`, e.g. the file's identity in
「说明」表 B1, `units.excel.identity`) and check them (`cells_check`) before the sheets and rows
are judged, so a file meant for something else is refused with one clear message rather than
a list of faults that follow from it.

openpyxl is imported lazily and only after the archive scan has passed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal

from django.core.exceptions import ValidationError

from units.excel.archive import ENTITIES, ArchiveScan, Limits, archive_scan, damaged
from units.excel.cells import cell_text
from units.excel.problems import Problem, column_letter, problems_error
from units.formula_text import formula_text_error

TEXT, MONEY, DATETIME, NUMBER = "text", "money", "datetime", "number"
#: Excel's precision: numbers are computed and displayed with 15 significant digits.
_EXCEL_DIGITS = Context(prec=15)
MISSING_SHEETS = "工作簿缺少工作表{names}，请使用下载的模板填写后导入。"
FORMULA_WITHOUT_VALUE = (
    "单元格是公式但没有计算结果，请在 Excel 中打开并保存，或复制后“粘贴为数值”。"
)


@dataclass(frozen=True)
class Column:
    """One column of an import sheet (also used to write the template's header)."""

    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    width: int = 16
    note: str = ""
    #: entered prose (names, descriptions…): refused when it begins like a formula
    free_text: bool = False


@dataclass(frozen=True)
class SheetSpec:
    """A sheet an import reads: its name, columns and limit of data rows."""

    name: str
    columns: tuple[Column, ...]
    max_rows: int
    #: only the `required` columns must be in the header (others may be left out)
    optional_headers: bool = False
    #: a number in a percent-formatted cell is read as the text shown, 0.95 → "95%"
    percent_text: bool = False
    #: the workbook may lack this sheet (an older layout): it is then left out of the result,
    #: and the import leaves its data as it is
    optional: bool = False

    def label(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)


@dataclass(frozen=True)
class CellRef:
    """One fixed cell an import reads besides its rows: sheet, 1-based row and column."""

    sheet: str
    row: int
    column: int


@dataclass(frozen=True)
class Row:
    """One non-empty data row: its 1-based row number and raw cell values by column key."""

    spec: SheetSpec
    number: int
    values: dict[str, object]
    letters: dict[str, str]  # column key → letter in this file

    def locate(self, key: str, message: str) -> Problem:
        """A problem of this row's `key` cell."""
        spec = self.spec
        return Problem(spec.name, message, self.number, self.letters.get(key, ""), spec.label(key))


def excel_number(text: str) -> Decimal:
    """The number stored as `text`, to Excel's 15 significant digits."""
    return _EXCEL_DIGITS.plus(Decimal(text.strip()))


def filled(values) -> bool:
    """Whether any of the values is more than blank."""
    return any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values)


def header_key(text) -> str:
    """A header as compared: no white space, ( ) written as （ ）."""
    if text is None:
        return ""
    return "".join(str(text).split()).replace("(", "（").replace(")", "）")


def read_error(exc: BaseException) -> ValidationError:
    """The Chinese message for an exception raised while openpyxl reads a checked file."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a runtime requirement
        DefusedXmlException = ()  # noqa: N806
    causes, cause = [], exc
    while cause is not None and len(causes) < 10:  # openpyxl wraps parse errors
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, DefusedXmlException) for c in causes):
        return ValidationError(ENTITIES)
    if isinstance(exc, MemoryError):
        return ValidationError("文件过于复杂，无法读取。请删除无关的工作表和格式后再导入。")
    return damaged("不是有效的工作簿内容")


@functools.cache
def _exact_parser():
    """openpyxl's worksheet parser, keeping a numeric cell's stored text as a Decimal."""
    from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

    class ExactParser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["data_type"] == "n" and isinstance(cell["value"], float):
                cell["value"] = excel_number(element.findtext(VALUE_TAG))
            return cell

    return ExactParser


class _Workbook:
    """The checked workbook opened read-only by openpyxl; yields rows of `{column: value}`."""

    def __init__(self, data: bytes, limits: Limits):
        from openpyxl import load_workbook

        self.limits = limits
        self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        self.percent: dict[int, bool] = {}

    def _is_percent(self, worksheet, style_id: int) -> bool:
        if style_id not in self.percent:
            from openpyxl.cell.read_only import ReadOnlyCell

            cell = ReadOnlyCell(worksheet, 1, 1, None, style_id=style_id)
            self.percent[style_id] = "%" in (cell.number_format or "")
        return self.percent[style_id]

    def rows(self, name: str, *, percent_text: bool = False):
        """(row number, {column number: value}) of the rows present in the sheet."""
        book, limits = self.book, self.limits
        worksheet = book[name]
        # The public iter_rows() would give floats; the parser is the same openpyxl uses.
        with book._archive.open(worksheet._worksheet_path) as source:  # noqa: SLF001
            parser = _exact_parser()(
                source,
                worksheet._shared_strings,  # noqa: SLF001
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,  # noqa: SLF001
                timedelta_formats=book._timedelta_formats,  # noqa: SLF001
            )
            for number, cells in parser.parse():
                if number > limits.scanned_rows:  # refused by the scan; a second guard
                    break
                row = {}
                for cell in cells:
                    column, value = cell["column"], cell["value"]
                    if column > limits.columns:
                        continue
                    if (
                        percent_text
                        and isinstance(value, int | Decimal)
                        and not isinstance(value, bool)
                        and self._is_percent(worksheet, cell["style_id"])
                    ):
                        value = f"{(Decimal(value) * 100).normalize():f}%"
                    row[column] = value
                yield number, row

    def cell(self, ref: CellRef):
        """The value of one fixed cell (None when empty); reads the sheet only down to it."""
        with contextlib.closing(self.rows(ref.sheet)) as rows:
            for number, row in rows:
                if number >= ref.row:
                    return row.get(ref.column) if number == ref.row else None
        return None

    def close(self):
        self.book.close()


def _opened(data: bytes, limits: Limits, read):
    """`read(workbook)` on the opened workbook, every openpyxl fault translated."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            workbook = _Workbook(data, limits)
            try:
                return read(workbook)
            finally:
                workbook.close()
    except ValidationError:
        raise
    except Exception as exc:
        raise read_error(exc) from None


def _rows(spec: SheetSpec, raw, scan_formulas, problems: list[Problem]) -> list[Row]:
    header_number, header = next(
        ((n, cells) for n, cells in raw if filled(cells.values())), (1, {})
    )
    wanted = {header_key(c.header): c.key for c in spec.columns}
    positions: dict[str, int] = {}  # column key → column number
    for number in sorted(header):
        key = wanted.get(header_key(header[number]))
        if key and key not in positions:
            positions[key] = number
    missing = [
        c.header
        for c in spec.columns
        if (c.required or not spec.optional_headers) and c.key not in positions
    ]
    if missing:
        problems.append(
            Problem(
                spec.name,
                f"第{header_number}行表头缺少列：{'、'.join(missing)}"
                "（请使用下载的模板，不要改动表头）。",
            )
        )
        return []
    letters = {key: column_letter(number - 1) for key, number in positions.items()}
    free_text = {c.key for c in spec.columns if c.free_text}
    rows = []
    for number, cells in raw:
        if number <= header_number:
            continue
        values = {key: cells.get(column) for key, column in positions.items()}
        row = Row(spec, number, values, letters)
        for key, column in positions.items():
            value = values[key]
            if value is None and (number, column) in scan_formulas:
                problems.append(row.locate(key, FORMULA_WITHOUT_VALUE))
            elif key in free_text and isinstance(value, str):
                error = formula_text_error(cell_text(value))
                if error is not None:
                    problems.append(row.locate(key, error))
        if filled(values.values()):
            rows.append(row)
    return rows


def sheets_read(
    data: bytes,
    *,
    sheets: tuple[SheetSpec, ...],
    limits: Limits,
    missing_sheets: str = MISSING_SHEETS,
    cells: tuple[CellRef, ...] = (),
    cells_check: Callable[[dict[CellRef, object]], None] | None = None,
) -> dict[str, list[Row]]:
    """The data rows of each of `sheets` in the workbook `data`; ValidationError listing every
    problem of the file and of the cells read (nothing is returned unless all are good). An
    `optional` sheet the workbook lacks is not in the result.

    `cells_check`, when given, is called with the values of `cells` (None for an empty cell or
    a missing sheet) once the file has passed the archive checks and before missing sheets or
    row problems are reported; it may raise a ValidationError of its own."""
    scan: ArchiveScan = archive_scan(
        data, limits=limits, row_limits={s.name: s.max_rows for s in sheets}
    )
    absent = [s.name for s in sheets if s.name not in scan.sheets and not s.optional]
    present = [s for s in sheets if s.name in scan.sheets]
    wanted = [c for c in cells if c.sheet in scan.sheets]

    def read(workbook):
        values = {c: workbook.cell(c) for c in wanted}
        if absent:  # refused below: no row is read
            return {}, values
        return {
            s.name: list(workbook.rows(s.name, percent_text=s.percent_text)) for s in present
        }, values

    raw, values = _opened(data, limits, read) if wanted or not absent else ({}, {})
    if cells_check is not None:
        cells_check({c: values.get(c) for c in cells})
    if absent:
        raise ValidationError(missing_sheets.format(names="、".join(f"「{s}」" for s in absent)))
    problems: list[Problem] = []
    rows = {s.name: _rows(s, raw[s.name], scan.sheets[s.name].formulas, problems) for s in present}
    if problems:
        raise problems_error(problems, sheet_order=[s.name for s in sheets])
    return rows


def first_sheet_read(data: bytes, *, limits: Limits) -> tuple[str, list[tuple[int, list]]]:
    """The first worksheet's name and its rows as (row number, [values from column A]), for
    files whose layout the caller works out itself (code lists)."""
    scan = archive_scan(data, limits=limits)
    if not scan.sheets:
        raise ValidationError("工作簿中没有工作表。")
    name = next(iter(scan.sheets))

    def read(workbook):
        return [
            (number, [row.get(column) for column in range(1, max(row, default=0) + 1)])
            for number, row in workbook.rows(name)
        ]

    return name, _opened(data, limits, read)
