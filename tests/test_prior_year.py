"""Prior-year figures: entered ones, or derived from last year's submission when it exists."""

from decimal import Decimal

import pytest

from tables.document.disclosure import prior_year_figures
from units.models import BudgetLine, Submission

pytestmark = pytest.mark.django_db


def test_entered_prior_figures_used_without_last_years_submission(demo):
    """The demo has no 2024 submission: the entered 2024 figures are used."""
    figures = prior_year_figures(submission=demo)
    assert figures.source == "录入"
    assert figures.total == Decimal("11976800.00")
    assert figures.reception == Decimal("50000.00")
    assert figures.operating_costs == Decimal("689100.00")


def test_last_years_submission_wins_over_entered_figures(demo):
    """With a 2026 copy of the demo, the 2026 prior figures are the demo's 2025 figures."""
    following = Submission.objects.create(unit=demo.unit, year=2026, prior_total=Decimal("1.00"))
    figures = prior_year_figures(submission=following)
    lines = BudgetLine.objects.filter(submission=demo)
    current_general = lines.filter(is_carryover=False, fund_source="general")
    assert figures.source == "上年填报"
    assert figures.total == sum(lines.values_list("amount", flat=True)) == Decimal("11808898.00")
    assert figures.general_current == sum(current_general.values_list("amount", flat=True))
    assert figures.general_current == Decimal("11759498.00")
    assert (figures.outbound, figures.reception) == (Decimal("180000.00"), Decimal("20000.00"))
    assert figures.operating_costs == Decimal("609500.00")
