"""The demo's 2025 决算 end to end: its tables against the published 2025 budget (golden: the
年初预算 is what the budget printed, to the cent), its 情况说明, the document through the
budget's renderers, publishing as a 决算 version, the commands with `--kind final` and the
public page with 预算 and 决算 side by side."""

import csv
import io
import json
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import unquote

import pytest
from django.core.management import call_command

from performance.demo import demo_load, demo_target_faults_fix
from tables.document.build import document_build
from tables.document.final import final_derive
from tables.document.render.document import document_html
from tables.figures.snapshot import snapshot_budget_data
from tables.figures.types import FUND_GENERAL
from tables.models import PublishedFigure, PublishedVersion
from tables.publication.services import submission_publish
from tests.factories import user_with
from units.models import FinalReason, Submission, SubmissionStatus
from units.permissions import ADMIN

HUNDRED = Decimal(100)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_final(module_db):
    """The demo budget published (version 1) and its 决算 opened with the demo's actuals."""
    from tables.desk.demo_final import demo_final_load

    budget = demo_load()
    demo_target_faults_fix(submission=budget)
    Submission.objects.filter(pk=budget.pk).update(status=SubmissionStatus.APPROVED)
    admin = user_with(ADMIN)
    version = submission_publish(submission_id=budget.pk, actor=admin)
    final = demo_final_load()
    return {"budget_version": version, "final": final, "admin": admin}


@pytest.fixture
def derived(demo_final):
    final = Submission.objects.select_related("unit__department").get(pk=demo_final["final"].pk)
    return final_derive(submission=final)


def _yuan(cell) -> Decimal:
    return Decimal(0) if cell in (None, "") else Decimal(cell)


def test_the_demo_final_passes_every_rule(derived):
    assert derived.findings == [], [f.line() for f in derived.findings]
    assert set(derived.tables) == {f"F{n:02d}" for n in range(1, 10)}


def test_planned_column_is_the_published_budget_to_the_cent(demo_final, derived):
    """Golden: F05's 年初预算 by 功能分类 项 and F09's 预算数 are the published budget's, summed
    here from the version's stored snapshot, never through the 决算's own lines."""
    published = snapshot_budget_data(demo_final["budget_version"].data_json)
    by_item: dict[str, Decimal] = {}
    for line in published.lines:
        if line.fund == FUND_GENERAL:
            by_item[line.func_code] = by_item.get(line.func_code, Decimal(0)) + line.amount
    f05 = derived.tables["F05"]
    planned = f05.column_index("planned")
    rows = {row.code: row for row in f05.rows if len(row.code) == 7}
    # every 项 the published budget funds is a row of F05
    assert {code for code, amount in by_item.items() if amount} <= set(rows)
    for code, amount in by_item.items():
        assert _yuan(rows[code].cells[planned]) == amount, code
    assert _yuan(f05.rows[0].cells[planned]) == sum(by_item.values())

    # F09's 预算数 are 表十 of the published budget: its snapshot's cells, as printed
    t10 = next(t for t in demo_final["budget_version"].data_json["tables"] if t["code"] == "T10")
    printed_total = Decimal(t10["rows"][-1]["values"][1])
    f09 = derived.tables["F09"]
    assert _yuan(f09.rows[0].cells[0]) == printed_total


def test_completion_rates_and_phrases_follow_the_figures(derived):
    assert derived.differences
    for item in derived.differences:
        if item.planned:
            expected = (item.actual / item.planned * HUNDRED).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            assert item.rate == expected, item.key
        else:
            assert item.rate is None
        word = (
            "增加"
            if item.actual > item.planned
            else "减少"
            if item.actual < item.planned
            else "持平"
        )
        assert item.phrase == word
        gap = abs(item.actual - item.planned)
        assert item.needs_reason == (
            gap >= item.planned * Decimal("0.1") if item.planned else bool(item.actual)
        )


def test_narrative_prints_each_needed_reason_with_its_rate(demo_final, derived):
    document = document_build(submission=demo_final["final"])
    text = "\n".join(
        block.text for section in document.narrative.sections for block in section.blocks
    )
    needed = [d for d in derived.differences if d.needs_reason]
    assert needed
    for item in needed:
        assert item.reason.rstrip("。") in text, item.key
        if item.rate is not None:
            assert f"{item.rate}%" in text
        more = "大于" if item.actual > item.planned else "小于"
        assert f"决算数{more}年初预算数的主要原因是" in text


def test_narrative_basic_spending_is_f06s(derived):
    """六 prints F06's 合计 row (人员经费, 公用经费), 上年结转 included as the table counts it."""
    from tables.document.narrative.final_sections import general_basic_section
    from tables.document.narrative.wording import wan

    _, _, total, personnel, public = derived.tables["F06"].rows[0].cells
    text = general_basic_section(derived.data, derived.tables, unit="本单位").blocks[0].text
    assert f"基本支出决算{wan(total)}万元" in text
    assert f"人员经费{wan(personnel)}万元" in text and f"公用经费{wan(public)}万元" in text


def test_document_is_a_final_through_the_budget_renderers(demo_final):
    document = document_build(submission=demo_final["final"])
    html = document_html(document)
    assert "2025年度单位决算公开" in html
    assert "演示数据" in html  # the synthetic 决算 says so on its cover
    assert "决算公开表1" in html and "决算公开表9" in html
    assert "附件：绩效自评表" in html
    # an item without 年初预算 is said so once, its 决算数 not repeated; a reason is not
    # introduced twice
    assert "年初未安排预算" in html and "年初未安排预算，决算" not in html
    assert "原因是：年中根据工作安排" not in html and "主要原因是：" in html
    assert "预算公开表1" not in html


def test_a_missing_reason_blocks_and_is_named(demo_final):
    final = demo_final["final"]
    reason = FinalReason.objects.filter(submission=final).first()
    FinalReason.objects.filter(pk=reason.pk).delete()
    findings = document_build(submission=final).findings
    assert [(f.rule_id, f.row) for f in findings if f.severity == "错误"] == [("J07", reason.key)]


def test_publishing_the_final_keeps_budget_figures_apart(demo_final, tmp_path):
    final = demo_final["final"]
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.APPROVED)
    version = submission_publish(submission_id=final.pk, actor=demo_final["admin"])
    assert version.kind == "final" and version.is_final
    assert not PublishedFigure.objects.filter(version=version).exists()
    names = {f.kind: f.file_name for f in version.files.all()}
    assert all("2025年单位决算公开" in name for name in names.values()), names
    archive = next(f for f in version.files.all() if f.kind == "csv")
    with zipfile.ZipFile(io.BytesIO(bytes(archive.content))) as zipped:
        assert sorted(zipped.namelist()) == [f"F{n:02d}.csv" for n in range(1, 10)]
    facts = version.data_json["final"]["facts"]
    assert facts["is_synthetic"] is True
    # the budget version the 决算 was held to, as the public page links it
    assert version.data_json["final"]["budget_version"] == {
        "id": demo_final["budget_version"].pk,
        "version": demo_final["budget_version"].version,
    }
    # the next year's 年初结转和结余 comes from this published 决算
    from tables.document.final import prior_closing_load

    closing = prior_closing_load(unit_id=final.unit_id, year=2026)
    assert closing["general"] == Decimal(facts["closing_general"])


def test_public_unit_page_shows_budget_and_final_side_by_side(demo_final, client):
    final = demo_final["final"]
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.APPROVED)
    version = submission_publish(submission_id=final.pk, actor=demo_final["admin"])
    page = client.get(f"/public/u/{final.unit.code}/").content.decode()
    assert "2025年预算与决算对比" in page
    assert f"/public/d/{demo_final['budget_version'].pk}/" in page
    assert f"/public/d/{version.pk}/" in page
    total = next(d for d in version.data_json["final"]["differences"] if d["key"] == "total")
    assert f'data-yuan="{Decimal(total["planned"])}"' in page
    assert f'data-yuan="{Decimal(total["actual"])}"' in page
    detail = client.get(f"/public/d/{version.pk}/").content.decode()
    assert "2025年单位决算公开" in detail
    # the 决算's page speaks of a 决算 and links its budget; the budget's page links the 决算
    budget_page = f"/public/d/{demo_final['budget_version'].pk}/"
    assert f'href="{budget_page}"' in detail
    assert "决算年度" in detail and "决算支出明细（CSV）" in detail
    assert "表一至表十四" not in detail and "预算收支明细" not in detail
    assert f'href="/public/d/{version.pk}/"' in client.get(budget_page).content.decode()
    # the budget lists stay budgets only
    listing = client.get("/public/").content.decode()
    assert f"/public/d/{version.pk}/" not in listing
    assert PublishedVersion.objects.filter(kind="final").count() == 1


def test_the_review_page_of_the_final_points_to_its_self_evaluation(demo_final, client):
    """公开表与审核意见 of the demo's 决算 (with 绩效自评表) names them and links 绩效自评, not
    the budget's 绩效目标 (a page a 决算 does not have)."""
    from django.urls import reverse

    final = demo_final["final"]
    client.force_login(demo_final["admin"])
    page = client.get(reverse("desk:review", kwargs={"pk": final.pk})).content.decode()
    assert "附件：绩效自评表" in page
    assert reverse("desk:evaluation", kwargs={"pk": final.pk}) in page
    assert reverse("performance:submission_targets", kwargs={"pk": final.pk}) not in page


def test_the_api_serves_the_published_final_and_its_tables(demo_final, client):
    """The demo's 决算, published: `/versions?kind=final` lists it, its unit's `final_years`
    name it, and its tables are 决算公开表1–9 with the snapshot's exact amounts."""
    final = demo_final["final"]
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.APPROVED)
    version = submission_publish(submission_id=final.pk, actor=demo_final["admin"])
    api = "/api/v1"

    listed = client.get(f"{api}/versions", {"kind": "final"}).json()["items"]
    assert [(v["id"], v["kind"], v["year"]) for v in listed] == [(version.pk, "final", 2025)]
    unit = client.get(f"{api}/units/{final.unit.code}").json()
    assert [y["latest_version_id"] for y in unit["final_years"]] == [version.pk]
    assert [y["latest_version_id"] for y in unit["years"]] == [demo_final["budget_version"].pk]

    tables = client.get(f"{api}/versions/{version.pk}/tables").json()["tables"]
    assert [t["code"] for t in tables] == [f"F{n:02d}" for n in range(1, 10)]
    stored = {t["code"]: t for t in version.data_json["tables"]}
    for table in tables:
        values = [row["values"] for row in table["rows"]]
        expected = [
            [None if v is None else str(v) for v in row["values"]]
            for row in stored[table["code"]]["rows"]
        ]
        assert values == expected, table["code"]
    one = client.get(f"{api}/versions/{version.pk}/tables/F01").json()
    assert one["title"] == stored["F01"]["title"] and "决算" in one["title"]
    files = client.get(f"{api}/versions/{version.pk}").json()["files"]
    assert all("决算公开" in f["file_name"] for f in files)
    assert client.get(f"{api}/versions/{version.pk}/figures").status_code == 404


def test_the_final_open_data_holds_its_lines_in_three_phases(demo_final):
    """The published 决算's open-data package is titled 决算公开 and validates (descriptor
    schema, every CSV against its fields); its budget.csv has each line with its 年初预算,
    调整预算 and 决算数, its 财政拨款 rows summing to the 预算与决算对比 totals; the stored data
    CSV is that file."""
    from tables.models import FileKind
    from tables.publication import opendata
    from tables.publication.opendata_fields import DATAPACKAGE_SCHEMA_NAME
    from tests.opendata_checks import csv_dicts, table_schema_errors

    final = demo_final["final"]
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.APPROVED)
    version = submission_publish(submission_id=final.pk, actor=demo_final["admin"])
    snapshot = version.data_json
    stored = {f.kind: bytes(f.content) for f in version.files.all()}
    with zipfile.ZipFile(io.BytesIO(stored[FileKind.OPENDATA])) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    descriptor = json.loads(files.pop("datapackage.json"))
    assert opendata.schema_errors(DATAPACKAGE_SCHEMA_NAME, descriptor) == []
    assert "2025年单位决算公开" in descriptor["title"] and "决算数" in descriptor["description"]
    assert descriptor["name"].startswith("final-2025-")
    for resource in descriptor["resources"]:
        assert table_schema_errors(files[resource["path"]], resource["schema"]) == [], resource
    measures = descriptor["model"]["measures"]
    assert {name: m["filter"] for name, m in measures.items()} == {
        phase: {"direction": "expenditure", "phase": phase}
        for phase in ("approved", "adjusted", "executed")
    }

    rows = csv_dicts(files["data/budget.csv"])
    assert files["data/budget.csv"] == stored[FileKind.DATA_CSV]
    data_csv = version.files.get(kind=FileKind.DATA_CSV)
    assert data_csv.file_name.endswith("2025年单位决算公开（决算数据）.csv")
    lines = snapshot["budget"]["lines"]
    assert len(rows) == 3 * len(lines)
    assert {r["direction"] for r in rows} == {"expenditure"}
    by_phase = {
        phase: [Decimal(r["amount"]) for r in rows if r["phase"] == phase]
        for phase in ("approved", "adjusted", "executed")
    }
    planned = snapshot["final"]["planned_amounts"]
    assert by_phase["approved"] == [Decimal(a) for a in planned]
    assert by_phase["adjusted"] == [Decimal(a) for a in snapshot["final"]["adjusted_amounts"]]
    assert by_phase["executed"] == [Decimal(line["amount"]) for line in lines]
    total = next(d for d in snapshot["final"]["differences"] if d["key"] == "total")
    fiscal = {
        phase: sum(
            Decimal(r["amount"])
            for r in rows
            if r["phase"] == phase and r["fund_code"] in ("general", "gov_fund", "state_capital")
        )
        for phase in ("approved", "executed")
    }
    assert fiscal["approved"] == Decimal(total["planned"])
    assert fiscal["executed"] == Decimal(total["actual"])
    assert sum(by_phase["executed"]) != sum(by_phase["approved"])  # the phases differ
    assert [int(r["row_no"]) for r in rows] == list(range(1, len(rows) + 1))


def test_the_years_final_csv_holds_each_published_final(demo_final, client):
    """/public/data/2025/final.csv: one header, then the rows of each unit's newest published
    决算 (here the demo's, equal to its stored data CSV), its descriptor valid and pointing at
    it; the Chinese-header variant has the same rows; before any 决算 is published, 404."""

    from django.urls import reverse

    from tables.models import FileKind
    from tables.publication import opendata
    from tables.publication.opendata_fields import DATAPACKAGE_SCHEMA_NAME
    from tests.opendata_checks import table_schema_errors

    url = reverse("public:year_final_csv", args=[2025])
    assert client.get(url).status_code == 404
    final = demo_final["final"]
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.APPROVED)
    version = submission_publish(submission_id=final.pk, actor=demo_final["admin"])
    response = client.get(url)
    assert response.status_code == 200
    assert "2025年单位决算公开数据" in unquote(response["Content-Disposition"])
    body = b"".join(response.streaming_content)
    assert body == bytes(version.files.get(kind=FileKind.DATA_CSV).content)
    described = client.get(reverse("public:year_final_datapackage", args=[2025])).json()
    assert opendata.schema_errors(DATAPACKAGE_SCHEMA_NAME, described) == []
    assert described["name"] == "final-2025-all-units"
    (resource,) = described["resources"]
    assert resource["path"].endswith(url)
    assert table_schema_errors(body, resource["schema"]) == []
    assert reverse("public:year_final_datapackage", args=[2025]) in response["Link"]
    zh = b"".join(client.get(url, {"lang": "zh"}).streaming_content)
    assert zh.startswith(b"\xef\xbb\xbf") and zh.split(b"\r\n", 1)[1] == body.split(b"\r\n", 1)[1]
    # the budget's bulk file is unchanged by it: the demo budget's rows only
    budget_rows = b"".join(client.get(reverse("public:year_csv", args=[2025])).streaming_content)
    assert b",executed," not in budget_rows


def test_commands_take_kind_final(demo_final, tmp_path):
    out = io.StringIO()
    call_command(
        "export_tables",
        unit=demo_final["final"].unit.code,
        year=2025,
        kind="final",
        out=str(tmp_path),
        stdout=out,
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"F{n:02d}.csv" for n in range(1, 10)]
    raw = (tmp_path / "F01.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any("年初结转和结余" in cell for row in rows for cell in row)

    out = io.StringIO()
    call_command(
        "check_disclosure", unit=demo_final["final"].unit.code, year=2025, kind="final", stdout=out
    )
    assert "错误" not in out.getvalue()

    target = tmp_path / "final.html"
    out = io.StringIO()
    call_command(
        "export_disclosure",
        unit=demo_final["final"].unit.code,
        year=2025,
        kind="final",
        format="html",
        output=str(target),
        stdout=out,
    )
    assert "2025年决算公开文件" in out.getvalue()
    assert "年度单位决算公开" in target.read_text(encoding="utf-8")
