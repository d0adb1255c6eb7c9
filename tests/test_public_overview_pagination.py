"""The overview's 三公 table and the 公开情况 ledger with more units than a page: `PER_PAGE`
rows a page, page links that keep the sort and the 主管部门 filter, a page past the end showing
the last one, the 三公 合计 and the ledger's counts over every unit (not the page), the same
number of queries as for one unit; and the year links list only years with a unit's (not only a
部门预算's) disclosure.

The units are inserted directly (a `PublishedVersion` with its `PublishedFigure` rows, as
publishing stores them): publishing 60 units through the real path would take minutes."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tables.figures.formatting import format_wan_grouped
from tables.models import FigureDimension, PublishedFigure, PublishedVersion
from tables.public.overview_views import PER_PAGE
from tables.publication.figures import SANGONG_ITEMS
from tests.factories import budget_unit_create, department_create, submission_create
from tests.test_public_pages import stored_version
from units.models import SubmissionStatus

pytestmark = pytest.mark.django_db

#: more units than two pages hold, fewer than three
UNITS = 2 * PER_PAGE + 7


def _unit(name: str, *, department, index: int, year: int = 2025) -> PublishedVersion:
    """A published unit whose 三公 items are 100, 200, 300, 400 元 times `index` + 1 (so every
    unit's 合计 differs) and whose 机关运行经费 falls as `index` rises."""
    published_at = datetime.datetime(year, 2, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        minutes=index
    )  # 12 days after the 批复日期 stored_version gives (1月20日): on time
    version = stored_version(name=name, department=department, year=year, published_at=published_at)
    base = (index + 1) * 100  # 元 → 分 below
    items = [(code, base * (n + 1)) for n, code in enumerate(SANGONG_ITEMS)]
    rows = [
        (FigureDimension.TOTAL, "expenditure", "支出合计", base * 20),
        (FigureDimension.TOTAL, "fiscal", "财政拨款", base * 20),
        (FigureDimension.TOTAL, "carryover", "上年结转", 0),
        (FigureDimension.REVENUE, "general", "一般公共预算", base * 20),
        (FigureDimension.FUNCTION, "201", "一般公共服务支出", base * 20),
        *((FigureDimension.SANGONG, code, code, amount) for code, amount in items),
        (FigureDimension.SANGONG, "total", "合计", sum(amount for _, amount in items)),
        (FigureDimension.OPERATING, "total", "机关运行经费", 100_000 - index),
    ]
    PublishedFigure.objects.bulk_create(
        PublishedFigure(version=version, dimension=d, code=c, name=n, level=1, amount=a * 100)
        for d, c, n, a in rows
    )
    return version


@pytest.fixture
def county():
    """`UNITS` published units of 2025 in two 主管部门 (every third unit in the second)."""
    first = department_create(name="县测试分页部门一")
    second = department_create(name="县测试分页部门二")
    versions = [
        _unit(f"县测试分页单位{i:03d}", department=second if i % 3 == 0 else first, index=i)
        for i in range(UNITS)
    ]
    return {"first": first, "second": second, "versions": versions}


def _sangong_total(version) -> Decimal:
    (cents,) = version.figures.filter(dimension="sangong", code="total").values_list(
        "amount", flat=True
    )
    return Decimal(cents) / 100


def _get(client, name: str, **params):
    response = client.get(reverse(name, args=[2025]), params)
    assert response.status_code == 200, response.status_code
    return response


def _page_links(html: str) -> list[str]:
    """The hrefs of the page links (上一页, 下一页) of a page."""
    return [
        href.replace("&amp;", "&")
        for href in re.findall(r'<a href="([^"]*)" rel="(?:prev|next)"', html)
    ]


def test_sangong_table_is_paginated_and_keeps_sort_and_filter(client, county):
    """The 三公 table shows `PER_PAGE` units a page in the asked order; the next page holds the
    next units; `?page=` past the end (or not a number) shows the last (or first) page; the links
    keep the sort, direction and 主管部门; the 合计 row adds up every unit, on every page."""
    versions = county["versions"]
    by_total = sorted(versions, key=_sangong_total, reverse=True)
    pages = [by_total[i : i + PER_PAGE] for i in range(0, UNITS, PER_PAGE)]
    assert len(pages) == 3 and len(pages[-1]) == UNITS - 2 * PER_PAGE

    all_total = format_wan_grouped(sum(_sangong_total(v) for v in versions))
    seen = []
    for number, expected in enumerate(pages, start=1):
        response = _get(client, "public:overview", sort="sangong_total", dir="desc", page=number)
        rows = response.context["sangong"]
        assert [row.version_id for row in rows] == [v.pk for v in expected], number
        seen += [row.version_id for row in rows]
        html = response.content.decode()
        assert html.count('<th scope="row" class="unit-name">') == len(expected)
        assert re.search(
            r"全部单位合计</th>\s*<td class=\"num\">" + re.escape(all_total) + "<", html
        ), number
        assert '<nav class="pagination" aria-label="“三公”经费表分页">' in html
        assert f'<span aria-current="page">第 {number}/3 页</span>' in html
        links = _page_links(html)
        assert len(links) == (1 if number in (1, 3) else 2)
        for link in links:
            assert link.startswith("?sort=sangong_total&dir=desc&page=")
            assert link.endswith("#sangong")
    assert sorted(seen) == sorted(v.pk for v in versions)  # every unit, once

    # a column heading starts its order on the first page
    html = _get(client, "public:overview", page=2).content.decode()
    assert "?sort=reception&amp;dir=desc#sangong" in html
    last = _get(client, "public:overview", sort="sangong_total", dir="desc", page=999)
    assert last.context["sangong_pager"].page.number == 3
    assert [r.version_id for r in last.context["sangong"]] == [v.pk for v in pages[-1]]
    first = _get(client, "public:overview", sort="sangong_total", dir="desc", page="x")
    assert [r.version_id for r in first.context["sangong"]] == [v.pk for v in pages[0]]

    # a 主管部门: its units only, its own total, the filter kept in the links
    department = county["first"]
    members = [v for v in versions if v.department_code == department.code]
    assert len(members) > PER_PAGE
    response = _get(client, "public:overview", department=department.code, sort="unit")
    assert [r.version_id for r in response.context["sangong"]] == [
        v.pk for v in sorted(members, key=lambda v: v.unit_code)[:PER_PAGE]
    ]
    html = response.content.decode()
    assert format_wan_grouped(sum(_sangong_total(v) for v in members)) in html
    assert f"{department.name}全部单位合计" in html
    (link,) = _page_links(html)
    assert f"department={department.code}" in link and "sort=unit" in link
    assert "page=2" in link


def test_ledger_is_paginated_and_counts_every_unit(client, county):
    """The ledger lists `PER_PAGE` disclosures a page in the asked order, its counts at the top
    are over every disclosure, its page links keep the sort, and a page past the end shows the
    last page."""
    versions = county["versions"]
    response = _get(client, "public:ledger", sort="unit", dir="desc")
    summary = response.context["summary"]
    assert summary.published == UNITS
    assert summary.on_time + summary.late + summary.no_approval == UNITS
    assert len(response.context["lines"]) == PER_PAGE
    html = response.content.decode()
    assert f"已公开 <strong>{UNITS}</strong> 家" in html
    assert '<nav class="pagination" aria-label="公开情况表分页">' in html
    (link,) = _page_links(html)
    assert link == "?sort=unit&dir=desc&page=2#ledger"

    ordered = sorted(versions, key=lambda v: (v.department_code, v.unit_code), reverse=True)
    seen = []
    for number in (1, 2, 3):
        page = _get(client, "public:ledger", sort="unit", dir="desc", page=number)
        assert page.context["summary"] == summary
        seen += [line.row.version_id for line in page.context["lines"]]
    assert seen == [v.pk for v in ordered]
    last = _get(client, "public:ledger", sort="unit", dir="desc", page=10**6)
    assert [line.row.version_id for line in last.context["lines"]] == seen[2 * PER_PAGE :]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_read_as_many_queries_for_one_unit_as_for_many(client):
    """The paginated pages (any page) read the same number of queries for one unit as for more
    than two pages of units."""
    department = department_create(name="县测试分页查询部门")
    _unit("县测试分页查询单位", department=department, index=0)
    overview = reverse("public:overview", args=[2025])
    ledger = reverse("public:ledger", args=[2025])
    urls = [overview, f"{overview}?sort=operating&page=2", f"{ledger}?sort=days&page=3"]
    small = [_queries(client, url) for url in urls]
    for i in range(1, UNITS):
        _unit(f"县测试分页查询单位{i:03d}", department=department, index=i)
    large = [_queries(client, url) for url in urls]
    assert small == large


def test_years_listed_are_those_with_a_unit(client):
    """The other years listed by the overview and the ledger are those with a published unit;
    a year with only a 部门预算 (whose overview answers 404) is not listed."""
    department = department_create(name="县测试年度列表部门")
    _unit("县测试本年单位", department=department, index=0)
    _unit("县测试往年单位", department=department, index=1, year=2023)
    unit = budget_unit_create(name="县测试部门预算单位", department=department)
    PublishedVersion.objects.create(
        submission=submission_create(unit=unit, year=2024, status=SubmissionStatus.PUBLISHED),
        version=1,
        published_at=timezone.now(),
        year=2024,
        unit_code=department.code,
        unit_name=department.name,
        department_code=department.code,
        department_name=department.name,
        is_department=True,
        data_json={"schema": "budget-disclosure-snapshot/1"},
    )
    assert client.get(reverse("public:overview", args=[2024])).status_code == 404
    for name in ("public:overview", "public:ledger"):
        response = _get(client, name)
        assert response.context["years"] == [2025, 2023]
        html = response.content.decode()
        assert reverse(name, args=[2023]) in html
        assert reverse(name, args=[2024]) not in html
