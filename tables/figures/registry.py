"""Table code → its derivation, in publication order: the 14 tables every check (R01–R12) and
the narrative read, whatever table set a disclosure prints (`tables.figures.tablesets`; the
set `shanxi-2025` prints exactly these)."""

from tables.figures.derive import (
    t01_summary,
    t02_revenue,
    t03_expenditure,
    t04_fiscal_summary,
    t05_general_public,
    t06_basic_by_economic,
    t07_gov_fund_revenue,
    t08_gov_fund_expenditure,
    t09_state_capital,
    t10_sangong,
    t11_operating_costs,
    t12_projects_current,
    t13_projects_carryover,
    t14_purchased_services,
)
from tables.figures.types import BudgetData, Table

BUILDERS = {
    "T01": t01_summary.build,
    "T02": t02_revenue.build,
    "T03": t03_expenditure.build,
    "T04": t04_fiscal_summary.build,
    "T05": t05_general_public.build,
    "T06": t06_basic_by_economic.build,
    "T07": t07_gov_fund_revenue.build,
    "T08": t08_gov_fund_expenditure.build,
    "T09": t09_state_capital.build,
    "T10": t10_sangong.build,
    "T11": t11_operating_costs.build,
    "T12": t12_projects_current.build,
    "T13": t13_projects_carryover.build,
    "T14": t14_purchased_services.build,
}


def derive_all(data: BudgetData) -> dict[str, Table]:
    """All 14 tables of one submission, keyed by code (T01 … T14)."""
    return {code: build(data) for code, build in BUILDERS.items()}
