"""The disclosure pipeline for one submission: load → derive → check."""

from dataclasses import dataclass

from tables.checks import Finding, run_checks
from tables.registry import derive_all
from tables.types import BudgetData, Table
from units.selectors import budget_data_load


@dataclass(frozen=True)
class DerivedDisclosure:
    data: BudgetData
    tables: dict[str, Table]
    findings: list[Finding]


def disclosure_derive(*, submission) -> DerivedDisclosure:
    """Load a submission, derive tables 1–14 and run the checks on them."""
    data = budget_data_load(submission=submission)
    tables = derive_all(data)
    return DerivedDisclosure(data=data, tables=tables, findings=run_checks(tables, data))
