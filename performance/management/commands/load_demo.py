from django.core.management.base import BaseCommand

from performance.demo import demo_load


class Command(BaseCommand):
    help = "载入演示数据：阳城县人民代表大会常务委员会办公室（003）2025年预算，以预算明细（元）录入；可重复执行。"

    def handle(self, *args, **options):
        submission = demo_load()
        self.stdout.write(
            f"已载入演示数据：{submission.unit.code} {submission.unit.name} {submission.year}年，"
            f"预算明细 {submission.lines.count()} 条，项目 {submission.projects.count()} 个。"
        )
