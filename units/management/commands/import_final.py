"""import_final --unit 003 --year 2025 FILE [--dry-run]: a 决算's 调整预算, 决算数 and
收支情况 from its workbook (`units.final_import`), all or nothing."""

from django.core.management.base import BaseCommand

from units.final_import import final_import, final_import_plan
from units.management.commands._common import (
    add_submission_arguments,
    submission_from_options,
    workbook_import_run,
)


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx，使用 export_final 导出的文件）导入决算的调整预算、决算数和收支情况。"
        "全部成功才写入；按明细编号对应明细，不新增也不删除明细。--dry-run 只检查并列出将修改的内容。"
    )

    def add_arguments(self, parser):
        add_submission_arguments(parser)
        parser.add_argument("file", help="决算工作簿（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, **options):
        submission = submission_from_options(options, kind="final")
        if options["dry_run"]:
            plan = workbook_import_run(
                self,
                options["file"],
                lambda path: final_import_plan(submission=submission, file=path),
                nothing="决算数据",
            )
            for change in plan.lines:
                self.stdout.write(
                    f"  明细 {change.line.pk} {change.label}：决算数 {change.line.amount} → "
                    f"{change.amount}，调整预算 → {change.adjusted}"
                )
            for change in plan.facts:
                self.stdout.write(f"  {change.label}：{change.before} → {change.after}")
            self.stdout.write("（试运行，未写入）" + plan.summary())
            return
        plan = workbook_import_run(
            self,
            options["file"],
            lambda path: final_import(submission=submission, file=path),
            nothing="决算数据",
        )
        self.stdout.write(plan.summary())
