"""import_budget --unit 003 --year 2025 FILE: replace a submission's budget lines from Excel."""

from django.core.management.base import BaseCommand

from units.budget_import import UnknownCodesError, budget_import, unknown_codes_text
from units.management.commands._common import (
    add_submission_arguments,
    submission_from_options,
    workbook_import_run,
)


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx，使用下载或导出的模板）导入预算明细。全部成功才写入；本填报的全部预算明细"
        "被文件内容替换，项目按名称和资金批次对应，重复导入同一文件不会产生重复数据。"
        "每个项目须填写项目类别和项目属性（填报工作台的导入只在本年度公开表样式需要时才要求）。"
    )

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument("file", help="预算明细工作簿（.xlsx）")

    def handle(self, *args, **options):
        submission = submission_from_options(options)

        def run(path_):
            try:
                return budget_import(submission=submission, file=path_)
            except UnknownCodesError as exc:
                self.stderr.write(unknown_codes_text(exc.unknown, year=submission.year))
                raise

        report = workbook_import_run(self, options["file"], run, nothing="预算明细")
        self.stdout.write(report.summary())
