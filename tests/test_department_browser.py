"""A resident reads a 部门预算 in real Chromium (Playwright) against a live server: the list shows
the 部门 as 部门预算, its page links each member unit's published disclosure (本级 first), a
member's page links back to the 部门, and the stored disclosure shows the 分单位收支总表; every
page is readable (axe-core, no English). Saves the README's screenshots of the 部门's public page
and of its disclosure's first pages (docs/img/)."""

import os
from pathlib import Path

import pytest

from tables.publication.services import submission_publish
from tests.browser import (
    OPEN_DATA_NAMES,
    axe_serious,
    chromium_browser,
    visible_english,
)
from tests.factories import department_budget_create, user_with
from units.models import SubmissionStatus
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)

#: where the screenshots go: SCREENSHOTS_DIR when set (docs/img refreshes the README's), else
#: the test's temporary directory
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
DESKTOP = {"width": 1200, "height": 900}


def _assert_readable(page) -> None:
    """`tests.browser.assert_readable`, but for what the public pages print as data, not as
    words: the names of the open-data standards their 开放数据 section cites, and the download
    list's SHA-256 digests and file sizes (taken off the page after axe has run)."""
    assert axe_serious(page) == [], page.url
    page.evaluate("() => document.querySelectorAll('.file-meta').forEach((el) => el.remove())")
    english = visible_english(page, allowed=OPEN_DATA_NAMES)
    assert english == [], (page.url, english)


def test_reader_opens_a_department_and_its_members(live_server, monkeypatch, fast_pdf, tmp_path):
    # Playwright's sync API runs an event loop in this thread; the ORM calls between browser
    # steps are still synchronous (scoped to this test).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    consolidating, members = department_budget_create()
    publisher = user_with(ADMIN, name="publisher")
    for member in members:
        submission_publish(submission_id=member.pk, actor=publisher)
    consolidating.status = SubmissionStatus.APPROVED
    consolidating.save(update_fields=["status"])
    version = submission_publish(submission_id=consolidating.pk, actor=publisher)
    names = [m.unit.name for m in members]
    base = live_server.url

    with chromium_browser() as browser:
        page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
        page.set_default_timeout(30_000)

        page.goto(f"{base}/public/")
        link = page.get_by_role("link", name="测试街道（部门预算）")
        assert link.count() == 1
        _assert_readable(page)
        link.click()
        page.wait_for_url(f"{base}/public/d/{version.pk}/")
        assert page.locator("h1").inner_text() == "测试街道2025年部门预算公开"
        listed = page.locator("ul.member-units li a")
        assert listed.all_inner_texts() == names
        assert "（部门本级）" in page.locator("ul.member-units li").first.inner_text()
        _assert_readable(page)
        page.screenshot(path=str(shots / "public-department.png"), full_page=True)

        listed.nth(2).click()
        page.wait_for_url(lambda url: url != f"{base}/public/d/{version.pk}/")
        assert page.locator("h1").inner_text() == f"{names[2]}2025年单位预算公开"
        back = page.get_by_role("link", name="查看测试街道2025年部门预算")
        _assert_readable(page)
        back.click()
        page.wait_for_url(f"{base}/public/d/{version.pk}/")

        page.goto(f"{base}/public/d/{version.pk}/html/")
        body = page.locator("body").inner_text()
        assert "2025年分单位收支总表" in body and all(name in body for name in names)
        page.screenshot(
            path=str(shots / "department-disclosure.png"),
            clip={"x": 0, "y": 0, "width": DESKTOP["width"], "height": 1600},
            full_page=True,
        )
        by_unit = page.locator("section#U01")
        assert by_unit.locator("tbody tr").count() >= 1 + len(names)
        by_unit.screenshot(path=str(shots / "department-by-unit.png"))
