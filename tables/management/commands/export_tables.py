"""export_tables --unit 003 --year 2025 --out DIR [--table-set NAME]: writes one CSV per table
of the table set, named by its code: DIR/T01.csv … DIR/T14.csv for shanxi-2025, SH01.csv … for
shanghai, MF01.csv … for mof-department. Without --table-set, the set the bureau chose for the
year (shanxi-2025 when none was chosen). `--department CODE` instead of `--unit`: the 部门预算,
with its 分单位 table U01.csv. `--kind final`: the nine 决算 tables, F01.csv … F09.csv.

Each file is the table exactly as displayed (header rows, then body rows, amounts as shown,
empty cells empty), UTF-8 with BOM so Excel opens it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from tables.document.disclosure import disclosure_derive
from tables.document.final import final_derive
from tables.document.render.csv import table_csv_bytes
from tables.management.commands._department import (
    add_unit_or_department_arguments,
    submission_from_unit_or_department,
)
from tables.management.commands._table_set import add_table_set_argument, table_set_from_options


class Command(BaseCommand):
    help = "导出公开表为 CSV（UTF-8 带 BOM），与网页显示一致；默认按该年度选定的公开表样式。"

    def add_arguments(self, parser):
        add_unit_or_department_arguments(parser)
        parser.add_argument("--out", required=True, help="输出目录（不存在时自动创建）")
        add_table_set_argument(parser)

    def handle(self, *args, **options):
        table_set = table_set_from_options(options)
        submission = submission_from_unit_or_department(options)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        if submission.is_final:
            tables = final_derive(submission=submission).tables
            for code, table in tables.items():
                (out / f"{code}.csv").write_bytes(table_csv_bytes(table))
            self.stdout.write(f"已导出 {len(tables)} 张决算表到 {out}")
            return
        derived = disclosure_derive(submission=submission, table_set=table_set)
        tables = derived.set_tables
        for code, table in tables.items():
            (out / f"{code}.csv").write_bytes(table_csv_bytes(table))
        self.stdout.write(f"已导出 {len(tables)} 张表（{derived.table_set.name}）到 {out}")
