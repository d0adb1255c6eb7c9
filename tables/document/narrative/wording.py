"""The narrative's wording, in one place: amounts in 万元, percentages, a change worded by its
sign and the "主要原因是" frame. The sentences and the N01 findings both word figures here.

Amounts print in 万元 with 2 places and thousands separators ("1,180.89"), percentages to 0.01
of exact 元 ratios, both rounded half-up (amounts by `tables.figures.formatting.to_display`, the one
place 元 become 万元). A change is 增加/增长, 减少/下降 or 持平 by its sign; a change from zero
has no percentage.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tables.document.narrative.types import HUNDRED, Change
from tables.figures.formatting import format_wan_grouped
from tables.figures.types import ZERO
from units.texts import reason_text_normalise

PCT = Decimal("0.01")


def wan(amount: Decimal) -> str:
    """元 → "1,180.89" (万元, half-up, thousands separators)."""
    return format_wan_grouped(amount)


def share(part: Decimal, whole: Decimal) -> str:
    """Percentage of exact amounts to 0.01, e.g. "52.10"; "0.00" for an empty whole."""
    if not whole:
        return "0.00"
    return percent_text(part / whole * HUNDRED)


def percent_text(percent: Decimal) -> str:
    """A percentage to 0.01, half-up: "1.40"."""
    return f"{percent.quantize(PCT, rounding=ROUND_HALF_UP):.2f}"


def trend_words(diff: Decimal) -> tuple[str, str]:
    """(amount verb, rate verb) of a non-zero change: (增加, 增长) or (减少, 下降)."""
    return ("增加", "增长") if diff > 0 else ("减少", "下降")


def change_phrase(change: Change, *, reference: str = "上年") -> str:
    """比上年增加X万元，增长Y% / 比上年减少X万元，下降Y% / 与上年持平 (empty when unknown)."""
    diff = change.diff
    if diff is None:
        return ""
    if diff == 0:
        return f"与{reference}持平"
    word, trend = trend_words(diff)
    text = f"比{reference}{word}{wan(abs(diff))}万元"
    if change.percent is not None:
        text += f"，{trend}{percent_text(abs(change.percent))}%"
    return text


def item_change_phrase(change: Change) -> str:
    """三公 items: 与上年预算数相同 / 与上年相比预算数增加(减少)X万元."""
    diff = change.diff
    if diff is None:
        return ""
    if diff == 0:
        return "与上年预算数相同"
    return f"与上年相比预算数{trend_words(diff)[0]}{wan(abs(diff))}万元"


def reason_clause(change: Change) -> str:
    """ "，主要原因是…" with the unit's reason, empty when there is none or nothing changed."""
    reason = reason_text_normalise(change.reason)
    if not reason or change.diff in (None, ZERO):
        return ""
    return f"，主要原因是{reason}"


def with_reason(phrase: str, change: Change) -> str:
    """ "，" + a change phrase + its reason clause, to follow a figure; empty without a phrase."""
    return f"，{phrase}{reason_clause(change)}" if phrase else ""
