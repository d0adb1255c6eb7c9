"""The county overview of a year (`public:overview`) and its 公开情况 ledger (`public:ledger`):
the sums equal what each unit's published tables printed (read here from the stored snapshots'
表一, 表三 and 表十, never through `PublishedFigure`), the 功能分类 drill-down, the 主管部门
filter, the 三公 sorting, 人均, the ledger's days and flags, 404 for an empty year, and a query
count that does not grow with the number of units."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tables.figures.formatting import format_wan_grouped, format_yuan
from tables.models import YearSettings
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    department_budget_create,
    department_create,
    published_county_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import BudgetLine, ClassificationCode, Submission, SubmissionStatus
from units.permissions import ADMIN
from units.services import submission_transition

pytestmark = pytest.mark.django_db

ZERO = Decimal(0)
#: 表一's income rows by the name the overview gives them
T01_INCOME = {
    "一般公共预算": "一、一般公共预算",
    "政府性基金预算": "二、政府性基金预算",
    "国有资本经营预算": "三、国有资本经营预算",
    "财政专户管理资金": "四、财政专户管理资金",
    "单位资金": "五、单位资金",
    "上年结转结余": "上年结转",
}


# --- reading the stored snapshots -------------------------------------------------------------


def _table(version, code: str) -> dict:
    snapshot = version.data_json
    for table in snapshot.get("statutory_tables") or snapshot["tables"]:
        if table["code"] == code:
            return table
    raise AssertionError(code)


def _amount(value) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO


def _t01_income(version) -> dict[str, Decimal]:
    """表一's income side: label → 本年 amount."""
    return {
        row["values"][0]: _amount(row["values"][1])
        for row in _table(version, "T01")["rows"]
        if row["values"][0]
    }


def _t01_expense(version) -> dict[str, Decimal]:
    """表一's expense side: 功能分类 类 name (the numbering cut off) or total label → 合计."""
    result = {}
    for row in _table(version, "T01")["rows"]:
        label = row["values"][2]
        if label:
            result[label.split("、", 1)[-1]] = _amount(row["values"][3])
    return result


def _t03_by_code(version) -> dict[str, Decimal]:
    """表三's rows: 功能分类 code (类, 款, 项) → 合计."""
    return {
        row["code"]: _amount(row["values"][2])
        for row in _table(version, "T03")["rows"]
        if row.get("code")
    }


def _t10_cells(version) -> dict[str, Decimal]:
    """表十: item → 合计."""
    return {row["values"][0]: _amount(row["values"][1]) for row in _table(version, "T10")["rows"]}


def _summed(versions, read) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for version in versions:
        for key, amount in read(version).items():
            total[key] = total.get(key, ZERO) + amount
    return total


# --- publishing -------------------------------------------------------------------------------


def _publish(name, *, department, actor, year=2025, approval=None, seed=0, n_lines=6, sangong=()):
    """A unit of `department` published for `year` with `n_lines` synthetic lines; `sangong`
    (部门经济科目 code, amount) pairs turn its first lines into current 一般公共预算 三公 lines."""
    submission = submission_create(
        unit=budget_unit_create(name=name, department=department),
        year=year,
        status=SubmissionStatus.APPROVED,
        approval_date=approval,
    )
    synthetic_budget(submission, n_lines, seed=seed)
    lines = list(BudgetLine.objects.filter(submission=submission).order_by("id"))
    for line, (code, amount) in zip(lines, sangong, strict=False):
        BudgetLine.objects.filter(pk=line.pk).update(
            dept_econ_code=ClassificationCode.objects.get(scheme="dept_econ", year=year, code=code),
            fund_source="general",
            is_carryover=False,
            amount=Decimal(amount),
        )
    return submission_publish(submission_id=submission.pk, actor=actor)


def _get(client, year, **params):
    response = client.get(reverse("public:overview", args=[year]), params)
    assert response.status_code == 200, response.status_code
    return response


def _ledger(client, year, **params):
    response = client.get(reverse("public:ledger", args=[year]), params)
    assert response.status_code == 200, response.status_code
    return response


# --- the overview's sums ----------------------------------------------------------------------


def test_overview_sums_equal_the_units_published_tables(client, fast_pdf):
    """支出合计, 收入 by fund and 支出 by 功能分类 类 equal, to the cent, the sums of the 2025
    units' published 表一 (newest versions only: the corrected unit's version 2, not 1); the
    drill-down 类 → 款 → 项 equals the sums of their 表三 rows; a 主管部门 filter sums only its
    units, and the 主管部门 table lists each 主管部门's 支出合计 and number of units."""
    admin = user_with(ADMIN)
    county = published_county_create(actor=admin)
    other_department = department_create(name="县测试另一主管部门")
    other = _publish("县测试另一单位", department=other_department, actor=admin, seed=11)
    county_units = [
        county["history"][2],
        county["late"],
        county["corrected"],
        county["no_approval"],
    ]
    units = [*county_units, other]

    response = _get(client, 2025)
    overview = response.context["overview"]
    html = response.content.decode()
    expense = _summed(units, _t01_expense)
    income = _summed(units, _t01_income)

    assert overview.units == len(units)
    assert overview.expenditure == expense["支出总计"]
    assert f"{format_wan_grouped(expense['支出总计'])} 万元" in html
    revenue = {row.name: row.amount for row in response.context["revenue"]}
    assert revenue, "no revenue rows"
    for name, amount in revenue.items():
        assert amount == income[T01_INCOME[name]], name
    assert overview.revenue_total == income["收入总计"]
    # every 类 the units' 表一 printed, and nothing else
    printed = {
        name: amount
        for name, amount in expense.items()
        if amount and name not in ("本年支出合计", "支出总计", "年终结转")
    }
    shown = {row.name: row.amount for row in response.context["function_rows"]}
    assert shown == printed
    assert response.context["function"].total == expense["支出总计"]

    # 类 → 款 → 项 against the units' 表三
    t03 = _summed(units, _t03_by_code)
    category = max((row.code for row in response.context["function_rows"]), key=t03.get)
    response = _get(client, 2025, func=category)
    rows = response.context["function_rows"]
    assert rows and {row.code: row.amount for row in rows} == {
        code: amount for code, amount in t03.items() if len(code) == 5 and code[:3] == category
    }
    assert response.context["function"].total == t03[category]
    html = response.content.decode()
    assert 'aria-current="page">全部类' not in html  # 全部类 is a link back
    assert f'href="?func={rows[0].code}#function"' in html
    item = rows[0].code
    response = _get(client, 2025, func=item)
    rows = response.context["function_rows"]
    assert rows and {row.code: row.amount for row in rows} == {
        code: amount for code, amount in t03.items() if len(code) == 7 and code[:5] == item
    }
    html = response.content.decode()
    assert f'href="?func={category}#function"' in html  # the breadcrumb back to the 类
    assert f"?func={rows[0].code}" not in html  # 项 are the last level

    # one 主管部门
    departments = {d.code: d for d in overview.departments}
    county_code = county["department"].code
    assert departments[county_code].units == len(county_units)
    assert departments[county_code].expenditure == _summed(county_units, _t01_expense)["支出总计"]
    assert departments[other_department.code].expenditure == _t01_expense(other)["支出总计"]
    response = _get(client, 2025, department=county_code)
    filtered = response.context["overview"]
    assert filtered.units == len(county_units)
    assert filtered.expenditure == departments[county_code].expenditure
    assert {row.version_id for row in response.context["sangong"]} == {v.pk for v in county_units}
    html = response.content.decode()
    assert "县测试另一单位" not in html
    assert f"?department={county_code}&amp;func=" in html  # the drill-down keeps the filter


def test_department_budgets_are_left_out_of_the_sums(client, fast_pdf):
    """A published 部门预算 adds up its members, so the overview counts only the members (no
    double counting), while the ledger lists it too."""
    admin = user_with(ADMIN)
    consolidating, members = department_budget_create(n_lines=6)
    versions = [submission_publish(submission_id=m.pk, actor=admin) for m in members]
    Submission.objects.filter(pk=consolidating.pk).update(status=SubmissionStatus.APPROVED)
    department_version = submission_publish(submission_id=consolidating.pk, actor=admin)

    overview = _get(client, 2025).context["overview"]
    assert overview.units == len(members)
    assert overview.expenditure == _summed(versions, _t01_expense)["支出总计"]
    assert _t01_expense(department_version)["支出总计"] == overview.expenditure

    lines = _ledger(client, 2025).context["lines"]
    assert [line.row.version_id for line in lines if line.row.is_department] == [
        department_version.pk
    ]
    assert len(lines) == len(members) + 1


# --- 三公 and 人均 ----------------------------------------------------------------------------


def test_sangong_table_sorts_by_any_column(client, fast_pdf):
    """Each unit's 三公 合计 and items equal its published 表十; `sort`/`dir` order the rows by
    any column either way (ties by unit code), the sorted column's link reverses it, and each
    unit links to its version page."""
    admin = user_with(ADMIN)
    department = department_create(name="县测试三公部门")
    spec = {
        "县测试甲单位": [("30217", "30000.00"), ("30231", "5000.00")],
        "县测试乙单位": [("30217", "1000.00"), ("30212", "80000.00")],
        "县测试丙单位": [("30231", "12000.00")],
    }
    versions = {
        name: _publish(name, department=department, actor=admin, seed=i, sangong=sangong)
        for i, (name, sangong) in enumerate(spec.items())
    }
    t10 = {name: _t10_cells(v) for name, v in versions.items()}
    totals = {name: cells["合计"] for name, cells in t10.items()}
    assert len(set(totals.values())) == 3, totals

    def order(**params):
        response = _get(client, 2025, **params)
        return response, [row.unit_name for row in response.context["sangong"]]

    response, names = order(sort="sangong_total", dir="desc")
    assert names == sorted(totals, key=totals.get, reverse=True)
    by_name = {row.unit_name: row for row in response.context["sangong"]}
    for name, cells in t10.items():
        row = by_name[name]
        assert row.sangong_total == cells["合计"]
        assert row.outbound == cells["因公出国（境）费"]
        assert row.reception == cells["公务接待费"]
        assert row.vehicle_purchase + row.vehicle_operation == cells["公务用车购置及运行费"]
        assert row.vehicle_operation == cells["②公务用车运行维护费"]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert "?sort=sangong_total&amp;dir=asc#sangong" in html  # the sorted column reverses
    assert "?sort=reception&amp;dir=desc#sangong" in html  # the others sort high to low first
    for version in versions.values():
        assert reverse("public:disclosure", args=[version.pk]) in html

    assert order(sort="sangong_total", dir="asc")[1] == sorted(totals, key=totals.get)
    receptions = {name: cells["公务接待费"] for name, cells in t10.items()}
    codes = {name: v.unit_code for name, v in versions.items()}
    expected = sorted(totals, key=lambda n: (receptions[n], codes[n]))
    assert order(sort="reception", dir="asc")[1] == expected
    assert order(sort="unit", dir="asc")[1] == sorted(totals, key=codes.get)
    # unknown values fall back to the default: 合计, high to low
    assert order(sort="nonsense", dir="sideways")[1] == names


def test_per_resident_figure_when_population_is_set(client, fast_pdf):
    """With the year's population entered, the overview shows 支出合计 per resident in 元 (half
    up to the 分), for the whole county only; without it, no 人均 at all."""
    admin = user_with(ADMIN)
    department = department_create(name="县测试常住部门")
    versions = [
        _publish(f"县测试常住单位{i}", department=department, actor=admin, seed=i) for i in (1, 2)
    ]
    html = _get(client, 2025).content.decode()
    assert "人均支出" not in html

    YearSettings.objects.create(year=2025, population=123457)
    total = _summed(versions, _t01_expense)["支出总计"]
    expected = (total / 123457).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    response = _get(client, 2025, sort="unit")  # another address: not the cached page
    assert response.context["overview"].per_resident == expected
    html = response.content.decode()
    assert f"{format_yuan(expected)} 元" in html
    assert "按常住人口 123457 人计" in html
    html = _get(client, 2025, department=department.code).content.decode()
    assert "人均支出" not in html


# --- the ledger -------------------------------------------------------------------------------


def test_ledger_days_and_flags(client, fast_pdf, monkeypatch):
    """The ledger gives each unit its 批复日期, first publication, days and 按时/逾期: the on-time
    unit, the late unit (30 days), the corrected unit (已更正, 2 versions, linking to version 2),
    the unit without 批复日期 (未填批复日期), and a unit corrected weeks after its first
    publication, whose days count from that first publication; the counts at the top agree."""
    admin = user_with(ADMIN)
    county = published_county_create(actor=admin)
    today = timezone.localdate()

    # published on time 24 days ago (1 day after 批复), corrected today (25 days after 批复)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() - datetime.timedelta(days=24))
    early = _publish(
        "县测试早更正单位",
        department=county["department"],
        actor=admin,
        approval=today - datetime.timedelta(days=25),
        seed=21,
    )
    monkeypatch.setattr(timezone, "now", real_now)
    submission_transition(
        submission_id=early.submission_id,
        actor=admin,
        to_status=SubmissionStatus.DRAFT,
        reason="公用经费录入有误",
    )
    Submission.objects.filter(pk=early.submission_id).update(status=SubmissionStatus.APPROVED)
    early_v2 = submission_publish(submission_id=early.submission_id, actor=admin)

    response = _ledger(client, 2025)
    lines = {line.row.version_id: line for line in response.context["lines"]}
    on_time = lines[county["history"][2].pk]
    assert (on_time.row.days, on_time.row.on_time, on_time.status) == (5, True, "按时")
    assert on_time.due == on_time.row.approval_date + datetime.timedelta(days=20)
    late = lines[county["late"].pk]
    assert (late.row.days, late.row.on_time, late.status) == (30, False, "逾期")
    corrected = lines[county["corrected"].pk]
    assert county["corrected_v1"].pk not in lines  # one row a unit, linking to its newest
    assert (corrected.row.corrected, corrected.row.versions) == (True, 2)
    assert (corrected.row.days, corrected.status) == (3, "按时")
    missing = lines[county["no_approval"].pk]
    assert (missing.row.days, missing.row.on_time, missing.status) == (None, None, "未填批复日期")
    assert missing.due is None
    recorrected = lines[early_v2.pk]
    assert recorrected.row.first_published == today - datetime.timedelta(days=24)
    assert (recorrected.row.days, recorrected.status, recorrected.row.versions) == (1, "按时", 2)

    html = response.content.decode()
    text = re.sub(r"<[^>]+>|\s+", "", html)
    assert "已公开5家" in text and "按时3家" in text and "逾期1家" in text
    assert "更正2家" in text and "未填批复日期1家" in text
    assert "已更正（共2版）" in html
    assert reverse("public:disclosure", args=[county["corrected"].pk]) in html
    assert reverse("public:disclosure", args=[early_v2.pk]) in html

    # sorted by days: slowest first, the unit without 批复日期 last either way
    days = [line.row.days for line in _ledger(client, 2025, sort="days").context["lines"]]
    assert days == [30, 5, 3, 1, None]
    days = [
        line.row.days for line in _ledger(client, 2025, sort="days", dir="asc").context["lines"]
    ]
    assert days == [1, 3, 5, 30, None]
    firsts = [
        line.row.first_published
        for line in _ledger(client, 2025, sort="published", dir="asc").context["lines"]
    ]
    assert firsts == sorted(firsts) and firsts[0] == today - datetime.timedelta(days=24)


# --- 404 and the way in -----------------------------------------------------------------------


def test_a_year_with_nothing_published_answers_404(client, fast_pdf):
    """No published unit of the year: the overview and the ledger answer 404 in Chinese, as do an
    unknown 功能分类 or 主管部门; the nav's address goes to the newest year with a unit."""
    assert client.get(reverse("public:overview_latest")).status_code == 404
    admin = user_with(ADMIN)
    department = department_create(name="县测试年度部门")
    _publish("县测试年度单位", department=department, actor=admin, year=2025)
    for url in (
        reverse("public:overview", args=[2024]),
        reverse("public:ledger", args=[2024]),
        reverse("public:overview", args=[10**20]),
        reverse("public:ledger", args=[10**20]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()
    overview = reverse("public:overview", args=[2025])
    for params in ({"func": "999"}, {"func": "2x1"}, {"func": "2010101"}, {"department": "X"}):
        assert client.get(overview, params).status_code == 404, params
    response = client.get(reverse("public:overview_latest"))
    assert response.status_code == 302 and response["Location"] == overview
    nav = client.get(reverse("public:list")).content.decode()
    assert f'href="{reverse("public:overview_latest")}"' in nav  # the nav link


# --- query count ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_units(client, fast_pdf):
    """The overview (plain, drilled down, filtered) and the ledger read the same number of
    queries for one unit as for four in two 主管部门."""
    admin = user_with(ADMIN)
    first = department_create(name="县测试查询部门一")
    second = department_create(name="县测试查询部门二")
    sangong = [("30217", "2000.00")]
    for i in range(1):
        _publish(f"县测试查询单位{i}", department=first, actor=admin, seed=i, sangong=sangong)
    overview = reverse("public:overview", args=[2025])
    func = _get(client, 2025).context["function_rows"][0].code
    urls = [
        overview + "?sort=reception&dir=asc",
        f"{overview}?func={func}",
        f"{overview}?department={first.code}",
        reverse("public:ledger", args=[2025]) + "?sort=days",
    ]
    small = [_queries(client, url) for url in urls]
    for i in range(1, 4):
        department = first if i % 2 else second
        _publish(f"县测试查询单位{i}", department=department, actor=admin, seed=i, sangong=sangong)
    large = [_queries(client, url) for url in urls]
    assert small == large
    assert large == [8, 8, 8, 5], large  # 7 (overview) or 4 (ledger) reads + the cache generation
