"""The one decision of who may make which workflow move on a submission in its current state.

`submission_action_refusal` says why a user may not move a submission to a state (or None when
they may); `submission_actions` lists the moves a user may make now. The transition service
(`units.services.submission_transition`) asks the first under the row lock, and every page asks
the second to decide which buttons to show, so a button is shown exactly when the service would
accept it (apart from the check findings, which the service weighs at 提交 and the page lists).
"""

from __future__ import annotations

from dataclasses import dataclass

from units.models import StatusChange, Submission, SubmissionStatus
from units.permissions import (
    ADMIN,
    EDITABLE_STATUSES,
    FILLER,
    REVIEWER,
    user_acts_on_unit,
    user_roles,
)
from units.selectors import department_members_pending, department_pending_message
from units.workflow import TRANSITIONS, Transition, status_label, transition_for


@dataclass(frozen=True)
class Action:
    """A move a user may make: the target state and the workflow's description of it."""

    to_status: str
    transition: Transition

    @property
    def label(self) -> str:
        return self.transition.action

    @property
    def reason_required(self) -> bool:
        return self.transition.reason_required


def _last_editor_id(submission: Submission) -> int | None:
    """Who made the newest recorded change of the submission's budget data (None: a command or
    an import without a user)."""
    from units.history import TRACKED, submission_changes_queryset

    newest = submission_changes_queryset(submission_id=submission.pk).first()
    if newest is None:
        return None
    kind, history_id, _ = newest
    model = TRACKED[kind].model
    return (
        model.history.filter(history_id=history_id)
        .values_list("history_user_id", flat=True)
        .first()
    )


def four_eyes_conflict(submission: Submission, actor, target: str) -> str | None:
    """Why `actor` may not make this move under the four-eyes rule, or None: the approver is
    neither the user who submitted this version nor the last to edit its data; the publisher
    neither submitted nor approved it."""
    actor_id = getattr(actor, "pk", None)
    if actor_id is None or target not in (SubmissionStatus.APPROVED, SubmissionStatus.PUBLISHED):
        return None
    moves = dict(
        StatusChange.objects.filter(
            submission=submission,
            version=submission.version,
            to_status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED],
        )
        .order_by("at", "id")
        .values_list("to_status", "actor_id")
    )  # the newest of each kind wins
    if target == SubmissionStatus.APPROVED:
        if moves.get(SubmissionStatus.SUBMITTED) == actor_id:
            return "审核人不能审核自己提交的填报（四眼原则），请由另一位审核人审核。"
        if _last_editor_id(submission) == actor_id:
            return "审核人不能审核自己最后修改过的填报（四眼原则），请由另一位审核人审核。"
        return None
    if actor_id in (moves.get(SubmissionStatus.SUBMITTED), moves.get(SubmissionStatus.APPROVED)):
        return "发布人不能是本版的提交人或审核人（四眼原则），请由另一位财政管理员发布。"
    return None


def submission_action_refusal(user, submission: Submission, to_status: str) -> str | None:
    """Why `user` may not move `submission` (in its current state) to `to_status`, in Chinese;
    None when the workflow table, the user's role and unit, and the four-eyes rule allow it — and,
    for a 部门汇总单位's 提交, when every member's budget is already 已审核 or 已发布.
    The reason (退回, 更正) and the check findings are the service's to weigh."""
    target = SubmissionStatus(to_status)
    name = f"{submission.unit.name} {submission.year}年"
    move = transition_for(submission.status, target)
    if move is None:
        return (
            f"「{name}」当前状态为{status_label(submission.status)}，不能改为{target.label}"
            "（可能已被他人处理，请刷新页面）。"
        )
    if not any(user_acts_on_unit(user, role, submission.unit_id) for role in move.roles):
        return (
            f"无权对「{name}」执行“{move.action}”：需要{'或'.join(sorted(move.roles))}角色"
            "并负责该单位。"
        )
    conflict = four_eyes_conflict(submission, user, target)
    if conflict:
        return f"「{name}」：{conflict}"
    if target in DEPARTMENT_MEMBER_MOVES and submission.unit.consolidates_department:
        # asked again at 审核通过 and 发布: a member returned or reopened meanwhile would
        # otherwise be published as missing from its 部门
        pending = department_members_pending(
            unit=submission.unit, year=submission.year, kind=submission.kind
        )
        if pending:
            return f"「{name}」：{department_pending_message(pending)}"
    return None


#: the moves of a 部门汇总单位 that need every member approved (or published) first
DEPARTMENT_MEMBER_MOVES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.APPROVED,
    SubmissionStatus.PUBLISHED,
)


def submission_actions(user, submission: Submission) -> list[Action]:
    """The workflow moves `user` may make on `submission` now, in the workflow's order."""
    return [
        Action(to_status, move)
        for (from_status, to_status), move in TRANSITIONS.items()
        if from_status == submission.status
        and submission_action_refusal(user, submission, to_status) is None
    ]


# --- 审核意见 ------------------------------------------------------------------------------


def review_comment_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not write an 审核意见 on `submission` now, or None: only a 审核人 of its
    unit, and only while it is 已提交 (the comments of a return are written before it)."""
    name = f"「{submission.unit.name} {submission.year}年」"
    if not user_acts_on_unit(user, REVIEWER, submission.unit_id):
        return f"无权对{name}写审核意见：需要财政审核人角色并负责该单位。"
    if submission.status != SubmissionStatus.SUBMITTED:
        return (
            f"{name}当前状态为{submission.get_status_display()}，只有已提交的填报才能写审核意见"
            "（可能已被他人处理，请刷新页面）。"
        )
    return None


def review_comment_resolve_refusal(user, submission: Submission, comment=None) -> str | None:
    """Why `user` may not mark an 审核意见 of `submission` 已处理, or None: only a 填报人 of its
    unit, while it is 草稿 or 已退回 (being corrected), and only a comment still open."""
    name = f"「{submission.unit.name} {submission.year}年」"
    if not user_acts_on_unit(user, FILLER, submission.unit_id):
        return f"无权处理{name}的审核意见：需要单位填报人角色并负责该单位。"
    if submission.status not in EDITABLE_STATUSES:
        return (
            f"{name}当前状态为{submission.get_status_display()}，只有草稿或已退回的填报才能"
            "标记审核意见已处理（可能已被他人处理，请刷新页面）。"
        )
    if comment is not None and comment.resolved_at is not None:
        return "这条审核意见已经标记为已处理。"
    return None


# --- 导入列映射 ----------------------------------------------------------------------------


def header_mapping_save_refusal(user) -> str | None:
    """Why `user` may not save or change the bureau's import column mappings, or None: only a
    财政管理员 may (a 填报人 uses the saved ones; a mapping applies to every unit's files)."""
    if ADMIN in user_roles(user):
        return None
    return "只有财政管理员可以保存或修改导入列映射；填报人可以选用已保存的映射。"


# --- 科目 accepted from an import file --------------------------------------------------------

#: What anyone but a 财政管理员 is told about codes missing from the year's table.
CODE_ACCEPT_ASK = "请联系财政局接收这些科目（只有财政管理员可以把新科目加入本年度科目表）。"


def code_accept_refusal(user) -> str | None:
    """Why `user` may not accept codes an import file gave as `code##name` into a year's table,
    or None: only a 财政管理员 (the bureau keeps the code tables)."""
    if ADMIN in user_roles(user):
        return None
    return CODE_ACCEPT_ASK


# --- 决算 -------------------------------------------------------------------------------------


def final_open_refusal(user, unit) -> str | None:
    """Why `user` may not open `unit`'s 决算 of a year, or None: a 财政管理员 (every unit) or a
    填报人 of the unit (the 决算 is the unit's own accounts, typed by the unit)."""
    if ADMIN in user_roles(user) or user_acts_on_unit(user, FILLER, unit.pk):
        return None
    return f"无权开启「{unit.name}」的决算：需要财政管理员角色，或本单位的单位填报人角色。"


def approval_date_refusal(user, submission: Submission) -> str | None:
    """Why `user` may not set the 批复日期 of `submission` on its desk, or None: only a
    财政管理员 (the unit does not start its own 公开时限), and not once published (the
    version keeps the date it was published with)."""
    if ADMIN not in user_roles(user):
        return "只有财政管理员可以设置批复日期。"
    if submission.status == SubmissionStatus.PUBLISHED:
        return f"「{submission}」已发布，批复日期保持发布时的日期。"
    return None
