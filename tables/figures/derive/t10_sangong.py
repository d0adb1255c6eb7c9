"""表十 财政拨款安排“三公”经费支出预算表, 万元.

Current-year 财政拨款 lines (基本 and 项目 alike) whose 部门经济科目 is a 三公 code
(tables/data/sangong_econ_codes.csv). Rows: 因公出国（境）费, 公务接待费, 公务用车购置及运行费
(= ① 购置费 + ② 运行维护费), 合计. Columns: 合计, 一般公共预算, 政府性基金预算, 国有资本经营预算.
"""

from tables.figures.derive.common import add_into, fiscal_amount_header, fiscal_vector, sums_by
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
    sangong_items_by_dept_code,
)
from tables.figures.types import FISCAL_FUNDS, ZERO, BudgetData, Column, Row, Table


def sangong_sums(data: BudgetData) -> dict[str, list]:
    """三公 item → [合计, 一般公共预算, 政府性基金预算, 国有资本经营预算] (exact 元)."""
    items = sangong_items_by_dept_code()
    lines = [
        line
        for line in data.lines
        if line.fund in FISCAL_FUNDS and not line.is_carryover and line.dept_code in items
    ]
    sums = sums_by(
        lines,
        lambda line: items[line.dept_code],
        fiscal_vector,
        4,
    )
    return {
        key: sums.get(key, [ZERO] * 4)
        for key in (
            SANGONG_OUTBOUND,
            SANGONG_RECEPTION,
            SANGONG_VEHICLE_PURCHASE,
            SANGONG_VEHICLE_OPERATION,
        )
    }


def build(data: BudgetData) -> Table:
    sums = sangong_sums(data)
    vehicles = [ZERO] * 4
    add_into(vehicles, sums[SANGONG_VEHICLE_PURCHASE])
    add_into(vehicles, sums[SANGONG_VEHICLE_OPERATION])
    grand = [ZERO] * 4
    for key in (SANGONG_OUTBOUND, SANGONG_RECEPTION):
        add_into(grand, sums[key])
    add_into(grand, vehicles)
    rows = (
        Row(cells=(SANGONG_OUTBOUND, *sums[SANGONG_OUTBOUND]), level=1),
        Row(cells=(SANGONG_RECEPTION, *sums[SANGONG_RECEPTION]), level=1),
        Row(cells=("公务用车购置及运行费", *vehicles), level=1, parts=(3, 4)),
        Row(cells=("①公务用车购置费", *sums[SANGONG_VEHICLE_PURCHASE]), level=2),
        Row(cells=("②公务用车运行维护费", *sums[SANGONG_VEHICLE_OPERATION]), level=2),
        Row(cells=("合计", *grand), level=0, parts=(0, 1, 2)),
    )
    return Table(
        code="T10",
        number=10,
        title=f"{data.year}年财政拨款安排“三公”经费支出预算表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=fiscal_amount_header("项目", data.year),
        columns=(Column("item", "text"), Column("total"), *(Column(f) for f in FISCAL_FUNDS)),
        rows=rows,
        is_empty=grand[0] == 0,
    )
