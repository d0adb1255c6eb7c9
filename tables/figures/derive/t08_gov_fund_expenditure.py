"""表八 政府性基金预算支出表（不含上年结转）, 万元.

Current-year 政府性基金预算 lines by 功能分类 类/款/项; columns 合计, 基本支出, 项目支出.
"""

from tables.figures.derive.common import basic_project_vector, functional_tree_rows
from tables.figures.derive.t03_expenditure import COLUMNS
from tables.figures.types import FUND_GOV, BudgetData, HeaderCell, Table


def build(data: BudgetData) -> Table:
    lines = [line for line in data.lines if line.fund == FUND_GOV and not line.is_carryover]
    return Table(
        code="T08",
        number=8,
        title=f"{data.year}年政府性基金预算支出表（不含上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            tuple(HeaderCell(t) for t in ("科目编码", "科目名称", "合计", "基本支出", "项目支出")),
        ),
        columns=COLUMNS,
        rows=tuple(functional_tree_rows(data, lines, basic_project_vector, 3)),
        is_empty=not lines,
        note="注：本表无数据" if not lines else "",
    )
