"""The demo's 2025 决算: opened from the published demo budget, synthetic actuals that balance
per fund, a reason for every ≥10% difference, and a 绩效自评 whose weights add up to 100."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from performance.demo import demo_load, demo_target_faults_fix
from performance.models import IndicatorResult, TargetEvaluation
from tables.desk.demo_final import (
    PROJECT_OVER_FACTOR,
    demo_final_load,
    final_differences_demo,
    needs_reason,
)
from tables.publication.services import submission_publish
from tests.factories import user_with
from units.final_balance import fund_balances, line_expense_by_fund
from units.models import FinalFacts, FinalReason, Submission, SubmissionStatus
from units.permissions import ADMIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def published_demo():
    budget = demo_load()
    demo_target_faults_fix(submission=budget)
    Submission.objects.filter(pk=budget.pk).update(status=SubmissionStatus.APPROVED)
    return submission_publish(submission_id=budget.pk, actor=user_with(ADMIN))


def test_demo_final_loads_balances_and_explains_its_differences(published_demo):
    final = demo_final_load()
    assert final.is_final and final.status == SubmissionStatus.DRAFT
    facts = FinalFacts.objects.get(submission=final)
    assert facts.is_synthetic
    spent = line_expense_by_fund(final.lines.values_list("fund_source", "amount"))
    assert all(balance.balances for balance in fund_balances(facts, spent))
    # the 结余 the demo leaves, and what was carried into the year but not spent
    carried = [line for line in final.lines.all() if line.is_carryover]
    unspent = sum((line.planned_amount - line.amount for line in carried), Decimal(0))
    assert facts.opening_general == sum((line.planned_amount for line in carried), Decimal(0))
    assert facts.closing_general == Decimal("50000.00") + unspent
    assert facts.procurement_sme <= facts.procurement_goods + facts.procurement_services

    lines = list(final.lines.all())
    assert any(line.amount != line.planned_amount for line in lines)
    over = [
        line for line in lines if line.project_id and line.adjusted_amount != line.planned_amount
    ]
    assert len(over) == 1 and over[0].adjusted_amount == over[0].amount
    assert over[0].amount >= over[0].planned_amount * PROJECT_OVER_FACTOR

    differences = final_differences_demo(final)
    needed = {
        key for key, (planned, actual) in differences.items() if needs_reason(planned, actual)
    }
    reasons = set(FinalReason.objects.filter(submission=final).values_list("key", flat=True))
    assert f"func:{over[0].func_code.code}" in needed  # the project's 项 needs its reason
    assert needed and reasons == needed
    assert any(key.startswith("sangong:") for key in needed)  # a 三公 item under budget
    assert any(
        actual < planned
        for key, (planned, actual) in differences.items()
        if key.startswith("sangong:")
    )

    evaluations = list(
        TargetEvaluation.objects.filter(unit_target__submission=final)
        | TargetEvaluation.objects.filter(project_target__project__submission=final)
    )
    assert evaluations
    for evaluation in evaluations:
        owner = (
            {"indicator__unit_target_id": evaluation.unit_target_id}
            if evaluation.unit_target_id
            else {"indicator__project_target_id": evaluation.project_target_id}
        )
        weights = list(IndicatorResult.objects.filter(**owner).values_list("weight", flat=True))
        if weights:
            assert evaluation.execution_weight + sum(weights) == 100
    missed = IndicatorResult.objects.exclude(deviation_reason="")
    assert missed.count() == 1 and missed.get().improvement


def test_demo_final_is_reloaded_by_the_command(published_demo):
    first = demo_final_load()
    out = StringIO()
    call_command("load_demo_final", stdout=out)
    assert "已载入演示决算" in out.getvalue()
    again = Submission.objects.get(unit=first.unit, year=2025, kind="final")
    assert again.pk != first.pk  # a draft is opened afresh
    assert Submission.objects.filter(unit=first.unit, year=2025, kind="final").count() == 1
