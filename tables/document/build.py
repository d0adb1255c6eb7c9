"""The whole disclosure of one submission, assembled: 概况 texts, tables 1–14, the narrative
(情况说明) with its charts, the target tables and the glossary. Renderers (HTML, PDF, XLSX)
take a `DisclosureDocument` and know nothing of the database."""

from __future__ import annotations

from performance.derive import PerformanceFigures, performance_figures
from performance.sheets import project_target_sheets, unit_target_sheet
from performance.types import TargetData
from tables.document.narrative import (
    Narrative,
    NarrativeInputs,
    PriorFigures,
    ProjectTargetSummary,
    narrative_build,
    narrative_findings,
)
from tables.document.texts import DisclosureTexts, disclosure_texts_load
from tables.document.types import DisclosureDocument
from tables.figures.checks import SEVERITY_ORDER, Finding, rule_rounding
from tables.figures.derive.procurement import procurement_by_kind
from tables.figures.tablesets import SHANXI, TableSet
from tables.figures.types import CATEGORY_OPERATING, CATEGORY_SPECIFIC, BudgetData, Table

CATEGORY_LABELS = {CATEGORY_OPERATING: "其他运转类", CATEGORY_SPECIFIC: "特定目标类"}


def target_summary(figures: PerformanceFigures) -> ProjectTargetSummary:
    def rows(by_category, total):
        """By 项目类别; projects without one (a set that does not print it) are counted apart,
        and when none has one there is no split to tell (the narrative says no 「其中」)."""
        out = [
            (CATEGORY_LABELS[key], value.count, value.amount) for key, value in by_category.items()
        ]
        count = sum(row[1] for row in out)
        if total.count and not count:
            return ()
        if total.count > count:
            out.append(
                ("未填项目类别的", total.count - count, total.amount - sum(r[2] for r in out))
            )
        return tuple(out)

    return ProjectTargetSummary(
        unit_target_amount=figures.unit_target_amount,
        has_unit_target=figures.has_unit_target,
        managed_count=figures.managed.count,
        managed_amount=figures.managed.amount,
        managed_by_category=rows(figures.managed_by_category, figures.managed),
        disclosed_count=figures.disclosed.count,
        disclosed_amount=figures.disclosed.amount,
        disclosed_by_category=rows(figures.disclosed_by_category, figures.disclosed),
    )


def narrative_derive(
    *,
    submission,
    data: BudgetData,
    targets: TargetData,
    texts: DisclosureTexts,
    tables: dict[str, Table] | None = None,
    table_set: TableSet | None = None,
    set_tables: dict[str, Table] | None = None,
) -> Narrative:
    """The narrative of a submission, worded from its derived `tables` (derived from `data` when
    not given) and last year's figures (loaded here); with a `table_set`, the sections it pairs
    with, citing its tables (`set_tables`)."""
    from tables.document.disclosure import prior_year_figures

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
            tables=tables,
        ),
        table_set=table_set,
        set_tables=set_tables,
    )


def document_build(
    *, submission, is_draft: bool = True, table_set: TableSet | str | None = None
) -> DisclosureDocument:
    """Assemble the whole disclosure of a submission (a bounded number of queries), printing
    `table_set` (a set or its name; default: the year's chosen set). A 决算 submission gets its
    决算 document (`tables.document.final`), whatever the set."""
    from tables.document.disclosure import disclosure_derive

    if submission.is_final:
        from tables.document.final import final_document_build

        return final_document_build(submission=submission, is_draft=is_draft)

    derived = disclosure_derive(submission=submission, table_set=table_set)
    chosen = derived.table_set
    set_tables = None if chosen.name == SHANXI.name else derived.set_tables
    texts = disclosure_texts_load(submission=submission)
    narrative = narrative_derive(
        submission=submission,
        data=derived.data,
        targets=derived.targets,
        texts=texts,
        tables=derived.tables,
        table_set=None if set_tables is None else chosen,
        set_tables=set_tables,
    )
    set_findings = [] if set_tables is None else rule_rounding(set_tables, derived.data)
    findings = sorted(
        derived.findings + set_findings + narrative_findings(narrative),
        key=lambda f: SEVERITY_ORDER[f.severity],
    )
    return DisclosureDocument(
        unit_name=derived.data.unit.name,
        year=derived.data.year,
        texts=texts,
        narrative=narrative,
        data=derived.data,
        targets=derived.targets,
        tables=derived.tables,
        unit_target_sheet=unit_target_sheet(derived.data, derived.targets),
        project_target_sheets=tuple(project_target_sheets(derived.data, derived.targets)),
        findings=findings,
        is_draft=is_draft,
        table_set=chosen,
        set_tables=set_tables,
    )


def submission_tables(*, submission) -> dict:
    """The statutory tables of a submission by code, without its narrative: a budget's 表一–
    表十四 (`disclosure_derive`), a 决算's 决算公开表1–9 (`final_derive`)."""
    if submission.is_final:
        from tables.document.final import final_derive

        return final_derive(submission=submission).tables
    from tables.document.disclosure import disclosure_derive

    return disclosure_derive(submission=submission).tables


def submission_findings(*, submission) -> list[Finding]:
    """The findings of a submission's document (R, P and N rules), most severe first: what
    `units.workflow.submission_findings` returns (setting SUBMISSION_FINDINGS)."""
    return document_build(submission=submission).findings
