"""The 决算's fund balance: 年初结转和结余 + 本年收入 − 本年支出 − 年末结转和结余, per fund.

A 决算 balances when every fund's difference is 0. The funds are those of the 结转和结余
columns (`FUND_KEYS`): the three 财政拨款 funds and 其他资金 (单位资金 and 财政专户管理资金,
whose income is the non-财政拨款 income and whose expenditure adds the 上缴上级, 经营 and
对附属单位补助 支出 that are not budget lines). Plain arithmetic over amounts, so the entry
page, the opening service and the tests weigh it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")

#: fund key → (label, the line fund sources it spends)
FUNDS = {
    "general": ("一般公共预算", ("general",)),
    "gov_fund": ("政府性基金预算", ("gov_fund",)),
    "state_capital": ("国有资本经营预算", ("state_capital",)),
    "other": ("其他资金", ("special_account", "unit_funds")),
}
FUND_KEYS = tuple(FUNDS)
#: FinalFacts income fields of 其他资金
OTHER_INCOME_FIELDS = (
    "income_superior",
    "income_business",
    "income_operating",
    "income_subordinate",
    "income_other",
)
#: FinalFacts expenditure fields outside the lines (all 其他资金)
OTHER_EXPENSE_FIELDS = ("expense_to_superior", "expense_operating", "expense_subsidiary")


def fund_of(fund_source: str) -> str:
    """The 结转和结余 fund key of a line's 资金来源."""
    for key, (_, sources) in FUNDS.items():
        if fund_source in sources:
            return key
    return "other"


def line_expense_by_fund(lines) -> dict[str, Decimal]:
    """Fund key → the 决算数 of `lines` ((fund_source, amount) pairs)."""
    totals = dict.fromkeys(FUND_KEYS, ZERO)
    for fund_source, amount in lines:
        totals[fund_of(fund_source)] += amount or ZERO
    return totals


def fund_income(facts, key: str) -> Decimal:
    if key == "other":
        return sum((getattr(facts, name) or ZERO for name in OTHER_INCOME_FIELDS), ZERO)
    return getattr(facts, f"income_{key}") or ZERO


def fund_expense(facts, key: str, line_expense: dict[str, Decimal]) -> Decimal:
    expense = line_expense.get(key, ZERO)
    if key == "other":
        expense += sum((getattr(facts, name) or ZERO for name in OTHER_EXPENSE_FIELDS), ZERO)
    return expense


@dataclass(frozen=True)
class FundBalance:
    key: str
    label: str
    opening: Decimal
    income: Decimal
    expense: Decimal
    closing: Decimal

    @property
    def difference(self) -> Decimal:
        """年初 + 收入 − 支出 − 年末: 0 when the fund balances."""
        return self.opening + self.income - self.expense - self.closing

    @property
    def balances(self) -> bool:
        return self.difference == 0


def fund_balances(facts, line_expense: dict[str, Decimal]) -> list[FundBalance]:
    """Each fund's balance from `facts` (a FinalFacts model or dataclass) and the lines'
    决算数 by fund (`line_expense_by_fund`)."""
    return [
        FundBalance(
            key=key,
            label=label,
            opening=getattr(facts, f"opening_{key}") or ZERO,
            income=fund_income(facts, key),
            expense=fund_expense(facts, key, line_expense),
            closing=getattr(facts, f"closing_{key}") or ZERO,
        )
        for key, (label, _) in FUNDS.items()
    ]


HUNDRED = Decimal(100)


def completion_rate(planned: Decimal, actual: Decimal) -> Decimal | None:
    """完成率 in percent: 决算数 / 年初预算 × 100, 2 places half-up; None when the 年初预算 is 0
    (a rate of nothing planned means nothing: printed blank). The one definition: the 决算
    tables, the comparison and the entry pages all use it."""
    if not planned:
        return None
    return (actual / planned * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
