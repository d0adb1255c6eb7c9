"""The 预算明细 workbook: one layout for the blank template, the export and the import.

Sheets (names are part of the format):

- 说明: how to fill the workbook, including the number rule below (not read on import);
- 预算明细: one row per budget line, columns `LINE_COLUMNS`; amounts in 元;
- 功能分类, 经济分类: the year's code lists to pick codes from (not read on import).

Columns are found by their header text in the first non-empty row, so users may reorder them;
extra columns are ignored, optional columns may be left out. This module knows nothing of the
database: it checks the file as a zip archive, reads cells into `LineRow`s (refusing formula
cells without a cached value) and turns plain rows back into a workbook.

Hostile files: the upload is capped (`MAX_FILE_BYTES`); the zip's members are counted and their
declared uncompressed sizes summed before anything is parsed (`MAX_UNCOMPRESSED_BYTES`;
`zipfile` never inflates a member past its declared size, a lying size ends in a CRC error), so
a zip bomb is refused without being inflated; XML is parsed by openpyxl through defusedxml
(entity declarations, i.e. billion laughs, are refused); the sheet is read in read-only mode with
`reset_dimensions()`, so a wrong `<dimension>` element never drops rows, and scanning stops at
`MAX_SCANNED_ROWS` rows, so time and memory stay bounded.

Numbers are read exactly: a numeric cell through `Decimal(str(v))`, never float arithmetic; a
text cell by `TEXT_NUMBER_RULE`. Either way `parse_amount` then refuses more than two decimals.
openpyxl is imported lazily, inside the functions that need it.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from performance.excel import Problem, cell_text, column_letter, problems_error
from units.money import parse_amount
from units.reference import normalise_code
from units.spreadsheet import illegal_free, list_validation
from units.spreadsheet import read_upload as spreadsheet_read_upload

SHEET_README = "说明"
SHEET_LINES = "预算明细"
SHEET_FUNCTIONAL = "功能分类"
SHEET_ECONOMIC = "经济分类"

#: Upload limits.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Sum of the declared uncompressed sizes of all zip members (a zip-bomb guard).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000
MAX_LINE_ROWS = 50_000
MAX_COLUMNS = 40
#: Rows (empty ones included) scanned before giving up: a sheet padded to a million rows
#: would otherwise be read in full.
MAX_SCANNED_ROWS = MAX_LINE_ROWS + 1_000

TEXT, MONEY = "text", "money"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    width: int = 16
    note: str = ""


LINE_COLUMNS = (
    Column("func", "功能科目", required=True, width=30, note="项级（7位），如 2010101##行政运行"),
    Column("dept", "部门经济科目", required=True, width=30, note="款级（5位），如 30101##基本工资"),
    Column("gov", "政府经济科目", width=30, note="可空：按本单位类型的默认对应关系填入"),
    Column("kind", "支出类型", required=True, width=16),
    Column("fund", "资金来源", width=18, note="可空：一般公共预算"),
    Column("carryover", "是否上年结转", width=12, note="是/否，可空：否"),
    Column("project", "项目名称", width=30, note="项目支出必填，基本支出留空"),
    Column("batch", "资金批次", width=10, note="可空：1；同一项目追加的资金填 2、3…"),
    Column("category", "项目类别", width=14),
    Column("recurrence", "项目属性", width=14),
    Column("period", "项目期（年）", width=12, note="可空：1"),
    Column("amount", "金额（元）", MONEY, required=True, width=18),
    Column("note", "备注", width=24),
)
COLUMNS_BY_KEY = {c.key: c for c in LINE_COLUMNS}

#: 支出类型 as written in the workbook (the first label of each kind is the one exported).
KIND_LABELS = {
    "personnel": ("基本支出-人员", "基本支出-人员经费", "人员经费"),
    "public": ("基本支出-公用", "基本支出-公用经费", "公用经费"),
    "project": ("项目支出",),
}
KIND_BY_LABEL = {label: kind for kind, labels in KIND_LABELS.items() for label in labels}
YES, NO = "是", "否"
BOOL_BY_LABEL = {YES: True, NO: False, "": False}

TEXT_NUMBER_RULE = (
    "以文本填写的金额：只能由数字和最多一个小数点组成，可用英文逗号作千位分隔符，"
    "但必须从个位起每三位一组（如 1,234.50、1234.50 都可以；1,23.4、1，234 不可以）；"
    "不能有空格、货币符号或“元”“万元”等文字。"
)
_TEXT_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_CODE = re.compile(r"\d+")


def _readme_lines(year: int | None) -> tuple[str, ...]:
    year_text = f"{year}年" if year else "本年度"
    kinds = "、".join(labels[0] for labels in KIND_LABELS.values())
    return (
        "预算明细导入模板",
        "",
        f"1. 「{SHEET_LINES}」表每行填写一条预算明细。红色表头为必填列。",
        "2. 科目可以填写编码（2010101）、带空格的编码（201 01 01）或预算系统导出的 编码##名称"
        f"（2010101##行政运行）；只按编码识别，名称不参与校验。科目须为{year_text}科目表中有效的"
        f"末级科目：功能科目为项级（7位），经济科目为款级（5位），见「{SHEET_FUNCTIONAL}」"
        f"「{SHEET_ECONOMIC}」表。",
        "3. 政府经济科目可以留空，导入时按本单位类型（行政/参公单位 或 事业单位）的默认对应关系"
        "填入；没有默认对应关系时必须填写。",
        f"4. 支出类型填写 {kinds} 之一。资金来源留空为一般公共预算；是否上年结转填 是 或 否，"
        "留空为否。",
        "5. 项目支出必须填写项目名称，基本支出不能填写项目名称。同一项目的多行填写相同的项目名称；"
        "项目类别（其他运转类/特定目标类）、项目属性（经常性项目/一次性项目）和项目期在该项目的"
        "第一行填写，其余行可以留空，填写时须一致。同一项目追加的资金批次，在“资金批次”填 2、3…"
        "（主批次为 1 或留空）。项目按在表中首次出现的顺序排列。",
        "6. 金额单位为元，最多两位小数，不能为负数，不能留空。数字单元格按其精确值读取。"
        + TEXT_NUMBER_RULE,
        "7. 导入时，本填报的全部预算明细被文件内容替换；项目按“项目名称 + 资金批次”与已有项目"
        "对应（保留其绩效目标），文件中没有的项目被删除——已有绩效目标或政府采购预算的项目不会被"
        "删除，导入会报错，请先处理。同一文件重复导入不会产生重复数据。",
        "8. 任何一处错误都会使整个文件不被导入；错误信息会列出工作表、行、列和原因。",
        "9. 不要使用没有计算结果的公式；建议把公式单元格“粘贴为数值”。",
        f"10. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，「{SHEET_LINES}」最多 "
        f"{MAX_LINE_ROWS} 行。",
    )


@dataclass(frozen=True)
class LineRow:
    """One non-empty row of 预算明细: its 1-based row number and raw cell values by key."""

    number: int
    values: dict[str, object]
    letters: dict[str, str]  # column key → letter in this file

    def locate(self, key: str, message: str) -> Problem:
        return Problem(
            SHEET_LINES, message, self.number, self.letters.get(key, ""), COLUMNS_BY_KEY[key].header
        )


# --- the file as a zip ----------------------------------------------------------------------


def read_upload(file) -> bytes:
    """The bytes of the upload, refusing more than `MAX_FILE_BYTES`."""
    return spreadsheet_read_upload(file, max_bytes=MAX_FILE_BYTES)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
NOT_XLSX = "文件不是 Excel（.xlsx）工作簿，请使用下载的模板填写后导入。"


def zip_inspect(data: bytes) -> bool:
    """Check the archive before any XML is parsed; True when a worksheet holds a formula.

    Refuses a file that is not a zip, has too many members or would inflate past
    `MAX_UNCOMPRESSED_BYTES`. Worksheet members are then streamed (bounded by their declared
    sizes, which were just capped) to look for formula elements.
    """
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入。")
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationError(NOT_XLSX + "（文件已损坏或不是 zip 格式）") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ValidationError(
                f"文件包含 {len(members)} 个部件，超过 {MAX_ZIP_MEMBERS} 个的上限。"
            )
        inflated = sum(m.file_size for m in members)
        if inflated > MAX_UNCOMPRESSED_BYTES:
            raise ValidationError(
                f"文件解压后约 {inflated // (1024 * 1024)} MB，超过 "
                f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB 的上限（可能是恶意的压缩炸弹文件），"
                "拒绝导入。"
            )
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise ValidationError(NOT_XLSX + "（缺少 xl/workbook.xml）")
        has_formula = False
        try:
            for member in members:
                if not member.filename.startswith("xl/worksheets/") or has_formula:
                    continue
                with archive.open(member) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        if _FORMULA.search(tail + chunk):
                            has_formula = True
                            break
                        tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise ValidationError(f"无法读取 Excel 文件（文件已损坏）：{exc}") from None
    return has_formula


# --- reading --------------------------------------------------------------------------------


def _open(data: bytes, *, data_only: bool):
    from openpyxl import load_workbook  # defusedxml is installed, so openpyxl parses safely

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # a damaged or hostile file
        raise _read_error(exc) from None


def _read_error(exc: Exception) -> ValidationError:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a runtime requirement
        DefusedXmlException = ()  # noqa: N806
    causes, cause = [], exc
    while cause is not None and len(causes) < 10:  # openpyxl wraps parse errors in ValueError
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, DefusedXmlException) for c in causes):
        return ValidationError(
            "文件含有不允许的 XML 实体或文档类型声明（可能是恶意文件），拒绝导入。"
            "请用 Excel 另存为 .xlsx 后再导入。"
        )
    if isinstance(exc, MemoryError):
        return ValidationError("文件过于复杂，无法读取。")
    return ValidationError(f"无法读取 Excel 文件：{exc}")


def _sheet_rows(workbook, *, values: bool, problems: list[Problem]):
    """(row number, [cell values or cells]) of 预算明细, stopping with a problem past the limits."""
    worksheet = workbook[SHEET_LINES]
    worksheet.reset_dimensions()  # a lying <dimension> must not drop rows
    non_empty = 0
    rows = worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=values)
    for number, cells in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS:
            problems.append(
                Problem(SHEET_LINES, f"工作表超过 {MAX_SCANNED_ROWS} 行（含空行），无法导入。")
            )
            return
        cell_values = cells if values else [c.value for c in cells]
        if any(v not in (None, "") for v in cell_values):
            non_empty += 1
            if non_empty > MAX_LINE_ROWS + 1:  # + the header row
                problems.append(
                    Problem(SHEET_LINES, f"数据行超过 {MAX_LINE_ROWS} 行的上限，请分批导入。")
                )
                return
        yield number, cells


def _formula_cells(data: bytes) -> set[tuple[int, int]]:
    """(row, column index) of every formula cell of 预算明细 (read with data_only=False)."""
    workbook = _open(data, data_only=False)
    found = set()
    try:
        for number, cells in _sheet_rows(workbook, values=False, problems=[]):
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    found.add((number, index))
    except Exception as exc:
        raise _read_error(exc) from None
    finally:
        workbook.close()
    return found


def _header_key(text) -> str:
    return "".join(str(text).split()).replace("(", "（").replace(")", "）") if text else ""


def workbook_read(data: bytes) -> list[LineRow]:
    """Check the file and read the 预算明细 rows; ValidationError listing every structural
    problem (not a workbook, too big, missing sheet or column, too many rows, formula cells
    without a value)."""
    has_formula = zip_inspect(data)
    workbook = _open(data, data_only=True)
    problems: list[Problem] = []
    try:
        if SHEET_LINES not in workbook.sheetnames:
            raise ValidationError(
                f"工作簿缺少工作表「{SHEET_LINES}」，请使用下载的模板填写后导入。"
            )
        raw = [
            (number, list(cells))
            for number, cells in _sheet_rows(workbook, values=True, problems=problems)
        ]
    except ValidationError:
        raise
    except Exception as exc:  # defusedxml refusals surface here, while rows are parsed
        raise _read_error(exc) from None
    finally:
        workbook.close()
    if problems:
        raise problems_error(problems)
    formulas = _formula_cells(data) if has_formula else set()
    rows = _rows(raw, formulas, problems)
    if problems:
        raise problems_error(problems)
    return rows


def _rows(raw, formulas, problems) -> list[LineRow]:
    header_number, header = next(
        ((n, cells) for n, cells in raw if any(v not in (None, "") for v in cells)), (1, [])
    )
    wanted = {_header_key(c.header): c.key for c in LINE_COLUMNS}
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        key = wanted.get(_header_key(value))
        if key and key not in positions:
            positions[key] = index
    missing = [c.header for c in LINE_COLUMNS if c.required and c.key not in positions]
    if missing:
        problems.append(
            Problem(
                SHEET_LINES,
                f"第{header_number}行表头缺少列：{'、'.join(missing)}"
                "（请使用下载的模板，不要改动表头）。",
            )
        )
        return []
    letters = {key: column_letter(index) for key, index in positions.items()}
    rows = []
    for number, cells in raw:
        if number <= header_number:
            continue
        values: dict[str, object] = {}
        for key, index in positions.items():
            value = cells[index] if index < len(cells) else None
            if (number, index) in formulas and value is None:
                problems.append(
                    Problem(
                        SHEET_LINES,
                        "单元格是公式但没有计算结果，请在 Excel 中打开并保存，或复制后“粘贴为数值”。",
                        number,
                        letters[key],
                        COLUMNS_BY_KEY[key].header,
                    )
                )
            values[key] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        rows.append(LineRow(number, values, letters))
    return rows


# --- typed cell values ----------------------------------------------------------------------


def cell_code(value, label: str) -> str:
    """A classification code from `2010101`, `201 01 01`, `2010101##行政运行` or a number cell;
    "" when blank."""
    if value is None or isinstance(value, bool | datetime.date | datetime.time):
        if value is None:
            return ""
        raise ValidationError(f"{label}「{value}」不是科目编码。")
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError(f"{label}「{value}」不是科目编码。")
    text = str(value).split("##", 1)[0] if isinstance(value, str) else value
    code = normalise_code(text)
    if code and not _CODE.fullmatch(code):
        raise ValidationError(
            f"{label}「{cell_text(value)}」格式无效，应为科目编码（如 2010101）或 编码##名称。"
        )
    return code


def cell_amount(value, label: str = "金额") -> Decimal:
    """An amount in 元, exactly; blank, negative or inexact amounts are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{label}不能为空。")
    if isinstance(value, bool | datetime.date | datetime.time):
        raise ValidationError(f"{label}必须是金额（元），不能是「{value}」。")
    if isinstance(value, float):
        try:
            value = Decimal(str(value))  # the shortest repr: what the user typed
        except InvalidOperation:  # pragma: no cover - str() of a finite float is a number
            raise ValidationError(f"{label}不是有效的数字：{value!r}") from None
    elif isinstance(value, str):
        text = value.strip()
        if not _TEXT_NUMBER.fullmatch(text):
            raise ValidationError(f"{label}「{text}」不是有效的金额。{TEXT_NUMBER_RULE}")
        value = Decimal(text.replace(",", ""))
    amount = parse_amount(value, field_label=label)
    if amount < 0:
        raise ValidationError(f"{label}不能为负数：{amount}")
    return amount


def cell_positive_int(value, label: str, default: int) -> int:
    """A small whole number (资金批次, 项目期); blank gives `default`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise ValidationError(f"{label}必须是正整数，不能是「{value}」。")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise ValidationError(f"{label}必须是 1 到 999 的整数，不能是「{text}」。")
    return int(text)


# --- writing --------------------------------------------------------------------------------


def _put_text(worksheet, row: int, column: int, value):
    cell = worksheet.cell(row=row, column=column)
    text = illegal_free(str(value)) if value not in (None, "") else None
    cell.value = text
    if text is not None:
        cell.data_type = "s"  # never a formula, even when the text starts with "="
    cell.number_format = "@"
    return cell


def _header(worksheet, columns) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

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
            # Codes typed by the user stay text: 2010101 is not turned into a number.
            worksheet.column_dimensions[letter].number_format = "@"
    worksheet.freeze_panes = "A2"


def code_cell(code: str, name: str) -> str:
    """The budget system's `code##name` form."""
    return f"{code}##{name}" if name else code


def workbook_write(
    *,
    lines: list[dict],
    functional: list[tuple[str, str, int]],
    economic: list[tuple[str, str, str, int, str, str]],
    fund_labels: list[str],
    category_labels: list[str],
    recurrence_labels: list[str],
    year: int | None = None,
    title: str = "",
) -> bytes:
    """The workbook as .xlsx bytes.

    `lines` are dicts keyed like `LINE_COLUMNS` with display values (codes as `code##name`,
    labels as written, amounts as Decimal 元, batch/period as int). `functional` lists
    (code, name, level); `economic` lists (分类, code, name, level, 默认政府经济科目（行政/参公）,
    默认政府经济科目（事业）).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    readme = workbook.active
    readme.title = SHEET_README
    readme.column_dimensions["A"].width = 120
    base = _readme_lines(year)
    for number, line in enumerate([base[0], *((title,) if title else ()), *base[1:]], start=1):
        cell = readme.cell(row=number, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)

    sheet = workbook.create_sheet(SHEET_LINES)
    _header(sheet, LINE_COLUMNS)
    for row, item in enumerate(lines, start=2):
        for index, column in enumerate(LINE_COLUMNS, start=1):
            value = item.get(column.key)
            if column.kind == MONEY:
                cell = sheet.cell(row=row, column=index, value=value)
                cell.number_format = "#,##0.00"
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.cell(row=row, column=index, value=value)
            else:
                _put_text(sheet, row, index, value)
    rows = len(lines) + 1000
    letters = {c.key: column_letter(i) for i, c in enumerate(LINE_COLUMNS)}
    list_validation(sheet, letters["kind"], [labels[0] for labels in KIND_LABELS.values()], rows)
    list_validation(sheet, letters["fund"], fund_labels, rows)
    list_validation(sheet, letters["carryover"], [YES, NO], rows)
    list_validation(sheet, letters["category"], category_labels, rows)
    list_validation(sheet, letters["recurrence"], recurrence_labels, rows)

    sheet = workbook.create_sheet(SHEET_FUNCTIONAL)
    _header(
        sheet,
        (
            Column("code", "科目编码", width=12),
            Column("name", "科目名称", width=36),
            Column("level", "级次", width=8),
            Column("cell", "填写值（项级可用）", width=40),
        ),
    )
    for row, (code, name, level) in enumerate(functional, start=2):
        _put_text(sheet, row, 1, code)
        _put_text(sheet, row, 2, name)
        _put_text(sheet, row, 3, {1: "类", 2: "款", 3: "项"}.get(level, str(level)))
        _put_text(sheet, row, 4, code_cell(code, name) if level == 3 else None)

    sheet = workbook.create_sheet(SHEET_ECONOMIC)
    _header(
        sheet,
        (
            Column("scheme", "分类", width=22),
            Column("code", "科目编码", width=12),
            Column("name", "科目名称", width=36),
            Column("level", "级次", width=8),
            Column("cell", "填写值（款级可用）", width=40),
            Column("gov_admin", "默认政府经济科目（行政/参公单位）", width=26),
            Column("gov_institution", "默认政府经济科目（事业单位）", width=26),
        ),
    )
    for row, (scheme, code, name, level, gov_admin, gov_inst) in enumerate(economic, start=2):
        _put_text(sheet, row, 1, scheme)
        _put_text(sheet, row, 2, code)
        _put_text(sheet, row, 3, name)
        _put_text(sheet, row, 4, {1: "类", 2: "款"}.get(level, str(level)))
        _put_text(sheet, row, 5, code_cell(code, name) if level == 2 else None)
        _put_text(sheet, row, 6, gov_admin)
        _put_text(sheet, row, 7, gov_inst)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
