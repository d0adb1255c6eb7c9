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


def _bare_version(*, name: str, year: int = 2025, version: int = 1, submission=None, **fields):
    """A published version inserted directly (no files, a stub snapshot): rows for the sums."""
    from tables.models import PublishedVersion
    from tests.factories import budget_unit_create, submission_create
    from units.models import SubmissionStatus

    if submission is None:
        submission = submission_create(
            unit=budget_unit_create(name=name), year=year, status=SubmissionStatus.PUBLISHED
        )
    unit = submission.unit
    return PublishedVersion.objects.create(
        submission=submission,
        version=version,
        year=year,
        unit_code=unit.code,
        unit_name=name,
        department_code=unit.department.code,
        department_name=unit.department.name,
        data_json={"schema": "budget-disclosure-snapshot/1"},
        **fields,
    )


def test_a_code_printed_under_two_names_is_one_row_of_the_year(db):
    """Two units printed 功能分类 201 under different names (one without a name): the year's
    sum is one row of 201 with the name, on the insight read and in the API."""
    from tables.public.insight import year_figures

    for name, figure_name, fen in (("甲单位", "一般公共服务支出", 200), ("乙单位", "", 100)):
        PublishedFigure.objects.create(
            version=_bare_version(name=name),
            dimension="function",
            code="201",
            name=figure_name,
            level=1,
            amount=fen,
        )
    (row,) = year_figures(year=2025, dimension="function")
    assert (row.code, row.name, row.amount) == ("201", "一般公共服务支出", Decimal("3.00"))


def test_the_ledger_takes_a_approval_date_only_a_later_version_printed(db):
    """Version 1 was published without a 批复日期; the 更正 (version 2) printed one: the ledger
    counts the days from it to the first publication."""
    import datetime

    from tables.public.insight import publication_ledger

    when = datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    first = _bare_version(name="丙单位", published_at=when)
    _bare_version(
        name="丙单位",
        version=2,
        submission=first.submission,
        published_at=when + datetime.timedelta(days=40),
        approval_date=datetime.date(2025, 2, 20),
    )
    (row,) = publication_ledger(year=2025)
    assert row.approval_date == datetime.date(2025, 2, 20)
    assert (row.days, row.on_time, row.corrected) == (9, True, True)
