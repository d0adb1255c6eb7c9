"""What a workbook we wrote is for: its kind (预算明细 or 绩效目标), its year and, for an export,
its unit — so that a file for another year or another unit is refused with a message naming
both, instead of importing last year's codes or another unit's lines.

Where: one text cell, `IDENTITY_CELL` (「说明」表 B1), of the form
``预算公开导入文件；类型=预算明细；年度=2025；单位=003``. A fixed cell of a sheet every template
and export has, rather than the workbook's document properties: it survives Excel, WPS and
LibreOffice saving the file, a user can see it, and it is read by the same hardened reader as
the rows (`units.excel.reader.sheets_read`, argument `cells`), so nothing else parses the file.

A file without it (hand-made, or the rows pasted into a new workbook) still imports: its codes
are checked against the submission's year as before. A cell that does not start with the
marker is not an identity; a damaged year (not 4 digits) or an empty unit is ignored rather
than trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from units.excel.cells import cell_text
from units.excel.reader import CellRef

#: The sheet every workbook we write starts with, and the identity's place in it.
IDENTITY_CELL = CellRef(sheet="说明", row=1, column=2)
MARKER = "预算公开导入文件"
KIND_BUDGET = "预算明细"
KIND_TARGETS = "绩效目标"
KIND_FINAL = "决算明细"
_KEYS = {"类型": "kind", "年度": "year", "单位": "unit_code"}


@dataclass(frozen=True)
class WorkbookIdentity:
    """A workbook's kind, year (None: any year) and unit code ("" for a template)."""

    kind: str
    year: int | None = None
    unit_code: str = ""

    @property
    def is_export(self) -> bool:
        return bool(self.unit_code)

    def text(self) -> str:
        parts = [MARKER, f"类型={self.kind}"]
        if self.year is not None:
            parts.append(f"年度={self.year}")
        if self.unit_code:
            parts.append(f"单位={self.unit_code}")
        return "；".join(parts)


def identity_write(workbook, identity: WorkbookIdentity) -> None:
    """Put the identity in `IDENTITY_CELL` of the workbook (openpyxl, write mode), as text in
    small grey type beside the instructions."""
    from openpyxl.styles import Font

    sheet = workbook[IDENTITY_CELL.sheet]
    cell = sheet.cell(row=IDENTITY_CELL.row, column=IDENTITY_CELL.column, value=identity.text())
    cell.data_type = "s"  # text, never a formula
    cell.number_format = "@"
    cell.font = Font(color="808080", size=9)
    sheet.column_dimensions["B"].width = 48


def identity_parse(value) -> WorkbookIdentity | None:
    """The identity written by `identity_write`, or None when the cell holds none."""
    text = cell_text(value).replace(";", "；")
    parts = [part.strip() for part in text.split("；")]
    if not parts or parts[0] != MARKER:
        return None
    found: dict[str, str] = {}
    for part in parts[1:]:
        key, _, item = part.partition("=")
        if key.strip() in _KEYS:
            found[_KEYS[key.strip()]] = item.strip()
    kind = found.get("kind", "")
    if kind not in (KIND_BUDGET, KIND_TARGETS, KIND_FINAL):
        return None
    year_text = found.get("year", "")
    year = (
        int(year_text)
        if len(year_text) == 4 and year_text.isascii() and year_text.isdigit()
        else None
    )
    return WorkbookIdentity(kind=kind, year=year, unit_code=found.get("unit_code", ""))


def identity_problems(identity: WorkbookIdentity | None, *, kind: str, submission) -> list[str]:
    """Why a workbook of this identity may not be imported into `submission` as `kind` (empty:
    it may). Each message names the file's kind, year or unit and the submission's."""
    if identity is None:
        return []
    if identity.kind != kind:
        return [
            f"这个文件是{identity.kind}文件，不能作为{kind}导入。请在“导入{identity.kind}”处上传它，"
            f"或下载{kind}的模板填写。"
        ]
    problems = []
    year = submission.year
    what = "导出数据" if identity.is_export else "模板"
    if identity.year is not None and identity.year != year:
        keep = (
            "科目须为{year}年的科目" if kind == KIND_BUDGET else "项目名称须与{year}年预算中的一致"
        )
        problems.append(
            f"这个文件是{identity.year}年的{kind}{what}，本填报是{year}年，"
            f"请下载{year}年的模板（如需沿用{identity.year}年的数据，请把行复制到{year}年的模板中，"
            + keep.format(year=year)
            + "）。"
        )
    unit = submission.unit
    if identity.unit_code and identity.unit_code != unit.code:
        # the code alone: naming the other unit would tell its name to whoever types a code
        source = f"单位编码为 {identity.unit_code} 的单位"
        problems.append(
            f"这个文件是从{source}导出的{kind}，本填报是「{unit.name}」（单位编码 {unit.code}），"
            "不能导入其他单位的数据。请导出本单位的数据或下载本年度模板。"
        )
    return problems


def identity_check(identity: WorkbookIdentity | None, *, kind: str, submission) -> None:
    """Raise a ValidationError listing `identity_problems`, if any."""
    problems = identity_problems(identity, kind=kind, submission=submission)
    if problems:
        raise ValidationError(problems)
