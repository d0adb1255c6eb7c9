"""政府采购预算 by kind: a figure the 情况说明 prints (section 九) that no statutory table shows.

货物, 工程 and 服务 → the exact 元 of the submission's 政府采购 items of that kind, every kind present
(zero when it has no items).
"""

from decimal import Decimal

from tables.figures.types import ZERO, BudgetData

PROCUREMENT_LABELS = {"goods": "货物", "works": "工程", "services": "服务"}


def procurement_by_kind(data: BudgetData) -> dict[str, Decimal]:
    """货物/工程/服务 → 元, in that order."""
    out = dict.fromkeys(PROCUREMENT_LABELS.values(), ZERO)
    for item in data.procurements:
        out[PROCUREMENT_LABELS[item.kind]] += item.amount
    return out
