"""Reads of the work desks: the to-do rows of 我的待办, the reviewer's queue, the findings of a
submission as links to what to change, and last year's published figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from tables.document.build import submission_findings
from tables.models import PublishedVersion
from units.models import ReviewComment, StatusChange, Submission, SubmissionStatus
from units.permissions import FILLER, REVIEWER, user_roles, user_unit_ids
from units.selectors import submission_queryset, submissions_visible_to
from units.severity import ERROR, NOTICE, WARNING
from units.workflow import due_date

S = SubmissionStatus


@dataclass
class FindingCounts:
    errors: int = 0
    warnings: int = 0
    notices: int = 0


def findings_count(findings) -> FindingCounts:
    counts = FindingCounts()
    for finding in findings:
        if finding.severity == ERROR:
            counts.errors += 1
        elif finding.severity == WARNING:
            counts.warnings += 1
        elif finding.severity == NOTICE:
            counts.notices += 1
    return counts


@dataclass
class Deadline:
    """公开时限: the last day to publish and how many days are left (negative: overdue)."""

    due: datetime.date | None
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def submission_deadline(submission: Submission, today: datetime.date | None = None) -> Deadline:
    due = due_date(submission.approval_date)
    if due is None or submission.status == S.PUBLISHED:
        return Deadline(due, None)
    return Deadline(due, (due - (today or timezone.localdate())).days)


#: The one next step of an accountant, by state: (button, where it leads).
NEXT_STEP = {
    S.DRAFT: ("继续填报", "desk:submission"),
    S.RETURNED: ("修改退回的问题", "desk:submission"),
    S.SUBMITTED: ("查看审核进度", "desk:submission"),
    S.APPROVED: ("查看审核意见", "desk:submission"),
    S.PUBLISHED: ("查看已公开版本", "desk:submission"),
}


@dataclass
class TodoRow:
    submission: Submission
    deadline: Deadline
    counts: FindingCounts
    next_label: str
    next_url: str
    returned: StatusChange | None = None  # the 退回 with its reason, who and when
    open_comments: int = 0


def _latest_moves(submission_ids, to_status: str) -> dict[int, StatusChange]:
    """The newest move of each submission into `to_status` (one query)."""
    latest = (
        StatusChange.objects.filter(submission_id__in=submission_ids, to_status=to_status)
        .values("submission_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {
        change.submission_id: change
        for change in StatusChange.objects.filter(id__in=list(latest)).select_related("actor")
    }


def _open_comment_counts(submission_ids) -> dict[int, int]:
    counts: dict[int, int] = {}
    for submission_id in ReviewComment.objects.filter(
        submission_id__in=submission_ids, resolved_at__isnull=True
    ).values_list("submission_id", flat=True):
        counts[submission_id] = counts.get(submission_id, 0) + 1
    return counts


def filler_todo(*, user) -> list[TodoRow]:
    """An accountant's submissions: returned ones first (with the reviewer's reason), then those
    still to fill, then the rest; the newest year first within each."""
    if FILLER not in user_roles(user):
        return []
    submissions = list(
        submission_queryset()
        .filter(unit_id__in=user_unit_ids(user))
        .order_by("-year", "unit__code")
    )
    ids = [s.pk for s in submissions]
    returned = _latest_moves([s.pk for s in submissions if s.status == S.RETURNED], S.RETURNED)
    comments = _open_comment_counts(ids)
    order = {S.RETURNED: 0, S.DRAFT: 1, S.SUBMITTED: 2, S.APPROVED: 3, S.PUBLISHED: 4}
    rows = []
    for submission in sorted(submissions, key=lambda s: (order[s.status], -s.year)):
        label, url_name = NEXT_STEP[submission.status]
        counts = (
            findings_count(submission_findings(submission=submission))
            if submission.status in (S.DRAFT, S.RETURNED)
            else FindingCounts()
        )
        rows.append(
            TodoRow(
                submission=submission,
                deadline=submission_deadline(submission),
                counts=counts,
                next_label=label,
                next_url=reverse(url_name, kwargs={"pk": submission.pk}),
                returned=returned.get(submission.pk),
                open_comments=comments.get(submission.pk, 0),
            )
        )
    return rows


@dataclass
class QueueRow:
    submission: Submission
    submitted: StatusChange | None
    deadline: Deadline
    counts: FindingCounts
    total: Decimal
    prior_total: Decimal | None
    url: str = ""

    @property
    def change(self) -> Decimal | None:
        return None if self.prior_total is None else self.total - self.prior_total

    @property
    def change_rate(self) -> Decimal | None:
        if not self.prior_total:
            return None
        return (self.total - self.prior_total) / self.prior_total * 100


def published_table(version: PublishedVersion | None, code: str) -> dict | None:
    """One table of a published snapshot (None when there is no such version or table)."""
    if version is None:
        return None
    snapshot = version.data_json
    for table in snapshot.get("statutory_tables") or snapshot.get("tables", []):
        if table.get("code") == code:
            return table
    return None


def published_cell(table: dict | None, row_label: str, column: str) -> Decimal | None:
    """A money cell of a published table, found as `Table.cell` finds it (None: not there)."""
    if table is None:
        return None
    keys = [c["key"] for c in table["columns"]]
    if column not in keys:
        return None
    index = keys.index(column)
    for row in table["rows"]:
        values = row["values"]
        if values and (values[0] == row_label or (len(values) > 2 and values[2] == row_label)):
            value = values[index]
            return Decimal(value) if value not in (None, "") else Decimal(0)
    return None


def prior_published_versions(submissions) -> dict[int, PublishedVersion | None]:
    """For each submission, the newest published version of the same unit's previous year and
    of the same kind (a budget is compared with last year's budget, never with the 决算 of
    that year); the versions are chosen without their snapshots, then only the chosen ones are
    loaded (two queries whatever the number of 更正)."""
    wanted = Q()
    for submission in submissions:
        wanted |= Q(
            submission__unit_id=submission.unit_id,
            year=submission.year - 1,
            kind=submission.kind,
        )
    if not wanted:
        return {}
    newest: dict[tuple[int, int, str], int] = {}
    for pk, unit_id, year, kind in (
        PublishedVersion.objects.filter(wanted)
        .order_by("published_at", "id")
        .values_list("pk", "submission__unit_id", "year", "kind")
    ):
        newest[(unit_id, year, kind)] = pk
    versions = PublishedVersion.objects.in_bulk(list(newest.values()))
    return {s.pk: versions.get(newest.get((s.unit_id, s.year - 1, s.kind), 0)) for s in submissions}


def review_queue(*, user) -> list[QueueRow]:
    """A reviewer's 已提交 submissions, oldest submission first, with the findings counts and
    the change of 收入总计 against last year's published disclosure."""
    from tables.document.build import document_build

    if REVIEWER not in user_roles(user):
        return []
    submissions = list(
        submission_queryset().filter(unit_id__in=user_unit_ids(user), status=S.SUBMITTED)
    )
    submitted = _latest_moves([s.pk for s in submissions], S.SUBMITTED)
    prior = prior_published_versions(submissions)
    rows = []
    for submission in submissions:
        document = document_build(submission=submission, is_draft=True)  # tables + findings
        # a 决算 is compared by its 收入支出决算总表's 总计 with last year's 决算
        summary, label = ("F01", "总计") if submission.is_final else ("T01", "收入总计")
        rows.append(
            QueueRow(
                submission=submission,
                submitted=submitted.get(submission.pk),
                deadline=submission_deadline(submission),
                counts=findings_count(document.findings),
                total=document.tables[summary].cell(label, "income"),
                prior_total=published_cell(
                    published_table(prior.get(submission.pk), summary), label, "income"
                ),
                url=reverse("desk:submission", kwargs={"pk": submission.pk}),
            )
        )
    oldest = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    rows.sort(key=lambda r: (r.submitted.at if r.submitted else oldest, r.submission.unit.code))
    return rows


def other_submissions(*, user):
    """What a 管理员 (or a user without a desk role) sees: every visible submission."""
    return submissions_visible_to(user=user).order_by("-year", "unit__code")


@dataclass
class CommentThread:
    """A submission's 审核意见: the open ones by (table, row), and all of them in order."""

    all: list[ReviewComment] = field(default_factory=list)

    @property
    def open(self) -> list[ReviewComment]:
        return [c for c in self.all if c.resolved_at is None]

    def for_row(self, table: str, row: str) -> list[ReviewComment]:
        return [c for c in self.all if c.table == table and c.row == row]


def comments_load(*, submission: Submission) -> CommentThread:
    return CommentThread(
        list(
            ReviewComment.objects.filter(submission=submission)
            .select_related("author", "resolved_by")
            .order_by("at", "id")
        )
    )


# --- budget lines on the desk ---------------------------------------------------------------

LINES_PER_PAGE = 50


@dataclass
class LineGroup:
    key: str
    title: str
    count: int
    total: Decimal
    lines: list = field(default_factory=list)


@dataclass
class LinesPage:
    groups: list[LineGroup]
    page: object  # django.core.paginator.Page
    count: int
    total: Decimal
    group_by: str
    query: str


def _lines_filter(submission: Submission, query: str):
    from tables.desk.filters import BudgetLineFilter
    from units.models import BudgetLine

    lines = BudgetLine.objects.filter(submission=submission)
    return BudgetLineFilter({"q": query}, queryset=lines).qs


def lines_page(
    *, submission: Submission, group_by: str = "func", query: str = "", page: str | None = None
) -> LinesPage:
    """One page of a submission's budget lines, grouped by 功能科目 or by 项目, with each group's
    count and total over all pages, in a fixed number of queries whatever the number of lines."""
    from django.core.paginator import Paginator
    from django.db.models import Count, F, Sum

    group_by = "project" if group_by == "project" else "func"
    lines = _lines_filter(submission, query)
    key_field = "project_id" if group_by == "project" else "func_code_id"
    sums = {
        row[key_field]: (row["n"], row["s"] or Decimal(0))
        for row in lines.order_by().values(key_field).annotate(n=Count("id"), s=Sum("amount"))
    }
    ordering = (
        [F("project__name").asc(nulls_last=True), "project_id", "func_code__code", "id"]
        if group_by == "project"
        else ["func_code__code", "dept_econ_code__code", "id"]
    )
    paginator = Paginator(
        lines.select_related("func_code", "dept_econ_code", "gov_econ_code", "project").order_by(
            *ordering
        ),
        LINES_PER_PAGE,
    )
    current = paginator.get_page(page)
    groups: list[LineGroup] = []
    for line in current.object_list:
        key = getattr(line, key_field)
        if not groups or groups[-1].key != key:
            if group_by == "project":
                title = line.project.name if line.project else "基本支出（不属于项目）"
            else:
                title = f"{line.func_code.code} {line.func_code.name}"
            count, total = sums.get(key, (0, Decimal(0)))
            groups.append(LineGroup(key, title, count, total))
        groups[-1].lines.append(line)
    return LinesPage(
        groups=groups,
        page=current,
        count=sum(n for n, _ in sums.values()),
        total=sum((s for _, s in sums.values()), Decimal(0)),
        group_by=group_by,
        query=query,
    )


def project_amounts(*, submission: Submission) -> dict[int, Decimal]:
    """Project id → the amount of its budget lines (one query)."""
    from django.db.models import Sum

    from units.models import BudgetLine

    return {
        row["project_id"]: row["s"] or Decimal(0)
        for row in BudgetLine.objects.filter(submission=submission, project__isnull=False)
        .order_by()
        .values("project_id")
        .annotate(s=Sum("amount"))
    }
