"""指标值: parse the value text of an indicator as published, and read money units.

The rule, in one place:

- A value that starts with a comparator (≥ ≤ ＝ ＞ ＜, or their ASCII forms >= <= = > <) must be
  followed by a number; the rest is the unit: "≥13次" → (≥, 13, "次").
- A value that starts with a number is an exact target: "100%" → (＝, 100, "%"), "5000元/个/年"
  → (＝, 5000, "元/个/年"). Thousands separators are accepted ("1,800元").
- Anything else is 定性 (qualitative): "按月发放", "提升", "第四季度".
- Percentages must lie within 0–100; an empty value is refused.

`money_unit` reads units like "万元/年" or "元/人/月" for the cost checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

GE, LE, EQ, GT, LT, QUALITATIVE = "≥", "≤", "＝", "＞", "＜", "定性"

_COMPARATORS = (
    (">=", GE),
    ("≥", GE),
    ("＞＝", GE),
    ("<=", LE),
    ("≤", LE),
    ("＜＝", LE),
    ("＝", EQ),
    ("=", EQ),
    ("＞", GT),
    (">", GT),
    ("＜", LT),
    ("<", LT),
)
_NUMBER = re.compile(r"\s*(\d[\d,，]*(?:\.\d+)?)\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class ParsedValue:
    comparator: str
    number: Decimal | None
    unit: str

    @property
    def is_qualitative(self) -> bool:
        return self.comparator == QUALITATIVE

    @property
    def is_percentage(self) -> bool:
        return self.unit.startswith("%") or self.unit.startswith("％")


def parse_indicator_value(text: str) -> ParsedValue:
    """Parse a 指标值 as typed; ValidationError (Chinese) when a number is required but missing."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError("指标值不能为空。")
    comparator = ""
    rest = raw
    for symbol, normalised in _COMPARATORS:
        if raw.startswith(symbol):
            comparator, rest = normalised, raw[len(symbol) :]
            break
    match = _NUMBER.match(rest)
    if match is None:
        if comparator:
            raise ValidationError(f"指标值「{raw}」：比较符「{comparator}」后必须是数字，如 ≥95%。")
        return ParsedValue(QUALITATIVE, None, "")
    try:
        number = Decimal(match.group(1).replace(",", "").replace("，", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only admits digits
        raise ValidationError(f"指标值「{raw}」不是有效的数字。") from None
    unit = match.group(2).strip()
    parsed = ParsedValue(comparator or EQ, number, unit)
    if parsed.is_percentage and number > 100:
        raise ValidationError(f"指标值「{raw}」：百分比必须在0–100之间。")
    return parsed


@dataclass(frozen=True)
class MoneyUnit:
    """A money unit such as "万元/年" or "元/人/月": scale to 元 and what it is counted per."""

    scale: Decimal  # 1 for 元, 10000 for 万元
    per: tuple[str, ...]  # ("人", "月") for 元/人/月; () for a plain amount

    @property
    def periods_per_year(self) -> Decimal | None:
        """How many of the last `per` part fit in a year (None when it is not a period)."""
        if not self.per:
            return Decimal(1)
        return PERIODS_PER_YEAR.get(self.per[-1])

    @property
    def is_total(self) -> bool:
        """A plain amount (万元, 元) or an amount per year (万元/年): the project's money."""
        return not self.per or self.per == ("年",)

    @property
    def entity(self) -> str:
        """What a standard is counted per (人, 个 …) — "" for totals."""
        parts = [p for p in self.per if p not in PERIODS_PER_YEAR]
        return parts[0] if len(parts) == 1 else ""


PERIODS_PER_YEAR = {
    "年": Decimal(1),
    "每年": Decimal(1),
    "半年": Decimal(2),
    "季": Decimal(4),
    "季度": Decimal(4),
    "月": Decimal(12),
    "每月": Decimal(12),
}


def money_unit(unit: str) -> MoneyUnit | None:
    """Read "元", "万元/年", "元/个/年", "元/人/月" …; None when the unit is not money."""
    parts = [p.strip() for p in re.split(r"[/／]", unit or "")]
    head = parts[0] if parts else ""
    if head == "元":
        scale = Decimal(1)
    elif head == "万元":
        scale = Decimal(10000)
    else:
        return None
    return MoneyUnit(scale=scale, per=tuple(p for p in parts[1:] if p))
