"""Small helpers shared by the Excel templates and exports (预算明细, 绩效目标): writing only.
Uploaded workbooks are read by `units.excel`."""

from decimal import Decimal


def illegal_free(text: str) -> str:
    """Drop the control characters an XLSX cell cannot hold (openpyxl would refuse the file)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def text_cell_put(worksheet, row: int, column: int, value):
    """Write `value` as a text cell ("@" format): never a formula, even when it starts with
    "="; blank for None or ""."""
    cell = worksheet.cell(row=row, column=column)
    text = illegal_free(str(value)) if value not in (None, "") else None
    cell.value = text or None
    if cell.value is not None:
        cell.data_type = "s"
    cell.number_format = "@"
    return cell


def exact_number(cell, value, number_format: str = "#,##0.00"):
    """Make `cell` a number holding exactly `value` (a Decimal; None leaves it blank; anything
    else is written as openpyxl types it).
    openpyxl writes a Decimal as ``"%.16g" % float(value)`` — 943.43 becomes
    943.4299999999999 in the file — so the stored value is the decimal's own text, typed as a
    number: Excel and every reader see the amount as entered, to the 分."""
    cell.number_format = number_format
    if value is None:
        cell.value = None
        return cell
    if isinstance(value, Decimal):
        cell.value = format(value, "f")
        cell.data_type = "n"
    else:  # an int, or what a caller deliberately writes as it is (a test's text amount)
        cell.value = value
    return cell


def number_cell_put(worksheet, row: int, column: int, value, number_format: str = "#,##0.00"):
    """Write `value` as an exact number cell (`exact_number`)."""
    return exact_number(worksheet.cell(row=row, column=column), value, number_format)


def header_write(worksheet, columns, *, freeze: str = "A2") -> None:
    """Row 1 of an import sheet: the `units.excel.reader.Column` headers in bold (required ones
    in red), their notes as comments, the widths, and text format for text columns so that
    codes and values typed later stay text (2010101 is not turned into a number, "100%" not
    into 1)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    from units.excel.problems import column_letter
    from units.excel.reader import TEXT

    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = worksheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.note:
            cell.comment = Comment(column.note, "模板")
        letter = column_letter(index - 1)
        worksheet.column_dimensions[letter].width = column.width
        if column.kind == TEXT:
            worksheet.column_dimensions[letter].number_format = "@"
    worksheet.freeze_panes = freeze


def list_validation(worksheet, letter: str, options: list[str], rows: int) -> None:
    """A drop-down of `options` on column `letter`, rows 2 … rows + 1 (skipped when the inline
    list would exceed Excel's 255 characters)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    formula = '"' + ",".join(options) + '"'
    if len(formula) > 255 or not options:
        return
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="无效的值",
        error="请从下拉列表中选择。",
    )
    validation.add(f"{letter}2:{letter}{rows + 1}")
    worksheet.add_data_validation(validation)


def text_sheet_write(workbook, title: str, columns, rows) -> None:
    """A sheet of text cells: the header of `columns` (frozen), then one row per tuple of
    `rows`, each value written as text (`text_cell_put`; None leaves the cell empty)."""
    sheet = workbook.create_sheet(title)
    header_write(sheet, columns)
    for row, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            text_cell_put(sheet, row, column, value)
