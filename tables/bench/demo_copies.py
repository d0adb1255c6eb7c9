"""Copies of the demo unit for `benchmark_publish --like-demo`: N units whose 2025 submissions
hold exactly what the demo's does (budget lines, projects and their allocations, 政府采购,
assets, texts, 名词解释, the unit's and the projects' 绩效目标 with their indicators and key
tasks), each under its own code and name and already 已审核.

The demo is loaded once (`performance.demo.demo_load`) and its rows are cloned with one
`bulk_create` per table for all copies together, so 300 copies take seconds, not 300 demo
loads. The clones get no history records (publishing does not read them)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from performance.models import Indicator, KeyTask, ProjectTarget, UnitTarget
from units.models import (
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    Department,
    GlossaryTerm,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
    SubmissionStatus,
    SubmissionText,
)

BATCH_SIZE = 1000


def demo_copy_code(index: int, prefix: str = "D") -> str:
    """The unit code of copy `index` (1-based): D0001, D0002, …"""
    return f"{prefix}{index:04d}"


def demo_copy_name(index: int, suffix: str = "") -> str:
    """The unit name of copy `index` (1-based): 演示单位0001, …"""
    return f"演示单位{index:04d}{suffix}"


def _values(obj: models.Model, **changes) -> models.Model:
    """A new, unsaved row with `obj`'s column values (not its primary key), `changes` (by
    attname, e.g. submission_id) applied."""
    values = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    return type(obj)(**values)


def _bulk(model, rows: list[tuple[int, int, models.Model]]) -> dict[tuple[int, int], int]:
    """Insert the new rows of (copy, old pk, new row) and map (copy, old pk) → new pk."""
    created = model.objects.bulk_create([row for _, _, row in rows], batch_size=BATCH_SIZE)
    if any(row.pk is None for row in created):  # pragma: no cover - old SQLite only
        raise RuntimeError("bulk_create did not return primary keys")
    return {(copy, old): row.pk for (copy, old, _), row in zip(rows, created, strict=True)}


@transaction.atomic
def demo_copies_create(
    *,
    source: Submission,
    codes: Iterable[str],
    names: Iterable[str],
    status: str = SubmissionStatus.APPROVED,
) -> list[int]:
    """Clone `source` (the demo's submission) once per code/name pair: a department and a unit
    of that code and name (the demo is its own 主管部门) and a submission in `status`
    (已审核, approved today) with all of the source's content. Returns the new submissions' ids
    in order."""
    pairs = list(zip(codes, names, strict=True))
    copies = range(len(pairs))
    unit = source.unit
    today = timezone.localdate()

    departments = Department.objects.bulk_create(
        [Department(code=code, name=name) for code, name in pairs], batch_size=BATCH_SIZE
    )
    units = BudgetUnit.objects.bulk_create(
        [
            _values(unit, code=code, name=name, department_id=department.pk)
            for (code, name), department in zip(pairs, departments, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    submissions = Submission.objects.bulk_create(
        [
            _values(
                source,
                unit_id=new_unit.pk,
                status=status,
                approval_date=today,
                version=1,
            )
            for new_unit in units
        ],
        batch_size=BATCH_SIZE,
    )
    submission_of = {copy: submissions[copy].pk for copy in copies}

    def owned(model, **filters):
        return list(model.objects.filter(**filters).order_by("pk"))

    def clone(model, rows, links) -> dict[tuple[int, int], int]:
        """Every row once per copy, its foreign keys set by `links(copy, row)` (attname →
        new id); (copy, old pk) → new pk."""
        return _bulk(
            model,
            [(copy, row.pk, _values(row, **links(copy, row))) for copy in copies for row in rows],
        )

    def mapped(of, copy, old):
        """The new id of the copy of `old` in `of` (None stays None)."""
        return None if old is None else of[(copy, old)]

    def own_submission(copy, row):
        return {"submission_id": submission_of[copy]}

    # Projects: the projects first, then their allocations (which point at them).
    projects = owned(Project, submission=source)
    project_of = clone(Project, [p for p in projects if p.allocation_of_id is None], own_submission)
    project_of |= clone(
        Project,
        [p for p in projects if p.allocation_of_id is not None],
        lambda copy, p: {
            "submission_id": submission_of[copy],
            "allocation_of_id": project_of[(copy, p.allocation_of_id)],
        },
    )
    for model in (BudgetLine, ProcurementItem):
        clone(
            model,
            owned(model, submission=source),
            lambda copy, row: {
                "submission_id": submission_of[copy],
                "project_id": mapped(project_of, copy, row.project_id),
            },
        )
    for model in (PurchasedService, AssetFacts, SubmissionText, GlossaryTerm):
        clone(model, owned(model, submission=source), own_submission)

    unit_target_of = clone(UnitTarget, owned(UnitTarget, submission=source), own_submission)
    clone(
        KeyTask,
        owned(KeyTask, unit_target__submission=source),
        lambda copy, t: {"unit_target_id": unit_target_of[(copy, t.unit_target_id)]},
    )
    project_target_of = clone(
        ProjectTarget,
        owned(ProjectTarget, project__submission=source),
        lambda copy, t: {"project_id": project_of[(copy, t.project_id)]},
    )
    clone(
        Indicator,
        owned(Indicator, unit_target__submission=source)
        + owned(Indicator, project_target__project__submission=source),
        lambda copy, i: {
            "unit_target_id": mapped(unit_target_of, copy, i.unit_target_id),
            "project_target_id": mapped(project_target_of, copy, i.project_target_id),
        },
    )
    return [submission_of[copy] for copy in copies]
