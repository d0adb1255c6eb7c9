"""The bulk budget data of a year as an Excel workbook, for people who open it in Excel.

`budget_workbook_write(rows, output)` writes the rows of the bulk CSV (`tables.public.
opendata_views`), as parsed from the stored CSVs, under the fields' Chinese titles
(`FIELD_TITLES`), in openpyxl's write-only mode: a row is written out as it comes, so memory
stays flat however many units the year has (openpyxl spools the sheet to a temporary file, and the
caller hands it a file to save into). A year with more rows than a sheet holds continues on
further sheets, each under the same header.

Cells, field by field (`Field.type`):

- number (the amount in 元): a numeric cell with the format ``0.00`` whose stored value is the
  CSV's exact decimal text, built from `Decimal` ("1234.50"). openpyxl would write a number as
  ``"%.16g" % float(value)``, which turns 746.07 into 746.0700000000001; the workbook carries what
  was published, to the 分;
- integer (year, version, row number): a whole number;
- everything else (codes, names, "true"/"false"): text, as in the CSV. A code such as "001" stays
  text, never the number 1.

Formula-like text follows the workbook convention of `tables.document.render.xlsx`: the cell is a
string cell (openpyxl would store text beginning with "=" as a formula), and text beginning with
``=``, ``+``, ``-``, ``@``, tab or CR gets Excel's quote prefix, so editing it keeps it text. The
cell holds the original text: the CSV's apostrophe (`FORMULA_ESCAPE`) is dropped, as a
spreadsheet does when it opens the CSV (`opendata.cell_original`). Control characters XML cannot
carry are dropped, a CR becomes a line feed.

openpyxl is imported inside the function, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from tables.document.render.xlsx import (
    FORMULA_PREFIXES,
    ILLEGAL_CHARACTERS,
    MONEY_FORMAT,
    display_width,
)
from tables.publication.opendata import cell_original
from tables.publication.opendata_fields import BUDGET_FIELDS, CENT, FIELD_TITLES

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: rows of an Excel sheet, the header included
SHEET_ROWS = 1_048_576
#: column width (Excel character units) of a field, from its title, within these bounds
MIN_WIDTH = 8
MAX_WIDTH = 30


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS.sub("", value).replace("\r\n", "\n").replace("\r", "\n")


def budget_workbook_write(
    rows: Iterable[Sequence[str]],
    output,
    *,
    fields=BUDGET_FIELDS,
    sheet_title: str = "预算收支明细",
    sheet_rows: int = SHEET_ROWS,
) -> int:
    """Write `rows` (each the values of one CSV row, in `fields` order) as an .xlsx into
    `output` (a path or a binary file); returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    kinds = [field.type for field in fields]
    last_column = get_column_letter(len(fields))
    bold = Font(bold=True)
    sheets = []

    def sheet_new():
        number = len(sheets) + 1
        sheet = workbook.create_sheet(
            sheet_title if number == 1 else f"{sheet_title}（续{number}）"
        )
        sheet.freeze_panes = "A2"
        for index, field in enumerate(fields, start=1):
            width = display_width(FIELD_TITLES[field.name]) + 2
            if field.type == "number":
                width = max(width, 16)
            elif field.name.endswith("_name") or field.name == "project_name":
                width = MAX_WIDTH
            sheet.column_dimensions[get_column_letter(index)].width = min(
                max(width, MIN_WIDTH), MAX_WIDTH
            )
        header = []
        for field in fields:
            cell = WriteOnlyCell(sheet, value=FIELD_TITLES[field.name])
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        sheets.append([sheet, 1])
        return sheets[-1]

    def cells(sheet, values: Sequence[str]) -> list:
        # a styled Cell is written as it is; a plain value is bound by openpyxl by its type,
        # so a str beginning with "=" would become a formula: such text gets a Cell below
        out = []
        for kind, value in zip(kinds, values, strict=True):
            if value == "":
                out.append(None)
            elif kind == "number":
                cell = WriteOnlyCell(sheet)
                cell.value = format(Decimal(value).quantize(CENT), "f")
                cell.data_type = "n"  # the exact decimal text is the stored value
                cell.number_format = MONEY_FORMAT
                out.append(cell)
            elif kind == "integer":
                out.append(int(value))
            else:
                text = _text(cell_original(value))
                if not text:
                    out.append(None)
                elif text.startswith(FORMULA_PREFIXES):
                    cell = WriteOnlyCell(sheet)
                    cell.value = text
                    cell.data_type = "s"  # never a formula
                    cell.quotePrefix = True
                    out.append(cell)
                else:
                    out.append(text)
        return out

    current = sheet_new()
    count = 0
    for values in rows:
        if current[1] >= sheet_rows:
            current[0].auto_filter.ref = f"A1:{last_column}{current[1]}"
            current = sheet_new()
        current[0].append(cells(current[0], values))
        current[1] += 1
        count += 1
    current[0].auto_filter.ref = f"A1:{last_column}{current[1]}"
    workbook.save(output)
    return count
