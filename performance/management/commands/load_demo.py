from django.core.management.base import BaseCommand

from performance.demo import demo_load


class Command(BaseCommand):
    help = "载入演示数据：阳城县人民代表大会常务委员会办公室（003）2025年预算，以预算明细（元）录入；可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--department",
            action="store_true",
            help="同时载入演示部门（演示街道办事处：本级、参公、两个事业单位及部门汇总单位，金额为合成数据）",
        )

    def handle(self, *args, **options):
        submission = demo_load()
        if options["department"]:
            from performance.demo_department import demo_department_load

            summary = demo_department_load(year=submission.year)
            self.stdout.write(
                f"已载入演示部门：{summary.unit.code} {summary.unit.name} {summary.year}年，"
                f"成员单位 {summary.unit.department.units.exclude(pk=summary.unit_id).count()} 个。"
            )
        self.stdout.write(
            f"已载入演示数据：{submission.unit.code} {submission.unit.name} {submission.year}年，"
            f"预算明细 {submission.lines.count()} 条，项目 {submission.projects.count()} 个。"
        )
