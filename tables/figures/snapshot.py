"""A published version's budget read back from its stored snapshot (`PublishedVersion.data_json`,
written by `tables.publication.artifacts.publication_snapshot`) as the derivation's `BudgetData`:
pure over the dict, so the published figures and the 决算's 年初预算 are computed by the same
derivation as the tables the version printed, never from rows changed since."""

from __future__ import annotations

from decimal import Decimal

from tables.figures.types import BudgetData, LineRow, UnitInfo


def _line_rows(budget: dict) -> tuple[LineRow, ...]:
    return tuple(
        LineRow(
            func_code=line["func_code"],
            dept_code=line["dept_code"],
            gov_code=line.get("gov_code", ""),
            expense_kind=line["expense_kind"],
            fund=line["fund"],
            is_carryover=bool(line["is_carryover"]),
            project_id=line.get("project_id"),
            amount=Decimal(line["amount"]),
            income_type=line.get("income_type", ""),
            sub_item=line.get("sub_item", ""),
            unit_code=line.get("unit_code", ""),
        )
        for line in budget["lines"]
    )


def _unit_info(unit: dict) -> UnitInfo:
    return UnitInfo(
        code=unit["code"],
        name=unit["name"],
        kind=unit.get("kind", ""),
        department_code=unit.get("department_code", ""),
        department_name=unit.get("department_name", ""),
        has_operating_costs=bool(unit.get("has_operating_costs", False)),
    )


def snapshot_budget_data(snapshot: dict) -> BudgetData:
    """The snapshot's budget as the derivation's `BudgetData` (lines, unit and members only:
    what the sums here read)."""
    budget = snapshot["budget"]
    return BudgetData(
        unit=_unit_info(budget["unit"]),
        year=budget.get("year", snapshot.get("year", 0)),
        lines=_line_rows(budget),
        code_names=budget.get("code_names", {}),
        members=tuple(_unit_info(member) for member in budget.get("members", ())),
    )
