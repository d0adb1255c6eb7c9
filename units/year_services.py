"""Writes of a new budget year inside `units`: one unit's draft submission with what carries
over from its previous year (texts, 名词解释, projects), never touching a submission that
exists.

The bureau's 开启新年度 (`tables.desk.year_open.year_open`) calls `submission_open` once per
unit, with the 上年数 it has read from last year's *published* version (a layer above this
one), and then copies 绩效目标 (`performance`); this module knows only units and submissions.

Decisions:

- What carries over is what a unit writes once and keeps: 职责, 机构设置, the notes and the
  名词解释 (`units.services.submission_texts_initialise`, which also starts a unit without a
  previous year from its standing texts and the standard glossary), and its projects by name,
  类别, 属性 and 项目期, in last year's order. Not the budget lines (this year's money), not
  the reasons of the 情况说明 (per year), not a project's extra 资金批次 (a batch is one year's
  allocation), nor procurement or purchased services (this year's plans).
- A submission that exists for the unit and year is never changed: opening a year twice, or
  after a unit started on its own, creates nothing twice. Two openings at once create one
  submission (the unique (unit, year, kind) constraint decides; the loser reports it as existing).
- A new year is a year of budgets: only budget submissions are looked at and created, and what
  carries over comes from last year's budget. A unit's 决算 of a year (`SubmissionKind.FINAL`)
  is opened elsewhere (`tables.desk.final_open`) and is neither a reason to skip the unit nor a
  source of its projects.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from units.history import objects_bulk_create
from units.models import BudgetUnit, Project, Submission, SubmissionKind, SubmissionStatus
from units.services import submission_texts_initialise

#: The 上年数 fields a new year's submission may be given (`Submission.prior_*`).
PRIOR_FIELDS = (
    "prior_total",
    "prior_general_current",
    "prior_outbound",
    "prior_reception",
    "prior_vehicle_purchase",
    "prior_vehicle_operation",
    "prior_operating_costs",
)


def projects_copy_from_previous_year(*, submission: Submission) -> list[Project]:
    """Give a submission without projects the main projects of the unit's previous year (name,
    类别, 属性, 项目期, order), with no budget lines; returns the projects created (none when
    the submission has projects already or the unit had no previous year)."""
    if Project.objects.filter(submission=submission).exists():
        return []
    previous = Project.objects.filter(
        submission__unit_id=submission.unit_id,
        submission__year=submission.year - 1,
        submission__kind=submission.kind,
        allocation_of__isnull=True,
    ).order_by("position", "id")
    return objects_bulk_create(
        Project,
        (
            Project(
                submission=submission,
                name=project.name,
                category=project.category,
                recurrence=project.recurrence,
                period_years=project.period_years,
                position=position,
            )
            for position, project in enumerate(previous, start=1)
        ),
    )


def submission_open(
    *, unit: BudgetUnit, year: int, prior: dict | None = None, actor=None
) -> Submission | None:
    """Create `unit`'s draft budget submission for `year` with the 上年数 in `prior` (field →
    元, keys from `PRIOR_FIELDS`), last year's texts, 名词解释 and projects, all in one
    transaction; None (and nothing written) when the unit already has a budget for that year."""
    prior = prior or {}
    unknown = set(prior) - set(PRIOR_FIELDS)
    if unknown:
        raise ValueError(f"not a prior-year field: {', '.join(sorted(unknown))}")
    budgets = Submission.objects.filter(unit=unit, year=year, kind=SubmissionKind.BUDGET)
    if budgets.exists():
        return None
    submission = Submission(
        unit=unit, year=year, kind=SubmissionKind.BUDGET, status=SubmissionStatus.DRAFT, **prior
    )
    submission._history_user = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            submission.save()
            submission_texts_initialise(submission=submission)
            projects_copy_from_previous_year(submission=submission)
    except IntegrityError:
        # Opened by someone else since the check above: theirs stands, ours is rolled back.
        if budgets.exists():
            return None
        raise
    return submission
