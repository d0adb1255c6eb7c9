"""Four eyes: the approver is never the submitter nor the last editor, the publisher never the
submitter nor the approver (service, admin action, command); a user holds one role; changing
anyone's access needs a superuser or 用户管理, never for one's own account; every change of
access is audited."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.admin_forms import change_form_data
from tests.factories import (
    approved_submission,
    budget_unit_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import AccessChange, StatusChange, UnitAssignment
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import TransitionRefused, submission_transition, user_role_assign

User = get_user_model()


def _legacy_user(name, *roles, units=()):
    """A user holding several roles, as accounts created before roles were exclusive could."""
    user = User.objects.create_user(name, is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=roles))
    for unit in units:
        UnitAssignment.objects.create(user=user, unit=unit)
    return user


class _CleanDocument:
    findings = ()


@pytest.fixture
def submit(monkeypatch):
    """Submit through the real service, with the submit-time checks passing (what the data
    hold is not the point here)."""

    def run(submission, actor):
        with monkeypatch.context() as patched:
            patched.setattr("tables.document.build.document_build", lambda **kw: _CleanDocument())
            submission_transition(submission_id=submission.pk, actor=actor, to_status=S.SUBMITTED)

    return run


@pytest.fixture
def submitted(db, submit):
    """A demo-sized synthetic submission, submitted by its 填报人."""
    submission = submission_create(unit=budget_unit_create(name="四眼单位"))
    synthetic_budget(submission, 8)
    filler = user_with(FILLER, [submission.unit], name="filler-4e")
    submit(submission, filler)
    return submission, filler


def test_a_user_who_submitted_cannot_approve(db, submit):
    """A (legacy) account with both roles submits; its approval is refused by the service and
    nothing moves."""
    submission = submission_create(unit=budget_unit_create(name="自审单位"))
    synthetic_budget(submission, 8)
    both = _legacy_user("both-roles", FILLER, REVIEWER, units=[submission.unit])
    submit(submission, both)

    with pytest.raises(TransitionRefused, match="不能审核自己提交的填报"):
        submission_transition(submission_id=submission.pk, actor=both, to_status=S.APPROVED)

    submission.refresh_from_db()
    assert submission.status == S.SUBMITTED
    other = user_with(REVIEWER, [submission.unit], name="other-reviewer")
    submission_transition(submission_id=submission.pk, actor=other, to_status=S.APPROVED)


def test_an_edit_after_submission_by_the_reviewer_blocks_their_approval(db, submit):
    """When the newest recorded change of the data is the reviewer's own, approval is refused."""
    submission = submission_create(unit=budget_unit_create(name="改后审单位"))
    synthetic_budget(submission, 8)
    filler = user_with(FILLER, [submission.unit], name="filler-edit")
    reviewer = _legacy_user("reviewer-edit", REVIEWER, units=[submission.unit])
    submit(submission, filler)
    line = submission.lines.first()
    line._history_user = reviewer
    line.save()  # recorded in the audit trail as the reviewer's change

    with pytest.raises(TransitionRefused, match="不能审核自己最后修改过的填报"):
        submission_transition(submission_id=submission.pk, actor=reviewer, to_status=S.APPROVED)


def test_the_approver_cannot_publish(db, submit):
    """A (legacy) account that approved a version may not publish it, in the service and in the
    `publish` command; another 管理员 may."""
    from tables.publication.services import submission_publish

    submission = approved_submission("发布单位")
    both = _legacy_user("reviewer-admin", REVIEWER, ADMIN, units=[submission.unit])
    filler = user_with(FILLER, [submission.unit], name="filler-pub")
    S_ = type(submission).objects
    S_.filter(pk=submission.pk).update(status=S.DRAFT)
    submit(submission, filler)
    submission_transition(submission_id=submission.pk, actor=both, to_status=S.APPROVED)

    with pytest.raises(TransitionRefused, match="发布人不能是本版的提交人或审核人"):
        submission_publish(submission_id=submission.pk, actor=both)
    with pytest.raises(CommandError, match="四眼原则"):
        call_command(
            "publish",
            unit=submission.unit.code,
            year=submission.year,
            user=both.username,
            stdout=io.StringIO(),
        )
    submission.refresh_from_db()
    assert submission.status == S.APPROVED
    version = submission_publish(submission_id=submission.pk, actor=user_with(ADMIN, name="pub"))
    assert version.version == 1


def test_self_approval_is_refused_through_the_admin_action(submitted, submit):
    """The admin's 审核通过 action by the submitter's own (legacy two-role) account changes
    nothing and says why."""
    submission, _ = submitted
    both = _legacy_user("both-admin-path", FILLER, REVIEWER, units=[submission.unit])
    type(submission).objects.filter(pk=submission.pk).update(status=S.DRAFT)
    submit(submission, both)
    client = Client()
    client.force_login(both)

    response = client.post(
        reverse("admin:units_submission_changelist"),
        {"action": "approve", "_selected_action": [submission.pk]},
        follow=True,
    )

    assert "不能审核自己提交的填报" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == S.SUBMITTED
    assert not StatusChange.objects.filter(submission=submission, to_status=S.APPROVED).exists()


def test_roles_are_exclusive_in_the_service(db):
    """A 填报人 cannot also be made 审核人 (nor 管理员) by the service; one role is idempotent."""
    unit = budget_unit_create(name="一人一角单位")
    filler = user_with(FILLER, [unit], name="only-filler")
    user_role_assign(user=filler, role=FILLER, units=[unit])
    for role in (REVIEWER, ADMIN):
        with pytest.raises(ValidationError, match="一个用户只能担任一种角色"):
            user_role_assign(user=filler, role=role, units=[unit])
    assert list(filler.groups.values_list("name", flat=True)) == [FILLER]


def _manager(name="people-manager"):
    """A 财政管理员 who was also given 用户管理 by a superuser."""
    manager = user_with(ADMIN, name=name)
    manager.user_permissions.add(Permission.objects.get(codename="manage_user_access"))
    return User.objects.get(pk=manager.pk)


def test_roles_are_exclusive_in_the_user_form(db, admin_client):
    """The user form (even for a superuser) refuses two roles at once and saves nothing."""
    user = user_with(FILLER, name="form-filler")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = change_form_data(admin_client, url)
    data["groups"] = [str(g.pk) for g in Group.objects.filter(name__in=[FILLER, REVIEWER])]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "一个用户只能担任一种角色" in response.content.decode()
    assert list(user.groups.values_list("name", flat=True)) == [FILLER]


def test_an_administrator_without_user_management_cannot_change_people(db):
    """A plain 财政管理员 sees users but cannot change their groups or add assignments."""
    admin_user = user_with(ADMIN, name="plain-admin")
    target = user_with(FILLER, name="someone")
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[target.pk])

    assert client.get(url).status_code == 200  # a read-only view
    reviewer = Group.objects.get(name=REVIEWER)
    assert client.post(url, {"groups": [reviewer.pk]}).status_code == 403
    assert client.get(reverse("admin:units_unitassignment_add")).status_code == 403
    assert list(target.groups.values_list("name", flat=True)) == [FILLER]


def test_a_user_manager_cannot_change_their_own_access(db):
    """With 用户管理, a 财政管理员 may not change their own groups, assign themselves a unit, or
    change any group's permissions (so the right cannot grant itself anything)."""
    manager = _manager()
    unit = budget_unit_create(name="自派单位")
    client = Client()
    client.force_login(manager)

    own = reverse("admin:auth_user_change", args=[manager.pk])
    filler = Group.objects.get(name=FILLER)
    assert client.post(own, {"groups": [filler.pk]}).status_code == 403
    response = client.post(
        reverse("admin:units_unitassignment_add"), {"user": manager.pk, "unit": unit.pk}
    )
    assert response.status_code == 200
    assert "不能更改自己或超级用户的负责单位" in response.content.decode()
    group_url = reverse("admin:auth_group_change", args=[Group.objects.get(name=ADMIN).pk])
    assert client.post(group_url, {"name": ADMIN, "permissions": []}).status_code == 403
    with pytest.raises(ValidationError, match="无权更改该用户的角色"):
        user_role_assign(user=manager, role=FILLER, units=[unit], actor=manager)
    assert not UnitAssignment.objects.filter(user=manager).exists()
    assert set(manager.groups.values_list("name", flat=True)) == {ADMIN}


def test_a_user_manager_assigns_others_and_every_change_is_audited(db):
    """用户管理 may assign another user a unit and change their role; each change is an
    AccessChange row naming the actor, shown on the read-only audit list."""
    manager = _manager("auditing-manager")
    unit = budget_unit_create(name="审计单位")
    target = User.objects.create_user("newcomer")
    client = Client()
    client.force_login(manager)

    response = client.post(
        reverse("admin:units_unitassignment_add"), {"user": target.pk, "unit": unit.pk}
    )
    assert response.status_code == 302
    url = reverse("admin:auth_user_change", args=[target.pk])
    data = change_form_data(client, url)
    data["groups"] = [str(Group.objects.get(name=REVIEWER).pk)]
    assert client.post(url, data).status_code == 302

    changes = list(AccessChange.objects.filter(user=target).order_by("id"))
    assert [c.actor_id for c in changes] == [manager.pk] * len(changes)
    text = "\n".join(c.change for c in changes)
    assert f"负责单位：（无） → {unit.code} 审计单位" in text
    assert "可登录管理后台：否 → 是" in text
    assert f"角色：（无） → {REVIEWER}" in text
    listing = client.get(reverse("admin:units_accesschange_changelist")).content.decode()
    assert "newcomer" in listing and REVIEWER in listing


def test_the_role_service_is_audited(db):
    """`user_role_assign` records the role and units it gives, with the acting user."""
    unit = budget_unit_create(name="服务审计单位")
    superuser = User.objects.create_superuser("root-4e", password=None)
    user = User.objects.create_user("serviced")

    user_role_assign(user=user, role=REVIEWER, units=[unit], actor=superuser)

    changes = {c.change.split("：")[0]: c for c in AccessChange.objects.filter(user=user)}
    assert set(changes) >= {"角色", "负责单位", "可登录管理后台"}
    assert all(c.actor_id == superuser.pk for c in changes.values())
