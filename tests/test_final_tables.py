"""The 决算 tables F01–F09: loading a 决算 submission, and every table derived from the seed's
budget taken as 年初预算 with deterministic 决算数 (identities to the cent, 完成率, empty tables)."""

from decimal import Decimal

import pytest

from tables.figures.final.load import final_data_load
from tests.factories import submission_create, synthetic_budget
from units.models import BudgetLine, FinalFacts, FinalReason, SubmissionKind

D = Decimal


def _final_submission(n_lines: int):
    """A 决算 submission of `n_lines` synthetic lines: every third line without a 年初预算, every
    second with a 调整预算 of 年初预算 + 1 元; with facts and one reason."""
    submission = submission_create(kind=SubmissionKind.FINAL)
    synthetic_budget(submission, n_lines)
    for i, line in enumerate(BudgetLine.objects.filter(submission=submission).order_by("id")):
        line.planned_amount = None if i % 3 == 2 else line.amount + D(i)
        line.adjusted_amount = line.planned_amount + 1 if i % 2 and line.planned_amount else None
        line.save(update_fields=["planned_amount", "adjusted_amount"])
    FinalFacts.objects.create(submission=submission, income_general=D("12.34"), outbound_groups=2)
    FinalReason.objects.create(submission=submission, key="total", reason="人员增加")
    return submission


@pytest.mark.django_db
@pytest.mark.parametrize("n_lines", [12, 60])
def test_final_data_load_reads_three_views_in_bounded_queries(
    n_lines, django_assert_max_num_queries
):
    """决算数, 年初预算 (0 when none) and 调整预算 (年初预算 when none) come from the same lines in
    the same order, with facts and reasons, in at most 10 queries at any size."""
    submission = _final_submission(n_lines)
    lines = list(BudgetLine.objects.filter(submission=submission).order_by("id"))
    submission = type(submission).objects.get(pk=submission.pk)
    with django_assert_max_num_queries(10):
        data = final_data_load(submission=submission)
    assert [line.amount for line in data.actual.lines] == [line.amount for line in lines]
    assert [line.amount for line in data.planned.lines] == [
        line.planned_amount or D("0.00") for line in lines
    ]
    assert [line.amount for line in data.adjusted.lines] == [
        (line.planned_amount or D("0.00")) if line.adjusted_amount is None else line.adjusted_amount
        for line in lines
    ]
    assert [line.func_code for line in data.planned.lines] == [
        line.func_code for line in data.actual.lines
    ]
    assert data.facts.income_general == D("12.34")
    assert data.facts.outbound_groups == 2
    assert data.reasons == {"total": "人员增加"}
    assert data.year == submission.year
    assert data.published_budget is None and data.prior_closing is None


@pytest.mark.django_db
def test_final_data_load_defaults_facts_when_none_entered():
    """A 决算 without entered facts loads zero facts rather than failing."""
    submission = submission_create(kind=SubmissionKind.FINAL)
    synthetic_budget(submission, 3)
    data = final_data_load(submission=submission, prior_closing={"general": D("1.00")})
    assert data.facts.closing_general == D("0.00")
    assert data.reasons == {}
    assert data.prior_closing == {"general": D("1.00")}
