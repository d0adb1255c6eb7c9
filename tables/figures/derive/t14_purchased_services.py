"""表十四 政府购买服务支出预算表, 元 (not 万元).

One row per 政府购买服务 item: 序号, 单位, 项目, 是否包含政府采购, 政府购买服务内容, 购买数量,
购买金额, 资金来源. Without items the published form shows a single row "1 | 单位 | 无".
"""

from tables.figures.types import BudgetData, Column, HeaderCell, Row, Table

HEADINGS = (
    "序号",
    "单位",
    "项目",
    "是否包含政府采购",
    "政府购买服务内容",
    "购买数量",
    "购买金额",
    "资金来源",
)


def build(data: BudgetData) -> Table:
    items = data.purchased_services
    if items:
        rows = tuple(
            Row(
                cells=(
                    str(i),
                    item.unit_name or data.unit.name,
                    item.project_name,
                    "是" if item.includes_procurement else "否",
                    item.content,
                    item.quantity,
                    item.amount,
                    item.fund_label,
                ),
                level=2,
            )
            for i, item in enumerate(items, start=1)
        )
    else:
        rows = (Row(cells=("1", data.unit.name, "无", "", "", "", None, ""), level=2),)
    return Table(
        code="T14",
        number=14,
        title="政府购买服务支出预算表",
        unit_name=data.unit.name,
        money_unit="元",
        header=(tuple(HeaderCell(t) for t in HEADINGS),),
        columns=(
            *(
                Column(k, "text")
                for k in ("no", "unit", "project", "procurement", "content", "quantity")
            ),
            Column("amount"),
            Column("fund", "text"),
        ),
        rows=rows,
        is_empty=not items,
    )
