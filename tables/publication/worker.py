"""Background tasks that survive their worker: attempts, leases, heartbeats and reclaiming.

django-tasks-db's worker marks a task RUNNING when it claims it and FAILED or SUCCESSFUL when it
ends. A worker killed in between (SIGKILL, the out-of-memory killer, a deploy that does not
wait, a lost host) leaves the task RUNNING for ever, and a publication waiting on it would miss
its 公开时限. Here:

- every run of a task is a `TaskAttempt` (worker id, host, pid, start, end, outcome), so the
  history of a task shows each try;
- while a task runs, its worker renews the attempt's `heartbeat_at` from a background thread
  every `TASK_LEASE_SECONDS` / 4: that is the lease;
- every worker, when it starts and then at the same interval, looks for running tasks whose
  lease has expired (`tasks_reclaim_expired`): the attempt is recorded as 工作进程失联 and the
  task goes back to the queue, or, after `TASK_MAX_ATTEMPTS` lost or failed runs, is failed
  for good, and the publication items waiting on it are failed with the reason, so that the
  bureau sees it and can press 重试;
- SIGTERM (a deploy, `systemctl stop`) lets the running task finish, then the worker exits (the
  library's behaviour); a second signal interrupts the task, which is handed back to the queue
  (`AttemptOutcome.HANDED_BACK`, not counted against the attempts) instead of being failed;
- a worker whose resident memory has grown past `TASK_WORKER_MAX_RSS_MIB` when a task ends
  leaves its loop with `recycle` set, and `manage.py db_worker` then executes itself again in
  the same process (`worker_reexec`): same pid, same arguments, fresh memory. Laying out PDFs
  leaves native memory behind (Pango, HarfBuzz: about a megabyte per document) that no Python
  collection returns; over a 300-unit batch that would be hundreds of megabytes per worker.
  The re-execution costs one start-up (~1 CPU-s), once every few dozen documents. With
  `--max-tasks` the worker already stops after that many and does not recycle itself.

The tasks themselves must be idempotent, since a task whose worker died after its work was
committed runs again: `tables.publication.batches.publication_item_run` returns the version an item
already has instead of publishing twice.

`LeasedWorker` is run by `manage.py db_worker` (tables/management/commands/db_worker.py), which
replaces the library's command of that name with the same options.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import sys
import threading

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tables.models import AttemptOutcome, TaskAttempt
from tables.publication.batches import publication_items_fail_for_tasks
from tables.publication.leases import (
    FAILED,
    INTERRUPTIONS,
    attempt_finish,
    attempt_heartbeat,
    attempt_start,
    heartbeat_interval,
    task_hand_back,
    tasks_reclaim_expired,
)

logger = logging.getLogger(__name__)


def tasks_reclaim(**kwargs):
    """Reclaim expired leases; the publication items of tasks failed for good say why."""
    return tasks_reclaim_expired(on_failed=publication_items_fail_for_tasks, **kwargs)


class LeaseKeeper(threading.Thread):
    """A daemon thread of the worker: renews the lease of the attempt being run and reclaims
    expired leases, every `heartbeat_interval()` seconds. Database errors (a busy SQLite file)
    are logged and tried again at the next beat: a few missed beats are within the lease."""

    def __init__(self):
        super().__init__(name="task-lease-keeper", daemon=True)
        self.attempt_id: int | None = None
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(heartbeat_interval()):
                self.beat()
        finally:
            connection.close()

    def beat(self) -> None:
        try:
            close_old_connections()
            attempt_id = self.attempt_id
            if attempt_id is not None:
                attempt_heartbeat(attempt_id=attempt_id)
            tasks_reclaim()
        except Exception:
            logger.warning("task lease keeper: beat failed, trying again", exc_info=True)
            connection.close()


def resident_mib() -> float:
    """This process's resident memory now, in MiB (Linux /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / 2**20


def worker_needs_recycling(*, resident: float, max_tasks: int | None) -> bool:
    """Whether a worker with `resident` MiB should start afresh (module docstring)."""
    limit = int(getattr(settings, "TASK_WORKER_MAX_RSS_MIB", 0) or 0)
    return max_tasks is None and limit > 0 and resident > limit


#: the signals that stop a worker: blocked across its re-execution (`worker_reexec`)
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGQUIT}


def worker_reexec(*, worker_id: str) -> None:
    """Replace this process by a new run of the same command (same pid, interpreter options,
    arguments and environment; the same worker id; no start-up delay), after closing its
    database connections. The stop signals are blocked first: one that arrives while the new
    process starts stays pending until `stop_signals_unblock` (after the new worker has set its
    handlers), which then stops it cleanly instead of killing it or going unnoticed."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    connections.close_all()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    argv = list(sys.orig_argv)
    if "--no-startup-delay" not in argv:
        argv.append("--no-startup-delay")
    if "--worker-id" not in argv and not any(a.startswith("--worker-id=") for a in argv):
        argv += ["--worker-id", worker_id]
    os.execv(sys.executable, argv)


def stop_signals_unblock() -> None:
    """Deliver a stop signal that arrived during a re-execution (`worker_reexec`)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class LeasedWorker(Worker):
    """django-tasks-db's worker, with an attempt record and a lease for every task it runs, the
    reclaiming of expired leases, and `recycle` set when it should start afresh (see the module
    docstring)."""

    #: whether it may leave its loop to be executed again (not under the autoreloader)
    may_recycle = True
    #: set when it left its loop to be executed again
    recycle = False

    def shutdown(self, signum, frame) -> None:
        if self.recycle:
            # told to stop while leaving its loop to start afresh: stop instead
            self.recycle = False
            sys.exit(0)
        super().shutdown(signum, frame)

    def run(self) -> None:
        try:
            tasks_reclaim()
        except Exception:
            logger.warning("could not reclaim expired task leases at start", exc_info=True)
        self.keeper = LeaseKeeper()
        self.keeper.start()
        try:
            super().run()
        finally:
            self.keeper.stop()
            self.keeper.join(timeout=10)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        attempt = attempt_start(task_id=db_task_result.id, worker_id=self.worker_id)
        self.keeper.attempt_id = attempt.pk
        try:
            super().run_task(db_task_result)
        finally:
            self.keeper.attempt_id = None
            self._record_end(db_task_result, attempt)
        resident = resident_mib()
        if (
            self.may_recycle
            and self.running
            and worker_needs_recycling(resident=resident, max_tasks=self.max_tasks)
        ):
            logger.info(
                "worker %s: %.0f MiB resident after a task, starting afresh",
                self.worker_id,
                resident,
            )
            if self._run_tasks <= 1:
                logger.warning(
                    "worker %s starts afresh after a single task: TASK_WORKER_MAX_RSS_MIB "
                    "(%s) is below what one task leaves resident; raise it",
                    self.worker_id,
                    settings.TASK_WORKER_MAX_RSS_MIB,
                )
            self.recycle = True
            self.running = False

    def _record_end(self, db_task_result: DBTaskResult, attempt: TaskAttempt) -> None:
        status = db_task_result.status
        if status == FAILED and db_task_result.exception_class_path in INTERRUPTIONS:
            # told to stop mid-task: the transaction was rolled back; someone else runs it
            task_hand_back(task_id=db_task_result.id)
            attempt_finish(
                attempt_id=attempt.pk,
                outcome=AttemptOutcome.HANDED_BACK,
                error="工作进程被要求立即停止，任务已交还队列。",
            )
        elif status == FAILED:
            attempt_finish(
                attempt_id=attempt.pk,
                outcome=AttemptOutcome.FAILED,
                error=db_task_result.exception_class_path,
            )
        else:
            attempt_finish(attempt_id=attempt.pk, outcome=AttemptOutcome.SUCCEEDED)
