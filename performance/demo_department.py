"""A demo 部门 for trying 部门预算 in the browser: a 街道-like 主管部门 with a 行政 本级, a 参公
unit and two 事业 units, each with an approved budget of synthetic lines, and its 部门汇总单位
with a draft submission whose tables add the members up.

Every name says 演示 and the amounts are synthetic (`units.synthetic`), so nobody mistakes them
for a real disclosure. Each member project gets a plain 项目支出绩效目标 (one indicator of each
required kind, its cost the project's money) and the 部门 an 整体支出绩效目标, so the 部门 can
be submitted without 错误 and the review shows every part. Idempotent: a unit or submission that exists is left as it is (a
published 部门 stays published; a member someone changed keeps the change).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from performance.framework import default_framework
from performance.models import Indicator, KeyTask, ProjectTarget, Scope, UnitTarget
from units.models import (
    BudgetLine,
    BudgetUnit,
    Department,
    FundSource,
    Project,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    UnitKind,
)
from units.services import submission_texts_initialise
from units.synthetic import synthetic_budget_create

DEMO_DEPARTMENT_CODE = "901"
DEMO_DEPARTMENT_NAME = "演示街道办事处"
#: (code, name, kind, is 本级, synthetic lines)
DEMO_MEMBERS = (
    ("901001", "演示街道办事处本级", UnitKind.ADMINISTRATIVE, True, 24),
    ("901002", "演示街道综合行政执法队", UnitKind.CIVIL_SERVICE_MANAGED, False, 12),
    ("901003", "演示街道文化服务中心", UnitKind.INSTITUTION, False, 12),
    ("901004", "演示街道社区卫生服务中心", UnitKind.INSTITUTION, False, 16),
)
DEMO_SUMMARY_CODE = "901000"
DEMO_SUMMARY_NAME = "演示街道办事处（部门汇总）"


@transaction.atomic
def demo_department_load(*, year: int = 2025) -> Submission:
    """Create the demo 部门 and its members' approved budgets where missing; return the 部门汇总
    单位's submission of `year`."""
    department, _ = Department.objects.get_or_create(
        code=DEMO_DEPARTMENT_CODE, defaults={"name": DEMO_DEPARTMENT_NAME}
    )
    for seed, (code, name, kind, headquarters, n_lines) in enumerate(DEMO_MEMBERS, start=1):
        unit, _ = BudgetUnit.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "department": department,
                "is_headquarters": headquarters,
                "duties": f"{name}（演示数据）承担本街道的相关工作。",
            },
        )
        submission, created = Submission.objects.get_or_create(
            unit=unit,
            year=year,
            kind=SubmissionKind.BUDGET,
            defaults={"status": SubmissionStatus.APPROVED},
        )
        if created:
            synthetic_budget_create(submission=submission, n_lines=n_lines, seed=seed)
            # each member has 一般公共预算 公用经费, which 机关运行经费 weighs by unit kind
            first_public = BudgetLine.objects.filter(
                submission=submission, expense_kind="public"
            ).order_by("id")[:1]
            BudgetLine.objects.filter(pk__in=first_public).update(
                fund_source=FundSource.GENERAL, income_type=""
            )
            for position, project in enumerate(Project.objects.filter(submission=submission), 1):
                project.name = f"{name.removeprefix('演示街道')}业务项目{position}"
                project.save(update_fields=["name"])
            _project_targets_create(submission=submission)
            submission_texts_initialise(submission=submission)
    summary, _ = BudgetUnit.objects.get_or_create(
        code=DEMO_SUMMARY_CODE,
        defaults={
            "name": DEMO_SUMMARY_NAME,
            "kind": UnitKind.ADMINISTRATIVE,
            "department": department,
            "consolidates_department": True,
            "duties": "演示街道办事处（演示数据）：部门预算由本级及所属单位汇总。",
            "subordinate_units": len(DEMO_MEMBERS),
        },
    )
    submission, created = Submission.objects.get_or_create(
        unit=summary, year=year, kind=SubmissionKind.BUDGET
    )
    if created:
        _unit_target_create(submission=submission)
    submission_texts_initialise(submission=submission)
    return submission


def _indicators(money: Decimal, **owner) -> list[Indicator]:
    """One indicator of each kind the checks require, the cost one the target's money."""
    categories = {c.name: c for c in default_framework().categories.filter(level=2)}
    rows = (
        ("数量指标", "完成服务事项", "≥12项"),
        ("质量指标", "服务事项达标率", "≥95%"),
        ("时效指标", "按期完成率", "≥95%"),
        ("成本指标", "年度成本控制", f"≤{money / 10000:.2f}万元"),
        ("社会效益指标", "服务群众覆盖面", "逐步扩大"),
        ("服务对象满意度指标", "服务对象满意度", "≥90%"),
    )
    out = []
    for position, (category, name, text) in enumerate(rows, start=1):
        indicator = Indicator(
            scope=Scope.YEAR,
            category=categories[category],
            name=name,
            text=text,
            position=position,
            **owner,
        )
        indicator.clean()  # parses the value text
        out.append(indicator)
    return out


def _project_targets_create(*, submission: Submission) -> None:
    indicators = []
    for project in Project.objects.filter(submission=submission, allocation_of=None):
        money = sum(
            (
                line.amount
                for line in BudgetLine.objects.filter(project=project, is_carryover=False)
            ),
            Decimal("0.00"),
        )
        target = ProjectTarget.objects.create(
            project=project,
            overview=f"{project.name}（演示数据）。",
            basis="演示数据：依据本街道年度工作安排。",
            necessity="演示数据：保障本单位履行职责。",
            measures="演示数据：按财务制度管理资金。",
            plan="演示数据：全年按季度实施。",
            goal_period="演示数据：按期完成项目任务。",
            goal_year="演示数据：完成本年度项目任务。",
            period_local=money,
        )
        indicators += _indicators(money, project_target=target)
    Indicator.objects.bulk_create(indicators)


def _unit_target_create(*, submission: Submission) -> None:
    target = UnitTarget.objects.create(
        submission=submission,
        strategic_goal="演示数据：做好街道各项公共服务。",
        annual_goal="演示数据：完成本年度各项重点工作。",
    )
    KeyTask.objects.create(
        unit_target=target, function="公共服务", tasks="演示数据：社区服务、文化服务、卫生服务。"
    )
    Indicator.objects.bulk_create(_indicators(Decimal("1000000.00"), unit_target=target))
