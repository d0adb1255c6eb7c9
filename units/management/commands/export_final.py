"""export_final --unit 003 --year 2025 --out FILE: a 决算 as an importable workbook."""

from pathlib import Path

from django.core.management.base import BaseCommand

from units.final_excel import final_export_workbook
from units.management.commands._common import add_submission_arguments, submission_from_options


class Command(BaseCommand):
    help = "导出决算明细和收支情况为 Excel（.xlsx），可修改调整预算、决算数和收支情况后再导入。"

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument(
            "-o", "--out", "--output", dest="output", required=True, help="输出文件（.xlsx）"
        )

    def handle(self, *args, **options):
        submission = submission_from_options(options, kind="final")
        path = Path(options["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(final_export_workbook(submission=submission))
        self.stdout.write(f"已导出 {submission} 的决算明细到 {path}")
