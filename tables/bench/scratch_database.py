"""A scratch database for the benchmark commands (`benchmark_publish`, `benchmark_public`): a
fresh PostgreSQL database beside the configured one, or a temporary SQLite file, which the
command's server and worker processes reach through their own `DATABASE_URL`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import CommandError
from django.db import connection


def scratch_database(
    given: str, *, suffix: str, sqlite_options: str, sqlite_note: str = ""
) -> tuple[str, str, Callable[[], None]]:
    """(url, label, drop): `given` as is (never dropped), else a new PostgreSQL database named
    after the configured one plus `suffix` (an old one of that name is dropped first), else a
    SQLite file in a new temporary folder opened with `sqlite_options`."""
    if given:
        return given, given, lambda: None
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}{suffix}"[:63]
        source = os.environ.get("DATABASE_URL", "")
        if not source:
            raise CommandError("PostgreSQL 需要 DATABASE_URL（或用 --database-url）。")
        url = urlunsplit(urlsplit(source)._replace(path=f"/{name}"))

        def execute(sql):
            with connection._nodb_cursor() as cursor:
                cursor.execute(sql)

        quoted = connection.ops.quote_name(name)
        execute(f"DROP DATABASE IF EXISTS {quoted}")
        execute(f"CREATE DATABASE {quoted}")
        return url, f"PostgreSQL 临时库 {name}", lambda: execute(f"DROP DATABASE {quoted}")
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{suffix.strip('_')}_")
        path = Path(folder) / "bench.sqlite3"
        return (
            f"sqlite:///{path}?{sqlite_options}",
            f"SQLite 临时文件 {path}{sqlite_note}",
            lambda: shutil.rmtree(folder, ignore_errors=True),
        )
    raise CommandError(f"不支持的数据库：{connection.vendor}")
