"""Workflow moves from a submission's desk: each through the one transition service, 发布
through the publication service (a version with its files, in the background), and a bare move
to 已发布 refused everywhere."""

import pytest
from django.urls import reverse

from tables.models import PublishedVersion
from units.models import StatusChange
from units.models import SubmissionStatus as S
from units.services import TransitionRefused, submission_transition

pytestmark = pytest.mark.django_db


def _move(client, user, submission, to_status, **extra):
    client.force_login(user)
    return client.post(
        reverse("desk:move", kwargs={"pk": submission.pk}), {"to_status": to_status, **extra}
    )


def test_publish_button_publishes_a_version_through_the_queue(client, demo_approved, fast_pdf):
    submission, people = demo_approved
    from units.permissions import ADMIN

    response = _move(client, people[ADMIN], submission, S.PUBLISHED)
    assert response.status_code == 302
    assert "/progress/" in response.url
    submission.refresh_from_db()
    assert submission.status == S.PUBLISHED
    version = PublishedVersion.objects.get(submission=submission)
    assert version.files.filter(kind="pdf").exists()


def test_a_bare_move_to_published_is_refused(demo_approved):
    submission, people = demo_approved
    from units.permissions import ADMIN

    with pytest.raises(TransitionRefused, match="发布须由发布功能完成"):
        submission_transition(
            submission_id=submission.pk, actor=people[ADMIN], to_status=S.PUBLISHED
        )
    submission.refresh_from_db()
    assert submission.status == S.APPROVED
    assert not PublishedVersion.objects.filter(submission=submission).exists()


def test_return_needs_a_reason_and_says_so_in_chinese(client, demo_approved):
    submission, people = demo_approved
    from units.permissions import REVIEWER

    before = StatusChange.objects.count()
    response = _move(client, people[REVIEWER], submission, S.RETURNED)
    assert response.status_code == 403
    assert "必须填写原因" in response.content.decode()
    assert StatusChange.objects.count() == before
    response = _move(client, people[REVIEWER], submission, S.RETURNED, reason="请补充")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == S.RETURNED


def test_a_refusal_asked_by_htmx_sends_the_browser_back_with_the_reason(client, demo_approved):
    """A fragment refused (here: a comment form once the submission is no longer 已提交) is not
    a 403 htmx would drop silently: the browser goes back, the reason shown there."""
    submission, people = demo_approved
    from units.permissions import REVIEWER

    client.force_login(people[REVIEWER])
    url = reverse("desk:review_comment_row", kwargs={"pk": submission.pk, "table": "T01", "row": 0})
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("desk:review", kwargs={"pk": submission.pk}))
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "操作未执行" in page and "只有已提交的填报才能写审核意见" in page
