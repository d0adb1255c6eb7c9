"""Small openpyxl helpers shared by the Excel templates and imports (预算明细, 绩效目标)."""


def illegal_free(text: str) -> str:
    """Drop the control characters an XLSX cell cannot hold (openpyxl would refuse the file)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


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
