"""The review workflow as data: statuses, the allowed moves and who may make each.

    草稿 ──提交审核(填报人)──▶ 已提交 ──审核通过(审核人)──▶ 已审核 ──发布(管理员)──▶ 已发布
      ▲                       │  ▲                        │                        │
      │                  退回(审核人)  重新提交(填报人)   撤销审核(审核人)             │
      │                       ▼  │                        ▼                        │
      │                      已退回 ◀──────────────────────                          │
      └──────────────────────────── 更正(管理员，版本号+1) ◀───────────────────────────┘

A move not in `TRANSITIONS` is refused. Every move goes through
`units.services.submission_transition`, which locks the row, checks this table, the actor's role
and unit assignment, and writes a `StatusChange`.

更正 (correction): a published submission is reopened on the same row as a 草稿 with
`version + 1`; it is reviewed again and published as the next version, while the artifacts
stored for the previous version stay available.

公开时限: a unit must publish within `DISCLOSURE_DAYS` days after 批复 (`approval_date`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER

DISCLOSURE_DAYS = 20


@dataclass(frozen=True)
class Transition:
    action: str  # what the button says
    roles: frozenset[str]
    reason_required: bool = False
    blocks_on_errors: bool = False  # refused while 错误 findings remain
    new_version: bool = False  # 更正: the next version starts


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, S.SUBMITTED): Transition("提交审核", frozenset({FILLER}), blocks_on_errors=True),
    (S.RETURNED, S.SUBMITTED): Transition("重新提交", frozenset({FILLER}), blocks_on_errors=True),
    (S.SUBMITTED, S.RETURNED): Transition("退回", frozenset({REVIEWER}), reason_required=True),
    (S.SUBMITTED, S.APPROVED): Transition("审核通过", frozenset({REVIEWER})),
    (S.APPROVED, S.RETURNED): Transition("撤销审核并退回", frozenset({REVIEWER}), True),
    (S.APPROVED, S.PUBLISHED): Transition("发布", frozenset({ADMIN})),
    (S.PUBLISHED, S.DRAFT): Transition(
        "更正", frozenset({ADMIN}), reason_required=True, new_version=True
    ),
}

#: Statuses still counted against the 公开时限 (not yet published).
UNPUBLISHED = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED)


def transition_for(from_status: str, to_status: str) -> Transition | None:
    return TRANSITIONS.get((from_status, to_status))


def status_label(status: str) -> str:
    return S(status).label


def due_date(approval_date: datetime.date | None) -> datetime.date | None:
    """Last day to publish: 批复日期 + 20 days (None while there is no 批复日期)."""
    if approval_date is None:
        return None
    return approval_date + datetime.timedelta(days=DISCLOSURE_DAYS)


def submission_findings(submission) -> list:
    """The check findings of a submission (objects with `severity` and `line()`), most severe
    first, as the workflow weighs them at 提交 and the admin shows them.

    The checks are computed in the layers above `units` (the disclosure's tables, targets and
    narrative), which may import `units` but not the reverse: the function is named by the
    setting SUBMISSION_FINDINGS and called with `submission=`."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.SUBMISSION_FINDINGS)(submission=submission)
