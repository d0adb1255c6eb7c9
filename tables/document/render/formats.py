"""The whole disclosure as a downloadable file, by format: the one dispatcher over the HTML,
PDF and XLSX renderers (which load WeasyPrint and openpyxl only when called)."""

from __future__ import annotations

from tables.document.build import DisclosureDocument
from tables.document.render.document import document_html

#: the formats the whole document is rendered in, with their content types
DOCUMENT_CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def document_render(document: DisclosureDocument, fmt: str) -> bytes:
    """The document as a file of format `fmt` (a key of DOCUMENT_CONTENT_TYPES). The PDF and
    XLSX renderers load WeasyPrint and openpyxl only when called."""
    if fmt == "html":
        return document_html(document).encode("utf-8")
    if fmt == "pdf":
        from tables.document.render.pdf import document_pdf

        return document_pdf(document)
    if fmt == "xlsx":
        from tables.document.render.xlsx import disclosure_workbook

        return disclosure_workbook(document)
    raise ValueError(f"unknown document format {fmt!r}")
