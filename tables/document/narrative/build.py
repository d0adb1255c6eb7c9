"""The whole 情况说明: the twelve sections in order, their charts, comparisons and figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

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
from tables.document.narrative.types import (
    Block,
    ChartSpec,
    Narrative,
    NarrativeInputs,
    Section,
    SectionPart,
)
from tables.figures.formatting import chinese_numeral
from tables.figures.registry import derive_all
from tables.figures.tablesets import TableSet
from tables.figures.types import Table

#: the key of each section, in the order `narrative_build` words them (一 … 十二); a table set
#: names the sections it keeps by these keys (`tables.figures.tablesets.NarrativeSpec`)
SECTION_KEYS = (
    "totals",
    "revenue",
    "expenditure",
    "fiscal",
    "general_public",
    "general_basic",
    "sangong",
    "operating_costs",
    "procurement",
    "performance",
    "assets",
    "other",
)


def narrative_build(
    inputs: NarrativeInputs,
    *,
    table_set: TableSet | None = None,
    set_tables: dict[str, Table] | None = None,
) -> Narrative:
    """Sections 一 to 十二 of one submission's narrative, worded from its derived tables (derived
    here when `inputs.tables` is not given), last year's figures, the targets and the texts.

    With a `table_set`, only the sections it pairs with are kept, numbered in its order, and
    (when the set says so) each closes with the tables it cites, as `set_tables` title them."""
    tables = derive_all(inputs.data) if inputs.tables is None else inputs.tables
    year, unit, scope = inputs.data.year, inputs.data.unit.name, inputs.data.scope
    prior, texts = inputs.prior, inputs.texts
    parts = (
        totals_change_section(tables, year=year, unit=unit, prior=prior, texts=texts, scope=scope),
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
            scope=scope,
        ),
        procurement_section(year=year, unit=unit, procurement=inputs.procurement),
        performance_section(year=year, unit=unit, targets=inputs.targets, scope=scope),
        assets_section(unit=unit, assets=inputs.assets),
        other_section(texts=texts),
    )
    if table_set is not None:
        parts = _paired(parts, table_set, set_tables or {})
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


def _paired(
    parts: tuple[SectionPart, ...], table_set: TableSet, set_tables: dict[str, Table]
) -> tuple[SectionPart, ...]:
    """The parts `table_set` keeps, in its order; renumbered when it leaves any out, and closed
    with "详见表N《…》。" for each cited table the set prints (when `cite_in_text`)."""
    by_key = dict(zip(SECTION_KEYS, parts, strict=True))
    kept = [spec for spec in table_set.narrative if spec.key in by_key]
    renumber = [spec.key for spec in kept] != list(SECTION_KEYS)
    out = []
    for i, spec in enumerate(kept, start=1):
        part = by_key[spec.key]
        section = part.section
        if renumber:
            section = replace(section, number=chinese_numeral(i))
        cited = [set_tables[code] for code in spec.cites if code in set_tables]
        if table_set.cite_in_text and cited:
            note = "、".join(f"表{chinese_numeral(t.number)}《{t.title}》" for t in cited)
            section = replace(section, blocks=(*section.blocks, Block(f"详见{note}。")))
        out.append(replace(part, section=section))
    return tuple(out)
