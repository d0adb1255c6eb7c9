"""The open API (`tables.api`, /api/v1/): the schema is valid OpenAPI; every endpoint answers
what the stored snapshots say (the expected values are computed here from each version's
`data_json`, through `snapshot_figures` for the summed figures); nothing unpublished is ever
reachable (a canary unit in 草稿, 已提交, 已退回 and 已审核 appears in no answer); ETag/304;
throttling with a Chinese 429; Chinese 404/422; page-size limits; bounded query counts.

The published county (`published_county_create`: six publications, about 20 s) is built once for
the module inside a transaction that is rolled back at the end; each test runs in a savepoint
inside it, as pytest-django's `db` does."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate

from tables.models import PublishedVersion
from tables.publication.figures import snapshot_figures
from tables.publication.search import pinyin_keys
from tests.factories import (
    budget_unit_create,
    submission_create,
    synthetic_budget,
)
from tests.test_public_pages import stored_version
from units.models import SubmissionStatus
from units.workflow import DISCLOSURE_DAYS

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
CANARY = "CANARY"


@pytest.fixture(scope="module")
def county(published_county):
    """The published county, once for the module (tests/conftest.py `published_county`)."""
    return published_county


def get(client, path, **params):
    response = client.get(BASE + path, params)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response.json()


def latest_versions(*, year=None):
    """The newest published version of each submission, read here without the API's
    selectors."""
    newest = {}
    for version in PublishedVersion.objects.order_by("submission_id", "version"):
        newest[version.submission_id] = version
    return [v for v in newest.values() if year is None or v.year == year]


def expected_figures(versions) -> dict[str, dict[str, tuple[str, int, Decimal]]]:
    """dimension → code → (name, level, amount in 元), summed over `versions`' snapshots."""
    result: dict[str, dict] = defaultdict(dict)
    for version in versions:
        for f in snapshot_figures(version.data_json):
            name, level, amount = result[f.dimension].get(f.code, (f.name, f.level, Decimal(0)))
            result[f.dimension][f.code] = (name, level, amount + f.amount)
    return result


def as_figures(rows) -> dict[str, tuple[str, int, Decimal]]:
    """API figure rows as code → (name, level, exact Decimal), asserting the amount strings."""
    result = {}
    for row in rows:
        assert isinstance(row["amount"], str)
        result[row["code"]] = (row["name"], row["level"], Decimal(row["amount"]))
    return result


# --- the schema -------------------------------------------------------------------------------


def test_schema_is_valid_openapi_with_chinese_texts(client, county):
    """/api/v1/openapi.json validates as OpenAPI; every operation has a Chinese summary and
    description, every parameter a Chinese description; amounts are typed as strings."""
    schema = get(client, "/openapi.json")
    validate(schema)
    assert schema["info"]["version"] == "1"
    chinese = lambda text: any("\u4e00" <= ch <= "\u9fff" for ch in text or "")  # noqa: E731
    assert chinese(schema["info"]["title"]) and chinese(schema["info"]["description"])
    operations = [(path, op) for path, ops in schema["paths"].items() for op in ops.values()]
    assert len(operations) == 10
    for path, op in operations:
        assert chinese(op.get("summary")) and chinese(op.get("description")), path
        for parameter in op.get("parameters", ()):
            description = parameter.get("description") or parameter["schema"].get("description")
            assert chinese(description), (path, parameter["name"])
    figure = schema["components"]["schemas"]["FigureOut"]["properties"]["amount"]
    assert figure["type"] == "string" and "pattern" in figure


# --- units ------------------------------------------------------------------------------------


def test_units_list_equals_the_published_units(client, county):
    """Every unit with a published disclosure once, in code order, with its years (newest
    first), its newest version and the name that version printed."""
    by_unit = defaultdict(list)
    for version in latest_versions():
        by_unit[version.unit_code].append(version)
    body = get(client, "/units")
    assert body["count"] == len(by_unit) == 4
    assert [u["code"] for u in body["items"]] == sorted(by_unit)
    for unit in body["items"]:
        versions = sorted(by_unit[unit["code"]], key=lambda v: (v.year, v.published_at))
        newest = versions[-1]
        assert unit["years"] == sorted({v.year for v in versions}, reverse=True)
        assert unit["latest_version_id"] == newest.pk
        assert (unit["name"], unit["department_code"], unit["department_name"]) == (
            newest.data_json["unit"]["name"],
            newest.department_code,
            newest.department_name,
        )
    history = next(u for u in body["items"] if u["code"] == county["history"][0].unit_code)
    assert history["years"] == [2025, 2024, 2023]
    assert history["latest_version_id"] == county["history"][-1].pk


def test_units_filters_and_search(client, county):
    """year, 主管部门 and the search text (name, pinyin initials, code) filter the units."""
    history = county["history"][0]
    assert [u["code"] for u in get(client, "/units", year=2023)["items"]] == [history.unit_code]
    department = county["department"].code
    assert get(client, "/units", department=department)["count"] == 4
    assert get(client, "/units", department="NO-SUCH")["count"] == 0
    initials, _ = pinyin_keys(county["late"].unit_name)
    for q in ("发展和改革", initials.upper(), f" {county['late'].unit_code} "):
        codes = [u["code"] for u in get(client, "/units", q=q)["items"]]
        assert codes == [county["late"].unit_code], q
    assert get(client, "/units", q="没有这个单位")["count"] == 0


def test_unit_detail_lists_its_years_and_versions(client, county):
    """A unit's years newest first, each with all its versions (a 更正 keeps version 1, marked
    not latest); an unknown code answers a Chinese 404."""
    history = county["history"]
    body = get(client, f"/units/{history[0].unit_code}")
    assert [y["year"] for y in body["years"]] == [2025, 2024, 2023]
    for entry, version in zip(body["years"], reversed(history), strict=True):
        assert entry["latest_version_id"] == version.pk
        assert [v["id"] for v in entry["versions"]] == [version.pk]
    corrected, v1 = county["corrected"], county["corrected_v1"]
    body = get(client, f"/units/{corrected.unit_code}")
    (year,) = body["years"]
    assert year["latest_version_id"] == corrected.pk
    assert [(v["id"], v["version"], v["is_latest"]) for v in year["versions"]] == [
        (corrected.pk, 2, True),
        (v1.pk, 1, False),
    ]
    assert year["versions"][0]["reason"] == corrected.reason != ""
    response = client.get(f"{BASE}/units/NO-SUCH-UNIT")
    assert response.status_code == 404
    assert response.json() == {"detail": "该单位没有已公开的预算"}


# --- versions ---------------------------------------------------------------------------------


def test_versions_list_is_the_newest_version_of_each_submission(client, county):
    """Newest publication first; a corrected submission only as its version 2; filters by
    year, unit, 主管部门 and 部门预算."""
    expected = sorted(latest_versions(), key=lambda v: (v.published_at, v.pk), reverse=True)
    body = get(client, "/versions")
    assert [v["id"] for v in body["items"]] == [v.pk for v in expected]
    assert county["corrected_v1"].pk not in [v["id"] for v in body["items"]]
    first = body["items"][0]
    version = expected[0]
    assert first["unit_name"] == version.data_json["unit"]["name"]
    assert first["year"] == version.data_json["year"]
    assert first["version"] == version.data_json["version"]
    assert first["approval_date"] == version.data_json["approval_date"]
    assert first["page_url"].endswith(f"/public/d/{version.pk}/")
    assert get(client, "/versions", year=2024)["count"] == 1
    unit_code = county["history"][0].unit_code
    assert [v["year"] for v in get(client, "/versions", unit_code=unit_code)["items"]] == [
        2025,
        2024,
        2023,
    ]
    assert get(client, "/versions", is_department="true")["count"] == 0
    assert get(client, "/versions", is_department="false")["count"] == len(expected)
    assert get(client, "/versions", department="NO-SUCH")["count"] == 0


def test_version_detail_with_history_and_files(client, county):
    """A version's metadata, its submission's versions and its stored files, whose SHA-256
    equals the bytes the public file URL serves; an earlier version stays readable by id."""
    corrected, v1 = county["corrected"], county["corrected_v1"]
    body = get(client, f"/versions/{v1.pk}")
    assert (body["id"], body["version"], body["latest_version_id"]) == (v1.pk, 1, corrected.pk)
    assert [v["id"] for v in body["submission_versions"]] == [corrected.pk, v1.pk]
    assert body["table_set"] == v1.data_json["table_set"]
    stored = {f.kind: f for f in v1.files.all()}
    assert {f["kind"] for f in body["files"]} == set(stored)
    for file in body["files"]:
        assert file["sha256"] == stored[file["kind"]].sha256
        path = file["url"].removeprefix("http://testserver")
        response = client.get(path)
        assert response.status_code == 200, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert hashlib.sha256(content).hexdigest() == file["sha256"]
        assert len(content) == file["size"]


def test_version_tables_equal_the_stored_snapshot(client, county):
    """The tables endpoint returns the snapshot's tables cell for cell (money as exact decimal
    strings in 元), and one table by its code; an unknown code answers 404."""
    version = county["history"][-1]
    snapshot = version.data_json
    expected = snapshot["tables"] + (snapshot.get("statutory_tables") or [])
    body = get(client, f"/versions/{version.pk}/tables")
    assert body["table_set"] == snapshot["table_set"]
    assert [t["code"] for t in body["tables"]] == [t["code"] for t in expected]
    money_cells = 0
    for ours, theirs in zip(body["tables"], expected, strict=True):
        assert ours["title"] == theirs["title"] and ours["header"] == theirs["header"]
        assert ours["columns"] == theirs["columns"]
        for row, stored in zip(ours["rows"], theirs["rows"], strict=True):
            assert row["display"] == stored["display"]
            assert row["values"] == [None if v is None else str(v) for v in stored["values"]]
            for value, column in zip(row["values"], ours["columns"], strict=True):
                if column["kind"] == "money" and value is not None:
                    Decimal(value)  # exact decimal text, not a float
                    money_cells += 1
    assert money_cells > 50
    one = get(client, f"/versions/{version.pk}/tables/T03")
    assert one == next(t for t in body["tables"] if t["code"] == "T03")
    response = client.get(f"{BASE}/versions/{version.pk}/tables/T99")
    assert response.status_code == 404 and response.json() == {"detail": "该版本没有这张表格"}


def test_version_figures_equal_the_snapshot_sums(client, county):
    """Each dimension's figures of a version equal `snapshot_figures` of its snapshot; one
    dimension can be asked for alone."""
    version = county["late"]
    expected = expected_figures([version])
    body = get(client, f"/versions/{version.pk}/figures")
    assert set(body["figures"]) == set(expected)
    for dimension, rows in body["figures"].items():
        assert as_figures(rows) == expected[dimension], dimension
    body = get(client, f"/versions/{version.pk}/figures", dimension="function")
    assert list(body["figures"]) == ["function"]
    assert as_figures(body["figures"]["function"]) == expected["function"]
    response = client.get(f"{BASE}/versions/{version.pk}/figures", {"dimension": "nonsense"})
    assert response.status_code == 422


# --- years ------------------------------------------------------------------------------------


def test_year_figures_sum_the_newest_versions(client, county):
    """A year's figures sum the newest version of each unit (the corrected unit counts once,
    as version 2); a 主管部门 and a code prefix narrow them."""
    versions = latest_versions(year=2025)
    assert county["corrected_v1"] not in versions and len(versions) == 4
    expected = expected_figures(versions)
    for dimension in ("total", "fund", "function", "economic"):
        body = get(client, "/years/2025/figures", dimension=dimension)
        assert as_figures(body["figures"]) == expected[dimension], dimension
    department = county["department"].code
    body = get(client, "/years/2025/figures", dimension="fund", department=department)
    assert as_figures(body["figures"]) == expected["fund"]
    prefix = next(code for code in expected["function"] if len(code) == 3)
    body = get(client, "/years/2025/figures", dimension="function", prefix=prefix)
    assert as_figures(body["figures"]) == {
        code: value for code, value in expected["function"].items() if code.startswith(prefix)
    }
    assert get(client, "/years/2025/figures", dimension="fund", department="X")["figures"] == []
    assert client.get(f"{BASE}/years/2025/figures").status_code == 422  # dimension required
    assert client.get(f"{BASE}/years/1999/figures", {"dimension": "fund"}).status_code == 404


def test_year_overview(client, county):
    """The overview's totals, funds, 功能分类 类 and per-主管部门 sums and counts equal the
    snapshots' figures of the year's newest versions."""
    versions = latest_versions(year=2025)
    expected = expected_figures(versions)
    body = get(client, "/years/2025/overview")
    assert body["units"] == len(versions)
    assert as_figures(body["totals"]) == expected["total"]
    assert as_figures(body["funds"]) == expected["fund"]
    assert as_figures(body["functions"]) == {
        code: value for code, value in expected["function"].items() if value[1] == 1
    }
    (department,) = body["departments"]
    assert department["department_code"] == county["department"].code
    assert department["units"] == len(versions)
    assert Decimal(department["expenditure"]) == expected["total"]["expenditure"][2]
    assert get(client, "/years/2023/overview")["units"] == 1
    assert client.get(f"{BASE}/years/1999/overview").status_code == 404


def test_year_ledger(client, county):
    """Each disclosure's 批复日期 (as version 1 printed it), first publication, days, on time,
    corrected and count of versions."""
    local = timezone.get_current_timezone()
    body = get(client, "/years/2025/ledger")
    assert body["disclosure_days"] == DISCLOSURE_DAYS
    rows = {row["unit_code"]: row for row in body["rows"]}
    assert len(rows) == 4
    for key, expect_on_time, expect_versions in (
        ("late", False, 1),
        ("corrected", True, 2),
        ("no_approval", None, 1),
    ):
        version = county[key]
        first = county["corrected_v1"] if key == "corrected" else version
        row = rows[version.unit_code]
        approval = first.data_json["approval_date"]
        published = first.published_at.astimezone(local).date()
        assert row["version_id"] == version.pk
        assert row["approval_date"] == approval
        assert row["first_published"] == published.isoformat()
        assert row["on_time"] is expect_on_time
        assert row["versions"] == expect_versions
        assert row["corrected"] is (expect_versions > 1)
        if approval is None:
            assert row["days"] is None
        else:
            assert row["days"] == (published - datetime.date.fromisoformat(approval)).days
    assert client.get(f"{BASE}/years/1999/ledger").status_code == 404


# --- only what is published -------------------------------------------------------------------


def test_unpublished_submissions_are_never_reachable(client, county):
    """A canary unit with a submission in 草稿, 已提交, 已退回 and 已审核 (with lines) of the
    county's 主管部门 and year appears in no answer of any endpoint, filtered for it or not, and
    its codes and guessed ids answer 404."""
    department = county["department"]
    canaries = []
    for index, status in enumerate(
        (
            SubmissionStatus.DRAFT,
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.RETURNED,
            SubmissionStatus.APPROVED,
        )
    ):
        unit = budget_unit_create(name=f"金丝雀{CANARY}单位{index}", department=department)
        submission = submission_create(unit=unit, year=2025, status=status)
        synthetic_budget(submission, 6, seed=20 + index)
        canaries.append((unit, submission))
    top = PublishedVersion.objects.order_by("-pk").values_list("pk", flat=True).first()
    guessed = {top + 1, top + 2, top + 1000, *(s.pk for _, s in canaries)}
    paths = [
        ("/openapi.json", {}),
        ("/units", {}),
        ("/units", {"q": "金丝雀"}),
        ("/units", {"q": CANARY}),
        ("/units", {"department": department.code, "year": 2025, "page_size": 100}),
        ("/versions", {"page_size": 100}),
        ("/versions", {"department": department.code, "year": 2025}),
        ("/years/2025/overview", {}),
        ("/years/2025/ledger", {}),
        ("/years/2025/figures", {"dimension": "total", "department": department.code}),
    ]
    for version in PublishedVersion.objects.all():
        for suffix in ("", "/tables", "/figures"):
            paths.append((f"/versions/{version.pk}{suffix}", {}))
    bodies = []
    for path, params in paths:
        response = client.get(BASE + path, params)
        assert response.status_code == 200, path
        bodies.append(response.content.decode())
    not_found = []
    for unit, _ in canaries:
        not_found += [f"/units/{unit.code}", f"/versions?unit_code={unit.code}"]
    for pk in guessed:
        if not PublishedVersion.objects.filter(pk=pk).exists():
            for suffix in ("", "/tables", "/tables/T01", "/figures"):
                not_found.append(f"/versions/{pk}{suffix}")
    for path in not_found:
        response = client.get(BASE + path)
        bodies.append(response.content.decode())
        if "?" in path:
            assert response.json()["count"] == 0, path
        else:
            assert response.status_code == 404, path
            assert response.json()["detail"], path
    assert len(bodies) > 30
    for body in bodies:
        assert CANARY not in body and "金丝雀" not in body
        for unit, _ in canaries:
            assert f'"{unit.code}"' not in body


# --- HTTP behaviour ---------------------------------------------------------------------------


def test_etag_and_304(client, county):
    """A successful GET carries an ETag and `Cache-Control: public, max-age=60`; the same
    request with If-None-Match answers 304 without a body; another answer has another tag."""
    response = client.get(f"{BASE}/versions")
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"public", "max-age=60"}
    again = client.get(f"{BASE}/versions", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(f"{BASE}/versions", headers={"if-none-match": '"other"'}).status_code == 200
    assert client.get(f"{BASE}/units")["ETag"] != etag
    schema = client.get(f"{BASE}/openapi.json")
    assert (
        client.get(f"{BASE}/openapi.json", headers={"if-none-match": schema["ETag"]}).status_code
        == 304
    )
    missing = client.get(f"{BASE}/versions/999999")
    assert missing.status_code == 404 and "ETag" not in missing


def test_throttling_answers_429_in_chinese(client, county, settings):
    """Past API_ANON_RATE a client gets 429 with a Chinese JSON body and Retry-After; another
    address is counted apart; a forged X-Forwarded-For does not make a new client, while the
    trusted proxy's X-Real-IP does (budgetsite.client_ip)."""
    settings.API_ANON_RATE = "3/min"
    for _ in range(3):
        assert client.get(f"{BASE}/units").status_code == 200
    response = client.get(f"{BASE}/units", headers={"x-forwarded-for": "203.0.113.9"})
    assert response.status_code == 429
    body = response.json()
    assert body["detail"] == "请求过于频繁，请稍后再试。"
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])
    assert "max-age" not in response.get("Cache-Control", "")
    assert client.get(f"{BASE}/units", REMOTE_ADDR="198.51.100.7").status_code == 200
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.CLIENT_IP_TRUSTED_PROXIES = ["127.0.0.1"]
    behind_proxy = client.get(f"{BASE}/units", headers={"x-real-ip": "192.0.2.44"})
    assert behind_proxy.status_code == 200


def test_page_size_limits(client, county):
    """page_size pages the lists (default 20, at most 100); beyond 100, or a page below 1,
    answers 422 in Chinese; a page past the end is empty."""
    total = get(client, "/versions")["count"]
    first = get(client, "/versions", page_size=2)
    second = get(client, "/versions", page_size=2, page=2)
    assert len(first["items"]) == 2 and first["count"] == total
    assert not {v["id"] for v in first["items"]} & {v["id"] for v in second["items"]}
    assert get(client, "/versions", page=99)["items"] == []
    assert len(get(client, "/units", page_size=3)["items"]) == 3
    for params in ({"page_size": 101}, {"page_size": 0}, {"page": 0}):
        response = client.get(f"{BASE}/versions", params)
        assert response.status_code == 422, params
        body = response.json()
        assert body["detail"] == "请求参数有误。"
        assert body["errors"][0]["loc"][-1] in params
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["msg"])
    assert get(client, "/versions", page_size=100)["count"] == total


def test_errors_are_chinese_json(client, county):
    """A malformed id or year is a 422 naming the parameter in Chinese; any unknown path
    under /api/v1/ a JSON 404; /api/v1/ itself leads to the introduction."""
    response = client.get(f"{BASE}/versions/abc")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["path", "version_id"] and error["msg"] == "应为整数。"
    response = client.get(f"{BASE}/versions", {"year": "二〇二五"})
    assert response.status_code == 422 and response.json()["errors"][0]["msg"] == "应为整数。"
    response = client.get(f"{BASE}/no/such/thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "没有找到所请求的内容。"}
    assert client.get(f"{BASE}/versions/999999").json() == {"detail": "没有这个已公开的版本"}
    assert client.get(f"{BASE}/").url == "/api/"


@pytest.mark.parametrize(
    "path",
    [
        "/versions?year=70000",
        "/units?year=99999999999999999999",
        "/versions?page=99999999999999999",
        "/versions/99999999999999999999999",
        "/versions/0/figures",
        "/years/99999999999/overview",
        "/years/-1/ledger",
    ],
)
def test_numbers_out_of_range_are_a_422_not_a_500(client, county, path):
    """A year, id or page no database column can hold is refused as a parameter error."""
    client.raise_request_exception = False
    response = client.get(BASE + path)
    assert response.status_code == 422, path
    assert response.json()["detail"] == "请求参数有误。"


@pytest.mark.parametrize(
    ("path", "params"),
    [("/units", {"page_size": 100}), ("/versions", {"page_size": 100})],
)
def test_list_query_counts_do_not_grow(client, county, path, params):
    """The lists cost the same queries with 4 units as with 34 (a count, a page, its rows)."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get(client, path, **params)
        return len(captured)

    before = queries()
    for index in range(30):
        stored_version(name=f"另一个单位{index}", department=county["department"])
    caches["api_throttle"].clear()
    after = queries()
    assert get(client, path, **params)["count"] >= 30
    assert before == after <= 4


# --- the pages for people ---------------------------------------------------------------------


def test_docs_page_runs_no_inline_script(client, county):
    """The Swagger page loads Swagger UI from our static files, keeps its settings as data
    (JSON, not run), and carries the site's CSP (scripts from our origin only)."""
    import re

    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 4
    for attributes, body in scripts:
        if "src=" in attributes:
            assert body.strip() == ""
            src = re.search(r'src="([^"]+)"', attributes).group(1)
            assert src.startswith("/static/")
            served = client.get(src)
            assert served.status_code == 200
            b"".join(served.streaming_content)
        else:
            assert 'type="application/json"' in attributes
            assert json.loads(body)["url"] == f"{BASE}/openapi.json"


def test_intro_page_lists_every_operation(client, county):
    """开放接口说明 lists every path of the schema with its Chinese summary, and links the
    Swagger page and the schema."""
    schema = get(client, "/openapi.json")
    html = client.get("/api/").content.decode()
    assert f'href="{BASE}/docs"' in html and f'href="{BASE}/openapi.json"' in html
    for path, operations in schema["paths"].items():
        assert f"GET {path}</code>" in html, path
        assert operations["get"]["summary"] in html
