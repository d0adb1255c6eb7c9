"""Fault test with real worker processes: a 12-unit batch survives a worker stopped with SIGTERM
mid-task and another killed with SIGKILL mid-task; a new worker with a 10 s lease takes the lost
task over, each unit ends with exactly one version whose files match their SHA-256, the progress
page shows the retry, and nothing the killed worker started keeps running.

PostgreSQL only: the workers are separate processes that must see the test's committed rows
(the SQLite test database lives in this process's memory)."""

from __future__ import annotations

import hashlib
import signal

from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

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

UNITS = 12


def test_a_batch_survives_sigterm_and_sigkill_of_its_workers(tmp_path, settings):
    """SIGTERM lets the running task finish and the worker exit cleanly; SIGKILL mid-task leaves
    an attempt whose lease a new worker (10 s lease) reclaims; the batch completes with exactly
    one correct version per unit, the page shows the retry, and nothing of the killed worker
    lives on."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_LEASE_SECONDS = LEASE
    admin = user_with(ADMIN, name="fault-admin")
    submissions = [approved_submission(f"故障测试单位{i:02d}", seed=i) for i in range(UNITS)]
    batch = publication_batch_start(year=2025, actor=admin)
    workers = []
    try:
        # 1. SIGTERM mid-task: the task finishes, the worker exits 0, the rest stay queued.
        first = start_worker("worker-term", tmp_path)
        workers.append(first)
        attempt = wait_for(
            lambda: running_attempt("worker-term"), timeout=120, what="a task on worker-term"
        )
        first.send_signal(signal.SIGTERM)
        assert first.wait(120) == 0
        attempt.refresh_from_db()
        assert attempt.outcome == AttemptOutcome.SUCCEEDED
        assert DBTaskResult.objects.get(pk=attempt.task_id).status == "SUCCESSFUL"
        assert DBTaskResult.objects.filter(status="READY").exists()

        # 2. SIGKILL mid-task. A batch worker renders in its own process (no forked renderers),
        # so whatever child it has at that moment (none, or a passing helper) must not outlive it.
        second = start_worker("worker-kill", tmp_path)
        workers.append(second)
        killed_attempt = wait_for(
            lambda: running_attempt("worker-kill"), timeout=180, what="a task on worker-kill"
        )
        children = child_processes(second.pid)
        second.send_signal(signal.SIGKILL)
        assert second.wait(30) == -signal.SIGKILL
        wait_for(
            lambda: not any(process_alive(pid) for pid in children),
            timeout=15,
            what=f"the killed worker's children {sorted(children)} to die",
        )
        assert DBTaskResult.objects.get(pk=killed_attempt.task_id).status == "RUNNING"

        # 3. A new worker takes the lost task over once its lease has expired.
        third = start_worker("worker-new", tmp_path)
        workers.append(third)
        wait_for(
            lambda: publication_batch_progress(batch_id=batch.pk).finished,
            timeout=300,
            what="the batch to finish",
        )
        third.send_signal(signal.SIGTERM)
        assert third.wait(60) == 0
    finally:
        for process in workers:
            stop(process)

    progress = publication_batch_progress(batch_id=batch.pk)
    assert progress.counts == {ItemState.DONE: UNITS}, [i.error for i in progress.items]
    for submission in submissions:
        assert PublishedVersion.objects.filter(submission=submission).count() == 1
    files = PublishedFile.objects.filter(version__submission__in=submissions)
    assert files.count() == UNITS * 7
    for file in files:
        assert hashlib.sha256(bytes(file.content)).hexdigest() == file.sha256
    killed_runs = list(TaskAttempt.objects.filter(task_id=killed_attempt.task_id))
    assert [(a.worker_id, a.outcome) for a in killed_runs] == [
        ("worker-kill", AttemptOutcome.EXPIRED),
        ("worker-new", AttemptOutcome.SUCCEEDED),
    ]
    assert progress.retried == 1 and progress.stuck == 0

    client = Client()
    client.force_login(admin)
    page = client.get(
        reverse("admin:tables_publicationbatch_progress", args=[batch.pk])
    ).content.decode()
    assert f"已发布 {UNITS} 个，失败 0 个，等待 0 个，其中 1 个经过重试" in page
    assert "第1次：工作进程失联" in page and "第2次：成功" in page
    assert not any(process_alive(pid) for pid in children)
