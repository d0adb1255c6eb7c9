"""The year's 公开表样式 in real Chromium: a 财政管理员 opens 开启新年度 for the year, picks
“上海” and saves; the unit's disclosure, published, then shows the Shanghai tables with amounts
in 元 (the stored HTML page a resident reads; the draft page shows the same tables under its
草稿 watermark). axe-core finds no serious or critical violation, and no English is shown, on
each page."""

import re

import pytest

from tables.figures.tablesets import SHANGHAI
from tables.models import PublishedVersion
from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import approved_submission, user_with
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)


def test_bureau_chooses_the_shanghai_set(live_server, monkeypatch, fast_pdf):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    submission = approved_submission("丙测试单位", n_lines=30, seed=5)
    # codes as a county numbers them (the factories' default codes are Latin)
    submission.unit.code = "903001"
    submission.unit.save()
    submission.unit.department.code = "903"
    submission.unit.department.save()
    year = submission.year
    user_with(ADMIN, [], "bureau", password=PASSWORD, full_name="王管理")
    base = live_server.url

    with chromium_browser() as browser:
        # the stored disclosure is served under a CSP that runs no script: let axe in
        page = browser.new_page(locale="zh-CN", bypass_csp=True)
        page.set_default_timeout(30_000)
        desk_login(page, base, "bureau")
        page.get_by_role("link", name="开启新年度").click()
        page.goto(f"{base}/bureau/open-year/?year={year}")
        heading = page.get_by_role("heading", name=f"{year}年度公开表样式")
        assert heading.is_visible()
        assert "当前：山西" in page.locator(".year-table-set").inner_text()
        assert_readable(page)

        page.get_by_label("公开表样式", exact=True).select_option("shanghai")
        page.get_by_role("button", name="保存公开表样式").click()
        page.wait_for_url(re.compile(rf"/bureau/open-year/\?year={year}$"))
        message = first_message(page)
        assert f"已将{year}年度的公开表样式设为“{SHANGHAI.title}”" in message
        assert "已发布的版本保持发布时的表格不变" in message
        assert page.get_by_label("公开表样式", exact=True).input_value() == "shanghai"
        assert_readable(page)

        page.goto(f"{base}/submissions/{submission.pk}/document/")
        draft_titles = page.locator(".statutory-table caption .caption-title").all_inner_texts()
        assert draft_titles[0] == f"{year}年单位财务收支预算总表"

        page.goto(f"{base}/desk/{submission.pk}/")
        with page.expect_navigation():
            page.locator("button[data-action=published]").click()
        version = PublishedVersion.objects.get(submission=submission)
        assert version.data_json["table_set"] == "shanghai"
        page.goto(f"{base}/public/d/{version.pk}/html/")
        titles = page.locator(".statutory-table caption .caption-title").all_inner_texts()
        assert titles[0] == f"{year}年单位财务收支预算总表"
        assert titles[-1] == f"{year}年单位“三公”经费和机关运行经费预算表"
        assert len(titles) == 9
        first = page.locator("#SH01 caption").inner_text()
        assert "单位：元" in first
        assert "预算收支总表" not in " ".join(titles)
        assert_readable(page)
