"""表五 一般公共预算支出预算表（不含上年结转）, 万元.

Current-year 一般公共预算 lines by 功能分类 类/款/项; columns 合计, 基本支出, 项目支出.
"""

from tables.figures.derive.common import (
    basic_project_vector,
    code_tree_header,
    functional_tree_rows,
)
from tables.figures.derive.t03_expenditure import COLUMNS
from tables.figures.types import FUND_GENERAL, BudgetData, Table


def build(data: BudgetData) -> Table:
    lines = [line for line in data.lines if line.fund == FUND_GENERAL and not line.is_carryover]
    return Table(
        code="T05",
        number=5,
        title=f"{data.year}年一般公共预算支出预算表（不含上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=code_tree_header(data.year, ("合计", "基本支出", "项目支出")),
        columns=COLUMNS,
        rows=tuple(functional_tree_rows(data, lines, basic_project_vector, 3)),
        is_empty=not lines,
    )
