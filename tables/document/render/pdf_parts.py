"""The disclosure PDF laid out in pieces, in parallel and cached, then merged.

WeasyPrint lays a document out in one process, and most of its time goes to styling, laying out
and drawing the tables (the 19 target tables alone are two thirds of the demo). The printed
document is made of pieces that are independent: every part, every statutory table and every
target table starts on a new page (static/css/document.css), so the only things that cross a
piece boundary are the page numbers (footer and 目录) and the 目录's links. So:

1. The body (everything after the 目录) is cut into pieces (`body_views`): 第一部分 with 表一–表七,
   表八–表十四 with 第三部分 一–十, the target tables a few at a time, then 十一, 十二 and
   第四部分 (with 十 when there are no target tables). Each is the document's own template and
   CSS with only those blocks (`tables.document.render.document.view_piece`), printed without
   page numbers or watermark.
2. Each piece is rendered (layout and `write_pdf`) by `render_piece`, which also records its page
   count, the page and position of each anchor (element id) and its headings (bookmarks). A
   render is cached under the SHA-256 of the piece's HTML (and WeasyPrint's version), so after a
   small edit only the pieces whose HTML changed are laid out again. The cache (CACHES "pdf",
   `pdf_cache`) is a file cache shared by all processes of the machine (Redis for several
   machines): a piece laid out by one web or task worker is found by every other, and the
   pieces every document has (the page layer) are laid out once for a whole batch.
3. Missing pieces are rendered in parallel, in a `ProcessPoolExecutor` of forked workers
   (`PieceRenderer`). This is not a background queue: the caller waits for the PDF as before
   (a download, or the publish task, which already runs as a django-tasks task); the pool lives
   for one render, so nothing outlives the request and nothing is shared between renders but the
   cache. Fork, because the parent has Django set up and WeasyPrint's fonts loaded (`_warm`): a
   worker starts in milliseconds and inherits that state copy-on-write. A worker touches no
   database or file; it gets HTML and returns bytes. `DISCLOSURE_PDF_WORKERS` (default: the CPU
   count, at most 4) sets the pool's size; 1 renders everything in the calling process.
   Which of the two depends on who waits (`pdf_single_process`): a request (a desk download or
   preview) wants its one PDF soon, so it spreads the pieces over the cores; a publish task
   (`tables.publication.batches.publish_submission_task`) is one of many running side by side
   in `db_worker` processes, one per core, so it renders in its own process and forks nothing:
   N workers on N cores then publish N documents at once, instead of each forking a pool that
   fights the other workers' pools for the same cores (and memory).
4. From the pieces' page counts and anchor pages, the cover and 目录 are rendered with literal
   page numbers (a 目录 whose length changed with them is rendered again), and a page layer: blank
   pages with the document's @page footer (第 N 页, none on the cover) and, for a draft, the 草稿
   watermark. The layer comes in chunks of LAYER_PAGES pages, pages 1–24, 25–48…, the same for
   every document (of a draft, or not): rendered in parallel, and cached once for all.
5. pypdf merges the pages, draws the layer over each, recreates the named destinations (so
   the 目录's links, whose targets are in other pieces, point at them) and the outline.

Fonts: for each font it embeds, WeasyPrint copies the whole font file (20 MB for a CJK
collection) and subsets it, ~0.035 s per face whatever the text (the face has 65,000 glyphs and
the subset keeps their numbering). Done per piece, that would eat much of what parallel
rendering gains, and the file would carry one subset per piece. So a piece embeds an empty
placeholder program for the document's faces and records which glyphs it uses
(`_install_font_hook`); the merge embeds one subset of each face with the glyphs of all pieces
(`font_programs`, cached too) and points every piece's font descriptor at it. Glyph ids are kept
by WeasyPrint's subsetting, so the pieces' text, widths and ToUnicode maps stay as written. Only
the faces this process loaded while warming up (`_warm`: the document's regular and bold CJK
face) are deferred; any other font a piece needs is subset in the piece as usual. This relies
on WeasyPrint's internals (pinned at 70.0): tests/test_pdf_parts.py checks the fonts of the
merged file, and that it is the document a one-piece render prints.

Memory: the workers are forked with the parent's objects frozen (`gc.freeze`), so that their
garbage collector does not touch, and so copy, the parent's heap; each worker holds the layout
of one piece at a time, not of the whole document.

The merged PDF is deterministic: the same document gives the same bytes whether its pieces come
from the cache or not.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from tables.document.build import DisclosureDocument
from tables.document.render.document import (
    DocumentView,
    document_css,
    document_view,
    toc_with_pages,
    view_html,
    view_piece,
)
from tables.document.render.pdf_merge import PLACEHOLDER_PROGRAM, TOC_LINK_BASE, merged_pdf

logger = logging.getLogger(__name__)

#: statutory tables per piece: 表一–表七 (with 第一部分), 表八–表十四 (with 第三部分 一–十)
TABLES_PER_PIECE = 7
#: target tables per piece, at least; more when a unit has so many that the pieces would exceed
#: MAX_SHEET_PIECES (each piece costs a fixed ~0.05 s: stylesheet, page set-up, PDF)
SHEETS_PER_PIECE = 5
MAX_SHEET_PIECES = 12
#: PDF points per CSS pixel: WeasyPrint draws at 0.75
PT_PER_PX = 0.75
#: bump when `PieceRender` changes, so that older cache entries are not read
PIECE_FORMAT = 2
#: how long a piece's render stays in the cache (its key is its content: it never goes stale)
PIECE_CACHE_SECONDS = 7 * 24 * 60 * 60
#: how long a whole merged PDF stays in the cache
PDF_CACHE_SECONDS = 60 * 60
LAYER_TEMPLATE = "document/page_layer.html"
#: pages per chunk of the page layer
LAYER_PAGES = 24
#: the pages of the cover and 目录 before they are laid out (the 目录 fits on one page unless a
#: unit's 十二 has many subsections); laid out again if it was wrong, at most MAX_FRONT_RENDERS
FRONT_PAGES = 2
MAX_FRONT_RENDERS = 3


@dataclass(frozen=True)
class PieceRender:
    """One piece, printed: its PDF and what the merge needs to know of it."""

    pdf: bytes
    pages: int
    #: element id → (page index in the piece, x, y in PDF points from the bottom left)
    anchors: dict[str, tuple[int, float, float]]
    #: (level, label, page index, x, y) of every heading (bookmark-level), in order
    bookmarks: tuple[tuple[int, str, int, float, float], ...]
    #: font hash → (glyph ids used, whether any character had no glyph, the face's
    #: fingerprint) of each font whose program the piece left to the merge (module docstring)
    fonts: dict[str, tuple[tuple[int, ...], bool, tuple[int, int, int, int]]]


# Cutting the document ---------------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> list[list]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def body_views(view: DocumentView) -> list[DocumentView]:
    """The document after the 目录 in pieces, in order; each starts on a new page. The cut
    depends on the document's structure only (how many tables and target tables), never on
    text, so an edited text changes one piece. They are the same for a draft and for the
    published document: a body piece shows no watermark or draft notice (the page layer and the
    cover do), and its <title>, the only other difference, is not in the merged PDF (its
    metadata are the cover's); so publishing finds in the cache the pieces of the draft that
    was previewed last."""
    view = replace(view, is_draft=False)
    tables = list(view.tables)
    head, rest = tables[:TABLES_PER_PIECE], tables[TABLES_PER_PIECE:]
    pieces: list[dict] = [{"blocks": ["part-1", "part-2"], "tables": head}]
    for chunk in _chunks(rest, TABLES_PER_PIECE):
        pieces.append({"blocks": [], "tables": chunk})
    pieces[-1]["blocks"].append("part-3")
    pieces[-1]["narrative_before"] = list(view.narrative_before)

    sheets = list(view.sheets)
    per_piece = max(SHEETS_PER_PIECE, -(-len(sheets) // MAX_SHEET_PIECES))
    for i, chunk in enumerate(_chunks(sheets, per_piece)):
        pieces.append({"blocks": ["attachments"] if i == 0 else [], "sheets": chunk})
    if sheets:
        # 十一, 十二 and 第四部分 (名词解释) on their own (十一 starts a page after the target
        # tables): the texts edited last before publishing (十二 其他说明) then lay out one short
        # piece, not a piece of target tables with them
        pieces.append({"blocks": ["part-4"], "narrative_after": list(view.narrative_after)})
    else:
        # without target tables 十一 runs on from 十, as in the whole document
        pieces[-1]["narrative_after"] = list(view.narrative_after)
        pieces.append({"blocks": ["part-4"]})
    return [view_piece(view, piece.pop("blocks"), **piece) for piece in pieces]


def front_view(view: DocumentView, pages: dict[str, int] | None) -> DocumentView:
    """The cover and the 目录, with the page of each entry written in (`pages`: anchor → page)."""
    piece = view_piece(view, ["cover", "toc"])
    if pages is None:
        return piece
    return replace(piece, toc=toc_with_pages(view.toc, pages), toc_link_base=TOC_LINK_BASE)


def layer_html(*, first: int, pages: int, is_draft: bool) -> str:
    """Pages `first` to `first + pages - 1` of the page layer: blank pages with the document's
    footer (第 N 页, none on page 1) and, for a draft, 草稿."""
    return render_to_string(
        LAYER_TEMPLATE,
        {
            "css": mark_safe(document_css()),  # noqa: S308 - our own static file
            "first": first,
            "pages": range(pages),
            "is_draft": is_draft,
        },
    )


# Rendering one piece (in a worker) --------------------------------------------------------


def render_piece(html: str) -> PieceRender:
    """Lay out and print one self-contained page with WeasyPrint (our static-only fetcher),
    leaving the programs of the warmed-up faces to the merge."""
    from tables.document.render.weasy import font_config, weasy_html

    _install_font_hook()
    document = weasy_html(html).render(font_config=font_config())
    anchors: dict[str, tuple[int, float, float]] = {}
    bookmarks = []
    for index, page in enumerate(document.pages):
        # WeasyPrint's own transformation (pdf/anchors.py): y from the bottom, in points
        for name, (x, y, _, _) in page.anchors.items():
            anchors.setdefault(name, (index, x * PT_PER_PX, (page.height - y) * PT_PER_PX))
        for level, label, (x, y), _ in page.bookmarks:
            bookmarks.append((level, label, index, x * PT_PER_PX, (page.height - y) * PT_PER_PX))
    deferred: dict = {}
    _hook.mode = deferred
    try:
        pdf = document.write_pdf()
    finally:
        _hook.mode = None
    return PieceRender(
        pdf=pdf,
        pages=len(document.pages),
        anchors=anchors,
        bookmarks=tuple(bookmarks),
        fonts=deferred,
    )


# Fonts --------------------------------------------------------------------------------------

#: a face's fingerprint: its file's length, its index in the file, glyph count, units per em
Fingerprint = tuple[int, int, int, int]
#: fingerprint → a WeasyPrint `Font` of this process (it holds its HarfBuzz face), for the
#: faces whose programs are left to the merge; filled by `_warm`, inherited by forked workers.
#: By fingerprint, not by WeasyPrint's font hash: that names a face *and* its description (a
#: synthetic bold of a face is another font of the same face), and a worker must know before
#: WeasyPrint reads the face's file whether it needs it
_FACES: dict[Fingerprint, object] = {}
#: what the wrapped WeasyPrint functions do in this thread: None (as usual), "register" (as
#: usual, and remember the face), or a dict (leave the program out, record the glyphs there)
_hook = threading.local()
_install_lock = threading.Lock()


def _fingerprint(hb_face) -> Fingerprint:
    from weasyprint.text.ffi import harfbuzz

    blob = harfbuzz.hb_face_reference_blob(hb_face)
    try:
        length = harfbuzz.hb_blob_get_length(blob)
    finally:
        harfbuzz.hb_blob_destroy(blob)
    return (
        length,
        harfbuzz.hb_face_get_index(hb_face),
        harfbuzz.hb_face_get_glyph_count(hb_face),
        harfbuzz.hb_face_get_upem(hb_face),
    )


def _mergeable(font) -> bool:
    """A plain CFF face that HarfBuzz subsets: its subset can replace the placeholder."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return (
        bool(harfbuzz_subset)
        and harfbuzz.hb_version_atleast(4, 1, 0)
        and "CFF " in font.tables
        and "glyf" not in font.tables
        and "fvar" not in font.tables
        and not (font.bitmap or font.png or font.svg or font.colr)
    )


def _install_font_hook() -> None:
    """Wrap, once per process, the two places where WeasyPrint handles a font's program: it
    reads the whole font file when it meets a font (`get_hb_object_data`, 20 MB for a CJK
    collection) and subsets it before embedding it (`Font.clean`). The wrappers do as
    `_hook.mode` of the calling thread says."""
    from weasyprint.pdf import fonts

    with _install_lock:
        if not getattr(fonts.Font.clean, "deferring", False):
            _wrap_fonts(fonts)


def _wrap_fonts(fonts) -> None:
    original_clean, original_data = fonts.Font.clean, fonts.get_hb_object_data

    def get_data(hb_object, ot_color=None, glyph=None):
        mode = getattr(_hook, "mode", None)
        if ot_color is None and isinstance(mode, dict) and _fingerprint(hb_object) in _FACES:
            return PLACEHOLDER_PROGRAM
        return original_data(hb_object, ot_color, glyph)

    def clean(font, to_unicode, hinting):
        mode = getattr(_hook, "mode", None)
        if mode == "register" and _mergeable(font):
            face = copy.copy(font)
            face.file_content = b""  # the face is read from HarfBuzz, not from these bytes
            _FACES.setdefault(_fingerprint(font.hb_face), face)
        elif isinstance(mode, dict) and font.file_content == PLACEHOLDER_PROGRAM:
            fingerprint = _fingerprint(font.hb_face)
            glyphs, missing, _ = mode.get(font.hash, ((), False, fingerprint))
            mode[font.hash] = (
                tuple(sorted({*glyphs, *to_unicode})),
                missing or bool(font.missing),
                fingerprint,
            )
            return
        original_clean(font, to_unicode, hinting)

    clean.deferring = True
    fonts.Font.clean = clean
    fonts.get_hb_object_data = get_data


def font_programs(pieces: Sequence[PieceRender], *, cache: BaseCache | None) -> dict[str, bytes]:
    """Font hash → one subset program with the glyphs that all `pieces` use of that face."""
    import weasyprint

    used: dict[str, tuple[set[int], bool, Fingerprint]] = {}
    for piece in pieces:
        for name, (glyphs, missing, fingerprint) in piece.fonts.items():
            seen, any_missing, _ = used.get(name, (set(), False, fingerprint))
            used[name] = (seen | set(glyphs), any_missing or missing, tuple(fingerprint))
    programs = {}
    for name, (glyphs, missing, fingerprint) in sorted(used.items()):
        if fingerprint not in _FACES:
            raise LookupError(f"font {name} was left to the merge by another process")
        digest = hashlib.sha256(repr((fingerprint, sorted(glyphs), missing)).encode())
        key = f"disclosure-pdf-font:{weasyprint_version()}:{PIECE_FORMAT}:{digest.hexdigest()}"
        program = cache.get(key) if cache is not None else None
        if program is None:
            font = copy.copy(_FACES[fingerprint])
            font.missing = {0: 0} if missing else {}  # asks HarfBuzz to keep .notdef drawn
            font.file_content = b""
            # .notdef (glyph 0) always, as a font program must have it
            font.subset(dict.fromkeys({0, *glyphs}), weasyprint.DEFAULT_OPTIONS["hinting"])
            program = font.file_content
            if not program:
                raise RuntimeError(f"HarfBuzz could not subset font {name}")
            if cache is not None:
                cache.set(key, program, PIECE_CACHE_SECONDS)
        programs[name] = program
    return programs


_warmed = False


def _warm() -> None:
    """Load WeasyPrint, fontconfig and the document's faces (regular and bold) once in this
    process, remembering them for the merge; forked workers start with all of it."""
    global _warmed
    if not _warmed:
        from tables.document.render.weasy import font_config, weasy_html

        _install_font_hook()
        html = (
            f"<html><head><style>{document_css()}</style></head>"
            "<body><h2>预热</h2><p>预热 warm-up <b>粗体</b></p></body></html>"
        )
        _hook.mode = "register"
        try:
            weasy_html(html).write_pdf(font_config=font_config())
        finally:
            _hook.mode = None
        _warmed = True


#: set inside `pdf_single_process` (per thread, so a threaded server's requests keep theirs)
_single = threading.local()


@contextmanager
def pdf_single_process() -> Iterator[None]:
    """Inside, the pieces are rendered in the calling process, never in a pool of forked
    workers, whatever `DISCLOSURE_PDF_WORKERS` says: for a batch worker, which shares the
    machine's cores with other workers (module docstring, step 3)."""
    previous = getattr(_single, "on", False)
    _single.on = True
    try:
        yield
    finally:
        _single.on = previous


def pdf_workers() -> int:
    """How many processes render pieces at once (`DISCLOSURE_PDF_WORKERS`; 1 inside
    `pdf_single_process`)."""
    if getattr(_single, "on", False):
        return 1
    configured = getattr(settings, "DISCLOSURE_PDF_WORKERS", None)
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 4))


def pdf_cache() -> BaseCache | None:
    """The cache of pieces and merged PDFs (`DISCLOSURE_PDF_CACHE`, a CACHES alias: by default
    "pdf", a file cache shared by the machine's processes, budgetsite/settings.py); None when
    the setting is empty (no cache)."""
    alias = getattr(settings, "DISCLOSURE_PDF_CACHE", "default")
    return caches[alias] if alias else None


def weasyprint_version() -> str:
    import weasyprint

    return weasyprint.__version__


def piece_key(html: str) -> str:
    """The cache key of a piece's render: its HTML's SHA-256 (the HTML holds all that decides
    the render: texts, numbers, CSS, SVG), WeasyPrint's version and our format."""
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    return f"disclosure-pdf-piece:{weasyprint_version()}:{PIECE_FORMAT}:{digest}"


class PieceRenderer:
    """Renders pieces: from the cache when there, else in a pool of forked workers (created on
    first need, shut down on exit), or in this process when one piece is missing or the pool
    size is 1. `rendered` lists the HTML of every piece actually laid out."""

    def __init__(self, *, cache: BaseCache | None, workers: int | None = None):
        self.cache = cache
        # inside `pdf_single_process` pdf_workers() is 1, whatever the caller asked for
        single = getattr(_single, "on", False)
        self.workers = pdf_workers() if workers is None or single else workers
        self.rendered: list[str] = []
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PieceRenderer:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is not None:
            # after an error, do not wait for workers that may be stuck with it
            self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
            self._pool = None

    def render(self, htmls: Sequence[str]) -> list[PieceRender]:
        keys = [piece_key(html) for html in htmls]
        found = self.cache.get_many(set(keys)) if self.cache is not None else {}
        missing = [i for i, key in enumerate(keys) if key not in found]
        made = dict(zip(missing, self._render([htmls[i] for i in missing]), strict=True))
        if self.cache is not None and made:
            self.cache.set_many({keys[i]: r for i, r in made.items()}, PIECE_CACHE_SECONDS)
        return [made[i] if i in made else found[keys[i]] for i in range(len(htmls))]

    def _render(self, htmls: list[str]) -> list[PieceRender]:
        self.rendered += htmls
        # a daemonic process (some task runners) may not have children
        if len(htmls) <= 1 or self.workers <= 1 or multiprocessing.current_process().daemon:
            return [render_piece(html) for html in htmls]
        # longest first, so that the pieces left for the end are short ones
        order = sorted(range(len(htmls)), key=lambda i: -len(htmls[i]))
        try:
            pool = self._get_pool()
            # the workers are forked on the first submit: with the parent's objects frozen,
            # their garbage collector never walks (and so never copies) the parent's heap
            gc.freeze()
            try:
                futures = {i: pool.submit(render_piece, htmls[i]) for i in order}
            finally:
                gc.unfreeze()
            return [futures[i].result() for i in range(len(htmls))]
        except (BrokenProcessPool, OSError):
            # a worker died (killed, out of memory) or none could be started: the caller
            # still gets its PDF
            logger.warning("PDF worker pool failed; rendering %d pieces in-process", len(htmls))
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            return [render_piece(html) for html in htmls]

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _warm()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_renderer_process_init,
                initargs=(os.getpid(),),
            )
        return self._pool


#: Linux prctl option: the signal a process gets when its parent dies
_PR_SET_PDEATHSIG = 1


def _renderer_process_init(parent_pid: int) -> None:
    """Start of a forked renderer: it dies with the process that forked it, and answers
    SIGTERM/SIGINT as a plain process does.

    Without this, a task worker killed with SIGKILL left its renderers running as orphans, and
    they ignored SIGTERM: they had inherited the worker's handler, which waits for "the running
    task" to finish."""
    import ctypes
    import signal

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still applies
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


# The document -----------------------------------------------------------------------------


def disclosure_pdf(
    document: DisclosureDocument,
    *,
    cache: BaseCache | None,
    workers: int | None = None,
    on_render: Callable[[PieceRenderer], None] | None = None,
    timings: dict[str, float] | None = None,
) -> bytes:
    """The whole disclosure as PDF bytes, from pieces (see the module docstring). With `cache`
    None nothing is read from or written to a cache. `on_render` is called with the renderer
    before it is closed (tests read what was laid out); `timings`, if given, gets the seconds
    of each step (benchmark_pdf prints them)."""
    clock = [time.perf_counter()]

    def lap(step: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[step] = timings.get(step, 0.0) + now - clock[0]
        clock[0] = now

    view = document_view(document, for_pdf=True)
    body_html = [view_html(piece) for piece in body_views(view)]
    whole_key = None
    if cache is not None:
        digest = hashlib.sha256()
        for html in (
            weasyprint_version(),
            *body_html,
            view_html(front_view(view, None)),
            f"draft={view.is_draft}",
        ):
            digest.update(hashlib.sha256(html.encode("utf-8")).digest())
        whole_key = f"disclosure-pdf:{PIECE_FORMAT}:{digest.hexdigest()}"
        pdf = cache.get(whole_key)
        if pdf is not None:
            return pdf
    lap("html")

    _warm()
    with PieceRenderer(cache=cache, workers=workers) as renderer:
        body = renderer.render(body_html)
        lap("body")
        front_pages = FRONT_PAGES
        for _ in range(MAX_FRONT_RENDERS):
            pages = _anchor_pages(body, start=front_pages + 1)
            total = front_pages + sum(piece.pages for piece in body)
            front, *layers = renderer.render(
                [
                    view_html(front_view(view, pages)),
                    *(
                        layer_html(first=first, pages=LAYER_PAGES, is_draft=view.is_draft)
                        for first in range(1, total + 1, LAYER_PAGES)
                    ),
                ]
            )
            if front.pages == front_pages:
                break
            front_pages = front.pages
        else:
            raise RuntimeError("the 目录's page count does not settle")
        if on_render is not None:
            on_render(renderer)
    lap("front")
    programs = font_programs([front, *body, *layers], cache=cache)
    lap("fonts")
    pdf = merged_pdf(front, body, layers, programs)
    if whole_key is not None:
        cache.set(whole_key, pdf, PDF_CACHE_SECONDS)
    lap("merge")
    return pdf


def _anchor_pages(body: Sequence[PieceRender], *, start: int) -> dict[str, int]:
    """Anchor → page number (1-based) in the merged PDF, the body starting on page `start`."""
    pages: dict[str, int] = {}
    offset = start
    for piece in body:
        for name, (index, _, _) in piece.anchors.items():
            pages.setdefault(name, offset + index)
        offset += piece.pages
    return pages
