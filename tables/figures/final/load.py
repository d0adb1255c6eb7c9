"""Loading one 决算 submission for derivation: its lines once, seen three times (决算数, 年初预算,
调整预算), its entered facts and its difference reasons. The one place the 决算 figures read the
database; everything after is pure (`tables.figures.final.derive`, `compare`, `checks`)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tables.figures.final.types import FinalData, FinalFacts
from tables.figures.load import budget_data_build, lines_with_fields_load
from tables.figures.types import ZERO, BudgetData
from units.models import FinalFacts as FinalFactsModel
from units.models import FinalReason, Submission

#: the model fields `FinalFacts` holds (the dataclass mirrors the model, field by field)
FACT_FIELDS = tuple(f.name for f in dataclasses.fields(FinalFacts))


def final_data_load(
    *,
    submission: Submission,
    published_budget: BudgetData | None = None,
    prior_closing: dict[str, Decimal] | None = None,
) -> FinalData:
    """The `FinalData` of a 决算 submission (10 queries at most whatever its size, 8 when
    `submission.unit.department` is already fetched).

    `actual` holds each line's `amount` (决算数), `planned` its `planned_amount` (年初预算, 0 for a
    line the published budget did not have), `adjusted` its `adjusted_amount` (调整预算, the
    年初预算 where none was entered); the three share lines, order, projects and code names.
    Facts default to zeros when none were entered yet. `published_budget` and `prior_closing`
    are the caller's (read from published versions), passed through unchanged."""
    lines, code_names, issues, extras = lines_with_fields_load(
        submission_units={submission.pk: ""},
        year=submission.year,
        extra_fields=("planned_amount", "adjusted_amount"),
    )
    actual = budget_data_build(
        submission=submission, lines=lines, code_names=code_names, issues=issues
    )
    planned_lines = []
    adjusted_lines = []
    for line, (planned, adjusted) in zip(lines, extras, strict=True):
        planned = ZERO if planned is None else planned
        planned_lines.append(dataclasses.replace(line, amount=planned))
        adjusted_lines.append(
            dataclasses.replace(line, amount=planned if adjusted is None else adjusted)
        )
    facts_values = (
        FinalFactsModel.objects.filter(submission=submission).values(*FACT_FIELDS).first()
    )
    reasons = dict(
        FinalReason.objects.filter(submission=submission)
        .order_by("key")
        .values_list("key", "reason")
    )
    return FinalData(
        actual=actual,
        planned=dataclasses.replace(actual, lines=tuple(planned_lines)),
        adjusted=dataclasses.replace(actual, lines=tuple(adjusted_lines)),
        facts=FinalFacts(**facts_values) if facts_values else FinalFacts(),
        reasons=reasons,
        prior_closing=prior_closing,
        published_budget=published_budget,
    )
