"""benchmark_publish [--units 100] [--workers 1,2,4] [--lines 50] [--database-url URL] [--keep]

How long does batch publishing take, and how does it scale with worker processes? For each
worker count (`--workers 1,2,4`, or `--workers 1 2 4`; default 1, 2 and 4), this creates
`--units` synthetic units whose 2025 submissions are 已审核 (created in that state: publishing
does not re-run the submit checks), starts one batch for them (`publication_batch_start`: one task each, django_tasks_db
backend), then runs that many `manage.py db_worker --batch` processes until the queue is empty
and prints the wall time (worker start-up included: Django, WeasyPrint and its fonts load in
every worker). Every unit is rendered in full: HTML, PDF, XLSX, JSON and the CSV zip; at the
default 50 lines a unit is about the demo's size (53 lines).

Published versions cannot be deleted, so the benchmark never touches your data: it runs in a
scratch database that it creates, migrates and drops afterwards (`--keep` keeps it). With
PostgreSQL that is `<your database>_bench_publish` on the same server (the user needs CREATEDB);
with SQLite a temporary file opened with `transaction_mode=IMMEDIATE`, a 60 s busy timeout and
WAL. `--database-url` names an existing database to use instead (never dropped).

SQLite allows one writer at a time, and a publication holds its write transaction while it
renders (the row lock that makes concurrent publishing safe), so on SQLite a second worker only
waits: expect no speed-up there. Figures depend on the machine: this is not a test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tables.bench.scratch_database import scratch_database
from tables.management.commands.benchmark import format_table

BENCH_SUFFIX = "_bench_publish"
BENCH_USER = "bench-publisher"
BENCH_YEAR = 2025
SQLITE_OPTIONS = "timeout=60&transaction_mode=IMMEDIATE&init_command=PRAGMA+journal_mode%3DWAL"


def worker_counts(values) -> list[int]:
    """The worker counts of `--workers`: "1,2,4", ["1", "2", "4"] or [1, 2] (call_command)."""
    try:
        return [int(part) for value in values for part in str(value).split(",") if part.strip()]
    except ValueError:
        raise CommandError("--workers 必须是正整数，如 1,2,4。") from None


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]


class Command(BaseCommand):
    help = "批量发布基准：1、2、4 个后台任务进程发布 N 个合成单位所用的时间。"

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=100, help="合成单位数（默认 100）")
        parser.add_argument(
            "--workers",
            nargs="+",
            default=["1,2,4"],
            help="依次测试的进程数，如 1,2,4 或 1 2 4（默认 1,2,4）",
        )
        parser.add_argument("--lines", type=int, default=50, help="每个单位的预算明细条数")
        parser.add_argument("--database-url", default="", help="使用已有的数据库（不删除）")
        parser.add_argument("--keep", action="store_true", help="保留临时数据库")
        # internal steps, run inside the scratch database by the command itself
        parser.add_argument("--prepare", default="", help="(internal) unit code prefix")
        parser.add_argument("--report", type=int, default=0, help="(internal) batch id")

    def handle(self, *args, **options):
        if options["prepare"]:
            return self.prepare(options["prepare"], options["units"], options["lines"])
        if options["report"]:
            return self.report(options["report"])
        workers = worker_counts(options["workers"])
        if options["units"] < 1 or not workers or any(n < 1 for n in workers):
            raise CommandError("--units 与 --workers 必须为正整数。")
        url, label, drop = scratch_database(
            options["database_url"],
            suffix=BENCH_SUFFIX,
            sqlite_options=SQLITE_OPTIONS,
            sqlite_note="（IMMEDIATE 事务、WAL）",
        )
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "DJANGO_DEBUG": "0",
        }
        self.log_dir = Path(tempfile.mkdtemp(prefix="bench_publish_logs_"))
        self.keep_logs = False
        try:
            self.stdout.write(f"数据库：{label}；迁移中…")
            subprocess.run(_manage("migrate", "--noinput", "-v", "0"), env=env, check=True)
            rows = [["进程 workers", "单位 units", "用时 wall s", "单位/秒", "成功", "失败"]]
            for count in workers:
                rows.append(self.run_once(env, count, options["units"], options["lines"]))
        finally:
            if not options["keep"]:
                drop()
        self.stdout.write(
            f"批量发布基准：{options['units']} 个合成单位，每个 {options['lines']} 条预算明细，"
            "每个生成 HTML、PDF、XLSX、JSON、CSV"
        )
        for line in format_table(rows, right_from=1):
            self.stdout.write(line)
        if "sqlite" in url:
            self.stdout.write(
                "注：SQLite 同一时间只允许一个写事务，发布在持有写锁的事务内生成文件，"
                "第二个进程只能等待，因此不会更快；锁不排队，等待的进程可能超时"
                "（database is locked）退出，余下的进程照常完成。生产环境请用 PostgreSQL。"
            )
        self.stdout.write("用时包含每个进程的启动（Django、WeasyPrint 与字体加载）。")
        if self.keep_logs:
            self.stdout.write(f"任务进程日志：{self.log_dir}")
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    # --- the scratch database ------------------------------------------------------------------

    # --- one measurement -----------------------------------------------------------------------

    def run_once(self, env, workers: int, units: int, lines: int) -> list[str]:
        prefix = f"W{workers}-{int(time.time())}"
        self.stdout.write(f"准备 {units} 个已审核的合成单位（{prefix}）…")
        prepared = subprocess.run(
            _manage(
                "benchmark_publish",
                "--prepare",
                prefix,
                "--units",
                str(units),
                "--lines",
                str(lines),
            ),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        batch_id = json.loads(prepared.stdout.strip().splitlines()[-1])["batch"]
        self.stdout.write(f"{workers} 个 db_worker 进程发布中…")
        start = time.perf_counter()
        logs = [self.log_dir / f"{prefix}-worker{i}.log" for i in range(workers)]
        processes = []
        for i, log in enumerate(logs):
            with open(log, "wb") as handle:
                processes.append(
                    subprocess.Popen(
                        _manage(
                            "db_worker",
                            "--batch",
                            "--no-startup-delay",
                            "--no-reload",
                            "--interval",
                            "0.2",
                            "--worker-id",
                            f"{prefix}-{i}",
                        ),
                        env=env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                    )
                )
        codes = [process.wait() for process in processes]
        seconds = time.perf_counter() - start
        for code, log in zip(codes, logs, strict=True):
            if code:
                self.keep_logs = True
                lines = log.read_text("utf-8", errors="replace").strip().splitlines()
                self.stderr.write(
                    f"db_worker 异常退出（{code}）：{lines[-1] if lines else ''}（日志 {log}）"
                )
        reported = subprocess.run(
            _manage("benchmark_publish", "--report", str(batch_id)),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        counts = json.loads(reported.stdout.strip().splitlines()[-1])
        for error in counts["errors"]:
            self.stderr.write(f"失败：{error}")
        if counts["pending"]:
            self.stderr.write(f"仍有 {counts['pending']} 个未处理。")
        if counts["failed"] or counts["pending"]:
            self.keep_logs = True
        return [
            str(workers),
            str(units),
            f"{seconds:.1f}",
            f"{units / seconds:.2f}",
            str(counts["done"]),
            str(counts["failed"]),
        ]

    # --- internal steps (inside the scratch database) ------------------------------------------

    def prepare(self, prefix: str, units: int, lines: int) -> None:
        """Create `units` approved synthetic submissions and start one batch for them; print
        {"batch": id}."""
        from django.contrib.auth import get_user_model
        from django.db import transaction
        from django.utils import timezone

        from tables.publication.batches import publication_batch_start
        from units.models import BudgetUnit, Department, Submission, SubmissionStatus, UnitKind
        from units.reference_defaults import load_default_reference
        from units.services import submission_texts_initialise
        from units.synthetic import synthetic_budget_create

        load_default_reference(year=BENCH_YEAR)
        User = get_user_model()
        actor = User.objects.filter(username=BENCH_USER).first() or User.objects.create_superuser(
            BENCH_USER, email="", password=None
        )
        ids = []
        with transaction.atomic():
            department, _ = Department.objects.get_or_create(
                code=f"{prefix}-D", defaults={"name": "性能测试主管部门"}
            )
            for i in range(units):
                unit = BudgetUnit.objects.create(
                    code=f"{prefix}-{i:03d}",
                    name=f"性能测试合成单位{prefix}-{i:03d}",
                    kind=UnitKind.ADMINISTRATIVE,
                    department=department,
                    duties="性能测试单位职责。",
                )
                submission = Submission.objects.create(
                    unit=unit,
                    year=BENCH_YEAR,
                    status=SubmissionStatus.APPROVED,
                    approval_date=timezone.localdate(),
                )
                synthetic_budget_create(submission=submission, n_lines=lines, seed=i)
                submission_texts_initialise(submission=submission)
                ids.append(submission.pk)
        batch = publication_batch_start(year=BENCH_YEAR, actor=actor, submission_ids=ids)
        self.stdout.write(json.dumps({"batch": batch.pk}))

    def report(self, batch_id: int) -> None:
        from tables.models import ItemState
        from tables.publication.batches import publication_batch_progress

        progress = publication_batch_progress(batch_id=batch_id)
        errors = [
            f"{item.submission.unit.code}: {item.error}"
            for item in progress.items
            if item.state == ItemState.FAILED
        ][:5]
        self.stdout.write(
            json.dumps(
                {
                    "done": progress.counts.get(ItemState.DONE, 0),
                    "failed": progress.counts.get(ItemState.FAILED, 0),
                    "pending": progress.pending,
                    "errors": errors,
                },
                ensure_ascii=False,
            )
        )
