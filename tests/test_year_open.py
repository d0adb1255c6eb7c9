"""开启新年度 (tables.desk.year_open, the desk:year_open page and the open_year command): one
draft per unit with last year's texts, 名词解释 and projects and its 上年数 read from last year's
newest published version; nothing created twice, nothing existing changed; 财政管理员 only."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from performance.models import ProjectTarget, UnitTarget
from tables.desk.selectors import published_cell, published_table
from tables.desk.year_open import PRIOR_FROM_PUBLISHED, year_open
from tables.document.disclosure import prior_year_figures
from tables.publication.services import submission_publish
from tests.factories import budget_unit_create, department_create, submission_create, user_with
from units.models import (
    BudgetLine,
    GlossaryTerm,
    Project,
    Submission,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import submission_transition
from units.year_services import PRIOR_FIELDS

pytestmark = pytest.mark.django_db

S = SubmissionStatus


@pytest.fixture
def published_2025(demo_approved, fast_pdf):
    """The demo's 2025 submission published as version 1 (with its people)."""
    submission, people = demo_approved
    version = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    return submission, people, version


def _prior(submission) -> dict[str, Decimal | None]:
    return {name: getattr(submission, name) for name in PRIOR_FIELDS}


def test_the_mapping_covers_every_prior_field():
    """Every 上年数 field of a submission is read from one published cell, and only those."""
    assert set(PRIOR_FROM_PUBLISHED) == set(PRIOR_FIELDS)


def test_opening_2026_gives_each_unit_a_draft_with_last_years_texts_and_published_figures(
    published_2025,
):
    """Opening 2026 on the demo (2025 published) plus a new unit creates one draft per unit:
    the demo's with 2025's texts, 名词解释 and projects (no lines) and 上年数 equal to the
    published 2025 figures — the same the narrative derives from 2025; the new unit's with the
    standard texts and empty 上年数, reported as without last year's publication."""
    demo, people, version = published_2025
    newcomer = budget_unit_create(name="新设单位")

    report = year_open(actor=people[ADMIN], year=2026)

    assert sorted(report.created) == sorted(
        [f"{demo.unit.code} {demo.unit.name}", f"{newcomer.code} 新设单位"]
    )
    assert report.existing == []
    assert report.without_publication == [f"{newcomer.code} 新设单位"]
    opened = Submission.objects.get(unit=demo.unit, year=2026)
    assert (opened.status, opened.version) == (S.DRAFT, 1)

    t01 = published_table(version, "T01")
    assert opened.prior_total == published_cell(t01, "收入总计", "income")
    assert opened.prior_total == Decimal("11808898.00")
    for name, (code, row, column) in PRIOR_FROM_PUBLISHED.items():
        assert getattr(opened, name) == published_cell(published_table(version, code), row, column)
    derived = prior_year_figures(submission=opened)
    assert derived.source == "上年填报"
    assert _prior(opened) == {
        "prior_total": derived.total,
        "prior_general_current": derived.general_current,
        "prior_outbound": derived.outbound,
        "prior_reception": derived.reception,
        "prior_vehicle_purchase": derived.vehicle_purchase,
        "prior_vehicle_operation": derived.vehicle_operation,
        "prior_operating_costs": derived.operating_costs,
    }

    texts, last = SubmissionText.objects.get(submission=opened), demo.texts
    assert (texts.duties, texts.organisation) == (last.duties, last.organisation)
    assert texts.revenue_change_reason == ""  # reasons are per year
    assert list(
        GlossaryTerm.objects.filter(submission=opened).values_list("term", "definition")
    ) == list(demo.glossary_terms.values_list("term", "definition"))
    main = Project.objects.filter(submission=demo, allocation_of=None).order_by("position", "id")
    copied = Project.objects.filter(submission=opened).order_by("position")
    assert [(p.name, p.category, p.recurrence, p.period_years) for p in copied] == [
        (p.name, p.category, p.recurrence, p.period_years) for p in main
    ]
    assert not BudgetLine.objects.filter(submission=opened).exists()

    fresh = Submission.objects.get(unit=newcomer, year=2026)
    assert all(value is None for value in _prior(fresh).values())
    assert SubmissionText.objects.filter(submission=fresh).exists()
    assert GlossaryTerm.objects.filter(submission=fresh).exists()  # the standard glossary


def test_running_it_twice_creates_nothing_twice(published_2025):
    """A second run reports every unit as already there and adds no submission, text, term or
    project."""
    demo, people, _ = published_2025
    budget_unit_create(name="第二个单位")
    first = year_open(actor=people[ADMIN], year=2026)

    def counts():
        return (
            Submission.objects.count(),
            SubmissionText.objects.count(),
            GlossaryTerm.objects.count(),
            Project.objects.count(),
        )

    before = counts()
    second = year_open(actor=people[ADMIN], year=2026)

    assert len(first.created) == 2
    assert (second.created, sorted(second.existing)) == ([], sorted(first.created))
    assert counts() == before
    assert (
        "新建草稿 0 个" in second.summary() and "已有2026年填报 2 个（未改动）" in second.summary()
    )


def test_an_existing_submission_is_never_changed(published_2025):
    """A unit that already started 2026 keeps its own 上年数, texts and projects."""
    demo, people, _ = published_2025
    started = submission_create(unit=demo.unit, year=2026, prior_total=Decimal("1.00"))

    report = year_open(actor=people[ADMIN], year=2026, units=[demo.unit])

    started.refresh_from_db()
    assert report.existing == [f"{demo.unit.code} {demo.unit.name}"] and report.created == []
    assert started.prior_total == Decimal("1.00")
    assert not SubmissionText.objects.filter(submission=started).exists()
    assert not Project.objects.filter(submission=started).exists()


def test_selected_units_only(published_2025):
    """With `units`, only those are opened."""
    _, people, _ = published_2025
    chosen, other = budget_unit_create(name="选中单位"), budget_unit_create(name="未选单位")

    report = year_open(actor=people[ADMIN], year=2026, units=[chosen])

    assert report.created == [f"{chosen.code} 选中单位"]
    assert not Submission.objects.filter(unit=other, year=2026).exists()


def test_the_published_figures_are_used_not_rows_changed_by_a_correction(published_2025):
    """With 2025 reopened for 更正 and a line changed, 2026's 上年数 are still what was published
    (the rows now say 1万元 more)."""
    demo, people, version = published_2025
    submission_transition(
        submission_id=demo.pk, actor=people[ADMIN], to_status=S.DRAFT, reason="金额录入有误"
    )
    line = BudgetLine.objects.filter(submission=demo, expense_kind="public").first()
    line.amount += Decimal("10000.00")
    line.save()

    year_open(actor=people[ADMIN], year=2026)

    opened = Submission.objects.get(unit=demo.unit, year=2026)
    assert opened.prior_total == Decimal("11808898.00")
    assert prior_year_figures(submission=opened).total == Decimal("11818898.00")


def test_targets_are_copied_when_asked(published_2025):
    """With copy_targets, last year's 整体绩效目标 and the same-named projects' targets come
    along; without it, none."""
    demo, people, _ = published_2025
    other = budget_unit_create(name="不复制目标单位")
    report = year_open(actor=people[ADMIN], year=2026, units=[demo.unit], copy_targets=True)
    year_open(actor=people[ADMIN], year=2026, units=[other])

    opened = Submission.objects.get(unit=demo.unit, year=2026)
    assert report.targets_copied == [f"{demo.unit.code} {demo.unit.name}"]
    assert UnitTarget.objects.filter(submission=opened).exists()
    assert ProjectTarget.objects.filter(project__submission=opened).count() == (
        ProjectTarget.objects.filter(project__submission=demo).count()
    )
    assert "复制上年绩效目标 1 个单位" in report.summary()


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_only_an_administrator_opens_a_year(role):
    """A 填报人 or 审核人 is refused by the service and creates nothing."""
    unit = budget_unit_create()
    with pytest.raises(PermissionDenied, match="只有财政管理员可以开启新年度"):
        year_open(actor=user_with(role, [unit]), year=2026)
    assert not Submission.objects.exists()


# --- the page ---------------------------------------------------------------------------------


def test_the_page_proposes_next_year_previews_and_opens(published_2025, client):
    """The page proposes 2026 (newest year + 1) with a preview count; 开启年度 opens it and says
    what was done; a second press creates nothing more."""
    demo, people, _ = published_2025
    budget_unit_create(name="新设单位")
    client.force_login(people[ADMIN])
    url = reverse("desk:year_open")

    page = client.get(url).content.decode()
    assert 'value="2026"' in page
    assert "将新建 2 个单位的2026年草稿" in page
    assert "其中 1 个没有2025年已发布版本" in page

    ids = [str(u.pk) for u in (demo.unit,)]
    response = client.post(url, {"year": "2026", "unit": ids, "action": "open"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "已开启2026年度" in text and "新建草稿 1 个" in text
    assert Submission.objects.filter(year=2026).count() == 1

    again = client.post(url, {"year": "2026", "unit": ids, "action": "open"}).content.decode()
    assert "新建草稿 0 个" in again
    assert Submission.objects.filter(year=2026).count() == 1


def test_the_page_filters_by_department(published_2025, client):
    """Filtered by 主管部门, the list shows only its units."""
    _, people, _ = published_2025
    department = department_create(name="教育局")
    budget_unit_create(name="第一中学", department=department)
    budget_unit_create(name="卫生院")
    client.force_login(people[ADMIN])

    page = client.get(reverse("desk:year_open"), {"department": department.pk}).content.decode()

    assert "第一中学" in page and "卫生院" not in page


def test_the_page_refuses_without_a_unit_chosen(published_2025, client):
    """开启年度 with no unit ticked says so and creates nothing."""
    _, people, _ = published_2025
    client.force_login(people[ADMIN])

    response = client.post(reverse("desk:year_open"), {"year": "2026", "action": "open"})

    assert response.status_code == 422
    text = response.content.decode()
    assert "请至少勾选一个单位" in text and 'href="#year-open-units"' in text
    assert not Submission.objects.filter(year=2026).exists()


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_the_page_refuses_anyone_but_an_administrator(role, client):
    """A 填报人 or 审核人 gets the refusal page for GET and POST; nothing is created."""
    unit = budget_unit_create()
    client.force_login(user_with(role, [unit]))
    url = reverse("desk:year_open")

    assert client.get(url).status_code == 403
    response = client.post(url, {"year": "2026", "unit": [unit.pk], "action": "open"})
    assert response.status_code == 403
    assert "只有财政管理员可以开启新年度" in response.content.decode()
    assert not Submission.objects.exists()


# --- the command ------------------------------------------------------------------------------


def test_the_command_prints_the_report(published_2025):
    """open_year --year 2026 opens every unit and prints the counts; --unit limits it."""
    demo, _, _ = published_2025
    other = budget_unit_create(name="命令行单位")
    out = StringIO()

    call_command("open_year", "--year", "2026", "--unit", other.code, stdout=out)
    assert "新建草稿 1 个" in out.getvalue()
    assert not Submission.objects.filter(unit=demo.unit, year=2026).exists()

    out = StringIO()
    call_command("open_year", "--year", "2026", stdout=out)
    assert "新建草稿 1 个" in out.getvalue() and "已有2026年填报 1 个" in out.getvalue()


def test_the_command_refuses_unknown_units_and_non_administrators(published_2025):
    """An unknown unit code, or --user naming a 填报人, is refused; nothing is created."""
    demo, people, _ = published_2025
    with pytest.raises(CommandError, match="找不到单位编码"):
        call_command("open_year", "--year", "2026", "--unit", "NO-SUCH")
    with pytest.raises(CommandError, match="只有财政管理员可以开启新年度"):
        call_command("open_year", "--year", "2026", "--user", people[FILLER].username)
    assert not Submission.objects.filter(year=2026).exists()


@pytest.mark.parametrize("units", [1, 6])
def test_the_unit_list_reads_in_three_queries_whatever_its_length(units, django_assert_num_queries):
    """The page's unit list (units, the year's submissions, last year's publications) costs
    three queries for one unit or six."""
    from tables.desk.year_open import year_open_rows

    department = department_create()
    for _ in range(units):
        submission_create(unit=budget_unit_create(department=department), year=2025)

    with django_assert_num_queries(3):
        rows = year_open_rows(year=2026, department_id=department.pk)

    assert len(rows) == units and not any(r.opened or r.has_prior_publication for r in rows)
