"""Filters of the work desks: dates as a person reads them (2026年3月5日), money in 元 with
thousands separators or in 万元 (`tables.figures.formatting` rounds), signed changes, rates."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats, timezone

from tables.figures.formatting import (
    format_wan_grouped,
    format_yuan,
    table_short_name,
    to_display,
)

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """2026年3月5日 ("" for none): the project's DATE_FORMAT (budgetsite/formats)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def cn_datetime(value) -> str:
    """2026年3月5日 14:05 in 北京时间 ("" for none): the project's DATETIME_FORMAT."""
    if not value:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@register.filter
def yuan(value) -> str:
    """1,234,567.80 (元, two places, thousands separators)."""
    if value is None or value == "":
        return ""
    return format_yuan(Decimal(value))


@register.filter
def wan(value) -> str:
    """元 → 1,180.89 (万元)."""
    if value is None:
        return ""
    return format_wan_grouped(Decimal(value))


@register.filter
def signed_wan(value) -> str:
    """+12.30 / −4.50 (万元) for a change."""
    if value is None:
        return ""
    shown = to_display(Decimal(value), "万元")
    if shown > 0:
        return f"+{shown:,.2f}"
    if shown < 0:
        return f"−{-shown:,.2f}"
    return "0.00"


@register.filter
def percent(value) -> str:
    """+12.34% / −5.00% for a rate already in percent."""
    if value is None:
        return ""
    rate = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "+" if rate > 0 else ("−" if rate < 0 else "")
    return f"{sign}{abs(rate):.2f}%"


@register.filter
def absolute(value):
    return abs(value) if value is not None else value


@register.filter
def table_name(code: str) -> str:
    """ "T02" → "表二" (other labels unchanged)."""
    return table_short_name(code)
