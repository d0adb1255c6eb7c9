"""benchmark [--lines 10000] [--repeat 5] [--seed 0] [--profile]: how fast is load → derive → check?

Measures the disclosure pipeline (`budget_data_load`, `derive_all`, `run_checks`) for the demo
unit (loaded with `demo_load` when missing) and for a synthetic unit of `--lines` valid lines
(units/synthetic.py), then the 决算 pipeline (`final_data_load`, `derive_final`,
`run_final_checks`) on the same synthetic unit turned into a 决算 (every line's 年初预算 its
amount, compared with the budget as published). The synthetic unit is created inside a
transaction that is rolled back at the end, so the database is left as it was. Prints, per scenario, the best and median time of
each stage over `--repeat` runs, the number of queries and the peak memory (tracemalloc) of one
run, and the findings by severity. Figures depend on the machine: this is not a test.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
import tracemalloc
import unicodedata
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from performance.demo import demo_load
from tables.figures.checks import ERROR, NOTICE, WARNING, run_checks
from tables.figures.final.checks import run_final_checks
from tables.figures.final.derive import derive_final
from tables.figures.final.load import final_data_load
from tables.figures.load import budget_data_load
from tables.figures.registry import derive_all
from units import demo
from units.models import BudgetLine, Submission, SubmissionKind
from units.selectors import submission_get, submission_queryset
from units.synthetic import SYNTHETIC_UNIT_CODE, SYNTHETIC_YEAR, synthetic_submission_create

#: The goal for a 10,000-line unit: load + derive + check in under half a second.
GOAL_SECONDS = 0.5
STAGES = ("load", "derive", "check", "total")
STAGE_LABELS = {
    "load": "读取 load",
    "derive": "推导 derive",
    "check": "校验 check",
    "total": "合计 total",
}


@dataclass
class Measurement:
    scenario: str
    lines: int
    queries: int
    peak_bytes: int
    findings: dict[str, int]
    seconds: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})

    def best(self, stage: str) -> float:
        return min(self.seconds[stage])

    def median(self, stage: str) -> float:
        return statistics.median(self.seconds[stage])


def _pipeline(submission: Submission) -> tuple[float, float, float, list]:
    start = time.perf_counter()
    data = budget_data_load(submission=submission)
    loaded = time.perf_counter()
    tables = derive_all(data)
    derived = time.perf_counter()
    findings = run_checks(tables, data)
    checked = time.perf_counter()
    return loaded - start, derived - loaded, checked - derived, findings


def _final_pipeline(submission: Submission, published_budget) -> tuple[float, float, float, list]:
    """The 决算's load → derive → check, timed like `_pipeline`."""
    start = time.perf_counter()
    data = final_data_load(submission=submission, published_budget=published_budget)
    loaded = time.perf_counter()
    tables = derive_final(data)
    derived = time.perf_counter()
    findings = run_final_checks(tables, data)
    checked = time.perf_counter()
    return loaded - start, derived - loaded, checked - derived, findings


def measure(
    *, scenario: str, submission: Submission, repeat: int, pipeline=_pipeline
) -> Measurement:
    """One instrumented run (queries, peak memory, findings), then `repeat` timed runs of
    `pipeline(submission)`."""
    tracing_already = tracemalloc.is_tracing()
    if tracing_already:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            *_, findings = pipeline(submission)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not tracing_already:
            tracemalloc.stop()
    counts = dict.fromkeys((ERROR, WARNING, NOTICE), 0)
    for finding in findings:
        counts[finding.severity] += 1
    result = Measurement(
        scenario=scenario,
        lines=submission.lines.count(),
        queries=len(queries),
        peak_bytes=peak,
        findings=counts,
    )
    for _ in range(repeat):
        load, derive, check, _findings = pipeline(submission)
        for stage, seconds in zip(
            STAGES, (load, derive, check, load + derive + check), strict=True
        ):
            result.seconds[stage].append(seconds)
    return result


def _width(text: str) -> int:
    """Display width: CJK (wide) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def format_table(rows: list[list[str]], *, right_from: int) -> list[str]:
    """Rows as aligned text; columns from `right_from` on are right-aligned (numbers)."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            _pad(cell, widths[i], right=i >= right_from) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def report_lines(measurements: list[Measurement], *, repeat: int) -> list[str]:
    header = [
        "场景 scenario",
        "统计 stat",
        "明细 lines",
        *(f"{STAGE_LABELS[s]} ms" for s in STAGES),
        "查询 queries",
        "峰值内存 peak MiB",
    ]
    rows = [header]
    for m in measurements:
        for stat, pick in (("最佳 best", m.best), ("中位 median", m.median)):
            rows.append(
                [
                    m.scenario,
                    stat,
                    str(m.lines),
                    *(f"{pick(s) * 1000:.2f}" for s in STAGES),
                    str(m.queries),
                    f"{m.peak_bytes / 2**20:.2f}",
                ]
            )
    out = [
        f"基准测试 benchmark：读取 load → 推导 derive → 校验 check，"
        f"重复 repeat {repeat} 次；时间单位 ms，内存单位 MiB",
        *format_table(rows, right_from=2),
        "",
    ]
    for m in measurements:
        counts = "，".join(f"{severity} {count}" for severity, count in m.findings.items())
        out.append(f"校验结果 findings（{m.scenario}）：{counts}")
    return out


class Command(BaseCommand):
    help = (
        "性能基准：演示单位和合成单位（--lines 条明细）的读取、推导、校验耗时（最佳/中位）、"
        "查询次数和峰值内存。合成数据在事务中创建并在结束时回滚。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=10_000, help="合成单位的明细条数")
        parser.add_argument("--repeat", type=int, default=5, help="计时重复次数")
        parser.add_argument("--seed", type=int, default=0, help="合成数据的随机种子")
        parser.add_argument(
            "--profile",
            action="store_true",
            help="另对合成单位运行一次 cProfile 并输出耗时最多的函数",
        )

    def handle(self, *args, **options):
        repeat, n_lines = options["repeat"], options["lines"]
        if repeat < 1:
            raise CommandError("--repeat 至少为 1。")
        if n_lines < 1:
            raise CommandError("--lines 至少为 1。")

        try:
            demo_submission = submission_get(unit_code=demo.UNIT_CODE, year=demo.YEAR)
        except Submission.DoesNotExist:
            self.stdout.write("演示单位不存在，先载入演示数据（demo_load）……")
            demo_load()
            demo_submission = submission_get(unit_code=demo.UNIT_CODE, year=demo.YEAR)
        measurements = [
            measure(
                scenario=f"演示 demo {demo.UNIT_CODE}", submission=demo_submission, repeat=repeat
            )
        ]

        profile_text = ""
        with transaction.atomic():
            create_start = time.perf_counter()
            synthetic_submission_create(n_lines=n_lines, seed=options["seed"])
            create_seconds = time.perf_counter() - create_start
            submission = submission_get(unit_code=SYNTHETIC_UNIT_CODE, year=SYNTHETIC_YEAR)
            measurements.append(
                measure(
                    scenario=f"合成 synthetic {SYNTHETIC_UNIT_CODE}",
                    submission=submission,
                    repeat=repeat,
                )
            )
            if options["profile"]:
                profile_text = self._profile(submission)
            measurements.append(self._final_measure(submission, repeat=repeat))
            transaction.set_rollback(True)

        for line in report_lines(measurements, repeat=repeat):
            self.stdout.write(line)
        for synthetic, what in (
            (measurements[1], "合成单位 synthetic"),
            (measurements[2], "合成单位决算 synthetic final"),
        ):
            median_total = synthetic.median("total")
            verdict = "达成 met" if median_total < GOAL_SECONDS else "未达成 not met"
            self.stdout.write(
                f"目标 goal：{what} 合计中位数 median total < {GOAL_SECONDS * 1000:.0f} ms"
                f"（按 10000 行 lines）：{median_total * 1000:.2f} ms，{verdict}"
            )
        self.stdout.write(
            f"合成数据生成 synthetic data created in {create_seconds * 1000:.0f} ms（不计入 not timed；"
            "已回滚 rolled back）"
        )
        if profile_text:
            self.stdout.write(profile_text)

    def _final_measure(self, submission: Submission, *, repeat: int) -> Measurement:
        """The synthetic unit's submission turned into its 决算 (inside the rolled-back
        transaction): kind 决算, each line's 年初预算 its amount; its published budget is the
        budget as loaded before."""
        published = budget_data_load(submission=submission)
        BudgetLine.objects.filter(submission=submission).update(planned_amount=F("amount"))
        Submission.objects.filter(pk=submission.pk).update(kind=SubmissionKind.FINAL)
        final = submission_queryset().get(pk=submission.pk)
        return measure(
            scenario=f"决算 final {SYNTHETIC_UNIT_CODE}",
            submission=final,
            repeat=repeat,
            pipeline=lambda s: _final_pipeline(s, published),
        )

    def _profile(self, submission: Submission) -> str:
        profiler = cProfile.Profile()
        profiler.enable()
        _pipeline(submission)
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(25)
        return "cProfile（按累计耗时 by cumulative time，前 25 top 25）：\n" + stream.getvalue()
