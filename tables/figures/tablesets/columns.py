"""The vocabulary the data-driven sets are written in: column keys (what a cell adds up for one
line) and line filters (which lines a table reads). Income types come from
`tables.figures.derive.income`, the one place a line's income type is decided."""

from __future__ import annotations

from decimal import Decimal

from tables.figures.derive.income import INCOME_TYPES, income_key
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUND_GOV,
    FUND_STATE_CAPITAL,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
    ZERO,
    LineRow,
)

INCOME_PREFIX = "income_"

COLUMN_LABELS: dict[str, str] = {
    "total": "合计",
    "basic": "基本支出",
    "personnel": "人员经费",
    "public": "公用经费",
    "project": "项目支出",
    "general": "一般公共预算",
    "gov_fund": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    **{INCOME_PREFIX + key: label for key, label in INCOME_TYPES},
}


def column_value(key: str, line: LineRow) -> Decimal:
    """What `line` adds to a cell of column `key` (exact 元)."""
    if key == "total":
        return line.amount
    if key == "basic":
        return line.amount if line.is_basic else ZERO
    if key in ("personnel", "public", "project"):
        kind = {"personnel": KIND_PERSONNEL, "public": KIND_PUBLIC, "project": KIND_PROJECT}[key]
        return line.amount if line.expense_kind == kind else ZERO
    if key in FISCAL_FUNDS:
        return line.amount if line.fund == key else ZERO
    if key.startswith(INCOME_PREFIX):
        return line.amount if income_key(line) == key[len(INCOME_PREFIX) :] else ZERO
    raise KeyError(f"unknown column {key}")


def vector_fn(keys: tuple[str, ...]):
    """line → the tuple of its values in columns `keys`."""
    return lambda line: tuple(column_value(key, line) for key in keys)


def _current(fund: str):
    return lambda line: line.fund == fund and not line.is_carryover


LINE_FILTERS = {
    "all": lambda line: True,
    "fiscal": lambda line: line.fund in FISCAL_FUNDS,
    "general-current": _current(FUND_GENERAL),
    "general-current-basic": lambda line: (
        line.fund == FUND_GENERAL and not line.is_carryover and line.is_basic
    ),
    "gov_fund-current": _current(FUND_GOV),
    "state_capital-current": _current(FUND_STATE_CAPITAL),
}


def lines_for(name: str, lines) -> list[LineRow]:
    return [line for line in lines if LINE_FILTERS[name](line)]
