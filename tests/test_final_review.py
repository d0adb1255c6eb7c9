"""公开表与审核意见 of a 决算 (desk:review): the reviewer's queue opens it, it prints 决算公开表1–9
(no prior-year column: they compare 年初预算 and 决算数 themselves), and 审核意见 are written on
their rows, seen by the 填报人 after a return and marked 已处理; a 决算's comment names a 决算
table, never a budget's."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tables.desk.review import row_labels
from tables.document.final import final_derive
from tests.factories import final_opened_create, user_with
from units.models import ReviewComment, Submission, SubmissionStatus
from units.permissions import FILLER, REVIEWER
from units.services import review_comment_add, submission_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]
S = SubmissionStatus


@pytest.fixture
def submitted():
    """A synthetic 决算, 已提交, with its unit's 填报人 and 审核人."""
    final = final_opened_create(n_lines=6, seed=5)
    Submission.objects.filter(pk=final.pk).update(status=S.SUBMITTED)
    final.refresh_from_db()
    people = {
        FILLER: user_with(FILLER, [final.unit], name="决算填报人"),
        REVIEWER: user_with(REVIEWER, [final.unit], name="决算审核人"),
    }
    return final, people


def test_the_reviewer_opens_a_final_from_the_queue_and_comments_on_a_row(submitted, client):
    final, people = submitted
    review = reverse("desk:review", kwargs={"pk": final.pk})
    client.force_login(people[REVIEWER])
    home = client.get(reverse("desk:home")).content.decode()
    assert review in home  # 开始审核

    page = client.get(review)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="F01"' in text and "收入支出决算总表" in text
    # a 决算's tables compare 年初预算 and 决算数 themselves: no prior-year column
    assert "年公开数" not in text and "review-prior-note" not in text
    assert reverse("performance:submission_targets", args=[final.pk]) not in text
    assert "写审核意见" in text
    assert ">公开表与审核意见<" in text  # the 决算's own tab

    label = row_labels(final_derive(submission=final).tables["F01"])[0]
    row_form = client.get(
        reverse("desk:review_comment_row", kwargs={"pk": final.pk, "table": "F01", "row": 0})
    )
    assert row_form.status_code == 200 and label in row_form.content.decode()
    response = client.post(
        reverse("desk:review_comment_add", kwargs={"pk": final.pk}),
        {"table": "F01", "row": label, "text": "请说明收入总计的变化。"},
    )
    comment = ReviewComment.objects.get(submission=final)
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    assert (comment.table, comment.row) == ("F01", label)
    assert "请说明收入总计的变化。" in client.get(review).content.decode()

    # returned, the 填报人 sees it beside its row and marks it 已处理
    submission_transition(
        submission_id=final.pk, actor=people[REVIEWER], to_status=S.RETURNED, reason="请修改"
    )
    client.force_login(people[FILLER])
    seen = client.get(review).content.decode()
    assert "请说明收入总计的变化。" in seen and "处理这条意见" in seen
    resolved = client.post(
        reverse("desk:review_comment_resolve", kwargs={"pk": final.pk, "comment": comment.pk}),
        {"resolution": "已核对"},
    )
    assert resolved.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == people[FILLER] and comment.resolution == "已核对"


def test_a_final_comment_names_a_final_table_and_a_budget_comment_a_budget_table(submitted):
    final, people = submitted
    with pytest.raises(ValidationError, match="公开表不存在"):
        review_comment_add(
            submission=final, author=people[REVIEWER], table="T02", row="x", text="意见"
        )
    assert not ReviewComment.objects.filter(submission=final).exists()
    budget = final.unit.submissions.get(kind="budget")
    Submission.objects.filter(pk=budget.pk).update(status=S.SUBMITTED)
    budget.refresh_from_db()
    with pytest.raises(ValidationError, match="公开表不存在"):
        review_comment_add(
            submission=budget, author=people[REVIEWER], table="F01", row="x", text="意见"
        )
