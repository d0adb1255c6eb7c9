"""A unit's 决算 (`SubmissionKind.FINAL`) of a year lives beside its budget of the same year and
is published as `PublishedVersion(kind="final")`: publishing records the kind and gives only a
budget its figures and search entry, and everything that means "the budget" — the 年度总览,
开启新年度, the prior-year lookups, the 公开时限 reminders, the public lists, search, overview,
ledger, a unit's years, the open data and the API's units and figures — keeps to the budget while
a 决算 exists (the API lists a 决算 when asked: `/versions?kind=final`, `final_years`). The
public version page still serves a 决算 version by its id."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tables.desk.bureau import bureau_submissions, bureau_units, bureau_years
from tables.desk.check_counts import check_counts_refresh_year
from tables.desk.selectors import prior_published_versions, published_cell, published_table
from tables.desk.year_open import (
    PRIOR_FROM_PUBLISHED,
    published_prior_tables,
    year_open,
    year_open_default,
    year_open_rows,
)
from tables.document.disclosure import prior_year_figures
from tables.models import (
    PublishedFigure,
    PublishedSearchEntry,
    PublishedVersion,
    SubmissionCheckCounts,
)
from tables.public.citizens import citizens_unit_get
from tables.public.insight import publication_ledger, unit_versions_by_year, year_versions
from tables.public.opendata_views import opendata_year_entries, opendata_year_summary
from tables.public.views import public_disclosures
from tables.publication.search import search_entries_rebuild
from tables.publication.services import published_versions_latest, submission_publish
from tests.factories import (
    budget_unit_create,
    department_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import BudgetLine, Submission, SubmissionKind, SubmissionStatus
from units.notifications import reminders_send
from units.permissions import ADMIN
from units.selectors import submission_get, submissions_overdue

pytestmark = pytest.mark.django_db

S = SubmissionStatus
BUDGET, FINAL = SubmissionKind.BUDGET, SubmissionKind.FINAL
YEAR = 2025
UNIT_NAME = "决算隔离测试局"
API = "/api/v1"
#: what the 决算's snapshot prints in every cell the 上年数 are read from: nothing a budget
#: of synthetic lines prints, so a 上年数 taken from the 决算 shows
FINAL_CELL = "1.23"


def _cell_set(table: dict, row_label: str, column: str, value: str) -> None:
    """Write a money cell of a snapshot table, found as `published_cell` finds it."""
    index = [c["key"] for c in table["columns"]].index(column)
    for row in table["rows"]:
        values = row["values"]
        if values and (values[0] == row_label or (len(values) > 2 and values[2] == row_label)):
            values[index] = value
            return
    raise AssertionError(f"{table['code']} has no row {row_label}")


def _final_snapshot(budget: PublishedVersion) -> dict:
    """The budget's snapshot with every 上年数 cell changed (a stand-in for a 决算's data: the
    pipeline does not derive 决算 tables yet)."""
    snapshot = copy.deepcopy(budget.data_json)
    for tables in (snapshot.get("tables") or [], snapshot.get("statutory_tables") or []):
        by_code = {t["code"]: t for t in tables}
        for code, row, column in PRIOR_FROM_PUBLISHED.values():
            if code in by_code:
                _cell_set(by_code[code], row, column, FINAL_CELL)
    return snapshot


@pytest.fixture(scope="module")
def world(module_db):
    """A unit with its 2025 budget published through the publish service (批复 five days ago)
    and, beside it, its 2025 决算: a submission of kind final holding a copy of one budget line
    (年初预算 = the budget's amount), 已发布, with its version 1 (kind final) stored directly
    from a copy of the budget's snapshot whose 上年数 cells differ."""
    admin = user_with(ADMIN)
    department = department_create(name="决算隔离测试主管部门")
    unit = budget_unit_create(name=UNIT_NAME, department=department)
    approval = timezone.localdate() - datetime.timedelta(days=5)
    budget_submission = submission_create(
        unit=unit, year=YEAR, status=S.APPROVED, approval_date=approval
    )
    synthetic_budget(budget_submission, 12, seed=4)
    budget = submission_publish(submission_id=budget_submission.pk, actor=admin)

    final_submission = submission_create(unit=unit, year=YEAR, kind=FINAL, approval_date=approval)
    line = BudgetLine.objects.filter(submission=budget_submission, project__isnull=True).first()
    line.pk = None
    line.submission = final_submission
    line.planned_amount = line.amount
    line.save()
    Submission.objects.filter(pk=final_submission.pk).update(status=S.PUBLISHED)
    final = PublishedVersion.objects.create(
        submission=final_submission,
        version=1,
        kind=FINAL,
        published_by=admin,
        year=YEAR,
        unit_code=unit.code,
        unit_name=unit.name,
        department_code=department.code,
        department_name=department.name,
        approval_date=approval,
        data_json=_final_snapshot(budget),
    )
    return {
        "admin": admin,
        "unit": unit,
        "budget_submission": budget_submission,
        "budget": budget,
        "final_submission": final_submission,
        "final": final,
    }


# --- publishing -------------------------------------------------------------------------------


def test_publishing_records_the_kind_and_gives_only_a_budget_figures_and_search(world, monkeypatch):
    """The publish service copies the submission's kind onto the version; a 决算 published
    through it gets no `PublishedFigure` rows and no search entry (a budget does), and
    rebuilding the search entries still leaves it without one."""
    from tables.document import build

    real_build = build.document_build

    def build_as_budget(*, submission, **kwargs):
        # the pipeline cannot derive a 决算's tables yet: render its lines as a budget's, so
        # that what is tested is the publish service, not the 决算 tables
        submission.kind = BUDGET
        try:
            return real_build(submission=submission, **kwargs)
        finally:
            submission.kind = FINAL

    monkeypatch.setattr(build, "document_build", build_as_budget)
    submission = submission_create(
        unit=budget_unit_create(name="决算发布测试局"), year=YEAR, kind=FINAL, status=S.APPROVED
    )
    synthetic_budget(submission, 6, seed=5)

    final = submission_publish(submission_id=submission.pk, actor=world["admin"])

    final.refresh_from_db()
    assert final.kind == FINAL
    assert world["budget"].kind == BUDGET
    assert PublishedFigure.objects.filter(version=world["budget"]).exists()
    assert PublishedSearchEntry.objects.filter(version=world["budget"]).exists()
    assert not PublishedFigure.objects.filter(version=final).exists()
    assert not PublishedSearchEntry.objects.filter(version=final).exists()
    search_entries_rebuild()
    assert not PublishedSearchEntry.objects.filter(version__in=[final, world["final"]]).exists()
    assert PublishedSearchEntry.objects.filter(version=world["budget"]).exists()


# --- the bureau -------------------------------------------------------------------------------


def test_the_bureau_overview_lists_the_unit_once_with_its_budget(world, client):
    """The 年度总览 has one row for the unit, its budget (已发布), and the page renders while a
    决算 of the same year exists; the year's submissions and check counts are the budget's."""
    admin, unit = world["admin"], world["unit"]
    rows = list(bureau_units(user=admin, year=YEAR).filter(pk=unit.pk))
    assert [(r.submission_pk, r.state) for r in rows] == [
        (world["budget_submission"].pk, S.PUBLISHED)
    ]
    year_ids = set(bureau_submissions(user=admin, year=YEAR).values_list("pk", flat=True))
    assert world["budget_submission"].pk in year_ids
    assert world["final_submission"].pk not in year_ids
    assert YEAR in bureau_years()

    client.force_login(admin)
    response = client.get(reverse("desk:bureau", kwargs={"year": YEAR}), {"q": unit.code})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(reverse("desk:submission", kwargs={"pk": world["budget_submission"].pk}))
    assert reverse("desk:submission", kwargs={"pk": world["final_submission"].pk}) not in page

    check_counts_refresh_year(year=YEAR)
    assert SubmissionCheckCounts.objects.filter(submission=world["budget_submission"]).exists()
    assert not SubmissionCheckCounts.objects.filter(submission=world["final_submission"]).exists()


# --- a new year -------------------------------------------------------------------------------


def test_opening_the_next_year_takes_the_prior_figures_from_the_budget(world):
    """开启新年度 for 2026 creates the unit's 2026 budget with the 上年数 printed by its 2025
    budget, not by the 2025 决算 published after it; opening 2025 again creates nothing (the
    budget exists), whatever the 决算."""
    unit, budget, final = world["unit"], world["budget"], world["final"]
    tables = published_prior_tables(unit_ids=[unit.pk], year=YEAR)
    assert tables[unit.pk] == (
        budget.data_json.get("statutory_tables") or budget.data_json["tables"]
    )
    expected = {
        name: published_cell(published_table(budget, code), row, column)
        for name, (code, row, column) in PRIOR_FROM_PUBLISHED.items()
    }
    from_final = published_cell(published_table(final, "T01"), "收入总计", "income")
    assert from_final != expected["prior_total"]  # the test can tell them apart

    report = year_open(actor=world["admin"], year=YEAR + 1, units=[unit])

    assert report.created == [f"{unit.code} {unit.name}"]
    assert report.without_publication == []
    opened = Submission.objects.get(unit=unit, year=YEAR + 1)
    assert opened.kind == BUDGET
    assert {name: getattr(opened, name) for name in expected} == expected

    again = year_open(actor=world["admin"], year=YEAR, units=[unit])
    assert again.created == [] and again.existing == [f"{unit.code} {unit.name}"]
    assert Submission.objects.filter(unit=unit, year=YEAR).count() == 2


def test_the_year_open_page_rows_and_default_year_read_budgets(world):
    """The 开启新年度 rows show the unit's 2025 budget (已发布); a unit whose only 2025
    submission is a 决算 is not opened yet; the proposed year follows the newest budget year,
    not a later 决算's."""
    only_final = budget_unit_create(name="只有决算的单位", department=world["unit"].department)
    submission_create(unit=only_final, year=YEAR, kind=FINAL)
    rows = {r.unit.pk: r for r in year_open_rows(year=YEAR)}
    assert rows[world["unit"].pk].status_label == "已发布"
    assert rows[only_final.pk].status_label == ""
    newest_budget = max(Submission.objects.filter(kind=BUDGET).values_list("year", flat=True))
    submission_create(unit=only_final, year=newest_budget + 5, kind=FINAL)
    assert year_open_default() == newest_budget + 1


def test_the_prior_year_lookups_of_next_years_budget_find_the_budget(world):
    """For the unit's 2026 budget, last year is the 2025 budget: the narrative's 上年数 are
    derived from its lines (not the 决算's one line) and the review compares with its
    published version."""
    unit, budget = world["unit"], world["budget"]
    next_year = submission_create(unit=unit, year=YEAR + 1)

    figures = prior_year_figures(submission=next_year)

    assert figures.source == "上年填报"
    assert figures.total == published_cell(published_table(budget, "T01"), "收入总计", "income")
    assert prior_published_versions([next_year])[next_year.pk] == budget
    assert submission_get(unit_code=unit.code, year=YEAR) == world["budget_submission"]


# --- the public pages, the open data and the API ----------------------------------------------


def test_the_public_lists_show_the_budget_only(world, client):
    """The list, the search, the year's versions, the ledger, the unit's years (also as of the
    决算) and the open data of the year have the budget and not the 决算."""
    budget, final, unit = world["budget"], world["final"], world["unit"]

    def ids(versions) -> set[int]:
        return {v.pk for v in versions}

    for listed in (
        ids(published_versions_latest().filter(unit_code=unit.code)),
        ids(public_disclosures(year=YEAR, q=UNIT_NAME)),
        ids(year_versions(year=YEAR).filter(unit_code=unit.code)),
        {row.version_id for row in publication_ledger(year=YEAR) if row.unit_code == unit.code},
        {entry[0] for entry in opendata_year_entries(year=YEAR) if entry[1] == unit.code},
    ):
        assert listed == {budget.pk}
    assert ids(published_versions_latest(kind=None).filter(unit_code=unit.code)) == {
        budget.pk,
        final.pk,
    }
    assert unit_versions_by_year(unit_code=unit.code) == {YEAR: budget}
    assert unit_versions_by_year(unit_code=unit.code, as_of=final) == {YEAR: budget}
    units_published, _ = opendata_year_summary(year=YEAR)
    assert units_published == year_versions(year=YEAR).count() + (
        published_versions_latest().filter(year=YEAR, is_department=True).count()
    )

    final_link = reverse("public:disclosure", kwargs={"version_id": final.pk})
    budget_link = reverse("public:disclosure", kwargs={"version_id": budget.pk})
    for url in (
        reverse("public:list") + f"?q={UNIT_NAME}",
        reverse("public:ledger", kwargs={"year": YEAR}),
    ):
        page = client.get(url).content.decode()
        assert budget_link in page, url
        assert final_link not in page, url
    # the unit's page compares the budgets over the years, and links the 决算 only in its
    # 预算与决算对比 section
    page = client.get(reverse("public:unit", kwargs={"unit_code": unit.code})).content.decode()
    years, side_by_side = page.split('class="final-side-by-side"', 1)
    assert budget_link in years and final_link not in years
    assert final_link in side_by_side
    assert client.get(reverse("public:overview", kwargs={"year": YEAR})).status_code == 200


def test_the_version_page_still_serves_a_final_by_its_id(world, client):
    """/public/d/<id>/ of the 决算 answers (its version history is its own); the 公民预算 of a
    决算 does not exist."""
    final = world["final"]
    response = client.get(reverse("public:disclosure", kwargs={"version_id": final.pk}))
    assert response.status_code == 200
    assert response.context["version"].pk == final.pk
    assert [v.pk for v in response.context["history"]] == [final.pk]
    assert citizens_unit_get(version_id=final.pk) is None
    assert citizens_unit_get(version_id=world["budget"].pk) is not None


def test_the_api_lists_budgets_by_default_and_a_final_when_asked(world, client):
    """/units and /units/{code} list the budget under `years` and the 决算 under
    `final_years`; /versions lists the budget, `kind=final` the 决算; the 决算's id serves the
    version, its files and its tables but no figures (a Chinese 404 saying why); the ledger of
    the year has the budget."""
    budget, final, unit = world["budget"], world["final"], world["unit"]

    detail = client.get(f"{API}/units/{unit.code}").json()
    assert [v["id"] for year in detail["years"] for v in year["versions"]] == [budget.pk]
    assert [(y["year"], y["latest_version_id"]) for y in detail["final_years"]] == [
        (YEAR, final.pk)
    ]
    assert [v["id"] for v in detail["final_years"][0]["versions"]] == [final.pk]
    units = client.get(f"{API}/units", {"q": unit.code}).json()
    assert [(u["code"], u["latest_version_id"]) for u in units["items"]] == [(unit.code, budget.pk)]

    versions = client.get(f"{API}/versions", {"unit_code": unit.code}).json()
    assert [(v["id"], v["kind"]) for v in versions["items"]] == [(budget.pk, "budget")]
    finals = client.get(f"{API}/versions", {"unit_code": unit.code, "kind": "final"}).json()
    assert [(v["id"], v["kind"]) for v in finals["items"]] == [(final.pk, "final")]
    assert client.get(f"{API}/versions", {"kind": "settlement"}).status_code == 422

    for path in ("", "/tables", "/tables/T01"):
        assert client.get(f"{API}/versions/{budget.pk}{path}").status_code == 200, path
        assert client.get(f"{API}/versions/{final.pk}{path}").status_code == 200, path
    shown = client.get(f"{API}/versions/{final.pk}").json()
    assert (shown["kind"], shown["latest_version_id"]) == ("final", final.pk)
    tables = client.get(f"{API}/versions/{final.pk}/tables").json()["tables"]
    assert [t["code"] for t in tables] == [t["code"] for t in final.data_json["tables"]]
    assert client.get(f"{API}/versions/{budget.pk}/figures").status_code == 200
    refused = client.get(f"{API}/versions/{final.pk}/figures")
    assert refused.status_code == 404 and "决算" in refused.json()["detail"]

    rows = client.get(f"{API}/years/{YEAR}/ledger").json()["rows"]
    assert [r["version_id"] for r in rows if r["unit_code"] == unit.code] == [budget.pk]


def test_the_api_names_a_unit_whose_only_publication_is_a_final(world, client):
    """A 决算 published without a published budget (J06 only warns) is still reachable from
    its unit: /units/{code} lists it under `final_years`, named as it was published."""
    alone = budget_unit_create(name="只有决算公开的单位", department=world["unit"].department)
    submission = submission_create(unit=alone, year=YEAR, kind=FINAL, status=S.PUBLISHED)
    version = PublishedVersion.objects.create(
        submission=submission,
        version=1,
        kind=FINAL,
        published_by=world["admin"],
        year=YEAR,
        unit_code=alone.code,
        unit_name=alone.name,
        department_code=alone.department.code,
        department_name=alone.department.name,
        data_json=_final_snapshot(world["budget"]),
    )
    detail = client.get(f"{API}/units/{alone.code}").json()
    assert (detail["name"], detail["years"]) == (alone.name, [])
    assert [y["latest_version_id"] for y in detail["final_years"]] == [version.pk]
    assert client.get(f"{API}/units/no-such-unit").status_code == 404


# --- the 公开时限 -----------------------------------------------------------------------------


def test_reminders_and_overdue_lists_count_the_budget_only(world):
    """A unit whose budget and 决算 of the year are both unpublished with a 批复日期 past the
    公开时限 is reminded, and listed as overdue, for its budget only."""
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=40)
    unit = budget_unit_create(name="逾期测试局")
    budget = submission_create(unit=unit, year=YEAR, status=S.DRAFT, approval_date=long_ago)
    submission_create(unit=unit, year=YEAR, kind=FINAL, status=S.DRAFT, approval_date=long_ago)

    sent = [r for r in reminders_send(today=today) if r.submission.unit_id == unit.pk]

    assert [(r.submission.pk, r.kind) for r in sent] == [(budget.pk, "overdue")]
    overdue = submissions_overdue(today=today).filter(unit=unit)
    assert list(overdue.values_list("pk", flat=True)) == [budget.pk]


# --- a 部门's members -------------------------------------------------------------------------


def test_a_department_budget_waits_for_its_members_budgets_not_their_finals():
    """A member whose 决算 is 已审核 but whose budget is a 草稿 still holds the 部门预算 back;
    asked about 决算 (the kind of a 部门决算), the same member is ready."""
    from units.selectors import department_member_submissions, department_members_pending

    department = department_create(name="决算隔离测试街道")
    head = budget_unit_create(name="决算隔离测试街道（部门汇总）", department=department)
    head.consolidates_department = True
    head.save(update_fields=["consolidates_department"])
    member = budget_unit_create(name="决算隔离测试街道本级", department=department)
    budget = submission_create(unit=member, year=YEAR, status=S.DRAFT)
    final = submission_create(unit=member, year=YEAR, kind=FINAL, status=S.APPROVED)

    assert department_member_submissions(unit=head, year=YEAR) == [(member, budget)]
    assert department_members_pending(unit=head, year=YEAR) == [member.name]
    assert department_member_submissions(unit=head, year=YEAR, kind=FINAL) == [(member, final)]
    assert department_members_pending(unit=head, year=YEAR, kind=FINAL) == []
