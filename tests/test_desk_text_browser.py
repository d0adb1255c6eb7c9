"""The 变更记录 reads in Chinese, in real Chromium (Playwright) against a live server, with a
browser that asks for English: after an import (Excel导入), a web edit of a line (网页) and a
workflow move on the desk (提交审核, 网页), the desk's page and the admin's page show the source
and the person of each change, states, money and empty values in Chinese, no Latin word
outside the allowed codes (`tests.browser.visible_english`) and no serious axe-core
violation."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from performance.demo import demo_target_faults_fix
from tests.browser import (
    PASSWORD,
    admin_login,
    axe_serious,
    chromium_browser,
    visible_english,
)
from tests.factories import user_with
from units.budget_import import budget_export_workbook
from units.history import AUDIT_PER_PAGE, submission_changes_queryset
from units.models import SubmissionStatus
from units.permissions import FILLER

pytestmark = pytest.mark.django_db(transaction=True)


def _pages(submission) -> int:
    count = submission_changes_queryset(submission_id=submission.pk).count()
    return -(-count // AUDIT_PER_PAGE)


def _history_text(page) -> str:
    return page.locator("#change-history").inner_text()


def test_history_pages_read_in_chinese_in_chromium(live_server, monkeypatch, demo, tmp_path):
    """Import, edit and 提交审核 as a 填报人 named 张会计; both 变更记录 pages then name 网页,
    Excel导入 and 命令行 (the demo's loading, by 系统), 草稿 → 已提交, the amounts in 元 with
    separators and the cleared note as （空）, and carry no English and no serious
    accessibility violation."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    demo_target_faults_fix(submission=demo)  # the seed's two 绩效目标 errors would block 提交
    filler = user_with(FILLER, [demo.unit], name="filler-text")
    filler.first_name = "张会计"
    filler.set_password(PASSWORD)
    filler.save()
    workbook = tmp_path / "预算明细.xlsx"
    workbook.write_bytes(budget_export_workbook(submission=demo))
    base = live_server.url

    with chromium_browser() as browser:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            admin_login(page, base, filler.username)

            # 1. an import from the admin's upload page
            page.goto(f"{base}/admin/units/budget-import/")
            page.select_option("#id_submission", value=str(demo.pk))
            page.set_input_files("#id_file", str(workbook))
            page.click("#import-form input[type=submit]")
            page.locator(".messagelist .success").wait_for()

            # 2. a web edit of a line: its amount, and its note cleared
            line = demo.lines.order_by("-amount").first()
            line.note = "原备注"
            line.save()
            amount = line.amount + Decimal("0.60")  # a small change: no check finding
            page.goto(f"{base}/admin/units/budgetline/{line.pk}/change/")
            page.fill("#id_amount", str(amount))
            page.fill("#id_note", "")
            page.click("input[name=_save]")
            page.locator(".messagelist .success").wait_for()

            # 3. 提交审核 on the desk
            page.goto(f"{base}/desk/{demo.pk}/")
            page.click("button[data-action=submitted]")
            page.locator(".messages .message-success").wait_for()
            demo.refresh_from_db()
            assert demo.status == SubmissionStatus.SUBMITTED

            for url in (
                f"{base}/desk/{demo.pk}/history/",
                f"{base}/admin/units/submission/{demo.pk}/audit/",
            ):
                page.goto(url)
                text = _history_text(page)
                assert "张会计" in text and "网页" in text and "Excel导入" in text
                assert re.search(r"状态：草稿 → 已提交", text)
                assert f"金额（元）：{line.amount:,.2f} 元 → {amount:,.2f} 元" in text
                assert "备注：原备注 → （空）" in text
                assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", text)
                assert visible_english(page) == [], url
                assert axe_serious(page) == [], url
                # the oldest page: the demo as loaded by a command
                page.goto(f"{url}?p={_pages(demo)}")
                text = _history_text(page)
                assert "命令行" in text and "系统" in text and "载入演示数据" in text
                assert visible_english(page) == [], url
        finally:
            context.close()


def test_visible_english_keeps_only_words_outside_the_codes():
    """`visible_english` reports Latin words and "None", in any case, but not the allowed codes
    nor rule codes (one letter and digits)."""

    class Page:
        def evaluate(self, script):
            return "Excel导入，EXCEL 与 PDF；R01、P01、N01 表；值：None；修改人：bureau；None"

    assert visible_english(Page()) == ["None", "bureau"]
