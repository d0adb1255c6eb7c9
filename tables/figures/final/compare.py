"""决算 against 年初预算: the differences a 决算 must explain, and how a difference is measured.

The 完成率 (`units.final_balance.completion_rate`, its one definition), the word for a
difference (`change_phrase`) and the rule that a difference needs a reason (`needs_reason`):
the 决算 tables (F05's 完成率), the narrative and the checks (J07) all use these.

The differences compared (`final_differences`), each keyed as `units.models.FinalReason` keys
its reason:
- "total": 本年支出合计 of 财政拨款 (the 决算 lines of the three 财政拨款 funds, 上年结转 included,
  as F04 prints it) against their 年初预算;
- "func:<项 code>": each 一般公共预算财政拨款 功能分类 项, the figures of F05 (年初预算 and
  决算数 合计);
- "sangong:outbound" | "sangong:reception" | "sangong:vehicle_purchase" |
  "sangong:vehicle_operation": the four 三公 items, as F09 prints them (表十's derivation on the
  年初预算 and on the 决算数);
- "operating_costs": 机关运行经费 (表十一's derivation on both), for 行政 and 参公 units only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.final.types import FinalData
from tables.figures.types import FISCAL_FUNDS, FUND_GENERAL, ZERO
from units.final_balance import completion_rate

#: a difference of this share of the 年初预算 or more needs a reason (10%)
REASON_THRESHOLD = Decimal("0.10")

#: the 三公 items by their key suffix, in the order F09 prints them
SANGONG_KEYS = {
    "outbound": SANGONG_OUTBOUND,
    "vehicle_purchase": SANGONG_VEHICLE_PURCHASE,
    "vehicle_operation": SANGONG_VEHICLE_OPERATION,
    "reception": SANGONG_RECEPTION,
}
TOTAL_KEY = "total"
OPERATING_COSTS_KEY = "operating_costs"
TOTAL_LABEL = "财政拨款支出合计"
OPERATING_COSTS_LABEL = "机关运行经费"


def change_phrase(planned: Decimal, actual: Decimal) -> str:
    """The word for 决算数 against 年初预算: "增加", "减少" or "持平", by the sign of the
    difference alone."""
    if actual > planned:
        return "增加"
    if actual < planned:
        return "减少"
    return "持平"


def needs_reason(planned: Decimal, actual: Decimal) -> bool:
    """A difference needs a reason when it is 10% of the 年初预算 or more, or when nothing was
    planned and something was spent (exact 元, no rounding)."""
    if not planned:
        return actual != 0
    return abs(actual - planned) >= abs(planned) * REASON_THRESHOLD


@dataclass(frozen=True, slots=True)
class Difference:
    """One comparison of 决算数 with 年初预算 (exact 元) and the unit's reason for it."""

    key: str
    label: str
    planned: Decimal
    actual: Decimal
    rate: Decimal | None
    needs_reason: bool
    reason: str = ""

    @property
    def diff(self) -> Decimal:
        return self.actual - self.planned

    @property
    def phrase(self) -> str:
        return change_phrase(self.planned, self.actual)


def difference(data: FinalData, key: str, label: str, planned: Decimal, actual: Decimal):
    """The `Difference` of `key`, with its rate, whether it needs a reason and the reason given."""
    return Difference(
        key=key,
        label=label,
        planned=planned,
        actual=actual,
        rate=completion_rate(planned, actual),
        needs_reason=needs_reason(planned, actual),
        reason=data.reasons.get(key, ""),
    )


def final_lines(data: FinalData, keep) -> list[tuple]:
    """(决算 line, 年初预算 line, 调整预算 line) of every line `keep(决算 line)` accepts, in line
    order: the three views share lines, so they are read side by side."""
    return [
        trio
        for trio in zip(data.actual.lines, data.planned.lines, data.adjusted.lines, strict=True)
        if keep(trio[0])
    ]


def general_by_item(data: FinalData) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """功能分类 项 → (年初预算, 调整预算, 决算数) of the 一般公共预算财政拨款 lines (上年结转
    included), in code order: the 项 rows of F05."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for actual, planned, adjusted in final_lines(data, lambda line: line.fund == FUND_GENERAL):
        acc = sums[actual.func_code]
        acc[0] += planned.amount
        acc[1] += adjusted.amount
        acc[2] += actual.amount
    return {code: tuple(sums[code]) for code in sorted(sums)}


def fiscal_totals(data: FinalData) -> tuple[Decimal, Decimal]:
    """(年初预算, 决算数) of all 财政拨款 lines: F04's 本年支出合计 and what it was planned at."""
    trios = final_lines(data, lambda line: line.fund in FISCAL_FUNDS)
    return (
        sum((planned.amount for _, planned, _ in trios), ZERO),
        sum((actual.amount for actual, _, _ in trios), ZERO),
    )


def function_label(data: FinalData, code: str) -> str:
    """ "一般公共服务支出（类）人大事务（款）行政运行（项）", as a 决算's narrative names a 功能分类
    项 (the code alone where the names are unknown)."""
    parts = [
        (data.actual.name("func", code[:length]), level)
        for length, level in ((3, "类"), (5, "款"), (7, "项"))
    ]
    if not all(name for name, _ in parts):
        return code
    return "".join(f"{name}（{level}）" for name, level in parts)


def final_differences(data: FinalData) -> list[Difference]:
    """Every difference a 决算 compares, in print order: "total", the 一般公共预算 项, the four
    三公 items, 机关运行经费 (only for a unit that has it)."""
    out = [difference(data, TOTAL_KEY, TOTAL_LABEL, *fiscal_totals(data))]
    for code, (planned, _, actual) in general_by_item(data).items():
        out.append(difference(data, f"func:{code}", function_label(data, code), planned, actual))
    planned_sangong = sangong_sums(data.planned)
    actual_sangong = sangong_sums(data.actual)
    for suffix, item in SANGONG_KEYS.items():
        out.append(
            difference(
                data,
                f"sangong:{suffix}",
                item,
                planned_sangong[item][0],
                actual_sangong[item][0],
            )
        )
    if data.actual.unit.has_operating_costs:
        out.append(
            difference(
                data,
                OPERATING_COSTS_KEY,
                OPERATING_COSTS_LABEL,
                operating_cost_vector(data.planned)[0],
                operating_cost_vector(data.actual)[0],
            )
        )
    return out
