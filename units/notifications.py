"""Notices to people: in the desk's 通知 list, and by mail once the transaction commits.

Who is told what (each notice names one unit and goes only to people assigned to that unit):

- 提交审核 / 重新提交 → the unit's 财政审核人;
- 退回 (with the reason), 审核通过 → the unit's 单位填报人;
- 更正 opened, 发布 → the unit's 填报人 and 审核人;
- 催办 (`units_urge`, by a 财政管理员) → the unit's 填报人;
- the daily reminders (`reminders_send`, command `send_reminders`): 公开时限 near, then passed
  → the unit's 填报人, once per person, submission, kind and due date (`dedupe_key`).

Recipients are active users holding the role through its group; superusers, who act as
财政管理员 without being one, are not written to. The workflow services call the hooks
(`submission_moved_notify` from `units.services.submission_transition`,
`submission_published_notify` from the publication service) inside their transaction, so a
move that is rolled back leaves no notice; mail is sent only after the commit
(`transaction.on_commit`), to users with an address who did not turn mail off
(`NotificationPreference`), and `emailed_at` records it.

Writes (`notify`, the hooks, `units_urge`, `reminders_send`, `notification_*`) and reads
(`notifications_of`, `notifications_unread_count`, `notification_email_enabled`) of notices
live together here: the model is small and nothing else reads it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from units.formula_text import formula_text_error
from units.models import (
    BudgetUnit,
    Notification,
    NotificationKind,
    NotificationPreference,
    StatusChange,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    UnitAssignment,
)
from units.permissions import ADMIN, FILLER, REVIEWER, user_roles
from units.workflow import DISCLOSURE_DAYS, UNPUBLISHED, due_date

logger = logging.getLogger(__name__)

#: longest 催办 message kept (a few sentences, not a document)
URGE_MESSAGE_MAX = 500


# --- small helpers ----------------------------------------------------------------------------


def submission_link(submission_id: int) -> str:
    """The path of a submission's desk page. Resolved by URL name: `units` may not import the
    desk (a layer above), but the URL configuration is the site's, not a layer's. A site
    configured without the desk (some tests) gets the path the desk has always had."""
    try:
        return reverse("desk:submission", kwargs={"pk": submission_id})
    except NoReverseMatch:
        return f"/desk/{submission_id}/"


def _home_link() -> str:
    try:
        return reverse("desk:home")
    except NoReverseMatch:
        return "/"


def _cn_date(value: datetime.date | None) -> str:
    """2026年3月5日 (as the desk's `cn_date` filter writes it)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _person(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return "系统"
    return user.get_full_name() or user.get_username()


def _name(submission: Submission) -> str:
    return f"「{submission.unit.name} {submission.year}年」"


# --- recipients -------------------------------------------------------------------------------


def _role_users(role: str) -> QuerySet:
    """Active users in a role's group (a superuser outside the group is not included)."""
    return get_user_model().objects.filter(is_active=True, groups__name=role)


def unit_fillers(*, unit_id: int) -> list:
    """The unit's 单位填报人 (active, assigned to the unit)."""
    return list(_role_users(FILLER).filter(unit_assignments__unit_id=unit_id).order_by("pk"))


def unit_reviewers(*, unit_id: int) -> list:
    """The unit's 财政审核人 (active, assigned to the unit)."""
    return list(_role_users(REVIEWER).filter(unit_assignments__unit_id=unit_id).order_by("pk"))


def bureau_admins() -> list:
    """The bureau's 财政管理员 (active members of the group)."""
    return list(_role_users(ADMIN).order_by("pk"))


def units_fillers(*, unit_ids: Iterable[int]) -> dict[int, list]:
    """The 填报人 of each of many units, in one query: unit id → users (absent: none)."""
    assignments = (
        UnitAssignment.objects.filter(
            unit_id__in=list(unit_ids),
            user__is_active=True,
            user__groups__name=FILLER,
        )
        .select_related("user")
        .order_by("unit_id", "user_id")
    )
    fillers: dict[int, list] = {}
    for assignment in assignments:
        fillers.setdefault(assignment.unit_id, []).append(assignment.user)
    return fillers


# --- the one writer ---------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    users: Iterable,
    submission: Submission | None = None,
    unit: BudgetUnit | None = None,
    year: int | None = None,
    title: str,
    body: str = "",
    link: str = "",
    actor=None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Give each of `users` one notice (in-app at once, by mail after the commit), and return
    the notices created. With a `dedupe_key`, a user who already holds a notice with that key
    gets nothing (running a reminder twice sends it once, even when two runs race)."""
    NotificationKind(kind)  # an unknown kind is a programming error
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a notice links to a path of this site, not {link!r}")
    recipients = {user.pk: user for user in users if user is not None and user.pk}
    if submission is not None:
        unit = unit or submission.unit
        year = year or submission.year
    if dedupe_key and recipients:
        for held in Notification.objects.filter(
            dedupe_key=dedupe_key, recipient_id__in=list(recipients)
        ).values_list("recipient_id", flat=True):
            recipients.pop(held, None)
    if not recipients:
        return []
    title = " ".join(title.split())[: Notification._meta.get_field("title").max_length]
    notices = [
        Notification(
            recipient=user,
            kind=kind,
            actor=actor if getattr(actor, "pk", None) else None,
            submission=submission,
            unit=unit,
            year=year,
            title=title,
            body=body,
            link=link,
            dedupe_key=dedupe_key or "",
        )
        for user in recipients.values()
    ]
    if dedupe_key:
        # One at a time, each in a savepoint: a concurrent run that wrote the same key first
        # makes this one skip that person rather than fail.
        created = []
        for notice in notices:
            try:
                with transaction.atomic():
                    notice.save()
            except IntegrityError:
                continue
            created.append(notice)
    else:
        created = Notification.objects.bulk_create(notices)
    ids = [notice.pk for notice in created]
    transaction.on_commit(lambda: notifications_email(notification_ids=ids), robust=True)
    return created


def _email_text(notice: Notification) -> str:
    site = getattr(settings, "SITE_URL", "")
    where = f"{site}{notice.link}" if site else f"登录系统后打开：{notice.link}"
    lines = [f"{_person(notice.recipient)}：", "", notice.title]
    if notice.body:
        lines += ["", notice.body]
    if notice.link:
        lines += ["", where]
    lines += [
        "",
        "——",
        f"这封邮件由{settings.PRODUCT_NAME}自动发送，请勿直接回复。",
        "如不想再收到邮件，可在系统的“通知”页面取消“接收邮件通知”（系统内的通知照常显示）。",
    ]
    return "\n".join(lines)


def notifications_email(*, notification_ids: list[int]) -> int:
    """Mail the given notices not mailed yet to recipients with an address and mail on; mark
    `emailed_at` on each one sent. A mail server that fails is logged and leaves the notice
    unmailed (it is still in the list). Returns the number of mails sent."""
    if not notification_ids:
        return 0
    notices = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient", "recipient__notification_preference")
        .order_by("pk")
    )
    sendable = [
        notice
        for notice in notices
        if notice.recipient.is_active
        and notice.recipient.email
        and _email_enabled_loaded(notice.recipient)
    ]
    if not sendable:
        return 0
    sent = []
    try:
        with get_connection() as connection:
            for notice in sendable:
                message = EmailMessage(
                    subject=f"【{settings.PRODUCT_NAME}】{notice.title}",
                    body=_email_text(notice),
                    to=[notice.recipient.email],
                    connection=connection,
                )
                try:
                    message.send()
                except Exception:
                    logger.warning("notice %s: mail not sent", notice.pk, exc_info=True)
                    continue
                sent.append(notice.pk)
    except Exception:  # the connection itself failed (opening or closing)
        logger.warning("notices %s: mail server unavailable", notification_ids, exc_info=True)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)


def _email_enabled_loaded(user) -> bool:
    try:
        return user.notification_preference.email_enabled
    except NotificationPreference.DoesNotExist:
        return True


# --- the workflow's events --------------------------------------------------------------------


def submission_moved_notify(*, submission: Submission, change: StatusChange, actor) -> None:
    """Tell the unit's people about a workflow move just written (called by
    `units.services.submission_transition` inside its transaction). 已发布 is told by the
    publication service once the version exists (`submission_published_notify`)."""
    S = SubmissionStatus
    name = _name(submission)
    by = _person(actor)
    link = submission_link(submission.pk)
    to = change.to_status
    common = {"submission": submission, "link": link, "actor": actor}
    if to == S.SUBMITTED:
        again = change.from_status == S.RETURNED
        notify(
            kind=NotificationKind.SUBMITTED,
            users=_except(unit_reviewers(unit_id=submission.unit_id), actor),
            title=f"{name}已{'重新提交' if again else '提交审核'}",
            body=f"{by}{'修改后重新提交' if again else '提交了审核'}，请审核。",
            **common,
        )
    elif to == S.RETURNED:
        notify(
            kind=NotificationKind.RETURNED,
            users=_except(unit_fillers(unit_id=submission.unit_id), actor),
            title=f"{name}被退回",
            body=f"{by}退回，原因：{change.reason}\n请按审核意见修改后重新提交。",
            **common,
        )
    elif to == S.APPROVED:
        notify(
            kind=NotificationKind.APPROVED,
            users=_except(unit_fillers(unit_id=submission.unit_id), actor),
            title=f"{name}已审核通过",
            body=f"{by}审核通过，等待财政管理员发布。",
            **common,
        )
    elif to == S.DRAFT and change.from_status == S.PUBLISHED:
        people = unit_fillers(unit_id=submission.unit_id)
        people += unit_reviewers(unit_id=submission.unit_id)
        notify(
            kind=NotificationKind.CORRECTION_OPENED,
            users=_except(people, actor),
            title=f"{name}已发起更正（第{submission.version}版）",
            body=(
                f"{by}发起更正，原因：{change.reason}\n"
                f"已重新打开为草稿（第{submission.version}版），请修改后重新提交审核；"
                "已公开的版本保持不变。"
            ),
            **common,
        )


def submission_published_notify(*, submission: Submission, version: int, actor) -> None:
    """Tell the unit's 填报人 and 审核人 that version `version` is published (called by the
    publication service in its transaction, after the version and its files are stored)."""
    people = unit_fillers(unit_id=submission.unit_id)
    people += unit_reviewers(unit_id=submission.unit_id)
    notify(
        kind=NotificationKind.PUBLISHED,
        users=_except(people, actor),
        submission=submission,
        title=f"{_name(submission)}已发布（第{version}版）",
        body=f"{_person(actor)}发布了第{version}版，已向社会公开。",
        link=submission_link(submission.pk),
        actor=actor,
    )


def _except(users: list, actor) -> list:
    """Nobody is told of their own action."""
    actor_pk = getattr(actor, "pk", None)
    return [user for user in users if user.pk != actor_pk]


# --- 催办 -------------------------------------------------------------------------------------


@dataclass
class UrgeResult:
    #: units whose 填报人 were told
    units_urged: list[BudgetUnit] = field(default_factory=list)
    #: units that have no 填报人 to tell
    units_without_filler: list[BudgetUnit] = field(default_factory=list)
    notices: int = 0


def units_urge(*, actor, year: int, units: Iterable, message: str = "") -> UrgeResult:
    """催办: a 财政管理员 reminds the 填报人 of each unit (given as units or ids) to finish the
    year's disclosure, with an optional message and the unit's 公开时限 when it has a 批复日期.
    Refused (PermissionDenied) for anyone else; ValidationError for no unit or a bad message."""
    if ADMIN not in user_roles(actor):
        raise PermissionDenied("只有财政管理员可以催办。")
    message = (message or "").replace("\r\n", "\n").strip()
    if len(message) > URGE_MESSAGE_MAX:
        raise ValidationError(f"催办留言最多{URGE_MESSAGE_MAX}字（现有{len(message)}字）。")
    if error := formula_text_error(message):
        raise ValidationError(f"催办留言{error}")
    unit_ids = {getattr(unit, "pk", unit) for unit in units}
    chosen = list(BudgetUnit.objects.filter(pk__in=unit_ids).order_by("code"))
    if not chosen:
        raise ValidationError("请至少选择一个单位。")
    submissions = {
        s.unit_id: s
        for s in Submission.objects.filter(
            unit__in=chosen, year=year, kind=SubmissionKind.BUDGET
        ).select_related("unit")
    }
    fillers = units_fillers(unit_ids=[unit.pk for unit in chosen])
    result = UrgeResult()
    by = _person(actor)
    with transaction.atomic():
        for unit in chosen:
            people = fillers.get(unit.pk, [])
            if not people:
                result.units_without_filler.append(unit)
                continue
            submission = submissions.get(unit.pk)
            lines = [f"{by}提醒：请抓紧完成{unit.name}{year}年部门预算公开工作。"]
            if submission is not None:
                due = due_date(submission.approval_date)
                state = submission.get_status_display()
                lines.append(
                    f"当前状态：{state}；公开时限：{_cn_date(due)}（批复后{DISCLOSURE_DAYS}日内）。"
                    if due
                    else f"当前状态：{state}。"
                )
            else:
                lines.append("本年度的填报尚未开始。")
            if message:
                lines.append(f"留言：{message}")
            created = notify(
                kind=NotificationKind.URGE,
                users=people,
                submission=submission,
                unit=unit,
                year=year,
                title=f"催办：「{unit.name} {year}年」预算公开",
                body="\n".join(lines),
                link=submission_link(submission.pk) if submission else _home_link(),
                actor=actor,
            )
            result.units_urged.append(unit)
            result.notices += len(created)
    return result


# --- the daily reminders ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderSent:
    submission: Submission
    kind: str  # NotificationKind.DUE_SOON or OVERDUE
    due: datetime.date
    #: days left (due_soon, 0 = due today) or days past (overdue)
    days: int
    #: the notices written now (none: every 填报人 had it already, or the unit has none)
    notice_ids: tuple[int, ...]
    has_fillers: bool

    @property
    def notices(self) -> int:
        return len(self.notice_ids)


def reminders_send(*, today: datetime.date | None = None, days: int = 5) -> list[ReminderSent]:
    """The daily reminders of the 公开时限, for every submission not yet published that has a
    批复日期: 即将到期 when the due date is `days` days away or fewer, 已逾期 once it has
    passed — each to the unit's 填报人, once per person, submission, kind and due date (a new
    批复日期 is a new due date and reminds again). A 更正 draft (version 2 or later) is not
    reminded: its disclosure is public already, nor is a 决算 (the 公开时限 reminded here is the
    budget's). Returns what was considered, sent or not."""
    today = today or timezone.localdate()
    if days < 0:
        raise ValueError("days must be 0 or more")
    submissions = list(
        Submission.objects.filter(
            kind=SubmissionKind.BUDGET,
            status__in=UNPUBLISHED,
            approval_date__isnull=False,
            version=1,
        )
        .select_related("unit")
        .order_by("approval_date", "unit__code")
    )
    candidates = []
    for submission in submissions:
        due = due_date(submission.approval_date)
        left = (due - today).days
        if left < 0:
            candidates.append((submission, NotificationKind.OVERDUE, due, -left))
        elif left <= days:
            candidates.append((submission, NotificationKind.DUE_SOON, due, left))
    fillers = units_fillers(unit_ids={s.unit_id for s, *_ in candidates})
    sent = []
    for submission, kind, due, count in candidates:
        people = fillers.get(submission.unit_id, [])
        title, body = _reminder_text(submission, kind, due, count)
        created = notify(
            kind=kind,
            users=people,
            submission=submission,
            title=title,
            body=body,
            link=submission_link(submission.pk),
            dedupe_key=f"{kind}:{submission.pk}:{due.isoformat()}",
        )
        ids = tuple(notice.pk for notice in created)
        sent.append(ReminderSent(submission, kind, due, count, ids, bool(people)))
    return sent


def _reminder_text(submission, kind, due, count) -> tuple[str, str]:
    name = _name(submission)
    state = submission.get_status_display()
    limit = (
        f"公开时限为{_cn_date(due)}（批复日期{_cn_date(submission.approval_date)}后"
        f"{DISCLOSURE_DAYS}日内）"
    )
    if kind == NotificationKind.OVERDUE:
        return (
            f"{name}已超过公开时限{count}天",
            f"{limit}，已逾期{count}天，当前状态：{state}。请尽快完成填报、审核和发布。",
        )
    when = "今天到期" if count == 0 else f"还剩{count}天"
    return (
        f"{name}公开时限{when}",
        f"{limit}，当前状态：{state}。请在时限前完成填报、审核和发布。",
    )


# --- a person's own notices -------------------------------------------------------------------


def notifications_of(*, user) -> QuerySet[Notification]:
    """A user's notices, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notifications_unread_count(*, user) -> int:
    """How many of a user's notices are unread (one COUNT query)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_open(*, user, pk: int) -> Notification:
    """A user's own notice, marked read (Notification.DoesNotExist for anyone else's)."""
    notice = Notification.objects.get(pk=pk, recipient=user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notifications_read_all(*, user) -> int:
    """Mark all of a user's notices read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_email_enabled(*, user) -> bool:
    """Whether the user receives notices by mail (the default when they never chose)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.email_enabled if preference else True


def notification_email_set(*, user, enabled: bool) -> NotificationPreference:
    """Turn a user's notice mail on or off (their notices stay in the list either way)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": bool(enabled)}
    )
    return preference
