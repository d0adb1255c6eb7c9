"""开启新年度: the bureau opens a budget year for every unit (or the selected ones) in one action.

Each unit without a submission for the year gets a draft (`units.year_services.submission_open`)
with last year's texts, 名词解释 and projects, and its 上年数 (`Submission.prior_*`) read from
the newest *published* version of last year — the figures residents saw, as frozen in the
snapshot, not figures derived again from rows a 更正 may have changed since. Optionally
last year's 绩效目标 are copied too (`performance.services.targets_copy_from_previous_year`).

Which figure is which mirrors `tables.document.disclosure.prior_year_figures` exactly
(`PRIOR_FROM_PUBLISHED`): 收入总计 of 表一, 合计 of 表五, the 三公 parts of 表十 and 部门合计 of
表十一, each in the 合计 column. A unit without a published version of last year keeps its
上年数 empty (the narrative then derives them from last year's submission if there is one, or
the unit enters them), and the report says which units those are.

Only a 财政管理员 (or a superuser) may open a year; `actor=None` is a trusted caller (the
`open_year` command run on the server). Idempotent: a submission that exists is never changed,
so running it twice creates nothing twice. Each unit is opened in its own transaction (its
submission, texts, projects and copied targets together or not at all), so an interrupted run
is completed by running it again.

A new year is a year of budgets: only budget submissions are looked at (a unit whose only
submission of the year is its 决算 is still opened) and created, and the 上年数 come from last
year's published *budget*, never from the 决算 of that year published beside it.

Lives in the desk layer because it reads published versions (`tables.models`) and writes
through `performance`; the plain copying is `units.year_services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from tables.desk.selectors import published_cell
from tables.models import PublishedVersion
from units.history import history_reason
from units.models import BudgetUnit, Submission, SubmissionKind
from units.permissions import ADMIN, user_roles
from units.year_services import submission_open

#: 上年数 field → (table, row label, column) of the published snapshot; the same cells
#: `prior_year_figures` reads off last year's derived tables.
PRIOR_FROM_PUBLISHED = {
    "prior_total": ("T01", "收入总计", "income"),
    "prior_general_current": ("T05", "合计", "total"),
    "prior_outbound": ("T10", "因公出国（境）费", "total"),
    "prior_reception": ("T10", "公务接待费", "total"),
    "prior_vehicle_purchase": ("T10", "①公务用车购置费", "total"),
    "prior_vehicle_operation": ("T10", "②公务用车运行维护费", "total"),
    "prior_operating_costs": ("T11", "部门合计", "total"),
}

BUDGET = SubmissionKind.BUDGET
#: the years a budget may be opened for (a typo such as 20266 is refused, not created)
YEAR_MIN, YEAR_MAX = 2000, 2100
REFUSED = "只有财政管理员可以开启新年度。"
#: the kind of submission a year is opened with and its 上年数 are read from
BUDGET = SubmissionKind.BUDGET


def year_open_refusal(user) -> str | None:
    """Why `user` may not open a year (None: they may): 财政管理员 and superusers only."""
    if ADMIN in user_roles(user):
        return None
    return REFUSED


def year_check(year) -> int:
    """The year as an int, or a ValidationError naming the accepted range."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError("请填写年度（四位数字，如 2026）。") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(f"年度应在 {YEAR_MIN} 至 {YEAR_MAX} 之间。")
    return year


def year_open_default() -> int:
    """The year the page proposes: the newest year with a budget submission, plus one (this
    calendar year plus one when there is none)."""
    from django.utils import timezone

    newest = Submission.objects.filter(kind=BUDGET).aggregate(newest=Max("year"))["newest"]
    return (newest or timezone.localdate().year) + 1


# --- reads ------------------------------------------------------------------------------------


def published_prior_tables(*, unit_ids, year: int) -> dict[int, list[dict]]:
    """Unit id → the tables of its newest published budget version of `year` (units without one
    are left out); one query, reading only the snapshot's tables."""
    newest: dict[int, tuple[int, list[dict]]] = {}
    rows = (
        PublishedVersion.objects.filter(
            year=year, kind=BUDGET, submission__unit_id__in=list(unit_ids)
        )
        .order_by("version", "id")
        .values_list(
            "submission__unit_id", "version", "data_json__tables", "data_json__statutory_tables"
        )
    )
    for unit_id, version, tables, statutory in rows:
        # a version printed in another table set keeps the 14 statutory tables beside
        newest[unit_id] = (version, statutory or tables or [])
    return {unit_id: tables for unit_id, (_, tables) in newest.items()}


def published_prior_figures(tables: list[dict]) -> dict[str, Decimal | None]:
    """The 上年数 fields read off a published snapshot's tables (None where a cell is absent)."""
    by_code = {table.get("code"): table for table in tables}
    return {
        name: published_cell(by_code.get(code), row, column)
        for name, (code, row, column) in PRIOR_FROM_PUBLISHED.items()
    }


@dataclass(frozen=True)
class YearOpenRow:
    """One unit on the 开启新年度 page: whether it has the year's submission already (its state)
    and a published version of last year (its 上年数 source)."""

    unit: BudgetUnit
    status_label: str  # "" when the year is not opened for the unit yet
    has_prior_publication: bool

    @property
    def opened(self) -> bool:
        return bool(self.status_label)


def year_open_rows(*, year: int, department_id: int | None = None) -> list[YearOpenRow]:
    """Every unit (of one 主管部门 if given) with the state of its budget for `year` and whether
    the budget of `year − 1` was published for it, in unit-code order; three queries."""
    units = BudgetUnit.objects.select_related("department").order_by("code")
    if department_id is not None:
        units = units.filter(department_id=department_id)
    units = list(units)
    ids = [u.pk for u in units]
    status = dict(
        Submission.objects.filter(year=year, kind=BUDGET, unit_id__in=ids).values_list(
            "unit_id", "status"
        )
    )
    labels = dict(Submission._meta.get_field("status").choices)
    published = set(
        PublishedVersion.objects.filter(
            year=year - 1, kind=BUDGET, submission__unit_id__in=ids
        ).values_list("submission__unit_id", flat=True)
    )
    return [
        YearOpenRow(
            unit=unit,
            status_label=str(labels[status[unit.pk]]) if unit.pk in status else "",
            has_prior_publication=unit.pk in published,
        )
        for unit in units
    ]


@dataclass(frozen=True)
class YearOpenPreview:
    """What opening `year` for the chosen units would do, counted before anything is written."""

    year: int
    units: int
    existing: int
    without_publication: int  # among the units to open

    @property
    def to_create(self) -> int:
        return self.units - self.existing


def year_open_preview(*, year: int, rows: list[YearOpenRow]) -> YearOpenPreview:
    """Count what `year_open` would do for the units of `rows`."""
    to_open = [r for r in rows if not r.opened]
    return YearOpenPreview(
        year=year,
        units=len(rows),
        existing=len(rows) - len(to_open),
        without_publication=sum(1 for r in to_open if not r.has_prior_publication),
    )


# --- the service ------------------------------------------------------------------------------


@dataclass
class YearOpenReport:
    """What `year_open` did, each unit as "编码 名称"."""

    year: int
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    #: created without a published version of last year: their 上年数 are left empty
    without_publication: list[str] = field(default_factory=list)
    #: created with last year's 绩效目标 copied (when asked for)
    targets_copied: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.year}年：新建草稿 {len(self.created)} 个；"
            f"已有{self.year}年填报 {len(self.existing)} 个（未改动）"
        )
        if self.without_publication:
            text += (
                f"；新建的单位中 {len(self.without_publication)} 个没有{self.year - 1}年已发布版本，"
                "上年数留空（由单位填报或按上年填报计算）"
            )
        if self.targets_copied:
            text += f"；复制上年绩效目标 {len(self.targets_copied)} 个单位"
        return text + "。"


def _label(unit: BudgetUnit) -> str:
    return f"{unit.code} {unit.name}"


def year_open(*, actor, year: int, units=None, copy_targets: bool = False) -> YearOpenReport:
    """Open `year` for `units` (every unit when None): a draft each where none exists, with last
    year's texts, 名词解释 and projects, the 上年数 from last year's newest published version
    and, if `copy_targets`, last year's 绩效目标. Never changes an existing submission.

    Raises PermissionDenied (Chinese) unless `actor` is a 财政管理员 or superuser (`actor`
    None: a trusted command), ValidationError for a year out of range."""
    from performance.services import targets_copy_from_previous_year

    if actor is not None and year_open_refusal(actor):
        raise PermissionDenied(REFUSED)
    year = year_check(year)
    if units is None:
        units = BudgetUnit.objects.all()
    units = sorted(units, key=lambda u: u.code)
    report = YearOpenReport(year=year)
    existing = set(
        Submission.objects.filter(
            year=year, kind=BUDGET, unit__in=[u.pk for u in units]
        ).values_list("unit_id", flat=True)
    )
    report.existing = [_label(u) for u in units if u.pk in existing]
    to_open = [u for u in units if u.pk not in existing]
    tables = published_prior_tables(unit_ids=[u.pk for u in to_open], year=year - 1)
    previous = set(
        Submission.objects.filter(
            year=year - 1, kind=BUDGET, unit__in=[u.pk for u in to_open]
        ).values_list("unit_id", flat=True)
    )
    with history_reason("开启新年度"):
        for unit in to_open:
            prior = published_prior_figures(tables[unit.pk]) if unit.pk in tables else {}
            with transaction.atomic():
                submission = submission_open(unit=unit, year=year, prior=prior, actor=actor)
                if submission is None:  # opened meanwhile by another run
                    report.existing.append(_label(unit))
                    continue
                copied = None
                if copy_targets and unit.pk in previous:
                    copied = targets_copy_from_previous_year(submission=submission)
            report.created.append(_label(unit))
            if unit.pk not in tables:
                report.without_publication.append(_label(unit))
            if copied is not None and (copied.copied or copied.unit_target == "已复制"):
                report.targets_copied.append(_label(unit))
    return report
