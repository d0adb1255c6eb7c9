"""表四 财政拨款收支总表, 万元.

Only 财政拨款 (一般公共预算, 政府性基金预算, 国有资本经营预算). Left: 本年 revenue by those three
sources, 本年收入合计, 上年财政拨款结转 (with the same three sources), 收入总计. Right: the 30 fixed
expense rows by 类 with 小计 and the three sources (carry-over included), 本年支出合计, 年终结转,
支出总计.
"""

from tables.figures.derive.common import add_into, fiscal_vector, sums_by
from tables.figures.derive.layout import summary_expense_rows
from tables.figures.types import FISCAL_FUNDS, ZERO, BudgetData, Column, HeaderCell, Row, Table

SOURCE_LABELS = ("一、一般公共预算", "二、政府性基金预算", "三、国有资本经营预算")


def build(data: BudgetData) -> Table:
    fiscal = [line for line in data.lines if line.fund in FISCAL_FUNDS]
    current = [line for line in fiscal if not line.is_carryover]
    carry = [line for line in fiscal if line.is_carryover]
    one = lambda line: (line.amount,)  # noqa: E731
    income_by_fund = sums_by(current, lambda line: line.fund, one, 1)
    carry_by_fund = sums_by(carry, lambda line: line.fund, one, 1)
    by_class = sums_by(
        fiscal,
        lambda line: line.func_code[:3],
        fiscal_vector,
        4,
    )
    rows = []
    for i, (label, class_code) in enumerate(summary_expense_rows()):
        if i < len(FISCAL_FUNDS):
            income = (SOURCE_LABELS[i], income_by_fund[FISCAL_FUNDS[i]][0])
        else:
            income = ("", None)
        rows.append(Row(cells=(*income, label, *by_class.get(class_code, (None,) * 4)), level=1))
    expense_total = [ZERO] * 4
    for vector in by_class.values():
        add_into(expense_total, vector)
    income_total = sum((v[0] for v in income_by_fund.values()), ZERO)
    carry_total = sum((v[0] for v in carry_by_fund.values()), ZERO)
    n = len(rows)
    rows.append(
        Row(
            cells=("本年收入合计", income_total, "本年支出合计", *expense_total),
            parts=tuple(range(n)),
            part_columns=(3, 4, 5, 6),
        )
    )
    rows.append(Row(cells=("上年财政拨款结转", carry_total, "年终结转", None, None, None, None)))
    for label, fund in zip(SOURCE_LABELS, FISCAL_FUNDS, strict=True):
        rows.append(Row(cells=(label, carry_by_fund[fund][0], "", None, None, None, None), level=1))
    rows.append(
        Row(
            cells=("收入总计", income_total + carry_total, "支出总计", *expense_total),
            parts=(n, n + 1),
            part_columns=(1,),
        )
    )
    return Table(
        code="T04",
        number=4,
        title=f"{data.year}年财政拨款收支总表",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (HeaderCell("收入", colspan=2), HeaderCell("支出", colspan=5)),
            (
                HeaderCell("项目", rowspan=2),
                HeaderCell("金额", rowspan=2),
                HeaderCell("项目", rowspan=2),
                HeaderCell("金额", colspan=4),
            ),
            (
                HeaderCell("小计"),
                HeaderCell("一般公共预算"),
                HeaderCell("政府性基金预算"),
                HeaderCell("国有资本经营预算"),
            ),
        ),
        columns=(
            Column("income_item", "text"),
            Column("income"),
            Column("expense_item", "text"),
            Column("expense_total"),
            *(Column(f) for f in FISCAL_FUNDS),
        ),
        rows=tuple(rows),
        is_empty=not fiscal,
    )
