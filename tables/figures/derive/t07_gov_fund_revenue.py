"""表七 政府性基金预算收入表（不含上年结转）, 万元.

One 合计 row: current-year 政府性基金预算 revenue (the amount of the unit's 政府性基金 lines).
Revenue is not broken down by 收入科目 here because budget lines carry expenditure codes only.
"""

from tables.figures.derive.common import total
from tables.figures.types import FUND_GOV, BudgetData, Column, HeaderCell, Row, Table


def build(data: BudgetData) -> Table:
    lines = [line for line in data.lines if line.fund == FUND_GOV and not line.is_carryover]
    return Table(
        code="T07",
        number=7,
        title=f"{data.year}年政府性基金预算收入表（不含上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (HeaderCell("项目", colspan=2), HeaderCell("政府性基金收入预算", rowspan=2)),
            (HeaderCell("收入科目编码"), HeaderCell("科目名称")),
        ),
        columns=(Column("code", "text"), Column("name", "text"), Column("amount")),
        rows=(Row(cells=("合计", "", total(lines) if lines else None)),),
        is_empty=not lines,
        note="注：本表无数据" if not lines else "",
    )
