"""The PDF in pieces (tables.document.render.pdf_parts): the cut, the per-piece cache, and that the merged
PDF is the document WeasyPrint prints in one piece (same pages, text, named destinations), with
one subset per font and deterministic bytes."""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from pypdf import PdfReader

from performance.demo import demo_load
from tables.document.build import document_build
from tables.document.render import pdf_parts
from tables.document.render.document import BLOCKS, document_html, document_view, view_html
from tables.document.render.weasy import html_to_pdf
from units.models import SubmissionText

pytestmark = [
    # the module's documents are built in a rolled-back transaction; the mark makes sure the
    # test database exists even when only some of these tests are selected
    pytest.mark.django_db,
]

EDIT = "（此处为修改后的文字）"
IDS = re.compile(r'\sid="([^"]+)"')


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """The demo's draft document, and the same after one entered text changed (情况说明 一's
    reason); the demo data is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        submission = demo_load()
        document = document_build(submission=submission, is_draft=True)
        texts = SubmissionText.objects.get(submission=submission)
        SubmissionText.objects.filter(pk=texts.pk).update(
            revenue_change_reason=texts.revenue_change_reason + EDIT
        )
        edited = document_build(submission=submission, is_draft=True)
        transaction.set_rollback(True)
    return document, edited


def new_cache() -> LocMemCache:
    return LocMemCache("test-pdf-parts", {"OPTIONS": {"MAX_ENTRIES": 10000}})


def rendered_pdf(document, *, cache=None, workers=None) -> tuple[bytes, list[str]]:
    """The merged PDF and the HTML of every piece laid out to make it."""
    laid_out: list[str] = []
    pdf = pdf_parts.disclosure_pdf(
        document,
        cache=cache,
        workers=workers,
        on_render=lambda renderer: laid_out.extend(renderer.rendered),
    )
    return pdf, laid_out


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def destinations(pdf: bytes, tmp_path: Path) -> dict[str, tuple[int, str]]:
    """Named destination → (page, position) as pdfinfo prints them."""
    out = poppler("pdfinfo", pdf, tmp_path, "-dests")
    found = re.findall(r'^\s*(\d+)\s+(\[.*\])\s+"(.+)"\s*$', out, flags=re.MULTILINE)
    return {name: (int(page), where) for page, where, name in found}


# The cut --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def untargeted(django_db_setup, django_db_blocker):
    """The demo's draft document without any 绩效目标表 (rolled back afterwards)."""
    from performance.models import ProjectTarget, UnitTarget

    with django_db_blocker.unblock(), transaction.atomic():
        submission = demo_load()
        UnitTarget.objects.filter(submission=submission).delete()
        ProjectTarget.objects.filter(project__submission=submission).delete()
        document = document_build(submission=submission, is_draft=True)
        transaction.set_rollback(True)
    assert not document.project_target_sheets and not document.unit_target_sheet
    return document


def _opens_a_page(main: str) -> bool:
    """Whether a piece's <main> opens where the whole document starts a page too: a part with
    its heading, or the continuation of a part by a statutory table, the attachments, a target
    table or the first section after the attachments (static/css/document.css)."""
    if re.match(r'<section class="part" id="part-\d"[^>]*><h2[^>]*>.*?</h2>', main):
        return True
    rest = re.sub(r'^<section class="part">', "", main, count=1)
    return rest.startswith(
        (
            '<section class="statutory-table"',
            '<section class="attachments"',
            '<section class="target-table"',
            '<section class="narrative-section narrative-after-attachments"',
        )
    )


def _assert_cut(document) -> list:
    view = document_view(document, for_pdf=True)
    whole = IDS.findall(document_html(document, for_pdf=True))
    body = pdf_parts.body_views(view)
    ids = [
        f
        for piece in [pdf_parts.front_view(view, None), *body]
        for f in IDS.findall(view_html(piece))
    ]
    assert ids == whole
    for piece in body[1:]:
        main = view_html(piece).split("<main>", 1)[1]
        assert _opens_a_page(main), main[:300]
    return body


def test_pieces_hold_every_element_once_and_start_where_the_document_breaks(documents):
    """The body pieces and the cover/目录 piece together hold every element id of the printed
    document exactly once, in order; every piece but the first opens where the whole document
    starts a page; 十一, 十二 and 第四部分 are the last piece, after the target tables."""
    document, _ = documents
    body = _assert_cut(document)
    last = view_html(body[-1]).split("<main>", 1)[1]
    assert 'id="n11"' in last and 'id="part-4"' in last and "target-table" not in last


def test_without_target_tables_the_sections_after_ten_stay_with_it(untargeted):
    """Without 绩效目标表 十一 runs on from 十 in the whole document, so its piece is 十's; the
    名词解释 is the last piece on its own."""
    body = _assert_cut(untargeted)
    last = view_html(body[-1]).split("<main>", 1)[1]
    assert last.startswith('<section class="part" id="part-4"') and 'id="n11"' not in last
    before = view_html(body[-2])
    assert 'id="n10"' in before and 'id="n11"' in before


def test_pieces_print_neither_page_numbers_nor_watermark(documents):
    """A piece suppresses the @page footer and the 草稿 element: the page layer draws both."""
    document, _ = documents
    view = document_view(document, for_pdf=True)
    assert view.blocks == BLOCKS and view.watermark and view.page_numbers
    for piece in pdf_parts.body_views(view):
        html = view_html(piece)
        assert 'class="watermark"' not in html
        assert "@page { @bottom-center { content: none; } }" in html
    layer = pdf_parts.layer_html(first=1, pages=3, is_draft=True)
    assert layer.count('class="layer-page"') == 3 and 'class="watermark"' in layer
    assert "counter-reset" not in layer
    later = pdf_parts.layer_html(first=25, pages=24, is_draft=False)
    assert "counter-reset: page 25" in later and 'class="watermark"' not in later


# The merged PDF -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged_and_whole(documents, tmp_path_factory):
    """The demo printed in pieces (in parallel, nothing cached) and in one piece."""
    document, _ = documents
    pdf, laid_out = rendered_pdf(document, workers=2)
    whole = html_to_pdf(document_html(document, for_pdf=True))
    return document, pdf, laid_out, whole, tmp_path_factory.mktemp("parts")


def test_merged_pdf_has_the_pages_text_and_destinations_of_a_one_piece_render(merged_and_whole):
    """Same page count, the same text on every page (footers and 草稿 included), and the same
    named destinations at the same places as WeasyPrint printing the whole document at once."""
    document, pdf, laid_out, whole, tmp = merged_and_whole
    pieces = pdf_parts.body_views(document_view(document, for_pdf=True))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # the body pieces, the cover/目录, the page layer's chunks
    assert len(laid_out) == len(pieces) + 1 + math.ceil(pages / pdf_parts.LAYER_PAGES)
    assert poppler("pdftotext", pdf, tmp) == poppler("pdftotext", whole, tmp)
    merged_dests, whole_dests = destinations(pdf, tmp), destinations(whole, tmp)
    assert len(merged_dests) > 100
    assert merged_dests == whole_dests


def test_footer_numbers_are_the_physical_pages(merged_and_whole):
    """Every page after the cover prints 第 N 页 with N its position in the merged file, and
    every page of the draft carries 草稿."""
    _, pdf, _, _, tmp = merged_and_whole
    pages = poppler("pdftotext", pdf, tmp).split("\f")[:-1]
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) > 40
    for number, page in enumerate(pages, start=1):
        footer = re.findall(r"^第\s*(\d+)\s*页$", page, flags=re.MULTILINE)
        assert footer == ([] if number == 1 else [str(number)]), number
        assert "草" in page and "稿" in page, number


def test_toc_links_point_at_named_destinations_of_other_pieces(merged_and_whole):
    """The 目录's links (made in the cover/目录 piece, whose targets are in other pieces) are
    named destinations present in the merged file; none is left pointing at a URL."""
    _, pdf, _, _, tmp = merged_and_whole
    dests = destinations(pdf, tmp)
    merged = PdfReader(io.BytesIO(pdf))
    links = [
        annotation.get_object()
        for page in merged.pages[:3]
        for annotation in page.get("/Annots", ())
        if annotation.get_object().get("/Subtype") == "/Link"
    ]
    assert len(links) > 40
    for link in links:
        assert "/A" not in link
        assert str(link["/Dest"]) in dests


def test_fonts_are_one_embedded_subset_per_face_and_the_outline_is_kept(merged_and_whole):
    """Every piece's font descriptor points at one shared subset program per face (no empty
    placeholder left); the outline lists the document's headings under its title."""
    _, pdf, _, whole, _ = merged_and_whole
    merged = PdfReader(io.BytesIO(pdf))
    programs: dict[str, set] = {}

    def walk(resources):
        resources = resources.get_object()
        for font in resources.get("/Font", {}).values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            program = descriptor.raw_get("/FontFile3")
            data = program.get_object().get_data()
            assert data != pdf_parts.PLACEHOLDER_PROGRAM and len(data) > 10_000
            programs.setdefault(str(descriptor["/FontName"]), set()).add(program.idnum)
        for xobject in resources.get("/XObject", {}).values():
            if "/Resources" in xobject.get_object():
                walk(xobject.get_object()["/Resources"])

    for page in merged.pages:
        walk(page["/Resources"])
    assert len(programs) == 2 and all(len(ids) == 1 for ids in programs.values()), programs

    def titles(pdf_bytes):
        def walk_outline(items):
            out = []
            for item in items:
                if isinstance(item, list):
                    out[-1] = (out[-1][0], walk_outline(item))
                else:
                    out.append((item.title, []))
            return out

        return walk_outline(PdfReader(io.BytesIO(pdf_bytes)).outline)

    outline = titles(pdf)
    assert outline == titles(whole)
    assert [title for title, _ in outline[0][1]][:2] == ["目 录", "第一部分 概况"]


def test_toc_is_laid_out_again_when_its_length_was_guessed_wrong(merged_and_whole, monkeypatch):
    """The body's page numbers depend on how many pages the cover and 目录 take: when the guess
    was wrong, the 目录 is laid out again with the numbers shifted, and the PDF is the same."""
    document, pdf, _, _, _ = merged_and_whole
    monkeypatch.setattr(pdf_parts, "FRONT_PAGES", 4)
    guessed, laid_out = rendered_pdf(document, workers=2)
    assert sum('<nav class="toc"' in html for html in laid_out) == 2
    assert guessed == pdf


# The cache ------------------------------------------------------------------------------------


def test_one_text_edit_lays_out_only_its_piece_and_output_does_not_depend_on_the_cache(
    documents, tmp_path
):
    """With the pieces of the document cached, the document after one edited text lays out
    only the piece that holds the text (the 目录 and page layer are unchanged: same pages); the
    PDF is byte for byte the one rendered with nothing cached; the same document again is
    served whole from the cache."""
    document, edited = documents
    cache = new_cache()
    rendered_pdf(document, cache=cache, workers=1)

    from_cache, laid_out = rendered_pdf(edited, cache=cache, workers=1)
    assert len(laid_out) == 1
    assert EDIT in laid_out[0]
    fresh, _ = rendered_pdf(edited, workers=1)
    assert from_cache == fresh
    assert EDIT.strip("（）") in re.sub(r"\s+", "", poppler("pdftotext", from_cache, tmp_path))

    again, laid_out = rendered_pdf(edited, cache=cache, workers=1)
    assert again == from_cache and laid_out == []


# The pool -------------------------------------------------------------------------------------


#: the test process (forked workers have other ids)
PARENT = os.getpid()
RENDER_PIECE = pdf_parts.render_piece


def dies_in_workers(html: str):
    """`render_piece` that kills any worker it runs in (module level: the pool pickles it)."""
    if os.getpid() != PARENT:
        os._exit(1)
    return RENDER_PIECE(html)


def test_a_dead_worker_falls_back_to_rendering_in_process(monkeypatch):
    """If a worker dies, the pieces are rendered in the calling process instead."""
    monkeypatch.setattr(pdf_parts, "render_piece", dies_in_workers)
    pages = [f"<p>第{i}块</p>" for i in range(3)]
    with pdf_parts.PieceRenderer(cache=None, workers=2) as renderer:
        renders = renderer.render(pages)
    assert [render.pages for render in renders] == [1, 1, 1]


class _NoPool:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a pool was created inside pdf_single_process")


def test_inside_pdf_single_process_pieces_are_rendered_without_a_pool(monkeypatch):
    """A batch worker renders in its own process: inside `pdf_single_process` no pool is made,
    even when the renderer was asked for several workers; outside, the setting applies again."""
    monkeypatch.setattr(pdf_parts, "ProcessPoolExecutor", _NoPool)
    pages = [f"<p>第{i}块</p>" for i in range(3)]
    with pdf_parts.pdf_single_process():
        assert pdf_parts.pdf_workers() == 1
        with pdf_parts.PieceRenderer(cache=None, workers=4) as renderer:
            renders = renderer.render(pages)
    assert [render.pages for render in renders] == [1, 1, 1]
    assert renderer.rendered == pages
    with (
        pdf_parts.PieceRenderer(cache=None, workers=2) as renderer,
        pytest.raises(AssertionError, match="pdf_single_process"),
    ):
        renderer.render(pages)


def test_the_publish_task_renders_in_a_single_process(monkeypatch, settings):
    """`publish_submission_task` publishes inside `pdf_single_process`."""
    from tables.publication import batches

    seen = []
    monkeypatch.setattr(
        batches,
        "publication_item_run",
        lambda **kwargs: seen.append(pdf_parts.pdf_workers()) or {"ok": True},
    )
    settings.DISCLOSURE_PDF_WORKERS = 4
    batches.publish_submission_task.call(submission_id=1, actor_id=None)
    assert seen == [1]
    assert pdf_parts.pdf_workers() == 4


# The shared cache -----------------------------------------------------------------------------

#: run in another Python process: Django set up as the site's, the piece's render read from the
#: default PDF cache under its key (argv[1]); prints its page count, or "missing"
READ_PIECE = """
import sys
import django
django.setup()
from tables.document.render import pdf_parts
found = pdf_parts.pdf_cache().get(sys.argv[1])
print("missing" if found is None else found.pages)
"""


def test_a_piece_rendered_in_one_process_is_found_by_another(settings):
    """The default PDF cache is the file cache "pdf", shared by the processes of the machine:
    a piece rendered here is read, under its key, by a separate Python process that points at
    the same folder (DISCLOSURE_PDF_CACHE_DIR)."""
    assert settings.DISCLOSURE_PDF_CACHE == "pdf"
    folder = settings.CACHES["pdf"]["LOCATION"]
    html = "<p>第一页</p><p style='break-before: page'>第二页</p>"
    with pdf_parts.PieceRenderer(cache=pdf_parts.pdf_cache(), workers=1) as renderer:
        (render,) = renderer.render([html])
    assert render.pages == 2
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
        "DISCLOSURE_PDF_CACHE_DIR": folder,
    }
    env.pop("DISCLOSURE_PDF_CACHE", None)
    env.pop("DISCLOSURE_PDF_CACHE_URL", None)

    def read(key: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", READ_PIECE, key],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()

    assert read(pdf_parts.piece_key(html)) == "2"
    assert read(pdf_parts.piece_key(html + " ")) == "missing"


def test_body_pieces_of_a_draft_and_of_its_publication_are_the_same(demo):
    """Publishing finds in the shared cache the body pieces of the draft previewed last: they
    do not depend on the draft flag (the cover and the page layer do)."""
    draft = document_view(document_build(submission=demo, is_draft=True), for_pdf=True)
    final = document_view(document_build(submission=demo, is_draft=False), for_pdf=True)
    assert [view_html(p) for p in pdf_parts.body_views(draft)] == [
        view_html(p) for p in pdf_parts.body_views(final)
    ]
    assert view_html(pdf_parts.front_view(draft, None)) != view_html(
        pdf_parts.front_view(final, None)
    )
