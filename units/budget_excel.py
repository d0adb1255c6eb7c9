"""The 预算明细 workbook: one layout for the blank template, the export and the import.

Sheets (names are part of the format):

- 说明: how to fill the workbook, including the number rule below; its cell B1 holds the
  file's identity (`units.excel.identity`: 预算明细, the year, and on an export the unit code),
  the only cell of it read on import;
- 预算明细: one row per budget line, columns `LINE_COLUMNS`; amounts in 元; 收入类型 (of a
  单位资金 line) and 地方细化科目 are optional columns;
- 政府采购, 政府购买服务: one row per item; 国有资产, 上年: one record each, one item per row
  (`EXTRA_SHEETS`, read and written by `units.budget_sheets`). They are optional on import: a
  workbook without them (an older one) imports its lines alone;
- 功能分类, 经济分类: the year's code lists to pick codes from (not read on import).

Columns are found by their header text in the first non-empty row, so users may reorder them;
extra columns are ignored, optional columns may be left out. This module knows nothing of the
database: it describes the sheet for the shared reader (`units.excel`: size, zip, zip-bomb,
XML-bomb, row, column and cell-length limits, exact numbers, formula cells without a value and
formula-like text refused, every problem as 「预算明细」表 第N行 X列) and turns plain rows back
into a workbook. The number rule is `units.excel.cells.TEXT_NUMBER_RULE`: half-width digits
only. openpyxl is imported lazily, inside the functions that need it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from units.choices import UnitIncomeType
from units.excel.archive import Limits, upload_read
from units.excel.cells import TEXT_NUMBER_RULE
from units.excel.identity import (
    IDENTITY_CELL,
    KIND_BUDGET,
    WorkbookIdentity,
    identity_parse,
    identity_write,
)
from units.excel.problems import column_letter
from units.excel.reader import MONEY, NUMBER, Column, Row, SheetSpec, sheets_read
from units.spreadsheet import (
    header_write,
    list_validation,
    number_cell_put,
    text_cell_put,
    text_sheet_write,
)

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

LINE_COLUMNS = (
    Column("func", "功能科目", required=True, width=30, note="项级（7位），如 2010101##行政运行"),
    Column("dept", "部门经济科目", required=True, width=30, note="款级（5位），如 30101##基本工资"),
    Column("gov", "政府经济科目", width=30, note="可空：按本单位类型的默认对应关系填入"),
    Column("kind", "支出类型", required=True, width=16),
    Column("fund", "资金来源", width=18, note="可空：一般公共预算"),
    Column("carryover", "是否上年结转", width=12, note="是/否，可空：否"),
    Column("project", "项目名称", width=30, note="项目支出必填，基本支出留空", free_text=True),
    Column("batch", "资金批次", width=10, note="可空：1；同一项目追加的资金填 2、3…"),
    Column("category", "项目类别", width=14),
    Column("recurrence", "项目属性", width=14),
    Column("period", "项目期（年）", width=12, note="可空：1"),
    Column("amount", "金额（元）", MONEY, required=True, width=18),
    Column("note", "备注", width=24, free_text=True),
    # After 备注, so that the letters of the older columns (named in messages and in users'
    # habits) stay where they were; columns are found by header anyway.
    Column("income", "收入类型", width=18, note="仅资金来源为单位资金时填写；可空：其他收入"),
    Column(
        "sub_item",
        "地方细化科目",
        width=24,
        note="可空：部门经济科目（款）下本地区细化的科目名称",
        free_text=True,
    ),
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


#: the code-list sheets of the template: what a user copies into the line sheet
FUNCTIONAL_COLUMNS = (
    Column("code", "科目编码", width=12),
    Column("name", "科目名称", width=36),
    Column("level", "级次", width=8),
    Column("cell", "填写值（项级可用）", width=40),
)
ECONOMIC_COLUMNS = (
    Column("scheme", "分类", width=22),
    Column("code", "科目编码", width=12),
    Column("name", "科目名称", width=36),
    Column("level", "级次", width=8),
    Column("cell", "填写值（款级可用）", width=40),
    Column("gov_admin", "默认政府经济科目（行政/参公单位）", width=26),
    Column("gov_institution", "默认政府经济科目（事业单位）", width=26),
)
FUNCTIONAL_LEVELS = {1: "类", 2: "款", 3: "项"}
ECONOMIC_LEVELS = {1: "类", 2: "款"}


# --- the rest of the budget: sheets of their own ------------------------------------------------
#
# 政府采购 and 政府购买服务 list one item per row; 国有资产 and 上年 are one record each, written
# one item per row (项目 | value | 说明) so that a person reads them down a column. Each is
# `optional` on import: a workbook without the sheet (an older template, or one built from a
# platform export) leaves that data as it is; a sheet present replaces it, an empty one clears it.

SHEET_PROCUREMENT = "政府采购"
SHEET_SERVICES = "政府购买服务"
SHEET_ASSETS = "国有资产"
SHEET_PRIOR = "上年"
MAX_ITEM_ROWS = 5_000

PROCUREMENT_COLUMNS = (
    Column("kind", "采购类别", required=True, width=12, note="货物、工程 或 服务"),
    Column("name", "采购项目", required=True, width=36, free_text=True),
    Column(
        "project",
        "项目名称",
        width=30,
        note="可空；填写时须与「预算明细」表中的项目名称一致",
        free_text=True,
    ),
    Column("batch", "资金批次", width=10, note="可空：1"),
    Column("amount", "金额（元）", MONEY, required=True, width=18),
)
SERVICE_COLUMNS = (
    Column("project", "项目", required=True, width=30, free_text=True),
    Column("includes", "是否包含政府采购", width=14, note="是/否，可空：否"),
    Column("content", "政府购买服务内容", required=True, width=40, free_text=True),
    Column("quantity", "购买数量", width=14, free_text=True),
    Column("amount", "购买金额（元）", MONEY, required=True, width=18),
    Column("fund", "资金来源", width=18, note="可空：一般公共预算"),
)
#: the item column of the one-record sheets, found by its text like any header
ITEM_COLUMN = Column("item", "项目", required=True, width=34)
ITEM_NOTE = Column("note", "说明", width=48)
ASSET_COLUMNS = (
    ITEM_COLUMN,
    Column(
        "value", "数值", NUMBER, width=18, note="数量填整数，面积最多两位小数，日期如 2025-12-31"
    ),
)
PRIOR_COLUMNS = (ITEM_COLUMN, Column("value", "金额（元）", MONEY, width=18))

EXTRA_SHEETS = (
    SheetSpec(SHEET_PROCUREMENT, PROCUREMENT_COLUMNS, MAX_ITEM_ROWS, True, optional=True),
    SheetSpec(SHEET_SERVICES, SERVICE_COLUMNS, MAX_ITEM_ROWS, True, optional=True),
    SheetSpec(SHEET_ASSETS, ASSET_COLUMNS, 100, True, optional=True),
    SheetSpec(SHEET_PRIOR, PRIOR_COLUMNS, 100, True, optional=True),
)


@dataclass(frozen=True)
class SheetContent:
    """What to write in one of `EXTRA_SHEETS`: its rows (dicts keyed like its columns, plus
    "note" for the one-record sheets) and drop-down lists by column key."""

    rows: list[dict]
    lists: dict[str, list[str]] = field(default_factory=dict)


#: 收入类型 as written in the workbook (the `UnitIncomeType` labels; blank = 其他收入)
INCOME_LABELS = tuple(label for _, label in UnitIncomeType.choices)


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
        "（主批次为 1 或留空）。项目按在表中首次出现的顺序排列。本年度公开表不列示项目类别、"
        "项目属性时（上海、财政部表样），在填报工作台导入可以不填这两项。",
        "6. 金额单位为元，最多两位小数，不能为负数，不能留空。数字单元格按文件中保存的数值读取"
        "（与 Excel 一样取 15 位有效数字）。" + TEXT_NUMBER_RULE,
        "7. 导入时，本填报的全部预算明细被文件内容替换；项目按“项目名称 + 资金批次”与已有项目"
        "对应（保留其绩效目标），文件中没有的项目被删除——已有绩效目标或政府采购预算的项目不会被"
        "删除，导入会报错，请先处理。同一文件重复导入不会产生重复数据。",
        "8. 任何一处错误都会使整个文件不被导入；错误信息会列出工作表、行、列和原因。"
        "各列内容完全相同的两行视为重复录入，不予导入：请删除其中一行，或把金额合并为一行。",
        "9. 不要使用没有计算结果的公式；建议把公式单元格“粘贴为数值”。项目名称、备注等文字"
        "不能以 = + @ 开头（电子表格会把它当作公式执行）。",
        f"10. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，「{SHEET_LINES}」最多 "
        f"{MAX_LINE_ROWS} 行，每个单元格最多 32767 个字符。",
        "11. 收入类型只在资金来源为单位资金时填写（事业收入、事业单位经营收入、上级补助收入、"
        "附属单位上缴收入、其他收入），留空按其他收入；地方细化科目可填写本地区在部门经济科目"
        "（款）下细化的科目名称，可空。",
        f"12. 「{SHEET_PROCUREMENT}」「{SHEET_SERVICES}」「{SHEET_ASSETS}」「{SHEET_PRIOR}」表"
        "与预算明细一起导入，同样全部成功或全部不导入：文件中有哪张表，就用它替换相应的数据"
        "（表中没有内容即清空）；没有这张表（如旧版模板）则原有数据保持不变。"
        f"「{SHEET_ASSETS}」「{SHEET_PRIOR}」表按“项目”列逐项填写，不要改动项目名称；"
        "上年数的金额单位为元。",
    )


def limits() -> Limits:
    """The caps of a 预算明细 upload (read at call time, so tests may lower them)."""
    return Limits(
        file_bytes=MAX_FILE_BYTES,
        inflated_bytes=MAX_UNCOMPRESSED_BYTES,
        members=MAX_ZIP_MEMBERS,
        scanned_rows=MAX_SCANNED_ROWS,
        columns=MAX_COLUMNS,
    )


def read_upload(file) -> bytes:
    """The bytes of the upload, refusing more than `MAX_FILE_BYTES`."""
    return upload_read(file, max_bytes=MAX_FILE_BYTES)


def workbook_read(
    data: bytes, *, identity_check: Callable[[WorkbookIdentity | None], None] | None = None
) -> list[Row]:
    """The 预算明细 data rows of the checked workbook; ValidationError listing every problem of
    the file (not a workbook, too big, hostile, missing sheet or column, too many rows, cells
    too long, formula cells without a value, formula-like text).

    `identity_check` is called with the file's identity (None for a file without one) before
    the rows are judged, and may refuse the file (a ValidationError)."""
    return workbook_sheets_read(data, identity_check=identity_check, extra=False)[SHEET_LINES]


def workbook_sheets_read(
    data: bytes,
    *,
    identity_check: Callable[[WorkbookIdentity | None], None] | None = None,
    extra: bool = True,
) -> dict[str, list[Row]]:
    """Like `workbook_read`, the rows of 预算明细 and (with `extra`) of each of `EXTRA_SHEETS`
    the workbook has, by sheet name: a sheet it lacks is not in the result, one it has with no
    data rows maps to []. Every problem of every sheet is listed at once."""
    lines = SheetSpec(SHEET_LINES, LINE_COLUMNS, max_rows=MAX_LINE_ROWS, optional_headers=True)

    def cells_check(values):
        if identity_check is not None:
            identity_check(identity_parse(values[IDENTITY_CELL]))

    return sheets_read(
        data,
        sheets=(lines, *(EXTRA_SHEETS if extra else ())),
        limits=limits(),
        cells=(IDENTITY_CELL,),
        cells_check=cells_check,
    )


# --- writing --------------------------------------------------------------------------------


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
    unit_code: str = "",
    title: str = "",
    extra: dict[str, SheetContent] | None = None,
) -> bytes:
    """The workbook as .xlsx bytes, carrying its identity (预算明细, `year`, and `unit_code` for
    an export) in 「说明」表 B1.

    `lines` are dicts keyed like `LINE_COLUMNS` with display values (codes as `code##name`,
    labels as written, amounts as Decimal 元, batch/period as int). `functional` lists
    (code, name, level); `economic` lists (分类, code, name, level, 默认政府经济科目（行政/参公）,
    默认政府经济科目（事业）).

    `extra` gives the content of `EXTRA_SHEETS` by sheet name; a sheet not in it is not written
    (without `extra` the workbook holds the lines alone, and importing it changes nothing else).
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
    identity_write(workbook, WorkbookIdentity(KIND_BUDGET, year, unit_code))

    sheet = workbook.create_sheet(SHEET_LINES)
    header_write(sheet, LINE_COLUMNS)
    for row, item in enumerate(lines, start=2):
        for index, column in enumerate(LINE_COLUMNS, start=1):
            value = item.get(column.key)
            if column.kind == MONEY:
                number_cell_put(sheet, row, index, value)
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.cell(row=row, column=index, value=value)
            else:
                text_cell_put(sheet, row, index, value)
    rows = len(lines) + 1000
    letters = {c.key: column_letter(i) for i, c in enumerate(LINE_COLUMNS)}
    list_validation(sheet, letters["kind"], [labels[0] for labels in KIND_LABELS.values()], rows)
    list_validation(sheet, letters["fund"], fund_labels, rows)
    list_validation(sheet, letters["carryover"], [YES, NO], rows)
    list_validation(sheet, letters["category"], category_labels, rows)
    list_validation(sheet, letters["recurrence"], recurrence_labels, rows)
    list_validation(sheet, letters["income"], list(INCOME_LABELS), rows)
    for spec in EXTRA_SHEETS:
        if extra is not None and spec.name in extra:
            _extra_sheet_write(workbook, spec, extra[spec.name])

    text_sheet_write(
        workbook,
        SHEET_FUNCTIONAL,
        FUNCTIONAL_COLUMNS,
        (
            (
                code,
                name,
                FUNCTIONAL_LEVELS.get(level, str(level)),
                code_cell(code, name) if level == 3 else None,
            )
            for code, name, level in functional
        ),
    )
    text_sheet_write(
        workbook,
        SHEET_ECONOMIC,
        ECONOMIC_COLUMNS,
        (
            (
                scheme,
                code,
                name,
                ECONOMIC_LEVELS.get(level, str(level)),
                code_cell(code, name) if level == 2 else None,
                gov_admin,
                gov_inst,
            )
            for scheme, code, name, level, gov_admin, gov_inst in economic
        ),
    )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _extra_sheet_write(workbook, spec: SheetSpec, content: SheetContent) -> None:
    """One of `EXTRA_SHEETS`: header, rows (amounts and areas as numbers with two decimals,
    counts as numbers, dates as dates, the rest as text) and its drop-downs."""
    import datetime
    from decimal import Decimal

    one_record = spec.columns[0] is ITEM_COLUMN
    columns = (*spec.columns, ITEM_NOTE) if one_record else spec.columns
    sheet = workbook.create_sheet(spec.name)
    header_write(sheet, columns)
    for row, item in enumerate(content.rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = item.get(column.key)
            if isinstance(value, Decimal) or column.kind == MONEY:
                number_cell_put(sheet, row, index, value)
            elif isinstance(value, datetime.date):
                sheet.cell(row=row, column=index, value=value).number_format = "yyyy-mm-dd"
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.cell(row=row, column=index, value=value)
            else:
                text_cell_put(sheet, row, index, value)
    letters = {c.key: column_letter(i) for i, c in enumerate(columns)}
    for key, options in content.lists.items():
        list_validation(sheet, letters[key], options, len(content.rows) + 500)
