"""open_final --year 2025 [--unit CODE] [--user NAME]

开启决算 from the command line: the same service as the desk (`tables.desk.final_open`). Without
--unit every unit with a published budget of the year is opened; a unit whose 决算 exists is
left as it is. With --user the run acts as that user (财政管理员, or the unit's 填报人);
without it, as the command line. Prints one line per unit.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from tables.desk.final_open import final_open, finals_open
from units.management.commands._common import actor_from_options
from units.models import BudgetUnit


class Command(BaseCommand):
    help = (
        "开启决算：按该年度最新公开的预算版本为单位新建决算草稿（项目、明细、绩效目标照公开版本复制，"
        "决算数先等于年初预算）；已开启的不改动。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int, help="决算年度，例如 2025")
        parser.add_argument("--unit", default="", metavar="CODE", help="只开启这个单位（单位编码）")
        parser.add_argument("--user", default="", help="操作人用户名（财政管理员或单位填报人）")

    def handle(self, *args, **options):
        actor = actor_from_options(options)
        year = options["year"]
        if options["unit"]:
            unit = BudgetUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"找不到单位编码：{options['unit']}。")
            try:
                submission = final_open(unit=unit, year=year, actor=actor)
            except (PermissionDenied, ValidationError) as exc:
                message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise CommandError(f"{unit.code} {unit.name}：{message}") from None
            self.stdout.write(self._opened_line(submission))
            return
        opened, skipped = finals_open(year=year, actor=actor)
        for submission in opened:
            self.stdout.write(self._opened_line(submission))
        for unit, why in skipped:
            self.stdout.write(f"{unit.code} {unit.name}：未开启（{why}）")
        self.stdout.write(f"{year}年决算：开启 {len(opened)} 个，未开启 {len(skipped)} 个。")

    @staticmethod
    def _opened_line(submission) -> str:
        unit = submission.unit
        return (
            f"{unit.code} {unit.name}：已开启{submission.year}年决算，"
            f"明细 {submission.lines.count()} 条，项目 {submission.projects.count()} 个。"
        )
