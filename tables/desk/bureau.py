"""年度总览, the bureau's view of a season: every budget unit of a year with its state, 批复日期,
公开时限, last activity and check counts (selectors), and the 批复日期 the bureau enters per
unit or in bulk (the service `approval_date_set`).

Who sees what: a 财政管理员 (or a superuser) every unit, a 财政审核人 the units assigned to them;
anyone else is refused (`bureau_refusal`). The list has one row per unit, also for a unit that
has no submission for the year yet (未开始), and is read in a fixed number of queries whatever
the number of units: the units with their submission of the year (one LEFT JOIN), the counts by
state, the reviewers, the stored check counts and the activity (`tables.desk.activity`). The
check findings are never computed here (see `tables.desk.check_counts`).

The 年度总览 is about budgets: a unit's submission of the year is its budget (`BUDGET`), and
its 决算 of the same year (`SubmissionKind.FINAL`) is neither listed nor counted here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from tables.desk.activity import APPROVAL_DATE_REASON, LastChange, submissions_activity
from tables.desk.check_counts import CheckCounts, check_counts_fresh
from tables.desk.selectors import Deadline
from units.history import history_reason
from units.models import BudgetUnit, Submission, SubmissionKind, SubmissionStatus, UnitAssignment
from units.permissions import ADMIN, REVIEWER, user_roles, user_unit_ids
from units.workflow import DISCLOSURE_DAYS, UNPUBLISHED, due_date

S = SubmissionStatus
#: the kind of submission the 年度总览 is about
BUDGET = SubmissionKind.BUDGET

NOT_STARTED = "not_started"
CORRECTING = "correcting"
#: The states of the 年度总览, in the order the counts are shown: a submission's status, but
#: 未开始 (no submission for the year) and 更正中 (a 草稿 of version 2 or later: a published
#: disclosure reopened for 更正) besides.
STATES: list[tuple[str, str]] = [
    (NOT_STARTED, "未开始"),
    (S.DRAFT, "草稿"),
    (S.SUBMITTED, "已提交"),
    (S.RETURNED, "已退回"),
    (S.APPROVED, "已审核"),
    (S.PUBLISHED, "已发布"),
    (CORRECTING, "更正中"),
]
STATE_LABELS = dict(STATES)
STATE_ORDER = {key: index for index, (key, _) in enumerate(STATES)}

#: How far ahead of today a 批复日期 may be entered (a 批复 announced for the coming weeks);
#: later is a typing error.
APPROVAL_MAX_DAYS_AHEAD = 31


def bureau_refusal(user) -> str | None:
    """Why `user` may not open the 年度总览 (None: they may)."""
    roles = user_roles(user)
    if ADMIN in roles or REVIEWER in roles:
        return None
    return "年度总览只供财政管理员和财政审核人查看。"


def bureau_years() -> list[int]:
    """The years that have budget submissions, newest first (the current year when there are
    none)."""
    years = list(
        Submission.objects.filter(kind=BUDGET)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()[:20]
    )
    return years or [timezone.localdate().year]


def bureau_units(*, user, year: int) -> QuerySet[BudgetUnit]:
    """The units `user` oversees (管理员: all; 审核人: theirs), each with its budget submission
    of `year` if any, annotated: `submission_pk`, `status`, `version`, `approval_date` (None for
    a unit without one) and `state` (a key of STATES)."""
    units = BudgetUnit.objects.select_related("department")
    if ADMIN not in user_roles(user):
        units = units.filter(pk__in=user_unit_ids(user))
    return units.annotate(
        year_submission=FilteredRelation(
            "submissions", condition=Q(submissions__year=year, submissions__kind=BUDGET)
        ),
        submission_pk=F("year_submission__id"),
        status=F("year_submission__status"),
        version=F("year_submission__version"),
        approval_date=F("year_submission__approval_date"),
        state=Case(
            When(year_submission__id__isnull=True, then=Value(NOT_STARTED)),
            When(
                year_submission__status=S.DRAFT,
                year_submission__version__gt=1,
                then=Value(CORRECTING),
            ),
            default=F("year_submission__status"),
        ),
    )


def bureau_submissions(*, user, year: int) -> QuerySet[Submission]:
    """The budget submissions of `year` of the units `user` oversees."""
    submissions = Submission.objects.filter(year=year, kind=BUDGET)
    if ADMIN not in user_roles(user):
        submissions = submissions.filter(unit_id__in=user_unit_ids(user))
    return submissions


def units_overdue(units: QuerySet[BudgetUnit], *, today: datetime.date) -> QuerySet[BudgetUnit]:
    """The annotated units (`bureau_units`) past their 公开时限 and not published; the due day
    itself is not overdue (as `units.selectors.submissions_overdue`)."""
    return units.filter(
        status__in=UNPUBLISHED,
        approval_date__lt=today - datetime.timedelta(days=DISCLOSURE_DAYS),
    )


def units_reviewed_by(units: QuerySet[BudgetUnit], reviewer) -> QuerySet[BudgetUnit]:
    return units.filter(assignments__user=reviewer)


def bureau_reviewers(*, user):
    """The 财政审核人 assigned to any unit `user` oversees (the choices of the reviewer filter)."""
    users = get_user_model().objects.filter(
        is_active=True, groups__name=REVIEWER, unit_assignments__isnull=False
    )
    if ADMIN not in user_roles(user):
        users = users.filter(unit_assignments__unit_id__in=user_unit_ids(user))
    return users.distinct().order_by("username")


@dataclass
class BureauRow:
    """One unit of the 年度总览."""

    unit: BudgetUnit
    submission_pk: int | None
    state: str
    approval_date: datetime.date | None
    deadline: Deadline
    last: LastChange | None
    counts: CheckCounts | None
    reviewers: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def checking(self) -> bool:
        """A submission whose counts are missing or stale: shown as 检查中."""
        return self.submission_pk is not None and self.counts is None

    @property
    def url(self) -> str:
        return reverse("desk:submission", kwargs={"pk": self.submission_pk})

    @property
    def days_overdue(self) -> int | None:
        days = self.deadline.days_left
        return -days if days is not None and days < 0 else None


def _deadline(state: str, approval: datetime.date | None, today: datetime.date) -> Deadline:
    due = due_date(approval)
    if due is None or state in (NOT_STARTED, S.PUBLISHED):
        return Deadline(due, None)
    return Deadline(due, (due - today).days)


def _none_last(value, descending: bool):
    """A sort key putting None after every value, whichever the direction."""
    return (value is None) != descending, value if value is not None else 0


#: Sortable columns: query-string key → the row's value (None sorts last). Nothing else is
#: accepted as a sort key.
SORT_KEYS = {
    "code": lambda row: row.unit.code,
    "department": lambda row: row.unit.department.code,
    "state": lambda row: STATE_ORDER[row.state],
    "approval": lambda row: row.approval_date,
    "due": lambda row: row.deadline.due,
    "days": lambda row: row.deadline.days_left,
    "activity": lambda row: row.last.at if row.last else None,
    "errors": lambda row: row.counts.errors if row.counts else None,
    "warnings": lambda row: row.counts.warnings if row.counts else None,
}
DEFAULT_SORT = "code"


def sort_parse(value: str | None) -> tuple[str, bool]:
    """("days", True) for "-days"; an unknown key is the default order."""
    value = value or ""
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORT_KEYS:
        return DEFAULT_SORT, False
    return key, descending


def rows_sort(rows: list[BureauRow], sort: str | None) -> list[BureauRow]:
    key, descending = sort_parse(sort)
    value = SORT_KEYS[key]
    # the unit code breaks ties, always ascending
    rows = sorted(rows, key=lambda row: row.unit.code)
    return sorted(rows, key=lambda row: _none_last(value(row), descending), reverse=descending)


@dataclass(frozen=True)
class StateCount:
    key: str
    label: str
    count: int


@dataclass
class BureauOverview:
    year: int
    today: datetime.date
    rows: list[BureauRow]
    #: per state, among the units the other filters leave (so each count is what its link shows)
    state_counts: list[StateCount]
    #: the units the other filters leave, whatever their state
    total: int
    sort: tuple[str, bool]

    @property
    def checking(self) -> int:
        return sum(1 for row in self.rows if row.checking)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.deadline.overdue)


def bureau_overview(
    *,
    units: QuerySet[BudgetUnit],
    others: QuerySet[BudgetUnit],
    submissions: QuerySet[Submission],
    year: int,
    sort=None,
    today=None,
) -> BureauOverview:
    """The rows of the 年度总览 for the filtered units (`units`, from `bureau_units` through the
    filters) and the counts by state of `others` (the same filters but the state's);
    `submissions` (`bureau_submissions`) hold at least those of the units listed: their activity
    is read as one set, whatever the filters."""
    today = today or timezone.localdate()
    units = list(units.order_by("code"))
    activity = submissions_activity(submissions=submissions)
    counts = check_counts_fresh(
        fingerprints={
            u.submission_pk: activity[u.submission_pk].fingerprint
            for u in units
            if u.submission_pk in activity
        }
    )
    reviewers: dict[int, list[str]] = {}
    for unit_id, first, last, username in (
        UnitAssignment.objects.filter(
            unit_id__in=[u.pk for u in units], user__is_active=True, user__groups__name=REVIEWER
        )
        .order_by("user__username")
        .values_list("unit_id", "user__first_name", "user__last_name", "user__username")
    ):
        name = f"{first} {last}".strip() or username
        reviewers.setdefault(unit_id, []).append(name)
    rows = [
        BureauRow(
            unit=unit,
            submission_pk=unit.submission_pk,
            state=unit.state,
            approval_date=unit.approval_date,
            deadline=_deadline(unit.state, unit.approval_date, today),
            last=activity[unit.submission_pk].last if unit.submission_pk in activity else None,
            counts=counts.get(unit.submission_pk),
            reviewers=reviewers.get(unit.pk, []),
        )
        for unit in units
    ]
    by_state = dict(
        others.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return BureauOverview(
        year=year,
        today=today,
        rows=rows_sort(rows, sort),
        state_counts=[StateCount(key, label, by_state.get(key, 0)) for key, label in STATES],
        total=sum(by_state.values()),
        sort=sort_parse(sort),
    )


def stale_submission_ids(overview: BureauOverview) -> list[int]:
    """The submissions on the page whose counts are missing or stale."""
    return [row.submission_pk for row in overview.rows if row.checking]


# --- 批复日期 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalTargets:
    """What a 批复日期 is set on: the submissions of the units chosen, and the units chosen that
    have no submission for the year (they get none: the date lives on the submission)."""

    submissions: QuerySet[Submission]
    without_submission: list[BudgetUnit]


def approval_targets(*, units: QuerySet[BudgetUnit], year: int) -> ApprovalTargets:
    """Split the chosen units (from `bureau_units`) into their budget submissions of `year` and
    the units without one."""
    chosen = list(units.order_by("code").values_list("pk", "submission_pk"))
    missing = [pk for pk, submission_pk in chosen if submission_pk is None]
    return ApprovalTargets(
        submissions=Submission.objects.filter(
            year=year,
            kind=BUDGET,
            unit_id__in=[pk for pk, submission_pk in chosen if submission_pk],
        ),
        without_submission=list(BudgetUnit.objects.filter(pk__in=missing).order_by("code")),
    )


def approval_date_errors(
    date: datetime.date, *, years, today: datetime.date, final_years=()
) -> list[str]:
    """Why `date` cannot be the 批复日期 of submissions of `years` (budgets) and `final_years`
    (决算) (empty: it can): not more than APPROVAL_MAX_DAYS_AHEAD days ahead, not before 1
    January of the year before a budget's year (a budget is approved from the autumn before its
    year at the earliest), nor before 1 January after a 决算's year (it is approved once the
    year is over)."""
    errors = []
    latest = today + datetime.timedelta(days=APPROVAL_MAX_DAYS_AHEAD)
    if date > latest:
        errors.append(
            f"批复日期不能晚于{latest.year}年{latest.month}月{latest.day}日"
            f"（最多填到今天之后{APPROVAL_MAX_DAYS_AHEAD}天），请检查年份和月份。"
        )
    years = sorted(set(years))
    if years and date < datetime.date(years[-1] - 1, 1, 1):
        errors.append(f"{years[-1]}年度预算的批复日期不能早于{years[-1] - 1}年1月1日。")
    final_years = sorted(set(final_years))
    if final_years and date < datetime.date(final_years[-1] + 1, 1, 1):
        errors.append(f"{final_years[-1]}年度决算的批复日期不能早于{final_years[-1] + 1}年1月1日。")
    return errors


@dataclass
class ApprovalDateResult:
    """What `approval_date_set` did: the submissions whose date changed, those left as they were
    (the same date already, or a date kept by `only_missing`), and the published ones (not
    changed: their 公开时限 is over and their version keeps the date it was published with)."""

    date: datetime.date
    changed: list[Submission] = field(default_factory=list)
    unchanged: list[Submission] = field(default_factory=list)
    published: list[Submission] = field(default_factory=list)


def approval_date_set(
    *, actor, submissions, date: datetime.date, only_missing: bool = False, today=None
) -> ApprovalDateResult:
    """Set the 批复日期 of `submissions` (a queryset or a list) to `date`; only a 财政管理员 may.
    Each change is saved through the model, so the audit trail records who, when, before and
    after (change reason 「设置批复日期（网页）」); the 公开时限 follows the date at once. Raises
    PermissionDenied for another role, ValidationError for an implausible date (nothing saved)."""
    if ADMIN not in user_roles(actor):
        raise PermissionDenied("只有财政管理员可以设置批复日期。")
    today = today or timezone.localdate()
    if isinstance(submissions, QuerySet):
        ids = list(submissions.values_list("pk", flat=True))
    else:
        ids = [s.pk for s in submissions]
    result = ApprovalDateResult(date=date)
    with transaction.atomic():
        locked = list(
            Submission.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk__in=ids)
            .order_by("unit__code")
        )
        errors = approval_date_errors(
            date,
            years=[s.year for s in locked if not s.is_final],
            final_years=[s.year for s in locked if s.is_final],
            today=today,
        )
        if errors:
            raise ValidationError(errors)
        with history_reason(APPROVAL_DATE_REASON):
            for submission in locked:
                if submission.status == S.PUBLISHED:
                    result.published.append(submission)
                elif submission.approval_date == date or (
                    only_missing and submission.approval_date is not None
                ):
                    result.unchanged.append(submission)
                else:
                    submission.approval_date = date
                    submission._history_user = actor
                    submission.save(update_fields=["approval_date", "updated_at"])
                    result.changed.append(submission)
    return result
