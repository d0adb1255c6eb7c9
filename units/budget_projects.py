"""The projects of a budget-line workbook: 资金批次 numbering, and how an import keeps, creates
and deletes projects.

A workbook names a project on each of its lines by (项目名称, 资金批次): 1 for the main project,
2, 3… for its extra allocations in order (`project_batches`, used by the export and the
import alike). An import matches the file's projects to the existing ones by that pair
(`projects_match`), so their 绩效目标 and ids survive; an unmatched existing project is
deleted, unless a 绩效目标 or 政府采购预算 refers to it, which is reported as a problem. Saving
(`projects_save`) then updates the matched projects in place, creates the new ones, deletes the
unmatched ones and points the new lines at their projects.

Kept apart from `units.budget_import`, which reads and checks the rows: this is the part that
decides what happens to existing data (other modules' rows refer to projects), so its rules are
read in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from units.budget_excel import SHEET_LINES
from units.excel.problems import Problem
from units.history import objects_bulk_update
from units.models import BudgetLine, ProcurementItem, Project, Submission


@dataclass
class ProjectSpec:
    """A project as the file gives it: its columns, the first row naming it, and its lines."""

    name: str
    batch: int
    row: int
    category: str = ""
    recurrence: str = ""
    period: int | None = None
    lines: list[BudgetLine] = field(default_factory=list)


@dataclass
class ProjectMatch:
    """The existing projects by (name, 资金批次), those the import will delete, and the problems
    that deleting them would cause."""

    by_key: dict[tuple[str, int], Project]
    removed: list[Project]
    problems: list[Problem]


@dataclass
class ProjectsSaved:
    """The names of the projects an import created, updated and deleted."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def project_batches(projects) -> dict[int, int]:
    """Project id → 资金批次: 1 for a main project, 2, 3… for its extra allocations in order."""
    batches = {}
    by_owner = defaultdict(list)
    for project in projects:
        if project.allocation_of_id:
            by_owner[project.allocation_of_id].append(project)
        else:
            batches[project.id] = 1
    for allocations in by_owner.values():
        for batch, project in enumerate(sorted(allocations, key=lambda p: (p.position, p.id)), 2):
            batches[project.id] = batch
    return batches


def projects_match(
    *, submission: Submission, keys, procurements_replaced: bool = False
) -> ProjectMatch:
    """Match the file's projects (`keys`: their (name, 资金批次)) to the existing ones; the
    unmatched ones will be deleted, which is a problem when a 绩效目标 or 政府采购预算 refers to
    them (not the latter when `procurements_replaced`: the file's 政府采购 sheet replaces the
    items, and the import deletes the old ones first)."""
    problems: list[Problem] = []
    existing = list(Project.objects.filter(submission=submission))
    batches = project_batches(existing)
    by_key: dict[tuple[str, int], Project] = {}
    for project in sorted(existing, key=lambda p: (p.position, p.id)):
        by_key.setdefault((project.name, batches[project.id]), project)
    keep_ids = {by_key[k].id for k in keys if k in by_key}
    removed = [p for p in existing if p.id not in keep_ids]
    if removed:
        removed_ids = {p.id for p in removed}
        with_target = set(
            # the reverse side of performance's ProjectTarget.project (`target`), so that
            # units needs no import of the layer above it
            Project.objects.filter(pk__in=removed_ids, target__isnull=False).values_list(
                "pk", flat=True
            )
        )
        with_procurement = (
            set()
            if procurements_replaced
            else set(
                ProcurementItem.objects.filter(project_id__in=removed_ids).values_list(
                    "project_id", flat=True
                )
            )
        )
        for project in removed:
            uses = [
                what
                for what, ids in (("绩效目标", with_target), ("政府采购预算", with_procurement))
                if project.id in ids
            ]
            if uses:
                problems.append(
                    Problem(
                        SHEET_LINES,
                        f"文件中没有项目「{project.name}」（资金批次 {batches[project.id]}），"
                        f"但它已有{'和'.join(uses)}，不能删除。请在文件中保留该项目，"
                        "或先删除其" + "和".join(uses) + "。",
                    )
                )
    return ProjectMatch(by_key=by_key, removed=removed, problems=problems)


def projects_save(
    *, submission: Submission, specs: dict[tuple[str, int], ProjectSpec], match: ProjectMatch
) -> ProjectsSaved:
    """Delete the submission's budget lines, then update matching projects in place, create new
    ones, delete the unmatched ones, and point each spec's lines at its saved project."""
    by_key, removed = match.by_key, match.removed
    saved_names = ProjectsSaved()
    BudgetLine.objects.filter(submission=submission).delete()
    # Unlink through the audit trail (a queryset update() would not be recorded).
    unlinked = [p for p in removed if p.allocation_of_id is not None]
    for project in unlinked:
        project.allocation_of = None
    objects_bulk_update(Project, unlinked, ["allocation_of"])
    Project.objects.filter(id__in=[p.id for p in removed]).delete()
    saved_names.deleted = [p.name for p in removed]

    saved: dict[tuple[str, int], Project] = {}
    ordered = sorted(specs.items(), key=lambda item: (item[0][1] > 1, item[1].row))
    position_of = {key: i for i, key in enumerate(specs, start=1)}
    for key, spec in ordered:
        project = by_key.get(key) or Project(submission=submission, name=spec.name)
        (saved_names.updated if project.pk else saved_names.created).append(spec.name)
        project.category = spec.category
        project.recurrence = spec.recurrence
        project.period_years = spec.period or 1
        project.position = position_of[key]
        project.allocation_of = saved[(spec.name, 1)] if spec.batch > 1 else None
        project.save()
        saved[key] = project
        for line in spec.lines:
            line.project = project
    return saved_names
