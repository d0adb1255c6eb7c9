"""Real `manage.py db_worker` processes for the fault tests (tests/test_worker_faults.py,
tests/test_worker_scale_out.py): start one against the test database, wait for a condition,
list its child processes, stop it. PostgreSQL only: the workers are separate processes
that must see the test's committed rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tables.models import AttemptOutcome, TaskAttempt

#: the lease of the workers started here (seconds): a killed worker's task is taken over soon
LEASE = 10


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(name: str, tmp_path: Path, **extra_env: str) -> subprocess.Popen:
    """A `db_worker` named `name` (its --worker-id) on the test database, lease `LEASE`,
    polling every 0.2 s, logging to `tmp_path/<name>.log`; `extra_env` added to its
    environment."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_TASK_LEASE_SECONDS": str(LEASE),
        "DJANGO_DEBUG": "0",
        "PUBLISHED_FILE_CACHE_DIR": str(tmp_path / "cache"),
        "DISCLOSURE_PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
        **extra_env,
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(django_settings.BASE_DIR) / "manage.py"),
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.2",
            "--worker-id",
            name,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def child_processes(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def running_attempt(worker: str):
    return TaskAttempt.objects.filter(worker_id=worker, outcome=AttemptOutcome.RUNNING).first()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(30)


#: The marks of a test that runs worker processes: they need one database server the test
#: and the workers share, so the test runs on PostgreSQL only.
POSTGRES_WORKERS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes need a shared database server (DATABASE_URL=postgres://…)",
    ),
]
