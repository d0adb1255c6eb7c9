"""表三 预算支出总表, 万元.

Rows: 合计, then 功能分类 类/款/项. Columns: 合计, 基本支出, 项目支出, over all funding sources,
current year and carry-over together.
"""

from tables.figures.derive.common import (
    basic_project_vector,
    code_tree_header,
    functional_tree_rows,
)
from tables.figures.types import BudgetData, Column, Table

COLUMNS = (
    Column("code", "text"),
    Column("name", "text"),
    Column("total"),
    Column("basic"),
    Column("project"),
)


def build(data: BudgetData) -> Table:
    rows = functional_tree_rows(data, data.lines, basic_project_vector, 3)
    return Table(
        code="T03",
        number=3,
        title=f"{data.year}年预算支出总表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=code_tree_header(data.year, ("合计", "基本支出", "项目支出")),
        columns=COLUMNS,
        rows=tuple(rows),
        is_empty=not data.lines,
    )
