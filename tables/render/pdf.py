"""The disclosure as a PDF: WeasyPrint prints the same self-contained HTML as `document_html`
(`for_pdf=True`), with the print rules of static/css/document.css (A4, 目录 page numbers by
`target-counter`, page numbers in the footer, repeated table headers, rows never split).
`document_pdf` prints it in pieces, in parallel and cached, and merges them
(tables.render.pdf_parts); `html_to_pdf` prints one page as a whole.

WeasyPrint is imported lazily: the web pages and the other renderers do not load it.

The document needs no external resource (CSS inline, charts inline SVG, fonts from
fontconfig), and user text reaches it only escaped. As a second wall, WeasyPrint gets a
`StaticOnlyURLFetcher`: it serves our own static files and `data:` URIs and refuses every other
URL (file://, http(s)://, anything else), so nothing in a document can make the server read a
local file or reach the network.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

from tables.document import DisclosureDocument

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


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML page with WeasyPrint."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf()


def document_pdf(document: DisclosureDocument, *, use_cache: bool = True) -> bytes:
    """The whole disclosure as PDF bytes, laid out in pieces in parallel and merged
    (tables.render.pdf_parts).

    With `use_cache` the pieces and the merged PDF are cached under the SHA-256 of their HTML:
    downloading an unchanged draft again costs no layout, and after a small edit only the piece
    that holds it is laid out again. Without it (publishing) everything is rendered afresh."""
    from tables.render.pdf_parts import disclosure_pdf, pdf_cache

    return disclosure_pdf(document, cache=pdf_cache() if use_cache else None)
