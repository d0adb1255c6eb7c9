"""Open data: the JSON snapshot validates against its published schema (and a broken
one does not); the Fiscal Data Package's descriptor validates, each CSV matches its declared
fields, and its numbers equal the published tables; the bulk CSV of a year holds the newest
published version of every unit and nothing else, sums per unit to 表一, streams in a bounded
number of queries, revalidates by ETag; the public pages link it all. Anonymous client."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator

from tables.models import FileKind
from tables.publication import opendata, opendata_fields
from tables.publication.services import submission_publish
from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from tests.opendata_checks import MONEY_TEXT, csv_dicts, table_schema_errors
from units.models import BudgetLine, Submission, SubmissionStatus
from units.permissions import ADMIN
from units.services import submission_transition

pytestmark = pytest.mark.django_db

S = SubmissionStatus
SNAPSHOT = opendata_fields.SNAPSHOT_SCHEMA_NAME
DATAPACKAGE = opendata_fields.DATAPACKAGE_SCHEMA_NAME


# --- helpers -----------------------------------------------------------------------------------


def table(snapshot: dict, code: str) -> dict:
    return next(t for t in snapshot["tables"] if t["code"] == code)


def t01_totals(snapshot: dict) -> tuple[Decimal, Decimal]:
    """表一 收入总计 and 支出总计 (exact 元) from a snapshot."""
    last = table(snapshot, "T01")["rows"][-1]["values"]
    assert last[0] == "收入总计" and last[2] == "支出总计"
    return Decimal(last[1]), Decimal(last[3])


def is_current(row) -> bool:
    return row["is_carryover"] == "false"


def sums_by_direction(rows) -> dict[str, Decimal]:
    sums = defaultdict(Decimal)
    for row in rows:
        sums[row["direction"]] += Decimal(row["amount"])
    return dict(sums)


def stored(version, kind) -> bytes:
    return bytes(version.files.get(kind=kind).content)


def publish_unit(admin, *, name, code, year=2025, n_lines=10, seed=0):
    unit = budget_unit_create(name=name, code=code)
    submission = submission_create(unit=unit, year=year, status=S.APPROVED)
    synthetic_budget(submission, n_lines, seed=seed)
    return submission, submission_publish(submission_id=submission.pk, actor=admin)


def year_csv_url(year):
    return reverse("public:year_csv", args=[year])


# --- the demo: snapshot, package, numbers --------------------------------------------------------


def test_demo_open_data_validates_and_equals_the_published_tables(demo_approved, client):
    """The published demo's JSON validates against the snapshot schema, its datapackage.json
    against the descriptor schema, each CSV against its fields, and the CSVs' numbers equal the
    tables: 表一 totals, 表二/表三 by 功能分类, every table cell, every narrative figure."""
    submission, people = demo_approved
    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    snapshot = json.loads(stored(version, FileKind.JSON))
    assert opendata.schema_errors(SNAPSHOT, snapshot) == []

    with zipfile.ZipFile(io.BytesIO(stored(version, FileKind.OPENDATA))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    descriptor = json.loads(files.pop("datapackage.json"))
    assert opendata.schema_errors(DATAPACKAGE, descriptor) == []
    assert descriptor["profile"] == "fiscal-data-package"
    assert descriptor["model"]["measures"]["amount"] == {
        "source": "amount",
        "resource": "budget",
        "currency": "CNY",
        "factor": 1,
        "phase": "approved",
    }
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(files) == {r["path"] for r in resources.values()}
    for resource in resources.values():
        content = files[resource["path"]]
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert table_schema_errors(content, resource["schema"]) == [], resource["name"]
    budget_bytes = files[resources["budget"]["path"]]
    assert budget_bytes == stored(version, FileKind.DATA_CSV)

    # 表一: revenue rows sum to 收入总计, expenditure rows to 支出总计
    budget = csv_dicts(budget_bytes)
    income_total, expense_total = t01_totals(snapshot)
    assert sums_by_direction(budget) == {"revenue": income_total, "expenditure": expense_total}
    assert income_total == Decimal("11808898.00")
    assert len([r for r in budget if r["direction"] == "expenditure"]) == (
        BudgetLine.objects.filter(submission=submission).count()
    )
    assert {r["unit_code"] for r in budget} == {"003"} and {r["version"] for r in budget} == {"1"}

    # 表二 (current year by fund, carry-over) and 表三 (total, basic, project) by 功能分类
    spending = [r for r in budget if r["direction"] == "expenditure"]

    def total(code, keep=lambda row: True):
        return sum(
            (
                Decimal(r["amount"])
                for r in spending
                if r["func_item_code"].startswith(code) and keep(r)
            ),
            Decimal("0.00"),
        )

    coded = 0
    for row in table(snapshot, "T02")["rows"]:
        if not row["code"]:
            continue
        coded += 1
        keys = [c["key"] for c in table(snapshot, "T02")["columns"]]
        values = dict(zip(keys, row["values"], strict=True))
        assert Decimal(values["total"]) == total(row["code"], is_current), row["code"]
        for fund in ("general", "gov_fund", "state_capital", "special_account", "unit_funds"):
            assert Decimal(values[fund]) == total(
                row["code"], lambda r, f=fund: is_current(r) and r["fund_code"] == f
            )
        assert Decimal(values["carryover"]) == total(
            row["code"], lambda r: r["is_carryover"] == "true"
        )
    for row in table(snapshot, "T03")["rows"]:
        if not row["code"]:
            continue
        code, _, all_, basic, project = row["values"]
        assert Decimal(all_) == total(code)
        assert Decimal(basic) == total(code, lambda r: r["basic_or_project"] == "基本支出")
        assert Decimal(project) == total(code, lambda r: r["basic_or_project"] == "项目支出")
    assert coded > 10

    # every amount cell of the 14 tables, both ways
    expected = {}
    for t in snapshot["tables"]:
        keys = [c["key"] for c in t["columns"]]
        kinds = [c["kind"] for c in t["columns"]]
        for row_no, row in enumerate(t["rows"], start=1):
            for key, kind, value in zip(keys, kinds, row["values"], strict=True):
                if kind == "money":
                    assert value is None or MONEY_TEXT.match(value), (t["code"], row_no, key)
                    if value is not None:
                        expected[(t["code"], str(row_no), key)] = Decimal(value)
    cells = csv_dicts(files[resources["table_cells"]["path"]])
    assert {
        (c["table_code"], c["row_no"], c["column_key"]): Decimal(c["amount"]) for c in cells
    } == (expected)
    assert len(cells) == len(expected)
    first = next(c for c in cells if c["table_code"] == "T01")
    assert (first["row_label"], first["amount"]) == ("一、一般公共预算", "11759498.00")

    figures = csv_dicts(files[resources["narrative_figures"]["path"]])
    assert {f["figure"]: f["amount"] for f in figures} == {
        name: value or "" for name, value in snapshot["narrative"]["figures"].items()
    }


def test_a_broken_snapshot_fails_its_schema():
    """The snapshot schema rejects what readers must never see: a float amount, an amount
    without its 2 places, a missing unit, a 16th table (14 statutory and a 部门's 分单位 table at
    most), an unknown fund."""
    from pathlib import Path

    schema = json.loads(Path(opendata.schema_path(SNAPSHOT)).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    line = {
        "func_code": "2010101",
        "dept_code": "30101",
        "gov_code": "50101",
        "expense_kind": "personnel",
        "fund": "general",
        "is_carryover": False,
        "project_id": None,
        "amount": "100.00",
    }
    good_table = {
        "code": "T01",
        "number": 1,
        "label": "预算公开表1",
        "title": "t",
        "unit_name": "u",
        "money_unit": "万元",
        "note": "",
        "is_empty": False,
        "columns": [{"key": "x", "kind": "money"}],
        "header": [["x"]],
        "rows": [{"level": 0, "code": "", "values": ["100.00"], "display": ["0.01"]}],
    }
    document = {
        "schema": "budget-disclosure-snapshot/1",
        "unit": {
            "code": "001",
            "name": "单位",
            "kind": "admin",
            "department_code": "001",
            "department_name": "部门",
        },
        "year": 2025,
        "version": 1,
        "published_at": "2025-01-20T08:00:00+00:00",
        "approval_date": None,
        "reason": "",
        "tables": [good_table] * 14,
        "narrative": {
            "sections": [],
            "charts": [],
            "changes": [],
            "figures": {"收入总计": "100.00"},
        },
        "texts": {},
        "budget": {
            "unit": {
                "code": "001",
                "name": "单位",
                "kind": "admin",
                "department_code": "001",
                "department_name": "部门",
            },
            "year": 2025,
            "lines": [line],
            "projects": [],
            "code_names": {"func": {"2010101": "行政运行"}},
        },
        "targets": {},
        "target_tables": [],
        "findings": [],
    }
    assert opendata.schema_errors(SNAPSHOT, document) == []

    def broken(change):
        bad = copy.deepcopy(document)
        change(bad)
        return opendata.schema_errors(SNAPSHOT, bad)

    assert broken(lambda d: d["budget"]["lines"][0].update(amount=100.0))
    assert broken(lambda d: d["budget"]["lines"][0].update(amount="100.5"))
    assert broken(lambda d: d["budget"]["lines"][0].update(fund="lottery"))
    assert broken(lambda d: d["narrative"]["figures"].update(收入总计=1.5))
    assert broken(lambda d: d.pop("unit"))
    assert broken(lambda d: d["tables"].extend([good_table, good_table]))
    assert broken(lambda d: d.update(schema="budget-disclosure-snapshot/2"))


def test_schemas_are_served_and_are_valid_json_schemas(client):
    """Both schemas are public at stable URLs, as JSON Schema 2020-12 documents; others 404."""
    for name in opendata_fields.SCHEMA_NAMES:
        response = client.get(reverse("public:schema", args=[name]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/schema+json"
        schema = json.loads(response.content)
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == reverse("public:schema", args=[name])
        url = reverse("public:schema", args=[name])
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get("/public/schemas/settings.json").status_code == 404
    assert client.get("/public/schemas/..%2Fmodels.json").status_code == 404


# --- the bulk CSV of a year ---------------------------------------------------------------------


def test_bulk_csv_holds_each_published_unit_and_sums_to_its_table_one(fast_pdf, client):
    """Three published units, a draft and an approved-unpublished one: the bulk CSV has one
    header, the three units' stored rows by unit code, per-unit sums by direction equal to each
    表一 收入总计 / 支出总计, and nothing of the other two; it matches its datapackage.json."""
    admin = user_with(ADMIN, name="publisher")
    published = [
        publish_unit(admin, name=f"公开单位{code}", code=code, n_lines=8 + i, seed=i)
        for i, code in enumerate(["203", "101", "150"])
    ]
    for name, code, status in (("草稿单位", "120", S.DRAFT), ("已审核单位", "130", S.APPROVED)):
        submission = submission_create(unit=budget_unit_create(name=name, code=code), status=status)
        synthetic_budget(submission, 5)
    other_year = publish_unit(admin, name="上年单位", code="110", year=2024)

    response = client.get(year_csv_url(2025))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "public, max-age=300"
    content = b"".join(response.streaming_content)
    assert content.count(opendata.csv_header()) == 1 and content.startswith(opendata.csv_header())

    rows = csv_dicts(content)
    codes = [r["unit_code"] for r in rows]
    assert codes == sorted(codes) and set(codes) == {"101", "150", "203"}
    for submission, version in published:
        mine = [r for r in rows if r["unit_code"] == submission.unit.code]
        income_total, expense_total = t01_totals(version.data_json)
        assert sums_by_direction(mine) == {"revenue": income_total, "expenditure": expense_total}
        assert opendata.csv_body(stored(version, FileKind.DATA_CSV)) in content
    assert other_year[1].data_json["unit"]["name"] not in content.decode()

    descriptor = client.get(reverse("public:year_datapackage", args=[2025]))
    assert descriptor.status_code == 200
    descriptor = descriptor.json()
    assert opendata.schema_errors(DATAPACKAGE, descriptor) == []
    (resource,) = descriptor["resources"]
    assert resource["path"] == "http://testserver" + year_csv_url(2025)
    assert table_schema_errors(content, resource["schema"]) == []
    assert "共3个单位" in descriptor["description"]

    again = client.get(year_csv_url(2025), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_correction_replaces_version_one_in_the_bulk_csv(fast_pdf, client):
    """After 更正 and republication the bulk CSV carries version 2's rows only (and a new
    ETag); version 1 stays downloadable on its own page."""
    admin = user_with(ADMIN, name="publisher")
    submission, v1 = publish_unit(admin, name="更正单位", code="301")
    before = client.get(year_csv_url(2025))
    b"".join(before.streaming_content)

    submission_transition(
        submission_id=submission.pk, actor=admin, to_status=S.DRAFT, reason="金额录入有误"
    )
    line = BudgetLine.objects.filter(submission=submission).first()
    line.amount += Decimal("10000.00")
    line.save()
    # Straight back to 已审核, as `approved_synthetic` in test_publication does: the synthetic
    # budget has no 绩效目标, which would block 提交审核; publishing does not re-run checks.
    Submission.objects.filter(pk=submission.pk).update(status=S.APPROVED)
    v2 = submission_publish(submission_id=submission.pk, actor=admin)

    after = client.get(year_csv_url(2025), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    rows = csv_dicts(b"".join(after.streaming_content))
    assert {r["version"] for r in rows} == {"2"}
    sums = sums_by_direction(rows)
    assert (
        sums["expenditure"]
        == t01_totals(v2.data_json)[1]
        == (t01_totals(v1.data_json)[1] + Decimal("10000.00"))
    )
    assert client.get(reverse("public:disclosure", args=[v1.pk])).status_code == 200


def test_a_year_without_publications_answers_404(fast_pdf, client):
    """No published unit (only drafts and approved ones) → the bulk CSV and its descriptor 404."""
    submission = submission_create(unit=budget_unit_create(name="未公开单位"), status=S.APPROVED)
    synthetic_budget(submission, 5)
    assert client.get(year_csv_url(2025)).status_code == 404
    assert client.get(reverse("public:year_datapackage", args=[2025])).status_code == 404
    assert client.get(year_csv_url(1999)).status_code == 404


def test_bulk_csv_queries_do_not_grow_with_units(fast_pdf, client):
    """Streaming the bulk CSV takes the same small number of queries for 2 units as for 4."""
    admin = user_with(ADMIN, name="publisher")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(year_csv_url(2025))
            b"".join(response.streaming_content)
        return len(queries)

    for i in range(2):
        publish_unit(admin, name=f"单位{i}", code=f"4{i:02d}", n_lines=5, seed=i)
    small = count_queries()
    for i in range(2, 4):
        publish_unit(admin, name=f"单位{i}", code=f"4{i:02d}", n_lines=5, seed=i)
    large = count_queries()
    assert small == large <= 4


def test_public_pages_link_the_open_data(fast_pdf, client):
    """The list page links each year's bulk CSV and descriptor and both schemas; a version page
    links its package, its budget CSV, the year's bulk CSV and the schemas."""
    admin = user_with(ADMIN, name="publisher")
    _, version = publish_unit(admin, name="链接单位", code="501")
    listing = client.get(reverse("public:list")).content.decode()
    assert year_csv_url(2025) in listing
    assert reverse("public:year_datapackage", args=[2025]) in listing
    for name in opendata_fields.SCHEMA_NAMES:
        assert reverse("public:schema", args=[name]) in listing
    page = client.get(reverse("public:disclosure", args=[version.pk])).content.decode()
    assert "开放数据" in page and year_csv_url(2025) in page
    for kind in (FileKind.OPENDATA, FileKind.DATA_CSV):
        file = version.files.get(kind=kind)
        assert reverse("public:file", args=[file.pk, file.file_name]) in page
        response = client.get(reverse("public:file", args=[file.pk, file.file_name]))
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == file.sha256


def test_a_version_without_a_stored_budget_csv_is_built_from_its_snapshot(fast_pdf, client):
    """A version stored before the open-data files existed (snapshot, no budget CSV) still
    appears in the bulk CSV, with the rows its stored snapshot gives, at its unit-code place."""
    from tables.models import PublishedVersion

    admin = user_with(ADMIN, name="publisher")
    _, version = publish_unit(admin, name="新单位", code="602")
    old_unit = budget_unit_create(name="旧单位", code="601")
    snapshot = copy.deepcopy(version.data_json)
    snapshot["unit"] |= {"code": "601", "name": "旧单位"}
    PublishedVersion.objects.create(
        submission=submission_create(unit=old_unit, status=S.PUBLISHED),
        version=1,
        year=2025,
        unit_code="601",
        unit_name="旧单位",
        department_code=old_unit.department.code,
        department_name=old_unit.department.name,
        data_json=snapshot,
    )
    response = client.get(year_csv_url(2025))
    content = b"".join(response.streaming_content)
    assert content == (
        opendata.csv_header()
        + opendata.csv_body(opendata.budget_csv(snapshot))
        + opendata.csv_body(stored(version, FileKind.DATA_CSV))
    )
