"""Real Chromium for the browser tests (Debian's /usr/bin/chromium through Playwright; never
`playwright install`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import playwright.sync_api as playwright_sync  # installed by scripts/setup.sh
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium_browser() -> Iterator[playwright_sync.Browser]:
    """A headless Chromium, closed afterwards.

    Playwright's sync API runs an event loop in the test's thread, and while it runs asgiref
    gives the test's ORM calls database connections of their own. They are closed here, before
    the loop stops: left open, one outlives the test run and PostgreSQL refuses to drop the
    test database ("is being accessed by other users")."""
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()
