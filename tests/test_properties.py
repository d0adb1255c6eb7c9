"""Property tests: any valid budget derives to 14 consistent tables with exact Decimal totals."""

from __future__ import annotations

import ast
import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tables.figures.checks import ERROR, NOTICE, WARNING, run_checks
from tables.figures.load import budget_data_load
from tables.figures.registry import derive_all
from tables.figures.types import (
    BASIC_KINDS,
    CATEGORY_OPERATING,
    CATEGORY_SPECIFIC,
    FUND_UNIT,
    FUNDS,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
    BudgetData,
    LineRow,
    ProjectRow,
    PurchasedServiceRow,
    Table,
    UnitInfo,
)
from tests.factories import submission_create, synthetic_submission
from units.models import BudgetLine, ExpenseKind, Project
from units.reference_defaults import load_default_reference
from units.selectors import submission_get
from units.services import budget_lines_create
from units.synthetic import code_pool_load, synthetic_lines_build, synthetic_projects_build
from units.validation import budget_line_errors

DERIVE_DIR = Path(__file__).resolve().parents[1] / "tables" / "derive"

# --- a small fixed set of codes, with names at every level --------------------------------

FUNC_NAMES = {
    "201": "一般公共服务支出",
    "20101": "人大事务",
    "2010101": "行政运行",
    "2010102": "一般行政管理事务",
    "2010150": "事业运行",
    "208": "社会保障和就业支出",
    "20805": "行政事业单位养老支出",
    "2080501": "行政单位离退休",
    "2080505": "机关事业单位基本养老保险缴费支出",
    "210": "卫生健康支出",
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "221": "住房保障支出",
    "22102": "住房改革支出",
    "2210201": "住房公积金",
}
FUNC_ITEMS = tuple(code for code in FUNC_NAMES if len(code) == 7)
DEPT_NAMES = {
    "301": "工资福利支出",
    "30101": "基本工资",
    "30108": "机关事业单位基本养老保险缴费",
    "30113": "住房公积金",
    "302": "商品和服务支出",
    "30201": "办公费",
    "30211": "差旅费",
    "30212": "因公出国（境）费用",
    "30217": "公务接待费",
    "30227": "委托业务费",
    "30231": "公务用车运行维护费",
    "303": "对个人和家庭的补助",
    "30302": "退休费",
    "30305": "生活补助",
    "310": "资本性支出",
    "31013": "公务用车购置",
}
GOV_NAMES = {
    "501": "机关工资福利支出",
    "50101": "工资奖金津补贴",
    "50102": "社会保障缴费",
    "50103": "住房公积金",
    "502": "机关商品和服务支出",
    "50201": "办公经费",
    "50205": "委托业务费",
    "50206": "公务接待费",
    "50207": "因公出国（境）费用",
    "50208": "公务用车运行维护费",
    "504": "机关资本性支出（二）",
    "50402": "公务用车购置",
    "509": "对个人和家庭的补助",
    "50901": "社会福利和救助",
    "50905": "离退休费",
}
# (部门经济科目, 政府经济科目) pairs each kind of line may use; 三公 codes included for 表十.
PAIRS = {
    KIND_PERSONNEL: (
        ("30101", "50101"),
        ("30108", "50102"),
        ("30113", "50103"),
        ("30302", "50905"),
    ),
    KIND_PUBLIC: (
        ("30201", "50201"),
        ("30211", "50201"),
        ("30212", "50207"),
        ("30217", "50206"),
        ("30231", "50208"),
        ("31013", "50402"),
    ),
    KIND_PROJECT: (
        ("30201", "50201"),
        ("30217", "50206"),
        ("30227", "50205"),
        ("30231", "50208"),
        ("30305", "50901"),
    ),
}
CODE_NAMES = {"func": FUNC_NAMES, "dept_econ": DEPT_NAMES, "gov_econ": GOV_NAMES}

# --- strategies ----------------------------------------------------------------------------


def _yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


#: Amounts in 元 with exactly two places, biased towards the 万元 rounding boundary: k × 100 + 50
#: 元 is x.xx5 万元, so 49.99 / 50.00 / 50.01 above a round hundred round differently.
amounts = st.one_of(
    st.integers(0, 10**12).map(_yuan),
    st.integers(0, 10**8).map(lambda k: _yuan(k * 10_000 + 5_000)),
    st.tuples(st.integers(0, 10**8), st.sampled_from((-1, 1))).map(
        lambda kd: _yuan(kd[0] * 10_000 + 5_000 + kd[1])
    ),
    st.sampled_from([_yuan(c) for c in (0, 1, 4_999, 5_000, 5_001, 99, 100, 999_999_999)]),
)


@st.composite
def budget_data(draw, *, carryover_funds=FUNDS) -> BudgetData:
    """A random but valid BudgetData: basic lines never carry over, project lines have projects.

    `carryover_funds`: funding sources 上年结转 project lines may use.
    """
    unit_kind = draw(st.sampled_from(["admin", "civil", "institution"]))
    n_projects = draw(st.integers(0, 4))
    project_ids = draw(
        st.lists(st.integers(1, 10_000), min_size=n_projects, max_size=n_projects, unique=True)
    )
    projects = []
    for i, project_id in enumerate(project_ids):
        projects.append(
            ProjectRow(
                id=project_id,
                name=f"项目{i + 1}",
                category=draw(st.sampled_from([CATEGORY_OPERATING, CATEGORY_SPECIFIC])),
                recurrence=draw(st.sampled_from(["recurring", "one_off"])),
                period_years=draw(st.integers(1, 5)),
                allocation_of_id=draw(st.sampled_from([None, *project_ids[:i]])),
                position=draw(st.integers(0, 3)),
            )
        )
    kinds = [*BASIC_KINDS, KIND_PROJECT] if projects else list(BASIC_KINDS)
    lines = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(kinds))
        dept, gov = draw(st.sampled_from(PAIRS[kind]))
        is_project = kind == KIND_PROJECT
        carry = is_project and draw(st.booleans())
        lines.append(
            LineRow(
                func_code=draw(st.sampled_from(FUNC_ITEMS)),
                dept_code=dept,
                gov_code=gov,
                expense_kind=kind,
                fund=draw(st.sampled_from(carryover_funds if carry else FUNDS)),
                is_carryover=carry,
                project_id=draw(st.sampled_from(project_ids)) if is_project else None,
                amount=draw(amounts),
            )
        )
    purchased = tuple(
        PurchasedServiceRow(
            f"项目{i}", draw(st.booleans()), f"服务{i}", "1项", draw(amounts), "一般公共预算"
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return BudgetData(
        unit=UnitInfo(
            code="P001",
            name="性质测试单位",
            kind=unit_kind,
            department_code="P",
            department_name="性质测试主管部门",
            has_operating_costs=unit_kind in ("admin", "civil"),
        ),
        year=2025,
        lines=tuple(lines),
        projects=tuple(projects),
        purchased_services=purchased,
        code_names=CODE_NAMES,
    )


def _income_total(tables: dict[str, Table]) -> Decimal:
    t01 = tables["T01"]
    income = t01.column_index("income")
    return next(row.cells[income] for row in t01.rows if row.cells[0] == "收入总计")


# --- (a) pure: no database -----------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=budget_data())
def test_any_valid_budget_derives_without_errors_or_warnings(data):
    """No 错误/警告 on valid data (only 尾差 提示), money cells are Decimal, 收入总计 is exact."""
    tables = derive_all(data)
    findings = run_checks(tables, data)
    serious = [f.line() for f in findings if f.severity in (ERROR, WARNING)]
    assert serious == []
    assert {f.rule_id for f in findings if f.severity == NOTICE} <= {"R12"}

    for code, table in tables.items():
        for row in table.rows:
            assert len(row.cells) == len(table.columns), code
            for cell, column in zip(row.cells, table.columns, strict=True):
                assert not isinstance(cell, float), (code, row.cells)
                if column.kind == "money":
                    assert cell is None or type(cell) is Decimal, (code, column.key, cell)

    expected = sum((line.amount for line in data.lines), Decimal("0.00"))
    assert _income_total(tables) == expected
    t03_total = tables["T03"].rows[0].cells[tables["T03"].column_index("total")]
    assert t03_total == expected


def test_non_fiscal_project_carryover_is_not_an_error():
    """A 单位资金 上年结转 project line is valid and must not make 表十三 disagree with R09."""
    data = BudgetData(
        unit=UnitInfo("P001", "性质测试单位", "admin", "P", "性质测试主管部门", True),
        year=2025,
        lines=(
            LineRow(
                "2010101", "30201", "50201", KIND_PROJECT, FUND_UNIT, True, 1, Decimal("100.00")
            ),
        ),
        projects=(ProjectRow(1, "项目1", CATEGORY_OPERATING, "recurring", 1, None, 0),),
        code_names=CODE_NAMES,
    )
    tables = derive_all(data)
    findings = run_checks(tables, data)
    assert [f.line() for f in findings if f.severity in (ERROR, WARNING)] == []


def test_derive_modules_import_no_database_or_http():
    """tables/derive/*.py import nothing from django.db, django.http or any models module."""
    offenders = []
    for path in sorted(DERIVE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                modules = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if (
                    module.startswith(("django.db", "django.http"))
                    or "models" in parts
                    or parts[0] == "units"
                ):
                    offenders.append(f"{path.name}:{node.lineno} {module}")
    assert offenders == []


# --- (b) through the database --------------------------------------------------------------

db_amounts = st.one_of(
    amounts,
    st.just(Decimal("9999999999999999.99")),  # the largest amount a MoneyField accepts
)


@pytest.mark.django_db
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line_amounts=st.lists(db_amounts, min_size=1, max_size=12), seed=st.integers(0, 2**32))
def test_saved_lines_load_and_derive_to_the_exact_sum(line_amounts, seed):
    """Lines saved via budget_lines_create load back and derive to the exact sum of the inputs."""
    load_default_reference(year=2025)
    # Each example builds its own unit inside a savepoint that is rolled back, so examples do
    # not see each other's data (the test-level transaction spans all examples).
    with transaction.atomic():
        submission = submission_create()
        rng = random.Random(seed)
        projects = Project.objects.bulk_create(
            synthetic_projects_build(submission=submission, count=2, rng=rng)
        )
        lines = synthetic_lines_build(
            submission=submission,
            projects=projects,
            n_lines=len(line_amounts),
            rng=rng,
            pool=code_pool_load(year=2025),
        )
        for line, amount in zip(lines, line_amounts, strict=True):
            line.amount = amount
        budget_lines_create(submission=submission, lines=lines)

        data = budget_data_load(
            submission=submission_get(unit_code=submission.unit.code, year=submission.year)
        )
        tables = derive_all(data)
        expected = sum(line_amounts, Decimal("0.00"))
        assert sorted(line.amount for line in data.lines) == sorted(line_amounts)
        assert all(type(line.amount) is Decimal for line in data.lines)
        assert _income_total(tables) == expected
        t03 = tables["T03"]
        assert t03.rows[0].cells[t03.column_index("total")] == expected
        t02 = tables["T02"]
        current, carryover = (
            t02.rows[0].cells[t02.column_index(k)] for k in ("total", "carryover")
        )
        assert current + carryover == expected
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_synthetic_fast_path_lines_pass_validation():
    """Bulk-inserted synthetic lines obey every line rule and cover all kinds, funds, carry-over."""
    submission = synthetic_submission(400, seed=11)
    lines = list(
        BudgetLine.objects.filter(submission=submission).select_related(
            "submission", "func_code", "dept_econ_code", "gov_econ_code", "project"
        )
    )
    assert len(lines) == 400
    sample = random.Random(0).sample(lines, 100)
    assert {line.pk: budget_line_errors(line) for line in sample} == {
        line.pk: {} for line in sample
    }
    assert {line.expense_kind for line in lines} == set(ExpenseKind.values)
    assert {line.fund_source for line in lines} == set(FUNDS)
    assert any(line.is_carryover for line in lines)
    assert not any(line.is_carryover for line in lines if line.expense_kind in BASIC_KINDS)
    assert all(line.project_id for line in lines if line.expense_kind == KIND_PROJECT)
