"""The whole disclosure of one submission, assembled: 概况 texts, tables 1–14, the narrative
(情况说明) with its charts, the target tables and the glossary. Renderers (HTML, PDF, XLSX)
take a `DisclosureDocument` and know nothing of the database."""

from __future__ import annotations

from dataclasses import dataclass

from performance.derive import PerformanceFigures, performance_figures
from performance.types import TargetData
from tables.narrative import (
    Narrative,
    NarrativeInputs,
    PriorFigures,
    ProjectTargetSummary,
    narrative_build,
)
from tables.types import CATEGORY_OPERATING, CATEGORY_SPECIFIC, ZERO, BudgetData
from units.selectors import DisclosureTexts

CATEGORY_LABELS = {CATEGORY_OPERATING: "其他运转类", CATEGORY_SPECIFIC: "特定目标类"}
PROCUREMENT_LABELS = {"goods": "货物", "works": "工程", "services": "服务"}


def target_summary(figures: PerformanceFigures) -> ProjectTargetSummary:
    def rows(by_category):
        return tuple(
            (CATEGORY_LABELS[key], value.count, value.amount) for key, value in by_category.items()
        )

    return ProjectTargetSummary(
        unit_target_amount=figures.unit_target_amount,
        has_unit_target=figures.has_unit_target,
        managed_count=figures.managed.count,
        managed_amount=figures.managed.amount,
        managed_by_category=rows(figures.managed_by_category),
        disclosed_count=figures.disclosed.count,
        disclosed_amount=figures.disclosed.amount,
        disclosed_by_category=rows(figures.disclosed_by_category),
    )


def procurement_by_kind(data: BudgetData) -> dict:
    out = dict.fromkeys(PROCUREMENT_LABELS.values(), ZERO)
    for item in data.procurements:
        out[PROCUREMENT_LABELS[item.kind]] += item.amount
    return out


def narrative_derive(
    *, submission, data: BudgetData, targets: TargetData, texts: DisclosureTexts
) -> Narrative:
    from tables.services import prior_year_figures

    prior = prior_year_figures(submission=submission)
    return narrative_build(
        NarrativeInputs(
            data=data,
            prior=PriorFigures(
                total=prior.total,
                general_current=prior.general_current,
                outbound=prior.outbound,
                reception=prior.reception,
                vehicle_purchase=prior.vehicle_purchase,
                vehicle_operation=prior.vehicle_operation,
                operating_costs=prior.operating_costs,
            ),
            texts=texts.narrative,
            targets=target_summary(performance_figures(data, targets)),
            assets=texts.assets,
            procurement=procurement_by_kind(data),
        )
    )


@dataclass(frozen=True)
class DisclosureDocument:
    unit_name: str
    year: int
    texts: DisclosureTexts
    narrative: Narrative
    data: BudgetData
    targets: TargetData
