"""open_year --year 2026 [--unit CODE ...] [--user NAME] [--copy-targets]

开启新年度 from the command line: the same service as the bureau's page
(`tables.desk.year_open.year_open`). Without --unit every unit is opened. With --user the
run acts as that user (who must be 财政管理员 or a superuser); without it, as the command line
(whoever may run commands on the server). Prints what was created and what was already there;
running it again creates nothing twice.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from tables.desk.year_open import year_open
from units.management.commands._common import actor_from_options
from units.models import BudgetUnit


class Command(BaseCommand):
    help = (
        "开启新年度：为全部（或指定的）单位新建该年度的草稿填报，带上年的情况说明文字、名词解释、"
        "项目和上年已发布的数字（上年数）；已有的填报不改动，重复运行不会重复创建。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int, help="要开启的预算年度，例如 2026")
        parser.add_argument(
            "--unit",
            nargs="+",
            action="extend",
            default=None,
            metavar="CODE",
            help="只开启这些单位（单位编码，可写多个）",
        )
        parser.add_argument("--user", default="", help="操作人用户名（财政管理员）")
        parser.add_argument(
            "--copy-targets", action="store_true", help="同时复制上年绩效目标（不覆盖已有的）"
        )

    def handle(self, *args, **options):
        actor = actor_from_options(options)
        units = None
        if options["unit"]:
            codes = list(dict.fromkeys(options["unit"]))
            units = list(BudgetUnit.objects.filter(code__in=codes))
            missing = sorted(set(codes) - {u.code for u in units})
            if missing:
                raise CommandError(f"找不到单位编码：{'、'.join(missing)}。")
        try:
            report = year_open(
                actor=actor, year=options["year"], units=units, copy_targets=options["copy_targets"]
            )
        except (PermissionDenied, ValidationError) as exc:
            message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from None
        self.stdout.write(report.summary())
        for title, names in (
            ("新建", report.created),
            (f"没有{report.year - 1}年已发布版本（上年数留空）", report.without_publication),
            ("复制了上年绩效目标", report.targets_copied),
        ):
            if names:
                self.stdout.write(f"{title}：")
                for name in names:
                    self.stdout.write(f"  {name}")
