"""The 决算 of one submission: load → derive F01–F09 → compare with the 年初预算 → check (J rules
and the 绩效自评's S rules) → the document.

The 年初预算 the 决算 is held to is the year's newest PUBLISHED budget version, read back from
its snapshot (`tables.figures.snapshot`), and last year's 年末结转和结余 is the one last year's
published 决算 printed: what was published, never rows changed since.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from performance.evaluation import (
    evaluation_rules,
    evaluation_score,
    execution_sums,
    with_execution,
)
from performance.evaluation_selectors import evaluation_data_load
from performance.evaluation_sheets import evaluation_sheets
from tables.document.narrative.final_sections import (
    EVALUATION_SECTION,
    EvaluationSummary,
    final_narrative_build,
)
from tables.document.types import DisclosureDocument
from tables.figures.checks import SEVERITY_ORDER, Finding
from tables.figures.final.checks import run_final_checks
from tables.figures.final.compare import Difference, final_differences
from tables.figures.final.derive import derive_final
from tables.figures.final.load import final_data_load
from tables.figures.final.types import FUND_KEYS, FinalData
from tables.figures.snapshot import snapshot_budget_data
from tables.figures.types import Table
from tables.models import PublishedVersion

#: the 名词解释 every 决算 prints after the unit's own glossary (when it lacks the term)
FINAL_GLOSSARY = (
    ("年初结转和结余", "指以前年度尚未完成、结转到本年按有关规定继续使用的资金。"),
    (
        "年末结转和结余",
        "指本年度或以前年度预算安排、因客观条件发生变化无法按原计划实施，需要延迟到以后年度按有关规定继续使用的资金。",
    ),
    ("完成率", "指决算数占年初预算数的百分比，由系统按决算数和年初预算数计算，不手工填写。"),
    (
        "绩效自评",
        "指预算单位对照年初批复的绩效目标，对项目和整体支出的实际完成情况进行的自我评价。",
    ),
)


@dataclass(frozen=True)
class DerivedFinal:
    data: FinalData
    tables: dict[str, Table]
    differences: list[Difference]
    #: `performance.evaluation.EvaluationData` with each target's 预算执行率 money filled in
    evaluation: object
    #: project id (None: the unit's overall target) → (全年预算数, 决算数) of its lines, 元
    execution: dict[int | None, tuple[Decimal, Decimal]]
    #: the same keys → 年初预算数
    initial: dict[int | None, Decimal]
    findings: list[Finding]
    #: the published budget version the 决算 was compared with (None: never published)
    budget_version: PublishedVersion | None = None


def budget_version_newest(*, unit_id: int, year: int, kind: str = "budget"):
    """The newest published version of a unit's budget (or 决算) of `year`, or None."""
    return (
        PublishedVersion.objects.filter(submission__unit_id=unit_id, year=year, kind=kind)
        .order_by("-published_at", "-id")
        .first()
    )


def prior_closing_load(*, unit_id: int, year: int) -> dict[str, Decimal] | None:
    """Last year's 年末结转和结余 by fund, as its newest published 决算 printed them."""
    version = budget_version_newest(unit_id=unit_id, year=year - 1, kind="final")
    if version is None:
        return None
    facts = (version.data_json.get("final") or {}).get("facts") or {}
    return {fund: Decimal(str(facts.get(f"closing_{fund}", "0"))) for fund in FUND_KEYS}


def execution_by_target(
    data: FinalData,
) -> tuple[dict[int | None, tuple[Decimal, Decimal]], dict[int | None, Decimal]]:
    """The money of each target's 预算执行率 from the 决算 lines as loaded (`execution_sums`:
    全年预算数 = 调整预算, 决算数, and the 年初预算数), per project and for the unit (None)."""
    main = {p.id: p.allocation_of_id for p in data.actual.projects}
    lines = zip(data.planned.lines, data.adjusted.lines, data.actual.lines, strict=True)
    return execution_sums(
        (
            actual.project_id,
            main.get(actual.project_id),
            planned.amount,
            adjusted.amount,
            actual.amount,
        )
        for planned, adjusted, actual in lines
    )


def final_derive(*, submission) -> DerivedFinal:
    """Load a 决算 submission, derive its nine tables and the comparison, and run the J and S
    rules (most severe first)."""
    version = budget_version_newest(unit_id=submission.unit_id, year=submission.year)
    published = snapshot_budget_data(version.data_json) if version is not None else None
    data = final_data_load(
        submission=submission,
        published_budget=published,
        prior_closing=prior_closing_load(unit_id=submission.unit_id, year=submission.year),
    )
    tables = derive_final(data)
    differences = final_differences(data)
    execution, initial = execution_by_target(data)
    evaluation = with_execution(evaluation_data_load(submission=submission), execution)
    found = run_final_checks(tables, data) + evaluation_rules(evaluation)
    findings = sorted(found, key=lambda f: SEVERITY_ORDER[f.severity])
    return DerivedFinal(
        data=data,
        tables=tables,
        differences=differences,
        evaluation=evaluation,
        execution=execution,
        initial=initial,
        findings=findings,
        budget_version=version,
    )


def evaluation_summaries(derived: DerivedFinal) -> tuple[EvaluationSummary, ...]:
    bands = derived.evaluation.bands
    return tuple(
        EvaluationSummary(target.name, score.total, score.grade)
        for target in derived.evaluation.targets
        for score in (evaluation_score(target, bands),)
    )


def final_document_build(*, submission, is_draft: bool = True):
    """The 决算 as a `DisclosureDocument`: cover, 概况, F01–F09, the 情况说明 with the 绩效自评表
    attached, 名词解释 — rendered by the same HTML/PDF/XLSX renderers as a budget."""
    from tables.document.texts import disclosure_texts_load
    from tables.figures.tablesets import SHANXI

    derived = final_derive(submission=submission)
    texts = disclosure_texts_load(submission=submission)
    known = {term for term, _ in texts.glossary}
    glossary = texts.glossary + tuple(t for t in FINAL_GLOSSARY if t[0] not in known)
    texts = dataclasses.replace(texts, glossary=glossary)
    narrative = final_narrative_build(
        derived.data,
        derived.differences,
        derived.tables,
        evaluations=evaluation_summaries(derived),
    )
    sheets = evaluation_sheets(derived.evaluation, derived.execution, initial=derived.initial)
    notes = (
        ("本决算为演示数据：由本单位当年预算按比例合成，并非真实决算。",)
        if derived.data.facts.is_synthetic
        else ()
    )
    return DisclosureDocument(
        unit_name=derived.data.unit.name,
        year=derived.data.year,
        texts=texts,
        narrative=narrative,
        data=derived.data.actual,
        targets=None,
        tables=derived.tables,
        unit_target_sheet=None,
        project_target_sheets=sheets,
        findings=derived.findings,
        is_draft=is_draft,
        table_set=SHANXI,
        set_tables=None,
        kind_label="决算",
        cover_notes=notes,
        attachments_title="绩效自评表",
        attachments_after=EVALUATION_SECTION,
        final=derived,
    )
