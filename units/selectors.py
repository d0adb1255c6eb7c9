"""Reads. The only pipeline code that touches the ORM for derivation: one submission is loaded
into plain `tables.figures.types` dataclasses in a fixed number of queries, whatever its size."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from units.models import (
    BudgetUnit,
    CodeScheme,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from units.permissions import ADMIN, EDITABLE_STATUSES, FILLER, user_roles, user_unit_ids
from units.workflow import DISCLOSURE_DAYS, UNPUBLISHED

LEVEL_FOR_SCHEME = {
    CodeScheme.FUNCTIONAL: 3,
    CodeScheme.DEPT_ECONOMIC: 2,
    CodeScheme.GOV_ECONOMIC: 2,
}


def submission_queryset() -> QuerySet[Submission]:
    return Submission.objects.select_related("unit", "unit__department")


def submission_get(*, unit_code: str, year: int, kind: str = SubmissionKind.BUDGET) -> Submission:
    """The submission of a unit (by code) for a year — its budget, or with `kind` "final" its
    决算 — or Submission.DoesNotExist."""
    return submission_queryset().get(unit__code=unit_code, year=year, kind=kind)


def submissions_visible_to(*, user) -> QuerySet[Submission]:
    """Submissions a user may see: 管理员 (and superusers) all; 填报人 and 审核人 those of their
    assigned units; anyone else none (see `units.permissions`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    if user.is_superuser:  # treated as 管理员, without a query for the groups
        return submission_queryset()
    roles = user_roles(user)
    if ADMIN in roles:
        return submission_queryset()
    if not roles:
        return Submission.objects.none()
    return submission_queryset().filter(unit_id__in=user_unit_ids(user))


def submissions_editable_by(*, user) -> QuerySet[Submission]:
    """Submissions whose budget data the user may change (the queryset twin of
    `units.permissions.submission_editable_by`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    editable = submission_queryset().filter(status__in=EDITABLE_STATUSES)
    if user.is_superuser:
        return editable
    if FILLER not in user_roles(user):
        return Submission.objects.none()
    return editable.filter(unit_id__in=user_unit_ids(user))


def submissions_overdue(*, today: datetime.date | None = None) -> QuerySet[Submission]:
    """Budget submissions past their 公开时限 (批复日期 + 20 days) and not yet published, oldest
    first."""
    today = today or timezone.localdate()
    last_approval = today - datetime.timedelta(days=DISCLOSURE_DAYS)
    return (
        submission_queryset()
        .filter(kind=SubmissionKind.BUDGET, status__in=UNPUBLISHED, approval_date__lt=last_approval)
        .order_by("approval_date", "unit__code")
    )


def submission_get_for_user(*, user, pk: int) -> Submission:
    """One submission if the user may see it; 404 otherwise (no existence leak)."""
    if not user.is_authenticated:
        raise PermissionDenied
    try:
        return submissions_visible_to(user=user).get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404("填报不存在或无权查看") from None


def budget_submission_get_for_user(*, user, pk: int) -> Submission:
    """One budget submission the user may see, for the pages that only a budget has (预算明细,
    项目, 情况说明, 绩效目标, the budget workbook); 404 for a 决算, whose pages are its own."""
    submission = submission_get_for_user(user=user, pk=pk)
    if submission.is_final:
        raise Http404("决算填报没有这个页面，请从决算的栏目进入。")
    return submission


# --- 部门预算 ----------------------------------------------------------------------------------

#: the states in which a member's submission counts towards its department's disclosure
MEMBER_READY_STATUSES = (SubmissionStatus.APPROVED, SubmissionStatus.PUBLISHED)


def department_members(*, unit) -> list:
    """The member units of the department `unit` consolidates: every other unit of its 主管部门,
    本级 first, then by code (one query)."""
    return list(
        BudgetUnit.objects.filter(department_id=unit.department_id, consolidates_department=False)
        .select_related("department")
        .order_by("-is_headquarters", "code")
    )


def department_member_submissions(
    *, unit, year: int, kind: str = SubmissionKind.BUDGET
) -> list[tuple]:
    """(member, its `year` submission of `kind` or None) for every member of the department
    `unit` consolidates, in member order (two queries). A 部门's budget sums its members'
    budgets, never their 决算 of the same year."""
    members = department_members(unit=unit)
    submissions = {
        s.unit_id: s
        for s in Submission.objects.filter(unit__in=members, year=year, kind=kind).only(
            "id", "unit_id", "year", "status"
        )
    }
    return [(member, submissions.get(member.pk)) for member in members]


def department_members_pending(*, unit, year: int, kind: str = SubmissionKind.BUDGET) -> list[str]:
    """Names of the members whose `year` submission of `kind` is missing or not yet
    已审核/已发布 (the department's own disclosure of that kind cannot be submitted before
    they are)."""
    return [
        member.name
        for member, submission in department_member_submissions(unit=unit, year=year, kind=kind)
        if submission is None or submission.status not in MEMBER_READY_STATUSES
    ]


def department_pending_message(names: list[str]) -> str:
    """The refusal naming the members that hold a department's disclosure back."""
    listed = "、".join(f"“{name}”" for name in names)
    return (
        f"成员单位{listed}的预算尚未审核通过，部门预算暂不能提交、审核通过或发布；"
        "请待其审核通过后再办理。"
    )


def department_submission_get(
    *, department_code: str, year: int, kind: str = SubmissionKind.BUDGET
) -> Submission:
    """The `year` submission of the unit that consolidates the 主管部门 `department_code` (its
    部门预算, or with `kind` "final" its 部门决算), or Submission.DoesNotExist."""
    return submission_queryset().get(
        unit__department__code=department_code,
        unit__consolidates_department=True,
        year=year,
        kind=kind,
    )
