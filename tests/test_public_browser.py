"""A resident's journey, in real Chromium (Playwright) against a live server, at phone width
(375 × 812): a reader searches a unit by part of its Chinese name, opens its disclosure,
downloads the PDF and the XLSX (bytes equal to the stored SHA-256, the stored Chinese file
name), opens the version history's earlier version and reads the correction's reason, then
reads the HTML disclosure. No page scrolls sideways outside its tables, and the console shows
no Content-Security-Policy violation on pages that carry a CSP.

Data: the demo unit published as version 1 and corrected as version 2 with a reason (two
real PDF renders, as tests/test_public_pages.py does), a small synthetic unit published
through the real service, and one stored row, so that the search has something to filter out.
"""

import hashlib
import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model

from tables.models import FileKind
from tables.publication.services import submission_publish
from tests.browser import OVERFLOW_JS, chromium_browser
from tests.factories import budget_unit_create, submission_create, synthetic_budget
from tests.test_public_pages import stored_version
from units.models import BudgetLine
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import submission_transition

PHONE = {"width": 375, "height": 812}
DEMO_NAME = "阳城县人民代表大会常务委员会办公室"
REASON = "公用经费金额录入有误"
#: where to save full-page screenshots of each step, if set (e.g. /tmp)
SCREENSHOTS = os.environ.get("PUBLIC_SCREENSHOTS")

# Chromium and Playwright are installed by scripts/setup.sh: a missing browser fails the test.
pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def _publish_demo_with_correction(demo_approved):
    """The demo (its two 绩效目标 faults fixed) through the workflow: version 1, then a 更正 with
    a reason, one line changed, re-reviewed and published as version 2."""
    submission, people = demo_approved
    filler, reviewer, admin = people[FILLER], people[REVIEWER], people[ADMIN]

    def review():
        submission_transition(submission_id=submission.pk, actor=filler, to_status=S.SUBMITTED)
        submission_transition(submission_id=submission.pk, actor=reviewer, to_status=S.APPROVED)

    v1 = submission_publish(submission_id=submission.pk, actor=admin)
    submission_transition(
        submission_id=submission.pk, actor=admin, to_status=S.DRAFT, reason=REASON
    )
    line = BudgetLine.objects.filter(submission=submission, expense_kind="public").first()
    line.amount += Decimal("10000.00")
    line.save()
    review()
    v2 = submission_publish(submission_id=submission.pk, actor=admin)

    other = submission_create(
        unit=budget_unit_create(name="阳城县人民政府办公室"), status=S.APPROVED
    )
    synthetic_budget(other, 8)
    submission_publish(submission_id=other.pk, actor=admin)
    stored_version(name="沁水县教育局")
    return v1, v2


def _assert_fits_phone(page, label):
    """No sideways page scroll at 375 px: the page is no wider than the viewport and everything
    wider sits inside a horizontally scrolling container."""
    result = page.evaluate(OVERFLOW_JS)
    assert result["innerWidth"] == PHONE["width"], result
    assert result["scrollWidth"] <= result["clientWidth"], (label, result)
    assert result["scrollWidth"] <= result["innerWidth"], (label, result)
    assert result["offenders"] == [], (label, result)
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"public-{label}.png"), full_page=True)


def _console_line(message) -> str:
    return f"{message.type}: {message.text} ({message.location.get('url', '')})"


def _download(page, file):
    """Click the download link of a stored file; the bytes and the suggested name it gets."""
    link = page.locator(f'a[download="{file.file_name}"]')
    assert link.count() == 1, file.file_name
    with page.expect_download() as info:
        link.click()
    download = info.value
    return Path(download.path()).read_bytes(), download.suggested_filename


def test_reader_searches_downloads_and_reads_history_at_phone_width(
    live_server, monkeypatch, demo_approved
):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous (scoped to this test, not the session).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    v1, v2 = _publish_demo_with_correction(demo_approved)
    pdf = v2.files.get(kind=FileKind.PDF)
    xlsx = v2.files.get(kind=FileKind.XLSX)
    base = live_server.url

    console: list[str] = []
    csp_headers: dict[str, str | None] = {}

    def visit(response, label):
        assert response is not None and response.status == 200, label
        csp_headers[label] = response.headers.get("content-security-policy")

    with chromium_browser() as browser:
        context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda message: console.append(_console_line(message)))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        try:
            # 1. The list: the skip link is the first stop of the keyboard and shows itself.
            visit(page.goto(f"{base}/public/"), "list")
            assert page.locator("tbody tr").count() == 3
            page.keyboard.press("Tab")
            skip = page.locator(".skip-link")
            assert skip.evaluate("el => el === document.activeElement")
            box = skip.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            _assert_fits_phone(page, "list")

            # 2. Search by part of the Chinese name: only the demo unit, as its newest version.
            page.get_by_label("查找单位", exact=True).fill("常务委员会")
            page.get_by_role("button", name="查找").click()
            page.wait_for_url(re.compile(r"/public/\?.*q="))
            rows = page.locator("tbody tr")
            assert rows.count() == 1
            assert rows.first.locator("th").inner_text() == DEMO_NAME
            assert "第2版" in rows.first.inner_text()
            assert page.get_by_label("查找单位", exact=True).input_value() == "常务委员会"
            _assert_fits_phone(page, "search")

            # 3. Open it: the version page of version 2, with its reason and 批复日期.
            with page.expect_navigation() as navigation:
                page.get_by_role("link", name=DEMO_NAME).click()
            visit(navigation.value, "version")
            assert page.url == f"{base}/public/d/{v2.pk}/"
            assert page.locator("h1").inner_text() == f"{DEMO_NAME}2025年单位预算公开"
            meta = page.locator("dl.meta").inner_text()
            assert "批复日期" in meta and REASON in meta and "第2版" in meta
            _assert_fits_phone(page, "version")

            # 4. Download the PDF and the XLSX: the stored bytes under the stored Chinese name.
            for file, magic in ((pdf, b"%PDF"), (xlsx, b"PK")):
                data, name = _download(page, file)
                assert data.startswith(magic), file.kind
                assert hashlib.sha256(data).hexdigest() == file.sha256, file.kind
                assert name == file.file_name, (name, file.file_name)
                assert page.get_by_text(file.sha256).count() == 1
            disposition = page.request.get(
                f"{base}/public/files/{pdf.pk}/{quote(pdf.file_name)}"
            ).headers["content-disposition"]
            assert disposition == "attachment; filename*=utf-8''" + quote(pdf.file_name, safe="")

            # 5. The version history: both versions, the reason; open version 1.
            history = page.locator("section", has=page.locator("#history-heading"))
            assert "第1版" in history.inner_text() and REASON in history.inner_text()
            assert history.locator("[aria-current=page]").inner_text() == "第2版（本页）"
            with page.expect_navigation() as navigation:
                history.get_by_role("link", name="第1版").click()
            visit(navigation.value, "version-1")
            assert page.url == f"{base}/public/d/{v1.pk}/"
            assert "已被更正" in page.locator(".notice").inner_text()
            history = page.locator("section", has=page.locator("#history-heading"))
            assert REASON in history.inner_text()
            assert history.locator("[aria-current=page]").inner_text() == "第1版（本页）"
            _assert_fits_phone(page, "version-1")

            # 6. Back to the newest version, then read the HTML disclosure.
            with page.expect_navigation():
                page.get_by_role("link", name="查看最新的第2版").click()
            with page.expect_navigation() as navigation:
                page.get_by_role("link", name="在线阅读公开全文").click()
            visit(navigation.value, "html")
            assert page.url == f"{base}/public/d/{v2.pk}/html/"
            assert DEMO_NAME in page.title() and "单位预算公开" in page.title()
            assert "default-src 'none'" in csp_headers["html"]
            _assert_fits_phone(page, "html")
        finally:
            context.close()

    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert violations == [], violations
    errors = [m for m in console if m.startswith(("error", "pageerror"))]
    assert errors == [], console
    # The public pages carry the site's CSP (django-csp), so that the check above means something.
    missing = [label for label, header in csp_headers.items() if not header]
    assert missing == [], f"no Content-Security-Policy header on: {missing}"
    for label, header in csp_headers.items():
        if label != "html":
            assert "script-src" in header or "default-src 'self'" in header, (label, header)
