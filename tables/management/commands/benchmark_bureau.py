"""benchmark_bureau [--units 400] [--lines 20] [--repeat 5]: how fast is the 年度总览?

Creates synthetic units of a season (`tables.bench.bureau_load`: 主管部门, states from 未开始 to
更正中, 批复日期, budget lines with their audit trail, workflow moves, fresh check counts) for a
budget year no real data uses, first `SMALL_UNITS` of them and then up to `--units`, and renders
the dashboard (and its Excel export) as a 财政管理员 through Django's test client, in-process
(middleware, view, template and queries: the server's share of a request). Everything it
creates is inside a transaction rolled back at the end. Prints, per size, the best and median
time over `--repeat` runs, the HTML size and the number of queries, the goal line (≤ 200 ms
with `--units` units) and whether the queries stay the same whatever the number of units.
Figures depend on the machine: this is not a test.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tables.bench.bureau_load import bureau_units_create
from tables.bench.pages import page_measure
from tables.management.commands.benchmark import format_table
from units.models import BudgetUnit
from units.permissions import ADMIN
from units.services import user_role_assign

GOAL_MS = 200
SMALL_UNITS = 20
#: a budget year no real data uses, so the synthetic units are the only submissions listed
YEAR = 2090


@dataclass
class Figures:
    units: int
    page: str
    best_ms: float
    median_ms: float
    kilobytes: float
    queries: int


class Command(BaseCommand):
    help = "测量年度总览（财政局工作台）在多个预算单位时的服务器耗时和查询数。"

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=400, help="合成预算单位数")
        parser.add_argument("--lines", type=int, default=20, help="每个单位的预算明细行数")
        parser.add_argument("--repeat", type=int, default=5, help="每个页面测量的次数")

    def handle(self, *args, **options):
        units, lines, repeat = options["units"], options["lines"], options["repeat"]
        if units < SMALL_UNITS:
            raise CommandError(f"--units 至少为 {SMALL_UNITS}。")
        if repeat < 1 or lines < 0:
            raise CommandError("--repeat 至少为 1，--lines 不能为负数。")
        figures: list[Figures] = []
        pages = [
            ("年度总览 dashboard", reverse("desk:bureau", kwargs={"year": YEAR})),
            ("按逾期天数排序 sorted by days", reverse("desk:bureau", kwargs={"year": YEAR})),
            ("导出 Excel export", reverse("desk:bureau_export", kwargs={"year": YEAR})),
        ]
        with transaction.atomic():
            admin = get_user_model().objects.create_user("bench-bureau-admin")
            user_role_assign(user=admin, role=ADMIN)
            client = Client(HTTP_HOST="localhost")
            client.force_login(admin)
            made = 0
            for size in (SMALL_UNITS, units):
                bureau_units_create(count=size - made, year=YEAR, lines=lines, start=made)
                made = size
                listed = BudgetUnit.objects.count()
                for label, url in pages:
                    if label.startswith("按"):
                        url += "?sort=-days"
                    times, size_bytes, queries = page_measure(client, url, repeat=repeat)
                    figures.append(
                        Figures(
                            listed,
                            label,
                            min(times),
                            statistics.median(times),
                            size_bytes / 1024,
                            queries,
                        )
                    )
            transaction.set_rollback(True)
        self._report(figures, lines=lines)

    def _report(self, figures: list[Figures], *, lines: int) -> None:
        rows = [["单位 units", "页面 page", "最佳 best ms", "中位 median ms", "KB", "查询 queries"]]
        rows += [
            [
                str(f.units),
                f.page,
                f"{f.best_ms:.1f}",
                f"{f.median_ms:.1f}",
                f"{f.kilobytes:.1f}",
                str(f.queries),
            ]
            for f in figures
        ]
        self.stdout.write(f"每个有填报的单位 {lines} 行预算明细（含变更记录）。")
        for line in format_table(rows, right_from=2):
            self.stdout.write(line)
        largest = max(f.units for f in figures)
        page = next(f for f in figures if f.units == largest and f.page.startswith("年度总览"))
        met = "达成 met" if page.median_ms <= GOAL_MS else "未达成 not met"
        self.stdout.write(
            f"目标 goal：{largest} 个单位的年度总览中位耗时 ≤ {GOAL_MS} ms："
            f"{page.median_ms:.1f} ms，{met}"
        )
        by_page: dict[str, set[int]] = {}
        for f in figures:
            by_page.setdefault(f.page, set()).add(f.queries)
        constant = all(len(counts) == 1 for counts in by_page.values())
        sizes = sorted({f.units for f in figures})
        self.stdout.write(
            f"查询数与单位数无关 queries independent of units（{sizes[0]} 与 {sizes[-1]} 个单位）："
            + ("是 yes" if constant else "否 no")
        )
