"""Scale-out with real worker processes: two `db_worker` processes share a 20-unit batch; one is
killed with SIGKILL in the middle of a publication; the other takes the lost task over once its
lease has expired, and the batch completes with exactly one version per unit whose every stored
file has the SHA-256 of its content. Nothing is published twice, no file is half-written.

PostgreSQL only, like tests/test_worker_faults.py (whose process helpers it shares): the workers
are separate processes that must see the test's committed rows."""

from __future__ import annotations

import hashlib
import signal

from django.db.models import Count

from tables.models import AttemptOutcome, ItemState, PublishedFile, PublishedVersion, TaskAttempt
from tables.publication.batches import publication_batch_progress, publication_batch_start
from tests.factories import approved_submission, user_with
from tests.worker_processes import (
    LEASE,
    POSTGRES_WORKERS,
    child_processes,
    process_alive,
    running_attempt,
    start_worker,
    stop,
    wait_for,
)
from units.permissions import ADMIN

pytestmark = POSTGRES_WORKERS

UNITS = 20
WORKERS = ("worker-a", "worker-b")


def test_two_workers_finish_a_batch_when_one_is_killed_mid_task(tmp_path, settings):
    """Two workers publish 20 units; one is SIGKILLed mid-task; the survivor reclaims its
    task after the 10 s lease and finishes the batch: every unit has exactly one version, every
    stored file matches its SHA-256, both workers took part, and the killed run is recorded as
    lost and then done by the survivor."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_LEASE_SECONDS = LEASE
    admin = user_with(ADMIN, name="scale-admin")
    submissions = [approved_submission(f"扩展测试单位{i:02d}", seed=i) for i in range(UNITS)]
    batch = publication_batch_start(year=2025, actor=admin)
    processes = {name: start_worker(name, tmp_path) for name in WORKERS}
    try:
        # Both at work, then one killed in the middle of a task. Waiting for a second task to
        # have started proves both processes share the queue.
        wait_for(
            lambda: all(TaskAttempt.objects.filter(worker_id=name).exists() for name in WORKERS),
            timeout=240,
            what="both workers to start a task",
        )

        def working():
            for name in WORKERS:
                attempt = running_attempt(name)
                if attempt:
                    return name, attempt, child_processes(processes[name].pid)
            return None

        victim, killed_attempt, children = wait_for(
            working, timeout=240, what="a worker in the middle of a task"
        )
        processes[victim].send_signal(signal.SIGKILL)
        assert processes[victim].wait(30) == -signal.SIGKILL
        survivor = next(name for name in WORKERS if name != victim)

        wait_for(
            lambda: publication_batch_progress(batch_id=batch.pk).finished,
            timeout=600,
            what="the batch to finish with one worker left",
        )
        processes[survivor].send_signal(signal.SIGTERM)
        assert processes[survivor].wait(60) == 0
    finally:
        for process in processes.values():
            stop(process)

    progress = publication_batch_progress(batch_id=batch.pk)
    assert progress.counts == {ItemState.DONE: UNITS}, [i.error for i in progress.items]
    per_unit = dict(
        PublishedVersion.objects.filter(submission__in=submissions)
        .values_list("submission")
        .annotate(n=Count("id"))
    )
    assert per_unit == {s.pk: 1 for s in submissions}
    files = PublishedFile.objects.filter(version__submission__in=submissions)
    assert files.count() == UNITS * 7
    for file in files:
        content = bytes(file.content)
        assert len(content) == file.size
        assert hashlib.sha256(content).hexdigest() == file.sha256, file.file_name

    killed_runs = list(TaskAttempt.objects.filter(task_id=killed_attempt.task_id))
    assert [(a.worker_id, a.outcome) for a in killed_runs] == [
        (victim, AttemptOutcome.EXPIRED),
        (survivor, AttemptOutcome.SUCCEEDED),
    ]
    done_by = dict(
        TaskAttempt.objects.filter(outcome=AttemptOutcome.SUCCEEDED)
        .values_list("worker_id")
        .annotate(n=Count("id"))
    )
    assert sum(done_by.values()) == UNITS and done_by[survivor] >= 1
    assert progress.retried == 1 and progress.stuck == 0
    assert not any(process_alive(pid) for pid in children)
