from django.core.management import call_command
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
        parser.add_argument(
            "--final",
            action="store_true",
            help="同时载入演示决算（按已公开的演示预算开启2025年决算，填入合成的实际数；需先发布演示预算）",
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
        if options["final"]:
            # by name: the 决算 is opened by the desk layer, above this app
            call_command("load_demo_final", stdout=self.stdout, stderr=self.stderr)
