"""表二 预算收入总表, 万元.

Rows: 合计, then 功能分类 类/款/项 with subtotals. Columns: 本年收入 合计 and by funding source
(一般公共预算, 政府性基金, 国有资本经营预算, 财政专户管理资金, 单位资金; current-year lines), and
上年结转 (carry-over lines, all sources).
"""

from tables.figures.derive.common import functional_tree_rows
from tables.figures.types import FUNDS, ZERO, BudgetData, Column, HeaderCell, Table


def _vector(line):
    if line.is_carryover:
        return (ZERO,) * (len(FUNDS) + 1) + (line.amount,)
    return (line.amount, *(line.amount if line.fund == f else ZERO for f in FUNDS), ZERO)


def build(data: BudgetData) -> Table:
    width = len(FUNDS) + 2
    rows = functional_tree_rows(data, data.lines, _vector, width)
    return Table(
        code="T02",
        number=2,
        title=f"{data.year}年预算收入总表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (
                HeaderCell("项目", colspan=2),
                HeaderCell("本年收入", colspan=6),
                HeaderCell("上年结转", rowspan=2),
            ),
            (
                HeaderCell("科目编码"),
                HeaderCell("科目名称"),
                HeaderCell("合计"),
                HeaderCell("一般公共预算"),
                HeaderCell("政府性基金"),
                HeaderCell("国有资本经营预算"),
                HeaderCell("财政专户管理资金"),
                HeaderCell("单位资金"),
            ),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("total"),
            *(Column(f) for f in FUNDS),
            Column("carryover"),
        ),
        rows=tuple(rows),
        is_empty=not data.lines,
    )
