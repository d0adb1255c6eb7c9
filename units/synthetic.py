"""Synthetic budgets: any number of valid budget lines for one submission, deterministic per seed.

Used by the `benchmark` command and by tests (tests/factories.py). Only combinations the
validation rules (units/validation.py) accept are generated:

* 功能科目: active 项-level codes of the year;
* 人员经费 lines: 部门经济科目 of class 301/303; 公用经费 lines: class 302; 项目支出 lines: 302 or
  303, each with a project of the same submission;
* 政府经济科目: the one `EconomicMapping` gives for the 部门经济科目 (行政/参公 mapping), so only
  部门 codes that have a mapping are used;
* random funding sources; only project lines are 上年结转 (基本支出 never carries over);
* amounts: random `Decimal` 元 with two places, some ending in 50.00 so that 万元 rounding is
  exercised (x.xx5 万元).

The classification codes and mappings must already be loaded (`load_default_reference`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    EconomicMapping,
    ExpenseKind,
    FundSource,
    Project,
    ProjectCategory,
    ProjectRecurrence,
    Submission,
    SubmissionKind,
    UnitKind,
)
from units.services import budget_lines_create, submission_clear_content

SYNTHETIC_UNIT_CODE = "BENCH"
SYNTHETIC_UNIT_NAME = "性能测试合成单位"
SYNTHETIC_YEAR = 2025

#: 部门经济分类 classes usable for each kind of line (a subset of what validation allows).
DEPT_CLASSES = {
    ExpenseKind.PERSONNEL: ("301", "303"),
    ExpenseKind.PUBLIC: ("302",),
    ExpenseKind.PROJECT: ("302", "303"),
}
KIND_WEIGHTS = {ExpenseKind.PERSONNEL: 40, ExpenseKind.PUBLIC: 25, ExpenseKind.PROJECT: 35}
FUND_WEIGHTS = {
    FundSource.GENERAL: 60,
    FundSource.GOV_FUND: 8,
    FundSource.STATE_CAPITAL: 4,
    FundSource.SPECIAL_ACCOUNT: 10,
    FundSource.UNIT_FUNDS: 18,
}
#: Share of project lines that are 上年结转.
CARRYOVER_SHARE = 0.15
#: About one project per this many lines.
LINES_PER_PROJECT = 25


@dataclass(frozen=True)
class CodePool:
    """The codes a synthetic line may use, fetched once per year."""

    functional: tuple[ClassificationCode, ...]
    dept_by_kind: dict[str, tuple[ClassificationCode, ...]]
    gov_for_dept: dict[str, ClassificationCode]


def code_pool_load(*, year: int = SYNTHETIC_YEAR) -> CodePool:
    """The active codes and admin 部门→政府 mappings of `year` that synthetic lines may use."""
    codes = {
        (code.scheme, code.code): code
        for code in ClassificationCode.objects.filter(year=year, is_active=True)
    }
    mapping = dict(
        EconomicMapping.objects.filter(year=year, mapping_kind="admin").values_list(
            "dept_code", "gov_code"
        )
    )
    gov_for_dept = {}
    for dept_code, gov_code in sorted(mapping.items()):
        dept = codes.get((CodeScheme.DEPT_ECONOMIC, dept_code))
        gov = codes.get((CodeScheme.GOV_ECONOMIC, gov_code))
        if dept is not None and gov is not None and dept.level == 2 and gov.level == 2:
            gov_for_dept[dept_code] = gov
    functional = tuple(
        code
        for (scheme, _), code in sorted(codes.items())
        if scheme == CodeScheme.FUNCTIONAL and code.level == 3
    )
    dept_by_kind = {
        kind: tuple(
            codes[(CodeScheme.DEPT_ECONOMIC, dept_code)]
            for dept_code in sorted(gov_for_dept)
            if dept_code[:3] in classes
        )
        for kind, classes in DEPT_CLASSES.items()
    }
    if not functional or not all(dept_by_kind.values()):
        raise ValueError(
            f"{year}年分类科目或经济科目对应关系不全，无法生成合成预算；"
            "请先运行 python manage.py load_reference。"
        )
    return CodePool(functional=functional, dept_by_kind=dept_by_kind, gov_for_dept=gov_for_dept)


def synthetic_amount(rng: random.Random) -> Decimal:
    """A random amount in 元 with exactly two places; one in ten ends in 50.00."""
    if rng.random() < 0.1:
        # k × 100 + 50 元 is exactly x.xx5 万元: the half-up rounding boundary.
        return Decimal(rng.randrange(0, 50_000) * 100 + 50).quantize(Decimal("0.01"))
    return Decimal(rng.randrange(1, 500_000_000)).scaleb(-2)


def synthetic_projects_build(
    *, submission: Submission, count: int, rng: random.Random
) -> list[Project]:
    """`count` unsaved projects of `submission` with random category, recurrence and period."""
    return [
        Project(
            submission=submission,
            name=f"合成项目{position:05d}",
            category=rng.choice(ProjectCategory.values),
            recurrence=rng.choice(ProjectRecurrence.values),
            period_years=rng.randint(1, 3),
            position=position,
        )
        for position in range(1, count + 1)
    ]


def synthetic_lines_build(
    *,
    submission: Submission,
    projects: list[Project],
    n_lines: int,
    rng: random.Random,
    pool: CodePool,
) -> list[BudgetLine]:
    """`n_lines` unsaved, valid budget lines; project lines use `projects` (saved, with ids)."""
    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())
    funds = list(FUND_WEIGHTS)
    fund_weights = list(FUND_WEIGHTS.values())
    lines = []
    for _ in range(n_lines):
        kind = rng.choices(kinds, kind_weights)[0]
        if kind == ExpenseKind.PROJECT and not projects:
            kind = ExpenseKind.PUBLIC
        dept = rng.choice(pool.dept_by_kind[kind])
        is_project = kind == ExpenseKind.PROJECT
        lines.append(
            BudgetLine(
                submission=submission,
                func_code=rng.choice(pool.functional),
                dept_econ_code=dept,
                gov_econ_code=pool.gov_for_dept[dept.code],
                expense_kind=kind,
                fund_source=rng.choices(funds, fund_weights)[0],
                is_carryover=is_project and rng.random() < CARRYOVER_SHARE,
                project=rng.choice(projects) if is_project else None,
                amount=synthetic_amount(rng),
            )
        )
    return lines


@transaction.atomic
def synthetic_budget_create(
    *, submission: Submission, n_lines: int, seed: int = 0, validate: bool = False
) -> list[BudgetLine]:
    """Add projects and `n_lines` valid lines to `submission`.

    With `validate` the lines go through `budget_lines_create` (every rule checked); without it
    they are bulk-inserted directly, which is what large benchmarks need.
    """
    rng = random.Random(seed)
    pool = code_pool_load(year=submission.year)
    n_projects = max(1, n_lines // LINES_PER_PROJECT) if n_lines else 0
    projects = Project.objects.bulk_create(
        synthetic_projects_build(submission=submission, count=n_projects, rng=rng)
    )
    lines = synthetic_lines_build(
        submission=submission, projects=projects, n_lines=n_lines, rng=rng, pool=pool
    )
    if validate:
        return budget_lines_create(submission=submission, lines=lines)
    return BudgetLine.objects.bulk_create(lines, batch_size=1000)


@transaction.atomic
def synthetic_submission_create(
    *,
    n_lines: int,
    seed: int = 0,
    unit_code: str = SYNTHETIC_UNIT_CODE,
    year: int = SYNTHETIC_YEAR,
    validate: bool = False,
) -> Submission:
    """A 行政 unit `unit_code` whose `year` submission holds exactly `n_lines` synthetic lines.

    Loads the starter reference data of `year` first; an existing submission of that unit is
    emptied and refilled, so running it twice leaves one copy.
    """
    from units.reference_defaults import load_default_reference

    load_default_reference(year=year)
    department, _ = Department.objects.update_or_create(
        code=f"{unit_code}-D", defaults={"name": f"{SYNTHETIC_UNIT_NAME}主管部门"}
    )
    unit, _ = BudgetUnit.objects.update_or_create(
        code=unit_code,
        defaults={
            "name": SYNTHETIC_UNIT_NAME,
            "kind": UnitKind.ADMINISTRATIVE,
            "department": department,
        },
    )
    submission, _ = Submission.objects.get_or_create(
        unit=unit, year=year, kind=SubmissionKind.BUDGET
    )
    submission_clear_content(submission=submission)
    synthetic_budget_create(submission=submission, n_lines=n_lines, seed=seed, validate=validate)
    return submission


def synthetic_unit_delete(*, unit_code: str = SYNTHETIC_UNIT_CODE) -> None:
    """Remove a synthetic unit with its submissions, lines and projects (and its department)."""
    with transaction.atomic():
        for submission in Submission.objects.filter(unit__code=unit_code):
            submission_clear_content(submission=submission)
            submission.delete()
        BudgetUnit.objects.filter(code=unit_code).delete()
        Department.objects.filter(code=f"{unit_code}-D", units__isnull=True).delete()
