"""Leases of background tasks: every run of a task is a `TaskAttempt` whose heartbeat its worker
renews; an attempt whose heartbeat is older than `TASK_LEASE_SECONDS` belongs to a dead worker,
and `tasks_reclaim_expired` fails it and queues its task again (or fails the task for good after
`TASK_MAX_ATTEMPTS` lost or failed runs). The worker process that uses these is
`tables.publication.worker`; why it exists is explained there.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from tables.models import AttemptOutcome, TaskAttempt

logger = logging.getLogger(__name__)

#: the task states of django-tasks-db (TaskResultStatus values)
READY, RUNNING, FAILED = "READY", "RUNNING", "FAILED"
#: outcomes that count against TASK_MAX_ATTEMPTS (a handed-back run does not)
COUNTED_OUTCOMES = (AttemptOutcome.EXPIRED, AttemptOutcome.FAILED)
#: exceptions that mean "the worker was told to stop", not "the task failed"
INTERRUPTIONS = ("builtins.SystemExit", "builtins.KeyboardInterrupt")
LEASE_LOST = "执行该任务的工作进程已失联（超过 {seconds} 秒没有心跳，可能被强制终止或内存不足）"


class LeaseExpired(Exception):
    """Recorded as the exception of a task failed for good because its workers kept dying."""


def lease_seconds() -> int:
    return max(1, int(getattr(settings, "TASK_LEASE_SECONDS", 120)))


def max_attempts() -> int:
    return max(1, int(getattr(settings, "TASK_MAX_ATTEMPTS", 3)))


def heartbeat_interval() -> float:
    """How often a worker renews its lease and looks for expired ones."""
    return max(0.5, lease_seconds() / 4)


# --- services -------------------------------------------------------------------------------


def attempt_start(*, task_id, worker_id: str) -> TaskAttempt:
    """Record that `worker_id` (this process) starts running the task now."""
    number = TaskAttempt.objects.filter(task_id=task_id).count() + 1
    now = timezone.now()
    return TaskAttempt.objects.create(
        task_id=task_id,
        number=number,
        worker_id=worker_id,
        hostname=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=now,
        heartbeat_at=now,
    )


def attempt_heartbeat(*, attempt_id: int) -> bool:
    """Renew the lease of a running attempt; False if it is no longer running (reclaimed)."""
    return bool(
        TaskAttempt.objects.filter(pk=attempt_id, outcome=AttemptOutcome.RUNNING).update(
            heartbeat_at=timezone.now()
        )
    )


def attempt_finish(*, attempt_id: int, outcome: str, error: str = "") -> None:
    """Record how a running attempt ended (an attempt already reclaimed keeps its outcome)."""
    TaskAttempt.objects.filter(pk=attempt_id, outcome=AttemptOutcome.RUNNING).update(
        outcome=outcome, error=error[:2000], finished_at=timezone.now()
    )


def task_hand_back(*, task_id) -> None:
    """Put an interrupted task back in the queue as if it had never been claimed."""
    DBTaskResult.objects.filter(pk=task_id).update(
        status=READY, started_at=None, finished_at=None, exception_class_path="", traceback=""
    )


@dataclass(frozen=True)
class Reclaimed:
    task_id: str
    #: True: queued again; False: failed for good (attempts used up)
    requeued: bool
    attempts: int
    message: str


def _stale(task: DBTaskResult, latest: TaskAttempt | None, cutoff: datetime.datetime) -> bool:
    if latest is None:
        # claimed by a worker that keeps no lease (or that died before recording its attempt)
        return task.started_at is not None and task.started_at < cutoff
    if latest.outcome == AttemptOutcome.RUNNING:
        return latest.heartbeat_at < cutoff
    # the attempt ended but the task was never marked finished: its worker died in between
    return (latest.finished_at or latest.heartbeat_at) < cutoff


def _stale_tasks(tasks, cutoff) -> list[tuple[DBTaskResult, list[TaskAttempt]]]:
    """The running tasks of `tasks` whose lease expired before `cutoff`, with their attempts
    (oldest first)."""
    running = list(tasks.filter(status=RUNNING).only("id", "status", "started_at"))
    if not running:
        return []
    attempts: dict[str, list[TaskAttempt]] = {}
    for attempt in TaskAttempt.objects.filter(task_id__in=[t.id for t in running]):
        attempts.setdefault(str(attempt.task_id), []).append(attempt)
    stale = []
    for task in running:
        history = sorted(attempts.get(str(task.id), []), key=lambda a: a.number)
        if _stale(task, history[-1] if history else None, cutoff):
            stale.append((task, history))
    return stale


def tasks_reclaim_expired(
    *, now: datetime.datetime | None = None, on_failed: Callable[..., object] | None = None
) -> list[Reclaimed]:
    """Fail the running attempts whose lease has expired and queue their tasks again (or fail
    the tasks for good after `max_attempts()` counted runs; `on_failed(errors={task id: why})`
    is then called in the same transaction, so the work waiting on them can say why). Safe to
    run from every worker at once: the task rows are locked, and locked ones are skipped. Looks
    without locking first, so that the usual case (nothing expired) takes no lock at all."""
    now = now or timezone.now()
    seconds = lease_seconds()
    cutoff = now - datetime.timedelta(seconds=seconds)
    if not _stale_tasks(DBTaskResult.objects.all(), cutoff):
        return []
    message = LEASE_LOST.format(seconds=seconds)
    reclaimed = []
    with exclusive_transaction(DBTaskResult.objects.db):
        locked = DBTaskResult.objects.select_for_update(skip_locked=True)
        for task, history in _stale_tasks(locked, cutoff):
            if not history:
                history = [
                    TaskAttempt(
                        task_id=task.id,
                        number=1,
                        worker_id="（未知）",
                        started_at=task.started_at,
                        heartbeat_at=task.started_at,
                    )
                ]
            latest = history[-1]
            if latest.outcome == AttemptOutcome.RUNNING:
                latest.outcome, latest.error, latest.finished_at = (
                    AttemptOutcome.EXPIRED,
                    message,
                    now,
                )
                latest.save()
            counted = sum(1 for a in history if a.outcome in COUNTED_OUTCOMES)
            if counted < max_attempts():
                task_hand_back(task_id=task.id)
                reclaimed.append(Reclaimed(str(task.id), True, counted, message))
            else:
                final = f"{message}；已尝试 {counted} 次，不再自动重试。"
                DBTaskResult.objects.filter(pk=task.id).update(
                    status=FAILED,
                    finished_at=now,
                    exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
                    traceback=final,
                    return_value=None,
                )
                reclaimed.append(Reclaimed(str(task.id), False, counted, final))
        failed = {r.task_id: r.message for r in reclaimed if not r.requeued}
        if failed and on_failed is not None:
            on_failed(errors=failed)
    for item in reclaimed:
        logger.warning(
            "task %s: lease expired after attempt %d; %s",
            item.task_id,
            item.attempts,
            "queued again" if item.requeued else "failed for good",
        )
    return reclaimed


def task_attempts_of(task_ids) -> dict[str, list[TaskAttempt]]:
    """Task id (as stored in a batch item, with or without dashes) → its attempts, oldest
    first."""
    import uuid

    wanted = {}
    for task_id in task_ids:
        try:
            wanted[uuid.UUID(str(task_id))] = str(task_id)
        except ValueError:
            continue
    found: dict[str, list[TaskAttempt]] = {}
    for attempt in TaskAttempt.objects.filter(task_id__in=list(wanted)).order_by("number"):
        found.setdefault(wanted[attempt.task_id], []).append(attempt)
    return found
