"""Writes for 绩效目标: copying last year's targets, and the Excel template, export and import of
project targets (`performance.excel` holds the workbook layout). Admin, views and commands call
these; none writes targets itself.

Decisions:

- Copying from last year fills only what is missing (never overwrites) and matches projects by
  name. Texts, indicators, 实施期资金 and the contact persons are copied; the 年度 money from
  outside the budget (中央, 省级, 其他) is not: it is this year's allocation, and a copied figure
  would claim money nobody has confirmed. 填报日期 is left empty (the copy is a draft).
- An import replaces the targets of the projects named in the file, and only those; all rows
  are checked before anything is written, and one transaction writes them, so a file with any
  error changes nothing and the same file imported twice gives the same targets.
- The template (for a submission) and the export carry their identity (`units.excel.identity`:
  the year, and for an export the unit code): a file of ours for another year or another unit
  is refused with one message naming both, since project names repeat from year to year and
  would otherwise match. A file without an identity still imports.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from performance.excel import (
    INDICATOR_COLUMNS,
    MONEY_KEYS,
    PROJECT_COLUMNS,
    SCOPE_BY_LABEL,
    SHEET_INDICATORS,
    SHEET_PROJECTS,
    Problem,
    SheetRow,
    WorkbookRows,
    cell_datetime,
    cell_money,
    cell_text,
    problems_error,
    read_upload,
    workbook_read,
    workbook_write,
)
from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, KeyTask, ProjectTarget, UnitTarget
from performance.selectors import target_data_load
from units.excel.identity import KIND_TARGETS, identity_check
from units.excel.importing import planned_import
from units.history import history_reason, objects_bulk_create
from units.models import Project, Submission

# --- copy from the previous year -----------------------------------------------------------

#: The texts of a project target (实施单位, 项目概况 … 年度总体目标), as typed.
PROJECT_TARGET_TEXT_FIELDS = (
    "implementer",
    "overview",
    "basis",
    "necessity",
    "measures",
    "plan",
    "goal_period",
    "goal_year",
)
#: Fields of a project target copied from last year (年度 central/provincial/other are not).
PROJECT_TARGET_COPIED_FIELDS = (
    *PROJECT_TARGET_TEXT_FIELDS,
    "period_central",
    "period_provincial",
    "period_local",
    "period_self_raised",
    "period_other",
    "leader",
    "handler",
    "phone",
)
INDICATOR_COPIED_FIELDS = ("scope", "category_id", "name", "text", "comparator", "value", "unit")


@dataclass
class CopyReport:
    """What `targets_copy_from_previous_year` copied and skipped."""

    source_year: int
    unit_target: str = ""  # what happened to the unit-level target, in Chinese
    copied: list[str] = field(default_factory=list)  # project names
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (project name, reason)
    indicators: int = 0

    def summary(self) -> str:
        lines = [
            f"从 {self.source_year} 年复制：整体绩效目标{self.unit_target}；"
            f"项目绩效目标复制 {len(self.copied)} 个，跳过 {len(self.skipped)} 个；"
            f"共复制指标 {self.indicators} 条。"
        ]
        if self.copied:
            lines.append("已复制（年度中央、省级和其他资金未复制，请填写；请逐项核对文字和指标）：")
            lines.extend(f"  {name}" for name in self.copied)
        if self.skipped:
            lines.append("未复制：")
            lines.extend(f"  {name}：{reason}" for name, reason in self.skipped)
        return "\n".join(lines)


def _copied_indicators(sources, **owner) -> list[Indicator]:
    return [
        Indicator(
            **{name: getattr(source, name) for name in INDICATOR_COPIED_FIELDS},
            position=source.position,
            **owner,
        )
        for source in sources
    ]


def _unit_target_copy(*, submission: Submission, previous: Submission) -> tuple[str, int]:
    if UnitTarget.objects.filter(submission=submission).exists():
        return "已存在，未覆盖", 0
    source = UnitTarget.objects.filter(submission=previous).first()
    if source is None:
        return "上年没有，未复制", 0
    target = UnitTarget.objects.create(
        submission=submission,
        strategic_goal=source.strategic_goal,
        annual_goal=source.annual_goal,
        leader=source.leader,
        handler=source.handler,
        phone=source.phone,
    )
    objects_bulk_create(
        KeyTask,
        (
            KeyTask(unit_target=target, function=t.function, tasks=t.tasks, position=t.position)
            for t in source.key_tasks.all()
        ),
    )
    indicators = objects_bulk_create(
        Indicator, _copied_indicators(source.indicators.all(), unit_target=target)
    )
    return "已复制", len(indicators)


@transaction.atomic
def targets_copy_from_previous_year(*, submission: Submission) -> CopyReport:
    """Copy last year's unit target and same-named projects' targets where none exist yet."""
    with history_reason("复制上年绩效目标"):
        return _targets_copy(submission=submission)


def _targets_copy(*, submission: Submission) -> CopyReport:
    # The lock serialises two copies (or a copy and an import) of the same submission.
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    # last year's submission of the same kind: a budget's targets come from last year's budget
    previous = Submission.objects.filter(
        unit_id=submission.unit_id, year=submission.year - 1, kind=submission.kind
    ).first()
    if previous is None:
        raise ValidationError(
            f"找不到本单位 {submission.year - 1} 年的预算公开填报，无法复制上年绩效目标。"
        )
    report = CopyReport(source_year=previous.year)
    report.unit_target, report.indicators = _unit_target_copy(
        submission=submission, previous=previous
    )

    previous_names = Counter(
        Project.objects.filter(submission=previous, allocation_of=None).values_list(
            "name", flat=True
        )
    )
    sources = {
        t.project.name: t
        for t in ProjectTarget.objects.filter(
            project__submission=previous, project__allocation_of=None
        ).select_related("project")
    }
    has_target = set(
        ProjectTarget.objects.filter(project__submission=submission).values_list(
            "project_id", flat=True
        )
    )
    copies: list[tuple[ProjectTarget, ProjectTarget]] = []
    for project in Project.objects.filter(submission=submission, allocation_of=None):
        name = project.name
        if project.id in has_target:
            report.skipped.append((name, "已有绩效目标，未覆盖"))
        elif not previous_names[name]:
            report.skipped.append((name, "上年没有同名项目"))
        elif previous_names[name] > 1:
            report.skipped.append((name, "上年有多个同名项目，无法确定复制哪一个"))
        elif name not in sources:
            report.skipped.append((name, "上年同名项目没有绩效目标"))
        else:
            source = sources[name]
            target = ProjectTarget.objects.create(
                project=project,
                **{f: getattr(source, f) for f in PROJECT_TARGET_COPIED_FIELDS},
            )
            copies.append((source, target))
            report.copied.append(name)

    by_source = defaultdict(list)
    for indicator in Indicator.objects.filter(project_target__in=[s for s, _ in copies]):
        by_source[indicator.project_target_id].append(indicator)
    new = []
    for source, target in copies:
        new += _copied_indicators(by_source[source.id], project_target=target)
    report.indicators += len(objects_bulk_create(Indicator, new))
    return report


# --- Excel: template, export, import ------------------------------------------------------


@dataclass
class ImportReport:
    """What `targets_import` wrote."""

    submission: str
    created: list[str] = field(default_factory=list)  # project names
    replaced: list[str] = field(default_factory=list)
    indicators: int = 0

    def summary(self) -> str:
        return (
            f"{self.submission}：导入项目绩效目标 {len(self.created) + len(self.replaced)} 个"
            f"（新建 {len(self.created)} 个，替换 {len(self.replaced)} 个），"
            f"绩效指标 {self.indicators} 条。"
        )


def _framework_pairs() -> list[tuple[str, str]]:
    return [
        (c.parent.name, c.name)
        for c in IndicatorCategory.objects.filter(framework=default_framework(), level=2)
        .select_related("parent")
        .order_by("position", "code")
    ]


def targets_template_workbook(*, submission: Submission | None = None) -> bytes:
    """The empty import template (.xlsx); with a submission, 说明 names it and lists its
    project names to copy from."""
    title = ""
    if submission is not None:
        names = Project.objects.filter(submission=submission, allocation_of=None).values_list(
            "name", flat=True
        )
        title = f"填报：{submission}。可填写的项目名称：" + "；".join(names)
    return workbook_write(
        projects=[],
        indicators=[],
        framework_pairs=_framework_pairs(),
        title=title,
        year=submission.year if submission is not None else None,
    )


def targets_export_workbook(*, submission: Submission) -> bytes:
    """The submission's project targets in the import layout (export → import gives them back)."""
    data = target_data_load(submission=submission)
    names = dict(Project.objects.filter(submission=submission).values_list("id", "name"))
    level1 = {c.code: c.name for c in data.categories if c.level == 1}
    pairs = [
        (level1.get(c.parent_code, ""), c.name)
        for c in sorted(data.categories, key=lambda c: (c.position, c.code))
        if c.level == 2
    ]
    projects, indicators = [], []
    for target in data.project_targets:
        name = names[target.project_id]
        funds = target.funds_period
        projects.append(
            {
                "project": name,
                "implementer": target.implementer,
                "overview": target.overview,
                "basis": target.basis,
                "necessity": target.necessity,
                "measures": target.measures,
                "plan": target.plan,
                "goal_period": target.goal_period,
                "goal_year": target.goal_year,
                "period_central": funds.central,
                "period_provincial": funds.provincial,
                "period_local": funds.local,
                "period_self_raised": funds.self_raised,
                "period_other": funds.other,
                "year_central": target.year_central,
                "year_provincial": target.year_provincial,
                "year_other": target.year_other,
                "leader": target.footer.leader,
                "handler": target.footer.handler,
                "phone": target.footer.phone,
                "filled_at": target.footer.filled_at,
            }
        )
        indicators += [
            {
                "project": name,
                "scope": i.scope,
                "level1": i.level1,
                "level2": i.level2,
                "name": i.name,
                "text": i.text,
            }
            for i in target.indicators
        ]
    return workbook_write(
        projects=projects,
        indicators=indicators,
        framework_pairs=pairs,
        title=f"导出自：{submission}（{formats.date_format(timezone.localtime(), 'DATETIME_FORMAT')}）",
        year=submission.year,
        unit_code=submission.unit.code,
    )


_TEXT_KEYS = tuple(c.key for c in PROJECT_COLUMNS if c.kind == "text" and c.key != "project")
_REQUIRED_TEXT_KEYS = frozenset(c.key for c in PROJECT_COLUMNS if c.required)


def _model_problems(exc: ValidationError, row: SheetRow, sheet: str, field_to_key) -> list:
    problems = []
    for name, errors in exc.message_dict.items():
        key = field_to_key.get(name)
        for message in errors:
            if key is None or name == NON_FIELD_ERRORS:
                problems.append(Problem(sheet, message, row.number))
            else:
                problems.append(row.locate(sheet, key, message))
    return problems


class _Plan:
    """Everything an import will write, built (and checked) before anything is written."""

    def __init__(self, submission: Submission):
        self.submission = submission
        self.problems: list[Problem] = []
        self.targets: dict[str, ProjectTarget] = {}  # project name → target to save
        self.indicators: dict[str, list[Indicator]] = defaultdict(list)
        self.replaced: set[int] = set()  # ids of existing targets being replaced
        projects = list(Project.objects.filter(submission=submission))
        self.main = defaultdict(list)
        self.allocations = defaultdict(list)
        by_id = {p.id: p for p in projects}
        for project in projects:
            if project.allocation_of_id:
                owner = by_id.get(project.allocation_of_id)
                self.allocations[project.name].append(owner.name if owner else "")
            else:
                self.main[project.name].append(project)
        self.existing = {
            t.project_id: t for t in ProjectTarget.objects.filter(project__submission=submission)
        }
        categories = IndicatorCategory.objects.filter(
            framework=default_framework(), level=2
        ).select_related("parent")
        self.categories = {(c.parent.name, c.name): c for c in categories}
        self.level2_by_level1 = defaultdict(list)
        for level1, level2 in self.categories:
            self.level2_by_level1[level1].append(level2)
        self.now = timezone.now().replace(microsecond=0)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    # 项目目标 sheet

    def project_for(self, name: str) -> tuple[Project | None, str]:
        main = self.main.get(name, [])
        if len(main) == 1:
            return main[0], ""
        if len(main) > 1:
            return None, f"本填报中有 {len(main)} 个名为「{name}」的项目，无法确定是哪一个。"
        if name in self.allocations:
            owner = self.allocations[name][0]
            return None, (
                f"「{name}」是追加资金批次，与所属项目「{owner}」共用一张绩效目标表，"
                "请填写所属项目的名称。"
            )
        return None, (
            f"本填报（{self.submission}）中没有名为「{name}」的项目；"
            "项目名称须与预算（表十二）中的完全一致。"
        )

    def project_row(self, row: SheetRow, first_seen: dict[str, int]) -> None:
        sheet = SHEET_PROJECTS
        name = cell_text(row.values.get("project"))
        if not name:
            self.add(row.locate(sheet, "project", "项目名称不能为空。"))
            return
        if name in first_seen:
            self.add(
                row.locate(
                    sheet,
                    "project",
                    f"项目「{name}」与第{first_seen[name]}行重复，每个项目只填一行。",
                )
            )
            return
        first_seen[name] = row.number
        project, problem = self.project_for(name)
        if project is None:
            self.add(row.locate(sheet, "project", problem))
            return
        target = self.existing.get(project.id) or ProjectTarget(project=project)
        bad = set()
        for key in _TEXT_KEYS:
            text = cell_text(row.values.get(key))
            if key in _REQUIRED_TEXT_KEYS and not text:
                self.add(row.locate(sheet, key, "不能为空。"))
                bad.add(key)
            setattr(target, key, text)
        if target.implementer == self.submission.unit.name:
            target.implementer = ""  # 留空为本单位
        for key in MONEY_KEYS:
            try:
                setattr(target, key, cell_money(row.values.get(key), "金额"))
            except ValidationError as exc:
                self.add(row.locate(sheet, key, "；".join(exc.messages)))
                bad.add(key)
        try:
            target.filled_at = cell_datetime(row.values.get("filled_at")) or self.now
        except ValidationError as exc:
            self.add(row.locate(sheet, "filled_at", "；".join(exc.messages)))
            bad.add("filled_at")
        try:
            target.full_clean(
                exclude=["project", *bad], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            keys = {c.key: c.key for c in PROJECT_COLUMNS}
            self.problems += _model_problems(exc, row, sheet, keys)
        self.targets[name] = target
        if target.pk:
            self.replaced.add(target.pk)

    # 绩效指标 sheet

    def indicator_row(self, row: SheetRow, listed: set[str], positions: Counter) -> None:
        sheet = SHEET_INDICATORS
        values = {c.key: cell_text(row.values.get(c.key)) for c in INDICATOR_COLUMNS}
        if not values["name"] and not values["text"]:
            return  # an empty 二级 row of the printed form: nothing to import
        problems = []
        name = values["project"]
        if not name:
            problems.append(row.locate(sheet, "project", "项目名称不能为空。"))
        elif name not in listed:
            problems.append(
                row.locate(
                    sheet,
                    "project",
                    f"项目「{name}」不在「{SHEET_PROJECTS}」表中；指标须与其项目目标一起导入。",
                )
            )
        scope = SCOPE_BY_LABEL.get(values["scope"])
        if scope is None:
            problems.append(
                row.locate(
                    sheet, "scope", f"目标期「{values['scope']}」无效，应为 实施期 或 年度。"
                )
            )
        level1, level2 = values["level1"], values["level2"]
        category = self.categories.get((level1, level2))
        if category is None:
            if level1 not in self.level2_by_level1:
                choices = "、".join(self.level2_by_level1)
                problems.append(
                    row.locate(
                        sheet,
                        "level1",
                        f"一级指标「{level1}」不在指标体系中，应为 {choices} 之一。",
                    )
                )
            else:
                choices = "、".join(self.level2_by_level1[level1])
                problems.append(
                    row.locate(
                        sheet,
                        "level2",
                        f"一级指标「{level1}」下没有二级指标「{level2}」；可选：{choices}"
                        f"（见「指标体系」表）。",
                    )
                )
        if not values["name"]:
            problems.append(row.locate(sheet, "name", "三级指标不能为空。"))
        indicator = Indicator(
            scope=scope or "year",
            category=category,
            name=values["name"],
            text=values["text"],
        )
        exclude = ["unit_target", "project_target", "category"]
        if not values["name"]:
            exclude.append("name")
        if not values["text"]:
            exclude.append("text")  # clean() reports the empty value once
        if scope is None:
            exclude.append("scope")
        try:
            indicator.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            keys = {"scope": "scope", "category": "level2", "name": "name", "text": "text"}
            problems += _model_problems(exc, row, sheet, keys)
        if problems:
            self.problems += problems
            return
        positions[(name, scope)] += 1
        indicator.position = positions[(name, scope)]
        self.indicators[name].append(indicator)


def _plan_build(submission: Submission, rows: WorkbookRows) -> _Plan:
    plan = _Plan(submission)
    first_seen: dict[str, int] = {}
    for row in rows.projects:
        plan.project_row(row, first_seen)
    if not first_seen and not plan.problems:
        plan.add(Problem(SHEET_PROJECTS, "没有任何项目目标行。"))
    positions: Counter = Counter()
    for row in rows.indicators:
        plan.indicator_row(row, set(first_seen), positions)
    return plan


def targets_import(*, submission: Submission, file) -> ImportReport:
    """Import project targets and indicators from the workbook, all or nothing.

    `file` is a path, bytes or an (uploaded) file object. Raises ValidationError listing every
    problem by sheet, row and column; nothing is written then. A workbook we wrote for another
    year or (an export) another unit is refused first, naming both (`units.excel.identity`).
    """
    rows = workbook_read(
        read_upload(file),
        identity_check=functools.partial(identity_check, kind=KIND_TARGETS, submission=submission),
    )
    with planned_import(
        submission=submission,
        rows=rows,
        reason="导入绩效目标",
        plan_build=_plan_build,
        refusal=problems_error,
    ) as (submission, plan):
        report = ImportReport(submission=str(submission))
        Indicator.objects.filter(project_target_id__in=plan.replaced).delete()
        indicators = []
        for name, target in plan.targets.items():
            (report.replaced if target.pk else report.created).append(name)
            target.save()
            for indicator in plan.indicators[name]:
                indicator.project_target = target
                indicators.append(indicator)
        # Parsed fields were set by clean(); bulk_create does not call save().
        report.indicators = len(objects_bulk_create(Indicator, indicators, batch_size=500))
    return report
