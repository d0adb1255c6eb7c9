"""A resident searches by an abbreviation, in real Chromium (Playwright) against a live server:
at phone width (375 px) she reads the search box's hint, types 人大 and finds the demo unit
(阳城县人民代表大会常务委员会办公室, whose name holds no 人大) first, as a card whose
发布日期 is on screen without scrolling sideways; at 1280 px the same result is a table row
with its 发布日期 column. Both pages are readable (axe-core, no English word but the open-data
standards' names). Screenshots at 375 and 1280 px go to SCREENSHOTS_DIR (or the test's
temporary directory).

Data: through the real service, 阳城县人大代表联络站 (also found by 人大, published earlier),
the demo, then 阳城县人民政府办公室 (newer, not found by 人大).
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from tables.publication.services import submission_publish
from tests.browser import OPEN_DATA_NAMES, assert_readable, chromium_browser
from tests.factories import approved_submission, search_aliases_seed
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
DEMO_NAME = "阳城县人民代表大会常务委员会办公室"
#: the open-data section of the list cites these standards by name


def _on_screen(locator, width: int) -> bool:
    """Whether the element is drawn (not hidden, not clipped to nothing) inside the viewport's
    width."""
    box = locator.bounding_box()
    return (
        locator.is_visible()
        and box is not None
        and box["width"] > 1
        and box["x"] >= 0
        and box["x"] + box["width"] <= width
    )


def test_reader_finds_a_unit_by_its_abbreviation_at_phone_width(
    live_server, monkeypatch, demo_approved, fast_pdf, tmp_path
):
    # Playwright's sync API runs an event loop in this thread; the ORM calls between browser
    # steps are still synchronous (scoped to this test).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    search_aliases_seed()
    submission, people = demo_approved
    admin = people[ADMIN]
    older = approved_submission("阳城县人大代表联络站", n_lines=6)
    submission_publish(submission_id=older.pk, actor=admin)
    demo = submission_publish(submission_id=submission.pk, actor=admin)
    newer = approved_submission("阳城县人民政府办公室", n_lines=6)
    submission_publish(submission_id=newer.pk, actor=admin)
    date_text = date_format(timezone.localtime(demo.published_at), "DATE_FORMAT")
    base = live_server.url

    with chromium_browser() as browser:
        context = browser.new_context(locale="zh-CN", viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{base}/public/")
            box = page.get_by_label("查找单位", exact=True)
            hint = page.locator("#" + box.get_attribute("aria-describedby"))
            for words in ("名称", "简称", "单位编码", "拼音首字母"):
                assert words in hint.inner_text(), words
            assert _on_screen(hint, PHONE["width"])

            box.fill("人大")
            page.get_by_role("button", name="查找").click()
            page.wait_for_url(re.compile(r"/public/\?.*q="))
            rows = page.locator("tbody tr")
            # both hold 人大 inside a line (the demo in its variant 阳城县人大常委会办公室):
            # one rank, newest publication first; the 人民政府 does not match
            assert rows.count() == 2
            first = rows.first
            assert first.locator("th").inner_text() == DEMO_NAME
            published = first.locator("td.published-on")
            assert _on_screen(published.locator("time"), PHONE["width"])
            assert "发布日期" in published.inner_text() and date_text in published.inner_text()
            assert _on_screen(published.locator(".cell-label"), PHONE["width"])
            # the page itself does not scroll sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            assert_readable(page, allowed=OPEN_DATA_NAMES)
            page.screenshot(path=str(shots / "public-search-375.png"), full_page=True)

            page.set_viewport_size(DESKTOP)
            first = page.locator("tbody tr").first
            assert first.locator("th").inner_text() == DEMO_NAME
            header = page.locator("thead th").last
            assert header.inner_text() == "发布日期" and _on_screen(header, DESKTOP["width"])
            assert first.locator("td.published-on").inner_text() == date_text
            assert not first.locator(".cell-label").first.is_visible()
            assert_readable(page, allowed=OPEN_DATA_NAMES)
            page.screenshot(path=str(shots / "public-search-1280.png"), full_page=True)
        finally:
            context.close()
