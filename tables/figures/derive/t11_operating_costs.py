"""表十一 财政拨款安排机关运行经费预算表, 万元.

机关运行经费 = current-year 财政拨款 基本支出 公用经费, reported by 行政 and 参公 units only.
Rows: 部门合计, then the unit. Columns: 合计, 一般公共预算, 政府性基金预算, 国有资本经营预算.

On a 部门预算 (`BudgetData.is_department`) only the 行政 and 参公 members' lines count: a
事业 member's 公用经费 is not 机关运行经费, so adding it in would overstate the department's
figure. The rows are then 部门合计 and one row per 行政/参公 member, in member order.
"""

from tables.figures.derive.common import fiscal_amount_header, fiscal_vector, sums_by
from tables.figures.types import (
    FISCAL_FUNDS,
    KIND_PUBLIC,
    ZERO,
    BudgetData,
    Column,
    LineRow,
    Row,
    Table,
)


def _operating_lines(lines) -> list[LineRow]:
    return [
        line
        for line in lines
        if line.fund in FISCAL_FUNDS and not line.is_carryover and line.expense_kind == KIND_PUBLIC
    ]


def member_operating_costs(data: BudgetData) -> list[tuple[str, list]]:
    """On a 部门预算: (member name, [合计, by fiscal fund…]) for each 行政/参公 member, in member
    order, exact 元 (members without such lines show zeros)."""
    sums = sums_by(
        _operating_lines(data.lines),
        lambda line: line.unit_code,
        fiscal_vector,
        len(FISCAL_FUNDS) + 1,
    )
    return [
        (member.name, list(sums.get(member.code, [ZERO] * (len(FISCAL_FUNDS) + 1))))
        for member in data.members
        if member.has_operating_costs
    ]


def operating_cost_vector(data: BudgetData) -> list:
    """[合计, by fiscal fund…] of 机关运行经费 in exact 元 (zeros for units that have none)."""
    if not data.unit.has_operating_costs:
        return [ZERO] * 4
    if data.is_department:
        total = [ZERO] * 4
        for _, vector in member_operating_costs(data):
            total = [a + b for a, b in zip(total, vector, strict=True)]
        return total
    lines = _operating_lines(data.lines)
    sums = sums_by(
        lines,
        lambda line: "all",
        fiscal_vector,
        4,
    )
    return list(sums.get("all", [ZERO] * 4))


def build(data: BudgetData) -> Table:
    vector = operating_cost_vector(data)
    applies = data.unit.has_operating_costs
    if data.is_department:
        members = member_operating_costs(data)
        rows = (
            Row(cells=("部门合计", *vector), level=0, parts=tuple(range(1, len(members) + 1))),
            *(Row(cells=(name, *v), level=1) for name, v in members),
        )
        note = "" if applies else "注：本部门没有行政单位和参公事业单位，不涉及机关运行经费"
    else:
        rows = (
            Row(cells=("部门合计", *vector), level=0, parts=(1,)),
            Row(cells=(data.unit.name, *vector), level=1),
        )
        note = "" if applies else "注：本单位为事业单位，不涉及机关运行经费"
    return Table(
        code="T11",
        number=11,
        title=f"{data.year}年财政拨款安排机关运行经费预算表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=fiscal_amount_header("单位名称", data.year),
        columns=(Column("unit", "text"), Column("total"), *(Column(f) for f in FISCAL_FUNDS)),
        rows=rows,
        is_empty=vector[0] == 0,
        note=note,
    )
