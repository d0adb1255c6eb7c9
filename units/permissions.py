"""Roles and object-level permissions.

Three roles, each a Django group (created by migration `units/0004_roles`):

- 单位填报人 (FILLER): sees and edits the units assigned to them (`UnitAssignment`), and only
  while a submission is 草稿 or 已退回; submits for review.
- 财政审核人 (REVIEWER): sees the units assigned to them; never edits budget data; returns (with
  a reason) or approves.
- 财政管理员 (ADMIN): sees every unit; manages units, users, assignments and reference data;
  publishes and opens corrections; never edits budget data.

A superuser is treated as 财政管理员, and may in addition edit a 草稿/已退回 submission (the
break-glass account of `scripts/serve.sh`; daily work does not need one). Users need `is_staff`
to enter the admin: `units.services.user_role_assign` sets it.
"""

from __future__ import annotations

from units.models import Submission, SubmissionStatus, UnitAssignment
from units.validation import CONSOLIDATING_NO_LINES

FILLER = "单位填报人"
REVIEWER = "财政审核人"
ADMIN = "财政管理员"
ROLES = (FILLER, REVIEWER, ADMIN)

#: States in which a 填报人 may change budget data.
EDITABLE_STATUSES = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def user_roles(user) -> frozenset[str]:
    """The workflow roles of a user (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_budget_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = frozenset(names)
        user._budget_roles = cached
    return cached


def user_sees_all_units(user) -> bool:
    return ADMIN in user_roles(user)


def user_unit_ids(user) -> frozenset[int]:
    """Ids of the units assigned to a user (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_budget_unit_ids", None)
    if cached is None:
        cached = frozenset(
            UnitAssignment.objects.filter(user=user).values_list("unit_id", flat=True)
        )
        user._budget_unit_ids = cached
    return cached


def user_acts_on_unit(user, role: str, unit_id: int) -> bool:
    """Whether the user holds `role` for this unit (管理员: every unit; others: assigned)."""
    roles = user_roles(user)
    if role not in roles:
        return False
    return role == ADMIN or unit_id in user_unit_ids(user)


def submission_visible_by(user, submission: Submission) -> bool:
    roles = user_roles(user)
    if ADMIN in roles:
        return True
    return bool(roles) and submission.unit_id in user_unit_ids(user)


def submission_editable_by(user, submission: Submission) -> bool:
    """Budget data of a submission may be changed: by its unit's 填报人 (or a superuser) while
    草稿 or 已退回; never by 审核人 or 管理员."""
    if submission.status not in EDITABLE_STATUSES:
        return False
    if user is not None and user.is_active and user.is_superuser:
        return True
    return user_acts_on_unit(user, FILLER, submission.unit_id)


#: Why a submission's data cannot be changed in a state, said to whoever looks at it.
_LOCKED_STATES = {
    SubmissionStatus.SUBMITTED: "已提交审核，审核期间不能修改；如需修改，请审核人退回。",
    SubmissionStatus.APPROVED: "已审核通过，等待发布，不能修改；如需修改，请审核人撤销审核并退回。",
    SubmissionStatus.PUBLISHED: "已公开，不能修改；如有错误，请财政管理员发起“更正”。",
}


def submission_edit_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not change `submission`'s data now, in Chinese (the state first, then the
    role); None when `submission_editable_by` allows it. Pages say it beside a read-only view."""
    if submission_editable_by(user, submission):
        return None
    if submission.status not in EDITABLE_STATUSES:
        return _LOCKED_STATES.get(
            submission.status, f"当前状态为{submission.get_status_display()}，不能修改。"
        )
    roles = user_roles(user)
    if FILLER in roles:
        return "您不是本单位的填报人，只能查看。"
    if REVIEWER in roles:
        return "财政审核人只能查看和审核，单位填写的内容由本单位填报人修改。"
    if ADMIN in roles:
        return "财政管理员只能查看，单位填写的内容由本单位填报人修改。"
    return "您没有填报权限，只能查看。"


def submission_lines_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not add or change budget lines and projects of `submission` now, in
    Chinese; None when they may. A 部门汇总单位 never takes lines (its texts it does, by
    `submission_edit_refusal`); otherwise the rule of `submission_edit_refusal`."""
    if submission.unit.consolidates_department:
        return CONSOLIDATING_NO_LINES
    return submission_edit_refusal(user, submission)


#: the dedicated 用户管理 permission (units.models.UnitAssignment.Meta.permissions)
MANAGE_ACCESS = "units.manage_user_access"


def user_may_manage_access(actor, target=None) -> bool:
    """Whether `actor` may change users' roles, units, groups and permissions — of `target` if
    given. A superuser may; so may an active holder of 用户管理, but never for their own account
    or a superuser's (so it cannot grant itself anything, nor reach past itself). Roles alone
    (财政管理员 included) give no such right: who approves and publishes must not also decide
    who fills in and reviews."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if not actor.has_perm(MANAGE_ACCESS):
        return False
    if target is None:
        return True
    return target.pk != actor.pk and not target.is_superuser


def year_settings_refusal(user) -> str | None:
    """Why `user` may not change a year's settings (公开表样式), None when they may: the
    财政管理员 (and a superuser) only."""
    if ADMIN in user_roles(user):
        return None
    return "只有财政管理员可以设置年度的公开表样式。"
