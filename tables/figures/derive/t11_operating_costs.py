"""表十一 财政拨款安排机关运行经费预算表, 万元.

机关运行经费 = current-year 财政拨款 基本支出 公用经费, reported by 行政 and 参公 units only.
Rows: 部门合计, then the unit. Columns: 合计, 一般公共预算, 政府性基金预算, 国有资本经营预算.
"""

from tables.figures.derive.common import fiscal_amount_header, fiscal_vector, sums_by
from tables.figures.types import FISCAL_FUNDS, KIND_PUBLIC, ZERO, BudgetData, Column, Row, Table


def operating_cost_vector(data: BudgetData) -> list:
    """[合计, by fiscal fund…] of 机关运行经费 in exact 元 (zeros for units that have none)."""
    if not data.unit.has_operating_costs:
        return [ZERO] * 4
    lines = [
        line
        for line in data.lines
        if line.fund in FISCAL_FUNDS and not line.is_carryover and line.expense_kind == KIND_PUBLIC
    ]
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
    return Table(
        code="T11",
        number=11,
        title=f"{data.year}年财政拨款安排机关运行经费预算表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=fiscal_amount_header("单位名称", data.year),
        columns=(Column("unit", "text"), Column("total"), *(Column(f) for f in FISCAL_FUNDS)),
        rows=(
            Row(cells=("部门合计", *vector), level=0, parts=(1,)),
            Row(cells=(data.unit.name, *vector), level=1),
        ),
        is_empty=vector[0] == 0,
        note="" if applies else "注：本单位为事业单位，不涉及机关运行经费",
    )
