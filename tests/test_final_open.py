"""开启决算: the 决算 starts as a copy of the newest published budget version (its snapshot),
amounts at the budget, targets with an empty 绩效自评, and facts that balance."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from performance.models import (
    Indicator,
    IndicatorResult,
    KeyTask,
    ProjectTarget,
    TargetEvaluation,
    UnitTarget,
)
from tables.desk.final_open import final_open, finals_open
from tables.document.final import prior_closing_load
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    final_opened_create,
    published_budget_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.final_balance import fund_balances, line_expense_by_fund
from units.models import (
    BudgetLine,
    FinalFacts,
    GlossaryTerm,
    Project,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import submission_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def admin():
    return user_with(ADMIN)


def _balances(final):
    facts = final.final_facts
    spent = line_expense_by_fund(final.lines.values_list("fund_source", "amount"))
    return fund_balances(facts, spent)


def test_final_copies_the_published_budget(admin):
    """Lines, projects and targets are copied; 年初预算 = 调整预算 = 决算数 = the published amount."""
    version = published_budget_create(actor=admin, n_lines=12, seed=3)
    budget = version.submission
    final = final_open(unit=budget.unit, year=2025, actor=admin)

    assert final.kind == SubmissionKind.FINAL and final.status == SubmissionStatus.DRAFT
    assert final.pk != budget.pk
    published = sorted(
        (line["func_code"], line["dept_code"], Decimal(line["amount"]))
        for line in version.data_json["budget"]["lines"]
    )
    copied = list(final.lines.select_related("func_code", "dept_econ_code"))
    assert sorted((x.func_code.code, x.dept_econ_code.code, x.amount) for x in copied) == published
    assert all(x.planned_amount == x.adjusted_amount == x.amount for x in copied)
    assert sorted(final.projects.values_list("name", flat=True)) == sorted(
        budget.projects.values_list("name", flat=True)
    )
    # every project line points to the 决算's own project of the same name
    for line in final.lines.filter(project__isnull=False).select_related("project"):
        assert line.project.submission_id == final.pk
    assert {x.project.name for x in copied if x.project} == {
        x.project.name for x in budget.lines.select_related("project") if x.project
    }

    unit_target = UnitTarget.objects.get(submission=final)
    assert unit_target.strategic_goal == "战略目标" and unit_target.leader == "张三"
    assert list(
        KeyTask.objects.filter(unit_target=unit_target).values_list("function", flat=True)
    ) == ["核心职能"]
    project_target = ProjectTarget.objects.get(project__submission=final)
    assert project_target.period_local == Decimal("1000.00")
    indicators = Indicator.objects.filter(unit_target__submission=final) | Indicator.objects.filter(
        project_target__project__submission=final
    )
    assert sorted(indicators.values_list("name", "text", "scope")) == [
        ("会议次数", "≥10次", "year"),
        ("完成率", "100%", "year"),
        ("满意度", "≥90%", "period"),
    ]
    assert TargetEvaluation.objects.filter(unit_target=unit_target).get().execution_weight == 10
    assert TargetEvaluation.objects.filter(project_target=project_target).exists()
    results = IndicatorResult.objects.filter(indicator__in=indicators)
    assert results.count() == 3
    assert set(results.values_list("actual", "weight")) == {("", Decimal("0"))}
    # the 概况 and 名词解释 the budget printed
    texts = version.data_json["texts"]
    copied_texts = SubmissionText.objects.get(submission=final)
    assert (copied_texts.duties, copied_texts.organisation) == (
        texts["duties"],
        texts["organisation"],
    )
    assert [list(pair) for pair in texts["glossary"]] == [
        list(pair)
        for pair in GlossaryTerm.objects.filter(submission=final)
        .order_by("position")
        .values_list("term", "definition")
    ]
    # the budget keeps its own rows
    assert BudgetLine.objects.filter(submission=budget).count() == len(copied)
    assert UnitTarget.objects.filter(submission=budget).exists()


def test_fresh_final_balances_per_fund(admin):
    final = final_opened_create(actor=admin, n_lines=16, seed=5)
    facts = final.final_facts
    fiscal = sum(
        final.lines.filter(fund_source="general").values_list("amount", flat=True), Decimal(0)
    )
    assert facts.income_general == fiscal
    assert facts.opening_general == 0
    assert all(balance.balances for balance in _balances(final)), _balances(final)


def test_final_reads_the_snapshot_not_rows_changed_by_a_correction(admin):
    """After 更正 reopened the budget and a line changed, the 决算 still starts from what was
    published (version 1)."""
    version = published_budget_create(actor=admin, n_lines=8, seed=1, targets=False)
    budget = version.submission
    submission_transition(
        submission_id=budget.pk, actor=admin, to_status=SubmissionStatus.DRAFT, reason="更正"
    )
    line = budget.lines.order_by("id").first()
    BudgetLine.objects.filter(pk=line.pk).update(amount=line.amount + Decimal("999.00"))
    Project.objects.filter(submission=budget).update(name="更正后的名称")

    final = final_open(unit=budget.unit, year=2025, actor=admin)
    total = sum(Decimal(x["amount"]) for x in version.data_json["budget"]["lines"])
    assert sum(final.lines.values_list("planned_amount", flat=True), Decimal(0)) == total
    assert not final.projects.filter(name="更正后的名称").exists()


def test_refused_without_published_budget_and_when_open(admin):
    unit = budget_unit_create()
    submission_create(unit=unit, year=2025)  # a draft budget only
    with pytest.raises(ValidationError) as refused:
        final_open(unit=unit, year=2025, actor=admin)
    assert refused.value.messages == ["2025年预算尚未公开，不能开启决算。"]
    assert not Submission.objects.filter(unit=unit, kind="final").exists()

    final = final_opened_create(actor=admin)
    with pytest.raises(ValidationError) as again:
        final_open(unit=final.unit, year=2025, actor=admin)
    assert "已开启" in again.value.messages[0]
    assert Submission.objects.filter(unit=final.unit, kind="final").count() == 1


def test_who_may_open(admin):
    version = published_budget_create(actor=admin, targets=False)
    unit = version.submission.unit
    with pytest.raises(PermissionDenied):
        final_open(unit=unit, year=2025, actor=user_with(REVIEWER, [unit]))
    with pytest.raises(PermissionDenied):
        final_open(unit=unit, year=2025, actor=user_with(FILLER, [budget_unit_create()]))
    assert not Submission.objects.filter(unit=unit, kind="final").exists()
    final = final_open(unit=unit, year=2025, actor=user_with(FILLER, [unit]))
    assert final.is_final


def test_opening_balances_come_from_last_years_published_final(admin):
    """年初结转和结余 are what last year's PUBLISHED 决算 printed: not its rows while unpublished,
    nor rows changed after it was published."""
    unit = budget_unit_create()
    last = final_opened_create(actor=admin, year=2024, unit=unit, n_lines=6)
    FinalFacts.objects.filter(submission=last).update(
        closing_general=Decimal("1234.56"), closing_other=Decimal("10.00")
    )
    published_budget_create(actor=admin, year=2025, unit=unit, targets=False)
    # not published yet: its 年末 are not final
    assert prior_closing_load(unit_id=unit.pk, year=2025) is None
    Submission.objects.filter(pk=last.pk).update(status=SubmissionStatus.APPROVED)
    submission_publish(submission_id=last.pk, actor=admin)
    # rows changed after publication (as a 更正 would) do not move the 年初
    Submission.objects.filter(pk=last.pk).update(status=SubmissionStatus.DRAFT)
    FinalFacts.objects.filter(submission=last).update(closing_general=Decimal("1.00"))
    final = final_open(unit=unit, year=2025, actor=None)
    facts = final.final_facts
    assert facts.opening_general == Decimal("1234.56")
    assert facts.opening_other == Decimal("10.00")
    assert all(balance.balances for balance in _balances(final))


def test_carried_over_lines_open_the_year_and_are_not_income(admin):
    """Without last year's 决算, the 上年结转 lines are the 年初结转和结余 they are spent from;
    本年收入 is the year's own lines."""
    submission = submission_create(
        unit=budget_unit_create(), year=2025, status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, 12, seed=5)
    first = BudgetLine.objects.filter(submission=submission, fund_source="general").first()
    BudgetLine.objects.filter(pk=first.pk).update(is_carryover=True)
    version = submission_publish(submission_id=submission.pk, actor=admin)
    lines = version.data_json["budget"]["lines"]
    carried = sum(
        (Decimal(x["amount"]) for x in lines if x["is_carryover"] and x["fund"] == "general"),
        Decimal(0),
    )
    own = sum(
        (Decimal(x["amount"]) for x in lines if not x["is_carryover"] and x["fund"] == "general"),
        Decimal(0),
    )
    assert carried, "the synthetic budget has 上年结转 lines"
    final = final_open(unit=version.submission.unit, year=2025, actor=None)
    facts = final.final_facts
    assert facts.opening_general == carried
    assert facts.income_general == own
    assert facts.closing_general == 0
    assert all(balance.balances for balance in _balances(final))


def test_a_department_has_no_final_of_its_own_yet(admin):
    version = published_budget_create(actor=admin, targets=False)
    unit = version.submission.unit
    unit.consolidates_department = True
    unit.save(update_fields=["consolidates_department"])
    with pytest.raises(ValidationError, match="部门汇总单位"):
        final_open(unit=unit, year=2025, actor=None)


def test_finals_open_and_the_command(admin):
    opened_unit = published_budget_create(actor=admin, targets=False).submission.unit
    other = published_budget_create(actor=admin, targets=False).submission.unit
    budget_unit_create()  # no published budget: not listed
    final_open(unit=other, year=2025, actor=None)

    out = StringIO()
    call_command("open_final", "--year", "2025", stdout=out)
    text = out.getvalue()
    assert f"{opened_unit.code} {opened_unit.name}：已开启2025年决算" in text
    assert f"{other.code} {other.name}：未开启" in text
    assert "开启 1 个，未开启 1 个" in text
    assert Submission.objects.filter(kind="final", year=2025).count() == 2

    opened, skipped = finals_open(year=2025, actor=None)
    assert opened == [] and len(skipped) == 2


def test_the_bureau_opens_the_finals_of_a_year_in_the_browser_page(client, admin):
    """开启决算 on the desk: the years with published budgets and what is open; one button opens
    the rest and the page names the units opened and why the others were not."""
    from django.urls import reverse

    first = published_budget_create(actor=admin, targets=False).submission.unit
    second = published_budget_create(actor=admin, targets=False).submission.unit
    final_open(unit=first, year=2025, actor=admin)
    url = reverse("desk:finals_open")
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "2025年" in page and "为其余 1 个单位开启2025年决算" in page
    response = client.post(url, {"year": "2025"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "2025年决算：已开启 1 个单位" in text and second.name in text
    assert "决算已开启" in text  # the first unit, skipped with its reason
    assert Submission.objects.filter(unit=second, year=2025, kind=SubmissionKind.FINAL).exists()
    assert "全部已开启" in text
    assert client.post(url, {"year": "1999"}).status_code == 422

    filler = user_with(FILLER, [first])
    client.force_login(filler)
    refused = client.post(url, {"year": "2025"})
    assert refused.status_code == 403
