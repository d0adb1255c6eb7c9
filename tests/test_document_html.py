"""The whole disclosure as one HTML page (tables.document.render.document): structure, accessibility,
numbers, self-containment and escaping."""

from __future__ import annotations

import re
import subprocess

import pytest
import tinyhtml5
from django.urls import reverse

from tables.document.build import document_build
from tables.document.render.document import (
    column_widths,
    document_html,
    paragraphs,
)
from tables.figures.formatting import body_grid, chinese_numeral, header_grid
from units.models import SubmissionText

pytestmark = pytest.mark.django_db

SVG = "http://www.w3.org/2000/svg"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


# Parsing helpers (also used by the other document tests) ------------------------------------


def parse(html: str):
    """The page as an ElementTree element, tags without namespace."""
    return tinyhtml5.parse(html, namespace_html_elements=False)


def text_of(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def headings(root) -> list[tuple[int, str]]:
    return [(int(e.tag[1]), text_of(e)) for e in root.iter() if e.tag in HEADINGS]


def ids_in_order(root) -> list[str]:
    return [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]


def by_id(root, anchor: str):
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") == anchor:
            return element
    raise AssertionError(f"no element with id {anchor!r}")


def table_rows(table) -> tuple[list[list[str]], list[list[str]]]:
    """(header rows, body rows) of a <table> as texts; header cells of merged headers once."""
    head, body = [], []
    for section in table:
        rows = [[text_of(c) for c in tr if c.tag in ("th", "td")] for tr in section.iter("tr")]
        if section.tag == "thead":
            head += rows
        elif section.tag == "tbody":
            body += rows
    return head, body


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def document(demo):
    return document_build(submission=demo)


@pytest.fixture
def root(document):
    return parse(document_html(document))


# Structure ----------------------------------------------------------------------------------


def test_headings_are_in_order(root, document):
    """One h1; no heading level is skipped going down; the four parts are the h2s, in order."""
    levels = headings(root)
    assert [level for level, _ in levels].count(1) == 1
    assert levels[0][0] == 1 and document.unit_name in levels[0][1]
    for (before, _), (after, text) in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading {text!r} skips a level"
    parts = [text for level, text in levels if level == 2 and text != "目 录"]
    assert parts == [
        "第一部分 概况",
        "第二部分 2025年单位预算报表",
        "第三部分 2025年度单位预算情况说明",
        "第四部分 名词解释",
    ]


def test_document_order_follows_the_published_document(root, document):
    """Cover, 目录, 概况, tables 1–14, sections 一–十, attachments, 十一–十二, glossary."""
    order = ids_in_order(root)
    expected = ["cover", "toc", "part-1", "duties", "organisation", "part-2"]
    expected += [f"T{n:02d}" for n in range(1, 15)]
    expected += ["part-3"] + [f"n{i}" for i in range(1, 11)] + ["attachments", "att-unit"]
    expected += [f"att-{sheet.key}" for sheet in document.project_target_sheets]
    expected += ["n11", "n12", "part-4"]
    positions = [order.index(anchor) for anchor in expected]
    assert positions == sorted(positions)
    narrative = [text for level, text in headings(root) if level == 3 and "、" in text]
    numbers = [text.split("、")[0] for text in narrative[2:]]  # after 概况's 一、二、
    assert numbers == [chinese_numeral(i) for i in range(1, 13)]


def test_every_table_has_a_caption_and_scoped_headers(root, document):
    """Each statutory and target table has a caption naming it; every th has a scope."""
    tables = list(root.iter("table"))
    sheets = (document.unit_target_sheet, *document.project_target_sheets)
    assert len(tables) == len(document.tables) + len(sheets)
    for table in tables:
        caption = table.find("caption")
        assert caption is not None and text_of(caption)
        for th in table.iter("th"):
            assert th.get("scope") in ("col", "row", "rowgroup"), text_of(th)
    for code, table in document.tables.items():
        caption = text_of(by_id(root, code).find(".//caption"))
        assert table.title in caption and f"单位名称：{table.unit_name}" in caption


def test_toc_links_resolve_to_sections_in_document_order(root):
    """Every 目录 link points to an id of the page, in the order the sections appear."""
    toc = by_id(root, "toc")
    targets = [a.get("href") for a in toc.iter("a")]
    assert targets and all(href.startswith("#") for href in targets)
    order = ids_in_order(root)
    positions = [order.index(href[1:]) for href in targets]
    assert positions == sorted(positions)
    assert len(set(targets)) == len(targets)


def test_charts_are_inline_svg_with_titles(root):
    """Both charts are inline <svg role="img"> with a <title>, inside the narrative."""
    charts = [figure.find(f"{{{SVG}}}svg") for figure in root.iter("figure")]
    assert len(charts) == 2 and None not in charts
    titles = {text_of(svg.find(f"{{{SVG}}}title")) for svg in charts}
    assert titles == {"一般公共预算当年拨款结构图", "三公经费分布图"}
    assert all(svg.get("role") == "img" for svg in charts)


def test_glossary_is_numbered(root, document):
    """名词解释 lists every term of the submission, numbered 一、二、…"""
    terms = [text_of(dt) for dt in by_id(root, "part-4").iter("dt")]
    assert terms == [
        f"{chinese_numeral(i)}、{term}："
        for i, (term, _) in enumerate(document.texts.glossary, start=1)
    ]


# Numbers ------------------------------------------------------------------------------------


def test_tables_show_the_derived_grid(root, document):
    """Each table's header and body cells are exactly `header_grid`/`body_grid` (merged
    headers once), so no number is computed or formatted differently here."""
    for code, table in document.tables.items():
        head, body = table_rows(by_id(root, code).find(".//table"))
        merged = [[cell.text for cell in row] for row in table.header]
        assert head == merged, code
        assert body == body_grid(table), code
        assert len(header_grid(table.header)) == len(head)


def test_tables_match_the_tables_page(client, django_user_model, demo, root):
    """The document shows the same cells as the tables page, table by table."""
    client.force_login(django_user_model.objects.create_superuser("admin", password="x"))
    response = client.get(reverse("tables:submission_tables", kwargs={"pk": demo.pk}))
    page = parse(response.content.decode())
    for n in range(1, 15):
        code = f"T{n:02d}"
        assert table_rows(by_id(page, code).find(".//table")) == table_rows(
            by_id(root, code).find(".//table")
        ), code


def test_narrative_paragraphs_appear_verbatim(root, document):
    """Every sentence of 情况说明 is on the page as built (figures included)."""
    page = text_of(by_id(root, "part-3"))

    def walk(sections):
        for section in sections:
            for block in section.blocks:
                for line in paragraphs(block.text):
                    assert line in page
            walk(section.subsections)

    walk(document.narrative.sections)


def test_column_widths_add_up_for_every_table(document):
    """The print widths of each table's columns are percentages adding up to 100%."""
    for table in document.tables.values():
        widths = column_widths(table)
        assert len(widths) == len(table.columns)
        assert abs(sum(float(w.rstrip("%")) for w in widths) - 100) < 0.1


# Self-contained, escaped, draft ----------------------------------------------------------------


@pytest.mark.parametrize("for_pdf", [False, True])
def test_page_is_self_contained(document, for_pdf):
    """No script, no external stylesheet, no src anywhere and no link but in-page anchors:
    opening the file (the download, or the page the PDF is printed from) makes no request."""
    html = document_html(document, for_pdf=for_pdf)
    root = parse(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "link", "img", "iframe", "object", "embed")
        for name, value in element.attrib.items():
            if name in ("src", "srcset", "data") or name.endswith("href"):
                assert value.startswith("#"), f"{element.tag} {name}={value}"
    style = "".join(e.text or "" for e in root.iter("style"))
    assert "@page" in style and "url(" not in style and "@import" not in style


def test_user_text_is_escaped(demo):
    """Markup typed into reasons, notes and 职责 is shown as text, never as markup."""
    SubmissionText.objects.update_or_create(
        submission=demo,
        defaults={
            "revenue_change_reason": "人员减少<img src=x>",
            "other_notes": '<script>alert("x")</script>说明',
            "duties": "职责<b>加粗</b>",
        },
    )
    html = document_html(document_build(submission=demo))
    assert "人员减少&lt;img src=x&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;说明" in html
    assert "职责&lt;b&gt;加粗&lt;/b&gt;" in html
    root = parse(html)
    assert not list(root.iter("img")) and not list(root.iter("script"))
    assert "人员减少<img src=x>" in text_of(by_id(root, "n1"))


def test_draft_is_watermarked_and_final_is_not(demo):
    """A draft carries the 草稿 watermark (and says so in the title); a final document not."""
    draft = parse(document_html(document_build(submission=demo, is_draft=True)))
    marks = [e for e in draft.iter("div") if e.get("class") == "watermark"]
    assert len(marks) == 1 and text_of(marks[0]) == "草稿"
    assert text_of(draft.find(".//title")).endswith("（草稿）")
    final = document_html(document_build(submission=demo, is_draft=False))
    assert 'class="watermark"' not in final and "（草稿）" not in final


def test_pdf_variant_has_no_navigation_links(document):
    """The page printed to PDF leaves out the web view's links bar."""
    links = [("/x/", "返回")]
    assert 'class="document-bar"' in document_html(document, links=links)
    assert 'class="document-bar"' not in document_html(document, for_pdf=True, links=links)


# Phone ----------------------------------------------------------------------------------------


def test_page_does_not_scroll_sideways_on_a_phone(document, tmp_path):
    """At 320 CSS pixels wide (in headless Chromium) the page is no wider than the screen: wide
    tables scroll inside their own wrapper."""
    (tmp_path / "doc.html").write_text(document_html(document), encoding="utf-8")
    (tmp_path / "phone.html").write_text(
        '<html><body><iframe id="f" src="doc.html" style="width:320px;height:600px;border:0">'
        "</iframe><script>document.getElementById('f').onload = function () {"
        "var d = this.contentDocument.documentElement;"
        "document.body.setAttribute('data-width', d.scrollWidth + '/' + d.clientWidth);};"
        "</script></body></html>",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--allow-file-access-from-files",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            (tmp_path / "phone.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'data-width="(\d+)/(\d+)"', result.stdout)
    assert found, result.stderr[-2000:]
    scroll_width, client_width = map(int, found.groups())
    assert 0 < client_width <= 320
    assert scroll_width <= client_width


# Pure helpers ---------------------------------------------------------------------------------


def test_paragraphs_drop_blank_lines():
    """Entered text becomes one paragraph per non-blank line."""
    assert paragraphs(" 一\r\n\n  二 \n") == ["一", "二"]
    assert paragraphs("") == []
