"""The open API's pages in real Chromium: the Chinese introduction (`/api/`) and the Swagger
page (`/api/v1/docs`) at 1280 and 375 px. Swagger UI starts from our static files under the
site's CSP (no violation in the console), lists every operation and runs one ("Try it out",
"Execute": a 200 from the live API); axe-core finds no serious or critical violation.

Visible English: the introduction has none outside its `<code>` (paths, parameter and header
names are identifiers a program sends, like T01 for a table) but the format's name OpenAPI and
the JSON values true and false, and the values of the figures' `dimension` (total, revenue …),
which its description lists beside their Chinese names. The Swagger page is a developer tool whose
own labels are English (Parameters, Responses, Try it out …) and which prints the schema's
identifiers (paths, field and type names); its check, on the page as it opens, allows exactly
those: the words of Swagger UI's interface shown then (`SWAGGER_WORDS`) and every Latin word of
our OpenAPI schema's keys and identifier values (not of its descriptions). Any other English, such as an untranslated summary or description of ours, still
fails. The page's own header says in Chinese that the interface labels are English and links the
Chinese introduction.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.core.cache import caches

from tests.browser import ALLOWED_CODES, axe_serious, chromium_browser, visible_english
from tests.test_public_pages import stored_version

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
WIDTHS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
#: the words of Swagger UI's own interface on the page as it opens (operations folded): the
#: badge of the OpenAPI version ("OAS 3.1"); the rest (GET, paths, schema names) are the
#: schema's identifiers. An opened operation shows more of Swagger UI's English (Parameters,
#: Try it out, Responses …), which is not checked.
SWAGGER_WORDS = {"OAS"}


#: outside `<code>` on the introduction: the format's name, and the JSON values true and false
#: of the 部门预算 filter's description
INTRO_WORDS = {"OpenAPI", "true", "false"}


def enum_values(schema) -> set[str]:
    """The values a parameter takes from a fixed list (the figures' dimensions: total,
    revenue …), which its Chinese description names beside their Chinese labels."""
    values: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            values.update(str(v) for v in node.get("enum", ()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return values


def schema_words(schema) -> set[str]:
    """Every Latin word of the schema's keys and of its string values that are identifiers
    (paths, names, types, enum values, patterns) — not of its Chinese prose."""
    words: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                words.update(re.findall(r"[A-Za-z]{2,}", str(key)))
                if key in ("description", "summary"):
                    continue
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            words.update(re.findall(r"[A-Za-z]{2,}", node))

    walk(schema)
    return words


def test_api_pages_in_chromium(live_server, tmp_path, monkeypatch):
    """The introduction and the Swagger page open, are accessible, show no unexpected English,
    break no CSP rule, and the Swagger page runs a request against the live API."""
    # the ORM calls inside Playwright's event loop (as the other browser tests)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for index in range(3):
        stored_version(name=f"浏览器测试单位{index}")
    caches["api_throttle"].clear()
    base = live_server.url
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    console: list[str] = []
    with chromium_browser() as browser:
        for label, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

            page.goto(f"{base}/api/")
            assert page.locator("h1").inner_text() == "开放接口"
            assert axe_serious(page) == [], label
            schema = json.loads(page.request.get(f"{base}/api/v1/openapi.json").text())
            page.screenshot(path=str(shots / f"api-intro-{label}.png"), full_page=True)
            page.evaluate("() => document.querySelectorAll('code').forEach(c => c.remove())")
            allowed = ALLOWED_CODES | INTRO_WORDS | enum_values(schema)
            assert visible_english(page, allowed=allowed) == [], label

            page.goto(f"{base}/api/v1/docs")
            page.wait_for_selector(".opblock-summary-path")
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert {p.replace("\u200b", "") for p in paths} == set(schema["paths"])
            problems = axe_serious(page)
            assert problems == [], "\n".join(problems)
            page.screenshot(path=str(shots / f"api-docs-{label}.png"), full_page=False)
            # our description's identifiers (`page_size`, `If-None-Match` …) are code there too
            page.evaluate("() => document.querySelectorAll('.info code').forEach(c => c.remove())")
            allowed = ALLOWED_CODES | schema_words(schema) | SWAGGER_WORDS | INTRO_WORDS
            assert visible_english(page, allowed=allowed) == [], label

            if label == "wide":
                versions = page.locator(".opblock-get", has_text="/api/v1/versions").first
                versions.locator(".opblock-summary").click()
                page.get_by_role("button", name="Try it out").click()
                page.get_by_role("button", name="Execute").click()
                status = versions.locator(
                    ".live-responses-table tr.response .response-col_status"
                ).first
                status.wait_for()
                assert status.inner_text().strip().startswith("200")
                assert "浏览器测试单位" in versions.locator(".live-responses-table").inner_text()
                problems = axe_serious(page)
                assert problems == [], "\n".join(problems)
                page.screenshot(path=str(shots / "api-docs-try.png"), full_page=False)
            context.close()
    csp = [line for line in console if "Content Security Policy" in line or "pageerror" in line]
    assert csp == []
