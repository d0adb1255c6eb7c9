"""A resident reads the county overview in real Chromium (Playwright) against a live server, at
1280 px and at phone width (375 px): from the public list's navigation to the year's 全县预算概况,
into a 功能分类 类 and back, sorts the 三公 table by clicking its headings (no JavaScript: links),
opens a unit from it, then the 公开情况 ledger sorted by days. Every page is readable (axe-core
finds nothing serious, no English words) and no page scrolls sideways on the phone. Screenshots go
to SCREENSHOTS_DIR when set, else the test's temporary directory."""

import os
import re
from pathlib import Path

import pytest

from tests.browser import (
    OVERFLOW_JS,
    assert_readable,
    chromium_browser,
)
from tests.factories import department_create, published_county_create, user_with
from tests.test_public_overview import _publish
from units.permissions import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _assert_fits(page, width: int) -> None:
    result = page.evaluate(OVERFLOW_JS)
    assert result["innerWidth"] == width, result
    assert result["scrollWidth"] <= result["clientWidth"], (page.url, result)
    assert result["offenders"] == [], (page.url, result)


def _sangong_names(page) -> list[str]:
    return page.locator("#sangong tbody tr th.unit-name").all_inner_texts()


def test_reader_explores_the_county_overview(live_server, monkeypatch, fast_pdf, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    admin = user_with(ADMIN)
    county = published_county_create(actor=admin)
    other = department_create(name="县测试交通运输主管部门")
    _publish(
        "县测试交通运输局",
        department=other,
        actor=admin,
        seed=31,
        sangong=[("30217", "90000000.00"), ("30231", "90000.00")],
    )
    _publish(
        "县测试公路段", department=other, actor=admin, seed=32, sangong=[("30217", "80000000.00")]
    )
    base = live_server.url

    with chromium_browser() as browser:
        page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
        page.set_default_timeout(30_000)

        page.goto(f"{base}/public/")
        page.get_by_role("navigation", name="网站导航").get_by_role(
            "link", name="全县预算概况"
        ).click()
        page.wait_for_url(f"{base}/public/2025/")
        assert page.locator("h1").inner_text() == "2025年全县预算概况"
        assert page.locator("svg.chart").count() == 2
        assert_readable(page)
        _assert_fits(page, DESKTOP["width"])
        page.screenshot(path=str(shots / "overview-desktop.png"), full_page=True)

        # into a 功能分类 类, and back
        first = page.locator("#function tbody tr th a").first
        name = first.inner_text()
        first.click()
        page.wait_for_url(re.compile(r"\?func=\d{3}#function$"))
        crumbs = page.get_by_role("navigation", name="支出功能分类层级")
        assert name in crumbs.inner_text()
        assert page.locator("#function tbody tr").count() > 1
        assert_readable(page)
        page.screenshot(path=str(shots / "overview-function.png"), full_page=True)
        crumbs.get_by_role("link", name="全部类").click()
        page.wait_for_url(re.compile(r"/public/2025/\?#function$"))

        # sort the 三公 table by its headings
        page.locator("#sangong thead").get_by_role("link", name="公务接待费").click()
        page.wait_for_url(re.compile(r"sort=reception&dir=desc#sangong$"))
        assert _sangong_names(page)[:2] == ["县测试交通运输局", "县测试公路段"]
        heading = page.locator("#sangong thead th[aria-sort]")
        assert heading.get_attribute("aria-sort") == "descending"
        page.locator("#sangong thead").get_by_role("link", name="公务接待费").click()
        page.wait_for_url(re.compile(r"sort=reception&dir=asc#sangong$"))
        assert _sangong_names(page)[-2:] == ["县测试公路段", "县测试交通运输局"]
        assert_readable(page)
        page.screenshot(path=str(shots / "overview-sangong-sorted.png"), full_page=True)

        # a 主管部门 only
        page.locator("#departments").get_by_role("link", name="县测试交通运输主管部门").click()
        page.wait_for_url(re.compile(r"department="))
        assert page.locator("h1").inner_text() == "2025年县测试交通运输主管部门预算概况"
        assert sorted(_sangong_names(page)) == sorted(["县测试交通运输局", "县测试公路段"])
        assert_readable(page)

        # the ledger, sorted by days
        page.goto(f"{base}/public/2025/")
        page.get_by_role("link", name=re.compile("各单位公开情况")).click()
        page.wait_for_url(f"{base}/public/2025/ledger/")
        counts = page.locator(".ledger-counts").inner_text()
        assert "逾期 1 家" in counts and "更正 1 家" in counts
        page.locator("#ledger thead").get_by_role("link", name="用时（天）").click()
        page.wait_for_url(re.compile(r"sort=days&dir=desc#ledger$"))
        first_row = page.locator("#ledger tbody tr").first.inner_text()
        assert county["late"].unit_name in first_row and "逾期" in first_row
        assert_readable(page)
        page.screenshot(path=str(shots / "overview-ledger.png"), full_page=True)
        page.close()

        phone = browser.new_page(locale="zh-CN", viewport=PHONE)
        phone.set_default_timeout(30_000)
        for url, shot in (
            (f"{base}/public/2025/", "overview-phone.png"),
            (f"{base}/public/2025/ledger/", "overview-ledger-phone.png"),
        ):
            phone.goto(url)
            _assert_fits(phone, PHONE["width"])
            assert_readable(phone)
            phone.screenshot(path=str(shots / shot), full_page=True)
        phone.close()


def test_reader_pages_through_a_long_ledger(live_server, monkeypatch, tmp_path):
    """With more units than a page, the ledger and the 三公 table show a page at a time: the
    reader sorts, follows 下一页 (the order kept) and comes back; the page links are a named
    navigation with the current page marked, readable and fitting at 1280 px and on a phone."""
    from tables.public.overview_views import PER_PAGE
    from tests.test_public_overview_pagination import _unit

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    department = department_create(name="县测试分页浏览部门")
    for i in range(PER_PAGE + 10):
        _unit(f"县测试分页浏览单位{i:03d}", department=department, index=i)
    base = live_server.url

    with chromium_browser() as browser:
        page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
        page.set_default_timeout(30_000)
        page.goto(f"{base}/public/2025/ledger/")
        assert f"已公开 {PER_PAGE + 10} 家" in page.locator(".ledger-counts").inner_text()
        assert page.locator("#ledger tbody tr").count() == PER_PAGE
        page.locator("#ledger thead").get_by_role("link", name="单位").click()
        page.wait_for_url(re.compile(r"sort=unit&dir=desc#ledger$"))
        first_page = page.locator("#ledger tbody tr th.unit-name").all_inner_texts()
        pages = page.get_by_role("navigation", name="公开情况表分页")
        assert pages.locator('[aria-current="page"]').inner_text() == "第 1/2 页"
        pages.get_by_role("link", name="下一页").click()
        page.wait_for_url(re.compile(r"sort=unit&dir=desc&page=2#ledger$"))
        second_page = page.locator("#ledger tbody tr th.unit-name").all_inner_texts()
        assert len(second_page) == 10
        assert first_page[-1] > second_page[0]  # the order went on
        assert_readable(page)
        _assert_fits(page, DESKTOP["width"])
        page.screenshot(path=str(shots / "overview-ledger-page2.png"), full_page=True)
        pages.get_by_role("link", name="上一页").click()
        page.wait_for_url(re.compile(r"sort=unit&dir=desc&page=1#ledger$"))

        page.goto(f"{base}/public/2025/?sort=operating&dir=asc#sangong")
        assert len(_sangong_names(page)) == PER_PAGE
        page.get_by_role("navigation", name="“三公”经费表分页").get_by_role(
            "link", name="下一页"
        ).click()
        page.wait_for_url(re.compile(r"sort=operating&dir=asc&page=2#sangong$"))
        assert len(_sangong_names(page)) == 10
        assert "全部单位合计" in page.locator("#sangong tr.overview-total").inner_text()
        assert_readable(page)
        page.screenshot(path=str(shots / "overview-sangong-page2.png"), full_page=True)
        page.close()

        phone = browser.new_page(locale="zh-CN", viewport=PHONE)
        phone.set_default_timeout(30_000)
        phone.goto(f"{base}/public/2025/ledger/?page=2")
        _assert_fits(phone, PHONE["width"])
        assert_readable(phone)
        phone.screenshot(path=str(shots / "overview-ledger-page2-phone.png"), full_page=True)
        phone.close()
