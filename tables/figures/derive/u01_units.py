"""分单位收支总表 (code U01), 万元: a 部门预算's income and spending unit by unit.

Only a 部门预算 has it (`BudgetData.is_department`); it follows 表十四. Rows: 合计, then one
row per member unit (本级 first, then by code), every member listed even when it contributes no
lines (yet). Columns: 收入 — 合计, 一般公共预算, 政府性基金, 国有资本经营预算, 财政专户管理资金,
单位资金 (current-year lines by fund), 上年结转 (carry-over lines, all funds); 支出 — 合计,
基本支出, 项目支出. Each member's 收入合计 equals its 支出合计, as on its own 表一.
"""

from tables.figures.derive.common import add_into, sums_by
from tables.figures.types import FUNDS, ZERO, BudgetData, Column, HeaderCell, LineRow, Row, Table

CODE = "U01"
NUMBER = 15

INCOME_LABELS = ("一般公共预算", "政府性基金", "国有资本经营预算", "财政专户管理资金", "单位资金")


def _vector(line: LineRow) -> tuple:
    income = (
        line.amount,
        *(line.amount if line.fund == f and not line.is_carryover else ZERO for f in FUNDS),
    )
    carryover = line.amount if line.is_carryover else ZERO
    basic = line.amount if line.is_basic else ZERO
    return (*income, carryover, line.amount, basic, line.amount - basic)


def build(data: BudgetData) -> Table:
    width = len(FUNDS) + 5
    sums = sums_by(data.lines, lambda line: line.unit_code, _vector, width)
    grand = [ZERO] * width
    member_rows = []
    for member in data.members:
        vector = sums.get(member.code, [ZERO] * width)
        add_into(grand, vector)
        member_rows.append(Row(cells=(member.name, *vector), level=1, code=member.code))
    rows = (
        Row(cells=("合计", *grand), level=0, parts=tuple(range(1, len(member_rows) + 1))),
        *member_rows,
    )
    return Table(
        code=CODE,
        number=NUMBER,
        title=f"{data.year}年分单位收支总表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (
                HeaderCell("单位名称", rowspan=2),
                HeaderCell("收入", colspan=len(FUNDS) + 2),
                HeaderCell("支出", colspan=3),
            ),
            (
                HeaderCell("合计"),
                *(HeaderCell(label) for label in INCOME_LABELS),
                HeaderCell("上年结转"),
                HeaderCell("合计"),
                HeaderCell("基本支出"),
                HeaderCell("项目支出"),
            ),
        ),
        columns=(
            Column("unit", "text"),
            Column("income"),
            *(Column(f) for f in FUNDS),
            Column("carryover"),
            Column("expense"),
            Column("basic"),
            Column("project"),
        ),
        rows=rows,
        is_empty=not data.lines,
        note="" if data.lines else "注：成员单位的预算尚未审核通过，本表暂无数据",
    )
