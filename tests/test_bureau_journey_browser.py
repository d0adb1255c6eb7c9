"""The bureau's season, in real Chromium against a live server: a 财政管理员 opens 年度总览 for
the year (six units in different states, one overdue) and reads the counts and the overdue row,
sets one 批复日期 for a whole 主管部门 and sees the due dates move, sends 催办 to the overdue
unit, whose 填报人 then sees the notice and the unread count; the 管理员 publishes an approved
unit with its button and sees the version, then opens a 更正 with a reason and sees the new
draft. axe-core finds no serious or critical violation, and no English is shown, on each page."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tables.models import PublishedVersion
from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import (
    approved_submission,
    budget_unit_create,
    department_create,
    submission_create,
    user_with,
)
from units.models import Notification, Submission
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()
YEAR = 2025


def _row(page, name):
    return page.locator("table tr", has_text=name)


def _cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


def test_bureau_season_in_chromium(live_server, monkeypatch, fast_pdf):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    today = timezone.localdate()
    days = datetime.timedelta
    # codes as a county numbers them (the factories' default codes are Latin)
    a = department_create(code="901", name="甲主管部门")
    b = department_create(code="902", name="乙主管部门")
    not_started = budget_unit_create(code="901001", name="甲未开始单位", department=a)
    draft = submission_create(
        unit=budget_unit_create(code="901002", name="甲草稿单位", department=a), year=YEAR
    )
    submitted = submission_create(
        unit=budget_unit_create(code="901003", name="甲已提交单位", department=a),
        year=YEAR,
        status=S.SUBMITTED,
    )
    late = submission_create(
        unit=budget_unit_create(code="902001", name="乙逾期单位", department=b),
        year=YEAR,
        status=S.RETURNED,
        approval_date=today - days(25),
    )
    approved = approved_submission("乙已审核单位", year=YEAR, n_lines=6)
    approved.unit.department = b
    approved.unit.code = "902002"
    approved.unit.save()
    Submission.objects.filter(pk=approved.pk).update(approval_date=today - days(10))
    user_with(ADMIN, [], "bureau", password=PASSWORD, full_name="王管理")
    user_with(FILLER, [late.unit], "late-filler", password=PASSWORD, full_name="赵会计")
    base = live_server.url

    with chromium_browser() as browser:
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            # 年度总览: counts per state, the overdue row
            desk_login(page, base, "bureau")
            page.get_by_role("link", name=re.compile("年度总览")).click()
            page.wait_for_url(f"{base}/bureau/{YEAR}/")
            counts = page.locator("ul.bureau-counts").inner_text()
            for label, number in (
                ("全部", 5),
                ("未开始", 1),
                ("草稿", 1),
                ("已提交", 1),
                ("已退回", 1),
                ("已审核", 1),
            ):
                assert re.search(rf"{label}\s*{number}\b", counts), (label, counts)
            assert "已逾期 5 天" in _row(page, "乙逾期单位").inner_text()
            assert "待批复" in _row(page, "甲草稿单位").inner_text()
            assert_readable(page)

            # one 批复日期 for the whole 甲主管部门: its due dates move
            approval = today - days(3)
            page.locator("summary", has_text="设置批复日期").click()
            page.fill("#approval-date", approval.isoformat())
            page.check("#approval-scope_1")
            page.select_option("#approval-department", value=str(a.pk))
            page.locator("details.bureau-panel").get_by_role("button", name="设置批复日期").click()
            assert "已将2个单位的批复日期设为" in first_message(page)
            for name in ("甲草稿单位", "甲已提交单位"):
                row = _row(page, name).inner_text()
                assert _cn(approval) in row and "还剩 17 天" in row, row
            assert "已逾期 5 天" in _row(page, "乙逾期单位").inner_text()  # not in 甲
            for submission in (draft, submitted):
                submission.refresh_from_db()
                assert submission.approval_date == approval
            assert not Submission.objects.filter(unit=not_started).exists()

            # 催办 to the overdue unit
            page.check(f"#urge-unit-{late.unit.pk}")
            page.fill("#urge-message", "请尽快修改并重新提交")
            page.get_by_role("button", name="催办所选单位").click()
            assert first_message(page) == "已向 1 个单位的填报人发出催办。"

            # its 填报人 sees the notice and the unread count
            desk_login(page, base, "late-filler")
            notices = page.get_by_role("link", name=re.compile("通知"))
            assert "1" in notices.first.inner_text()
            notices.first.click()
            page.wait_for_url(re.compile(r"/notifications/"))
            assert "请尽快修改并重新提交" in page.locator("main").inner_text()
            assert_readable(page)
            assert Notification.objects.filter(kind="urge").count() == 1

            # the 管理员 publishes the approved unit with its button, then opens a 更正
            desk_login(page, base, "bureau")
            desk = f"{base}/desk/{approved.pk}/"
            page.goto(desk)
            assert_readable(page)
            page.locator("button[data-action=published]").click()
            page.wait_for_load_state()
            version = PublishedVersion.objects.get(submission=approved)
            assert version.version == 1
            page.goto(desk)
            assert "已发布" in page.locator(".desk-meta").inner_text()
            assert "第1版" in page.locator("main").inner_text()
            page.fill("#reason-draft", "表三数字有误，更正后重新发布")
            page.locator("button[data-action=draft]").click()
            page.wait_for_url(desk)
            meta = page.locator(".desk-meta").inner_text()
            assert "草稿" in meta and "第2版（更正）" in meta
            approved.refresh_from_db()
            assert approved.status == S.DRAFT and approved.version == 2
            assert_readable(page)
        finally:
            context.close()
