"""Entering a 决算 at the desk: 决算明细 row by row and 收支情况, by the unit's 填报人 while 草稿
only, through `units.final_services` (nothing half-saved, Chinese errors naming the field)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import final_opened_create, published_budget_create, user_with
from units.concurrency import TOKEN_FIELD
from units.final_services import final_facts_update, final_line_update
from units.models import BudgetLine, FinalFacts, Submission, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def final():
    return final_opened_create(n_lines=8, seed=2)


@pytest.fixture
def filler(final):
    return user_with(FILLER, [final.unit])


def _line(final):
    return final.lines.order_by("id").first()


def test_filler_saves_one_row_and_sees_the_rate(client, final, filler):
    line = _line(final)
    planned = line.planned_amount
    client.force_login(filler)
    url = reverse("desk:final_lines", kwargs={"pk": final.pk})
    response = client.post(
        url, {"line_id": line.pk, "adjusted_amount": "", "amount": str(planned * 2)}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == planned * 2
    assert line.planned_amount == planned  # never written
    assert line.adjusted_amount == planned  # blank: the 年初预算
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "200.00%" in text
    assert "决算明细" in text and "收支情况" in text
    # budget-only tabs are hidden on a 决算
    assert reverse("desk:lines", kwargs={"pk": final.pk}) not in text


def test_bad_amount_is_refused_naming_the_field(client, final, filler):
    line = _line(final)
    client.force_login(filler)
    response = client.post(
        reverse("desk:final_lines", kwargs={"pk": final.pk}),
        {"line_id": line.pk, "adjusted_amount": "-5", "amount": "abc"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "决算数不是有效的数字" in text and "调整预算不能为负数" in text
    before = line.amount
    line.refresh_from_db()
    assert line.amount == before


def test_no_edit_after_submit_nor_by_a_reviewer(client, final, filler):
    line = _line(final)
    reviewer = user_with(REVIEWER, [final.unit])
    with pytest.raises(PermissionDenied):
        final_line_update(
            submission=final, line_id=line.pk, actor=reviewer, adjusted_amount="", amount="1"
        )
    with pytest.raises(PermissionDenied):
        final_facts_update(submission=final, actor=user_with(ADMIN), values={"income_other": "1"})
    Submission.objects.filter(pk=final.pk).update(status=SubmissionStatus.SUBMITTED)
    client.force_login(filler)
    response = client.post(
        reverse("desk:final_lines", kwargs={"pk": final.pk}),
        {"line_id": line.pk, "adjusted_amount": "", "amount": "1"},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        final_facts_update(submission=final, actor=filler, values={"income_other": "1"})
    assert BudgetLine.objects.get(pk=line.pk).amount == line.amount
    assert FinalFacts.objects.get(submission=final).income_other == 0


def test_services_refuse_a_budget_submission(final, filler):
    budget = Submission.objects.get(unit=final.unit, year=final.year, kind="budget")
    with pytest.raises(ValidationError, match="不是决算"):
        final_line_update(
            submission=budget,
            line_id=budget.lines.first().pk,
            actor=filler,
            adjusted_amount="",
            amount="1",
        )


def test_facts_saved_all_or_nothing(client, final, filler):
    client.force_login(filler)
    url = reverse("desk:final_facts", kwargs={"pk": final.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "不平衡" not in page.content.decode()  # a fresh 决算 balances

    facts = FinalFacts.objects.get(submission=final)
    form = dict.fromkeys(("income_other", "outbound_groups"), "")
    form.update({"income_other": "1,000.50", "outbound_groups": "x"})
    response = client.post(url, form)
    assert response.status_code == 422
    assert "因公出国（境）团组数应为不小于0的整数" in response.content.decode()
    facts.refresh_from_db()
    assert facts.income_other == 0  # the good field was not saved either

    response = client.post(url, {"income_other": "1,000.50", "outbound_groups": "2"})
    assert response.status_code == 302
    facts.refresh_from_db()
    assert facts.income_other == Decimal("1000.50") and facts.outbound_groups == 2
    page = client.get(url).content.decode()
    assert "不平衡" in page  # 其他资金 now has 1000.50 more income than spent and kept
    # the fields a form leaves out keep what is stored
    closing = facts.closing_general
    assert client.post(url, {"outbound_persons": "5"}).status_code == 302
    facts.refresh_from_db()
    assert facts.outbound_persons == 5 and facts.income_other == Decimal("1000.50")
    assert facts.closing_general == closing and facts.outbound_groups == 2


def test_facts_saved_on_a_stale_page_are_refused(client, final, filler):
    """A page loaded before someone else saved the 收支情况 cannot write over it."""
    client.force_login(filler)
    url = reverse("desk:final_facts", kwargs={"pk": final.pk})
    token = client.get(url).context["token"]
    final_facts_update(submission=final, actor=filler, values={"outbound_groups": "3"})
    response = client.post(url, {TOKEN_FIELD: token, "outbound_groups": "7"})
    assert response.status_code == 422
    assert "您的修改没有保存" in response.content.decode()
    assert FinalFacts.objects.get(submission=final).outbound_groups == 3


def test_open_final_from_the_budget_desk(client):
    admin = user_with(ADMIN)
    version = published_budget_create(actor=admin, targets=False)
    filler = user_with(FILLER, [version.submission.unit])
    client.force_login(filler)
    overview = client.get(reverse("desk:submission", kwargs={"pk": version.submission.pk}))
    assert "开启2025年决算" in overview.content.decode()
    response = client.post(reverse("desk:final_open", kwargs={"pk": version.submission.pk}))
    final = Submission.objects.get(unit=version.submission.unit, kind="final")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:final_lines", kwargs={"pk": final.pk})
    assert client.get(reverse("desk:submission", kwargs={"pk": final.pk})).status_code == 200


def test_reviewer_reads_only_and_budget_has_no_final_pages(client, final):
    reviewer = user_with(REVIEWER, [final.unit])
    client.force_login(reviewer)
    page = client.get(reverse("desk:final_lines", kwargs={"pk": final.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "只能查看" in text and 'name="amount"' not in text
    facts = client.get(reverse("desk:final_facts", kwargs={"pk": final.pk})).content.decode()
    assert "只能查看" in facts and "保存收支情况" not in facts
    budget = Submission.objects.get(unit=final.unit, year=final.year, kind="budget")
    assert client.get(reverse("desk:final_lines", kwargs={"pk": budget.pk})).status_code == 404


def test_a_line_added_in_the_year_has_no_planned_amount(client, final, filler):
    """追加: 年初预算 0, 调整预算 and 决算数 the amount typed; a bad one saves nothing."""
    template = final.lines.filter(project=None).select_related("func_code", "dept_econ_code")[0]
    fields = {
        "action": "add",
        "func": f"{template.func_code.code} {template.func_code.name}",
        "dept": template.dept_econ_code.code,
        "gov": "",
        "expense_kind": template.expense_kind,
        "fund_source": template.fund_source,
        "amount": "8,000.00",
        "note": "追加",
    }
    client.force_login(filler)
    url = reverse("desk:final_lines", kwargs={"pk": final.pk})
    before = final.lines.count()
    refused = client.post(url, {**fields, "amount": "8.001"})
    assert refused.status_code == 422
    assert final.lines.count() == before
    response = client.post(url, fields)
    assert response.status_code == 302
    added = BudgetLine.objects.get(submission=final, note="追加")
    assert added.planned_amount == 0
    assert added.adjusted_amount == added.amount == Decimal("8000.00")


def test_the_added_line_form_suggests_codes_and_projects(client, final, filler):
    """The 追加 form's code and project pickers answer on a 决算 as on a budget."""
    client.force_login(filler)
    codes = client.get(
        reverse("desk:code_suggestions", kwargs={"pk": final.pk}),
        {"field": "func", "func": "201"},
    )
    assert codes.status_code == 200 and "<option" in codes.content.decode()
    projects = client.get(reverse("desk:project_suggestions", kwargs={"pk": final.pk}))
    assert projects.status_code == 200
