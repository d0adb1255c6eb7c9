"""Concurrent approvals on PostgreSQL: the row lock lets exactly one request move the
submission; the others see the new status and are refused."""

import pytest
from django.db import connection

from tests.concurrency import run_parallel
from tests.factories import budget_unit_create, submission_create, user_with
from units.models import StatusChange, SubmissionStatus
from units.permissions import REVIEWER
from units.services import submission_transition

THREADS = 8

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_parallel_approvals_make_one_transition():
    """N threads approving at once: one StatusChange, N-1 clear refusals."""
    unit = budget_unit_create()
    submission = submission_create(unit=unit, status=SubmissionStatus.SUBMITTED)
    reviewer = user_with(REVIEWER, [unit], name="reviewer")
    outcomes = run_parallel(
        lambda: submission_transition(
            submission_id=submission.pk, actor=reviewer, to_status=SubmissionStatus.APPROVED
        ),
        threads=THREADS,
    )

    assert outcomes.count("ok") == 1
    assert all("当前状态为已审核" in o for o in outcomes if o != "ok")
    assert StatusChange.objects.filter(submission=submission).count() == 1
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
