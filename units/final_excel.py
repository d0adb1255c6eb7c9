"""The 决算 workbook: one unit's 决算明细 (every line with its 年初预算, 调整预算 and 决算数) and
收支情况 (`FinalFacts`, one label/value row each), written for editing in Excel and read back
by `units.final_import` through the hardened reader (`units.excel`).

Sheets: 「说明」 (instructions, and the workbook's identity in B1: 决算明细, the year, the
unit), 「决算明细」 (one row per line, keyed by 明细编号 — the line's id — so a re-import finds
each line; a row without it is matched by its codes, 支出类型, 资金来源, 上年结转 and 项目),
「收支情况」 (项目, 数值). The 年初预算 column is grey and locked: it is the published budget
and is not read back.
"""

from __future__ import annotations

import io

from units.budget_excel import code_cell
from units.excel.archive import Limits
from units.excel.identity import IDENTITY_CELL, KIND_FINAL, WorkbookIdentity, identity_write
from units.excel.reader import MONEY, NUMBER, TEXT, Column, SheetSpec
from units.final_services import FACTS_COUNT_FIELDS, FACTS_FIELDS, facts_label
from units.models import BudgetLine, ExpenseKind, FinalFacts, FundSource, Submission
from units.spreadsheet import exact_number, header_write, text_cell_put

SHEET_README = IDENTITY_CELL.sheet  # 说明
SHEET_LINES = "决算明细"
SHEET_FACTS = "收支情况"
YES, NO = "是", "否"

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_LINE_ROWS = 50_000

LINE_COLUMNS = (
    Column("id", "明细编号", NUMBER, width=10, note="系统生成，请勿修改；新增行不能导入。"),
    Column("func", "功能科目", TEXT, required=True, width=34),
    Column("dept", "部门经济科目", TEXT, required=True, width=30),
    Column("gov", "政府经济科目", TEXT, required=True, width=30),
    Column("kind", "支出类型", TEXT, required=True, width=18),
    Column("fund", "资金来源", TEXT, required=True, width=16),
    Column("carryover", "上年结转", TEXT, width=9),
    Column("project", "项目", TEXT, width=28),
    Column("planned", "年初预算（元）", MONEY, width=16, note="已公开预算的金额，不导入。"),
    Column("adjusted", "调整预算（元）", MONEY, width=16, note="留空即等于年初预算。"),
    Column("amount", "决算数（元）", MONEY, required=True, width=16),
)
FACTS_COLUMNS = (
    Column("label", "项目", TEXT, required=True, width=36),
    Column("value", "数值", MONEY, width=18, note="金额单位为元；数量为整数。"),
)
SHEETS = (
    SheetSpec(SHEET_LINES, LINE_COLUMNS, max_rows=MAX_LINE_ROWS),
    SheetSpec(SHEET_FACTS, FACTS_COLUMNS, max_rows=200),
)
README = (
    "决算导入/导出文件：修改后在填报工作台“导入/导出”或命令 import_final 导入，全部成功才写入。",
    "1. 「决算明细」每行一条明细，按“明细编号”对应；只导入“调整预算”和“决算数”，其余列用于核对。",
    "2. 年初预算为已公开预算的金额（灰色），不能修改，也不会导入。调整预算留空即等于年初预算。",
    "3. 不要新增或删除行：文件中没有的明细保持不变；找不到对应明细的行会被拒绝。",
    "4. 「收支情况」按“项目”逐项填写数值，不要改动项目名称；金额单位为元，数量为整数。",
    f"5. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。",
)

KIND_LABELS = dict(ExpenseKind.choices)
FUND_LABELS = dict(FundSource.choices)


def limits() -> Limits:
    return Limits(
        file_bytes=MAX_FILE_BYTES,
        inflated_bytes=200 * 1024 * 1024,
        members=1_000,
        scanned_rows=MAX_LINE_ROWS + 1_000,
        columns=40,
    )


def final_lines_ordered(*, submission: Submission) -> list[BudgetLine]:
    """The lines in the workbook's order: by 功能科目, 部门经济科目, then id."""
    return list(
        BudgetLine.objects.filter(submission=submission)
        .select_related("func_code", "dept_econ_code", "gov_econ_code", "project")
        .order_by("func_code__code", "dept_econ_code__code", "id")
    )


def line_key(line: BudgetLine) -> tuple:
    """What identifies a line without its id: its codes, kind, fund, 上年结转 and project."""
    return (
        line.func_code.code,
        line.dept_econ_code.code,
        line.gov_econ_code.code,
        line.expense_kind,
        line.fund_source,
        line.is_carryover,
        line.project.name if line.project_id else "",
    )


def final_export_workbook(*, submission: Submission) -> bytes:
    """The 决算 as a workbook (see the module docstring); importing it unchanged changes
    nothing."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection

    workbook = Workbook()
    readme = workbook.active
    readme.title = SHEET_README
    for row, text in enumerate(README, start=1):
        text_cell_put(readme, row, 1, text)
    readme.column_dimensions["A"].width = 100
    identity_write(
        workbook,
        WorkbookIdentity(kind=KIND_FINAL, year=submission.year, unit_code=submission.unit.code),
    )

    sheet = workbook.create_sheet(SHEET_LINES)
    header_write(sheet, LINE_COLUMNS)
    grey = PatternFill("solid", fgColor="E7E6E6")
    for row, line in enumerate(final_lines_ordered(submission=submission), start=2):
        values = (
            line.pk,
            code_cell(line.func_code.code, line.func_code.name),
            code_cell(line.dept_econ_code.code, line.dept_econ_code.name),
            code_cell(line.gov_econ_code.code, line.gov_econ_code.name),
            KIND_LABELS.get(line.expense_kind, line.expense_kind),
            FUND_LABELS.get(line.fund_source, line.fund_source),
            YES if line.is_carryover else NO,
            line.project.name if line.project_id else "",
        )
        sheet.cell(row=row, column=1, value=line.pk)
        for column, value in enumerate(values[1:], start=2):
            text_cell_put(sheet, row, column, value)
        planned = exact_number(sheet.cell(row=row, column=9), line.planned_amount)
        planned.fill = grey
        planned.font = Font(color="595959")
        planned.protection = Protection(locked=True)
        for column, value in ((10, line.adjusted_amount), (11, line.amount)):
            exact_number(sheet.cell(row=row, column=column), value).protection = Protection(
                locked=False
            )

    # locked without a password: only 调整预算 and 决算数 take typing unless it is unprotected
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.autoFilter = False
    sheet.protection.sort = False

    facts_sheet = workbook.create_sheet(SHEET_FACTS)
    header_write(facts_sheet, FACTS_COLUMNS)
    facts = FinalFacts.objects.filter(submission=submission).first() or FinalFacts()
    for row, name in enumerate(FACTS_FIELDS, start=2):
        text_cell_put(facts_sheet, row, 1, facts_label(name))
        value = getattr(facts, name)
        exact_number(
            facts_sheet.cell(row=row, column=2),
            value,
            "0" if name in FACTS_COUNT_FIELDS else "#,##0.00",
        )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
