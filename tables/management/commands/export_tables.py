"""export_tables --unit 003 --year 2025 --out DIR: writes DIR/T01.csv … DIR/T14.csv
(`--department CODE` instead of `--unit`: the 部门预算, with its 分单位 table U01.csv).

Each file is the table exactly as displayed (header rows, then body rows, amounts as shown,
empty cells empty), UTF-8 with BOM so Excel opens it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from tables.document.disclosure import disclosure_derive
from tables.document.render.csv import table_csv_bytes
from tables.management.commands._department import (
    add_unit_or_department_arguments,
    submission_from_unit_or_department,
)


class Command(BaseCommand):
    help = "导出表一至表十四为 CSV（UTF-8 带 BOM），与网页显示一致。"

    def add_arguments(self, parser):
        add_unit_or_department_arguments(parser)
        parser.add_argument("--out", required=True, help="输出目录（不存在时自动创建）")

    def handle(self, *args, **options):
        submission = submission_from_unit_or_department(options)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        derived = disclosure_derive(submission=submission)
        for code, table in derived.tables.items():
            (out / f"{code}.csv").write_bytes(table_csv_bytes(table))
        self.stdout.write(f"已导出 {len(derived.tables)} 张表到 {out}")
