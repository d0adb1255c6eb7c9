"""开启决算: a unit's 决算 of a year starts as a copy of the budget residents saw.

`final_open` creates the unit's 决算 submission (kind 决算, 草稿) from the NEWEST PUBLISHED
version of its budget of the year, read from that version's frozen snapshot — never from the
budget's rows, which a 更正 may have reopened and changed since. The copy:

- projects (name, 类别, 属性, 项目期, 资金批次所属项目, 排序);
- lines, their codes resolved by (scheme, year, code); 年初预算 (`planned_amount`), 调整预算
  (`adjusted_amount`) and 决算数 (`amount`) all start at the published amount, so the unit
  types only what actually differed;
- 绩效目标: the 整体支出绩效目标 with its 重点任务, each project's 项目支出绩效目标 and every
  indicator, with a `TargetEvaluation` per target and an `IndicatorResult` per indicator (blank
  actual, weight 0), ready for the 绩效自评. They too come from the snapshot (`snapshot["targets"]`):
  one source for everything copied, and the one that is right after a 更正 reopening (the
  budget's target rows are frozen only while it is 已发布). An indicator's 二级指标 is found by
  its code in the default 指标体系 (the one the snapshot was loaded with);
- the 概况 texts and 名词解释 the budget printed;
- a `FinalFacts` whose 年初结转和结余 are those last year's published 决算 printed (without
  one, the 上年结转 lines of each fund), whose income is the year's own lines per fund
  (单位资金 by its income type, 财政专户管理资金 as 事业收入; 上年结转 lines are spent from
  年初, never income) and whose 年末 = 年初 + 收入 − 支出 per fund, so a fresh 决算 balances
  (`units.final_balance`).

All in one transaction. Refused (Chinese `ValidationError`) when the budget of the year was
never published, the 决算 exists, or the unit is a 部门汇总单位 (a 部门决算 adding up its
members' 决算 is not built yet); `PermissionDenied` unless the actor is a 财政管理员 or the
unit's 填报人 (`units.decisions.final_open_refusal`; `actor=None`: a trusted command).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from performance.framework import default_framework
from performance.models import (
    Indicator,
    IndicatorCategory,
    IndicatorResult,
    KeyTask,
    ProjectTarget,
    TargetEvaluation,
    UnitTarget,
)
from performance.services import PROJECT_TARGET_TEXT_FIELDS
from tables.document.final import budget_version_newest, prior_closing_load
from tables.models import PublishedVersion
from units.decisions import final_open_refusal
from units.final_balance import FUND_KEYS, fund_of
from units.history import history_reason, objects_bulk_create, submission_history_backfill
from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    FinalFacts,
    FundSource,
    GlossaryTerm,
    Project,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionText,
)

ZERO = Decimal("0.00")

#: a 单位资金 line's income type → the FinalFacts income field it is counted in
INCOME_FIELD_OF_TYPE = {
    "business": "income_business",
    "operating": "income_operating",
    "superior": "income_superior",
    "affiliated": "income_subordinate",
    "other": "income_other",
    "": "income_other",
}


def published_budget_version(*, unit, year: int) -> PublishedVersion | None:
    """The newest published version of the unit's budget of `year` (None: never published):
    the one the 决算 is compared with (`tables.document.final.budget_version_newest`)."""
    return budget_version_newest(unit_id=unit.pk, year=year)


def _money(value) -> Decimal:
    return Decimal(str(value or "0")).quantize(ZERO)


def _filled_at(value):
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def _footer(footer: dict | None) -> dict:
    footer = footer or {}
    return {
        "leader": footer.get("leader", ""),
        "handler": footer.get("handler", ""),
        "phone": footer.get("phone", ""),
        "filled_at": _filled_at(footer.get("filled_at")),
    }


def _codes(*, year: int, lines: list[dict]) -> dict[tuple[str, str], ClassificationCode]:
    """(scheme, code) → the year's ClassificationCode for every code the lines use; a code
    missing from the year's table refuses the whole opening, naming it."""
    wanted = {
        (scheme, line.get(key) or "")
        for line in lines
        for scheme, key in (
            (CodeScheme.FUNCTIONAL, "func_code"),
            (CodeScheme.DEPT_ECONOMIC, "dept_code"),
            (CodeScheme.GOV_ECONOMIC, "gov_code"),
        )
    }
    found = {
        (c.scheme, c.code): c
        for c in ClassificationCode.objects.filter(year=year, code__in={code for _, code in wanted})
    }
    missing = sorted(pair for pair in wanted if pair not in found)
    if missing:
        labels = dict(CodeScheme.choices)
        listed = "、".join(f"{labels[scheme]} {code or '（空）'}" for scheme, code in missing)
        raise ValidationError(
            f"{year}年科目表中找不到已公开预算使用的科目：{listed}。请财政管理员先补齐科目表。"
        )
    return found


def _categories() -> dict[str, IndicatorCategory]:
    return {
        c.code: c for c in IndicatorCategory.objects.filter(framework=default_framework(), level=2)
    }


def _indicators(rows, categories, **owner) -> list[Indicator]:
    indicators = []
    for row in rows:
        category = categories.get(row.get("level2_code", ""))
        if category is None:
            raise ValidationError(
                f"绩效指标「{row.get('name', '')}」的二级指标（{row.get('level2', '')}）"
                "在当前指标体系中不存在，无法复制到决算。"
            )
        indicators.append(
            Indicator(
                scope=row.get("scope", "year"),
                category=category,
                name=row.get("name", ""),
                text=row.get("text", ""),
                position=row.get("position", 0),
                **owner,
            )
        )
    return indicators


def _facts_initial(*, lines: list[BudgetLine], opening: dict[str, Decimal] | None) -> dict:
    """FinalFacts values of a fresh 决算: 年初 from last year's published 决算 (without one, the
    上年结转 lines of each fund: the money carried into the year), income = the year's own lines
    per fund (上年结转 lines are spent from 年初, never income), 年末 = 年初 + 收入 − 支出 (so every
    fund balances)."""
    values: dict[str, Decimal] = {}
    carried = dict.fromkeys(FUND_KEYS, ZERO)
    for line in lines:
        if line.is_carryover:
            carried[fund_of(line.fund_source)] += line.amount
    for key in FUND_KEYS:
        values[f"opening_{key}"] = opening[key] if opening is not None else carried[key]
    for name in set(INCOME_FIELD_OF_TYPE.values()) | {
        "income_general",
        "income_gov_fund",
        "income_state_capital",
    }:
        values[name] = ZERO
    spent = dict.fromkeys(FUND_KEYS, ZERO)
    for line in lines:
        spent[fund_of(line.fund_source)] += line.amount
        if line.is_carryover:
            continue
        if line.fund_source in (FundSource.GENERAL, FundSource.GOV_FUND, FundSource.STATE_CAPITAL):
            values[f"income_{line.fund_source}"] += line.amount
        else:
            name = (
                "income_business"
                if line.fund_source == FundSource.SPECIAL_ACCOUNT
                else INCOME_FIELD_OF_TYPE.get(line.income_type, "income_other")
            )
            values[name] += line.amount
    income = {
        "general": values["income_general"],
        "gov_fund": values["income_gov_fund"],
        "state_capital": values["income_state_capital"],
        "other": sum((values[n] for n in set(INCOME_FIELD_OF_TYPE.values())), ZERO),
    }
    for key in FUND_KEYS:
        values[f"closing_{key}"] = values[f"opening_{key}"] + income[key] - spent[key]
    return values


def _check(*, unit, year: int, actor) -> PublishedVersion:
    if actor is not None:
        refusal = final_open_refusal(actor, unit)
        if refusal:
            raise PermissionDenied(refusal)
    if unit.consolidates_department:
        # a 部门决算 would add up its members' 决算 as the 部门预算 adds up their budgets; until
        # that exists, a 部门汇总单位 has no 决算 of its own to enter or check
        raise ValidationError(
            f"「{unit.name}」是部门汇总单位：部门决算（汇总所属单位决算）尚未提供，"
            "请为所属各单位分别开启决算。"
        )
    if Submission.objects.filter(unit=unit, year=year, kind=SubmissionKind.FINAL).exists():
        raise ValidationError(f"「{unit.name}」{year}年决算已开启，不能重复开启。")
    version = published_budget_version(unit=unit, year=year)
    if version is None:
        raise ValidationError(f"{year}年预算尚未公开，不能开启决算。")
    return version


def final_open(*, unit, year: int, actor) -> Submission:
    """Create `unit`'s 决算 of `year` (草稿) from its newest published budget version (see the
    module docstring). Raises ValidationError / PermissionDenied in Chinese; nothing is written
    then."""
    year = int(year)
    version = _check(unit=unit, year=year, actor=actor)
    snapshot = version.data_json or {}
    budget = snapshot.get("budget") or {}
    targets = snapshot.get("targets") or {}
    snapshot_lines = list(budget.get("lines") or ())
    codes = _codes(year=year, lines=snapshot_lines)
    categories = _categories()
    # as last year's published 决算 printed it (J05 holds the 年初 to the same figures)
    opening = prior_closing_load(unit_id=unit.pk, year=year)
    try:
        with transaction.atomic(), history_reason("开启决算"):
            submission = Submission.objects.create(
                unit=unit,
                year=year,
                kind=SubmissionKind.FINAL,
                status=SubmissionStatus.DRAFT,
                approval_date=version.approval_date,
            )
            projects: dict[int, Project] = {}
            snapshot_projects = sorted(
                budget.get("projects") or (),
                # main rows first, so an extra allocation finds its main project
                key=lambda p: (p.get("allocation_of_id") is not None, p.get("position", 0)),
            )
            for row in snapshot_projects:
                projects[row["id"]] = Project.objects.create(
                    submission=submission,
                    name=row["name"],
                    category=row.get("category", ""),
                    recurrence=row.get("recurrence", ""),
                    period_years=row.get("period_years", 1),
                    allocation_of=projects.get(row.get("allocation_of_id")),
                    position=row.get("position", 0),
                )
            lines = []
            for row in snapshot_lines:
                amount = _money(row["amount"])
                lines.append(
                    BudgetLine(
                        submission=submission,
                        func_code=codes[(CodeScheme.FUNCTIONAL, row["func_code"])],
                        dept_econ_code=codes[(CodeScheme.DEPT_ECONOMIC, row["dept_code"])],
                        gov_econ_code=codes[(CodeScheme.GOV_ECONOMIC, row.get("gov_code", ""))],
                        expense_kind=row["expense_kind"],
                        fund_source=row["fund"],
                        income_type=row.get("income_type", ""),
                        is_carryover=bool(row.get("is_carryover")),
                        project=projects.get(row.get("project_id")),
                        amount=amount,
                        planned_amount=amount,
                        adjusted_amount=amount,
                        sub_item=row.get("sub_item", ""),
                    )
                )
            objects_bulk_create(BudgetLine, lines, batch_size=1000)
            _targets_copy(
                submission=submission, targets=targets, projects=projects, categories=categories
            )
            FinalFacts.objects.create(
                submission=submission, **_facts_initial(lines=lines, opening=opening)
            )
            _texts_copy(submission=submission, texts=snapshot.get("texts") or {})
            submission_history_backfill(submission_id=submission.pk)
    except IntegrityError:
        # opened meanwhile by another request (the unique (unit, year, kind))
        raise ValidationError(f"「{unit.name}」{year}年决算已开启，不能重复开启。") from None
    return submission


def _texts_copy(*, submission, texts: dict) -> None:
    """The 概况 (本单位职责, 机构设置情况) and the 名词解释 the published budget printed: the 决算
    prints the same unit, and the unit edits them where they changed."""
    SubmissionText.objects.create(
        submission=submission,
        duties=texts.get("duties", ""),
        organisation=texts.get("organisation", ""),
    )
    objects_bulk_create(
        GlossaryTerm,
        [
            GlossaryTerm(submission=submission, term=term, definition=definition, position=n)
            for n, (term, definition) in enumerate(texts.get("glossary") or (), start=1)
        ],
    )


def _targets_copy(*, submission, targets: dict, projects: dict[int, Project], categories) -> None:
    """The snapshot's targets as the 决算's rows, each with its (empty) 绩效自评."""
    evaluations: list[TargetEvaluation] = []
    indicators: list[Indicator] = []
    unit_row = targets.get("unit_target")
    if unit_row:
        unit_target = UnitTarget.objects.create(
            submission=submission,
            strategic_goal=unit_row.get("strategic_goal", ""),
            annual_goal=unit_row.get("annual_goal", ""),
            **_footer(unit_row.get("footer")),
        )
        objects_bulk_create(
            KeyTask,
            [
                KeyTask(unit_target=unit_target, function=function, tasks=tasks, position=n)
                for n, (function, tasks) in enumerate(unit_row.get("key_tasks") or (), start=1)
            ],
        )
        evaluations.append(TargetEvaluation(unit_target=unit_target))
        indicators += _indicators(
            unit_row.get("indicators") or (), categories, unit_target=unit_target
        )
    for row in targets.get("project_targets") or ():
        project = projects.get(row.get("project_id"))
        if project is None:  # a member's project on a 部门预算: not the unit's own
            continue
        funds = row.get("funds_period") or {}
        target = ProjectTarget.objects.create(
            project=project,
            **{name: row.get(name, "") for name in PROJECT_TARGET_TEXT_FIELDS},
            period_central=_money(funds.get("central")),
            period_provincial=_money(funds.get("provincial")),
            period_local=_money(funds.get("local")),
            period_self_raised=_money(funds.get("self_raised")),
            period_other=_money(funds.get("other")),
            year_central=_money(row.get("year_central")),
            year_provincial=_money(row.get("year_provincial")),
            year_other=_money(row.get("year_other")),
            **_footer(row.get("footer")),
        )
        evaluations.append(TargetEvaluation(project_target=target))
        indicators += _indicators(row.get("indicators") or (), categories, project_target=target)
    objects_bulk_create(TargetEvaluation, evaluations)
    # Indicator.save parses the value text; bulk_create would skip it
    for indicator in indicators:
        indicator.save()
    objects_bulk_create(IndicatorResult, [IndicatorResult(indicator=i) for i in indicators])


# --- every unit of a year -------------------------------------------------------------------


def finals_open(*, year: int, actor) -> tuple[list[Submission], list[tuple[BudgetUnit, str]]]:
    """Open the 决算 of `year` for every unit with a published budget of the year, each in its
    own transaction. Returns (the 决算 opened, [(unit, why not)] for those skipped: already
    open, or a refusal)."""
    year = int(year)
    unit_ids = set(
        PublishedVersion.objects.filter(
            year=year, kind="budget", submission__kind=SubmissionKind.BUDGET
        ).values_list("submission__unit_id", flat=True)
    )
    opened: list[Submission] = []
    skipped: list[tuple[BudgetUnit, str]] = []
    for unit in BudgetUnit.objects.filter(pk__in=unit_ids).order_by("code"):
        try:
            opened.append(final_open(unit=unit, year=year, actor=actor))
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            skipped.append((unit, "；".join(messages)))
    return opened, skipped


@dataclass(frozen=True)
class FinalsOpenRow:
    """A year with published budgets: how many units have one, how many 决算 are open."""

    year: int
    published: int
    opened: int

    @property
    def remaining(self) -> int:
        return self.published - self.opened


def finals_open_preview() -> list[FinalsOpenRow]:
    """Every year with a published budget, newest first (two queries)."""
    published: dict[int, set[int]] = {}
    for year, unit_id in PublishedVersion.objects.filter(
        kind="budget", submission__kind=SubmissionKind.BUDGET
    ).values_list("year", "submission__unit_id"):
        published.setdefault(year, set()).add(unit_id)
    opened: dict[int, set[int]] = {}
    for year, unit_id in Submission.objects.filter(kind=SubmissionKind.FINAL).values_list(
        "year", "unit_id"
    ):
        opened.setdefault(year, set()).add(unit_id)
    return [
        FinalsOpenRow(year, len(units), len(units & opened.get(year, set())))
        for year, units in sorted(published.items(), reverse=True)
    ]
