"""指标值 parsing (performance.values) and the indicator model's refusal of bad values."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from performance.values import EQ, GE, LE, QUALITATIVE, money_unit, parse_indicator_value


@pytest.mark.parametrize(
    ("text", "comparator", "number", "unit"),
    [
        ("≥13次", GE, Decimal(13), "次"),
        (">=95%", GE, Decimal(95), "%"),
        ("≤20万元", LE, Decimal(20), "万元"),
        ("100%", EQ, Decimal(100), "%"),
        ("≥100%", GE, Decimal(100), "%"),
        ("5000元/个/年", EQ, Decimal(5000), "元/个/年"),
        ("1,800元/人/年", EQ, Decimal(1800), "元/人/年"),
        ("64906元", EQ, Decimal(64906), "元"),
        ("0.5万元", EQ, Decimal("0.5"), "万元"),
        ("≥1每人/每年", GE, Decimal(1), "每人/每年"),
        ("按月发放", QUALITATIVE, None, ""),
        ("提升", QUALITATIVE, None, ""),
        ("第四季度", QUALITATIVE, None, ""),
        ("每小组每年不少于1次", QUALITATIVE, None, ""),
    ],
)
def test_values_parse_as_published(text, comparator, number, unit):
    parsed = parse_indicator_value(text)
    assert (parsed.comparator, parsed.number, parsed.unit) == (comparator, number, unit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "指标值不能为空"),
        ("   ", "指标值不能为空"),
        ("≥高", "比较符「≥」后必须是数字"),
        ("<=", "比较符「≤」后必须是数字"),
        ("120%", "百分比必须在0–100之间"),
        ("≥100.5%", "百分比必须在0–100之间"),
    ],
)
def test_bad_values_are_refused_in_chinese(text, message):
    with pytest.raises(ValidationError) as exc:
        parse_indicator_value(text)
    assert message in exc.value.messages[0]


def test_money_units():
    assert money_unit("万元").scale == Decimal(10000) and money_unit("万元").is_total
    assert money_unit("万元/年").is_total
    assert money_unit("元").is_total and money_unit("元").per == ()
    standard = money_unit("元/人/月")
    assert not standard.is_total
    assert (standard.entity, standard.periods_per_year) == ("人", Decimal(12))
    assert money_unit("元/个/年").periods_per_year == Decimal(1)
    assert money_unit("元/人/天").periods_per_year is None
    assert money_unit("次") is None and money_unit("%") is None
