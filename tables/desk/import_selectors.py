"""Reads of the desk's Excel section: whether the user may import into a submission now (and
why not), whether the year's code lists are loaded for the template, and what the submission
holds now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from performance.models import Indicator, ProjectTarget
from units.models import BudgetLine, ClassificationCode, CodeScheme, Submission
from units.permissions import submission_lines_refusal


def import_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not import into `submission` now, in Chinese; None when they may — the
    rule and the words of `units.permissions.submission_edit_refusal`, plus what is still
    possible."""
    refusal = submission_lines_refusal(user, submission)
    if refusal is None:
        return None
    return f"{refusal}不能导入，可以下载模板和当前数据。"


@dataclass(frozen=True)
class YearCodes:
    """How many active codes of each scheme a year has (what the template's code sheets list)."""

    year: int
    counts: dict[str, int]

    @property
    def functional(self) -> int:
        return self.counts.get(CodeScheme.FUNCTIONAL, 0)

    @property
    def economic(self) -> int:
        return self.counts.get(CodeScheme.DEPT_ECONOMIC, 0) + self.counts.get(
            CodeScheme.GOV_ECONOMIC, 0
        )

    @property
    def missing(self) -> list[str]:
        """The schemes without any active code this year (their labels)."""
        return [scheme.label for scheme in CodeScheme if not self.counts.get(scheme, 0)]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def problem(self) -> str:
        """What the page says while a scheme has no codes ("" when all have)."""
        if self.ready:
            return ""
        return (
            f"{self.year}年的科目表尚未载入（没有有效的{'、'.join(self.missing)}科目），"
            f"模板中将没有可选的科目，导入的每一行也都会因科目不存在而被拒绝。"
            f"请联系财政管理员载入{self.year}年科目表后，再下载模板和导入。"
        )


def year_codes(year: int) -> YearCodes:
    """The active codes of `year` counted by scheme (1 query)."""
    counts = dict(
        ClassificationCode.objects.filter(year=year, is_active=True)
        .values("scheme")
        .annotate(n=Count("id"))
        .values_list("scheme", "n")
    )
    return YearCodes(year=year, counts=counts)


@dataclass(frozen=True)
class CurrentData:
    """What the submission holds now: budget lines, project targets and their indicators."""

    lines: int
    targets: int
    indicators: int


def current_data(submission: Submission) -> CurrentData:
    """Counts of the submission's lines, project targets and their indicators (3 queries)."""
    return CurrentData(
        lines=BudgetLine.objects.filter(submission=submission).count(),
        targets=ProjectTarget.objects.filter(project__submission=submission).count(),
        indicators=Indicator.objects.filter(project_target__project__submission=submission).count(),
    )
