"""Reads for the 绩效自评 of a 决算 submission: its targets (the unit's overall target and every
project's), their 年度 indicators with what the unit wrote, and the year's grade bands, loaded
into `performance.evaluation` dataclasses in a fixed number of queries (5) whatever the number
of projects and indicators; and the S findings that block its 提交.

Only 年度 indicators are evaluated: the self-evaluation is of the year, and a project's 实施期
indicators are judged when the project ends.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from performance.evaluation import (
    UNIT_KEY,
    UNIT_TARGET_NAME,
    Bands,
    EvaluationData,
    Execution,
    IndicatorEvaluation,
    TargetEvaluationRow,
    evaluation_rules,
    execution_sums,
    with_execution,
)
from performance.models import GradeBands, Indicator, ProjectTarget, Scope, UnitTarget
from performance.sheets import format_filled_at
from tables.figures.checks import Finding
from units.models import BudgetLine, Submission

ZERO = Decimal("0.00")
DEFAULT_EXECUTION_WEIGHT = Decimal(10)


def _indicator(indicator: Indicator) -> IndicatorEvaluation:
    category = indicator.category
    result = getattr(indicator, "result", None)
    return IndicatorEvaluation(
        id=indicator.pk,
        level1=category.parent.name if category.parent_id else "",
        level2=category.name,
        name=indicator.name,
        text=indicator.text,
        comparator=indicator.comparator,
        number=indicator.value,
        unit=indicator.unit,
        actual=result.actual if result else "",
        weight=result.weight if result else ZERO,
        deviation_reason=result.deviation_reason if result else "",
        improvement=result.improvement if result else "",
    )


def _footer(target) -> tuple[tuple[str, str], ...]:
    return (
        ("负责人", target.leader),
        ("经办人", target.handler),
        ("联系电话", target.phone),
        ("填报日期", format_filled_at(target.filled_at)),
    )


def _row(*, key, name, goal, implementer, target, indicators) -> TargetEvaluationRow:
    evaluation = getattr(target, "evaluation", None)
    return TargetEvaluationRow(
        key=key,
        name=name,
        goal=goal,
        implementer=implementer,
        evaluated=evaluation is not None,
        execution_weight=(evaluation.execution_weight if evaluation else DEFAULT_EXECUTION_WEIGHT),
        summary=evaluation.summary if evaluation else "",
        indicators=tuple(indicators),
        footer=_footer(target),
    )


def grade_bands_of(year: int) -> Bands:
    """The region's grade bands of `year`, or the defaults (90/80/60) when it has none."""
    bands = GradeBands.objects.filter(year=year).first()
    if bands is None:
        return Bands()
    return Bands(excellent=bands.excellent, good=bands.good, fair=bands.fair)


def evaluation_data_load(*, submission: Submission) -> EvaluationData:
    """Every target of a 决算 submission with its self-evaluation (5 queries)."""
    submission = Submission.objects.select_related("unit__department").get(pk=submission.pk)
    unit = submission.unit
    unit_target = (
        UnitTarget.objects.filter(submission=submission).select_related("evaluation").first()
    )
    project_targets = list(
        ProjectTarget.objects.filter(project__submission=submission)
        .select_related("project", "evaluation")
        .order_by("project__position", "project_id")
    )
    indicators = (
        (
            Indicator.objects.filter(unit_target__submission=submission)
            | Indicator.objects.filter(project_target__project__submission=submission)
        )
        .filter(scope=Scope.YEAR)
        .select_related("category__parent", "result")
        .order_by("category__parent__position", "category__position", "position", "id")
    )
    unit_indicators: list[IndicatorEvaluation] = []
    by_target: dict[int, list[IndicatorEvaluation]] = defaultdict(list)
    for indicator in indicators:
        row = _indicator(indicator)
        if indicator.unit_target_id:
            unit_indicators.append(row)
        else:
            by_target[indicator.project_target_id].append(row)

    targets = []
    if unit_target is not None:
        targets.append(
            _row(
                key=UNIT_KEY,
                name=UNIT_TARGET_NAME,
                goal=unit_target.annual_goal,
                implementer=unit.name,
                target=unit_target,
                indicators=unit_indicators,
            )
        )
    for target in project_targets:
        targets.append(
            _row(
                key=target.project_id,
                name=target.project.name,
                goal=target.goal_year,
                implementer=target.implementer or unit.name,
                target=target,
                indicators=by_target[target.pk],
            )
        )
    return EvaluationData(
        year=submission.year,
        unit_name=unit.name,
        department_label=f"{unit.department.code}-{unit.department.name}",
        bands=grade_bands_of(submission.year),
        targets=tuple(targets),
    )


def evaluation_execution_load(
    *, submission: Submission
) -> tuple[dict[int | None, tuple[Decimal, Decimal]], dict[int | None, Decimal]]:
    """(execution, initial) of a 决算 from its lines (1 query), as `execution_sums` adds them."""
    return execution_sums(
        BudgetLine.objects.filter(submission=submission).values_list(
            "project_id", "project__allocation_of_id", "planned_amount", "adjusted_amount", "amount"
        )
    )


def evaluation_findings(*, submission: Submission, execution: Execution) -> list[Finding]:
    """The S findings (all 错误) of a 决算's self-evaluation; `execution` maps project id (None
    for the unit's overall target) → (预算数, 执行数) 元 from the 决算 lines."""
    if not submission.is_final:
        return []
    data = with_execution(evaluation_data_load(submission=submission), execution)
    return evaluation_rules(data)
