"""import_targets --unit 003 --year 2025 FILE: import project targets from the Excel template."""

from django.core.management.base import BaseCommand

from performance.services import targets_import
from units.management.commands._common import (
    add_submission_arguments,
    submission_from_options,
    workbook_import_run,
)


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx，使用导出的模板）导入项目支出绩效目标和绩效指标。全部成功才写入；"
        "文件中的项目的原有绩效目标被替换，其他项目不受影响。"
    )

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument("file", help="绩效目标工作簿（.xlsx）")

    def handle(self, *args, **options):
        submission = submission_from_options(options)
        report = workbook_import_run(
            self,
            options["file"],
            lambda path_: targets_import(submission=submission, file=path_),
            nothing="绩效目标",
        )
        self.stdout.write(report.summary())
