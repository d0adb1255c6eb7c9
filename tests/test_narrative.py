"""Narrative wording by sign, the N01 reason rule and placeholder reasons."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tables.document.narrative import (
    Change,
    Narrative,
    change_phrase,
    item_change_phrase,
    narrative_findings,
    reason_clause,
    share,
    wan,
)
from units.texts import reason_text_is_placeholder, reason_text_validator

D = Decimal


def test_amounts_and_shares_are_rounded_half_up_from_exact_yuan():
    assert wan(D("11808898.00")) == "1,180.89"
    assert wan(D("49400.00")) == "4.94"
    assert wan(D("0.00")) == "0.00"
    assert wan(D("50.00")) == "0.01"  # 0.005万元 rounds half-up
    assert share(D("6151960.00"), D("11808898.00")) == "52.10"
    assert share(D("1"), D("0")) == "0.00"


@pytest.mark.parametrize(
    ("current", "prior", "expected"),
    [
        ("11808898", "11976800", "比上年减少16.79万元，下降1.40%"),
        ("110", "100", "比上年增加0.00万元，增长10.00%"),
        ("2000000", "1000000", "比上年增加100.00万元，增长100.00%"),
        ("500000", "500000", "与上年持平"),
        ("500000", "0", "比上年增加50.00万元"),
        ("0", "500000", "比上年减少50.00万元，下降100.00%"),
    ],
)
def test_change_is_worded_by_its_sign(current, prior, expected):
    assert change_phrase(Change("x", D(current), D(prior))) == expected


def test_unknown_prior_prints_no_comparison():
    assert change_phrase(Change("x", D(1), None)) == ""
    assert item_change_phrase(Change("x", D(1), None)) == ""


def test_item_wording():
    assert item_change_phrase(Change("x", D(5), D(5))) == "与上年预算数相同"
    assert item_change_phrase(Change("x", D(20000), D(50000))) == "与上年相比预算数减少3.00万元"
    assert item_change_phrase(Change("x", D(50000), D(20000))) == "与上年相比预算数增加3.00万元"


def test_reason_clause_strips_the_frame_and_is_silent_without_change():
    assert reason_clause(Change("x", D(1), D(2), "主要原因是人员减少。")) == "，主要原因是人员减少"
    assert reason_clause(Change("x", D(2), D(2), "人员减少")) == ""


@pytest.mark.parametrize(
    ("current", "prior", "reason", "fires"),
    [
        ("89", "100", "", True),  # -11%
        ("110", "100", "", True),  # +10% exactly
        ("109", "100", "", False),  # +9%
        ("1", "0", "", True),  # from zero
        ("0", "1", "", True),  # to zero
        ("0", "0", "", False),
        ("89", "100", "主要原因是。", True),
        ("89", "100", "XX", True),
        ("89", "100", "人员退休", False),
        ("89", None, "", False),  # no prior figure known
    ],
)
def test_n01_needs_a_real_reason_for_big_changes(current, prior, reason, fires):
    change = Change("机关运行经费", D(current), None if prior is None else D(prior), reason, "f")
    findings = narrative_findings(Narrative(sections=(), charts=(), changes=(change,)))
    assert bool(findings) is fires
    if fires:
        assert findings[0].rule_id == "N01" and "请填写变动原因" in findings[0].message


@pytest.mark.parametrize("text", ["主要原因是。", "XX", "xxx", "××", "……", "略", "原因：", " 无 "])
def test_placeholder_reasons_are_refused_at_entry(text):
    assert reason_text_is_placeholder(text)
    with pytest.raises(ValidationError) as exc:
        reason_text_validator(text)
    assert "不是有效的原因说明" in exc.value.messages[0]


def test_real_reasons_and_empty_are_accepted_at_entry():
    reason_text_validator("")
    reason_text_validator("主要原因是上年度人员退休")
    assert not reason_text_is_placeholder("无纸化会议系统延续建设")
