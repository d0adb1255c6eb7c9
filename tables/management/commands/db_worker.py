"""db_worker — django-tasks-db's worker with leases (same name, options and output).

Runs `tables.publication.worker.LeasedWorker`: every task run is recorded as an attempt whose lease the
worker renews while it runs, and tasks whose worker died are queued again (see tables/publication/worker.py;
`DJANGO_TASK_LEASE_SECONDS`, `DJANGO_TASK_MAX_ATTEMPTS`); a worker grown past
`DJANGO_TASK_WORKER_MAX_RSS_MIB` after a task executes itself again in the same process. `tables` is listed before
`django_tasks_db` in INSTALLED_APPS, so this command is the one `manage.py db_worker` runs.
"""

import os
import sys

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from tables.publication.worker import LeasedWorker, stop_signals_unblock, worker_reexec


class Command(db_worker.Command):
    help = "运行后台任务进程（带租约：进程失联的任务会被重新排队）。"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            db_worker.logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        # Only a process that is this command may execute itself again: not one under the
        # autoreloader (development), nor a program that calls the command (call_command).
        worker.may_recycle = not reload and sys.argv[1:2] == ["db_worker"]
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            stop_signals_unblock()  # blocked when this process was a worker re-executing itself
            worker.run()
            if worker.recycle:
                worker_reexec(worker_id=worker.worker_id)
