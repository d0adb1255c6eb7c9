"""A worker that has grown past TASK_WORKER_MAX_RSS_MIB after a task starts afresh in the same
process (tables.publication.worker): with a real `db_worker` process on PostgreSQL it executes
itself again after each task (limit 1 MiB), keeps its pid, and finishes the batch; in this
process, the leased worker leaves its loop with `recycle` set after the first task and leaves
the rest queued, and a `call_command` never executes itself."""

from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tables.models import AttemptOutcome, ItemState, PublishedVersion, TaskAttempt
from tables.publication.batches import publication_batch_progress, publication_batch_start
from tables.publication.worker import LeasedWorker, worker_needs_recycling
from tests.factories import approved_submission, user_with
from tests.worker_processes import LEASE, process_alive, start_worker, stop, wait_for
from units.permissions import ADMIN

UNITS = 3


def test_the_limit_decides_and_max_tasks_or_zero_turn_it_off(settings):
    settings.TASK_WORKER_MAX_RSS_MIB = 250
    assert worker_needs_recycling(resident=251.0, max_tasks=None)
    assert not worker_needs_recycling(resident=249.0, max_tasks=None)
    assert not worker_needs_recycling(resident=900.0, max_tasks=5)
    settings.TASK_WORKER_MAX_RSS_MIB = 0
    assert not worker_needs_recycling(resident=900.0, max_tasks=None)


def _db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_LEASE_SECONDS = LEASE
    settings.TASK_WORKER_MAX_RSS_MIB = 1


@pytest.mark.django_db(transaction=True)
def test_over_the_limit_the_worker_leaves_its_loop_after_the_task(settings):
    _db_tasks(settings)
    admin = user_with(ADMIN, name="recycle-admin")
    for i in range(2):
        approved_submission(f"回收测试单位{i}", seed=i)
    publication_batch_start(year=2025, actor=admin)
    worker = LeasedWorker(
        queue_names=["default"], interval=0.1, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="recycler",
        excluded_queue_names=[],
    )  # fmt: skip
    worker.run()
    assert worker.recycle and not worker.running
    assert TaskAttempt.objects.filter(outcome=AttemptOutcome.SUCCEEDED).count() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    # the command, called from another program, runs the batch out instead of executing itself
    call_command(
        "db_worker", batch=True, startup_delay=False, reload=False, interval=0.1,
        worker_id="called", stdout=io.StringIO(),
    )  # fmt: skip
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert PublishedVersion.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker processes need a shared database server (DATABASE_URL=postgres://…)",
)
def test_a_real_worker_executes_itself_again_and_finishes_the_batch(tmp_path, settings):
    _db_tasks(settings)
    admin = user_with(ADMIN, name="recycle-admin-pg")
    submissions = [approved_submission(f"回收单位{i:02d}", seed=i) for i in range(UNITS)]
    batch = publication_batch_start(year=2025, actor=admin)
    worker = start_worker("worker-recycle", tmp_path, DJANGO_TASK_WORKER_MAX_RSS_MIB="1")
    try:
        wait_for(
            lambda: publication_batch_progress(batch_id=batch.pk).finished,
            timeout=300,
            what="the batch to finish",
        )
        log_file = tmp_path / "worker-recycle.log"
        # After its last task it executes itself again: stopped in the middle of that (its stop
        # signals are blocked until its handlers are set), it still stops cleanly.
        wait_for(
            lambda: log_file.read_text(errors="replace").count("starting afresh") == UNITS,
            timeout=60,
            what="the worker to start afresh after its last task",
        )
        assert process_alive(worker.pid) and worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    finally:
        stop(worker)

    progress = publication_batch_progress(batch_id=batch.pk)
    assert progress.counts == {ItemState.DONE: UNITS}, [i.error for i in progress.items]
    for submission in submissions:
        assert PublishedVersion.objects.filter(submission=submission).count() == 1
    attempts = list(TaskAttempt.objects.filter(worker_id="worker-recycle"))
    assert len(attempts) == UNITS
    assert {a.outcome for a in attempts} == {AttemptOutcome.SUCCEEDED}
    assert {a.pid for a in attempts} == {worker.pid}
    log = log_file.read_text(errors="replace")
    assert log.count("starting afresh") == UNITS
    # started once and again after each task but perhaps the last (when the stop came first)
    assert log.count("Starting worker") in (UNITS, UNITS + 1)
    assert "after a single task" in log  # a 1 MiB limit is below what one task leaves
