"""The 绩效目标 workbook: one layout for the blank template, the export and the import.

Sheets (names are part of the format):

- 说明: how to fill the workbook; its cell B1 holds the file's identity (`units.excel.identity`:
  绩效目标, the year when known, and on an export the unit code), the only cell of it read on
  import;
- 项目目标: one row per project target, columns `PROJECT_COLUMNS`; amounts in 元;
- 绩效指标: one row per 三级 indicator, columns `INDICATOR_COLUMNS`, tied to its project by name;
- 指标体系: the valid 一级/二级 pairs of the framework in use (not read on import).

Columns are found by their header text in row 1, so users may reorder them; extra columns are
ignored. This module knows nothing of the database: it describes the two sheets for the shared
reader (`units.excel`: the same size, zip, zip-bomb, XML-bomb, row, column and cell-length
limits as every import, numbers read exactly from the stored text, formula cells without a value
and formula-like text refused, every problem as 「sheet」表 第N行 X列) and turns plain rows back
into a workbook. openpyxl is imported lazily, inside the functions that need it.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from units.excel.archive import Limits, upload_read
from units.excel.cells import TEXT_NUMBER_RULE, cell_amount
from units.excel.cells import cell_text as cell_text  # the services read cells through here
from units.excel.identity import (
    IDENTITY_CELL,
    KIND_TARGETS,
    WorkbookIdentity,
    identity_parse,
    identity_write,
)
from units.excel.problems import Problem
from units.excel.problems import problems_error as located_problems_error
from units.excel.reader import DATETIME, MONEY, TEXT, Column, Row, SheetSpec, sheets_read
from units.spreadsheet import exact_number, header_write, list_validation, text_cell_put

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

SCOPE_LABELS = {"period": "实施期", "year": "年度"}
SCOPE_BY_LABEL = {label: scope for scope, label in SCOPE_LABELS.items()}


PROJECT_COLUMNS = (
    Column("project", "项目名称", required=True, width=28, free_text=True),
    Column("implementer", "实施单位", width=20, free_text=True),
    Column("overview", "项目概况", required=True, width=40, free_text=True),
    Column("basis", "立项依据", required=True, width=30, free_text=True),
    Column("necessity", "项目设立必要性", required=True, width=30, free_text=True),
    Column("measures", "保证项目实施的制度措施", required=True, width=30, free_text=True),
    Column("plan", "项目实施计划", required=True, width=30, free_text=True),
    Column("goal_period", "实施期总体目标", required=True, width=30, free_text=True),
    Column("goal_year", "年度总体目标", required=True, width=30, free_text=True),
    Column("period_central", "实施期资金-中央财政资金（元）", MONEY),
    Column("period_provincial", "实施期资金-省级财政资金（元）", MONEY),
    Column("period_local", "实施期资金-市县(区)财政资金（元）", MONEY),
    Column("period_self_raised", "实施期资金-单位自筹（元）", MONEY),
    Column("period_other", "实施期资金-其他资金（元）", MONEY),
    Column("year_central", "年度资金-中央财政资金（元）", MONEY),
    Column("year_provincial", "年度资金-省级财政资金（元）", MONEY),
    Column("year_other", "年度资金-其他资金（元）", MONEY),
    Column("leader", "负责人", width=10, free_text=True),
    Column("handler", "经办人", width=10, free_text=True),
    Column("phone", "联系电话", width=16, free_text=True),
    Column("filled_at", "填报日期", DATETIME, width=20),
)
MONEY_KEYS = tuple(c.key for c in PROJECT_COLUMNS if c.kind == MONEY)

INDICATOR_COLUMNS = (
    Column("project", "项目名称", required=True, width=28, free_text=True),
    Column("scope", "目标期", required=True, width=8),
    Column("level1", "一级指标", required=True, width=12),
    Column("level2", "二级指标", required=True, width=18),
    Column("name", "三级指标", width=36, free_text=True),
    Column("text", "指标值", width=20, free_text=True),
)

README_LINES = (
    "项目支出绩效目标导入模板",
    "",
    "1. 「项目目标」表每行填写一个项目。「项目名称」须与本单位本年度预算（表十二）中的项目名称"
    "完全一致；追加资金批次不单独填写，与所属项目共用一张绩效目标表。",
    "2. 「实施单位」留空表示本单位。",
    "3. 金额单位为元，最多两位小数，不能为负数，留空按 0 处理。年度资金中的市县(区)财政资金和"
    "单位自筹由预算明细自动计算，不在此填写；这里只填不经过本单位预算的中央、省级和其他资金。"
    + TEXT_NUMBER_RULE,
    "4. 「绩效指标」表每行填写一个三级指标：项目名称、目标期（实施期 或 年度）、一级指标、"
    "二级指标、三级指标、指标值。一级/二级指标须为「指标体系」表所列的组合。"
    "三级指标和指标值都空的行视为空行，不导入。",
    "5. 指标值按公开格式填写，如 ≥95%、15个、5000元/个/年、按月发放。以比较符（≥ ≤ ＝ ＞ ＜）"
    "开头的必须接数字；百分比不能超过100%。「指标值」列已设为文本格式，请勿改为数字格式。",
    "6. 填报日期可留空，导入时记为导入时间。",
    "7. 导入时，文件中出现的项目，其原有绩效目标和全部指标被文件内容替换；文件中未出现的项目"
    "不受影响。同一文件重复导入不会产生重复数据。",
    "8. 任何一处错误都会使整个文件不被导入；错误信息会列出工作表、行、列和原因。",
    "9. 不要使用没有计算结果的公式；建议把公式单元格“粘贴为数值”。项目概况、指标名称、指标值等"
    "文字不能以 = + @ 开头（电子表格会把它当作公式执行）；指标值的等号请用全角“＝”。",
    f"10. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB；「项目目标」最多 {MAX_PROJECT_ROWS} 行，"
    f"「绩效指标」最多 {MAX_INDICATOR_ROWS} 行，每个单元格最多 32767 个字符。",
)


def problems_error(problems: list[Problem]) -> ValidationError:
    """One ValidationError listing the problems, 项目目标 before 绩效指标, in row order."""
    return located_problems_error(problems, sheet_order=(SHEET_PROJECTS, SHEET_INDICATORS))


@dataclass(frozen=True)
class SheetRow(Row):
    """A data row of 项目目标 or 绩效指标; `locate` also takes the sheet (as the services call
    it), which the row already knows."""

    def locate(self, sheet: str, key: str, message: str) -> Problem:  # type: ignore[override]
        return Row.locate(self, key, message)


@dataclass(frozen=True)
class WorkbookRows:
    projects: list[SheetRow]
    indicators: list[SheetRow]


# --- reading --------------------------------------------------------------------------------

MISSING_SHEETS = "工作簿缺少工作表 {names}，请使用下载的模板填写后导入。"


def read_upload(file) -> bytes:
    """The bytes of the upload, refusing more than `MAX_FILE_BYTES` (the shared reader refuses
    what is not an .xlsx file)."""
    return upload_read(file, max_bytes=MAX_FILE_BYTES)


def workbook_read(
    data: bytes, *, identity_check: Callable[[WorkbookIdentity | None], None] | None = None
) -> WorkbookRows:
    """Read the 项目目标 and 绩效指标 sheets; ValidationError listing every problem of the file
    (not a workbook, hostile, missing sheet or column, too many rows, cells too long, formula
    cells without a value, formula-like text). The limits are read at call time.

    `identity_check` is called with the file's identity (None for a file without one) before
    the sheets and rows are judged, and may refuse the file (a ValidationError)."""
    limits = Limits(file_bytes=MAX_FILE_BYTES, scanned_rows=MAX_SCANNED_ROWS, columns=MAX_COLUMNS)
    sheets = (
        SheetSpec(SHEET_PROJECTS, PROJECT_COLUMNS, max_rows=MAX_PROJECT_ROWS),
        SheetSpec(SHEET_INDICATORS, INDICATOR_COLUMNS, MAX_INDICATOR_ROWS, percent_text=True),
    )

    def cells_check(values):
        if identity_check is not None:
            identity_check(identity_parse(values[IDENTITY_CELL]))

    read = sheets_read(
        data,
        sheets=sheets,
        limits=limits,
        missing_sheets=MISSING_SHEETS,
        cells=(IDENTITY_CELL,),
        cells_check=cells_check,
    )
    rows = {
        name: [SheetRow(r.spec, r.number, r.values, r.letters) for r in found]
        for name, found in read.items()
    }
    return WorkbookRows(projects=rows[SHEET_PROJECTS], indicators=rows[SHEET_INDICATORS])


# --- typed cell values ----------------------------------------------------------------------


def cell_money(value, label: str) -> Decimal:
    """An amount in 元, exactly (`units.excel.cells.cell_amount`); blank is 0."""
    return cell_amount(value, label, blank=Decimal("0.00"))


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
    if kind == TEXT:
        return text_cell_put(worksheet, row, column, value)
    cell = worksheet.cell(row=row, column=column)
    if kind == MONEY:
        exact_number(cell, value if value is not None else 0)
    else:
        cell.value = timezone.localtime(value).replace(tzinfo=None) if value else None
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell


def workbook_write(
    *,
    projects: list[dict],
    indicators: list[dict],
    framework_pairs: list[tuple[str, str]],
    title: str = "",
    year: int | None = None,
    unit_code: str = "",
) -> bytes:
    """The workbook as .xlsx bytes. `projects` and `indicators` are dicts keyed like
    `PROJECT_COLUMNS` / `INDICATOR_COLUMNS` (amounts as Decimal 元, scope as "period"/"year").
    「说明」表 B1 carries the identity: 绩效目标, `year` when given, `unit_code` for an export."""
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
    identity_write(workbook, WorkbookIdentity(KIND_TARGETS, year, unit_code))

    sheet = workbook.create_sheet(SHEET_PROJECTS)
    header_write(sheet, PROJECT_COLUMNS, freeze="B2")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, item in enumerate(projects, start=2):
        for index, column in enumerate(PROJECT_COLUMNS, start=1):
            cell = _put(sheet, row, index, item.get(column.key), column.kind)
            if column.kind == TEXT:
                cell.alignment = wrap

    sheet = workbook.create_sheet(SHEET_INDICATORS)
    header_write(sheet, INDICATOR_COLUMNS, freeze="B2")
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
    framework = (Column("level1", "一级指标", width=14), Column("level2", "二级指标", width=22))
    header_write(sheet, framework, freeze="B2")
    for row, (level1, level2) in enumerate(framework_pairs, start=2):
        _put(sheet, row, 1, level1)
        _put(sheet, row, 2, level2)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
