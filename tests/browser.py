"""Real Chromium for the browser tests (Debian's /usr/bin/chromium through Playwright; never
`playwright install`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import playwright.sync_api as playwright_sync  # installed by scripts/setup.sh
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: the password of the throwaway accounts the browser tests log in with
PASSWORD = "browser-test-pw-1"  # noqa: S105


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


def admin_login(page, base: str, username: str) -> None:
    """Log in to the admin as `username` (password PASSWORD) through the login form."""
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def admin_action_run(page, base: str, submission, action_label: str) -> None:
    """Tick a submission on the admin list and run the workflow action labelled so."""
    page.goto(f"{base}/admin/units/submission/")
    page.check(f"input[name=_selected_action][value='{submission.pk}']")
    page.select_option("select[name=action]", label=action_label)
    page.click("button[name=index]")


def axe_serious(page) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page, one line
    each (rule id, impact, what it asks, the first elements at fault)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(str(node.get("target")) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


#: Latin words a person may read on our pages, compared in capitals (the admin's buttons are
#: shown uppercase; file kinds lowercase): names of file formats that have no Chinese name in
#: use (PDF, Excel, HTML, CSV, XLSX, JSON, ZIP), the API, an ID, and the SHA of SHA-256 (the
#: checksum printed beside each download), and MB, the unit of an upload's size limit. Rule and table codes (R01, P01, N01, T01) carry a
#: single letter and never match.
ALLOWED_CODES = frozenset(
    {"PDF", "EXCEL", "HTML", "CSV", "XLSX", "JSON", "ZIP", "API", "ID", "SHA", "MB"}
)
#: what the public pages print as names, not words: the open-data standards their 开放数据
#: section cites
OPEN_DATA_NAMES = ALLOWED_CODES | {"UTF", "OpenSpending", "datapackage", "Schema"}
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def visible_english(page, allowed=ALLOWED_CODES) -> list[str]:
    """Every Latin word of two letters or more in the page's visible text
    (`document.body.innerText`, which leaves out hidden elements and applies text-transform),
    "None" included, that is not in `allowed` (in any case); in order, repeats kept once."""
    text = page.evaluate("() => document.body.innerText")
    allowed = {word.upper() for word in allowed}
    words = [w for w in _LATIN_WORD.findall(text) if w.upper() not in allowed]
    return list(dict.fromkeys(words))


def desk_login(page, base: str, username: str) -> None:
    """Log in as `username` (password PASSWORD), starting afresh, and land on 我的待办."""
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("h1").inner_text() == "我的待办", page.locator("body").inner_text()[:1500]


def assert_readable(page, allowed=ALLOWED_CODES) -> None:
    """No serious or critical axe-core violation, and no English word (nor "None") a person
    would read on the page (`allowed`: the Latin words this page may print)."""
    assert axe_serious(page) == [], page.url
    english = visible_english(page, allowed=allowed)
    assert english == [], (page.url, english)


#: Run in the page: is the page wider than the viewport, and which visible elements stick out
#: past its right edge without a horizontally scrolling ancestor (a .table-scroll) to hold them?
OVERFLOW_JS = """() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
    const offenders = [];
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
        let held = false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (scrolls(up) && up.getBoundingClientRect().right <= width + 0.5) {
                held = true;
                break;
            }
        }
        if (!held) {
            const name = el.tagName.toLowerCase() + (el.className ? "." + el.className : "");
            offenders.push(name + " right=" + Math.round(box.right));
        }
    }
    return {
        scrollWidth: root.scrollWidth,
        clientWidth: width,
        innerWidth: window.innerWidth,
        offenders: offenders.slice(0, 10),
    };
}"""


def first_message(page) -> str:
    """The first message the page shows (a Django message of the desk's layout)."""
    return page.locator(".messages li").first.inner_text()
