"""Reads. The only pipeline code that touches the ORM for derivation: one submission is loaded
into plain `tables.figures.types` dataclasses in a fixed number of queries, whatever its size."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from units.models import (
    CodeScheme,
    Submission,
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


def submission_get(*, unit_code: str, year: int) -> Submission:
    """The submission of a unit (by code) for a year, or Submission.DoesNotExist."""
    return submission_queryset().get(unit__code=unit_code, year=year)


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
    """Submissions past their 公开时限 (批复日期 + 20 days) and not yet published, oldest first."""
    today = today or timezone.localdate()
    last_approval = today - datetime.timedelta(days=DISCLOSURE_DAYS)
    return (
        submission_queryset()
        .filter(status__in=UNPUBLISHED, approval_date__lt=last_approval)
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
