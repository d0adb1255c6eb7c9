"""The 部门→政府 economic pairing of a budget line follows the national 对照表 (财预〔2017〕98号
附件): each official class pair is accepted, a pair across classes is refused, and every bundled
default mapping is itself an accepted pair of codes that exist in the bundled lists."""

import csv
from decimal import Decimal

import pytest

from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    Submission,
)
from units.reference_defaults import REFERENCE_DATA_DIR, load_default_reference
from units.validation import GOV_CLASSES_FOR_DEPT_CLASS, budget_line_errors

pytestmark = pytest.mark.django_db

#: (部门经济 款, 政府经济 款) of every official class pair, one example each: the 对照表 as we read
#: it, 310 → 503 / 50601 and 309 → 504 / 50602 included.
OFFICIAL_PAIRS = [
    ("30101", "50101"),  # 301 → 501
    ("30107", "50501"),  # 301 → 505 (事业)
    ("30201", "50201"),  # 302 → 502
    ("30201", "50502"),  # 302 → 505 (事业)
    ("30302", "50905"),  # 303 → 509
    ("30701", "51101"),  # 307 → 511
    ("30913", "50403"),  # 309 资本性支出（基本建设）→ 504 机关资本性支出（二）
    ("30901", "50602"),  # 309 → 50602 (事业)
    ("31013", "50303"),  # 310 资本性支出 → 503 机关资本性支出（一）
    ("31002", "50601"),  # 310 → 50601 (事业)
    ("31101", "50802"),  # 311 → 508
    ("31204", "50701"),  # 312 → 507
    ("31201", "50801"),  # 312 → 508
    ("31302", "51002"),  # 313 → 510
    ("39907", "59907"),  # 399 → 599
]

#: Pairs across classes that the 对照表 does not make: refused.
CROSSED_PAIRS = [
    ("31013", "50403"),  # 310 is not 504
    ("30913", "50303"),  # 309 is not 503
    ("30101", "50201"),
    ("30201", "50101"),
    ("39999", "51301"),
]


@pytest.fixture
def submission():
    load_default_reference(year=2025)
    department = Department.objects.create(code="910", name="对照部门")
    unit = BudgetUnit.objects.create(
        code="910", name="对照单位", kind="admin", department=department
    )
    return Submission.objects.create(unit=unit, year=2025)


def line_errors(submission, dept: str, gov: str) -> dict:
    codes = {(c.scheme, c.code): c for c in ClassificationCode.objects.filter(year=submission.year)}
    line = BudgetLine(
        submission=submission,
        func_code=codes[(CodeScheme.FUNCTIONAL, "2010101")],
        dept_econ_code=codes[(CodeScheme.DEPT_ECONOMIC, dept)],
        gov_econ_code=codes[(CodeScheme.GOV_ECONOMIC, gov)],
        expense_kind="project",
        amount=Decimal("100.00"),
    )
    errors = budget_line_errors(line)
    errors.pop("project", None)  # a project line without a project: not what is tested here
    return errors


@pytest.mark.parametrize(("dept", "gov"), OFFICIAL_PAIRS)
def test_official_pair_is_accepted(submission, dept, gov):
    """Each class pair of the national 对照表 is accepted on a line."""
    assert line_errors(submission, dept, gov) == {}


@pytest.mark.parametrize(("dept", "gov"), CROSSED_PAIRS)
def test_pair_across_classes_is_refused(submission, dept, gov):
    """A 政府经济科目 of another class than the 对照表 gives is refused, naming the right class."""
    errors = line_errors(submission, dept, gov)
    assert "不属于对应的类" in " ".join(errors["gov_econ_code"])


def test_capital_classes_are_not_swapped():
    """310 资本性支出 pairs with 503 (机关资本性支出（一）), 309 （基本建设） with 504 （二）."""
    assert GOV_CLASSES_FOR_DEPT_CLASS["310"] == {"503", "506"}
    assert GOV_CLASSES_FOR_DEPT_CLASS["309"] == {"504", "506"}


def _mapping(kind: str) -> dict[str, str]:
    with open(REFERENCE_DATA_DIR / f"econ_mapping_{kind}.csv", encoding="utf-8") as handle:
        return {row["dept_econ_code"]: row["gov_econ_code"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("kind", "dept", "gov"),
    [
        ("admin", "30107", "50101"),
        ("institution", "30107", "50501"),
        ("admin", "31013", "50303"),
        ("institution", "31013", "50601"),
        ("admin", "30913", "50403"),
        ("institution", "30913", "50602"),
    ],
)
def test_default_mappings_of_common_lines(kind, dept, gov):
    """绩效工资 and 公务用车购置 have their default 政府经济科目 for 行政 and 事业 units."""
    assert _mapping(kind)[dept] == gov


@pytest.mark.parametrize("kind", ["admin", "institution"])
def test_every_default_mapping_is_an_accepted_pair(submission, kind):
    """Every bundled default pair exists in the lists and passes the class pairing rule; a 行政
    default never lands in 505/506 and a 事业 default never in the 机关 classes 501–504."""
    mapping = _mapping(kind)
    assert len(mapping) >= 80
    for dept, gov in mapping.items():
        assert line_errors(submission, dept, gov) == {}, (dept, gov)
        if kind == "admin":
            assert gov[:3] not in {"505", "506"}, (dept, gov)
        else:
            assert gov[:3] not in {"501", "502", "503", "504"}, (dept, gov)
