"""Notifications (units.notifications, tables.desk.notification_views): each workflow event, 催办
and the daily reminders give exactly the right people one notice and one mail, nobody in
another unit; the 通知 page, opening a notice, the header's unread count, the mail switch."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import budget_unit_create, submission_create, user_with
from units.models import Notification, NotificationKind, NotificationPreference
from units.models import SubmissionStatus as S
from units.notifications import notify, units_urge
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db


def _person(role, units, name):
    user = user_with(role, units, name=name)
    user.email = f"{name}@example.gov.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def people():
    """Two units, each with a 填报人 and a 审核人 (with addresses), a 管理员 and a superuser."""
    from django.contrib.auth import get_user_model

    unit_a = budget_unit_create(name="甲单位")
    unit_b = budget_unit_create(name="乙单位")
    superuser = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "x")
    return {
        "unit_a": unit_a,
        "unit_b": unit_b,
        "filler_a": _person(FILLER, [unit_a], "filler_a"),
        "reviewer_a": _person(REVIEWER, [unit_a], "reviewer_a"),
        "filler_b": _person(FILLER, [unit_b], "filler_b"),
        "reviewer_b": _person(REVIEWER, [unit_b], "reviewer_b"),
        "admin": _person(ADMIN, [], "admin"),
        "root": superuser,
    }


def _told(kind=None) -> dict[str, int]:
    """username → notices (of `kind`) held."""
    notices = Notification.objects.select_related("recipient")
    if kind:
        notices = notices.filter(kind=kind)
    told: dict[str, int] = {}
    for notice in notices:
        told[notice.recipient.username] = told.get(notice.recipient.username, 0) + 1
    return told


def _mailed() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- the workflow's events --------------------------------------------------------------------


@pytest.fixture
def season(db, people):
    """The demo (unit 003, its two 绩效目标 errors fixed) as 草稿, with the people of `people`
    and the demo unit's own 填报人 and 审核人 (with addresses)."""
    from performance.demo import demo_load, demo_target_faults_fix

    submission = demo_load()
    demo_target_faults_fix(submission=submission)
    people = dict(people)
    people["filler"] = _person(FILLER, [submission.unit], "filler")
    people["reviewer"] = _person(REVIEWER, [submission.unit], "reviewer")
    return submission, people


def test_each_move_tells_exactly_the_units_people_once(
    season, fast_pdf, django_capture_on_commit_callbacks
):
    """提交 → its 审核人; 退回 (with the reason), 审核通过 → its 填报人; 发布, 更正 → both: one
    notice and one mail each, nobody of another unit, no 管理员 or superuser, not the actor."""
    from tables.publication.services import submission_publish
    from units.services import submission_transition

    submission, p = season
    steps = [
        ("filler", S.SUBMITTED, "", NotificationKind.SUBMITTED, {"reviewer"}),
        ("reviewer", S.RETURNED, "请补充项目说明", NotificationKind.RETURNED, {"filler"}),
        ("filler", S.SUBMITTED, "", NotificationKind.SUBMITTED, {"reviewer"}),
        ("reviewer", S.APPROVED, "", NotificationKind.APPROVED, {"filler"}),
        ("admin", S.PUBLISHED, "", NotificationKind.PUBLISHED, {"filler", "reviewer"}),
        ("admin", S.DRAFT, "数字有误", NotificationKind.CORRECTION_OPENED, {"filler", "reviewer"}),
    ]
    for actor, to_status, reason, kind, expected in steps:
        Notification.objects.all().delete()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if to_status == S.PUBLISHED:
                submission_publish(submission_id=submission.pk, actor=p[actor])
            else:
                submission_transition(
                    submission_id=submission.pk, actor=p[actor], to_status=to_status, reason=reason
                )
        assert _told() == dict.fromkeys(expected, 1), to_status
        assert _told(kind) == dict.fromkeys(expected, 1), to_status
        assert _mailed() == sorted(f"{name}@example.gov.cn" for name in expected), to_status
        notice = Notification.objects.first()
        assert notice.link == reverse("desk:submission", kwargs={"pk": submission.pk})
        assert notice.emailed_at is not None
        assert notice.unit_id == submission.unit_id
        if reason:
            assert reason in notice.body
            assert reason in mail.outbox[0].body
        assert mail.outbox[0].subject.startswith("【部门预算公开系统】")
        assert submission.unit.name in mail.outbox[0].subject


def test_a_refused_move_tells_nobody(season, django_capture_on_commit_callbacks):
    """A move the workflow refuses (退回 without a reason) writes no notice and sends no mail."""
    from units.services import TransitionRefused, submission_transition

    submission, p = season
    submission_transition(submission_id=submission.pk, actor=p["filler"], to_status=S.SUBMITTED)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionRefused):
        submission_transition(
            submission_id=submission.pk, actor=p["reviewer"], to_status=S.RETURNED
        )
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_mail_off_or_no_address_gets_the_notice_only(people, django_capture_on_commit_callbacks):
    """A user who turned mail off, or has no address, still gets the in-app notice; only the
    others are mailed, and only their notices are marked mailed."""
    unit = people["unit_a"]
    quiet = people["filler_a"]
    NotificationPreference.objects.create(user=quiet, email_enabled=False)
    bare = user_with(FILLER, [unit], name="bare")
    loud = _person(FILLER, [unit], "loud")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            kind=NotificationKind.URGE,
            users=[quiet, bare, loud],
            unit=unit,
            year=2025,
            title="测试",
            link="/",
        )
    assert _told() == {"filler_a": 1, "bare": 1, "loud": 1}
    assert _mailed() == ["loud@example.gov.cn"]
    emailed = dict(Notification.objects.values_list("recipient__username", "emailed_at"))
    assert emailed["loud"] is not None
    assert emailed["filler_a"] is None and emailed["bare"] is None


def test_mail_waits_for_the_commit(people, django_capture_on_commit_callbacks):
    """Inside a transaction nothing is mailed; the mail goes when it commits."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind=NotificationKind.URGE, users=[people["filler_a"]], title="测试", link="/")
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert _mailed() == ["filler_a@example.gov.cn"]


def test_notify_refuses_a_link_to_another_site(people):
    """A notice links to a path of this site only."""
    for link in ("https://evil.example/", "//evil.example/x"):
        with pytest.raises(ValueError):
            notify(kind=NotificationKind.URGE, users=[people["filler_a"]], title="x", link=link)


# --- the daily reminders ----------------------------------------------------------------------


def _reminders(when: str, django_capture_on_commit_callbacks, *args) -> str:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", when, *args, stdout=out)
    return out.getvalue()


def test_reminders_run_twice_send_once(people, django_capture_on_commit_callbacks):
    """Due in 3 days: one 即将到期 to the unit's 填报人 (notice and mail); running again, or the
    next day, sends nothing; once past the due date, one 已逾期, once. Published submissions and
    those without 批复日期 are left alone; the other unit's people get nothing of this one."""
    approval = datetime.date(2026, 3, 1)  # due 2026-03-21
    submission = submission_create(unit=people["unit_a"], year=2026, approval_date=approval)
    submission_create(unit=people["unit_b"], year=2026, approval_date=approval, status=S.PUBLISHED)
    submission_create(year=2026)  # no 批复日期

    out = _reminders("2026-03-18", django_capture_on_commit_callbacks)
    assert _told() == {"filler_a": 1}
    assert _told(NotificationKind.DUE_SOON) == {"filler_a": 1}
    assert Notification.objects.get().submission == submission
    assert _mailed() == ["filler_a@example.gov.cn"]
    assert "「甲单位 2026年」 公开时限2026年3月21日，还剩3天：已提醒 1 位填报人。" in out
    # (the mail count is the commit's: here the test's transaction holds the mail until later)
    assert "共发出 1 条提醒" in out

    out = _reminders("2026-03-18", django_capture_on_commit_callbacks)
    out += _reminders("2026-03-19", django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert "没有需要发送的提醒" in out

    _reminders("2026-03-22", django_capture_on_commit_callbacks)
    _reminders("2026-03-23", django_capture_on_commit_callbacks)
    assert _told(NotificationKind.OVERDUE) == {"filler_a": 1}
    overdue = Notification.objects.get(kind=NotificationKind.OVERDUE)
    assert overdue.title == "「甲单位 2026年」已超过公开时限1天"
    assert len(mail.outbox) == 2
    assert set(_told()) == {"filler_a"}


def test_reminders_outside_the_window_and_a_new_due_date(
    people, django_capture_on_commit_callbacks
):
    """More than --days ahead: nothing. A new 批复日期 is a new due date and reminds again."""
    submission = submission_create(
        unit=people["unit_a"], year=2026, approval_date=datetime.date(2026, 3, 1)
    )
    _reminders("2026-03-10", django_capture_on_commit_callbacks, "--days", "5")
    assert not Notification.objects.exists()
    _reminders("2026-03-16", django_capture_on_commit_callbacks, "--days", "5")
    assert Notification.objects.count() == 1
    submission.approval_date = datetime.date(2026, 3, 3)
    submission.save(update_fields=["approval_date"])
    _reminders("2026-03-20", django_capture_on_commit_callbacks, "--days", "5")
    assert Notification.objects.filter(kind=NotificationKind.DUE_SOON).count() == 2


def test_reminders_say_when_a_unit_has_no_filler(db, django_capture_on_commit_callbacks):
    """A unit with nobody to remind is named in the output; nothing is written."""
    unit = budget_unit_create(name="无人单位")
    submission_create(unit=unit, year=2026, approval_date=datetime.date(2026, 3, 1))
    out = _reminders("2026-03-25", django_capture_on_commit_callbacks)
    assert "「无人单位 2026年」 公开时限2026年3月21日，已逾期4天：本单位没有填报人，未发送。" in out
    assert not Notification.objects.exists()


def test_reminders_refuse_a_bad_date(db):
    """--date must be YYYY-MM-DD (said in Chinese)."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/3/5", stdout=io.StringIO())


# --- 催办 -------------------------------------------------------------------------------------


def test_urge_by_anyone_but_an_admin_is_refused(people):
    """Only a 财政管理员 may 催办: a 填报人 or 审核人 is refused in Chinese, nothing written."""
    from django.core.exceptions import PermissionDenied

    for name in ("filler_a", "reviewer_a"):
        with pytest.raises(PermissionDenied, match="只有财政管理员可以催办"):
            units_urge(actor=people[name], year=2025, units=[people["unit_a"]])
    assert not Notification.objects.exists()


def test_urge_view_refuses_a_non_admin(client, people):
    """A 审核人 posting 催办 gets the Chinese refusal page (403); nobody is told."""
    client.force_login(people["reviewer_a"])
    response = client.post(
        reverse("desk:urge"), {"year": 2025, "unit": [people["unit_a"].pk], "next": "/"}
    )
    assert response.status_code == 403
    assert "只有财政管理员可以催办" in response.content.decode()
    assert not Notification.objects.exists()


def test_urge_tells_the_chosen_units_fillers(client, people, django_capture_on_commit_callbacks):
    """催办 on unit 甲 with a message: its 填报人 gets one notice (message, 公开时限, link to the
    submission) and one mail; 乙's people and the reviewers get nothing; back to `next` with
    the count said."""
    submission = submission_create(
        unit=people["unit_a"], year=2025, approval_date=datetime.date(2025, 3, 1)
    )
    client.force_login(people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:urge"),
            {
                "year": 2025,
                "unit": [people["unit_a"].pk],
                "message": "请本周内提交",
                "next": "/?year=2025",
            },
        )
    assert response.status_code == 302
    assert response.url == "/?year=2025"
    assert _told() == {"filler_a": 1}
    assert _mailed() == ["filler_a@example.gov.cn"]
    notice = Notification.objects.get()
    assert notice.kind == NotificationKind.URGE
    assert "请本周内提交" in notice.body
    assert "2025年3月21日" in notice.body
    assert notice.link == reverse("desk:submission", kwargs={"pk": submission.pk})
    assert notice.actor == people["admin"]
    page = client.get(response.url, follow=True).content.decode()
    assert "已向 1 个单位的填报人发出催办" in page


def test_urge_several_units_counts_those_with_fillers(people):
    """Two units urged (乙 has no submission yet): both 填报人 told; a unit without a 填报人 is
    reported, not counted."""
    lonely = budget_unit_create(name="无人单位")
    result = units_urge(
        actor=people["admin"],
        year=2025,
        units=[people["unit_a"], people["unit_b"].pk, lonely],
    )
    assert [u.name for u in result.units_urged] == ["甲单位", "乙单位"]
    assert [u.name for u in result.units_without_filler] == ["无人单位"]
    assert _told() == {"filler_a": 1, "filler_b": 1}
    assert "本年度的填报尚未开始" in Notification.objects.get(recipient=people["filler_b"]).body


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_urge_next_never_leaves_the_site(client, people, next_url):
    """`next` pointing elsewhere is ignored: back to 我的待办."""
    client.force_login(people["admin"])
    response = client.post(
        reverse("desk:urge"), {"year": 2025, "unit": [people["unit_a"].pk], "next": next_url}
    )
    assert response.status_code == 302
    assert response.url == reverse("desk:home")


def test_urge_refuses_a_formula_message(client, people):
    """A message that a spreadsheet would run is refused (said on the page), nobody told."""
    client.force_login(people["admin"])
    response = client.post(
        reverse("desk:urge"),
        {"year": 2025, "unit": [people["unit_a"].pk], "message": "=1+1", "next": "/"},
        follow=True,
    )
    assert "催办留言" in response.content.decode()
    assert not Notification.objects.exists()


# --- the 通知 page ----------------------------------------------------------------------------


def _notice(user, title, link="/"):
    return Notification.objects.create(
        recipient=user, kind=NotificationKind.URGE, title=title, link=link
    )


def test_page_shows_only_the_users_own_notices_newest_first(client, people):
    """The list holds the user's notices, newest first, unread marked; never another's."""
    _notice(people["filler_a"], "旧的通知")
    _notice(people["filler_a"], "新的通知")
    _notice(people["filler_b"], "别人的通知")
    client.force_login(people["filler_a"])
    page = client.get(reverse("desk:notifications")).content.decode()
    assert "别人的通知" not in page
    assert page.index("新的通知") < page.index("旧的通知")
    assert page.count('class="notice-state">未读<') == 2
    assert "全部标为已读" in page
    assert "接收邮件通知" in page


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, people):
    """Open: read, then redirected to its link; another's notice is refused and stays unread."""
    mine = _notice(people["filler_a"], "我的", link="/desk/1/")
    theirs = _notice(people["filler_b"], "别人的")
    client.force_login(people["filler_a"])
    response = client.get(reverse("desk:notification_open", kwargs={"pk": mine.pk}))
    assert response.status_code == 302
    assert response.url == "/desk/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    response = client.get(reverse("desk:notification_open", kwargs={"pk": theirs.pk}))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notice_never_leaves_the_site(client, people):
    """A stored link to another site (never written by the services) leads back to the list."""
    notice = _notice(people["filler_a"], "坏链接", link="https://evil.example/")
    client.force_login(people["filler_a"])
    response = client.get(reverse("desk:notification_open", kwargs={"pk": notice.pk}))
    assert response.url == reverse("desk:notifications")


def test_header_counts_unread_and_read_all_clears_it(client, people):
    """The header says 通知（2） (to a screen reader 通知（2条未读）); 全部标为已读 empties the
    count, the others' untouched."""
    _notice(people["filler_a"], "一")
    _notice(people["filler_a"], "二")
    other = _notice(people["filler_b"], "三")
    client.force_login(people["filler_a"])
    page = client.get(reverse("desk:home")).content.decode()
    assert (
        'aria-label="通知（2条未读）">通知<span class="site-notices-count">（2）</span></a>' in page
    )
    response = client.post(reverse("desk:notifications_read_all"), follow=True)
    page = response.content.decode()
    assert "已将2条通知标为已读。" in page
    assert 'class="site-notices" href="/notifications/">通知</a>' in page
    other.refresh_from_db()
    assert other.read_at is None


def test_header_count_is_one_query(client, people):
    """The unread count costs one query per page, and none on pages that do not show it."""
    _notice(people["filler_a"], "一")
    client.force_login(people["filler_a"])
    client.get(reverse("desk:home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("desk:home"))
    assert sum("units_notification" in q["sql"] for q in queries.captured_queries) == 1


def test_mail_switch(client, people, django_capture_on_commit_callbacks):
    """接收邮件通知 off: the next notice is in the list but not mailed; on again: mailed."""
    user = people["filler_a"]
    client.force_login(user)
    response = client.post(reverse("desk:notification_email"), {}, follow=True)
    assert "已关闭邮件通知" in response.content.decode()
    assert 'id="email_enabled" name="email_enabled">' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=NotificationKind.URGE, users=[user], title="一", link="/")
    assert mail.outbox == []
    client.post(reverse("desk:notification_email"), {"email_enabled": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=NotificationKind.URGE, users=[user], title="二", link="/")
    assert _mailed() == ["filler_a@example.gov.cn"]
    assert Notification.objects.filter(recipient=user).count() == 2


def test_pages_need_a_login(client):
    """Anonymous visitors are sent to the login page."""
    responses = [
        client.get(reverse("desk:notifications")),
        client.get(reverse("desk:notification_open", kwargs={"pk": 1})),
        client.post(reverse("desk:notifications_read_all")),
        client.post(reverse("desk:notification_email")),
        client.post(reverse("desk:urge")),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# --- settings ---------------------------------------------------------------------------------

_PRINT_MAIL_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, "
    "s.EMAIL_FILE_PATH, s.DEFAULT_FROM_EMAIL, s.SITE_URL)"
)


def _mail_settings(**env) -> list[str]:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.test_deploy_check import production_env

    environment = production_env(DATABASE_URL="sqlite:///:memory:", **env)
    if not env.get("DJANGO_PRODUCTION", "1"):
        environment.pop("DJANGO_PRODUCTION")
    root = Path(__file__).resolve().parent.parent
    environment["PYTHONPATH"] = str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", _PRINT_MAIL_SETTINGS],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_mail_settings_come_from_the_environment():
    """DJANGO_EMAIL_* and DJANGO_DEFAULT_FROM_EMAIL are read; SMTP is the production default,
    the console outside production."""
    values = _mail_settings(
        DJANGO_EMAIL_HOST="smtp.example.gov.cn",
        DJANGO_EMAIL_PORT="587",
        DJANGO_EMAIL_HOST_USER="notice",
        DJANGO_EMAIL_USE_TLS="1",
        DJANGO_EMAIL_FILE_PATH="/tmp/mails",
        DJANGO_DEFAULT_FROM_EMAIL="notice@example.gov.cn",
        DJANGO_SITE_URL="https://yusuan.example.gov.cn/",
    )
    assert values == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.gov.cn",
        "587",
        "notice",
        "True",
        "/tmp/mails",
        "notice@example.gov.cn",
        "https://yusuan.example.gov.cn",
    ]
    assert _mail_settings(DJANGO_PRODUCTION="")[0] == (
        "django.core.mail.backends.console.EmailBackend"
    )
    backend = "django.core.mail.backends.filebased.EmailBackend"
    assert _mail_settings(DJANGO_EMAIL_BACKEND=backend)[0] == backend
