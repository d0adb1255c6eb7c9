"""refresh_check_counts [--year 2025 …] [--stale-only]: compute the 错误/警告 counts the
年度总览 shows, for a timer (e.g. nightly).

The dashboard already queues a refresh of the counts it finds stale (`tables.desk.check_counts`);
this command also catches what its fingerprints cannot see — a new list of classification codes,
last year's figures published meanwhile — by recomputing every submission of the year unless
`--stale-only` is given. Default year: the newest year that has submissions. Exits with an error
when some submission's checks failed (they are logged), so the timer shows it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tables.desk.bureau import bureau_years
from tables.desk.check_counts import check_counts_refresh_year


class Command(BaseCommand):
    help = "重新计算年度总览的检查结果计数（错误、警告、提示），供定时任务运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            help="预算年度（可重复指定；默认：有填报的最近一个年度）",
        )
        parser.add_argument(
            "--stale-only", action="store_true", help="只计算缺失或已过期的计数（默认全部重算）"
        )

    def handle(self, *args, **options):
        years = options["year"] or bureau_years()[:1]
        failed = []
        for year in years:
            summary = check_counts_refresh_year(year=year, stale_only=options["stale_only"])
            self.stdout.write(
                f"{year}年：重新计算 {summary.refreshed} 个填报，"
                f"{summary.fresh} 个已是最新，失败 {len(summary.failed)} 个。"
            )
            failed += summary.failed
        if failed:
            raise CommandError(
                f"{len(failed)} 个填报的检查失败（填报编号 {', '.join(map(str, failed))}），详见日志。"
            )
