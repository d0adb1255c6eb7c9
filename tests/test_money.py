"""Money is exact: amounts are Decimal 元 with two places, stored as integer 分.

These tests run unchanged on SQLite and on PostgreSQL (set DATABASE_URL).
"""

import re
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    ExpenseKind,
    FundSource,
    Submission,
    UnitKind,
)
from units.money import MAX_AMOUNT, MoneyField, parse_amount

YEAR = 2025
CJK = re.compile(r"[\u4e00-\u9fff]")


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = [
            "submission",
            "func_code",
            "dept_econ_code",
            "gov_econ_code",
            "expense_kind",
            "fund_source",
            "amount",
        ]


@pytest.fixture
def submission():
    department = Department.objects.create(code="001", name="县财政局")
    unit = BudgetUnit.objects.create(
        code="003", name="县测试单位", kind=UnitKind.ADMINISTRATIVE, department=department
    )
    return Submission.objects.create(unit=unit, year=YEAR)


@pytest.fixture
def codes():
    def code(scheme, code, name, level, parent_code):
        return ClassificationCode.objects.create(
            scheme=scheme, year=YEAR, code=code, name=name, level=level, parent_code=parent_code
        )

    return {
        "func_code": code(CodeScheme.FUNCTIONAL, "2010101", "行政运行", 3, "20101"),
        "dept_econ_code": code(CodeScheme.DEPT_ECONOMIC, "30101", "基本工资", 2, "301"),
        "gov_econ_code": code(CodeScheme.GOV_ECONOMIC, "50101", "工资奖金津补贴", 2, "501"),
    }


def make_line(submission, codes, amount):
    return BudgetLine(
        submission=submission,
        expense_kind=ExpenseKind.PERSONNEL,
        fund_source=FundSource.GENERAL,
        amount=amount,
        **codes,
    )


def form_data(submission, codes, amount):
    return {
        "submission": submission.pk,
        "func_code": codes["func_code"].pk,
        "dept_econ_code": codes["dept_econ_code"].pk,
        "gov_econ_code": codes["gov_econ_code"].pk,
        "expense_kind": ExpenseKind.PERSONNEL,
        "fund_source": FundSource.GENERAL,
        "amount": amount,
    }


@pytest.mark.django_db
def test_max_amount_round_trips_exactly(submission, codes):
    """The largest allowed amount is saved and read back as exactly the same Decimal."""
    line = make_line(submission, codes, MAX_AMOUNT)
    line.full_clean()
    line.save()
    reloaded = BudgetLine.objects.get(pk=line.pk)
    assert isinstance(reloaded.amount, Decimal)
    assert reloaded.amount == MAX_AMOUNT
    assert str(reloaded.amount) == "9999999999999999.99"
    assert BudgetLine.objects.filter(amount=MAX_AMOUNT).count() == 1


@pytest.mark.django_db
def test_sum_of_100000_dimes_is_exact(submission, codes):
    """A SQL SUM over 100,000 lines of 0.10 is exactly Decimal('10000.00')."""
    batch = 10_000
    for _ in range(100_000 // batch):
        BudgetLine.objects.bulk_create(
            [make_line(submission, codes, Decimal("0.10")) for _ in range(batch)],
            batch_size=2_000,
        )
    assert BudgetLine.objects.count() == 100_000
    total = BudgetLine.objects.aggregate(total=Sum("amount"))["total"]
    assert type(total) is Decimal
    assert total == Decimal("10000.00")
    assert str(total) == "10000.00"


@pytest.mark.django_db
def test_three_decimals_refused_on_save(submission, codes):
    """Saving 0.125 raises ValidationError instead of rounding, and nothing is stored."""
    # Each refused write runs in its own savepoint: Django marks the enclosing transaction
    # for rollback when save()/update() raises, whatever the exception.
    with pytest.raises(ValidationError, match="两位小数"), transaction.atomic():
        make_line(submission, codes, Decimal("0.125")).save()
    with pytest.raises(ValidationError, match="两位小数"), transaction.atomic():
        make_line(submission, codes, "0.125").save()
    assert not BudgetLine.objects.exists()


@pytest.mark.django_db
def test_three_decimals_refused_on_queryset_update(submission, codes):
    """QuerySet.update(amount=0.125) raises ValidationError and leaves the row unchanged."""
    line = make_line(submission, codes, Decimal("1.00"))
    line.save()
    with pytest.raises(ValidationError, match="两位小数"), transaction.atomic():
        BudgetLine.objects.filter(pk=line.pk).update(amount=Decimal("0.125"))
    line.refresh_from_db()
    assert line.amount == Decimal("1.00")


@pytest.mark.django_db
def test_three_decimals_refused_by_model_form(submission, codes):
    """A BudgetLine ModelForm with amount '0.125' is invalid with a Chinese error on amount."""
    ok = BudgetLineForm(data=form_data(submission, codes, "1234.50"))
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["amount"] == Decimal("1234.50")

    form = BudgetLineForm(data=form_data(submission, codes, "0.125"))
    assert not form.is_valid()
    assert list(form.errors) == ["amount"]
    message = " ".join(form.errors["amount"])
    assert CJK.search(message), message
    assert "2" in message


@pytest.mark.django_db
def test_negative_amount_refused_by_full_clean(submission, codes):
    """full_clean refuses a negative amount with a Chinese message on the amount field."""
    line = make_line(submission, codes, Decimal("-0.01"))
    with pytest.raises(ValidationError) as excinfo:
        line.full_clean()
    assert "金额不能为负数。" in excinfo.value.message_dict["amount"]
    make_line(submission, codes, Decimal("0.00")).full_clean()


@pytest.mark.django_db
def test_out_of_range_amount_refused(submission, codes):
    """One 分 above MAX_AMOUNT, and huge exponents, are refused with ValidationError."""
    for value in (MAX_AMOUNT + Decimal("0.01"), -MAX_AMOUNT - Decimal("0.01"), "1e30", "-1E+40"):
        with pytest.raises(ValidationError, match="超出允许范围"):
            parse_amount(value)
    with pytest.raises(ValidationError, match="超出允许范围"), transaction.atomic():
        make_line(submission, codes, MAX_AMOUNT + Decimal("0.01")).save()
    assert not BudgetLine.objects.exists()


def test_parse_amount_refuses_floats():
    """parse_amount refuses floats (and bools), even ones that look exact."""
    for value in (0.1, 1.0, 0.0, float("nan"), True):
        with pytest.raises(ValidationError):
            parse_amount(value)


def test_parse_amount_accepts_thousands_separators():
    """parse_amount('1,234.50') is exactly Decimal('1234.50'), with two places."""
    assert parse_amount("1,234.50") == Decimal("1234.50")
    assert str(parse_amount("1,234.50")) == "1234.50"
    assert str(parse_amount(" 1，234 ")) == "1234.00"
    assert str(parse_amount(7)) == "7.00"


@pytest.mark.django_db
def test_submission_prior_year_amounts_round_trip(submission):
    """Every prior-year MoneyField of a Submission round-trips both None and exact values."""
    fields = [f.name for f in Submission._meta.get_fields() if isinstance(f, MoneyField)]
    assert len(fields) == 7
    reloaded = Submission.objects.get(pk=submission.pk)
    assert all(getattr(reloaded, name) is None for name in fields)

    values = {name: Decimal(f"{i}234567.8{i}") for i, name in enumerate(fields, start=1)}
    values[fields[0]] = MAX_AMOUNT
    values[fields[1]] = Decimal("0.00")
    for name, value in values.items():
        setattr(submission, name, value)
    submission.full_clean()
    submission.save()
    reloaded = Submission.objects.get(pk=submission.pk)
    for name, value in values.items():
        amount = getattr(reloaded, name)
        assert isinstance(amount, Decimal)
        assert amount == value
        assert str(amount) == str(value)

    for name in fields:
        setattr(reloaded, name, None)
    reloaded.save()
    again = Submission.objects.get(pk=submission.pk)
    assert all(getattr(again, name) is None for name in fields)
