"""The disclosure PDF (tables.document.render.pdf), checked with the real WeasyPrint and poppler's
pdftotext / pdffonts / pdfdetach: contents, fonts, 目录 page numbers, unsplit rows, and that no
text can make the renderer fetch anything. The document is the one the site serves: laid out in
pieces and merged (tables.document.render.pdf_parts; tests/test_pdf_parts.py compares it with a one-piece
render)."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction

from performance.demo import demo_load
from tables.document.build import DisclosureDocument, document_build
from tables.document.render.document import document_html, document_view, paragraphs, view_html
from tables.document.render.pdf import document_pdf
from tables.document.render.weasy import BASE_URL, URLRefused, html_to_pdf, url_fetcher
from tables.figures.formatting import body_grid
from units.models import SubmissionText

# poppler-utils (pdftotext, pdffonts, pdfinfo, pdfdetach) is installed by scripts/setup.sh; a
# missing tool fails these tests rather than skipping them.

#: the rotated 草稿 watermark comes out of pdftotext as lines of its own characters
WATERMARK_LINE = re.compile(r"^[草稿\s]+$")
TOC_LINE = re.compile(r"^\s*(?P<text>\S.*?)\s*\.{3,}\s*(?P<page>\d+)\s*$")


@dataclass
class RenderedPdf:
    document: DisclosureDocument
    pdf: bytes
    path: Path
    #: pdftotext of each page, watermark lines removed
    pages: list[str]
    #: pdftotext -layout of each page (table rows stay on one line)
    layout_pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def pdf_pages(path: Path, *, layout: bool = False) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def without_watermark(page: str) -> str:
    return "\n".join(line for line in page.splitlines() if not WATERMARK_LINE.match(line))


def squeeze(text: str) -> str:
    """Text without whitespace, so that line wrapping does not matter."""
    return re.sub(r"\s+", "", text)


def rendered(document: DisclosureDocument, pdf: bytes, path: Path) -> RenderedPdf:
    path.write_bytes(pdf)
    return RenderedPdf(
        document=document,
        pdf=pdf,
        path=path,
        pages=[without_watermark(page) for page in pdf_pages(path)],
        layout_pages=pdf_pages(path, layout=True),
    )


@pytest.fixture(scope="module")
def demo_pdf(django_db_setup, django_db_blocker, tmp_path_factory) -> RenderedPdf:
    """The demo's draft PDF, rendered once for the module (it takes seconds); the demo data is
    rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        document = document_build(submission=demo_load(), is_draft=True)
        transaction.set_rollback(True)
    pdf = document_pdf(document, use_cache=False)
    return rendered(document, pdf, tmp_path_factory.mktemp("pdf") / "demo.pdf")


# Contents -----------------------------------------------------------------------------------


def test_pdf_is_a4_and_starts_with_the_cover(demo_pdf):
    """A4 pages; page 1 is the cover (unit and title), page 2 the 目录."""
    info = subprocess.run(
        ["pdfinfo", str(demo_pdf.path)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info), info
    cover = squeeze(demo_pdf.pages[0])
    assert demo_pdf.document.unit_name in cover and "2025年度单位预算公开" in cover
    assert squeeze(demo_pdf.pages[1]).startswith("目录")


def test_pdf_contains_every_table_title_and_amount(demo_pdf):
    """Every table title of 1–14 and every amount they show is in the PDF's text."""
    text = squeeze(demo_pdf.text)
    for table in demo_pdf.document.tables.values():
        assert squeeze(table.title) in text, table.title
        for row in body_grid(table):
            for cell, column in zip(row, table.columns, strict=True):
                if column.kind == "money" and cell:
                    assert cell in text, (table.code, cell)


def test_pdf_contains_every_narrative_sentence(demo_pdf):
    """Every paragraph of 情况说明 is in the PDF, every figure with it (whitespace aside)."""
    text = squeeze(demo_pdf.text)

    def walk(sections):
        for section in sections:
            assert squeeze(section.heading) in text
            for block in section.blocks:
                for line in paragraphs(block.text):
                    assert squeeze(line) in text, line
            walk(section.subsections)

    walk(demo_pdf.document.narrative.sections)
    for figure in ("1,180.89万元", "减少16.79万元", "下降1.40%", "占52.10%", "占80.23%"):
        assert figure in text


def test_pdf_contains_the_target_tables_and_glossary(demo_pdf):
    """The 绩效目标 attachments and every glossary term are printed."""
    text = squeeze(demo_pdf.text)
    sheets = (demo_pdf.document.unit_target_sheet, *demo_pdf.document.project_target_sheets)
    for sheet in sheets:
        assert squeeze(sheet.title) in text and squeeze(sheet.name) in text
    for term, _ in demo_pdf.document.texts.glossary:
        assert term in text


def test_pdf_embeds_only_simplified_chinese_cjk_fonts(demo_pdf):
    """pdffonts lists only embedded (subset) Noto CJK SC faces: no fallback font slipped in
    (inline SVG text included)."""
    out = subprocess.run(
        ["pdffonts", str(demo_pdf.path)], capture_output=True, text=True, check=True
    ).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0]
        assert re.search(r"CJK-?SC", name, flags=re.IGNORECASE), row
        columns = row.split()
        # emb sub uni are the three yes/no columns before the object number
        assert columns[-5:-2] == ["yes", "yes", "yes"], row


def test_every_page_of_a_draft_is_watermarked(demo_pdf):
    """草稿 is printed on every page of a draft."""
    for number, page in enumerate(pdf_pages(demo_pdf.path), start=1):
        assert any(WATERMARK_LINE.match(line) for line in page.splitlines()), number


# Paging ---------------------------------------------------------------------------------------


def toc_numbers(demo_pdf) -> list[tuple[str, int]]:
    """(entry text, page number) of every 目录 line, from the pages before 第一部分."""
    entries = []
    for page in demo_pdf.layout_pages[1:]:
        for line in page.splitlines():
            if found := TOC_LINE.match(line):
                entries.append((squeeze(found["text"]), int(found["page"])))
        if "第四部分" in page:
            break
    return entries


def expected_headings(view) -> list[tuple[str, list[str]]]:
    """(目录 text, texts printed where it starts) of every 目录 entry, in order: a table starts
    with its form label ("预算公开表1") and caption title, anything else with its heading."""
    tables = {item.toc_text: [item.table.label, item.table.title] for item in view.tables}
    out = []

    def walk(entries):
        for entry in entries:
            out.append((squeeze(entry.text), tables.get(entry.text, [entry.text])))
            walk(entry.children)

    walk(view.toc)
    return out


def test_toc_page_numbers_are_where_sections_start(demo_pdf):
    """The 目录 lists the document's entries in order, and each entry's page number is the
    page its heading is printed on."""
    view = document_view(demo_pdf.document, for_pdf=True)
    expected = expected_headings(view)
    entries = toc_numbers(demo_pdf)
    assert [text for text, _ in entries] == [text for text, _ in expected]
    numbers = [number for _, number in entries]
    assert numbers == sorted(numbers) and numbers[0] > 2
    for (text, number), (_, printed) in zip(entries, expected, strict=True):
        page = squeeze(demo_pdf.pages[number - 1])
        for heading in printed:
            assert squeeze(heading) in page, (text, number)


def destinations(path: Path) -> dict[str, int]:
    """Named destination (an element id) → the page it is on, as the PDF records it."""
    out = subprocess.run(
        ["pdfinfo", "-dests", str(path)], capture_output=True, text=True, check=True
    ).stdout
    found = re.findall(r'^\s*(\d+)\s+\[.*\]\s+"(.+)"\s*$', out, flags=re.MULTILINE)
    return {name: int(page) for page, name in found}


def test_toc_page_numbers_are_the_anchors_pages(demo_pdf):
    """Each 目录 number equals the page of the anchor its link points to (the PDF's named
    destinations), so the 目录 links and numbers agree."""
    view = document_view(demo_pdf.document, for_pdf=True)
    anchors = []

    def walk(entries):
        for entry in entries:
            anchors.append(entry.anchor)
            walk(entry.children)

    walk(view.toc)
    pages = destinations(demo_pdf.path)
    assert [number for _, number in toc_numbers(demo_pdf)] == [pages[a] for a in anchors]


def test_table_rows_are_never_split_across_pages(demo_pdf):
    """Every body row of tables 1–14 has its label and all its amounts on one page of its
    table's pages (a row cut in two would leave them on different pages)."""
    view = document_view(demo_pdf.document, for_pdf=True)
    starts = dict(toc_numbers(demo_pdf))
    first = [starts[squeeze(item.toc_text)] for item in view.tables]
    after = [*first[1:], starts[squeeze(view.part_titles["part_3"])]]
    for item, start, end in zip(view.tables, first, after, strict=True):
        pages = [squeeze(page) for page in demo_pdf.pages[start - 1 : max(start, end - 1)]]
        table = item.table
        for row in body_grid(table):
            # amounts in full; texts by their start (a long name wraps inside its cell, and
            # pdftotext may interleave the wrapped part with the next cells)
            parts = [
                squeeze(cell) if column.kind == "money" else squeeze(cell)[:5]
                for cell, column in zip(row, table.columns, strict=True)
                if cell.strip()
            ]
            assert any(all(part in page for part in parts) for page in pages), (table.code, row)


def test_page_numbers_are_in_the_footer(demo_pdf):
    """Every page but the cover prints 第 N 页, N its position in the file."""
    for number, page in enumerate(demo_pdf.pages, start=1):
        footer = re.search(r"^第\s*(\d+)\s*页$", page, flags=re.MULTILINE)
        if number == 1:
            assert footer is None
        else:
            assert footer and int(footer[1]) == number, number


@pytest.mark.django_db
def test_long_table_repeats_its_header_on_every_page(tmp_path):
    """A 表十二 of a hundred projects runs over several pages: each of them starts with the
    table's header rows, and no row is cut in two (the pages found by the merged PDF's named
    destinations)."""
    from units.synthetic import synthetic_submission_create

    submission = synthetic_submission_create(n_lines=2500, seed=3)
    document = document_build(submission=submission, is_draft=False)
    result = rendered(document, document_pdf(document, use_cache=False), tmp_path / "long.pdf")
    pages = destinations(result.path)
    table = document.tables["T12"]
    first, last = pages["T12"], pages["T13"] - 1
    assert last > first, "表十二 should run over several pages"
    # header texts by their start: a long one wraps inside its cell
    header = [squeeze(cell.text)[:4] for row in table.header for cell in row]
    for number in range(first, last + 1):
        page = squeeze(result.pages[number - 1])
        for text in header:
            assert text in page, (number, text)
    spread = [squeeze(result.pages[n - 1]) for n in range(first, last + 1)]
    for row in body_grid(table):
        parts = [squeeze(cell) if cell[:1].isdigit() else squeeze(cell)[:5] for cell in row if cell]
        assert any(all(part in page for part in parts) for page in spread), row


# Security -------------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A local HTTP server on a free port that records every request it gets."""

    class Handler(_Recorder):
        requests = []

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, Handler.requests
    finally:
        server.shutdown()
        server.server_close()


def hostile_texts(port: int) -> dict[str, str]:
    return {
        "revenue_change_reason": f'人员减少<img src="http://127.0.0.1:{port}/img">',
        "other_notes": (
            '<link rel="attachment" href="file:///etc/hostname">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/css">'
        ),
        "duties": (
            f"<style>body {{ background: url(http://127.0.0.1:{port}/bg) }}</style>"
            f'<p style="background-image: url(http://127.0.0.1:{port}/inline)">职责</p>'
        ),
        "organisation": f'<svg><image href="http://127.0.0.1:{port}/svg"/></svg>机构',
    }


def attachments(path: Path) -> str:
    return subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.django_db
def test_markup_in_entered_texts_fetches_nothing_and_prints_as_text(http_server, tmp_path, demo):
    """Images, links and CSS url() typed into texts make no request, attach no file, and are
    printed as the characters typed, by the site's renderer (pieces) and by a one-piece render."""
    server, requests = http_server
    port = server.server_address[1]
    SubmissionText.objects.update_or_create(submission=demo, defaults=hostile_texts(port))
    document = document_build(submission=demo)
    html = document_html(document, for_pdf=True)
    assert f'<img src="http://127.0.0.1:{port}' not in html
    assert f"&lt;img src=&quot;http://127.0.0.1:{port}/img&quot;&gt;" in html
    for name, pdf in (
        ("pieces", document_pdf(document, use_cache=False)),
        ("whole", html_to_pdf(html)),
    ):
        result = rendered(document, pdf, tmp_path / f"hostile-{name}.pdf")
        assert requests == []
        assert "0 embedded files" in attachments(result.path)
        text = squeeze(result.text)
        assert squeeze(f'<img src="http://127.0.0.1:{port}/img">') in text
        assert squeeze('<link rel="attachment" href="file:///etc/hostname">') in text


def test_fetcher_refuses_raw_markup_too(http_server, tmp_path):
    """Even unescaped markup (which the templates never produce) fetches nothing: the fetcher
    refuses http:// and file:// URLs, so no image, stylesheet or attachment is loaded."""
    server, requests = http_server
    port = server.server_address[1]
    raw = "".join(hostile_texts(port).values())
    html = (
        f'<html><head><link rel="attachment" href="file:///etc/hostname">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/head.css">'
        f"<style>@import url(http://127.0.0.1:{port}/import.css);</style></head>"
        f"<body><p>正文</p>{raw}</body></html>"
    )
    path = tmp_path / "raw.pdf"
    path.write_bytes(html_to_pdf(html))
    assert requests == []
    assert "0 embedded files" in attachments(path)


def test_fetcher_serves_only_static_files_and_data_uris(http_server):
    """Called directly, the fetcher serves data: URIs and our static files, and refuses file://,
    http(s)://, other hosts and paths outside the static files, without opening them."""
    server, requests = http_server
    port = server.server_address[1]
    fetcher = url_fetcher()
    response = fetcher.fetch("data:text/plain;base64,5rWL6K+V")
    assert response.read().decode() == "测试"
    response = fetcher.fetch(f"{BASE_URL}static/css/document.css")
    assert b"@page" in response.read() and response.content_type == "text/css"
    for url in (
        "file:///etc/hostname",
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/x",
        f"https://127.0.0.1:{port}/x",
        "https://example.com/static/css/document.css",
        f"{BASE_URL}static/../../../../etc/hostname",
        f"{BASE_URL}static/%2e%2e/%2e%2e/etc/hostname",
        f"{BASE_URL}etc/hostname",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(URLRefused):
            fetcher.fetch(url)
    assert requests == []


def test_one_font_configuration_per_thread_prints_the_same_bytes():
    """Every render of a thread shares its WeasyPrint font configuration (made once: fontconfig
    and the CJK faces are not loaded again per document), another thread has its own, and a
    page printed with the shared one is byte for byte the page a fresh configuration prints."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from tables.document.render.weasy import font_config

    assert font_config() is font_config()
    other = []
    thread = threading.Thread(target=lambda: other.append(font_config()))
    thread.start()
    thread.join()
    assert other and other[0] is not font_config()

    html = "<html><body><h1>字体</h1><p>预算公开 <b>粗体</b> 123.45</p></body></html>"
    shared = html_to_pdf(html)
    assert html_to_pdf(html) == shared
    fresh = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf(
        font_config=FontConfiguration()
    )
    assert fresh == shared


def test_no_document_stylesheet_declares_a_font_face():
    """One font configuration serves every document of a thread (`font_config`): a stylesheet
    with @font-face would add its font to that configuration for all later documents."""
    from django.contrib.staticfiles import finders

    from tables.document.render.document import document_css

    assert "@font-face" not in document_css()
    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in [*templates.rglob("*.html"), Path(finders.find("css/document.css"))]:
        assert "@font-face" not in path.read_text(encoding="utf-8"), path


def test_ua_stylesheet_leaves_out_only_the_universal_pseudo_element_rules():
    """Of WeasyPrint's user-agent stylesheet, exactly the five bare ::footnote-*/::note-* rules
    go and the bare ::marker rule becomes li::marker; every other line stays. A WeasyPrint
    release that changes those rules fails here, not silently in print."""
    from weasyprint.html import UA

    from tables.document.render.weasy import ua_stylesheet_text

    before = UA.splitlines()
    after = ua_stylesheet_text(UA).splitlines()
    removed = [line for line in before if line not in after]
    added = [line for line in after if line not in before]
    assert sorted(line.split(" {")[0] for line in removed) == [
        "::footnote-call",
        "::footnote-marker",
        "::marker",
        "::note-call",
        "::note-callback",
        "::note-marker",
    ]
    marker = next(line for line in removed if line.startswith("::marker "))
    assert added == ["li" + marker]
    assert len(after) == len(before) - 5


def test_trimmed_ua_stylesheet_prints_the_demo_byte_for_byte(demo_pdf):
    """Pieces of the demo (the 目录, tables, target tables, the glossary) and a page of lists
    with markers print the same bytes with our user-agent stylesheet as with WeasyPrint's
    own."""
    from weasyprint import HTML

    from tables.document.render.pdf_parts import body_views, front_view
    from tables.document.render.weasy import font_config, weasy_html

    view = document_view(demo_pdf.document, for_pdf=True)
    pieces = [view_html(piece) for piece in body_views(view)]
    chosen = [
        view_html(front_view(view, None)),
        pieces[0],
        next(html for html in pieces if "绩效目标表" in html),
        pieces[-1],
        "<html><body><ul><li>一</li><li>二</li></ul><ol><li>甲</li><li>乙</li></ol></body></html>",
    ]
    for html in chosen:
        ours = weasy_html(html)
        assert type(ours) is not HTML
        stock = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
        assert ours.write_pdf(font_config=font_config()) == stock.write_pdf(
            font_config=font_config()
        )
