"""A resident reads the 公民预算 in real Chromium (Playwright) against a live server: from a
unit's version page to its summary (简明版), then the county's of the year, at phone width
(375 px) and on a desktop (1280 px). axe-core finds no serious or critical violation, no
English word is visible, nothing makes the page scroll sideways, and both PDFs are printed and
turned into images (pdftoppm) to be looked at.

Data: the factories' published county, plus a unit with typed reasons, goals and staff published
for 2024 and 2025 (tests/test_public_citizens.py), and the year's population entered.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tables.document.year_settings import year_population_set
from tests.browser import (
    OVERFLOW_JS,
    axe_serious,
    chromium_browser,
    visible_english,
)
from tests.factories import published_county_create, user_with
from tests.test_public_citizens import PROJECT_GOAL, REASON, STAFF, unit_with_texts_publish
from units.permissions import ADMIN

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
NAME = "县测试教育和体育局"

pytestmark = pytest.mark.django_db(transaction=True)


def _check(page, label: str, shots: Path, width: int) -> None:
    """The page in view: no serious axe finding, no English, no sideways scroll; saved."""
    assert axe_serious(page) == [], label
    assert visible_english(page) == [], label
    fit = page.evaluate(OVERFLOW_JS)
    assert fit["scrollWidth"] <= fit["clientWidth"], (label, fit)
    assert fit["offenders"] == [], (label, fit)
    page.screenshot(path=str(shots / f"citizens-{label}-{width}.png"), full_page=True)


def _pdf_pages(page, url: str, shots: Path, label: str) -> bytes:
    """Fetch a PDF through the browser's context and turn its pages into PNGs to look at."""
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    path = shots / f"citizens-{label}.pdf"
    path.write_bytes(body)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "70", "-png", str(path), str(shots / f"citizens-{label}-pdf")],
            check=True,
        )
    return body


def test_a_reader_opens_a_unit_and_the_county_citizens_budget(
    live_server, monkeypatch, fast_pdf, tmp_path
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = user_with(ADMIN)
    county = published_county_create(actor=admin)
    _, version = unit_with_texts_publish(actor=admin, department=county["department"], name=NAME)
    year_population_set(actor=admin, year=2025, population=385_000)
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    with chromium_browser() as browser:
        for viewport in (PHONE, DESKTOP):
            width = viewport["width"]
            page = browser.new_page(locale="zh-CN", viewport=viewport)
            page.set_default_timeout(30_000)
            # From the version page, by its one link.
            page.goto(f"{base}/public/d/{version.pk}/")
            page.get_by_role("link", name="公民预算（简明版）").click()
            page.wait_for_url(f"{base}/public/d/{version.pk}/citizens/")
            heading = page.locator("h1").inner_text()
            assert NAME in heading and "公民预算" in heading
            text = page.locator("main").inner_text()
            for words in ("钱从哪里来", "钱花到哪里去", "和上年比", REASON, PROJECT_GOAL):
                assert words in text, words
            assert f"实有人员 {STAFF} 人" in text
            _check(page, "unit", shots, width)

            # On to the county's of the year, by the link on the page.
            page.get_by_role("link", name="2025年全县公民预算").click()
            page.wait_for_url(f"{base}/public/2025/citizens/")
            text = page.locator("main").inner_text()
            assert "按常住人口 385000 人计算" in text and "纳入本页的单位：5 个" in text
            _check(page, "county", shots, width)
            page.close()

        page = browser.new_page(locale="zh-CN")
        _pdf_pages(page, f"{base}/public/d/{version.pk}/citizens.pdf", shots, "unit")
        _pdf_pages(page, f"{base}/public/2025/citizens.pdf", shots, "county")
        page.close()
