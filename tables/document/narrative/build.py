"""The whole 情况说明: the twelve sections in order, their charts, comparisons and figures."""

from __future__ import annotations

from collections.abc import Iterator

from tables.document.narrative.entered_sections import (
    assets_section,
    other_section,
    performance_section,
)
from tables.document.narrative.sections import (
    expenditure_section,
    fiscal_section,
    general_basic_section,
    general_public_section,
    operating_costs_section,
    procurement_section,
    revenue_section,
    sangong_section,
    totals_change_section,
)
from tables.document.narrative.types import ChartSpec, Narrative, NarrativeInputs, Section
from tables.figures.registry import derive_all


def narrative_build(inputs: NarrativeInputs) -> Narrative:
    """Sections 一 to 十二 of one submission's narrative, worded from its derived tables (derived
    here when `inputs.tables` is not given), last year's figures, the targets and the texts."""
    tables = derive_all(inputs.data) if inputs.tables is None else inputs.tables
    year, unit = inputs.data.year, inputs.data.unit.name
    prior, texts = inputs.prior, inputs.texts
    parts = (
        totals_change_section(tables, year=year, unit=unit, prior=prior, texts=texts),
        revenue_section(tables, year=year, unit=unit),
        expenditure_section(tables, year=year, unit=unit),
        fiscal_section(tables, year=year, unit=unit),
        general_public_section(tables, year=year, unit=unit, prior=prior, texts=texts),
        general_basic_section(tables, year=year, unit=unit),
        sangong_section(tables, year=year, unit=unit, prior=prior, texts=texts),
        operating_costs_section(
            tables,
            year=year,
            has_operating_costs=inputs.data.unit.has_operating_costs,
            prior=prior,
            texts=texts,
        ),
        procurement_section(year=year, unit=unit, procurement=inputs.procurement),
        performance_section(year=year, unit=unit, targets=inputs.targets),
        assets_section(unit=unit, assets=inputs.assets),
        other_section(texts=texts),
    )
    sections = tuple(part.section for part in parts)
    return Narrative(
        sections=sections,
        charts=tuple(_charts(sections)),
        changes=tuple(change for part in parts for change in part.changes),
        figures={name: amount for part in parts for name, amount in part.figures.items()},
    )


def _charts(sections: tuple[Section, ...]) -> Iterator[ChartSpec]:
    """The charts placed in the sections, in reading order."""
    for section in sections:
        yield from (block.chart for block in section.blocks if block.chart is not None)
        yield from _charts(section.subsections)
