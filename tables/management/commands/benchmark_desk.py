"""benchmark_desk [--lines 500] [--repeat 5]: how fast and how heavy are the work desk's pages?

Renders 我的待办 (as the 填报人 and as the 审核人), a submission's overview, its entry page (预算
明细) and its review page through Django's test client, in-process (middleware, views,
templates and queries: the server's share of a request, not the network), for the demo unit
(loaded with `demo_load` when missing) and for a synthetic unit of `--lines` lines. Everything
it creates — the synthetic unit, the two users, the demo's 已提交 state — is inside a
transaction rolled back at the end, so the database is left as it was. Prints, per scenario and
page, the best and median time over `--repeat` runs, the HTML size and the number of queries,
and the goal lines (on the demo: ≤ 150 ms and ≤ 120 KB for 我的待办, the entry and the review
page). Figures depend on the machine: this is not a test.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from performance.demo import demo_load
from tables.bench.pages import page_measure
from tables.management.commands.benchmark import format_table
from units import demo
from units.models import Submission, SubmissionStatus
from units.permissions import FILLER, REVIEWER
from units.selectors import submission_get
from units.services import user_role_assign
from units.synthetic import SYNTHETIC_UNIT_CODE, SYNTHETIC_YEAR, synthetic_submission_create

GOAL_MS = 150
#: a second synthetic unit, so the query counts can be compared across sizes
SMALL_LINES = 20
SMALL_UNIT_CODE = "BENCH-DESK-S"
GOAL_KB = 120
#: the pages the goal is about (on the demo)
GOAL_PAGES = ("我的待办（填报人）", "我的待办（审核人）", "预算明细 entry", "审核 review")


@dataclass
class PageFigures:
    scenario: str
    page: str
    best_ms: float
    median_ms: float
    kilobytes: float
    queries: int


def _pages(submission: Submission, filler, reviewer) -> list[tuple[str, object, str]]:
    pk = submission.pk
    return [
        ("我的待办（填报人）", filler, reverse("desk:home")),
        ("我的待办（审核人）", reviewer, reverse("desk:home")),
        ("概况 overview", filler, reverse("desk:submission", kwargs={"pk": pk})),
        ("预算明细 entry", filler, reverse("desk:lines", kwargs={"pk": pk})),
        ("审核 review", reviewer, reverse("desk:review", kwargs={"pk": pk})),
    ]


class Command(BaseCommand):
    help = "测量工作台页面的服务器耗时、HTML 大小和查询数（演示单位与合成单位）。"

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=500, help="合成单位的预算明细行数")
        parser.add_argument("--repeat", type=int, default=5, help="每个页面测量的次数")

    def handle(self, *args, **options):
        repeat, n_lines = options["repeat"], options["lines"]
        self.n_lines = n_lines
        if repeat < 1:
            raise CommandError("--repeat 至少为 1。")
        if n_lines < 1:
            raise CommandError("--lines 至少为 1。")
        figures: list[PageFigures] = []
        with transaction.atomic():
            try:
                demo_submission = submission_get(unit_code=demo.UNIT_CODE, year=demo.YEAR)
            except Submission.DoesNotExist:
                self.stdout.write("演示单位不存在，先载入演示数据（demo_load，随后回滚）……")
                demo_submission = demo_load()
            synthetic_submission_create(n_lines=n_lines)
            synthetic = submission_get(unit_code=SYNTHETIC_UNIT_CODE, year=SYNTHETIC_YEAR)
            synthetic_submission_create(n_lines=SMALL_LINES, unit_code=SMALL_UNIT_CODE)
            small = submission_get(unit_code=SMALL_UNIT_CODE, year=SYNTHETIC_YEAR)
            scenarios = [
                (f"演示 demo {demo.UNIT_CODE}", demo_submission),
                (f"合成 synthetic {SMALL_LINES} 行", small),
                (f"合成 synthetic {n_lines} 行", synthetic),
            ]
            for number, (scenario, submission) in enumerate(scenarios):
                # 已提交, so the reviewer's queue lists it (rolled back with the rest)
                Submission.objects.filter(pk=submission.pk).update(
                    status=SubmissionStatus.SUBMITTED
                )
                submission.refresh_from_db()
                users = []
                for role in (FILLER, REVIEWER):
                    user = get_user_model().objects.create_user(f"bench-desk-{number}-{role}")
                    user_role_assign(user=user, role=role, units=[submission.unit])
                    users.append(user)
                for page, user, url in _pages(submission, *users):
                    client = Client(HTTP_HOST="localhost")
                    client.force_login(user)
                    times, size, queries = page_measure(client, url, repeat=repeat)
                    figures.append(
                        PageFigures(
                            scenario,
                            page,
                            min(times),
                            statistics.median(times),
                            size / 1024,
                            queries,
                        )
                    )
            transaction.set_rollback(True)
        self._report(figures)

    def _report(self, figures: list[PageFigures]) -> None:
        rows = [
            [
                "场景 scenario",
                "页面 page",
                "最佳 best ms",
                "中位 median ms",
                "HTML KB",
                "查询 queries",
            ]
        ]
        rows += [
            [
                f.scenario,
                f.page,
                f"{f.best_ms:.1f}",
                f"{f.median_ms:.1f}",
                f"{f.kilobytes:.1f}",
                str(f.queries),
            ]
            for f in figures
        ]
        for line in format_table(rows, right_from=2):
            self.stdout.write(line)
        demo_figures = [
            f for f in figures if f.scenario.startswith("演示") and f.page in GOAL_PAGES
        ]
        slowest = max(demo_figures, key=lambda f: f.median_ms)
        heaviest = max(demo_figures, key=lambda f: f.kilobytes)
        met_ms = "达成 met" if slowest.median_ms <= GOAL_MS else "未达成 not met"
        met_kb = "达成 met" if heaviest.kilobytes <= GOAL_KB else "未达成 not met"
        self.stdout.write(
            f"目标 goal：演示单位 demo 页面中位耗时 ≤ {GOAL_MS} ms：最慢 slowest "
            f"{slowest.page} {slowest.median_ms:.1f} ms，{met_ms}"
        )
        self.stdout.write(
            f"目标 goal：演示单位 demo 页面 HTML ≤ {GOAL_KB} KB：最大 largest "
            f"{heaviest.page} {heaviest.kilobytes:.1f} KB，{met_kb}"
        )
        by_page: dict[str, set[int]] = {}
        for f in figures:
            if f.scenario.startswith("合成"):
                by_page.setdefault(f.page, set()).add(f.queries)
        constant = all(len(counts) == 1 for counts in by_page.values())
        self.stdout.write(
            f"查询数与明细行数无关 queries independent of lines（合成 {SMALL_LINES} 行 与 "
            f"{max(SMALL_LINES, self.n_lines)} 行）：" + ("是 yes" if constant else "否 no")
        )
