"""export_targets --unit 003 --year 2025 -o FILE: the project targets as an importable workbook."""

from pathlib import Path

from django.core.management.base import BaseCommand

from performance.services import targets_export_workbook
from units.management.commands._common import add_submission_arguments, submission_from_options


class Command(BaseCommand):
    help = "导出项目支出绩效目标和绩效指标为 Excel（.xlsx），格式与导入模板相同，可修改后再导入。"

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument("-o", "--output", required=True, help="输出文件（.xlsx）")

    def handle(self, *args, **options):
        submission = submission_from_options(options)
        path = Path(options["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(targets_export_workbook(submission=submission))
        self.stdout.write(f"已导出 {submission} 的项目绩效目标到 {path}")
