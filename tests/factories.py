"""Plain factory helpers: departments, units, submissions and synthetic valid budgets.

The budget generator itself lives in product code (`units.synthetic`, also used by the
`benchmark` command); these helpers only give tests short, unique defaults.
"""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from performance.models import ProjectTarget
from units.models import (
    BudgetLine,
    BudgetUnit,
    Department,
    Submission,
    SubmissionStatus,
    UnitKind,
)
from units.reference_defaults import load_default_reference
from units.services import user_role_assign
from units.synthetic import SYNTHETIC_YEAR, synthetic_budget_create

_sequence = itertools.count(1)


def department_create(*, code: str | None = None, name: str = "测试主管部门") -> Department:
    return Department.objects.create(code=code or f"TD{next(_sequence):05d}", name=name)


def budget_unit_create(
    *,
    code: str | None = None,
    name: str = "测试预算单位",
    kind: str = UnitKind.ADMINISTRATIVE,
    department: Department | None = None,
) -> BudgetUnit:
    return BudgetUnit.objects.create(
        code=code or f"TU{next(_sequence):05d}",
        name=name,
        kind=kind,
        department=department or department_create(),
    )


def submission_create(
    *, unit: BudgetUnit | None = None, year: int = SYNTHETIC_YEAR, **fields
) -> Submission:
    return Submission.objects.create(unit=unit or budget_unit_create(), year=year, **fields)


def synthetic_budget(
    submission: Submission, n_lines: int, *, seed: int = 0, validate: bool = False
) -> list[BudgetLine]:
    """Add `n_lines` valid lines (and projects) to `submission`, using the 2025 starter codes.

    `validate=True` saves through `budget_lines_create` (all rules); the default bulk-inserts.
    """
    load_default_reference(year=submission.year)
    return synthetic_budget_create(
        submission=submission, n_lines=n_lines, seed=seed, validate=validate
    )


def synthetic_submission(
    n_lines: int, *, seed: int = 0, kind: str = UnitKind.ADMINISTRATIVE, validate: bool = False
) -> Submission:
    """A new unit's 2025 submission with `n_lines` synthetic lines (bulk-inserted by default)."""
    submission = submission_create(unit=budget_unit_create(kind=kind))
    synthetic_budget(submission, n_lines, seed=seed, validate=validate)
    return submission


def approved_submission(name: str, *, year: int = 2025, seed: int = 0, n_lines: int = 10):
    """A unit named `name` whose `year` submission is 已审核 (created in that state) with
    `n_lines` synthetic lines: ready to publish."""
    submission = submission_create(
        unit=budget_unit_create(name=name), year=year, status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, n_lines, seed=seed)
    return submission


def user_with(
    role: str, units=(), name: str | None = None, *, password: str | None = None, full_name=""
):
    """A user with `role` (units.permissions) on `units`, named `name` or after the role; with
    `password` it can log in (the browser tests), `full_name` is what pages show of it."""
    User = get_user_model()
    user = User.objects.create_user(
        name or f"{role}-{User.objects.count()}", password=password, first_name=full_name
    )
    user_role_assign(user=user, role=role, units=list(units))
    return user


def project_target_create(project, **fields):
    """A 项目支出绩效目标 of `project` with every text filled (placeholders unless given)."""
    values = {
        "overview": "概况",
        "basis": "依据",
        "necessity": "必要性",
        "measures": "措施",
        "plan": "计划",
        "goal_period": "实施期目标",
        "goal_year": "年度目标",
        **fields,
    }
    return ProjectTarget.objects.create(project=project, **values)


def department_budget_create(
    *, year: int = 2025, n_lines: int = 12, member_status: str = SubmissionStatus.APPROVED
):
    """A 主管部门 with a 行政 本部, a 参公 and two 事业 member units, each with a `year` submission
    in `member_status` (已审核 by default) holding `n_lines` synthetic lines, a 政府购买服务 on
    the 本部 and one 事业 member; and its 部门汇总单位 with a draft submission of `year`.
    Returns (the 部门汇总单位's submission, the members' submissions in member order)."""
    from decimal import Decimal

    from units.models import ExpenseKind, FundSource, PurchasedService

    department = department_create(name="测试街道")
    members = []
    for offset, (name, kind, headquarters) in enumerate(
        (
            ("测试街道本部", UnitKind.ADMINISTRATIVE, True),
            ("测试街道综合执法队", UnitKind.CIVIL_SERVICE_MANAGED, False),
            ("测试街道文化站", UnitKind.INSTITUTION, False),
            ("测试街道卫生院", UnitKind.INSTITUTION, False),
        )
    ):
        unit = budget_unit_create(name=name, kind=kind, department=department)
        if headquarters:
            unit.is_headquarters = True
            unit.save(update_fields=["is_headquarters"])
        submission = submission_create(unit=unit, year=year, status=member_status)
        synthetic_budget(submission, n_lines, seed=offset + 1)
        # every member has 一般公共预算 公用经费 (what 机关运行经费 and R07 weigh by kind)
        first_public = BudgetLine.objects.filter(
            submission=submission, expense_kind=ExpenseKind.PUBLIC
        ).order_by("id")[:1]
        BudgetLine.objects.filter(pk__in=first_public).update(fund_source=FundSource.GENERAL)
        members.append(submission)
    for submission, amount in ((members[0], "12000.00"), (members[2], "3456.78")):
        PurchasedService.objects.create(
            submission=submission,
            project_name=f"{submission.unit.name}购买服务",
            content="物业管理服务",
            quantity="1项",
            amount=Decimal(amount),
        )
    consolidating = budget_unit_create(name="测试街道（部门汇总）", department=department)
    consolidating.consolidates_department = True
    consolidating.save(update_fields=["consolidates_department"])
    return submission_create(unit=consolidating, year=year), members


def published_county_create(*, actor) -> dict:
    """A small published county for the public insight pages and the API (PDFs are rendered
    unless the test stubs them with the `fast_pdf` fixture), all under one 主管部门:

    - `history`: unit 县测试人大常委会办公室 with 2023, 2024 and 2025 published (different
      synthetic lines each year), each on time (批复 five days before publication);
    - `late`: another unit's 2025, published 30 days after 批复;
    - `corrected`: a third unit's 2025, published on time as version 1, then corrected
      (更正, version 2 with a reason) — the dict holds version 2, `corrected_v1` version 1;
    - `no_approval`: a fourth unit's 2025 published without a 批复日期.

    Returns those versions and `department` (the 主管部门)."""
    import datetime

    from django.utils import timezone

    from tables.publication.services import submission_publish
    from units.services import submission_transition

    today = timezone.localdate()
    department = department_create(name="县测试主管部门")

    def publish(unit, year, *, seed, days_before, n_lines=14):
        approval = None if days_before is None else today - datetime.timedelta(days=days_before)
        submission = submission_create(
            unit=unit, year=year, status=SubmissionStatus.APPROVED, approval_date=approval
        )
        synthetic_budget(submission, n_lines, seed=seed)
        return submission, submission_publish(submission_id=submission.pk, actor=actor)

    history_unit = budget_unit_create(
        name="县测试人民代表大会常务委员会办公室", department=department
    )
    history = [
        publish(history_unit, year, seed=index, days_before=5)[1]
        for index, year in enumerate((2023, 2024, 2025))
    ]
    late = publish(
        budget_unit_create(name="县测试发展和改革局", department=department),
        2025,
        seed=7,
        days_before=30,
    )[1]
    unit = budget_unit_create(name="县测试卫生健康局", department=department)
    submission, corrected_v1 = publish(unit, 2025, seed=8, days_before=3)
    submission_transition(
        submission_id=submission.pk,
        actor=actor,
        to_status=SubmissionStatus.DRAFT,
        reason="项目支出金额录入有误",
    )
    # Straight back to 已审核: the synthetic lines have no 绩效目标, which 提交 would refuse.
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.APPROVED)
    corrected = submission_publish(submission_id=submission.pk, actor=actor)
    no_approval = publish(
        budget_unit_create(name="县测试市场监督管理局", department=department),
        2025,
        seed=9,
        days_before=None,
    )[1]
    return {
        "department": department,
        "history": history,
        "late": late,
        "corrected": corrected,
        "corrected_v1": corrected_v1,
        "no_approval": no_approval,
    }


def search_aliases_seed() -> None:
    """The 简称 migration 0009 seeds, present again: a transactional test (the browser
    journeys, the concurrency tests) empties every table, migration data included."""
    import importlib

    from tables.models import SearchAlias

    seed = importlib.import_module("tables.migrations.0009_public_insight_data").DEFAULT_ALIASES
    SearchAlias.objects.bulk_create(
        [SearchAlias(short=short, full=full) for short, full in seed], ignore_conflicts=True
    )


# --- 决算 and its 绩效自评 -------------------------------------------------------------------


def final_submission_create(
    *, unit: BudgetUnit | None = None, year: int = SYNTHETIC_YEAR, **fields
):
    """A 决算 (final) submission of `unit` (a new one unless given) for `year`."""
    from units.models import SubmissionKind

    return submission_create(unit=unit, year=year, kind=SubmissionKind.FINAL, **fields)


def project_create(submission: Submission, name: str, **fields):
    """A project of `submission` (项目类别/属性 filled)."""
    from units.models import Project

    values = {"category": "operating", "recurrence": "recurring", **fields}
    return Project.objects.create(submission=submission, name=name, **values)


def unit_target_create(submission: Submission, **fields):
    """The 整体支出绩效目标 of `submission` with its texts filled (placeholders unless given)."""
    from performance.models import UnitTarget

    values = {"strategic_goal": "战略目标", "annual_goal": "年度绩效目标", **fields}
    return UnitTarget.objects.create(submission=submission, **values)


def indicator_create(target, name: str, text: str, *, level2: str = "数量指标", **fields):
    """A 年度 indicator `name` with value `text` under the default framework's 二级 `level2`,
    of a UnitTarget or ProjectTarget `target`."""
    from performance.models import Indicator, IndicatorCategory, UnitTarget

    category = IndicatorCategory.objects.get(framework__is_default=True, level=2, name=level2)
    owner = "unit_target" if isinstance(target, UnitTarget) else "project_target"
    values = {"scope": "year", **fields}
    return Indicator.objects.create(
        **{owner: target}, category=category, name=name, text=text, **values
    )


def evaluation_create(target, *, execution_weight=10, summary: str = "", results=()):
    """A stored 绩效自评 of `target` (UnitTarget or ProjectTarget); `results` are
    (indicator, actual, weight, deviation_reason, improvement) tuples (the last two optional)."""
    from decimal import Decimal

    from performance.models import IndicatorResult, TargetEvaluation, UnitTarget

    owner = "unit_target" if isinstance(target, UnitTarget) else "project_target"
    evaluation = TargetEvaluation.objects.create(
        **{owner: target}, execution_weight=Decimal(execution_weight), summary=summary
    )
    for indicator, actual, weight, *texts in results:
        reason, improvement = (list(texts) + ["", ""])[:2]
        IndicatorResult.objects.create(
            indicator=indicator,
            actual=actual,
            weight=Decimal(weight),
            deviation_reason=reason,
            improvement=improvement,
        )
    return evaluation


_GIVEN = object()


def final_data_from_budget(
    budget,
    *,
    actual_amounts=None,
    adjusted_amounts=None,
    facts: dict | None = None,
    reasons: dict | None = None,
    published_budget=_GIVEN,
    prior_closing=_GIVEN,
):
    """A consistent `FinalData` (no database) of a 决算 whose 年初预算 is `budget` (a
    `BudgetData`), for which `run_final_checks` reports nothing unless told otherwise.

    `actual_amounts` gives the 决算数: a sequence parallel to `budget.lines` or a function
    `(index, line) → Decimal` (default: as planned); `adjusted_amounts` likewise the 调整预算
    (default: the 年初预算). The facts are made to balance: per fund, 年初结转 is that fund's
    上年结转 lines, income is what makes 年末结转 come out at 1,000.00 元 (0 where nothing was
    spent); the 三公 counts follow the 三公 spending; 政府采购 is the budget's items, half of it
    to 中小企业. `facts` then overrides fields as given. Every difference that needs a reason
    gets one, then `reasons` overrides keys ("" to leave one out). The published budget is
    `budget` and last year's 年末结转 this year's 年初 unless given."""
    import dataclasses
    from decimal import Decimal

    from tables.figures.derive.t10_sangong import sangong_sums
    from tables.figures.final.compare import final_differences
    from tables.figures.final.types import FinalData, FinalFacts
    from tables.figures.types import FISCAL_FUNDS, ZERO

    def amounts(given):
        if given is None:
            return [line.amount for line in budget.lines]
        if callable(given):
            return [given(i, line) for i, line in enumerate(budget.lines)]
        return list(given)

    def view(values):
        lines = tuple(
            dataclasses.replace(line, amount=amount)
            for line, amount in zip(budget.lines, values, strict=True)
        )
        return dataclasses.replace(budget, lines=lines)

    actual = view(amounts(actual_amounts))
    adjusted = view(amounts(adjusted_amounts))
    fields: dict = {}
    target_closing = Decimal("1000.00")
    for fund in (*FISCAL_FUNDS, "other"):
        in_fund = [
            (p, a)
            for p, a in zip(budget.lines, actual.lines, strict=True)
            if (p.fund == fund if fund != "other" else p.fund not in FISCAL_FUNDS)
        ]
        opening = sum((p.amount for p, _ in in_fund if p.is_carryover), ZERO)
        spent = sum((a.amount for _, a in in_fund), ZERO)
        closing = target_closing if spent else ZERO
        income = max(spent + closing - opening, ZERO)
        fields[f"opening_{fund}"] = opening
        fields[f"income_{fund}"] = income
        fields[f"closing_{fund}"] = opening + income - spent
    sangong = {key: value[0] for key, value in sangong_sums(actual).items()}
    outbound, reception, purchase, operation = sangong.values()
    fields |= {
        "outbound_groups": 1 if outbound else 0,
        "outbound_persons": 3 if outbound else 0,
        "reception_batches": 5 if reception else 0,
        "reception_persons": 40 if reception else 0,
        "vehicles_purchased": 1 if purchase else 0,
        "vehicles_held": 2 if operation or purchase else 0,
    }
    for item in budget.procurements:
        key = f"procurement_{item.kind}"
        fields[key] = fields.get(key, ZERO) + item.amount
    fields["procurement_sme"] = (
        sum((item.amount for item in budget.procurements), ZERO) / 2
    ).quantize(Decimal("0.01"))
    final_facts = dataclasses.replace(FinalFacts(**fields), **(facts or {}))
    data = FinalData(
        actual=actual,
        planned=budget,
        adjusted=adjusted,
        facts=final_facts,
        published_budget=budget if published_budget is _GIVEN else published_budget,
        prior_closing=(
            {fund: final_facts.opening(fund) for fund in (*FISCAL_FUNDS, "other")}
            if prior_closing is _GIVEN
            else prior_closing
        ),
    )
    given = {
        d.key: f"{d.label}因工作任务调整而{d.phrase}"
        for d in final_differences(data)
        if d.needs_reason
    }
    given |= reasons or {}
    return dataclasses.replace(data, reasons={k: v for k, v in given.items() if v})


def final_example(budget, **changes):
    """The 决算 tests' example (no database): `budget` (the seed's) plus a 政府性基金, a 国有资本经营
    and a 单位资金 line, taken as 年初预算, with 决算数 changed by −12%, −6%, 0, +6%, +12% by line
    index (to the cent, half-up): a `final_data_from_budget` on which no rule reports anything.
    `changes` go to `final_data_from_budget`."""
    import dataclasses
    from decimal import ROUND_HALF_UP, Decimal

    from tables.figures.types import (
        FUND_GOV,
        FUND_STATE_CAPITAL,
        FUND_UNIT,
        KIND_PROJECT,
        LineRow,
    )

    project = budget.projects[0].id if budget.projects else None
    extra = (
        LineRow(
            "2120801",
            "30299",
            "50299",
            KIND_PROJECT,
            FUND_GOV,
            False,
            project,
            Decimal("500000.00"),
        ),
        LineRow(
            "2230199",
            "31099",
            "50399",
            KIND_PROJECT,
            FUND_STATE_CAPITAL,
            False,
            project,
            Decimal("300000.00"),
        ),
        LineRow(
            "2010101",
            "30201",
            "50201",
            KIND_PROJECT,
            FUND_UNIT,
            False,
            project,
            Decimal("80000.00"),
            income_type="business",
        ),
    )
    budget = dataclasses.replace(budget, lines=budget.lines + extra)
    factors = (Decimal("0.88"), Decimal("0.94"), Decimal("1"), Decimal("1.06"), Decimal("1.12"))

    def changed(i, line):
        return (line.amount * factors[i % 5]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    changes.setdefault("actual_amounts", changed)
    return final_data_from_budget(budget, **changes)


def budget_targets_add(submission, *, indicator_text: str = "≥10次") -> None:
    """A 整体支出绩效目标 (one 重点任务, one indicator) and, on the first main project, a
    项目支出绩效目标 with two indicators (one 年度, one 实施期): targets to copy into a 决算."""
    from performance.framework import default_framework
    from performance.models import Indicator, IndicatorCategory, KeyTask, UnitTarget
    from units.models import Project

    categories = list(
        IndicatorCategory.objects.filter(framework=default_framework(), level=2).order_by(
            "position", "id"
        )[:2]
    )
    unit_target = UnitTarget.objects.create(
        submission=submission, strategic_goal="战略目标", annual_goal="年度目标", leader="张三"
    )
    KeyTask.objects.create(unit_target=unit_target, function="核心职能", tasks="重点任务")
    Indicator.objects.create(
        unit_target=unit_target, category=categories[0], name="会议次数", text=indicator_text
    )
    project = Project.objects.filter(submission=submission, allocation_of=None).first()
    if project is not None:
        target = project_target_create(project, period_local="1000.00")
        Indicator.objects.create(
            project_target=target, category=categories[0], name="完成率", text="100%"
        )
        Indicator.objects.create(
            project_target=target,
            category=categories[-1],
            name="满意度",
            text="≥90%",
            scope="period",
        )


def published_budget_create(
    *, actor, year: int = 2025, n_lines: int = 10, seed: int = 0, unit=None, targets: bool = True
):
    """A unit's `year` budget with `n_lines` synthetic lines (and targets unless told not to),
    published as version 1 by `actor` (a 财政管理员); returns the PublishedVersion. Use with the
    `fast_pdf` fixture (publishing renders the PDF otherwise)."""
    from tables.publication.services import submission_publish

    submission = submission_create(
        unit=unit or budget_unit_create(), year=year, status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, n_lines, seed=seed)
    if targets:
        budget_targets_add(submission)
    return submission_publish(submission_id=submission.pk, actor=actor)


def final_opened_create(
    *, actor=None, year: int = 2025, n_lines: int = 10, seed: int = 0, unit=None
) -> Submission:
    """A unit's `year` 决算 (草稿) opened from its budget published by `actor` (a new
    财政管理员 when None) through `tables.desk.final_open.final_open`. Use with `fast_pdf`."""
    from tables.desk.final_open import final_open
    from units.permissions import ADMIN

    actor = actor or user_with(ADMIN)
    version = published_budget_create(actor=actor, year=year, n_lines=n_lines, seed=seed, unit=unit)
    return final_open(unit=version.submission.unit, year=year, actor=actor)
