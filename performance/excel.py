"""The 绩效目标 workbook: one layout for the blank template, the export and the import.

Sheets (names are part of the format):

- 说明: how to fill the workbook (not read on import);
- 项目目标: one row per project target, columns `PROJECT_COLUMNS`; amounts in 元;
- 绩效指标: one row per 三级 indicator, columns `INDICATOR_COLUMNS`, tied to its project by name;
- 指标体系: the valid 一级/二级 pairs of the framework in use (not read on import).

Columns are found by their header text in row 1, so users may reorder them; extra columns are
ignored. This module knows nothing of the database: it reads cells into `SheetRow`s (refusing
formula cells without a cached value) and turns plain rows back into a workbook. Cell values are
read exactly: numbers with `Decimal(str(v))`, never through float arithmetic. openpyxl is
imported lazily, inside the functions that need it.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from units.money import parse_amount
from units.spreadsheet import illegal_free, list_validation
from units.spreadsheet import read_upload as spreadsheet_read_upload

SHEET_README = "说明"
SHEET_PROJECTS = "项目目标"
SHEET_INDICATORS = "绩效指标"
SHEET_FRAMEWORK = "指标体系"

#: Upload limits: the file, the rows of each sheet, the width read, the rows scanned.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PROJECT_ROWS = 1_000
MAX_INDICATOR_ROWS = 20_000
MAX_COLUMNS = 60
#: Rows (empty ones included) scanned per sheet before giving up: a guard against sheets
#: padded to a million rows, which would otherwise be read in full.
MAX_SCANNED_ROWS = 50_000
#: At most this many problems are listed; the rest are counted.
MAX_LISTED_PROBLEMS = 200

TEXT, MONEY, DATETIME = "text", "money", "datetime"

SCOPE_LABELS = {"period": "实施期", "year": "年度"}
SCOPE_BY_LABEL = {label: scope for scope, label in SCOPE_LABELS.items()}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    width: int = 16


PROJECT_COLUMNS = (
    Column("project", "项目名称", required=True, width=28),
    Column("implementer", "实施单位", width=20),
    Column("overview", "项目概况", required=True, width=40),
    Column("basis", "立项依据", required=True, width=30),
    Column("necessity", "项目设立必要性", required=True, width=30),
    Column("measures", "保证项目实施的制度措施", required=True, width=30),
    Column("plan", "项目实施计划", required=True, width=30),
    Column("goal_period", "实施期总体目标", required=True, width=30),
    Column("goal_year", "年度总体目标", required=True, width=30),
    Column("period_central", "实施期资金-中央财政资金（元）", MONEY),
    Column("period_provincial", "实施期资金-省级财政资金（元）", MONEY),
    Column("period_local", "实施期资金-市县(区)财政资金（元）", MONEY),
    Column("period_self_raised", "实施期资金-单位自筹（元）", MONEY),
    Column("period_other", "实施期资金-其他资金（元）", MONEY),
    Column("year_central", "年度资金-中央财政资金（元）", MONEY),
    Column("year_provincial", "年度资金-省级财政资金（元）", MONEY),
    Column("year_other", "年度资金-其他资金（元）", MONEY),
    Column("leader", "负责人", width=10),
    Column("handler", "经办人", width=10),
    Column("phone", "联系电话", width=16),
    Column("filled_at", "填报日期", DATETIME, width=20),
)
MONEY_KEYS = tuple(c.key for c in PROJECT_COLUMNS if c.kind == MONEY)

INDICATOR_COLUMNS = (
    Column("project", "项目名称", required=True, width=28),
    Column("scope", "目标期", required=True, width=8),
    Column("level1", "一级指标", required=True, width=12),
    Column("level2", "二级指标", required=True, width=18),
    Column("name", "三级指标", width=36),
    Column("text", "指标值", width=20),
)

#: The fixed column order of a sheet, for the letters printed in messages.
SHEET_COLUMNS = {SHEET_PROJECTS: PROJECT_COLUMNS, SHEET_INDICATORS: INDICATOR_COLUMNS}

README_LINES = (
    "项目支出绩效目标导入模板",
    "",
    "1. 「项目目标」表每行填写一个项目。「项目名称」须与本单位本年度预算（表十二）中的项目名称"
    "完全一致；追加资金批次不单独填写，与所属项目共用一张绩效目标表。",
    "2. 「实施单位」留空表示本单位。",
    "3. 金额单位为元，最多两位小数，不能为负数，留空按 0 处理。年度资金中的市县(区)财政资金和"
    "单位自筹由预算明细自动计算，不在此填写；这里只填不经过本单位预算的中央、省级和其他资金。",
    "4. 「绩效指标」表每行填写一个三级指标：项目名称、目标期（实施期 或 年度）、一级指标、"
    "二级指标、三级指标、指标值。一级/二级指标须为「指标体系」表所列的组合。"
    "三级指标和指标值都空的行视为空行，不导入。",
    "5. 指标值按公开格式填写，如 ≥95%、15个、5000元/个/年、按月发放。以比较符（≥ ≤ ＝ ＞ ＜）"
    "开头的必须接数字；百分比不能超过100%。「指标值」列已设为文本格式，请勿改为数字格式。",
    "6. 填报日期可留空，导入时记为导入时间。",
    "7. 导入时，文件中出现的项目，其原有绩效目标和全部指标被文件内容替换；文件中未出现的项目"
    "不受影响。同一文件重复导入不会产生重复数据。",
    "8. 任何一处错误都会使整个文件不被导入；错误信息会列出工作表、行、列和原因。",
    "9. 不要使用没有计算结果的公式；建议把公式单元格“粘贴为数值”。",
    f"10. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB；「项目目标」最多 {MAX_PROJECT_ROWS} 行，"
    f"「绩效指标」最多 {MAX_INDICATOR_ROWS} 行。",
)


@dataclass(frozen=True)
class Problem:
    """One fault of an uploaded workbook, located by sheet, row and column."""

    sheet: str
    message: str
    row: int | None = None
    column: str = ""  # letter, e.g. "F"
    label: str = ""  # the column header

    def __str__(self) -> str:
        where = f"「{self.sheet}」表"
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" {self.column}列"
        if self.label:
            where += f"（{self.label}）"
        return f"{where}：{self.message}"


def problems_error(problems: list[Problem]) -> ValidationError:
    """One ValidationError listing the problems in sheet and row order (capped)."""
    order = {SHEET_PROJECTS: 0, SHEET_INDICATORS: 1}
    ordered = sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0, p.column))
    messages = [str(p) for p in ordered[:MAX_LISTED_PROBLEMS]]
    if len(ordered) > MAX_LISTED_PROBLEMS:
        messages.append(f"另有 {len(ordered) - MAX_LISTED_PROBLEMS} 处错误未列出。")
    return ValidationError(messages)


@dataclass(frozen=True)
class SheetRow:
    """One non-empty data row: its 1-based row number and raw cell values by column key."""

    number: int
    values: dict[str, object]
    letters: dict[str, str]  # column key → letter in this file

    def locate(self, sheet: str, key: str, message: str) -> Problem:
        label = next(c.header for c in SHEET_COLUMNS[sheet] if c.key == key)
        return Problem(sheet, message, self.number, self.letters.get(key, ""), label)


@dataclass(frozen=True)
class WorkbookRows:
    projects: list[SheetRow]
    indicators: list[SheetRow]


# --- reading --------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_upload(file) -> bytes:
    """The bytes of the upload (at most `MAX_FILE_BYTES`), refusing what is not an .xlsx file."""
    data = spreadsheet_read_upload(file, max_bytes=MAX_FILE_BYTES)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入。")
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationError("文件不是 Excel（.xlsx）工作簿，请使用下载的模板填写后导入。")
    return data


def _open(data: bytes, *, data_only: bool):
    from openpyxl import load_workbook  # defusedxml is installed, so openpyxl parses safely

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # a damaged or non-Excel zip file
        raise ValidationError(f"无法读取 Excel 文件：{exc}") from None


def _sheet_cells(workbook, sheet: str, problems: list[Problem], max_rows: int):
    """(row number, [cells]) of a sheet's rows, stopping with a problem past the limits."""
    worksheet = workbook[sheet]
    worksheet.reset_dimensions()  # some exporters write a wrong sheet size
    non_empty = 0
    for number, cells in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        if number > MAX_SCANNED_ROWS:
            problems.append(
                Problem(sheet, f"工作表超过 {MAX_SCANNED_ROWS} 行（含空行），无法导入。")
            )
            return
        if any(cell.value not in (None, "") for cell in cells):
            non_empty += 1
            if non_empty > max_rows + 1:  # + the header row
                problems.append(Problem(sheet, f"数据行超过 {max_rows} 行的上限，请分批导入。"))
                return
        yield number, cells


def _formula_cells(data: bytes, sheets: tuple[str, ...]) -> set[tuple[str, int, int]]:
    """(sheet, row, column index) of every formula cell (read with data_only=False)."""
    workbook = _open(data, data_only=False)
    found = set()
    try:
        for sheet in sheets:
            if sheet not in workbook.sheetnames:
                continue
            worksheet = workbook[sheet]
            worksheet.reset_dimensions()
            rows = worksheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_SCANNED_ROWS)
            for number, cells in enumerate(rows, start=1):
                for index, cell in enumerate(cells):
                    if cell.data_type == "f":
                        found.add((sheet, number, index))
    finally:
        workbook.close()
    return found


def _percent_number(cell) -> object:
    """A number typed as 95% in a percent-formatted cell is stored as 0.95: show it as "95%"."""
    value = cell.value
    number_format = getattr(cell, "number_format", "") or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        percent = (Decimal(str(value)) * 100).normalize()
        return f"{percent:f}%"
    return value


def workbook_read(data: bytes) -> WorkbookRows:
    """Read the 项目目标 and 绩效指标 sheets; ValidationError listing every structural problem
    (missing sheet or column, too many rows, formula cells without a value)."""
    sheets = (SHEET_PROJECTS, SHEET_INDICATORS)
    workbook = _open(data, data_only=True)
    problems: list[Problem] = []
    read: dict[str, list[SheetRow]] = {}
    try:
        missing = [s for s in sheets if s not in workbook.sheetnames]
        if missing:
            names = "、".join(f"「{s}」" for s in missing)
            raise ValidationError(f"工作簿缺少工作表 {names}，请使用下载的模板填写后导入。")
        raw: dict[str, list[tuple[int, list]]] = {}
        for sheet, limit in (
            (SHEET_PROJECTS, MAX_PROJECT_ROWS),
            (SHEET_INDICATORS, MAX_INDICATOR_ROWS),
        ):
            raw[sheet] = [
                (number, [(_percent_number(cell), cell.value) for cell in cells])
                for number, cells in _sheet_cells(workbook, sheet, problems, limit)
            ]
    finally:
        workbook.close()
    if problems:
        raise problems_error(problems)
    formulas = _formula_cells(data, sheets)
    for sheet in sheets:
        read[sheet] = _rows(sheet, raw[sheet], formulas, problems)
    if problems:
        raise problems_error(problems)
    return WorkbookRows(projects=read[SHEET_PROJECTS], indicators=read[SHEET_INDICATORS])


def _rows(sheet, raw, formulas, problems) -> list[SheetRow]:
    columns = SHEET_COLUMNS[sheet]
    header_number, header = next(
        ((n, cells) for n, cells in raw if any(v not in (None, "") for v, _ in cells)), (1, [])
    )
    positions: dict[str, int] = {}
    for index, (value, _raw) in enumerate(header):
        text = "".join(str(value).split()) if value is not None else ""
        for column in columns:
            if text == "".join(column.header.split()) and column.key not in positions:
                positions[column.key] = index
    missing = [c.header for c in columns if c.key not in positions]
    if missing:
        problems.append(
            Problem(
                sheet,
                f"第{header_number}行表头缺少列：{'、'.join(missing)}（请使用下载的模板，不要改动表头）。",
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
            value, raw_value = cells[index] if index < len(cells) else (None, None)
            if (sheet, number, index) in formulas and raw_value is None:
                label = next(c.header for c in columns if c.key == key)
                problems.append(
                    Problem(
                        sheet,
                        "单元格是公式但没有计算结果，请在 Excel 中打开并保存，或复制后“粘贴为数值”。",
                        number,
                        letters[key],
                        label,
                    )
                )
            values[key] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        rows.append(SheetRow(number, values, letters))
    return rows


# --- typed cell values ----------------------------------------------------------------------

_NEWLINES = re.compile(r"\r\n?")


def cell_text(value) -> str:
    """A text cell as stored: stripped, newlines normalised; whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else str(value)
    return _NEWLINES.sub("\n", str(value)).strip()


def cell_money(value, label: str) -> Decimal:
    """An amount in 元, exactly: blank is 0; floats are read through their shortest repr."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.00")
    if isinstance(value, bool | datetime.date | datetime.time):
        raise ValidationError(f"{label}必须是金额（元），不能是「{value}」。")
    if isinstance(value, float):
        try:
            value = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a finite float is a number
            raise ValidationError(f"{label}不是有效的数字：{value!r}") from None
    amount = parse_amount(value, field_label=label)
    if amount < 0:
        raise ValidationError(f"{label}不能为负数：{amount}")
    return amount


DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d%H%M%S")


def cell_datetime(value) -> datetime.datetime | None:
    """A 填报日期: an Excel date/time (local time) or text such as 2025-01-16 16:06:58."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        naive = value
    elif isinstance(value, datetime.date):
        naive = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, str):
        text = value.strip()
        for pattern in DATETIME_FORMATS:
            try:
                naive = datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
            except ValueError:
                continue
            break
        else:
            raise ValidationError(
                f"填报日期「{text}」无法识别，应如 2025-01-16 或 2025-01-16 16:06:58。"
            )
    else:
        raise ValidationError(f"填报日期「{value}」无法识别，应如 2025-01-16。")
    return timezone.make_aware(naive.replace(microsecond=0))


# --- writing --------------------------------------------------------------------------------


def _put(worksheet, row: int, column: int, value, kind: str = TEXT):
    cell = worksheet.cell(row=row, column=column)
    if kind == MONEY:
        cell.value = value if value is not None else 0
        cell.number_format = "#,##0.00"
    elif kind == DATETIME:
        cell.value = timezone.localtime(value).replace(tzinfo=None) if value else None
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    else:
        cell.value = illegal_free(value or "") or None
        # A text such as "=5个" (an indicator value) must stay text, not become a formula.
        if cell.value is not None:
            cell.data_type = "s"
        cell.number_format = "@"
    return cell


def _header(worksheet, columns) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = worksheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = column_letter(index - 1)
        worksheet.column_dimensions[letter].width = column.width
        if column.kind == TEXT:
            # New cells typed by the user stay text: "100%" is not turned into 1.
            worksheet.column_dimensions[letter].number_format = "@"
    worksheet.freeze_panes = "B2"


def workbook_write(
    *,
    projects: list[dict],
    indicators: list[dict],
    framework_pairs: list[tuple[str, str]],
    title: str = "",
) -> bytes:
    """The workbook as .xlsx bytes. `projects` and `indicators` are dicts keyed like
    `PROJECT_COLUMNS` / `INDICATOR_COLUMNS` (amounts as Decimal 元, scope as "period"/"year")."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    readme = workbook.active
    readme.title = SHEET_README
    readme.column_dimensions["A"].width = 110
    lines = [README_LINES[0], *((title,) if title else ()), *README_LINES[1:]]
    for number, line in enumerate(lines, start=1):
        cell = readme.cell(row=number, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)

    sheet = workbook.create_sheet(SHEET_PROJECTS)
    _header(sheet, PROJECT_COLUMNS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, item in enumerate(projects, start=2):
        for index, column in enumerate(PROJECT_COLUMNS, start=1):
            cell = _put(sheet, row, index, item.get(column.key), column.kind)
            if column.kind == TEXT:
                cell.alignment = wrap

    sheet = workbook.create_sheet(SHEET_INDICATORS)
    _header(sheet, INDICATOR_COLUMNS)
    for row, item in enumerate(indicators, start=2):
        values = {**item, "scope": SCOPE_LABELS.get(item.get("scope"), item.get("scope"))}
        for index, column in enumerate(INDICATOR_COLUMNS, start=1):
            _put(sheet, row, index, values.get(column.key), column.kind)
    validated_rows = max(len(indicators), 0) + 1000
    list_validation(sheet, "B", list(SCOPE_BY_LABEL), validated_rows)
    list_validation(
        sheet, "C", list(dict.fromkeys(l1 for l1, _ in framework_pairs)), validated_rows
    )
    list_validation(
        sheet, "D", list(dict.fromkeys(l2 for _, l2 in framework_pairs)), validated_rows
    )

    sheet = workbook.create_sheet(SHEET_FRAMEWORK)
    _header(sheet, (Column("level1", "一级指标", width=14), Column("level2", "二级指标", width=22)))
    for row, (level1, level2) in enumerate(framework_pairs, start=2):
        _put(sheet, row, 1, level1)
        _put(sheet, row, 2, level2)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
