"""benchmark_publish [--units 100] [--workers 1,2,4] [--lines 50] [--like-demo] [--database-url URL]
[--keep]

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

`--like-demo` publishes copies of the demo instead of synthetic units: `--units` (default 300)
units D0001, D0002, … named 演示单位0001, … (the copies of the second worker count end in R2,
and so on), each holding everything `demo_load` creates for unit 003 — its 53 budget lines, the
projects and their allocations, the unit's and the 18 projects' 绩效目标 with indicators and key
tasks, texts, 名词解释, 政府采购 and assets — and 已审核. The demo is loaded once and its rows are
cloned with bulk inserts (`tables.bench.demo_copies`). Each worker count then prints one line

    workers=2 units=300 wall_s=512.3 cpu_s_per_doc=2.71 docs_per_min=35.1 peak_mib=240

(each worker count starts with an empty PDF cache directory of its own, shared by its workers;
wall time from starting the workers to the last one leaving an empty queue, start-up included;
CPU seconds user+sys of the worker processes and the processes they wait for, per published
document; documents published per minute; the largest worker's peak resident memory, from
`os.wait4`), followed by each count's speed-up against 1 worker. A publish task renders its
PDF in its own process without forking (`tables.document.render.pdf_parts.pdf_single_process`),
so N workers use N cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tables.bench.scratch_database import scratch_database
from tables.management.commands.benchmark import format_table
from units import demo

BENCH_SUFFIX = "_bench_publish"
BENCH_USER = "bench-publisher"
BENCH_YEAR = 2025
SQLITE_OPTIONS = "timeout=60&transaction_mode=IMMEDIATE&init_command=PRAGMA+journal_mode%3DWAL"
LIKE_DEMO_UNITS = 300
#: the settings that would send the workers' PDF cache elsewhere than the round's directory
PDF_CACHE_CHOICES = ("DISCLOSURE_PDF_CACHE", "DISCLOSURE_PDF_CACHE_URL")


def worker_counts(values) -> list[int]:
    """The worker counts of `--workers`: "1,2,4", ["1", "2", "4"] or [1, 2] (call_command)."""
    try:
        return [int(part) for value in values for part in str(value).split(",") if part.strip()]
    except ValueError:
        raise CommandError("--workers 必须是正整数，如 1,2,4。") from None


@dataclass(frozen=True)
class Measurement:
    """One run: `workers` processes published `docs` of `units` documents in `wall_s` seconds,
    using `cpu_s` CPU seconds (user+sys, all workers); the largest worker peaked at `peak_kib`."""

    workers: int
    units: int
    wall_s: float
    cpu_s: float
    docs: int
    peak_kib: int

    @property
    def docs_per_min(self) -> float:
        return self.docs / self.wall_s * 60 if self.wall_s > 0 else float("nan")


def measurement_line(m: Measurement) -> str:
    """`workers=2 units=300 wall_s=512.3 cpu_s_per_doc=2.71 docs_per_min=35.1 peak_mib=240`."""
    per_doc = m.cpu_s / m.docs if m.docs else float("nan")
    return (
        f"workers={m.workers} units={m.units} wall_s={m.wall_s:.1f} "
        f"cpu_s_per_doc={per_doc:.2f} docs_per_min={m.docs_per_min:.1f} "
        f"peak_mib={round(m.peak_kib / 1024)}"
    )


def speedup_lines(measurements: list[Measurement]) -> list[str]:
    """Each worker count's documents per minute against 1 worker's (or, without a 1-worker
    run, against the first count's)."""
    if not measurements:
        return []
    base = next((m for m in measurements if m.workers == 1), measurements[0])
    out = []
    for m in measurements:
        ratio = m.docs_per_min / base.docs_per_min if base.docs_per_min else float("nan")
        out.append(f"speed-up workers={m.workers} vs workers={base.workers}: {ratio:.2f}x")
    return out


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]


class Command(BaseCommand):
    help = "批量发布基准：1、2、4 个后台任务进程发布 N 个合成单位所用的时间。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--units",
            type=int,
            default=None,
            help=f"单位数（默认 100；--like-demo 默认 {LIKE_DEMO_UNITS}）",
        )
        parser.add_argument(
            "--workers",
            nargs="+",
            default=["1,2,4"],
            help="依次测试的进程数，如 1,2,4 或 1 2 4（默认 1,2,4）",
        )
        parser.add_argument("--lines", type=int, default=50, help="每个单位的预算明细条数")
        parser.add_argument(
            "--like-demo",
            action="store_true",
            help=f"发布演示单位的副本（默认 {LIKE_DEMO_UNITS} 个），逐行输出用时、CPU 与内存",
        )
        parser.add_argument("--database-url", default="", help="使用已有的数据库（不删除）")
        parser.add_argument("--keep", action="store_true", help="保留临时数据库")
        # internal steps, run inside the scratch database by the command itself
        parser.add_argument("--prepare", default="", help="(internal) unit code prefix")
        parser.add_argument("--report", type=int, default=0, help="(internal) batch id")

    def handle(self, *args, **options):
        like_demo = options["like_demo"]
        if options["units"] is None:
            options["units"] = LIKE_DEMO_UNITS if like_demo else 100
        if options["prepare"]:
            if like_demo:
                return self.prepare_like_demo(options["prepare"], options["units"])
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
        self.like_demo = like_demo
        self.measurements: list[Measurement] = []
        try:
            self.stdout.write(f"数据库：{label}；迁移中…")
            subprocess.run(_manage("migrate", "--noinput", "-v", "0"), env=env, check=True)
            rows = [["进程 workers", "单位 units", "用时 wall s", "单位/秒", "成功", "失败"]]
            for count in workers:
                rows.append(self.run_once(env, count, options["units"], options["lines"]))
        finally:
            if not options["keep"]:
                drop()
            elif like_demo and label != options["database_url"]:
                self.stdout.write(f"已保留临时数据库：{url}")
        if like_demo:
            return self.like_demo_report(url, options["units"])
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
        if self.like_demo:
            prefix = f"R{len(self.measurements) + 1}"
            self.stdout.write(f"准备 {units} 个已审核的演示单位副本（第 {prefix[1:]} 轮）…")
            step = ["--prepare", prefix, "--like-demo", "--units", str(units)]
        else:
            prefix = f"W{workers}-{int(time.time())}"
            self.stdout.write(f"准备 {units} 个已审核的合成单位（{prefix}）…")
            step = ["--prepare", prefix, "--units", str(units), "--lines", str(lines)]
        prepared = subprocess.run(
            _manage("benchmark_publish", *step),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        batch_id = json.loads(prepared.stdout.strip().splitlines()[-1])["batch"]
        self.stdout.write(f"{workers} 个 db_worker 进程发布中…")
        start = time.perf_counter()
        logs = [self.log_dir / f"{prefix}-worker{i}.log" for i in range(workers)]
        # every round starts with an empty PDF cache of its own, shared by its workers: what a
        # batch of new documents finds (only the page layer is laid out once for all); the
        # file cache, whatever cache this shell's environment names
        pdf_cache = self.log_dir / f"{prefix}-pdf-cache"
        worker_env = {
            **{k: v for k, v in env.items() if k not in PDF_CACHE_CHOICES},
            "DISCLOSURE_PDF_CACHE_DIR": str(pdf_cache),
        }
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
                        env=worker_env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                    )
                )
        codes, cpu_s, peak_kib = [], 0.0, 0
        for process in processes:
            # wait4: this worker's own CPU time and peak memory (with whatever it forked)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            codes.append(process.returncode)
            cpu_s += usage.ru_utime + usage.ru_stime
            peak_kib = max(peak_kib, usage.ru_maxrss)  # KiB on Linux
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
        measurement = Measurement(
            workers=workers,
            units=units,
            wall_s=seconds,
            cpu_s=cpu_s,
            docs=counts["done"],
            peak_kib=peak_kib,
        )
        self.measurements.append(measurement)
        if self.like_demo:
            self.stdout.write(
                f"{workers} 个进程：{seconds:.1f} 秒，发布 {counts['done']} 份，"
                f"失败 {counts['failed']} 份"
            )
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

    def prepare_like_demo(self, prefix: str, units: int) -> None:
        """Load the demo if this database has none yet, clone it `units` times as approved
        submissions (codes D0001…, with the run `prefix` R2, R3, … after the first run) and
        start one batch for them; print {"batch": id}."""
        from django.contrib.auth import get_user_model

        from performance.demo import demo_load
        from tables.bench.demo_copies import demo_copies_create, demo_copy_code, demo_copy_name
        from tables.publication.batches import publication_batch_start
        from units.models import Submission, SubmissionKind

        User = get_user_model()
        actor = User.objects.filter(username=BENCH_USER).first() or User.objects.create_superuser(
            BENCH_USER, email="", password=None
        )
        source = (
            Submission.objects.filter(
                unit__code=demo.UNIT_CODE, year=demo.YEAR, kind=SubmissionKind.BUDGET
            ).first()
            or demo_load()
        )
        suffix = "" if prefix == "R1" else prefix
        ids = demo_copies_create(
            source=source,
            codes=[f"{demo_copy_code(i)}{suffix}" for i in range(1, units + 1)],
            names=[demo_copy_name(i) for i in range(1, units + 1)],
        )
        batch = publication_batch_start(year=demo.YEAR, actor=actor, submission_ids=ids)
        self.stdout.write(json.dumps({"batch": batch.pk}))

    def like_demo_report(self, url: str, units: int) -> None:
        self.stdout.write(
            f"批量发布基准（演示单位副本）：{units} 个单位，每个与演示单位相同"
            f"（{len(demo.BASIC_LINES) + len(demo.PROJECTS)} 条预算明细、项目与绩效目标），"
            "每个生成 HTML、PDF、XLSX、JSON、CSV；每个后台任务进程单进程排版 PDF"
        )
        for m in self.measurements:
            self.stdout.write(measurement_line(m))
        for line in speedup_lines(self.measurements):
            self.stdout.write(line)
        self.stdout.write(
            "wall_s 含进程启动；cpu_s_per_doc 为全部任务进程的 user+sys CPU 秒数 / 发布份数；"
            "peak_mib 为最大的单个任务进程的峰值常驻内存。"
        )
        if "sqlite" in url:
            self.stdout.write(
                "注：SQLite 同一时间只允许一个写事务，多进程不会更快；生产环境请用 PostgreSQL。"
            )
        if self.keep_logs:
            self.stdout.write(f"任务进程日志：{self.log_dir}")
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)

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
