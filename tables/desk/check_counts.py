"""The 错误/警告 counts of the 年度总览, cached per submission (`tables.models.SubmissionCheckCounts`).

Running one submission's checks takes about 50 ms, far too long for 400 units on one page, so
the page never runs them: it shows the stored counts when their fingerprint is the submission's
fingerprint now (`tables.desk.activity`), and “检查中” otherwise, and asks for a refresh.

- `submission_check_counts_refresh(submission=)` reads the submission's fingerprint first, then
  runs the checks and stores the counts with that fingerprint. In that order a change committed
  while the checks run leaves the stored fingerprint behind the data, so the counts are seen as
  stale and computed again: old counts are never stored under a new fingerprint.
- `check_counts_refresh_request(year=)` enqueues one `check_counts_refresh_task` for the year,
  unless one is already waiting to start (a page of 400 stale units is one task, not 400; a
  task already running may have read its fingerprints before the newest change, so a new one is
  queued behind it).
- `check_counts_refresh_year(year=, stale_only=)` is the task's body and the command's
  (`manage.py refresh_check_counts`, for a timer): the command recomputes every submission of
  the year by default, since a few inputs of the checks leave no record in the fingerprint (a
  new list of classification codes, last year's figures published meanwhile).

Idempotent: a task run twice (its worker died after committing) finds the counts fresh and does
nothing more.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone
from django_tasks import task

from tables.desk.activity import submission_fingerprint, submissions_activity
from tables.document.build import submission_findings
from tables.models import SubmissionCheckCounts
from units.models import Submission, SubmissionKind
from units.selectors import submission_queryset
from units.severity import ERROR, NOTICE, WARNING

logger = logging.getLogger(__name__)


def submission_check_counts_refresh(*, submission: Submission) -> SubmissionCheckCounts:
    """Run the submission's checks and store how many 错误, 警告 and 提示 they found, with the
    fingerprint of the recorded changes they were run on."""
    fingerprint = submission_fingerprint(submission_id=submission.pk)
    started = timezone.now()
    found = Counter(finding.severity for finding in submission_findings(submission=submission))
    counts, _ = SubmissionCheckCounts.objects.update_or_create(
        submission=submission,
        defaults={
            "errors": found[ERROR],
            "warnings": found[WARNING],
            "notices": found[NOTICE],
            "checked_at": started,
            "fingerprint": fingerprint,
        },
    )
    return counts


@dataclass(frozen=True)
class CheckCounts:
    """Stored counts that are still true (read as values: hundreds of them on one page)."""

    errors: int
    warnings: int
    notices: int
    checked_at: datetime.datetime


def check_counts_fresh(*, fingerprints: dict[int, str]) -> dict[int, CheckCounts]:
    """The stored counts of the submissions (id → fingerprint now) that are still true: their
    fingerprint is the submission's now. Missing or stale ones are left out (one query)."""
    stored = SubmissionCheckCounts.objects.filter(submission_id__in=list(fingerprints)).values_list(
        "submission_id", "fingerprint", "errors", "warnings", "notices", "checked_at"
    )
    return {
        submission_id: CheckCounts(errors, warnings, notices, checked_at)
        for submission_id, fingerprint, errors, warnings, notices, checked_at in stored
        if fingerprint == fingerprints[submission_id]
    }


@dataclass(frozen=True)
class RefreshSummary:
    refreshed: int
    fresh: int
    failed: list[int]


def check_counts_refresh_year(*, year: int, stale_only: bool = True) -> RefreshSummary:
    """Compute the counts of the year's budget submissions (those the 年度总览 lists): those
    missing or stale (`stale_only`), or all. One submission whose checks fail is logged and
    skipped; the others go on."""
    year_submissions = submission_queryset().filter(year=year, kind=SubmissionKind.BUDGET)
    submissions = list(year_submissions.order_by("unit__code"))
    fresh: dict[int, CheckCounts] = {}
    if stale_only:
        activity = submissions_activity(submissions=year_submissions)
        fresh = check_counts_fresh(
            fingerprints={pk: entry.fingerprint for pk, entry in activity.items()}
        )
    refreshed, failed = 0, []
    for submission in submissions:
        if submission.pk in fresh:
            continue
        try:
            submission_check_counts_refresh(submission=submission)
        except Exception:
            logger.exception("检查结果计数失败：%s", submission)
            failed.append(submission.pk)
        else:
            refreshed += 1
    return RefreshSummary(refreshed=refreshed, fresh=len(fresh), failed=failed)


@task()
def check_counts_refresh_task(*, year: int) -> dict:
    """Compute the missing and stale check counts of a year (`check_counts_refresh_year`);
    enqueued by `check_counts_refresh_request` when the 年度总览 finds some."""
    summary = check_counts_refresh_year(year=year)
    return {"refreshed": summary.refreshed, "fresh": summary.fresh, "failed": summary.failed}


def _waiting(year: int) -> bool:
    """Whether a refresh of the year is queued and not started yet (database backend only; the
    immediate backend of the tests runs it at once)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(check_counts_refresh_task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=check_counts_refresh_task.module_path,
        status="READY",
        args_kwargs__kwargs__year=year,
    ).exists()


def check_counts_refresh_request(*, year: int) -> bool:
    """Queue the computation of the year's missing and stale counts, unless it is queued already;
    True when a task was queued."""
    if _waiting(year):
        return False
    check_counts_refresh_task.enqueue(year=year)
    return True
