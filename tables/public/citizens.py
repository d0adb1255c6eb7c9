"""公民预算 (the citizens' budget): a one-page plain-language summary of a published unit's
budget, and of the county's published units of a year.

Read functions (`citizens_unit_get`, `citizens_county_get`) load what the page needs in a few
queries; the rest is pure assembly over the stored figures (`PublishedFigure`, summed once from
each version's snapshot, `tables.publication.figures`) and the version's own frozen snapshot
(`data_json`: the reasons the unit typed, its 绩效目标, its staff), so the summary never shows
anything that was not published. Amounts are exact 元 (`Decimal`); the template shows them in
万元 with 2 places through `tables.figures.formatting` and shares in % with 2 places (the
narrative's `share`), the same rounding the disclosure prints.

"Changes" compare a version with the unit's newest published version of the year before (for
the county: the sums of the two years' published units); a year with nothing published before
has no comparison, and the page says so instead of inventing one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tables.document.narrative.wording import share
from tables.document.year_settings import population_for_year
from tables.models import PublishedVersion
from tables.public.insight import (
    FigureValue,
    figures_compare,
    per_resident,
    unit_versions_by_year,
    version_figures,
    year_figures_by_dimension,
    year_versions,
)
from tables.publication.services import published_budget_versions

ZERO = Decimal(0)
#: how many 功能分类 类 changes the page lists, and how many projects' goals
TOP_CHANGES = 3
TOP_PROJECTS = 3
TOP_UNIT_GOALS = 4
#: a goal sentence longer than this is cut at a word boundary-free point and ends with "……"
GOAL_CHARS = 80
DIMENSIONS = ("total", "revenue", "function", "kind", "sangong", "operating")


@dataclass(frozen=True, slots=True)
class Part:
    """One item of a whole: its amount (元) and its share of the whole (percent text)."""

    code: str
    name: str
    amount: Decimal
    share: str


@dataclass(frozen=True, slots=True)
class Movement:
    """One figure against the year before, with the reason the unit gave (may be empty)."""

    name: str
    amount: Decimal
    previous: Decimal
    reason: str = ""

    @property
    def change(self) -> Decimal:
        return self.amount - self.previous

    @property
    def rising(self) -> bool:
        return self.change > 0

    @property
    def rate(self) -> str | None:
        """增减率 (absolute, percent text), None when the year before was zero."""
        if not self.previous:
            return None
        return share(abs(self.change), self.previous)


@dataclass(frozen=True, slots=True)
class ProjectGoal:
    name: str
    amount: Decimal
    goal: str


@dataclass(frozen=True)
class Summary:
    """What the 公民预算 page shows, for a unit or for the county."""

    year: int
    total: Decimal
    sources: list[Part]
    uses: list[Part]
    basic: Decimal
    project: Decimal
    personnel: Decimal
    public: Decimal
    sangong: Decimal
    operating: Decimal
    previous_year: int | None = None
    total_movement: Movement | None = None
    movements: list[Movement] = field(default_factory=list)
    sangong_movement: Movement | None = None
    operating_movement: Movement | None = None

    @property
    def basic_share(self) -> str:
        return share(self.basic, self.total)

    @property
    def project_share(self) -> str:
        return share(self.project, self.total)


@dataclass(frozen=True)
class UnitCitizens:
    version: PublishedVersion
    summary: Summary
    unit_goals: list[str]
    project_goals: list[ProjectGoal]
    staff: int | None
    latest_id: int

    @property
    def per_staff(self) -> Decimal | None:
        if not self.staff:
            return None
        return self.summary.total / self.staff


@dataclass(frozen=True)
class CountyCitizens:
    summary: Summary
    units: int
    previous_units: int
    population: int | None

    @property
    def per_resident(self) -> Decimal | None:
        """支出合计 per resident in 元, to the 分 (as the county overview has it)."""
        if not self.population:
            return None
        return per_resident(self.summary.total, self.population)


# --- pure assembly ----------------------------------------------------------------------------


def _amount(figures: dict[str, list[FigureValue]], dimension: str, code: str) -> Decimal:
    return next((f.amount for f in figures.get(dimension, ()) if f.code == code), ZERO)


def parts(figures: list[FigureValue], total: Decimal) -> list[Part]:
    """The non-zero figures as parts of `total`, biggest first (ties by code)."""
    return [
        Part(f.code, f.name or f.code, f.amount, share(f.amount, total))
        for f in sorted(figures, key=lambda f: (-f.amount, f.code))
        if f.amount
    ]


def _classes(figures: dict[str, list[FigureValue]]) -> list[FigureValue]:
    return [f for f in figures.get("function", ()) if f.level == 1]


def _movement(
    current: dict, previous: dict, dimension: str, code: str, name: str, reason: str = ""
) -> Movement:
    return Movement(
        name, _amount(current, dimension, code), _amount(previous, dimension, code), reason
    )


def summary_build(
    *,
    year: int,
    figures: dict[str, list[FigureValue]],
    previous: dict[str, list[FigureValue]] | None = None,
    previous_year: int | None = None,
    reasons: dict[str, str] | None = None,
) -> Summary:
    """The summary of one set of figures (a version's, or the county's sums), compared with
    the year before when its figures are given; `reasons` are the unit's typed 增减变化原因
    (`NarrativeTexts` field → text)."""
    # the page writes its own full stop after a reason
    reasons = {k: (v or "").strip().rstrip("。；;，,") for k, v in (reasons or {}).items()}
    total = _amount(figures, "total", "expenditure")
    summary = {
        "year": year,
        "total": total,
        "sources": parts(figures.get("revenue", []), total),
        "uses": parts(_classes(figures), total),
        "basic": _amount(figures, "kind", "basic"),
        "project": _amount(figures, "kind", "project"),
        "personnel": _amount(figures, "kind", "personnel"),
        "public": _amount(figures, "kind", "public"),
        "sangong": _amount(figures, "sangong", "total"),
        "operating": _amount(figures, "operating", "total"),
    }
    if previous is None:
        return Summary(**summary)
    changes = [
        c for c in figures_compare(_classes(figures), _classes(previous)) if c.change != ZERO
    ]
    changes.sort(key=lambda c: (-abs(c.change), c.code))
    return Summary(
        **summary,
        previous_year=previous_year,
        total_movement=_movement(
            figures,
            previous,
            "total",
            "expenditure",
            "支出合计",
            reasons.get("expense_change_reason") or reasons.get("revenue_change_reason", ""),
        ),
        movements=[Movement(c.name or c.code, c.amount, c.previous) for c in changes[:TOP_CHANGES]],
        sangong_movement=_movement(
            figures,
            previous,
            "sangong",
            "total",
            "“三公”经费",
            reasons.get("sangong_change_reason", ""),
        ),
        operating_movement=_movement(
            figures,
            previous,
            "operating",
            "total",
            "机关运行经费",
            reasons.get("operating_costs_change_reason", ""),
        ),
    )


def short_text(text: str, limit: int = GOAL_CHARS) -> str:
    """The first sentence of `text` (to 。；; or a line end), at most `limit` characters."""
    text = " ".join((text or "").split())
    sentence = re.split(r"(?<=[。；;])", text, maxsplit=1)[0].strip()
    if len(sentence) > limit:
        return sentence[: limit - 1].rstrip("，,、；;") + "……"
    return sentence


def unit_goals(snapshot: dict) -> list[str]:
    """The unit's 年度绩效目标 in a few short lines: its numbered items ("1. …2. …") each cut
    to its first sentence, else the first sentence of the whole; [] without a unit target."""
    target = (snapshot.get("targets") or {}).get("unit_target") or {}
    text = (target.get("annual_goal") or target.get("strategic_goal") or "").strip()
    if not text:
        return []
    items = [item for item in re.split(r"(?:^|\s*)\d{1,2}\s*[\.．、]\s*", text) if item.strip()]
    return [short_text(item) for item in items[:TOP_UNIT_GOALS]]


def project_goals(snapshot: dict) -> list[ProjectGoal]:
    """The 年度目标 of the biggest projects that have a 绩效目标 (by their amount this year)."""
    budget = snapshot.get("budget") or {}
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for line in budget.get("lines", ()):
        if line.get("project_id") is not None:
            amounts[line["project_id"]] += Decimal(line["amount"])
    names = {p["id"]: p["name"] for p in budget.get("projects", ())}
    goals = []
    for target in (snapshot.get("targets") or {}).get("project_targets") or ():
        project_id = target.get("project_id")
        goal = short_text(target.get("goal_year") or target.get("goal_period") or "")
        if project_id in names and goal:
            goals.append(ProjectGoal(names[project_id], amounts.get(project_id, ZERO), goal))
    goals.sort(key=lambda g: (-g.amount, g.name))
    return goals[:TOP_PROJECTS]


def staff_count(snapshot: dict) -> int | None:
    """实有人员 as the unit's 绩效目标 profile printed it (实际在职人员总数); None when absent."""
    profile = (snapshot.get("targets") or {}).get("profile") or {}
    staff = profile.get("actual_staff")
    return staff if isinstance(staff, int) and staff > 0 else None


# --- selectors --------------------------------------------------------------------------------


def citizens_unit_get(*, version_id: int) -> UnitCitizens | None:
    """The 公民预算 of a published budget version (None when no such version, or when it is a
    决算: a 公民预算 explains a budget); three queries: the version with its snapshot, the
    unit's versions by year, both years' figures."""
    version = published_budget_versions().filter(pk=version_id).first()
    if version is None:
        return None
    by_year = unit_versions_by_year(unit_code=version.unit_code)
    earlier = sorted((y for y in by_year if y < version.year), reverse=True)
    previous = by_year[earlier[0]] if earlier else None
    ids = [version.pk] + ([previous.pk] if previous else [])
    figures = version_figures(version_ids=ids, dimensions=DIMENSIONS)
    snapshot = version.data_json or {}
    reasons = ((snapshot.get("texts") or {}).get("narrative")) or {}
    latest = by_year.get(version.year)
    return UnitCitizens(
        version=version,
        summary=summary_build(
            year=version.year,
            figures=figures.get(version.pk, {}),
            previous=figures.get(previous.pk, {}) if previous else None,
            previous_year=previous.year if previous else None,
            reasons=reasons,
        ),
        unit_goals=unit_goals(snapshot),
        project_goals=project_goals(snapshot),
        staff=staff_count(snapshot),
        latest_id=latest.pk if latest else version.pk,
    )


def county_figures(*, year: int) -> tuple[dict[str, list[FigureValue]], int]:
    """The figures of `year` summed over its published units (部门预算 left out, as
    `insight.year_figures_by_dimension`), every dimension in one query; and how many units
    that is."""
    return (
        year_figures_by_dimension(year=year, dimensions=DIMENSIONS),
        year_versions(year=year).count(),
    )


def citizens_county_get(*, year: int) -> CountyCitizens | None:
    """The county's 公民预算 of `year` (None when no unit has published it); five queries."""
    figures, units = county_figures(year=year)
    if not units:
        return None
    previous, previous_units = county_figures(year=year - 1)
    population = population_for_year(year)
    return CountyCitizens(
        summary=summary_build(
            year=year,
            figures=figures,
            previous=previous if previous_units else None,
            previous_year=year - 1 if previous_units else None,
        ),
        units=units,
        previous_units=previous_units,
        population=population or None,
    )
