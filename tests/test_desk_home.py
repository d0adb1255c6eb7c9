"""我的待办: per role, what to do next — the accountant's submissions (returned first, with the
reviewer's reason), the reviewer's queue (oldest submission first, with the findings and the
change against last year's published total), everything for a 管理员."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tables.desk.selectors import review_queue
from tables.publication.services import submission_publish
from tests.factories import (
    approved_submission,
    submission_create,
    synthetic_budget,
    synthetic_submission,
    user_with,
)
from units.models import StatusChange
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200
    return response.content.decode()


def _cards(content: str) -> list[str]:
    return re.findall(r'<article class="todo-card[^"]*".*?</article>', content, flags=re.S)


def test_returned_submission_comes_first_with_reason_who_and_when(client):
    draft = synthetic_submission(4, validate=True)
    unit = draft.unit
    returned = submission_create(unit=unit, year=draft.year - 1)
    synthetic_budget(returned, 4, validate=True)
    filler = user_with(FILLER, [unit])
    reviewer = user_with(REVIEWER, [unit], name="审核员")
    reviewer.first_name = "李审核"
    reviewer.save()
    # (the synthetic projects have no 绩效目标, so the state is set, not moved through 提交)
    returned.status = S.RETURNED
    returned.save()
    StatusChange.objects.create(
        submission=returned,
        from_status=S.SUBMITTED,
        to_status=S.RETURNED,
        actor=reviewer,
        reason="请补充说明",
    )
    cards = _cards(_home(client, filler))
    assert len(cards) == 2
    assert f"{returned.year}年" in cards[0] and "已退回" in cards[0]
    assert "请补充说明" in cards[0] and "李审核" in cards[0]
    moved = StatusChange.objects.get(submission=returned, to_status=S.RETURNED).at
    local = timezone.localtime(moved)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in cards[0]
    assert "修改退回的问题" in cards[0]
    assert f"{draft.year}年" in cards[1] and "继续填报" in cards[1]
    assert "请补充说明" not in cards[1]


def test_deadline_days_left_and_overdue(client):
    today = timezone.localdate()
    due_soon = synthetic_submission(2, validate=True)
    due_soon.approval_date = today - datetime.timedelta(days=5)
    due_soon.save()
    late = submission_create(unit=due_soon.unit, year=due_soon.year - 1)
    late.approval_date = today - datetime.timedelta(days=23)
    late.save()
    content = _home(client, user_with(FILLER, [due_soon.unit]))
    assert "还剩 15 天" in content
    assert "已逾期 3 天" in content


def test_counts_of_errors_and_warnings_are_shown(client, demo):
    content = _home(client, user_with(FILLER, [demo.unit]))
    # the seed's faults: 3 错误 (P01, P07 twice) and 3 警告
    assert "错误 3" in content and "警告 3" in content


def test_reviewer_queue_is_oldest_first_with_change_against_last_year(client, fast_pdf):
    admin = user_with(ADMIN, name="发布人")
    last_year = approved_submission("比较单位", year=2024, seed=1, n_lines=8)
    version = submission_publish(submission_id=last_year.pk, actor=admin)
    first = submission_create(unit=last_year.unit, year=2025)
    synthetic_budget(first, 10, seed=2, validate=True)
    second = synthetic_submission(6, seed=3, validate=True)
    not_mine = synthetic_submission(3, seed=4, validate=True)
    for submission, name in ((second, "先提交的单位"), (not_mine, "别人负责的单位")):
        submission.unit.name = name
        submission.unit.save()
    reviewer = user_with(REVIEWER, [first.unit, second.unit])
    for days_ago, submission in ((1, first), (2, second), (3, not_mine)):
        submission.status = S.SUBMITTED
        submission.save()
        move = StatusChange.objects.create(
            submission=submission, from_status=S.DRAFT, to_status=S.SUBMITTED
        )
        StatusChange.objects.filter(pk=move.pk).update(
            at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    # the second was submitted earlier than the first: it leads the queue
    rows = review_queue(user=reviewer)
    assert [row.submission.pk for row in rows] == [second.pk, first.pk]
    published_total = Decimal(
        next(
            row["values"][1]
            for row in next(t for t in version.data_json["tables"] if t["code"] == "T01")["rows"]
            if row["values"][0] == "收入总计"
        )
    )
    assert rows[1].prior_total == published_total
    assert rows[1].change == rows[1].total - published_total
    assert rows[0].prior_total is None
    content = _home(client, reviewer)
    assert content.index(second.unit.name) < content.index(first.unit.name)
    assert not_mine.unit.name not in content
    assert "上年未公开" in content
    assert "开始审核" in content


def test_admin_sees_every_submission(client, demo):
    other = synthetic_submission(2)
    other.unit.name = "另一个单位"
    other.unit.save()
    content = _home(client, user_with(ADMIN))
    assert demo.unit.name in content and other.unit.name in content


def test_anonymous_visitor_goes_to_the_public_list(client):
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302 and response.url == reverse("public:list")
