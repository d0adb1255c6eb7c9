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


def final_submission_create(
    *, actor=None, year: int = 2025, n_lines: int = 10, seed: int = 0, unit=None
) -> Submission:
    """A unit's `year` 决算 (草稿) opened from its budget published by `actor` (a new
    财政管理员 when None) through `tables.desk.final_open.final_open`. Use with `fast_pdf`."""
    from tables.desk.final_open import final_open
    from units.permissions import ADMIN

    actor = actor or user_with(ADMIN)
    version = published_budget_create(actor=actor, year=year, n_lines=n_lines, seed=seed, unit=unit)
    return final_open(unit=version.submission.unit, year=year, actor=actor)
