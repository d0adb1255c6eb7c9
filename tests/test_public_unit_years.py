"""A unit's published budgets over the years (`public:unit`) and the embeddable charts of a
published version (`public:chart_svg`, `public:chart_embed`).

Every figure the comparison prints is checked against the published tables themselves, read
here from each version's stored JSON snapshot (表一 收入 by 资金来源, 表三 支出 by 功能分类 with
its 合计/基本支出/项目支出, 表十 三公, 表十一 机关运行经费), never through `PublishedFigure` or
`tables.public.insight`: each year's amount, the 增减额 (to the cent) and the 增减率 of the
newest year against the one before.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tables.models import PublishedVersion
from tables.public.cache import public_pages_clear
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import BudgetLine, Submission, SubmissionStatus, SubmissionText
from units.permissions import ADMIN
from units.services import submission_transition

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
REASON = "新增<b>应急</b>项目&其他"
SANGONG_REASON = "压减公务用车运行维护费"
EVIL_NAME = "<script>alert('x')</script>县测试&局"


# --- the published tables, read from the snapshots -------------------------------------------


def _tables(version) -> dict[str, dict]:
    snapshot = PublishedVersion.objects.get(pk=version.pk).data_json
    return {t["code"]: t for t in snapshot.get("statutory_tables") or snapshot["tables"]}


def _money(value) -> Decimal:
    return Decimal(value or 0)


def _column(table, key) -> int:
    return [c["key"] for c in table["columns"]].index(key)


def _published(version) -> dict[tuple[str, str], tuple[str, Decimal]]:
    """(table, code) → (name, amount) as the version's tables printed them: 功能分类 rows of 表三,
    its 合计's 基本支出 and 项目支出, 表一's 收入 by source, 表十's items and 表十一's 合计."""
    tables = _tables(version)
    t03, t01, t10, t11 = tables["T03"], tables["T01"], tables["T10"], tables["T11"]
    result = {}
    total, basic, project = (_column(t03, k) for k in ("total", "basic", "project"))
    for row in t03["rows"]:
        if row["code"]:
            result[("function", row["code"])] = (row["values"][1], _money(row["values"][total]))
        elif row["values"][0] == "合计":
            result[("total", "expenditure")] = ("支出合计", _money(row["values"][total]))
            result[("kind", "basic")] = ("基本支出", _money(row["values"][basic]))
            result[("kind", "project")] = ("项目支出", _money(row["values"][project]))
    income = _column(t01, "income")
    for row in t01["rows"]:
        label = row["values"][0] or ""
        if "、" in label or label == "上年结转":
            result[("revenue", label.split("、")[-1])] = (label, _money(row["values"][income]))
    for row in t10["rows"]:
        label = row["values"][0].lstrip("①②")
        key = "“三公”经费合计" if label == "合计" else label
        result[("sangong", key)] = (key, _money(row["values"][_column(t10, "total")]))
    result[("operating", "机关运行经费")] = (
        "机关运行经费",
        _money(t11["rows"][0]["values"][_column(t11, "total")]),
    )
    return result


def _wan(amount: Decimal) -> str:
    return f"{(amount / 10000).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def _rate(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((now - before) / before * 100).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the page, parsed ----------------------------------------------------------------------------


class _Compare(HTMLParser):
    """The comparison tables of the unit page: table key → rows, each (dimension, code, name,
    [(data-* attributes, text) of each cell])."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list] = {}
        self._table = None
        self._row = None
        self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "data-table" in attributes:
            self._table = self.tables.setdefault(attributes["data-table"], [])
        elif tag == "tr" and self._table is not None and "data-code" in attributes:
            self._row = [attributes["data-dimension"], attributes["data-code"], "", []]
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, {k: v for k, v in attributes.items() if k.startswith("data-")}, ""]

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            kind, data, text = self._cell
            if kind == "th":
                self._row[2] = text.strip()
            else:
                self._row[3].append((data, text.strip()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data


def _page_key(dimension: str, code: str, name: str) -> tuple[str, str]:
    """The key of `_published` a page row stands for."""
    if dimension == "revenue":
        return ("revenue", name)
    if dimension in ("sangong", "operating"):
        return (dimension, name)
    return (dimension, code)


def _assert_rows_equal_published(rows, by_year: dict[int, dict], latest: int, previous: int):
    """Every cell of `rows` against the published tables of each year (see the module)."""
    assert rows
    for dimension, code, name, cells in rows:
        key = _page_key(dimension, code, name.removeprefix("其中：").split(" ", 1)[-1])
        amounts = {}
        for data, text in cells:
            if "data-year" in data:
                year = int(data["data-year"])
                published = by_year[year].get(key)
                amount = published[1] if published else None
                if amount:
                    assert Decimal(data["data-yuan"]) == amount, (key, year)
                    assert text == _wan(amount), (key, year)
                else:
                    assert data["data-yuan"] in ("", "0.00"), (key, year, data)
                amounts[year] = amount or Decimal(0)
            elif "data-change-yuan" in data:
                change = amounts[latest] - amounts[previous]
                assert Decimal(data["data-change-yuan"]) == change, key
                assert text == _wan(change), key
            elif "data-rate" in data:
                rate = _rate(amounts[latest], amounts[previous])
                if rate is None:
                    assert (data["data-rate"], text) == ("", "—"), key
                else:
                    assert Decimal(data["data-rate"]) == rate, key
                    assert text == f"{rate}%", key
        assert set(amounts) == set(by_year), key


# --- fixtures ------------------------------------------------------------------------------------


def county_with_reasons_create(county: dict) -> dict:
    """The published county (`published_county`); the 2023–2025 unit's 2025 corrected
    (第2版) with one line changed and the reasons for its changes entered."""
    actor = county["admin"]
    v2025 = county["history"][2]
    submission_id = v2025.submission_id
    submission_transition(
        submission_id=submission_id,
        actor=actor,
        to_status=SubmissionStatus.DRAFT,
        reason="补充增减变化原因",
    )
    SubmissionText.objects.update_or_create(
        submission_id=submission_id,
        defaults={"expense_change_reason": REASON, "sangong_change_reason": SANGONG_REASON},
    )
    line = BudgetLine.objects.filter(submission_id=submission_id).order_by("pk").first()
    line.amount += Decimal("12345.67")
    line.save()
    Submission.objects.filter(pk=submission_id).update(status=SubmissionStatus.APPROVED)
    county["history_v1"] = v2025
    county["history"][2] = submission_publish(submission_id=submission_id, actor=actor)
    county["actor"] = actor
    return county


@pytest.fixture(scope="module")
def county(published_county):
    """Built once for the module (tests/conftest.py `module_db`)."""
    return county_with_reasons_create(published_county)


def _unit_url(version, **query):
    url = reverse("public:unit", kwargs={"unit_code": version.unit_code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- the unit page -------------------------------------------------------------------------------


def _check_comparison(county, client):
    """Each year's amount, the 增减额 and the 增减率 of 2025 against 2024 of every row (支出合计,
    基本/项目支出, 收入 by source, 功能分类 类, 三公, 机关运行经费) equal what the newest version
    of each year printed in its tables, to the cent."""
    versions = county["history"]
    by_year = {v.year: _published(v) for v in versions}
    response = client.get(_unit_url(versions[0]))
    assert response.status_code == 200
    page = _Compare(response.content.decode())
    assert set(page.tables) == {"total", "revenue", "function", "sangong"}
    for rows in page.tables.values():
        _assert_rows_equal_published(rows, by_year, 2025, 2024)
    # nothing published is left out: every 类 of any year, every source with money
    shown = {(d, c) for rows in page.tables.values() for d, c, _, _ in rows}
    classes = {
        k for year in by_year.values() for k in year if k[0] == "function" and len(k[1]) == 3
    }
    assert classes == {k for k in shown if k[0] == "function"}
    sources = {
        k
        for year in by_year.values()
        for k, (_, amount) in year.items()
        if k[0] == "revenue" and amount
    }
    shown_sources = {
        ("revenue", name) for rows in [page.tables["revenue"]] for _, _, name, _ in rows
    }
    assert sources == shown_sources


def _check_drill_down(county, client):
    """`?func=<类>` shows the 款 and 项 under the 类 in every year, each equal to 表三's row,
    and only codes under that 类."""
    versions = county["history"]
    by_year = {v.year: _published(v) for v in versions}
    classes = sorted({c for y in by_year.values() for d, c in y if d == "function" and len(c) == 3})
    assert len(classes) > 2
    for code in classes:
        page = _Compare(client.get(_unit_url(versions[2], func=code)).content.decode())
        rows = page.tables["function-detail"]
        expected = {
            c
            for y in by_year.values()
            for d, c in y
            if d == "function" and len(c) > 3 and c.startswith(code)
        }
        assert {c for _, c, _, _ in rows} == expected
        _assert_rows_equal_published(rows, by_year, 2025, 2024)
    unknown = client.get(_unit_url(versions[2], func="999")).content.decode()
    assert 'data-table="function-detail"' not in unknown


def _check_years_and_reasons(county, client):
    """Each published year links its newest version (2025 第2版, not 第1版); the reasons the unit
    entered are shown (escaped) with their labels; the version pages link to the unit page."""
    versions = county["history"]
    html = client.get(_unit_url(versions[0])).content.decode()
    for version in versions:
        assert reverse("public:disclosure", kwargs={"version_id": version.pk}) in html
    assert (
        f'href="{reverse("public:disclosure", kwargs={"version_id": county["history_v1"].pk})}"'
        not in html
    )
    assert "2025年比2024年" in html
    assert "支出变动原因" in html and "“三公”经费变动原因" in html
    assert "新增&lt;b&gt;应急&lt;/b&gt;项目&amp;其他" in html
    assert "<b>" not in html
    assert SANGONG_REASON in html
    for version in (versions[1], county["history_v1"]):
        detail = client.get(reverse("public:disclosure", kwargs={"version_id": version.pk}))
        assert f'href="{_unit_url(version)}">历年预算对比</a>' in detail.content.decode()


def _check_one_year(county, client):
    """A unit with only 2025 published shows that year without 增减 columns; an unknown unit
    answers 404."""
    html = client.get(_unit_url(county["late"])).content.decode()
    assert "暂无可对比的以前年度" in html
    assert "增减额" not in html
    assert client.get(reverse("public:unit", kwargs={"unit_code": "nope"})).status_code == 404


# --- charts --------------------------------------------------------------------------------------


def _svg(client, version, key):
    return client.get(
        reverse("public:chart_svg", kwargs={"version_id": version.pk, "chart_key": key})
    )


def _check_chart_files(county, client):
    """Each chart of a version is a standalone SVG (XML declaration, SVG namespace, role img,
    title, desc, long cache); the `years` chart of a version has the 支出合计 of each year up to
    its own, as 表三 printed them; the `function` chart has 表三's 类."""
    versions = county["history"]
    totals = {v.year: _published(v)[("total", "expenditure")][1] for v in versions}
    for key in ("years", "function", "fund"):
        response = _svg(client, versions[2], key)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
        assert "immutable" in response["Cache-Control"]
        svg = response.content.decode()
        assert svg.startswith(
            '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
        )
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert "第2版" in svg
    years_2024 = _svg(client, versions[1], "years").content.decode()
    assert f"2023年 {_wan(totals[2023])}万元；2024年 {_wan(totals[2024])}万元<" in years_2024
    assert "2025年" not in years_2024
    years_2025 = _svg(client, versions[2], "years").content.decode()
    assert f"2025年 {_wan(totals[2025])}万元<" in years_2025
    # the corrected 第1版 keeps the figures it was published with
    v1 = county["history_v1"]
    v1_total = _published(v1)[("total", "expenditure")][1]
    assert v1_total != totals[2025]
    assert f"2025年 {_wan(v1_total)}万元<" in _svg(client, v1, "years").content.decode()
    function = _svg(client, versions[2], "function").content.decode()
    for (dimension, code), (name, amount) in _published(versions[2]).items():
        if dimension == "function" and len(code) == 3 and amount:
            assert f"{name} {_wan(amount)}万元" in function


def _check_404s(county, client):
    """An unknown chart key, a version id nobody published, an unknown unit: 404."""
    version = county["history"][2]
    assert _svg(client, version, "pie").status_code == 404
    missing = PublishedVersion.objects.order_by("-pk").first().pk + 100
    for name in ("public:chart_svg", "public:chart_embed"):
        assert (
            client.get(
                reverse(name, kwargs={"version_id": missing, "chart_key": "years"})
            ).status_code
            == 404
        )
        assert (
            client.get(
                reverse(name, kwargs={"version_id": version.pk, "chart_key": "pie"})
            ).status_code
            == 404
        )


def _check_embed_framing(county, client):
    """The embed page answers with `frame-ancestors *` and no X-Frame-Options (also from the
    page cache), shows the chart, its table and its source; the unit page itself still may not
    be framed."""
    version = county["history"][2]
    url = reverse("public:chart_embed", kwargs={"version_id": version.pk, "chart_key": "function"})
    for _ in range(2):  # rendered, then from the cache
        response = client.get(url)
        assert response.status_code == 200
        assert "frame-ancestors *" in response["Content-Security-Policy"]
        assert (
            "'none'"
            not in response["Content-Security-Policy"].split("frame-ancestors")[1].split(";")[0]
        )
        assert "X-Frame-Options" not in response
        html = response.content.decode()
        assert '<table class="listing chart-data" data-chart="function">' in html
        assert f"{version.unit_name}2025年单位预算公开（第2版" in html
        assert reverse("public:disclosure", kwargs={"version_id": version.pk}) in html
    page = client.get(_unit_url(version))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert url in page.content.decode()  # the 嵌入此图 code


def _check_query_count(county, client, django_assert_num_queries):
    """Five queries (the cache generation, the versions, their figures, the newest one's
    reasons, the unit's 决算) for one year or three, with or without a 类 opened; one from the
    page cache."""
    public_pages_clear()
    for query in ({}, {"func": "201"}):
        for version in (county["late"], county["history"][2]):
            with django_assert_num_queries(5):
                assert client.get(_unit_url(version, **query)).status_code == 200
            with django_assert_num_queries(1):
                assert client.get(_unit_url(version, **query)).status_code == 200


# --- the tests (publishing the county takes seconds: each test checks several things) ---------


def test_the_comparison_equals_the_published_tables(county, client):
    """Every figure of the comparison and of each 类's 款 and 项 equals the published tables of
    each year (amounts, 增减额 and 增减率)."""
    _check_comparison(county, client)
    _check_drill_down(county, client)


def test_the_unit_page_lists_its_years_and_reasons_in_five_queries(
    county, client, django_assert_num_queries
):
    """Each year's newest version and the entered reasons are listed, a unit of one year has
    nothing to compare, the version pages link the unit page, and the page costs five queries
    whatever the number of years."""
    _check_years_and_reasons(county, client)
    _check_one_year(county, client)
    _check_query_count(county, client, django_assert_num_queries)


def test_the_charts_of_a_version_as_files_and_embed_pages(county, client):
    """The chart files carry the published numbers, unknown charts and versions answer 404, and
    the embed page may be framed by any site."""
    _check_chart_files(county, client)
    _check_404s(county, client)
    _check_embed_framing(county, client)


def test_a_unit_name_with_markup_is_escaped_everywhere(fast_pdf, client):
    """A unit named with `<script>` and `&`: the SVG file is still well-formed XML with the
    name escaped, and neither the embed page nor the unit page carries the markup."""
    import xml.etree.ElementTree as ET

    submission = submission_create(
        unit=budget_unit_create(name=EVIL_NAME), status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, 6, seed=3)
    version = submission_publish(submission_id=submission.pk, actor=user_with(ADMIN))
    for key in ("years", "function", "fund"):
        svg = _svg(client, version, key).content.decode()
        root = ET.fromstring(svg.encode())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        assert EVIL_NAME in "".join(root.itertext())
        embed = client.get(
            reverse("public:chart_embed", kwargs={"version_id": version.pk, "chart_key": key})
        )
        assert "<script" not in embed.content.decode()
    page = client.get(_unit_url(version)).content.decode()
    assert "<script" not in page
    assert unescape(re.search(r"<h1>(.*?)</h1>", page).group(1)) == f"{EVIL_NAME}历年预算对比"


def test_the_embed_code_names_the_configured_site_whatever_host_asked(county, client, settings):
    """With `PUBLIC_SITE_URL` set, the iframe code on the (cached) unit page points at it, even
    when the first visitor came by another host name; without it, at the request's host."""
    version = county["history"][2]
    embed = reverse("public:chart_embed", kwargs={"version_id": version.pk, "chart_key": "years"})
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    page = client.get(_unit_url(version), HTTP_HOST="other.example").content.decode()
    assert f"http://other.example{embed}" in page
    settings.PUBLIC_SITE_URL = "https://yusuan.example.gov.cn"
    public_pages_clear()
    page = client.get(_unit_url(version), HTTP_HOST="other.example").content.decode()
    assert f"https://yusuan.example.gov.cn{embed}" in page and "other.example" not in page
