"""预算 and 决算 of a year side by side, for the public page of a unit.

Read only from published 决算 versions (`PublishedVersion.kind` "final"): the comparison each
printed (`snapshot["final"]["differences"]`: 年初预算, 决算数, 完成率 and the unit's reason for
every 一般公共预算 功能分类 项, the 三公 items, 机关运行经费 and the 财政拨款 total), so the page
shows exactly the figures the published 决算 printed, beside a link to the budget it was held to.
One query whatever the number of years (the budgets come from the page's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tables.figures.formatting import format_wan_grouped
from tables.models import PublishedVersion


@dataclass(frozen=True, slots=True)
class FinalRow:
    key: str
    label: str
    planned: Decimal
    actual: Decimal
    rate: Decimal | None
    reason: str

    @property
    def planned_text(self) -> str:
        return format_wan_grouped(self.planned)

    @property
    def actual_text(self) -> str:
        return format_wan_grouped(self.actual)

    @property
    def rate_text(self) -> str:
        return "" if self.rate is None else f"{self.rate:.2f}%"

    @property
    def level(self) -> int:
        return 0 if self.key == "total" else 1


@dataclass(frozen=True)
class BudgetLink:
    """The budget version a 决算 was compared with: its id and version number."""

    pk: int
    version: int


@dataclass(frozen=True)
class YearSideBySide:
    year: int
    budget: BudgetLink | None
    final: PublishedVersion
    rows: tuple[FinalRow, ...]
    is_synthetic: bool


def _rows(snapshot: dict) -> tuple[FinalRow, ...]:
    final = snapshot.get("final") or {}
    rows = []
    for item in final.get("differences", ()):
        rate = item.get("rate")
        rows.append(
            FinalRow(
                key=item["key"],
                label=item["label"],
                planned=Decimal(item["planned"]),
                actual=Decimal(item["actual"]),
                rate=None if rate in (None, "") else Decimal(rate),
                reason=item.get("reason", "") if item.get("needs_reason") else "",
            )
        )
    # the total first, then the 功能分类 项, 三公 and 机关运行经费 in the order printed
    rows.sort(key=lambda r: r.key != "total")
    return tuple(rows)


def _budget_link(snapshot: dict, newest: PublishedVersion | None) -> BudgetLink | None:
    """The budget version the 决算 printed it was compared with; the year's newest published
    budget for a snapshot that does not say."""
    stored = (snapshot.get("final") or {}).get("budget_version")
    if stored:
        return BudgetLink(pk=stored["id"], version=stored["version"])
    return None if newest is None else BudgetLink(pk=newest.pk, version=newest.version)


def unit_finals_get(
    *, unit_code: str, budgets: dict[int, PublishedVersion]
) -> list[YearSideBySide]:
    """Every year with a published 决算 of the unit (newest version of each), newest year
    first, each beside the budget version it was compared with (stored in its snapshot; else
    `budgets[year]`, the newest published budget of that year, as the caller already holds
    them: `tables.public.insight.unit_versions_by_year`)."""
    finals: dict[int, PublishedVersion] = {}
    for version in PublishedVersion.objects.filter(unit_code=unit_code, kind="final").order_by(
        "year", "published_at", "id"
    ):
        finals[version.year] = version
    return [
        YearSideBySide(
            year=year,
            budget=_budget_link(final.data_json, budgets.get(year)),
            final=final,
            rows=_rows(final.data_json),
            is_synthetic=bool(
                ((final.data_json.get("final") or {}).get("facts") or {}).get("is_synthetic")
            ),
        )
        for year, final in sorted(finals.items(), reverse=True)
    ]
