"""表九 国有资本经营预算收支预算表（不含上年结转）, 万元.

Left: 国有资本经营预算 revenue (合计 only). Right: current-year 国有资本经营预算 lines by 功能分类
类/款/项 with 合计, 基本支出, 项目支出. The first row carries both 合计s.
"""

from tables.figures.derive.common import basic_project_vector, functional_tree_rows, total
from tables.figures.types import FUND_STATE_CAPITAL, BudgetData, Column, HeaderCell, Row, Table


def build(data: BudgetData) -> Table:
    lines = [
        line for line in data.lines if line.fund == FUND_STATE_CAPITAL and not line.is_carryover
    ]
    tree = functional_tree_rows(data, lines, basic_project_vector, 3)
    rows = []
    for i, row in enumerate(tree):
        if i == 0:
            left = ("合计", "", total(lines) if lines else None)
            cells = (*left, "", "", *(row.cells[2:] if lines else (None, None, None)))
        else:
            cells = ("", "", None, *row.cells)
        rows.append(
            Row(
                cells=cells, level=row.level, code=row.code, parts=row.parts, part_columns=(5, 6, 7)
            )
        )
    return Table(
        code="T09",
        number=9,
        title=f"{data.year}年国有资本经营预算收支预算表（不含上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (
                HeaderCell("国有资本经营预算收入", colspan=3),
                HeaderCell("国有资本经营预算支出", colspan=5),
            ),
            (
                HeaderCell("项目", colspan=2),
                HeaderCell("国有资本经营收入预算", rowspan=2),
                *(
                    HeaderCell(t, rowspan=2)
                    for t in ("科目编码", "科目名称", "合计", "基本支出", "项目支出")
                ),
            ),
            (HeaderCell("收入科目编码"), HeaderCell("科目名称")),
        ),
        columns=(
            Column("income_code", "text"),
            Column("income_name", "text"),
            Column("income"),
            Column("code", "text"),
            Column("name", "text"),
            Column("total"),
            Column("basic"),
            Column("project"),
        ),
        rows=tuple(rows),
        is_empty=not lines,
        note="注：本表无数据" if not lines else "",
    )
