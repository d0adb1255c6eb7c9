"""Role-aware pages in real Chromium: on a submission's desk page, each role sees exactly the
workflow buttons the decision function (`units.decisions.submission_actions`) allows, in every
state; a forged POST of each hidden move answers the Chinese refusal page and changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from tests.browser import PASSWORD, axe_serious, chromium_browser, desk_login
from tests.factories import synthetic_submission, user_with
from units.decisions import submission_actions
from units.models import StatusChange, Submission
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def _forged_move(page, base, submission, to_status):
    """POST a move as a forged form would: the session's cookies and CSRF token, no button."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(
        f"{base}/desk/{submission.pk}/move/",
        form={"to_status": to_status, "reason": "伪造的请求"},
        headers={"X-CSRFToken": token, "Referer": f"{base}/desk/{submission.pk}/"},
    )


def test_buttons_equal_the_decision_and_hidden_moves_are_refused(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    submission = synthetic_submission(4, validate=True)
    people = {
        role: user_with(role, units, f"user-{number}", password=PASSWORD)
        for number, (role, units) in enumerate(
            ((FILLER, [submission.unit]), (REVIEWER, [submission.unit]), (ADMIN, []))
        )
    }
    base = live_server.url
    checked = 0
    with chromium_browser() as browser:
        for role, user in people.items():
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(30_000)
            desk_login(page, base, user.username)
            for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.PUBLISHED):
                Submission.objects.filter(pk=submission.pk).update(status=state)
                current = Submission.objects.select_related("unit").get(pk=submission.pk)
                page.goto(f"{base}/desk/{submission.pk}/")
                shown = {
                    b.get_attribute("data-action")
                    for b in page.locator("button[data-action]").all()
                }
                allowed = {a.to_status for a in submission_actions(user, current)}
                assert shown == allowed, (role, state)
                if state == S.DRAFT:
                    assert axe_serious(page) == [], role
                hidden = {to for (frm, to) in TRANSITIONS if frm == state} - allowed
                hidden |= {to for to in S.values if (state, to) not in TRANSITIONS}
                moves_before = StatusChange.objects.count()
                for to_status in sorted(hidden):
                    response = _forged_move(page, base, current, to_status)
                    assert response.status == 403, (role, state, to_status)
                    text = response.text()
                    assert "操作未执行" in text and "数据没有任何改动" in text
                    assert f'href="/desk/{submission.pk}/"' in text  # links back
                    checked += 1
                assert Submission.objects.get(pk=submission.pk).status == state
                assert StatusChange.objects.count() == moves_before
            context.close()
    # every role was refused something in some state
    assert checked > 30
