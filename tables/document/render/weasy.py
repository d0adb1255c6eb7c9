"""WeasyPrint, confined: the `StaticOnlyURLFetcher` serves our own static files and `data:` URIs
and refuses every other URL (file://, http(s)://, anything else), so nothing in a document can
make the server read a local file or reach the network; `html_to_pdf` prints one page with it.

The document needs no external resource (CSS inline, charts inline SVG, fonts from fontconfig),
and user text reaches it only escaped: the fetcher is the second wall. WeasyPrint is imported
lazily: the web pages and the other renderers do not load it.
"""

from __future__ import annotations

import functools
import mimetypes
import posixpath
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

#: the base URL the document is rendered against: a reserved (.invalid) host that cannot
#: resolve, under which STATIC_URL names our static files
BASE_URL = "https://disclosure.invalid/"


class URLRefused(ValueError):
    """The fetcher does not serve this URL."""


def static_path_for(url: str) -> str | None:
    """The static file path ("css/document.css") that `url` names under BASE_URL + STATIC_URL,
    or None."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = posixpath.normpath(path[len(prefix) :])
    if relative.startswith(("..", "/")) or relative == ".":
        return None
    return relative


def _static_file(relative: str) -> str | None:
    """Our static file `relative`: from the finders (app and project static dirs), else from
    STATIC_ROOT (collected files in production)."""
    found = finders.find(relative)
    if found:
        return found
    if settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / relative
        if candidate.is_file():
            return str(candidate)
    return None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serves `data:` URIs and our static files (BASE_URL + STATIC_URL + path, looked up with
        the staticfiles finders); refuses everything else without opening it."""

        def __init__(self, **kwargs):
            super().__init__(allowed_protocols=("data", "https"), allow_redirects=False, **kwargs)

        def fetch(self, url, headers=None):
            if url.lower().startswith("data:"):
                # urllib's DataHandler decodes it; no I/O
                return super().fetch(url, headers)
            relative = static_path_for(url)
            path = _static_file(relative) if relative else None
            if path is None:
                raise URLRefused(f"refused: {url[:200]}")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyURLFetcher


def url_fetcher():
    """A new `StaticOnlyURLFetcher` (a WeasyPrint `URLFetcher`)."""
    return _fetcher_class()()


#: this thread's WeasyPrint font configuration (`font_config`)
_fonts = threading.local()


def font_config():
    """The WeasyPrint `FontConfiguration` of this thread, made once and used by every render.

    Left to itself, WeasyPrint makes one per document: it loads fontconfig's configuration and
    font list again and opens a new Pango font map, which reads and shapes the CJK faces from
    scratch and is never wholly given back (a batch worker grew by megabytes per document). Our
    documents declare no @font-face, so the configuration holds nothing of a document: reusing
    it changes no byte of the output. One per thread, as a Pango font map is not thread-safe
    (a threaded development server renders in several threads)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


#: the universal pseudo-element rules of WeasyPrint's user-agent stylesheet that
#: `ua_stylesheet_text` takes out (footnotes and notes: our documents float nothing there)
UA_DROPPED_PSEUDO = (
    "::footnote-call",
    "::footnote-marker",
    "::note-call",
    "::note-marker",
    "::note-callback",
)
#: … and the one it scopes to the elements that have it: `::marker`, to `li` (the only
#: `display: list-item` of WeasyPrint's stylesheet and of ours)
UA_SCOPED_MARKER = ("::marker", "li::marker")


def ua_stylesheet_text(ua: str) -> str:
    """WeasyPrint's user-agent stylesheet `ua` without the rules that give *every* element
    pseudo-element styles it never uses.

    Each rule whose selector is a bare `::marker`, `::footnote-*` or `::note-*` matches every
    element, so WeasyPrint computed six pseudo-element styles per element, uncached: about 90 %
    of the computed styles of a disclosure (34,000 of 37,000) and a sixth of its CPU. Only a
    list item draws a marker and only a floated footnote or note a call: scoping the marker
    rule to `li` and leaving out the other five prints the same bytes (a test compares them)."""
    lines = []
    for line in ua.splitlines():
        if line.startswith(UA_DROPPED_PSEUDO):
            continue
        if line.startswith(UA_SCOPED_MARKER[0] + " "):
            line = UA_SCOPED_MARKER[1] + line[len(UA_SCOPED_MARKER[0]) :]
        lines.append(line)
    return "\n".join(lines) + "\n"


@functools.cache
def _html_class():
    """`weasyprint.HTML` with the user-agent stylesheet of `ua_stylesheet_text` (made once per
    process; a parsed stylesheet is only read, as WeasyPrint shares its own across threads)."""
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    # the @counter-style rules are WeasyPrint's own (HTML._ua_counter_style): parse them into a
    # counter store of no one
    sheet = CSS(string=ua_stylesheet_text(UA), counter_style=CounterStyle())

    class DisclosureHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [sheet, *super()._ua_stylesheets(forms)[1:]]

    return DisclosureHTML


def weasy_html(html: str):
    """A WeasyPrint document of the self-contained page `html`, against BASE_URL with the
    `StaticOnlyURLFetcher` and the user-agent stylesheet of `ua_stylesheet_text`."""
    return _html_class()(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML page with WeasyPrint."""
    return weasy_html(html).write_pdf(font_config=font_config())
