"""表一 预算收支总表 (budget revenue and expenditure summary), 万元.

Left: revenue by funding source (本年收入, current year only), 本年收入合计, 上年结转, 收入总计.
Right: the 30 fixed expense rows by 功能分类 类, each with 合计 = 当年预算安排 + 上年结转安排,
then 本年支出合计 (all spending, carry-over included, as published), 年终结转 and 支出总计.
"""

from tables.figures.derive.common import add_into, sums_by, total
from tables.figures.derive.layout import summary_expense_rows
from tables.figures.types import FUNDS, ZERO, BudgetData, Column, HeaderCell, Row, Table

INCOME_LABELS = (
    "一、一般公共预算",
    "二、政府性基金预算",
    "三、国有资本经营预算",
    "四、财政专户管理资金",
    "五、单位资金",
)


def build(data: BudgetData) -> Table:
    current = [line for line in data.lines if not line.is_carryover]
    carry = [line for line in data.lines if line.is_carryover]
    income_by_fund = sums_by(current, lambda line: line.fund, lambda line: (line.amount,), 1)
    expense_by_class = sums_by(
        data.lines,
        lambda line: line.func_code[:3],
        lambda line: (
            line.amount,
            ZERO if line.is_carryover else line.amount,
            line.amount if line.is_carryover else ZERO,
        ),
        3,
    )
    rows = []
    expense_indices = []
    for i, (label, class_code) in enumerate(summary_expense_rows()):
        income = (INCOME_LABELS[i], income_by_fund[FUNDS[i]][0]) if i < len(FUNDS) else ("", None)
        expense_indices.append(i)
        rows.append(
            Row(cells=(*income, label, *expense_by_class.get(class_code, (None,) * 3)), level=1)
        )
    income_total = total(current)
    carry_total = total(carry)
    expense_total = [ZERO] * 3
    for vector in expense_by_class.values():
        add_into(expense_total, vector)
    n = len(rows)
    rows += [
        Row(
            cells=("本年收入合计", income_total, "本年支出合计", *expense_total),
            parts=tuple(range(len(FUNDS))),
            part_columns=(1,),
        ),
        Row(cells=("上年结转", carry_total, "年终结转", None, None, None)),
        Row(
            cells=("收入总计", income_total + carry_total, "支出总计", *expense_total),
            parts=(n, n + 1),
            part_columns=(1,),
        ),
    ]
    # 本年支出合计 is the sum of the 30 expense rows (columns 3–5).
    rows[n] = Row(cells=rows[n].cells, parts=tuple(expense_indices), part_columns=(3, 4, 5))
    return Table(
        code="T01",
        number=1,
        title=f"{data.year}年预算收支总表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (HeaderCell("收入", colspan=2), HeaderCell("支出", colspan=4)),
            (
                HeaderCell("项目"),
                HeaderCell(f"{data.year}年"),
                HeaderCell("项目"),
                HeaderCell(f"{data.year}年合计"),
                HeaderCell("当年预算安排"),
                HeaderCell("上年结转安排"),
            ),
        ),
        columns=(
            Column("income_item", "text"),
            Column("income"),
            Column("expense_item", "text"),
            Column("expense_total"),
            Column("expense_current"),
            Column("expense_carryover"),
        ),
        rows=tuple(rows),
        is_empty=not data.lines,
    )
