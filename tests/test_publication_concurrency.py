"""Concurrent publishing on PostgreSQL: the row lock lets exactly one request publish a
submission; the others wait, find 已发布 and are refused before rendering anything."""

import pytest
from django.db import connection

from tables.models import PublicationBatchItem, PublishedFile, PublishedVersion
from tables.publication.artifacts import ARTIFACTS
from tables.publication.batches import publication_batch_start
from tables.publication.services import submission_publish
from tests.concurrency import run_parallel
from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from units.models import StatusChange, SubmissionStatus
from units.permissions import ADMIN

THREADS = 6

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def approved():
    submission = submission_create(unit=budget_unit_create(), status=SubmissionStatus.APPROVED)
    synthetic_budget(submission, 12)
    admin = user_with(ADMIN, name="publisher")
    return submission, admin


def test_parallel_publish_requests_make_one_version(approved):
    """N threads publishing the same submission: one transition, one version with its files (one of each kind),
    N-1 refusals saying it is already published."""
    submission, admin = approved

    outcomes = run_parallel(
        lambda: submission_publish(submission_id=submission.pk, actor=admin), threads=THREADS
    )

    assert outcomes.count("ok") == 1
    assert all("当前状态为已发布" in o for o in outcomes if o != "ok")
    assert StatusChange.objects.filter(submission=submission).count() == 1
    assert PublishedVersion.objects.filter(submission=submission).count() == 1
    assert PublishedFile.objects.filter(version__submission=submission).count() == len(ARTIFACTS)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PUBLISHED


def test_parallel_batch_starts_publish_once(approved, settings):
    """N administrators starting the year's batch at once: the submission is queued in one
    batch only (the others find nothing left to publish), and published once."""
    submission, admin = approved
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    outcomes = run_parallel(
        lambda: publication_batch_start(year=submission.year, actor=admin), threads=THREADS
    )

    assert outcomes.count("ok") == 1
    assert all("没有待发布" in o for o in outcomes if o != "ok")
    assert PublicationBatchItem.objects.filter(submission=submission).count() == 1
