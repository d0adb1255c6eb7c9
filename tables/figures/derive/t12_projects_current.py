"""表十二 项目支出预算表（本年预算）, 万元.

Current-year 项目支出 by project (one row per 二级项目 allocation, in entry order), after a unit
row with the total. Columns: 合计, 财政拨款 (一般公共预算, 政府性基金预算, 国有资本经营预算),
财政专户管理资金, 单位资金; a numbering row 1–7 under the header, as published.
"""

from tables.figures.derive.common import FISCAL_FUND_LABELS, add_into, fund_vector, sums_by
from tables.figures.types import (
    FISCAL_FUNDS,
    FUNDS,
    KIND_PROJECT,
    ZERO,
    BudgetData,
    Column,
    HeaderCell,
    Row,
    Table,
)


def project_rows(data: BudgetData, *, carryover: bool, funds: tuple[str, ...]) -> tuple[list, list]:
    """(unit total vector, [(project, vector)…]) for project lines of one kind, in project order."""
    lines = [
        line
        for line in data.lines
        if line.expense_kind == KIND_PROJECT
        and line.is_carryover == carryover
        and line.fund in funds
    ]
    sums = sums_by(
        lines,
        lambda line: line.project_id,
        lambda line: fund_vector(line, funds),
        len(funds) + 1,
    )
    grand = [ZERO] * (len(funds) + 1)
    per_project = []
    for project in sorted(data.projects, key=lambda p: (p.position, p.id)):
        if project.id in sums:
            per_project.append((project, sums[project.id]))
            add_into(grand, sums[project.id])
    return grand, per_project


def project_table_header(year: int, *, extra: tuple[str, ...] = ()) -> tuple:
    """项目名称, 合计, 财政拨款 over its three sources, then `extra` columns; a numbering row."""
    return (
        (
            HeaderCell("项目名称", rowspan=2),
            HeaderCell("合计", rowspan=2),
            HeaderCell(f"{year}年财政拨款", colspan=len(FISCAL_FUNDS)),
            *(HeaderCell(text, rowspan=2) for text in extra),
        ),
        tuple(HeaderCell(t) for t in FISCAL_FUND_LABELS),
        tuple(HeaderCell(str(i)) for i in range(1, 3 + len(FISCAL_FUNDS) + len(extra))),
    )


def build(data: BudgetData) -> Table:
    grand, per_project = project_rows(data, carryover=False, funds=FUNDS)
    rows = [
        Row(cells=(data.unit.name, *grand), level=0, parts=tuple(range(1, len(per_project) + 1)))
    ]
    rows += [Row(cells=(p.name, *v), level=2, code=str(p.id)) for p, v in per_project]
    return Table(
        code="T12",
        number=12,
        title=f"{data.year}年项目支出预算表（本年预算）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=project_table_header(data.year, extra=("财政专户管理资金", "单位资金")),
        columns=(Column("name", "text"), Column("total"), *(Column(f) for f in FUNDS)),
        rows=tuple(rows),
        is_empty=not per_project,
        note="" if per_project else "注：本表无数据",
    )
