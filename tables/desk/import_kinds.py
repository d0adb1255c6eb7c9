"""The two Excel imports of a submission's desk, as data: 预算明细 and 绩效目标, each with its
name, upload limit, template, export and import service, keyed by the `kind` of the URL.

The services are the existing ones (`units.budget_import`, `performance.services`), so the desk,
the admin pages and the commands import by the same rules (all or nothing, the same limits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from performance import excel as targets_excel
from performance.services import targets_export_workbook, targets_import, targets_template_workbook
from tables.document.year_settings import table_set_for_year
from units import budget_excel
from units.budget_import import budget_export_workbook, budget_import, budget_template_workbook
from units.models import Submission


def budget_import_for_year(*, submission: Submission, file):
    """`budget_import` with 项目类别/项目属性 required only when the year's table set prints them
    (`TableSet.needs_project_attributes`): every desk import (template, preview, confirm, a
    header-mapped file) goes through here."""
    needed = table_set_for_year(submission.year).needs_project_attributes
    return budget_import(submission=submission, file=file, project_attributes_required=needed)


BUDGET = "budget"
TARGETS = "targets"


@dataclass(frozen=True)
class ImportKind:
    """One kind of workbook a submission imports and exports."""

    key: str
    label: str  # 预算明细 / 绩效目标
    #: the upload limit, read at call time (tests lower it)
    limit: Callable[[], int]
    template: Callable[[Submission], bytes]
    export: Callable[[Submission], bytes]
    #: the import service: (submission=, file=) → a report with `summary()`
    run: Callable

    @property
    def heading(self) -> str:
        return f"导入{self.label}"

    @property
    def max_bytes(self) -> int:
        return self.limit()

    @property
    def max_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)

    def template_filename(self, submission: Submission) -> str:
        return f"{self.label}导入模板_{submission.year}.xlsx"

    def export_filename(self, submission: Submission) -> str:
        return f"{self.label}_{submission.unit.code}_{submission.year}.xlsx"


KINDS: dict[str, ImportKind] = {
    BUDGET: ImportKind(
        key=BUDGET,
        label="预算明细",
        limit=lambda: budget_excel.MAX_FILE_BYTES,
        template=lambda submission: budget_template_workbook(year=submission.year),
        export=lambda submission: budget_export_workbook(submission=submission),
        run=budget_import_for_year,
    ),
    TARGETS: ImportKind(
        key=TARGETS,
        label="绩效目标",
        limit=lambda: targets_excel.MAX_FILE_BYTES,
        template=lambda submission: targets_template_workbook(submission=submission),
        export=lambda submission: targets_export_workbook(submission=submission),
        run=targets_import,
    ),
}
