"""The disclosure as a PDF: WeasyPrint prints the same self-contained HTML as `document_html`
(`for_pdf=True`), with the print rules of static/css/document.css (A4, 目录 page numbers by
`target-counter`, page numbers in the footer, repeated table headers, rows never split).
`document_pdf` prints it in pieces, in parallel and cached, and merges them
(tables.document.render.pdf_parts), through the confined fetcher of
`tables.document.render.weasy`.
"""

from __future__ import annotations

from tables.document.build import DisclosureDocument


def document_pdf(document: DisclosureDocument, *, use_cache: bool = True) -> bytes:
    """The whole disclosure as PDF bytes, laid out in pieces in parallel and merged
    (tables.document.render.pdf_parts).

    With `use_cache` the pieces and the merged PDF are cached under the SHA-256 of their HTML:
    downloading an unchanged draft again costs no layout, and after a small edit only the piece
    that holds it is laid out again, in whichever process (the cache is shared). The bytes are
    the same with or without it. Without it everything is rendered afresh."""
    from tables.document.render.pdf_parts import disclosure_pdf, pdf_cache

    return disclosure_pdf(document, cache=pdf_cache() if use_cache else None)
