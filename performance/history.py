"""Audit trail of 绩效目标 (see `units.history`): the unit target with its key tasks, the
project targets and every indicator."""

from units.history import track


def register() -> None:
    """Called from `PerformanceConfig.ready()`."""
    from performance.models import (
        Indicator,
        IndicatorResult,
        KeyTask,
        ProjectTarget,
        TargetEvaluation,
        UnitTarget,
    )

    track(UnitTarget, "submission", app="performance")
    track(KeyTask, "unit_target__submission", app="performance")
    track(ProjectTarget, "project__submission", app="performance")
    track(
        Indicator,
        "unit_target__submission",
        "project_target__project__submission",
        app="performance",
    )
    track(
        TargetEvaluation,
        "unit_target__submission",
        "project_target__project__submission",
        app="performance",
    )
    track(
        IndicatorResult,
        "indicator__unit_target__submission",
        "indicator__project_target__project__submission",
        app="performance",
    )
