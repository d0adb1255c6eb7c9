"""表十三 项目支出预算表（上年结转）, 万元.

Carry-over 项目支出 of 财政拨款 by project, after a 主管部门 row and a unit row (as published).
On a 部门预算 (`BudgetData.is_department`) the 主管部门 row is the 部门's total and the unit level
holds its members: one subtotal row per member with carry-over projects, in member order, each
followed by its projects (the consolidating unit, which has no lines, is not printed).
Columns: 合计, 一般公共预算, 政府性基金预算, 国有资本经营预算; numbering row 1–5.
"""

from tables.figures.derive.common import add_into
from tables.figures.derive.t12_projects_current import project_rows, project_table_header
from tables.figures.types import FISCAL_FUNDS, ZERO, BudgetData, Column, Row, Table


def _project_block(name: str, vector, projects, start: int) -> list[Row]:
    """A unit's subtotal row (at index `start`) followed by its projects' rows."""
    return [
        Row(
            cells=(name, *vector), level=1, parts=tuple(range(start + 1, start + 1 + len(projects)))
        ),
        *(Row(cells=(p.name, *v), level=2, code=str(p.id)) for p, v in projects),
    ]


def _member_rows(data: BudgetData, per_project: list) -> list[Row]:
    """The 部门's unit level: each member with carry-over projects, its subtotal then them."""
    owner = {line.project_id: line.unit_code for line in data.lines if line.project_id}
    by_member: dict[str, list] = {}
    for project, vector in per_project:
        by_member.setdefault(owner.get(project.id, ""), []).append((project, vector))
    rows: list[Row] = []
    for member in data.members:
        projects = by_member.get(member.code)
        if not projects:
            continue
        subtotal = [ZERO] * (len(FISCAL_FUNDS) + 1)
        for _, vector in projects:
            add_into(subtotal, vector)
        rows += _project_block(member.name, subtotal, projects, start=len(rows) + 1)
    return rows


def build(data: BudgetData) -> Table:
    grand, per_project = project_rows(data, carryover=True, funds=FISCAL_FUNDS)
    if data.is_department:
        units = _member_rows(data, per_project)
    else:
        units = _project_block(data.unit.name, grand, per_project, start=1)
    top = tuple(i for i, row in enumerate(units, start=1) if row.level == 1)
    rows = [Row(cells=(data.unit.department_name, *grand), level=0, parts=top), *units]
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
