"""In real Chromium (Playwright) against a live server, with axe-core on every page looked at:
the bureau's administrator finds a publication whose worker was lost, sees its attempts and
presses 重试; a reviewer who submitted a submission (an old two-role account) is refused when
approving it, and is told why."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tables.models import AttemptOutcome, ItemState, PublicationBatchItem, TaskAttempt
from tables.publication.batches import publication_batch_start
from tests.browser import (
    PASSWORD,
    admin_action_run,
    admin_login,
    axe_serious,
    chromium_browser,
)
from tests.factories import approved_submission, user_with
from units.models import StatusChange, UnitAssignment
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def test_retry_a_lost_publication_and_four_eyes_in_chromium(live_server, settings, monkeypatch):
    """管理员: the progress page shows the failed item with its lost attempt and a 重试 button;
    pressing it queues the publication again with a confirmation. A two-role account's own
    approval is refused with the four-eyes message. No serious axe-core violation."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    publisher = user_with(ADMIN, name="publisher-trust")
    publisher.set_password(PASSWORD)
    publisher.save()
    submission = approved_submission("重试演示单位")
    batch = publication_batch_start(year=2025, actor=publisher)
    item = batch.items.get()
    now = timezone.now()
    TaskAttempt.objects.create(
        task_id=item.task_id,
        number=1,
        worker_id="lost",
        hostname="app1",
        pid=4242,
        started_at=now,
        heartbeat_at=now,
        finished_at=now,
        outcome=AttemptOutcome.EXPIRED,
        error="执行该任务的工作进程已失联",
    )
    PublicationBatchItem.objects.filter(pk=item.pk).update(
        state=ItemState.FAILED, error="执行该任务的工作进程已失联；已尝试 3 次，不再自动重试。"
    )

    both = User.objects.create_user("two-roles", password=PASSWORD, is_staff=True)
    both.groups.add(*Group.objects.filter(name__in=[FILLER, REVIEWER]))
    own = approved_submission("自审演示单位", seed=3)
    UnitAssignment.objects.create(user=both, unit=own.unit)
    type(own).objects.filter(pk=own.pk).update(status=S.SUBMITTED)
    StatusChange.objects.create(
        submission=own, from_status=S.DRAFT, to_status=S.SUBMITTED, actor=both, version=1
    )
    base = live_server.url

    with chromium_browser() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        admin_login(page, base, publisher.username)
        page.goto(f"{base}/admin/tables/publicationbatch/{batch.pk}/progress/")
        summary = page.locator("#publication-summary")
        assert "失败 1 个" in summary.inner_text()
        row = page.locator("tr.publication-item", has_text="重试演示单位")
        assert "第1次：工作进程失联" in row.inner_text()
        assert axe_serious(page) == []

        row.get_by_role("button", name="重试发布 重试演示单位").click()
        assert "已重新提交「重试演示单位" in page.locator(".messagelist .success").inner_text()
        assert "等待 1 个" in page.locator("#publication-summary").inner_text()
        assert "等待中" in page.locator("tr.publication-item").inner_text()
        assert axe_serious(page) == []
        # the page keeps itself current in place (no reload), and can be paused
        PublicationBatchItem.objects.filter(pk=item.pk).update(state=ItemState.DONE)
        expect(page.locator("#publication-summary")).to_contain_text("已发布 1 个", timeout=15000)
        expect(page.locator("#refresh-toggle")).to_be_hidden()
        page.context.clear_cookies()
        page.context.clear_cookies()

        admin_login(page, base, "two-roles")
        admin_action_run(page, base, own, "审核通过")
        error = page.locator(".messagelist .error").inner_text()
        assert "不能审核自己提交的填报" in error and "四眼原则" in error
        assert axe_serious(page) == []

    item.refresh_from_db()
    assert item.previous_task_ids  # the lost task is kept in the item's history
    own.refresh_from_db()
    assert own.status == S.SUBMITTED
    submission.refresh_from_db()
    assert submission.status == S.APPROVED  # queued again, not yet published (no worker runs)
