"""The review workflow: the transition table for every role, reasons, the submit check against
错误 findings, the audit rows, and the 公开时限 (due date and overdue list)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests.factories import budget_unit_create, submission_create, synthetic_submission, user_with
from units.models import StatusChange
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.selectors import submissions_overdue
from units.services import TransitionRefused, submission_transition
from units.workflow import TRANSITIONS, due_date

pytestmark = pytest.mark.django_db

User = get_user_model()
ALL = list(S)


@pytest.fixture
def unit():
    return budget_unit_create(name="甲单位")


@pytest.fixture
def actors(unit):
    other = budget_unit_create(name="乙单位")
    return {
        FILLER: user_with(FILLER, [unit]),
        REVIEWER: user_with(REVIEWER, [unit]),
        ADMIN: user_with(ADMIN),
        "other_filler": user_with(FILLER, [other]),
        "other_reviewer": user_with(REVIEWER, [other]),
    }


def _moves():
    for from_status in ALL:
        for to_status in ALL:
            if from_status != to_status:
                yield from_status, to_status


@pytest.mark.parametrize(("from_status", "to_status"), list(_moves()))
@pytest.mark.parametrize("who", [FILLER, REVIEWER, ADMIN, "other_filler", "other_reviewer"])
def test_transition_table(monkeypatch, unit, actors, who, from_status, to_status):
    """Exactly the moves in TRANSITIONS succeed, and only for their role on an assigned unit."""
    monkeypatch.setattr("tables.document.build.document_build", _clean_document)
    submission = submission_create(unit=unit, status=from_status)
    move = TRANSITIONS.get((from_status, to_status))
    allowed = move is not None and who in move.roles
    # 已发布 only by the publication service, which says so (the table still decides who)
    publishing = to_status == S.PUBLISHED
    if allowed:
        result = submission_transition(
            submission_id=submission.pk,
            actor=actors[who],
            to_status=to_status,
            reason="原因",
            publishing=publishing,
        )
        assert result.submission.status == to_status
        assert StatusChange.objects.filter(submission=submission).count() == 1
    else:
        with pytest.raises(TransitionRefused):
            submission_transition(
                submission_id=submission.pk,
                actor=actors[who],
                to_status=to_status,
                reason="原因",
                publishing=publishing,
            )
        submission.refresh_from_db()
        assert submission.status == from_status
        assert not StatusChange.objects.exists()


class _CleanDocument:
    findings = []


def _clean_document(*, submission, is_draft=True):
    return _CleanDocument()


@pytest.mark.parametrize(
    ("from_status", "to_status", "role"),
    [(S.SUBMITTED, S.RETURNED, REVIEWER), (S.PUBLISHED, S.DRAFT, ADMIN)],
)
def test_reason_required(unit, actors, from_status, to_status, role):
    """退回 and 更正 are refused without a reason (blank counts as none)."""
    submission = submission_create(unit=unit, status=from_status)
    with pytest.raises(TransitionRefused, match="必须填写原因"):
        submission_transition(
            submission_id=submission.pk, actor=actors[role], to_status=to_status, reason="  "
        )
    submission.refresh_from_db()
    assert submission.status == from_status


def test_status_change_records_the_move(unit, actors):
    """A move writes who, from, to and the reason."""
    submission = submission_create(unit=unit, status=S.SUBMITTED)
    submission_transition(
        submission_id=submission.pk, actor=actors[REVIEWER], to_status=S.RETURNED, reason="表三不平"
    )
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status) == (S.SUBMITTED, S.RETURNED)
    assert change.actor == actors[REVIEWER]
    assert change.reason == "表三不平"
    assert change.at is not None


def test_submit_refused_while_errors_remain():
    """A 10% change without a reason (N01) is a 错误: 提交 is refused and the errors listed."""
    submission = synthetic_submission(10)
    submission.prior_total = Decimal("1.00")
    submission.save()
    filler = user_with(FILLER, [submission.unit])
    with pytest.raises(TransitionRefused) as refused:
        submission_transition(submission_id=submission.pk, actor=filler, to_status=S.SUBMITTED)
    assert "错误" in refused.value.messages[0]
    assert any("N01" in message for message in refused.value.messages[1:])
    submission.refresh_from_db()
    assert submission.status == S.DRAFT
    assert not StatusChange.objects.exists()


def test_submit_allowed_on_a_clean_submission():
    """A valid synthetic submission (basic spending only, so no 绩效目标 are due) submits; its
    warnings are returned for the reviewer and kept in the audit row."""
    submission = synthetic_submission(30)
    submission.lines.exclude(project=None).delete()
    submission.projects.all().delete()
    filler = user_with(FILLER, [submission.unit])
    result = submission_transition(submission_id=submission.pk, actor=filler, to_status=S.SUBMITTED)
    assert result.submission.status == S.SUBMITTED
    change = StatusChange.objects.get()
    for warning in result.warnings:
        assert warning in change.reason


def test_repeated_request_makes_one_move(unit, actors):
    """A double click: the second approve sees 已审核 and is refused with a clear message."""
    submission = submission_create(unit=unit, status=S.SUBMITTED)
    submission_transition(submission_id=submission.pk, actor=actors[REVIEWER], to_status=S.APPROVED)
    with pytest.raises(TransitionRefused, match="当前状态为已审核"):
        submission_transition(
            submission_id=submission.pk, actor=actors[REVIEWER], to_status=S.APPROVED
        )
    assert StatusChange.objects.count() == 1


def test_correction_starts_the_next_version(unit, actors):
    """更正 reopens a published submission as a 草稿 of version n+1."""
    submission = submission_create(unit=unit, status=S.PUBLISHED)
    result = submission_transition(
        submission_id=submission.pk, actor=actors[ADMIN], to_status=S.DRAFT, reason="更正表五"
    )
    assert (result.submission.status, result.submission.version) == (S.DRAFT, 2)
    assert result.change.version == 2


def test_superuser_acts_as_admin(unit):
    """A superuser may publish (管理员) but not approve (审核人)."""
    boss = User.objects.create_superuser("boss", password="x")
    submission = submission_create(unit=unit, status=S.SUBMITTED)
    with pytest.raises(TransitionRefused):
        submission_transition(submission_id=submission.pk, actor=boss, to_status=S.APPROVED)
    submission_create(unit=budget_unit_create(), status=S.APPROVED)
    approved = submission_create(unit=budget_unit_create(), status=S.APPROVED)
    submission_transition(
        submission_id=approved.pk, actor=boss, to_status=S.PUBLISHED, publishing=True
    )


def test_approval_leaves_approval_date_as_entered(unit, actors):
    """审核通过 is not the 批复: it sets no 批复日期 (the bureau enters it), and keeps one
    already entered."""
    submission = submission_create(unit=unit, status=S.SUBMITTED)
    result = submission_transition(
        submission_id=submission.pk, actor=actors[REVIEWER], to_status=S.APPROVED
    )
    assert result.submission.approval_date is None
    submission.refresh_from_db()
    assert submission.approval_date is None
    kept = submission_create(
        unit=budget_unit_create(), status=S.SUBMITTED, approval_date=datetime.date(2025, 1, 10)
    )
    reviewer = user_with(REVIEWER, [kept.unit])
    result = submission_transition(submission_id=kept.pk, actor=reviewer, to_status=S.APPROVED)
    assert result.submission.approval_date == datetime.date(2025, 1, 10)


def test_due_date_is_twenty_days_after_approval():
    """公开时限: 批复日期 + 20 days; none without a 批复日期."""
    assert due_date(datetime.date(2025, 1, 10)) == datetime.date(2025, 1, 30)
    assert due_date(None) is None


def test_overdue_selector():
    """Overdue: past 批复日期 + 20 days and not published; the due day itself is not overdue."""
    today = datetime.date(2025, 3, 1)
    approval = {
        "late_draft": (S.DRAFT, datetime.date(2025, 2, 1)),
        "late_submitted": (S.SUBMITTED, datetime.date(2025, 2, 1)),
        "late_approved": (S.APPROVED, datetime.date(2025, 1, 1)),
        "due_today": (S.APPROVED, datetime.date(2025, 2, 9)),
        "published": (S.PUBLISHED, datetime.date(2025, 1, 1)),
        "no_date": (S.DRAFT, None),
    }
    made = {
        key: submission_create(
            unit=budget_unit_create(name=key), status=status, approval_date=approved
        )
        for key, (status, approved) in approval.items()
    }
    overdue = list(submissions_overdue(today=today))
    assert overdue == [made["late_approved"], made["late_draft"], made["late_submitted"]]
