"""Synthetic units of a season for the 年度总览 benchmark (`manage.py benchmark_bureau`).

`bureau_units_create(count=, year=, lines=)` bulk-inserts `count` budget units under one
主管部门 per 20 units and, for nine units in ten, a submission of `year` in a state that cycles
through the season (草稿, 已提交, 已退回, 已审核, 已发布, 更正中), a 批复日期 some days back (so some
are overdue), `lines` budget lines with their projects written with their audit trail (what
the dashboard's last activity and fingerprints read), a workflow move for each state past 草稿,
and check counts that are fresh (stored with the submission's fingerprint): the dashboard must
not enqueue a refresh while it is being measured. The caller rolls everything back.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from tables.desk.activity import submissions_activity
from tables.models import SubmissionCheckCounts
from units.history import objects_bulk_create
from units.models import (
    BudgetLine,
    BudgetUnit,
    Department,
    Project,
    StatusChange,
    Submission,
    SubmissionStatus,
    UnitKind,
)
from units.reference_defaults import load_default_reference
from units.synthetic import code_pool_load, synthetic_lines_build, synthetic_projects_build

S = SubmissionStatus
UNIT_PREFIX = "BB"
UNITS_PER_DEPARTMENT = 20
#: (status, version) of the submissions, in turn; the draft of version 2 is 更正中
CYCLE = [
    (S.DRAFT, 1),
    (S.SUBMITTED, 1),
    (S.RETURNED, 1),
    (S.APPROVED, 1),
    (S.PUBLISHED, 1),
    (S.DRAFT, 2),
]
#: the move that led into each state, for its StatusChange
INTO = {
    S.SUBMITTED: S.DRAFT,
    S.RETURNED: S.SUBMITTED,
    S.APPROVED: S.SUBMITTED,
    S.PUBLISHED: S.APPROVED,
}


def bureau_units_create(*, count: int, year: int, lines: int, start: int = 0) -> list[Submission]:
    """Units `BB00001…` (numbered from `start` + 1) with their submissions of `year`; returns
    the submissions."""
    load_default_reference(year=year)
    pool = code_pool_load(year=year)
    rng = random.Random(start)
    today = timezone.localdate()
    departments = {}
    units = []
    for number in range(start + 1, start + count + 1):
        group = (number - 1) // UNITS_PER_DEPARTMENT + 1
        if group not in departments:
            departments[group], _ = Department.objects.get_or_create(
                code=f"{UNIT_PREFIX}-D{group:03d}", defaults={"name": f"合成主管部门{group:03d}"}
            )
        units.append(
            BudgetUnit(
                code=f"{UNIT_PREFIX}{number:05d}",
                name=f"合成预算单位{number:05d}",
                kind=UnitKind.ADMINISTRATIVE,
                department=departments[group],
            )
        )
    units = BudgetUnit.objects.bulk_create(units)
    submissions = []
    for index, unit in enumerate(units):
        if index % 10 == 9:
            continue  # 未开始
        status, version = CYCLE[index % len(CYCLE)]
        submission = Submission(
            unit=unit,
            year=year,
            version=version,
            approval_date=today - datetime.timedelta(days=rng.randint(0, 40)),
        )
        submission.target_status = status  # set after the lines: published data is guarded
        submissions.append(submission)
    submissions = Submission.objects.bulk_create(submissions)
    projects, budget_lines = [], []
    for submission in submissions:
        made = synthetic_projects_build(submission=submission, count=max(1, lines // 25), rng=rng)
        projects += made
    projects = objects_bulk_create(Project, projects, batch_size=500)
    by_submission: dict[int, list[Project]] = {}
    for project in projects:
        by_submission.setdefault(project.submission_id, []).append(project)
    for submission in submissions:
        budget_lines += synthetic_lines_build(
            submission=submission,
            projects=by_submission.get(submission.pk, []),
            n_lines=lines,
            rng=rng,
            pool=pool,
        )
    objects_bulk_create(BudgetLine, budget_lines, batch_size=1000)
    for status, _ in CYCLE:
        chosen = [s for s in submissions if s.target_status == status]
        Submission.objects.filter(pk__in=[s.pk for s in chosen]).update(status=status)
        for submission in chosen:
            submission.status = status
    StatusChange.objects.bulk_create(
        StatusChange(
            submission=submission,
            from_status=INTO[submission.status],
            to_status=submission.status,
            version=submission.version,
        )
        for submission in submissions
        if submission.status in INTO
    )
    activity = submissions_activity(submissions=Submission.objects.filter(year=year))
    SubmissionCheckCounts.objects.bulk_create(
        SubmissionCheckCounts(
            submission=submission,
            errors=index % 3,
            warnings=index % 5,
            fingerprint=activity[submission.pk].fingerprint,
        )
        for index, submission in enumerate(submissions)
    )
    return submissions
