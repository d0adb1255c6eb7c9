"""Small helpers shared by the Excel templates and imports (预算明细, 绩效目标)."""

from django.core.exceptions import ValidationError


def read_upload(file, *, max_bytes: int) -> bytes:
    """The bytes of a path, an uploaded file or bytes, refusing more than `max_bytes`."""
    too_big = ValidationError(
        f"文件过大：不能超过 {max_bytes // (1024 * 1024)} MB（请删除无关的工作表或图片后再导入）。"
    )
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as handle:
            data = handle.read(max_bytes + 1)
    else:
        if getattr(file, "size", None) is not None and file.size > max_bytes:
            raise too_big
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    return data


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
