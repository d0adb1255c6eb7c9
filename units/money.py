"""Money: exact `Decimal` 元 with two places, stored as an integer number of 分.

Django keeps `DecimalField` values on SQLite as floating point (a SQL `SUM` of 100,000 × 0.10
comes back as 10000.0000000188), so amounts are stored as integer 分 in a BIGINT column and
converted back to `Decimal` 元 on every read, aggregates included. Amounts with more than two
decimals are refused on every write path (form, ORM save, queryset update, import), never
rounded.
"""

import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models

CENT = Decimal("0.01")
#: The largest amount a field accepts: 18 digits of 分 still fit a signed 64-bit integer.
MAX_AMOUNT = Decimal("9999999999999999.99")


def parse_amount(value, *, field_label: str = "金额") -> Decimal:
    """Parse an amount in 元 exactly; refuse floats, more than 2 decimals and out-of-range values."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (bool, float)):
        # A float has already lost exactness; callers convert with Decimal(str(v)) knowingly.
        raise ValidationError(f"{field_label}必须是精确的十进制数，不能是浮点数：{value!r}")
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{field_label}不是有效的数字：{value!r}") from None
    else:
        raise ValidationError(f"{field_label}不是有效的数字：{value!r}")
    if not amount.is_finite():
        raise ValidationError(f"{field_label}不是有效的数字：{value!r}")
    # Range first: quantize() of a huge value (e.g. 1e30) raises decimal.InvalidOperation.
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(f"{field_label}超出允许范围（最大 {MAX_AMOUNT} 元）：{value}")
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise ValidationError(f"{field_label}最多只能有两位小数（单位：元）：{value}")
    return amount.quantize(CENT)


def parse_amount_text(text: str, *, field_label: str = "金额") -> Decimal:
    """An amount as a person types it: "1,000.00", full-width "１２３４．５０", "12,345.60元",
    spaces anywhere; then exactly as `parse_amount` (two places at most, never rounded)."""
    if not isinstance(text, str):
        return parse_amount(text, field_label=field_label)
    normal = unicodedata.normalize("NFKC", text).strip()
    normal = normal.removesuffix("元").replace(" ", "").replace(",", "")
    if not normal:
        raise ValidationError(f"{field_label}不能为空。")
    return parse_amount(normal, field_label=field_label)


def yuan_to_cents(value) -> int:
    return int(parse_amount(value) * 100)


def cents_to_yuan(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


class MoneyField(models.BigIntegerField):
    """An amount in 元 (`Decimal`, 2 places) stored as integer 分."""

    description = "金额（元，两位小数，按分存储）"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        # PostgreSQL returns SUM(bigint) as numeric; int() keeps it exact.
        return cents_to_yuan(int(value))

    def to_python(self, value):
        if value is None or value == "":
            return None
        return parse_amount(value, field_label=str(self.verbose_name))

    def get_prep_value(self, value):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return int(parse_amount(value, field_label=str(self.verbose_name)) * 100)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return value

    @property
    def validators(self):
        # BigIntegerField's integer-range validators would compare 元 against 分 limits.
        return [*self.default_validators, *self._validators]

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.DecimalField,
            "max_digits": 18,
            "decimal_places": 2,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


non_negative = validators.MinValueValidator(Decimal("0"), message="金额不能为负数。")
