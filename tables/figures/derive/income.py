"""Income by the national 收入 list's types, the one place a line's income type is decided.

A line is income and spending at once: its fund says which 财政拨款 (or 财政专户) it comes from;
a 单位资金 line says which kind of the unit's own income (`LineRow.income_type`, blank = 其他收入);
a carry-over line is 上年结转结余 whatever its fund. Shanxi's 单位资金 column is the sum of the
five unit types, so tables that show 单位资金 are unchanged by the finer types.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tables.figures.types import FUND_UNIT, ZERO, LineRow

#: (key, label) in the order the national 收入总表 lists them.
INCOME_TYPES: tuple[tuple[str, str], ...] = (
    ("general", "一般公共预算拨款收入"),
    ("gov_fund", "政府性基金预算拨款收入"),
    ("state_capital", "国有资本经营预算拨款收入"),
    ("special_account", "财政专户管理资金收入"),
    ("business", "事业收入"),
    ("operating", "事业单位经营收入"),
    ("superior", "上级补助收入"),
    ("affiliated", "附属单位上缴收入"),
    ("other", "其他收入"),
    ("carryover", "上年结转结余"),
)
#: the keys that make up Shanxi's 单位资金
UNIT_INCOME_KEYS = ("business", "operating", "superior", "affiliated", "other")


def income_key(line: LineRow) -> str:
    """The `INCOME_TYPES` key `line` counts under."""
    if line.is_carryover:
        return "carryover"
    if line.fund == FUND_UNIT:
        return line.income_type or "other"
    return line.fund


def income_by_type(lines: Iterable[LineRow]) -> dict[str, Decimal]:
    """Every income type (in `INCOME_TYPES` order, zero when unused) → its exact sum."""
    sums = {key: ZERO for key, _ in INCOME_TYPES}
    for line in lines:
        sums[income_key(line)] += line.amount
    return sums
