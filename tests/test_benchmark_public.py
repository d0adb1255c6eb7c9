"""The public-page benchmark: synthetic published disclosures (only published, listable rows,
created again without duplicates, with the figures and search entries the insight pages read),
the wrk output parser, and one tiny real run of `benchmark_public` (gunicorn + wrk) on
PostgreSQL. No timing is asserted."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from tables.bench.public_load import (
    CORRECTION_EVERY,
    RESULT_TAG,
    UNIT_PREFIX,
    WRK_SCRIPT,
    benchmark_targets,
    disclosures_plan,
    synthetic_budget,
    synthetic_disclosures_create,
    unit_name,
    wrk_result_parse,
)
from tables.management.commands.benchmark_public import Command as BenchmarkPublic
from tables.models import PublishedFile, PublishedVersion
from tables.public.views import PER_PAGE
from tables.publication.artifacts import ARTIFACTS
from units.models import Submission, SubmissionStatus

pytestmark = pytest.mark.django_db


def test_plan_gives_each_unit_two_or_three_years_and_some_corrections():
    """Every unit has 2 or 3 budget years, one disclosure in CORRECTION_EVERY has a version 2,
    and the names are Chinese unit names under several 主管部门."""
    plan = disclosures_plan(600)
    assert len(plan) == 600
    years_per_unit = Counter(d.unit_index for d in plan)
    assert set(list(years_per_unit.values())[:-1]) == {2, 3}
    assert sum(d.versions == 2 for d in plan) == len(plan) // CORRECTION_EVERY
    names = {unit_name(d.unit_index) for d in plan}
    assert len(names) == len(years_per_unit)
    assert len({department for _, department in names}) >= 10
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）0-9]+", name) for name, _ in names)


def test_synthetic_disclosures_are_published_listable_and_not_duplicated(client):
    """50 disclosures: 50 published submissions, their versions with every kind of file (right
    size and SHA-256), 50 rows on the public list, a version page and a download answering 200;
    running it again adds nothing."""
    assert synthetic_disclosures_create(count=50, large_files=1) == 50
    submissions = Submission.objects.filter(unit__code__startswith=UNIT_PREFIX)
    assert submissions.count() == 50
    assert set(submissions.values_list("status", flat=True)) == {SubmissionStatus.PUBLISHED}
    corrected = sum(d.versions == 2 for d in disclosures_plan(50))
    assert PublishedVersion.objects.count() == 50 + corrected
    for file in PublishedFile.objects.all():
        content = bytes(file.content)
        assert file.size == len(content)
        assert file.sha256 == hashlib.sha256(content).hexdigest()
        assert file.content_type == ARTIFACTS[file.kind][0]
    assert Counter(PublishedFile.objects.values_list("kind", flat=True)) == dict.fromkeys(
        ARTIFACTS, 50 + corrected
    )

    response = client.get(reverse("public:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 50
    assert len(response.context["page"].object_list) == PER_PAGE

    targets = benchmark_targets()
    assert targets["file_size"] >= 1_000_000
    version = client.get(reverse("public:disclosure", kwargs={"version_id": targets["version_id"]}))
    assert version.status_code == 200
    searched = client.get(reverse("public:list"), {"q": targets["search"]})
    assert searched.context["page"].paginator.count > 0
    filtered = client.get(
        reverse("public:list"), {"year": targets["year"], "department": targets["department"]}
    )
    assert filtered.context["page"].paginator.count > 0
    download = client.get(
        reverse(
            "public:file", kwargs={"file_id": targets["file_id"], "file_name": targets["file_name"]}
        )
    )
    assert download.status_code == 200
    assert int(download["Content-Length"]) == targets["file_size"]

    assert synthetic_disclosures_create(count=50) == 0
    assert synthetic_disclosures_create(count=55) == 5
    assert PublishedVersion.objects.filter(unit_code__startswith=UNIT_PREFIX).count() == (
        55 + sum(d.versions == 2 for d in disclosures_plan(55))
    )


def test_synthetic_disclosures_carry_figures_search_entries_and_ledger_days(monkeypatch):
    """Every synthetic version gets its figures (a few dozen rows, summed by `snapshot_figures`
    over its synthetic budget, so totals, funds, 类/款/项, kinds and 三公 agree) and its search
    entry (aliases and pinyin); units have 2023–2025, a 更正 changes the figures, the ledger
    has days, late units and blanks; a database stored without figures gets them on a re-run."""
    from django.db.models import Count

    from tables.models import PublishedFigure, PublishedSearchEntry
    from tables.public.insight import publication_ledger, unit_versions_by_year, version_figures
    from tables.publication.figures import snapshot_figures
    from tables.publication.search import search_aliases, search_text
    from units.money import yuan_to_cents

    plan = disclosures_plan(120)
    synthetic_disclosures_create(count=120, large_files=0)
    versions = list(PublishedVersion.objects.defer("data_json").order_by("pk"))
    per_version = dict(
        PublishedFigure.objects.values_list("version_id").annotate(n=Count("pk")).order_by()
    )
    assert set(per_version) == {v.pk for v in versions}
    assert min(per_version.values()) >= 30 and max(per_version.values()) <= 80

    by_key = {(f"{UNIT_PREFIX}{d.unit_index + 1:05d}", d.year): d for d in plan}
    figures = version_figures(version_ids=[v.pk for v in versions])
    for version in versions:
        mine = figures[version.pk]
        expected = snapshot_figures(
            {"budget": synthetic_budget(by_key[(version.unit_code, version.year)], version.version)}
        )
        assert {(f.dimension, f.code, yuan_to_cents(f.amount)) for f in expected} == {
            (dimension, f.code, yuan_to_cents(f.amount))
            for dimension, rows in mine.items()
            for f in rows
        }
        total = {f.code: f.amount for f in mine["total"]}["expenditure"]
        assert total > 0
        for dimension in ("fund", "function", "economic", "kind"):
            assert sum(f.amount for f in mine[dimension] if f.level == 1) == total, dimension
        assert sum(f.amount for f in mine["revenue"]) == total
        sangong = {f.code: f.amount for f in mine["sangong"]}
        assert sangong.pop("total") == sum(sangong.values())
        assert {"function", "economic", "sangong", "operating"} <= set(mine)

    aliases = search_aliases()
    assert aliases  # the bureau's list, as migrated
    entries = dict(PublishedSearchEntry.objects.values_list("version_id", "text"))
    assert set(entries) == {v.pk for v in versions}
    for version in versions:
        assert entries[version.pk] == search_text(
            code=version.unit_code, name=version.unit_name, aliases=aliases
        )
    assert any("wsjkj" in text and "卫健局" in text for text in entries.values())

    first = versions[0]
    assert sorted(unit_versions_by_year(unit_code=first.unit_code)) == [2023, 2024, 2025]
    corrected = [v for v in versions if v.version == 2]
    assert corrected
    for v2 in corrected:
        v1 = next(v for v in versions if v.submission_id == v2.submission_id and v.version == 1)
        assert figures[v1.pk]["total"] != figures[v2.pk]["total"]
    ledger = publication_ledger(year=2025)
    days = [row.days for row in ledger]
    assert None in days and any(d is not None and d > 20 for d in days)
    assert any(d is not None and 0 < d <= 20 for d in days)

    # a benchmark database stored before the figures existed gets them on the next run
    from tables.bench import public_load

    with monkeypatch.context() as patched:
        patched.setattr(public_load, "_insight_rows_create", lambda versions: None)
        assert synthetic_disclosures_create(count=130) == 10
    bare = PublishedVersion.objects.exclude(pk__in=[v.pk for v in versions])
    assert not PublishedFigure.objects.filter(version__in=bare).exists()
    assert synthetic_disclosures_create(count=130) == 0
    assert set(
        PublishedFigure.objects.filter(version__in=bare).values_list("version_id", flat=True)
    ) == set(bare.values_list("pk", flat=True))
    assert PublishedSearchEntry.objects.count() == PublishedVersion.objects.count()


WRK_SAMPLE = f"""\
Running 10s test @ http://127.0.0.1:40123/public/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    41.20ms   12.05ms 131.80ms   72.31%
    Req/Sec    97.31     15.20   140.00     68.00%
  1946 requests in 10.01s, 22.61MB read
Requests/sec:    194.41
Transfer/sec:      2.26MB
{RESULT_TAG}{{"requests":1946,"duration_us":10010000,"bytes":23708672,"p50_us":39500,\
"p95_us":64250,"p99_us":88100,"max_us":131800,"mean_us":41200,"connect_errors":0,\
"read_errors":1,"write_errors":0,"timeouts":2,"status_errors":3}}
"""


def test_wrk_output_is_parsed():
    """The line of our `done` hook gives requests/s, percentiles in ms, throughput and errors."""
    result = wrk_result_parse(WRK_SAMPLE)
    assert result.requests == 1946
    assert result.requests_per_second == pytest.approx(1946 / 10.01)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (39.5, 64.25, 88.1)
    assert result.mib_per_second == pytest.approx(23708672 / 10.01 / 2**20)
    assert (result.socket_errors, result.timeouts, result.status_errors) == (1, 2, 3)
    assert result.failed
    assert "done = function(summary, latency, requests)" in WRK_SCRIPT
    assert RESULT_TAG in WRK_SCRIPT
    with pytest.raises(ValueError, match="WRK_RESULT"):
        wrk_result_parse("Running 10s test\n")


def test_report_prints_a_table_row_per_url_and_the_goal():
    """The text report: one row per URL with requests, req/s, p50/p95/p99, MiB/s and errors,
    what the errors were, then the goal lines (here, from the captured wrk sample)."""
    result = wrk_result_parse(WRK_SAMPLE)
    labels = ["列表 list", "搜索 search", "筛选 year+dept", "深页 page 300", "版本页 version"]
    results = [(label, "/public/", result) for label in [*labels, "下载 PDF 1.0 MB"]]
    out = io.StringIO()
    command = BenchmarkPublic(stdout=out)
    options = {"workers": 5, "threads": 2, "connections": 8, "duration": 10, "json": False}
    command.report(results, {"disclosures": 10_000, "versions": 10_833}, options, sqlite=False)
    text = out.getvalue()
    assert "10000 个已公开单位预算（10833 个版本），PostgreSQL" in text
    for label in [*labels, "下载 PDF 1.0 MB"]:
        assert re.search(
            rf"^{re.escape(label)}\s+1946\s+194\.4\s+39\.50\s+64\.25\s+88\.10\s+2\.26\s+6$",
            text,
            flags=re.MULTILINE,
        ), text
    assert "目标 goal：列表与搜索 p95 < 100 ms —— 达到（最慢 p95 64.25 ms）" in text
    assert (
        "错误 errors 列表 list：套接字 socket 1，超时 timeouts 2，HTTP ≥ 400 应答 status 3"
    ) in text
    assert (
        "目标 goal（200 连接 connections）：列表与搜索 p99 ≤ 300 ms 且无错误 —— 未达到"
        "（最慢 p99 88.10 ms，错误 36 个；本次 8 连接）"
    ) in text


def test_report_meets_the_p99_goal_only_without_errors():
    """The p99 goal line says 达到 when list and search stay within 300 ms and wrk saw no
    error at all."""
    result = wrk_result_parse(WRK_SAMPLE.replace('"read_errors":1', '"read_errors":0'))
    clean = dataclasses.replace(result, timeouts=0, status_errors=0)
    out = io.StringIO()
    options = {"workers": 4, "threads": 2, "connections": 200, "duration": 10, "json": False}
    BenchmarkPublic(stdout=out).report(
        [(f"url{i}", "/public/", clean) for i in range(6)],
        {"disclosures": 10_000, "versions": 10_833},
        options,
        sqlite=False,
    )
    text = out.getvalue()
    assert "错误 errors url" not in text
    assert "p99 ≤ 300 ms 且无错误 —— 达到（最慢 p99 88.10 ms，错误 0 个；本次 200 连接）" in text


def test_report_has_a_goal_line_for_the_insight_pages_and_the_api():
    """The third goal line names the slowest of the insight pages and API endpoints and says
    达到 only when its p95 is within 100 ms."""
    result = wrk_result_parse(WRK_SAMPLE)
    fast = dataclasses.replace(result, p95_ms=40.0)
    slow = dataclasses.replace(result, p95_ms=140.0)
    options = {"workers": 4, "threads": 2, "connections": 8, "duration": 10, "json": False}
    for results, expected in (
        ([fast] * 12, "p95 ≤ 100 ms —— 达到（最慢 url6 p95 40.00 ms）"),
        ([fast] * 9 + [slow] + [fast] * 2, "p95 ≤ 100 ms —— 未达到（最慢 url9 p95 140.00 ms）"),
    ):
        out = io.StringIO()
        BenchmarkPublic(stdout=out).report(
            [(f"url{i}", "/public/", r) for i, r in enumerate(results)],
            {"disclosures": 10_000, "versions": 10_833},
            options,
            sqlite=False,
        )
        assert "目标 goal：搜索、历年对比、全县概况与接口 " + expected in out.getvalue()


def test_benchmark_command_runs_gunicorn_and_wrk():
    """A tiny real run (30 disclosures, 1 s per URL) in a scratch PostgreSQL database: gunicorn
    answers every URL with 200, wrk loads each, and the figures come out with no errors."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the benchmark's figures are for PostgreSQL; the run uses a scratch database")
    out = io.StringIO()
    call_command(
        "benchmark_public",
        disclosures=30,
        duration=1,
        connections=2,
        threads=1,
        workers=2,
        json=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    data = json.loads(out.getvalue())
    assert data["disclosures"] == 30 and data["database"] == "postgresql"
    paths = [r["path"] for r in data["results"]]
    assert paths[0] == "/public/" and paths[1].startswith("/public/?q=")
    assert paths[4].startswith("/public/d/") and paths[5].startswith("/public/files/")
    assert paths[6].startswith("/public/?q=") and paths[7].startswith("/public/u/")
    assert paths[8].endswith("/") and paths[9].endswith("/ledger/")
    assert paths[10].startswith("/api/v1/versions") and paths[11].endswith("/overview")
    for result in data["results"]:
        assert result["requests"] > 0 and result["requests_per_second"] > 0
        assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
        assert result["socket_errors"] == result["timeouts"] == result["status_errors"] == 0
    assert data["results"][5]["mib_per_second"] > 0
