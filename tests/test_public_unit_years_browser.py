"""A reader compares a unit's budgets over the years in real Chromium (Playwright) against a
live server: from a version page they follow 历年预算对比, open a 功能分类 类 to read its 款 and
项, open 嵌入此图 and the embed page, at 1280 px and at 375 px. Every page is readable (axe-core
finds no serious or critical violation, no English word a person reads), nothing but a table
scrolls sideways on the phone, and screenshots are saved (SCREENSHOTS_DIR, else the test's
temporary directory)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser import (
    OVERFLOW_JS,
    assert_readable,
    axe_serious,
    chromium_browser,
)
from tests.factories import published_county_create, user_with
from tests.test_public_unit_years import county_with_reasons_create
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _assert_fits(page, viewport) -> None:
    """No sideways scroll of the page: what is wider sits in a scrolling container."""
    result = page.evaluate(OVERFLOW_JS)
    assert result["scrollWidth"] <= viewport["width"], (page.url, result)
    assert result["offenders"] == [], (page.url, result)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_reader_compares_a_unit_over_the_years(
    live_server, monkeypatch, fast_pdf, tmp_path, viewport
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    width = viewport["width"]
    admin = user_with(ADMIN)
    county = county_with_reasons_create({**published_county_create(actor=admin), "admin": admin})
    latest = county["history"][2]
    base = live_server.url

    with chromium_browser() as browser:
        page = browser.new_page(locale="zh-CN", viewport=viewport)
        page.set_default_timeout(30_000)

        page.goto(f"{base}{reverse('public:disclosure', kwargs={'version_id': latest.pk})}")
        page.get_by_role("link", name="历年预算对比").click()
        page.wait_for_url(f"{base}/public/u/{latest.unit_code}/")
        assert page.locator("h1").inner_text() == f"{latest.unit_name}历年预算对比"
        assert page.locator("table[data-table=function] tbody tr").count() >= 3
        assert page.locator("svg[role=img]").count() == 3
        assert "新增<b>应急</b>项目&其他" in page.locator(".reasons").inner_text()
        assert_readable(page)
        _assert_fits(page, viewport)
        page.screenshot(path=str(shots / f"unit-years-{width}.png"), full_page=True)
        page.locator("#reasons-heading").locator("..").screenshot(
            path=str(shots / f"unit-years-reasons-{width}.png")
        )

        first_class = page.locator("table[data-table=function] tbody tr th a").first
        name = first_class.inner_text()
        first_class.click()
        page.wait_for_url(lambda url: "?func=" in url)
        detail = page.locator("#func-detail")
        assert name in detail.locator("h3").inner_text()
        assert detail.locator("tbody tr").count() >= 2
        assert_readable(page)
        _assert_fits(page, viewport)
        detail.screenshot(path=str(shots / f"unit-years-detail-{width}.png"))

        embed = page.locator("#chart-function details.embed-code")
        embed.locator("summary").click()
        code = embed.locator("pre code").inner_text()
        assert code.startswith("<iframe src=") and "/public/charts/" in code
        assert axe_serious(page) == [], page.url
        embed.screenshot(path=str(shots / f"unit-years-embed-code-{width}.png"))

        page.goto(
            f"{base}{reverse('public:chart_embed', kwargs={'version_id': latest.pk, 'chart_key': 'function'})}"
        )
        assert page.locator("table.chart-data tbody tr").count() >= 3
        assert_readable(page)
        _assert_fits(page, viewport)
        page.screenshot(path=str(shots / f"chart-embed-{width}.png"), full_page=True)
