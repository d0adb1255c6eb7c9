"""Import an official classification-code list (CSV/XLSX) for one scheme and year."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.models import CodeScheme
from units.reference import import_codes, parse_code_file


class Command(BaseCommand):
    help = (
        "导入某年度的分类科目表（CSV 或 XLSX；表头 code,name 或 科目编码,科目名称，"
        "或“编码##名称”格式），报告新增、更名、停用的科目。文件中没有的科目只停用，不删除。"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version TEXT` is this command's version label, replacing Django's --version flag.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="科目表文件（.csv 或 .xlsx）")
        parser.add_argument(
            "--scheme",
            required=True,
            choices=CodeScheme.values,
            help="分类：func/dept_econ/gov_econ",
        )
        parser.add_argument("--year", required=True, type=int, help="年度，如 2026")
        parser.add_argument("--version", default="", help="版本说明，如 财预〔2025〕41号")
        parser.add_argument("--dry-run", action="store_true", help="只报告变化，不写入数据库")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            rows = parse_code_file(path_or_file=path, scheme=options["scheme"])
            report = import_codes(
                scheme=options["scheme"],
                year=options["year"],
                rows=rows,
                version=options["version"],
                dry_run=options["dry_run"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                f"{path.name} 有 {len(exc.messages)} 处错误，未导入任何科目。"
            ) from None
        self.stdout.write(report.summary())
