"""import_targets --unit 003 --year 2025 FILE: import project targets from the Excel template."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from performance.services import targets_import
from units.management.commands._common import add_submission_arguments, submission_from_options


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
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            report = targets_import(submission=submission, file=path)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                f"{path.name} 有 {len(exc.messages)} 处错误，未导入任何绩效目标。"
            ) from None
        self.stdout.write(report.summary())
