"""check_disclosure --unit 003 --year 2025 [--json] [--kind budget|final]: prints the check
findings (`--department CODE` instead of `--unit`: those of the 部门预算; `--kind final`: those of
the year's 决算, J and S rules).

One finding per line as `严重程度 规则编号 消息` (or a JSON list with --json); exit status 1
when any 错误 remains.
"""

import sys

from django.core.management.base import BaseCommand

from tables.document.build import document_build
from tables.figures.checks import findings_json, has_errors
from tables.management.commands._department import (
    add_unit_or_department_arguments,
    submission_from_unit_or_department,
)


class Command(BaseCommand):
    help = "检查勾稽关系，逐行输出“严重程度 规则编号 消息”；存在错误时退出码为 1。"

    def add_arguments(self, parser):
        add_unit_or_department_arguments(parser)
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        submission = submission_from_unit_or_department(options)
        # Table (R…), target (P…) and narrative (N…) findings, most severe first.
        findings = document_build(submission=submission).findings
        if options["json"]:
            self.stdout.write(findings_json(findings))
        else:
            for finding in findings:
                self.stdout.write(finding.line())
        if has_errors(findings):
            self.stdout.flush()
            sys.exit(1)
