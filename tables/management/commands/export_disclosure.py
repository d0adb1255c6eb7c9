"""export_disclosure --unit 003 --year 2025 --format {html,pdf,xlsx} -o FILE [--table-set NAME]
[--kind budget|final]

Writes the whole disclosure document of one submission: the self-contained HTML page (CSS and
charts inline, no external requests), the PDF printed from that same page (WeasyPrint), or the
Excel workbook, with the tables of --table-set (default: the set the bureau chose for the
year); `--kind final` writes the year's 决算 (its nine tables F01–F09, its 情况说明 and the
绩效自评表) instead of the budget. The document is a draft (watermarked 草稿).

It skips Django's system checks (`manage.py check` and the test suite run them): they import
every view to check the URLs, ~0.45 CPU-s of a ~3.5 CPU-s PDF export, for a command that
reads one submission and writes one file.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tables.document.build import document_build
from tables.document.render.formats import DOCUMENT_CONTENT_TYPES, document_render
from tables.management.commands._table_set import add_table_set_argument, table_set_from_options
from units.management.commands._common import add_submission_arguments, submission_from_options


class Command(BaseCommand):
    help = "导出整份预算公开文件（HTML、PDF 或 Excel），草稿带“草稿”水印。"
    requires_system_checks = []

    def add_arguments(self, parser):
        add_submission_arguments(parser, kinds=True)
        parser.add_argument(
            "--format", required=True, choices=sorted(DOCUMENT_CONTENT_TYPES), help="输出格式"
        )
        parser.add_argument("-o", "--output", required=True, help="输出文件路径")
        add_table_set_argument(parser)

    def handle(self, *args, **options):
        table_set = table_set_from_options(options)
        submission = submission_from_options(options)
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"输出目录不存在：{output.parent}")
        document = document_build(submission=submission, is_draft=True, table_set=table_set)
        data = document_render(document, options["format"])
        output.write_bytes(data)
        self.stdout.write(
            f"已导出 {document.unit_name} {document.year}年{document.kind_label}公开文件"
            f"（{options['format'].upper()}，{len(data):,} 字节）到 {output}"
        )
