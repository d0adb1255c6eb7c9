"""批复日期 set on a submission's desk by a 财政管理员 (desk:submission_approval): a 决算's 公开时限
starts this way; the date is checked by kind (a 决算 is approved after its year); other roles
and published submissions are refused and nothing changes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import final_opened_create, user_with
from units.models import Submission, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER
from units.workflow import due_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]


@pytest.fixture
def final():
    return final_opened_create(n_lines=4, seed=3)


def _post(client, submission, date: str):
    return client.post(
        reverse("desk:submission_approval", kwargs={"pk": submission.pk}), {"date": date}
    )


def test_the_admin_sets_a_finals_approval_date_on_its_desk(client, final):
    admin = user_with(ADMIN)
    client.force_login(admin)
    desk = reverse("desk:submission", kwargs={"pk": final.pk})
    page = client.get(desk).content.decode()
    assert 'id="approval-heading"' in page and "设置批复日期" in page

    response = _post(client, final, f"{final.year + 1}-03-05")
    assert response.status_code == 302 and response["Location"] == desk
    final.refresh_from_db()
    assert final.approval_date == datetime.date(final.year + 1, 3, 5)
    shown = client.get(desk).content.decode()
    assert "已将" in shown and "公开截止日期为" in shown
    due = due_date(final.approval_date)
    assert f"{due.year}年{due.month}月{due.day}日" in shown


def test_a_finals_approval_date_before_its_year_ended_is_refused(client, final):
    client.force_login(user_with(ADMIN))
    response = _post(client, final, f"{final.year}-12-31")
    assert response.status_code == 403  # the desk's refusal page
    assert f"{final.year}年度决算的批复日期不能早于{final.year + 1}年1月1日" in (
        response.content.decode()
    )
    final.refresh_from_db()
    assert final.approval_date is None


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_other_roles_get_no_form_and_are_refused(client, final, role):
    client.force_login(user_with(role, [final.unit]))
    desk = reverse("desk:submission", kwargs={"pk": final.pk})
    assert 'id="approval-heading"' not in client.get(desk).content.decode()
    response = _post(client, final, f"{final.year + 1}-03-05")
    assert response.status_code == 403
    assert "只有财政管理员可以设置批复日期" in response.content.decode()
    final.refresh_from_db()
    assert final.approval_date is None


def test_a_published_submission_keeps_its_date(client, final):
    budget = final.unit.submissions.get(kind="budget")
    assert budget.status == SubmissionStatus.PUBLISHED
    before = budget.approval_date
    client.force_login(user_with(ADMIN))
    assert (
        'id="approval-heading"'
        not in client.get(reverse("desk:submission", kwargs={"pk": budget.pk})).content.decode()
    )
    response = _post(client, budget, f"{budget.year}-03-05")
    assert response.status_code == 403 and "已发布" in response.content.decode()
    assert Submission.objects.get(pk=budget.pk).approval_date == before
