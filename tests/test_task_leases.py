"""Tasks that survive their worker (tables.publication.worker): attempts, leases, reclaiming of tasks whose
worker died, idempotent publication items, the 重试 button and the progress page's account of
retries and stuck items. The real processes (SIGKILL, SIGTERM) are in test_worker_faults.py."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tables.models import (
    AttemptOutcome,
    ItemState,
    PublicationBatchItem,
    PublishedVersion,
    TaskAttempt,
)
from tables.publication.batches import (
    publication_batch_progress,
    publication_batch_start,
    publication_item_retry,
    publication_item_run,
)
from tables.publication.leases import attempt_start
from tables.publication.worker import tasks_reclaim
from tests.factories import approved_submission, user_with
from units.models import SubmissionStatus
from units.permissions import ADMIN, REVIEWER
from units.services import TransitionRefused

LEASE = 10


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_LEASE_SECONDS = LEASE
    settings.TASK_MAX_ATTEMPTS = 2


@pytest.fixture
def admin_user(db):
    return user_with(ADMIN, name="bureau-admin")


def _claimed(item, *, seconds_ago: float, worker="dead-worker"):
    """Mark an item's task as claimed by `worker`, whose last heartbeat was `seconds_ago`."""
    then = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    DBTaskResult.objects.filter(pk=item.task_id).update(
        status="RUNNING", started_at=then, worker_ids=[worker]
    )
    attempt = attempt_start(task_id=item.task_id, worker_id=worker)
    TaskAttempt.objects.filter(pk=attempt.pk).update(started_at=then, heartbeat_at=then)
    return attempt


def _batch_of_one(admin_user, name="甲单位"):
    submission = approved_submission(name)
    batch = publication_batch_start(year=2025, actor=admin_user)
    return submission, batch, batch.items.get()


@pytest.mark.django_db
def test_an_expired_lease_is_reclaimed_and_the_task_queued_again(db_tasks, admin_user):
    """A running task whose worker stopped renewing its lease is queued again, its attempt
    recorded as 工作进程失联; a task with a fresh heartbeat is left alone."""
    _, _, stale = _batch_of_one(admin_user, "甲单位")
    _, _, fresh = _batch_of_one(admin_user, "乙单位")
    lost = _claimed(stale, seconds_ago=LEASE + 5)
    alive = _claimed(fresh, seconds_ago=1, worker="live-worker")

    reclaimed = tasks_reclaim()

    assert [(r.requeued, r.attempts) for r in reclaimed] == [(True, 1)]
    assert DBTaskResult.objects.get(pk=stale.task_id).status == "READY"
    assert DBTaskResult.objects.get(pk=fresh.task_id).status == "RUNNING"
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.outcome == AttemptOutcome.EXPIRED and "失联" in lost.error
    assert alive.outcome == AttemptOutcome.RUNNING
    stale.refresh_from_db()
    assert stale.state == ItemState.PENDING  # waits for its next run
    assert tasks_reclaim() == []  # nothing more to do


@pytest.mark.django_db
def test_a_task_claimed_without_any_attempt_is_reclaimed_too(db_tasks, admin_user):
    """A task claimed by a worker that kept no lease (or died before recording its attempt)
    is reclaimed once its start is older than the lease, with a recorded attempt."""
    _, _, item = _batch_of_one(admin_user)
    long_ago = timezone.now() - datetime.timedelta(seconds=LEASE * 3)
    DBTaskResult.objects.filter(pk=item.task_id).update(status="RUNNING", started_at=long_ago)

    assert [r.requeued for r in tasks_reclaim()] == [True]
    attempt = TaskAttempt.objects.get(task_id=item.task_id)
    assert (attempt.number, attempt.outcome) == (1, AttemptOutcome.EXPIRED)


@pytest.mark.django_db
def test_after_the_last_attempt_the_task_and_its_item_fail_and_a_new_batch_is_allowed(
    db_tasks, admin_user
):
    """When every allowed run lost its worker, the task is failed for good, the batch item says
    why (no more 等待 for ever), and the unit can be put in a new batch at once."""
    submission, batch, item = _batch_of_one(admin_user)
    _claimed(item, seconds_ago=LEASE + 5, worker="first")
    tasks_reclaim()
    _claimed(item, seconds_ago=LEASE + 5, worker="second")

    reclaimed = tasks_reclaim()

    assert [(r.requeued, r.attempts) for r in reclaimed] == [(False, 2)]
    task = DBTaskResult.objects.get(pk=item.task_id)
    assert (
        task.status == "FAILED"
        and task.exception_class_path == "tables.publication.leases.LeaseExpired"
    )
    item.refresh_from_db()
    assert item.state == ItemState.FAILED
    assert "失联" in item.error and "已尝试 2 次" in item.error
    progress = publication_batch_progress(batch_id=batch.pk)
    assert progress.finished and progress.retried == 1
    assert [a.outcome for a in progress.details[0].attempts] == ["expired", "expired"]
    again = publication_batch_start(year=2025, actor=admin_user)
    assert again.items.get().submission_id == submission.pk


@pytest.mark.django_db
def test_a_second_run_of_a_published_item_publishes_nothing(admin_user):
    """A task run again after its worker died with the publication committed returns the
    version it made: still one version, one set of files."""
    submission, _, item = _batch_of_one(admin_user)  # immediate backend: already published
    item.refresh_from_db()
    assert item.state == ItemState.DONE

    result = publication_item_run(
        submission_id=submission.pk, actor_id=admin_user.pk, item_id=item.pk
    )

    assert result == {"ok": True, "version": 1, "version_id": item.version_id}
    assert PublishedVersion.objects.filter(submission=submission).count() == 1


@pytest.mark.django_db(transaction=True)  # db_worker closes the connection between tasks
def test_publishing_by_command_settles_a_stuck_batch_item(db_tasks):
    """`publish` run by hand while a batch item waits on a dead worker: the item is done with
    that version, and the task, when reclaimed and run, publishes nothing more."""
    admin_user = user_with(ADMIN, name="bureau-admin-cmd")
    submission, _, item = _batch_of_one(admin_user)
    _claimed(item, seconds_ago=LEASE + 5)

    call_command(
        "publish", unit=submission.unit.code, year=2025, user=admin_user.username,
        stdout=io.StringIO(),
    )  # fmt: skip

    item.refresh_from_db()
    assert item.state == ItemState.DONE and item.version.version == 1
    tasks_reclaim()
    call_command(
        "db_worker", batch=True, startup_delay=False, reload=False, interval=0.1,
        stdout=io.StringIO(),
    )  # fmt: skip
    assert DBTaskResult.objects.get(pk=item.task_id).status == "SUCCESSFUL"
    assert PublishedVersion.objects.filter(submission=submission).count() == 1


@pytest.mark.django_db(transaction=True)
def test_db_worker_records_each_run_as_an_attempt(db_tasks):
    """`manage.py db_worker` (the leased worker) records a succeeded attempt with its process
    for each task it runs, and reclaims expired leases when it starts."""
    admin_user = user_with(ADMIN, name="bureau-admin-tx")
    submission, batch, item = _batch_of_one(admin_user)
    other, _, stale = _batch_of_one(admin_user, "乙单位")
    _claimed(stale, seconds_ago=LEASE + 5)

    call_command(
        "db_worker", batch=True, startup_delay=False, reload=False, interval=0.1,
        worker_id="worker-under-test", stdout=io.StringIO(),
    )  # fmt: skip

    attempts = list(TaskAttempt.objects.filter(task_id=item.task_id))
    assert [(a.outcome, a.worker_id) for a in attempts] == [("succeeded", "worker-under-test")]
    assert attempts[0].pid and attempts[0].finished_at
    retried = list(TaskAttempt.objects.filter(task_id=stale.task_id).order_by("number"))
    assert [a.outcome for a in retried] == ["expired", "succeeded"]
    for sub in (submission, other):
        assert PublishedVersion.objects.filter(submission=sub).count() == 1
    assert publication_batch_progress(batch_id=batch.pk).finished


@pytest.mark.django_db
def test_retry_enqueues_a_new_task_and_keeps_the_old_one(db_tasks, admin_user):
    """重试 of a failed item: pending again with a new task, the old task in its history;
    refused for a 审核人, for an item that did not fail, and twice in a row."""
    _, _, item = _batch_of_one(admin_user)
    old_task = item.task_id
    PublicationBatchItem.objects.filter(pk=item.pk).update(state=ItemState.FAILED, error="x")
    reviewer = user_with(REVIEWER, name="reviewer-retry")

    with pytest.raises(TransitionRefused):
        publication_item_retry(item_id=item.pk, actor=reviewer)
    retried = publication_item_retry(item_id=item.pk, actor=admin_user)

    assert retried.state == ItemState.PENDING and retried.error == ""
    assert retried.previous_task_ids == [old_task]
    assert retried.task_id and retried.task_id != old_task
    assert DBTaskResult.objects.get(pk=retried.task_id).status == "READY"
    with pytest.raises(TransitionRefused, match="只有失败的可以重试"):
        publication_item_retry(item_id=item.pk, actor=admin_user)


@pytest.mark.django_db
def test_retry_is_refused_once_the_submission_is_no_longer_approved(db_tasks, admin_user):
    """A failed item whose submission was meanwhile returned cannot be retried."""
    submission, _, item = _batch_of_one(admin_user)
    PublicationBatchItem.objects.filter(pk=item.pk).update(state=ItemState.FAILED)
    type(submission).objects.filter(pk=submission.pk).update(status=SubmissionStatus.RETURNED)

    with pytest.raises(TransitionRefused, match="只有已审核的填报可以发布"):
        publication_item_retry(item_id=item.pk, actor=admin_user)


@pytest.mark.django_db
def test_progress_page_shows_stuck_and_retried_items_and_the_retry_button(db_tasks, admin_user):
    """The progress page names a stuck item (worker lost, not yet taken over), lists each
    attempt, offers 重试 (a CSRF-protected POST) for a failed item, and the button works."""
    _, batch, stuck = _batch_of_one(admin_user, "甲单位")
    other = approved_submission("乙单位", seed=1)
    _claimed(stuck, seconds_ago=LEASE + 5)
    failed = PublicationBatchItem.objects.create(
        batch=batch, submission=other, state=ItemState.FAILED, error="排版失败"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    url = reverse("admin:tables_publicationbatch_progress", args=[batch.pk])

    page = client.get(url).content.decode()

    assert 'id="publication-stuck"' in page and "工作进程已失联" in page
    assert "第1次：运行中" in page
    retry = reverse("admin:tables_publicationbatch_retry", args=[batch.pk, failed.pk])
    assert f'action="{retry}"' in page
    assert client.post(retry).status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    response = client.post(retry, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == ItemState.PENDING and failed.task_id
    page = client.get(url).content.decode()
    assert "已重新提交" in page


@pytest.mark.django_db
def test_only_an_administrator_reaches_the_retry_url(db_tasks, admin_user):
    """A 审核人 posting to the retry address is refused and nothing is enqueued."""
    _, batch, item = _batch_of_one(admin_user)
    PublicationBatchItem.objects.filter(pk=item.pk).update(state=ItemState.FAILED)
    client = Client()
    client.force_login(user_with(REVIEWER, name="reviewer-url"))

    response = client.post(reverse("admin:tables_publicationbatch_retry", args=[batch.pk, item.pk]))

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == ItemState.FAILED


@pytest.mark.django_db(transaction=True)  # db_worker closes the connection between tasks
def test_a_publication_by_the_worker_is_recorded_as_a_background_task(db_tasks):
    """The audit trail of a publication run by `db_worker` says 后台任务 (not 命令行), with the
    administrator who started the batch as the user."""
    from units.history import BACKGROUND_TASK
    from units.models import Submission

    admin_user = user_with(ADMIN, name="bureau-admin-audit")
    submission, _, _ = _batch_of_one(admin_user)

    call_command(
        "db_worker", batch=True, startup_delay=False, reload=False, interval=0.1,
        stdout=io.StringIO(),
    )  # fmt: skip

    record = Submission.history.filter(id=submission.pk).latest("history_date")
    assert record.status == SubmissionStatus.PUBLISHED
    assert record.history_change_reason == BACKGROUND_TASK
    assert record.history_user_id == admin_user.pk
