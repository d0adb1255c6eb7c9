"""Merging the pieces of the disclosure PDF (tables.document.render.pdf_parts lays them out):
pages in order, the page layer drawn over each page, the deferred fonts' subsets in place of
their placeholders, the pieces' anchors as named destinations (so the 目录's links, whose
targets are in other pieces, point at them) and the outline of all headings."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tables.document.render.pdf_parts import PieceRender

#: in the 目录 piece, links point under this (unresolvable) base; the merge makes them named
#: destinations, since their targets are in other pieces
TOC_LINK_BASE = "https://toc.invalid/"

#: the program a piece embeds for a deferred face: empty, but typed OpenType (CFF) like the
#: subset that replaces it
PLACEHOLDER_PROGRAM = b"OTTO"


def merged_pdf(
    front: PieceRender,
    body: Sequence[PieceRender],
    layers: Sequence[PieceRender],
    programs: dict[str, bytes],
) -> bytes:
    """One PDF: the pages of `front` then of each `body` piece, page i of the `layers` (chunks
    of the page layer, in order) drawn over page i, the deferred fonts' `programs` (font hash → subset) in place of their placeholders, the
    pieces' anchors as named destinations, the 目录's links pointing at them, and the outline
    of all headings.

    pypdf (pure Python) rather than pikepdf: pikepdf needs lxml, and with lxml installed
    openpyxl parses workbooks with it instead of the defusedxml-guarded parser the 预算明细
    import relies on. The merge never parses a content stream (pages keep theirs; the layer is
    drawn from a form XObject), so pure Python is fast enough."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    pieces = [front, *body]
    out = PdfWriter()
    readers = [PdfReader(io.BytesIO(piece.pdf)) for piece in pieces]
    offsets = []
    for reader in readers:
        offsets.append(len(out.pages))
        for page in reader.pages:
            out.add_page(page)
    layer_pages = [page for layer in layers for page in PdfReader(io.BytesIO(layer.pdf)).pages][
        : len(out.pages)
    ]
    if len(layer_pages) != len(out.pages):
        raise ValueError(f"page layer has {len(layer_pages)} pages for {len(out.pages)}")

    def stream(data: bytes, *, compress: bool = False, **entries) -> object:
        made = DecodedStreamObject()
        made.set_data(data)
        made.update({NameObject(key): value for key, value in entries.items()})
        return out._add_object(made.flate_encode() if compress else made)

    # The layer page as a form XObject drawn after the page's own content, which is left as it
    # is (its stream wrapped in q … Q). One name per page: WeasyPrint gives all pages of a
    # piece one shared resource dictionary.
    before = stream(b"q\n")
    for number, (page, over) in enumerate(zip(out.pages, layer_pages, strict=True), 1):
        form = stream(
            over.get_contents().get_data(),
            **{
                "/Type": NameObject("/XObject"),
                "/Subtype": NameObject("/Form"),
                "/BBox": ArrayObject(FloatObject(v) for v in over.mediabox),
                "/Resources": over["/Resources"].clone(out),
            },
        )
        name = f"/Layer{number}"
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        resources["/XObject"].get_object()[NameObject(name)] = form
        contents = page["/Contents"]
        contents = contents.get_object() if isinstance(contents.get_object(), list) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [before, *contents, stream(f"Q\nq {name} Do Q\n".encode())]
        )

    programs_streams = {
        name: stream(program, compress=True, **{"/Subtype": NameObject("/OpenType")})
        for name, program in programs.items()
    }
    # every object the writer holds (pypdf has no public iterator over them)
    for obj in out._objects:
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            name = str(obj["/FontName"])[1:].split("+", 1)[0]
            program = obj.get("/FontFile3")
            if (
                name in programs_streams
                and program is not None
                and program.get_object().get_data() == PLACEHOLDER_PROGRAM
            ):
                obj[NameObject("/FontFile3")] = programs_streams[name]

    prefix = TOC_LINK_BASE + "#"
    for page in out.pages[: front.pages]:
        for annotation in page.get("/Annots", ()):
            annotation = annotation.get_object()
            action = annotation.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith(prefix):
                del annotation["/A"]
                annotation[NameObject("/Dest")] = TextStringObject(uri[len(prefix) :])

    destinations: dict[str, tuple[int, float, float]] = {}
    for offset, piece in zip(offsets, pieces, strict=True):
        for name, (index, x, y) in piece.anchors.items():
            destinations.setdefault(name, (offset + index, x, y))
    names = ArrayObject()
    for name in sorted(destinations):
        index, x, y = destinations[name]
        names.append(TextStringObject(name))
        names.append(
            ArrayObject(
                [
                    out.pages[index].indirect_reference,
                    NameObject("/XYZ"),
                    FloatObject(x),
                    FloatObject(y),
                    NumberObject(0),
                ]
            )
        )
    out.root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/Dests"): out._add_object(DictionaryObject({NameObject("/Names"): names}))}
    )

    _outline(
        out,
        [
            (lv, label, offset + i, x, y)
            for offset, piece in zip(offsets, pieces, strict=True)
            for lv, label, i, x, y in piece.bookmarks
        ],
    )

    head = readers[0]
    if "/Lang" in head.root_object:
        out.root_object[NameObject("/Lang")] = TextStringObject(str(head.root_object["/Lang"]))
    info = head.metadata or {}
    out.add_metadata({key: str(info[key]) for key in ("/Title", "/Producer") if key in info})
    buffer = io.BytesIO()
    out.write(buffer)
    return buffer.getvalue()


def _outline(pdf, bookmarks: list[tuple[int, str, int, float, float]]) -> None:
    """The outline (bookmarks) of the merged pages, nested by heading level as WeasyPrint nests
    it (its own tree builder, fed our pages' headings)."""
    from pypdf.generic import Fit
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    class _Page:
        def __init__(self, marks):
            self.bookmarks = marks

    pages: dict[int, list] = {}
    for level, label, index, x, y in bookmarks:
        pages.setdefault(index, []).append((level, label, (x, y), "open"))
    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for index in sorted(pages):
        previous = make_page_bookmark_tree(
            _Page(pages[index]), skipped, last_by_depth, previous, index, Matrix()
        )

    def add(subtrees, parent):
        for label, (index, x, y), children, _ in subtrees:
            item = pdf.add_outline_item(
                title=label, page_number=index, parent=parent, fit=Fit.xyz(left=x, top=y)
            )
            add(children, item)

    add(root, None)
