"""表十三 项目支出预算表（上年结转）, 万元.

Carry-over 项目支出 of 财政拨款 by project, after a 主管部门 row and a unit row (as published).
Columns: 合计, 一般公共预算, 政府性基金预算, 国有资本经营预算; numbering row 1–5.
"""

from tables.figures.derive.t12_projects_current import project_rows, project_table_header
from tables.figures.types import FISCAL_FUNDS, BudgetData, Column, Row, Table


def build(data: BudgetData) -> Table:
    grand, per_project = project_rows(data, carryover=True, funds=FISCAL_FUNDS)
    rows = [
        Row(cells=(data.unit.department_name, *grand), level=0, parts=(1,)),
        Row(cells=(data.unit.name, *grand), level=1, parts=tuple(range(2, len(per_project) + 2))),
    ]
    rows += [Row(cells=(p.name, *v), level=2, code=str(p.id)) for p, v in per_project]
    return Table(
        code="T13",
        number=13,
        title=f"{data.year}年项目支出预算表（上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=project_table_header(data.year),
        columns=(Column("name", "text"), Column("total"), *(Column(f) for f in FISCAL_FUNDS)),
        rows=tuple(rows),
        is_empty=not per_project,
        note="" if per_project else "注：本表无数据",
    )
