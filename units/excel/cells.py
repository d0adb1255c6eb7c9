"""Typed values of imported cells: text, amounts, classification codes, small whole numbers.

One rule per kind for every import (预算明细, 绩效目标, 科目表), so a cell means the same
wherever it is uploaded. The reader hands over `str`, `int`, `Decimal` (never a float), `bool`
and dates; a float only reaches these functions from callers outside the reader and is read
through its shortest repr.

Digits must be half-width (0–9). The templates ask for "数字" and show half-width examples;
full-width digits (１２３.４５), usually pasted from a document, are refused with a message
that names them rather than silently normalised: `Decimal` and `int` would accept them, while
the full-width comma or point next to them would not, so normalising the digits alone would
make the rule harder to state, and codes compared as text would not match.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from units.money import parse_amount

TEXT_NUMBER_RULE = (
    "以文本填写的金额：只能由半角数字（0–9）和最多一个小数点组成，可用英文逗号作千位分隔符，"
    "但必须从个位起每三位一组（如 1,234.50、1234.50 都可以；1,23.4、1，234、１２３４ 不可以）；"
    "不能有空格、货币符号或“元”“万元”等文字。"
)
_TEXT_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_CODE = re.compile(r"[0-9]+")
_NEWLINES = re.compile(r"\r\n?")


def cell_text(value) -> str:
    """A cell as text: stripped, newlines normalised; whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return _NEWLINES.sub("\n", str(value)).strip()


def fullwidth_digit(text: str) -> str | None:
    """The first digit of `text` other than 0–9 (e.g. a full-width １), or None."""
    return next((ch for ch in text if ch.isdigit() and not ch.isascii()), None)


def halfwidth_hint(digit: str) -> str:
    return f"含全角数字“{digit}”，请改用半角数字 0–9 填写。"


def _check_halfwidth(text: str, label: str) -> None:
    digit = fullwidth_digit(text)
    if digit is not None:
        raise ValidationError(f"{label}「{text}」{halfwidth_hint(digit)}")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_amount(value, label: str = "金额", *, blank: Decimal | None = None) -> Decimal:
    """An amount in 元, exactly: a number cell as stored, a text cell by `TEXT_NUMBER_RULE`;
    negative amounts and more than two decimals are refused; a blank cell is `blank`, or
    refused when `blank` is None."""
    if _blank(value):
        if blank is None:
            raise ValidationError(f"{label}不能为空。")
        return blank
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        raise ValidationError(f"{label}必须是金额（元），不能是「{cell_text(value)}」。")
    if isinstance(value, float):
        value = Decimal(repr(value))  # the shortest repr: what was typed
    elif isinstance(value, str):
        text = value.strip()
        _check_halfwidth(text, label)
        if not _TEXT_NUMBER.fullmatch(text):
            raise ValidationError(
                f"{label}不是有效的数字：「{text}」不是有效的金额写法。{TEXT_NUMBER_RULE}"
            )
        value = Decimal(text.replace(",", ""))
    amount = parse_amount(value, field_label=label)
    if amount < 0:
        raise ValidationError(f"{label}不能为负数：{amount}")
    return amount


def normalise_code(value) -> str:
    """A code as text without any white space (`201 06 01` → `2010601`, 2010601.0 →
    `2010601`)."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        value = int(value)
    return "".join(str(value).split())


def cell_code(value, label: str) -> str:
    """A classification code from `2010101`, `201 01 01`, `2010101##行政运行` or a number cell;
    "" when blank."""
    if value is None:
        return ""
    not_a_code = ValidationError(f"{label}「{cell_text(value)}」不是科目编码。")
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        raise not_a_code
    if isinstance(value, float) and not value.is_integer():
        raise not_a_code
    if isinstance(value, Decimal) and (not value.is_finite() or value != int(value)):
        raise not_a_code
    text = value.split("##", 1)[0] if isinstance(value, str) else value
    code = normalise_code(text)
    _check_halfwidth(code, label)
    if code and not _CODE.fullmatch(code):
        raise ValidationError(
            f"{label}「{cell_text(value)}」格式无效，应为科目编码（如 2010101）或 编码##名称。"
        )
    return code


def cell_positive_int(value, label: str, default: int) -> int:
    """A small whole number (资金批次, 项目期); blank gives `default`."""
    if _blank(value):
        return default
    if isinstance(value, bool):
        raise ValidationError(f"{label}必须是正整数，不能是「{cell_text(value)}」。")
    text = cell_text(value)
    _check_halfwidth(text, label)
    if not _CODE.fullmatch(text) or not 1 <= int(text) <= 999:
        raise ValidationError(f"{label}必须是 1 到 999 的整数，不能是「{text}」。")
    return int(text)


def cell_count(value, label: str) -> int:
    """A count (车辆、设备台套): a whole number from 0; blank gives 0."""
    if _blank(value):
        return 0
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        raise ValidationError(f"{label}必须是不小于 0 的整数，不能是「{cell_text(value)}」。")
    text = cell_text(value)
    _check_halfwidth(text, label)
    if not _CODE.fullmatch(text) or int(text) > 2_000_000_000:
        raise ValidationError(f"{label}必须是不小于 0 的整数，不能是「{text}」。")
    return int(text)


_DATE_TEXT = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")


def cell_date(value, label: str) -> datetime.date | None:
    """A date from a date cell or text (2025-08-31, 2025/8/31, 2025年8月31日); None when blank."""
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    _check_halfwidth(text, label)
    match = _DATE_TEXT.fullmatch(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValidationError(
        f"{label}「{text}」不是有效的日期，请按 2025-12-31 或 2025年12月31日 的格式填写。"
    )
