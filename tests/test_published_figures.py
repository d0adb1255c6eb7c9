"""The figures stored beside each published version (`tables.publication.figures`) equal what
its published tables printed, read here from the stored snapshot's table cells; the search entry
is written with it."""

from decimal import Decimal

import pytest

from tables.models import PublishedFigure, PublishedSearchEntry
from tables.publication.services import submission_publish
from tests.factories import published_county_create, user_with
from units.money import cents_to_yuan
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db


def _table(version, code):
    snapshot = version.data_json
    for table in snapshot.get("statutory_tables") or snapshot["tables"]:
        if table["code"] == code:
            return table
    raise AssertionError(code)


def _cell(table, label, column_index=1):
    for row in table["rows"]:
        if label in [v for v in row["values"] if isinstance(v, str)]:
            value = row["values"][column_index]
            return Decimal(value or 0)
    raise AssertionError(label)


def _figures(version):
    return {
        (f.dimension, f.code): cents_to_yuan(f.amount)
        for f in PublishedFigure.objects.filter(version=version)
    }


def test_the_seed_figures_equal_its_published_tables(seeded_aliases, demo_approved, fast_pdf):
    submission, people = demo_approved
    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    figures = _figures(version)
    t03 = _table(version, "T03")  # 支出总表: 合计, 基本支出, 项目支出
    total_row = next(r for r in t03["rows"] if "合计" in r["values"])
    keys = [c["key"] for c in t03["columns"]]
    money = [i for i, c in enumerate(t03["columns"]) if c["kind"] == "money"]
    assert figures[("total", "expenditure")] == Decimal(total_row["values"][money[0]])
    assert figures[("kind", "basic")] + figures[("kind", "project")] == Decimal(
        total_row["values"][money[0]]
    )
    # each 功能分类 类 row of 表三 equals the stored 类 figure
    for row in t03["rows"]:
        code = row.get("code") or ""
        if len(code) == 3:
            assert figures[("function", code)] == Decimal(row["values"][money[0]]), (code, keys)
    t10 = _table(version, "T10")
    assert figures[("sangong", "total")] == _cell(t10, "合计")
    t11 = _table(version, "T11")
    assert figures[("operating", "total")] == Decimal(t11["rows"][0]["values"][1] or 0)
    entry = PublishedSearchEntry.objects.get(version=version)
    assert "003" in entry.text and "人大常委会" in entry.text and "ycxrd" in entry.text


def test_a_county_of_versions_each_get_their_own_figures(fast_pdf):
    county = published_county_create(actor=user_with(ADMIN))
    versions = [*county["history"], county["late"], county["corrected_v1"], county["corrected"]]
    totals = {v.pk: _figures(v)[("total", "expenditure")] for v in versions}
    assert len(set(totals.values())) > 1
    for version in versions:
        lines = version.data_json["budget"]["lines"]
        assert totals[version.pk] == sum(Decimal(line["amount"]) for line in lines)
