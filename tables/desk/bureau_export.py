"""The 年度总览 as an Excel workbook: the rows of the page as shown (same filters, same order),
text through the hardened writers of `units.spreadsheet` (a unit name beginning with "=" stays
text, never a formula), numbers and dates as Excel numbers and dates, the header frozen; and a
second sheet saying what was exported, when and with which filters."""

from __future__ import annotations

import io

from django.utils import timezone

from tables.desk.bureau import BureauOverview, BureauRow
from units.excel.reader import DATETIME, TEXT, Column
from units.spreadsheet import header_write, text_cell_put

NUMBER = "number"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'

COLUMNS = (
    Column("code", "单位编码", width=14),
    Column("name", "单位名称", width=30),
    Column("department", "主管部门", width=24),
    Column("state", "状态", width=10),
    Column("approval", "批复日期", kind=DATETIME, width=16),
    Column("due", "公开截止日期", kind=DATETIME, width=16),
    Column("days_left", "剩余天数", kind=NUMBER, width=10),
    Column("days_overdue", "逾期天数", kind=NUMBER, width=10),
    Column("activity_at", "最近操作时间", width=18),
    Column("activity_by", "最近操作人", width=14),
    Column("activity", "最近操作", width=16),
    Column("errors", "错误", kind=NUMBER, width=8),
    Column("warnings", "警告", kind=NUMBER, width=8),
    Column("reviewers", "审核人", width=20),
)


def _values(row: BureauRow) -> list:
    days = row.deadline.days_left
    last = row.last
    if row.counts is not None:
        errors, warnings = row.counts.errors, row.counts.warnings
    else:
        errors = warnings = "检查中" if row.checking else None
    local = timezone.localtime(last.at) if last else None
    return [
        row.unit.code,
        row.unit.name,
        row.unit.department.name,
        row.state_label,
        row.approval_date,
        row.deadline.due,
        days if days is not None and days >= 0 else None,
        row.days_overdue,
        f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if local else None,
        last.actor if last else None,
        last.what if last else None,
        errors,
        warnings,
        "、".join(row.reviewers) or None,
    ]


def bureau_workbook(overview: BureauOverview, *, filters: list[tuple[str, str]]) -> bytes:
    """The rows of `overview` as an .xlsx file; `filters` are the (label, value) pairs of the
    filters set, written on the 说明 sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{overview.year}年度总览"
    header_write(sheet, COLUMNS)
    for number, row in enumerate(overview.rows, start=2):
        for index, (column, value) in enumerate(zip(COLUMNS, _values(row), strict=True), 1):
            if column.kind == TEXT or isinstance(value, str):
                text_cell_put(sheet, number, index, value)
            else:
                cell = sheet.cell(row=number, column=index, value=value)
                if column.kind == DATETIME:
                    cell.number_format = DATE_FORMAT
    about = workbook.create_sheet("说明")
    now = timezone.localtime()
    lines = [
        ("年度", f"{overview.year}年"),
        ("导出时间", f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}"),
        ("单位数", str(len(overview.rows))),
        (
            "筛选条件",
            "；".join(f"{label}：{value}" for label, value in filters) or "无（全部单位）",
        ),
        ("说明", "公开时限为批复日期后20日；“检查中”表示检查结果正在重新计算。"),
    ]
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 60
    for number, (label, value) in enumerate(lines, start=1):
        text_cell_put(about, number, 1, label)
        text_cell_put(about, number, 2, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
