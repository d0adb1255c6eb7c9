"""Pages showing a submission's statutory tables; thin: select (with permission) → derive →
render."""

import re
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from tables.desk.findings import findings_linked
from tables.document.build import document_build
from tables.document.disclosure import disclosure_derive
from tables.document.final import final_derive
from tables.document.render.csv import table_csv_bytes
from tables.document.render.document import document_html
from tables.document.render.formats import DOCUMENT_CONTENT_TYPES, document_render
from tables.document.render.html import html_table
from tables.figures.final.derive import FINAL_BUILDERS
from tables.figures.registry import BUILDERS
from units.permissions import submission_editable_by
from units.selectors import submission_get_for_user


def _derived(submission):
    """The derived tables and findings of a budget (T01–T14) or of a 决算 (F01–F09)."""
    return (
        final_derive(submission=submission)
        if submission.is_final
        else (disclosure_derive(submission=submission))
    )


@login_required
def submission_tables(request, pk: int):
    submission = submission_get_for_user(user=request.user, pk=pk)
    derived = _derived(submission)
    label = f"{derived.data.scope}名称"
    items = [
        {"table": table, "html": html_table(table, name_label=label)}
        for table in derived.tables.values()
    ]
    return render(
        request,
        "tables/submission_tables.html",
        {
            "submission": submission,
            "unit": submission.unit,
            "items": items,
            # each finding names its table, row and rule and links to what to change
            "findings": findings_linked(
                derived.findings,
                submission,
                editable=submission_editable_by(request.user, submission),
            ),
        },
    )


@login_required
def table_csv(request, pk: int, code: str):
    submission = submission_get_for_user(user=request.user, pk=pk)
    if code not in (FINAL_BUILDERS if submission.is_final else BUILDERS):
        raise Http404("没有这张公开表")
    table = _derived(submission).tables[code]
    stem = f"{submission.unit.code}-{submission.year}-{code}"
    name = f"{stem}-{table.label}-{table.title}.csv"
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    response = HttpResponse(table_csv_bytes(table), content_type="text/csv; charset=utf-8")
    # RFC 6266: a plain ASCII name for old clients, the Chinese name (RFC 5987) for the rest.
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_stem}.csv\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response


def document_filename(document, submission, fmt: str) -> str:
    """ "003-2025-阳城县…办公室2025年度单位预算公开（草稿）.pdf" (部门预算公开 on a 部门)"""
    draft = "（草稿）" if document.is_draft else ""
    return (
        f"{submission.unit.code}-{document.year}-{document.unit_name}{document.year}"
        f"年度{document.data.scope}{document.kind_label}公开{draft}.{fmt}"
    )


def _document_links(submission) -> list[tuple[str, str]]:
    pk = submission.pk
    return [
        (reverse("tables:submission_tables", kwargs={"pk": pk}), "返回公开表"),
        (reverse("tables:document_download", kwargs={"pk": pk, "fmt": "pdf"}), "下载 PDF"),
        (reverse("tables:document_download", kwargs={"pk": pk, "fmt": "xlsx"}), "下载 Excel"),
        (reverse("tables:document_download", kwargs={"pk": pk, "fmt": "html"}), "下载 HTML"),
    ]


@login_required
def document_page(request, pk: int):
    """The whole disclosure as one page (the standalone document, with navigation links)."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    # Publishing does not exist yet: every document shown here is a draft.
    document = document_build(submission=submission, is_draft=True)
    return HttpResponse(
        document_html(document, links=_document_links(submission)),
        content_type=DOCUMENT_CONTENT_TYPES["html"],
    )


@login_required
def document_download(request, pk: int, fmt: str):
    """The whole disclosure as an HTML, PDF or XLSX file, watermarked 草稿."""
    if fmt not in DOCUMENT_CONTENT_TYPES:
        raise Http404("不支持的下载格式")
    submission = submission_get_for_user(user=request.user, pk=pk)
    document = document_build(submission=submission, is_draft=True)
    response = HttpResponse(
        document_render(document, fmt), content_type=DOCUMENT_CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = content_disposition_header(
        True, document_filename(document, submission, fmt)
    )
    return response
