"""公民预算 (tables.public.citizens): every amount a unit's and the county's summary print equals
what the published snapshots hold (summed here from `data_json`'s lines and its printed 表十 and
表十一, never through `PublishedFigure`); the reasons, goals and staff come from the snapshot;
人均 appears only once the bureau has entered the population; only published data is served;
a hostile unit name is escaped; the PDF is really printed and cacheable."""

import io
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.urls import reverse

from performance.models import UnitTarget
from tables.document.year_settings import year_population_set
from tables.models import PublishedVersion, YearSettings
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    project_target_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import Project, SubmissionText
from units.models import SubmissionStatus as S
from units.permissions import REVIEWER

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>县测试&“局”'
REASON = "<b>人员增加</b>，相应支出增加"
SANGONG_REASON = "严控“三公”经费"
GOAL_ONE = "完成全年监督任务。其后的句子不进入简明版"
GOAL_TWO = "办好民生实事"
PROJECT_GOAL = "年内完成项目建设并通过验收。"
STAFF = 12


# --- expected figures, from the stored snapshot only -------------------------------------------


def wan(amount: Decimal) -> str:
    return f"{(amount / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def _lines(snapshot):
    return [(line, Decimal(line["amount"])) for line in snapshot["budget"]["lines"]]


def _table(snapshot, code):
    for table in snapshot.get("statutory_tables") or snapshot["tables"]:
        if table["code"] == code:
            return table
    raise AssertionError(code)


def _sangong(snapshot) -> Decimal:
    for row in _table(snapshot, "T10")["rows"]:
        if "合计" in [v for v in row["values"] if isinstance(v, str)]:
            return Decimal(row["values"][1] or 0)
    raise AssertionError("表十合计")


def _operating(snapshot) -> Decimal:
    return Decimal(_table(snapshot, "T11")["rows"][0]["values"][1] or 0)


def expected(snapshot) -> dict:
    """What the summary must print, from one snapshot: totals, sources, 类 uses, kinds, 三公,
    机关运行经费 (exact 元)."""
    lines = _lines(snapshot)
    sources, uses, kinds = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    for line, amount in lines:
        sources["carryover" if line["is_carryover"] else line["fund"]] += amount
        uses[line["func_code"][:3]] += amount
        kinds[line["expense_kind"]] += amount
        if line["expense_kind"] != "project":
            kinds["basic"] += amount
    return {
        "total": sum((a for _, a in lines), Decimal(0)),
        "sources": sources,
        "uses": uses,
        "kinds": kinds,
        "sangong": _sangong(snapshot),
        "operating": _operating(snapshot),
    }


def _desc(values) -> list[str]:
    return [wan(a) for a in sorted((a for a in values if a), reverse=True)]


def shown(html: str) -> dict[str, list[str]]:
    """The amounts the page marks with `data-amount`, by what they are, in page order."""
    found = defaultdict(list)
    for kind, text in re.findall(r'data-amount="([\w-]+)">([^<]*)<', html):
        found[kind].append(text)
    return found


def _main(html: str) -> str:
    """The page's main text without its charts (their labels repeat the lists)."""
    main = html[html.index("<main") : html.index("</main>")]
    return unescape(re.sub(r"<[^>]+>", "", re.sub(r"<svg.*?</svg>", "", main, flags=re.S)))


# --- fixtures ----------------------------------------------------------------------------------


def unit_with_texts_publish(*, actor, department, name: str) -> list[PublishedVersion]:
    """A unit named `name` with `STAFF` 实有人员, published for 2024 and 2025, its 2025 with
    typed reasons (`REASON`, `SANGONG_REASON`), a unit target (`GOAL_ONE`, `GOAL_TWO`) and its
    first project's target (`PROJECT_GOAL`); its two versions."""
    unit = budget_unit_create(name=name, department=department)
    unit.actual_staff = STAFF
    unit.save(update_fields=["actual_staff"])
    versions = []
    for seed, year in ((21, 2024), (22, 2025)):
        submission = submission_create(unit=unit, year=year, status=S.APPROVED)
        synthetic_budget(submission, 14, seed=seed)
        if year == 2025:
            SubmissionText.objects.create(
                submission=submission,
                expense_change_reason=REASON,
                sangong_change_reason=SANGONG_REASON,
            )
            UnitTarget.objects.create(
                submission=submission,
                strategic_goal="战略",
                annual_goal=f"1. {GOAL_ONE}。2. {GOAL_TWO}",
            )
            project = Project.objects.filter(submission=submission).order_by("position").first()
            project_target_create(project, goal_year=PROJECT_GOAL)
        versions.append(submission_publish(submission_id=submission.pk, actor=actor))
    return versions


@pytest.fixture(scope="module")
def county(published_county):
    """The factories' published county (`published_county` in tests/conftest.py, built once
    for the module) plus a unit with a hostile name published for 2024 and 2025, its 2025 with
    typed reasons, staff, a unit target and a project target."""
    published_county["hostile"] = unit_with_texts_publish(
        actor=published_county["admin"], department=published_county["department"], name=HOSTILE
    )
    return published_county


@pytest.fixture
def admin(county):
    return county["admin"]


def _fresh(version) -> PublishedVersion:
    return PublishedVersion.objects.get(pk=version.pk)


# --- the unit ----------------------------------------------------------------------------------


def test_every_amount_on_a_unit_page_equals_its_snapshot(county, client):
    """Total, sources, 类 uses, 基本/项目/人员/公用, 三公, 机关运行经费, the changes against
    the year before and 人均 per staff are the snapshot's, rounded once to 万元."""
    previous, version = (_fresh(v) for v in county["hostile"])
    now, before = expected(version.data_json), expected(previous.data_json)
    response = client.get(reverse("public:citizens", kwargs={"version_id": version.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    amounts = shown(html)
    assert amounts["total"] == [wan(now["total"])]
    assert amounts["source"] == _desc(now["sources"].values())
    assert amounts["use"] == _desc(now["uses"].values())
    for kind in ("basic", "project", "personnel", "public"):
        assert amounts[kind] == [wan(now["kinds"][kind])], kind
    assert amounts["sangong"] == [wan(now["sangong"])]
    assert amounts["operating"] == [wan(now["operating"])]
    assert amounts["total-change"] == [wan(abs(now["total"] - before["total"]))]
    changes = {
        code: now["uses"].get(code, Decimal(0)) - before["uses"].get(code, Decimal(0))
        for code in set(now["uses"]) | set(before["uses"])
    }
    biggest = sorted((c for c in changes.values() if c), key=lambda c: -abs(c))[:3]
    assert amounts["change"] == [wan(abs(c)) for c in biggest]
    sangong_change = now["sangong"] - before["sangong"]
    assert amounts["sangong-change"] == ([wan(abs(sangong_change))] if sangong_change else [])
    assert amounts["per-staff"] == [wan(now["total"] / STAFF)]
    # no other 万元 amount is printed than those
    printed = re.findall(r"([\d,]+\.\d\d) 万元", _main(html))
    allowed = {text for texts in amounts.values() for text in texts}
    assert printed and set(printed) <= allowed
    assert f"比{previous.year}年" in _main(html)


def test_a_unit_page_shows_its_reasons_goals_and_staff_escaped(county, client):
    """The reasons the unit typed, its goals (first sentences), its biggest project's goal and
    its staff come from the snapshot; the hostile name and texts are escaped."""
    version = county["hostile"][1]
    html = client.get(reverse("public:citizens", kwargs={"version_id": version.pk})).content
    html = html.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)" in html
    assert "&lt;b&gt;人员增加&lt;/b&gt;" in html and "<b>人员增加" not in html
    text = _main(html)
    assert f"原因：{REASON}" in text
    assert SANGONG_REASON in text
    assert "完成全年监督任务。" in text and "其后的句子" not in text
    assert GOAL_TWO in text
    assert PROJECT_GOAL in text
    assert f"实有人员 {STAFF} 人" in text


def test_a_unit_without_a_previous_year_says_so_and_without_staff_omits_it(county, client):
    """The first published year has no comparison; a unit without 实有人员 has no 人均 line."""
    version = county["late"]
    html = client.get(reverse("public:citizens", kwargs={"version_id": version.pk})).content
    text = _main(html.decode())
    assert "暂时无法和上年比较" in text
    assert "人均" not in text
    assert 'data-amount="total-change"' not in html.decode()


def test_the_version_page_links_its_citizens_summary(county, client):
    """The version page carries one link to its 公民预算 (简明版)."""
    version = county["history"][-1]
    html = client.get(reverse("public:disclosure", kwargs={"version_id": version.pk})).content
    link = reverse("public:citizens", kwargs={"version_id": version.pk})
    assert html.decode().count(f'href="{link}"') == 1


def test_a_corrected_version_points_at_the_newest(county, client):
    """The summary of a superseded version says so and links the newest version's summary."""
    old, new = county["corrected_v1"], county["corrected"]
    html = client.get(reverse("public:citizens", kwargs={"version_id": old.pk})).content.decode()
    assert reverse("public:citizens", kwargs={"version_id": new.pk}) in html
    assert "已被更正" in html


def test_the_unit_page_reads_a_bounded_number_of_queries(county, client, django_assert_num_queries):
    """Generation of the page cache, then the version, its unit's years and both years'
    figures: four queries for any unit (with or without a year before)."""
    for version in (county["hostile"][1], county["late"]):
        with django_assert_num_queries(4):
            client.get(reverse("public:citizens", kwargs={"version_id": version.pk}))


def test_only_published_versions_have_a_summary(county, client):
    """An approved but unpublished submission, or any id that is no version, answers 404, as
    does a year nothing was published for."""
    submission = submission_create(
        unit=budget_unit_create(name="县测试未公开局"), year=2025, status=S.APPROVED
    )
    synthetic_budget(submission, 6, seed=3)
    missing = (PublishedVersion.objects.order_by("-pk").first().pk or 0) + submission.pk + 1
    for url in (
        reverse("public:citizens", kwargs={"version_id": missing}),
        reverse("public:citizens_pdf", kwargs={"version_id": missing}),
        reverse("public:county_citizens", kwargs={"year": 2031}),
        reverse("public:county_citizens_pdf", kwargs={"year": 2031}),
    ):
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("public:county_citizens", kwargs={"year": 2025})).content.decode()
    assert "县测试未公开局" not in page


# --- the county --------------------------------------------------------------------------------


def _county_expected(year: int) -> tuple[dict, int]:
    """The county's figures of `year`: each unit's newest version's snapshot summed."""
    newest = {}
    for version in PublishedVersion.objects.filter(year=year).order_by("version"):
        newest[version.submission_id] = version
    total = {
        "total": Decimal(0),
        "sources": defaultdict(Decimal),
        "uses": defaultdict(Decimal),
        "kinds": defaultdict(Decimal),
        "sangong": Decimal(0),
        "operating": Decimal(0),
    }
    for version in newest.values():
        one = expected(version.data_json)
        for key in ("total", "sangong", "operating"):
            total[key] += one[key]
        for key in ("sources", "uses", "kinds"):
            for code, amount in one[key].items():
                total[key][code] += amount
    return total, len(newest)


def test_every_amount_on_the_county_page_equals_the_units_snapshots(county, client):
    """The county's summary adds up each unit's newest published snapshot (a 更正 replaces, never
    adds), compares with the year before, and counts the units."""
    now, units = _county_expected(2025)
    before, _ = _county_expected(2024)
    html = client.get(reverse("public:county_citizens", kwargs={"year": 2025})).content.decode()
    amounts = shown(html)
    assert amounts["total"] == [wan(now["total"])]
    assert amounts["source"] == _desc(now["sources"].values())
    assert amounts["use"] == _desc(now["uses"].values())
    for kind in ("basic", "project", "personnel", "public"):
        assert amounts[kind] == [wan(now["kinds"][kind])], kind
    assert amounts["sangong"] == [wan(now["sangong"])]
    assert amounts["operating"] == [wan(now["operating"])]
    assert amounts["total-change"] == [wan(abs(now["total"] - before["total"]))]
    assert f"纳入本页的单位：{units} 个" in _main(html)
    assert units == 5


def test_the_county_page_reads_a_bounded_number_of_queries(
    county, client, django_assert_num_queries
):
    """Generation of the page cache, both years' figures and unit counts, the population: six
    queries however many units published."""
    with django_assert_num_queries(6):
        client.get(reverse("public:county_citizens", kwargs={"year": 2025}))


def test_per_resident_appears_only_with_the_population(
    county, client, admin, django_capture_on_commit_callbacks
):
    """Without a population the county page prints no 人均; once the bureau enters it, the page
    (its cache forgotten) prints the total divided by it, in 元."""
    url = reverse("public:county_citizens", kwargs={"year": 2025})
    assert "人均" not in _main(client.get(url).content.decode())
    population = 385_000
    with django_capture_on_commit_callbacks(execute=True):
        year_population_set(actor=admin, year=2025, population=population)
    now, _ = _county_expected(2025)
    html = client.get(url).content.decode()
    per = (now["total"] / population).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert shown(html)["per-resident"] == [f"{per:,.2f}"]
    assert f"按常住人口 {population} 人计算" in _main(html)


# --- the PDFs ----------------------------------------------------------------------------------


def test_the_unit_pdf_is_printed_and_cacheable(county, client, settings):
    """The unit's PDF is really printed (WeasyPrint), names the unit, is cached as the public
    pages are (by publication generation, short max-age, ETag), answers 304 to a conditional
    request, and a made-up query string is sent to the bare address."""
    from pypdf import PdfReader

    version = county["hostile"][1]
    url = reverse("public:citizens_pdf", kwargs={"version_id": version.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", HOSTILE) in compact
    assert wan(expected(_fresh(version).data_json)["total"]) in compact
    assert f"max-age={settings.PUBLIC_PAGE_MAX_AGE}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    made_up = client.get(url + "?x=1")
    assert made_up.status_code == 302 and made_up["Location"] == url


def test_the_county_pdf_has_a_short_max_age_and_an_etag(county, client, settings):
    """The county's PDF changes when a unit publishes: the public pages' short max-age and an
    ETag."""
    response = client.get(reverse("public:county_citizens_pdf", kwargs={"year": 2025}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert f"max-age={settings.PUBLIC_PAGE_MAX_AGE}" in response["Cache-Control"]
    assert response["ETag"]


# --- the population form -----------------------------------------------------------------------


def test_the_bureau_enters_the_population_on_the_year_page(client, admin):
    """财政管理员 saves a positive whole number; anything else is refused with a Chinese error
    and nothing is saved; other roles are refused."""
    client.force_login(admin)
    url = reverse("desk:year_population")
    page = client.get(reverse("desk:year_open") + "?year=2026").content.decode()
    assert 'name="population"' in page and "常住人口" in page
    for bad in ("0", "-5", "三十万", "1.5"):
        response = client.post(url, {"year": 2026, "population": bad}, follow=True)
        assert "常住人口应为正整数" in response.content.decode(), bad
        assert not YearSettings.objects.filter(year=2026, population__isnull=False).exists()
    response = client.post(url, {"year": 2026, "population": "385000"}, follow=True)
    assert "已将2026年度的常住人口设为 385000 人" in response.content.decode()
    assert YearSettings.objects.get(year=2026).population == 385000
    client.post(url, {"year": 2026, "population": ""})
    assert YearSettings.objects.get(year=2026).population is None
    client.force_login(user_with(REVIEWER))
    response = client.post(url, {"year": 2026, "population": "1000"})
    assert "只有财政管理员可以设置年度的常住人口" in response.content.decode()
    assert YearSettings.objects.get(year=2026).population is None
