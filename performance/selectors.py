"""Reads for 绩效目标: one submission's targets loaded into `performance.types` in a fixed
number of queries (5), whatever the number of projects and indicators."""

from collections import defaultdict

from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, KeyTask, ProjectTarget, UnitTarget
from performance.types import (
    CategoryRow,
    Footer,
    FundSplit,
    IndicatorRow,
    ProjectTargetRow,
    TargetData,
    UnitProfile,
    UnitTargetRow,
)
from units.models import Submission
from units.selectors import MEMBER_READY_STATUSES, department_member_submissions


def _indicator_row(indicator: Indicator) -> IndicatorRow:
    level2 = indicator.category
    return IndicatorRow(
        scope=indicator.scope,
        level1=level2.parent.name if level2.parent_id else "",
        level2=level2.name,
        level2_code=level2.code,
        name=indicator.name,
        text=indicator.text,
        comparator=indicator.comparator,
        number=indicator.value,
        unit=indicator.unit,
        position=indicator.position,
    )


def _footer(target) -> Footer:
    return Footer(
        leader=target.leader, handler=target.handler, phone=target.phone, filled_at=target.filled_at
    )


def _sorted_indicators(indicators, order: dict[str, int]) -> tuple[IndicatorRow, ...]:
    return tuple(
        sorted(
            indicators,
            key=lambda i: (i.scope != "period", order.get(i.level2_code, 999), i.position),
        )
    )


def unit_profile(submission: Submission) -> UnitProfile:
    unit = submission.unit
    return UnitProfile(
        department_label=f"{unit.department.code}-{unit.department.name}",
        unit_name=unit.name,
        internal_departments=unit.internal_departments,
        subordinate_units=unit.subordinate_units,
        authorized_staff=unit.authorized_staff,
        actual_staff=unit.actual_staff,
        on_payroll_staff=unit.on_payroll_staff,
        other_staff=unit.other_staff,
        duties=unit.duties,
    )


def target_data_load(*, submission: Submission) -> TargetData:
    """Load the targets of one submission (expects `submission.unit.department` selected)."""
    return _targets_load(submission=submission, project_submission_ids=[submission.pk])


def department_target_data_load(*, submission: Submission) -> TargetData:
    """The targets of a 部门预算: the consolidating unit's own 整体支出绩效目标 and the
    项目支出绩效目标 of every member whose budget the department counts (本级 first, then by code;
    two queries more than a unit's: the members and their submissions)."""
    ids = [
        s.pk
        for _, s in department_member_submissions(
            unit=submission.unit, year=submission.year, kind=submission.kind
        )
        if s is not None and s.status in MEMBER_READY_STATUSES
    ]
    return _targets_load(submission=submission, project_submission_ids=ids)


def _targets_load(*, submission: Submission, project_submission_ids: list[int]) -> TargetData:
    framework = default_framework()
    categories = tuple(
        CategoryRow(c.code, c.name, c.level, c.parent.code if c.parent_id else "", c.position)
        for c in IndicatorCategory.objects.filter(framework=framework).select_related("parent")
    )
    order = {c.code: c.position for c in categories}

    indicators = (
        Indicator.objects.filter(project_target__project__submission_id__in=project_submission_ids)
        | Indicator.objects.filter(unit_target__submission=submission)
    ).select_related("category__parent")
    unit_indicators, project_indicators = [], defaultdict(list)
    for indicator in indicators:
        row = _indicator_row(indicator)
        if indicator.unit_target_id:
            unit_indicators.append(row)
        else:
            project_indicators[indicator.project_target_id].append(row)

    unit_target = UnitTarget.objects.filter(submission=submission).first()
    unit_row = None
    if unit_target is not None:
        tasks = KeyTask.objects.filter(unit_target=unit_target).values_list("function", "tasks")
        unit_row = UnitTargetRow(
            strategic_goal=unit_target.strategic_goal,
            annual_goal=unit_target.annual_goal,
            key_tasks=tuple(tasks),
            indicators=_sorted_indicators(unit_indicators, order),
            footer=_footer(unit_target),
        )

    project_rows = tuple(
        ProjectTargetRow(
            id=t.id,
            project_id=t.project_id,
            implementer=t.implementer,
            overview=t.overview,
            basis=t.basis,
            necessity=t.necessity,
            measures=t.measures,
            plan=t.plan,
            goal_period=t.goal_period,
            goal_year=t.goal_year,
            funds_period=FundSplit(
                central=t.period_central,
                provincial=t.period_provincial,
                local=t.period_local,
                self_raised=t.period_self_raised,
                other=t.period_other,
            ),
            year_central=t.year_central,
            year_provincial=t.year_provincial,
            year_other=t.year_other,
            indicators=_sorted_indicators(project_indicators[t.id], order),
            footer=_footer(t),
        )
        for t in ProjectTarget.objects.filter(
            project__submission_id__in=project_submission_ids
        ).order_by(
            "-project__submission__unit__is_headquarters",
            "project__submission__unit__code",
            "project__position",
            "project_id",
        )
    )
    return TargetData(
        profile=unit_profile(submission),
        unit_target=unit_row,
        project_targets=project_rows,
        categories=categories,
    )
