"""公民预算 pages: a published unit's (`public:citizens`) and the county's of a year
(`public:county_citizens`), each as a web page and as a PDF printed by WeasyPrint through the
confined fetcher (`tables.document.render.weasy`).

The web pages and the PDFs are cached like every anonymous public page (`public_page`): keyed
by the publication generation (a unit's summary compares with the previous year's newest
version, which a 更正 changes; the county's changes with every publication), served with the
short public max-age and an `ETag`. A PDF takes no parameters: a query string is redirected
away, so made-up ones cannot make it print again.
"""

from __future__ import annotations

import functools

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from tables.public.cache import public_page
from tables.public.charts import structure_chart
from tables.public.citizens import citizens_county_get, citizens_unit_get

PDF_TYPE = "application/pdf"


def _unit(version_id: int):
    citizens = citizens_unit_get(version_id=version_id)
    if citizens is None:
        raise Http404("没有这个已公开的版本")
    return citizens


def _county(year: int):
    citizens = citizens_county_get(year=year)
    if citizens is None:
        raise Http404("该年度尚无单位公开预算")
    return citizens


def _context(citizens, kind: str) -> dict:
    """The template's context: the summary and its two bar charts (inline SVG, labels
    escaped by `chart_svg`)."""
    summary = citizens.summary
    charts = {
        name: structure_chart(f"citizens-{name}", title, parts)
        for name, title, parts in (
            ("sources", "收入来源", summary.sources),
            ("uses", "支出功能分类", summary.uses),
        )
        if parts
    }
    return {"citizens": citizens, "kind": kind, "charts": charts}


def _pdf(context: dict) -> bytes:
    from tables.document.render.weasy import html_to_pdf

    return html_to_pdf(render_to_string("public/citizens_pdf.html", context))


def _pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, file_name)
    return response


@require_safe
@public_page
def unit_citizens(request, version_id: int):
    """A unit's 公民预算 (简明版) of one published version."""
    return render(request, "public/citizens.html", _context(_unit(version_id), "unit"))


def _without_query(view):
    """A PDF has no parameters: a request with a query string is sent to the bare address, so
    made-up parameters cannot make the cache (keyed by the full path) print it again."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.META.get("QUERY_STRING"):
            return redirect(request.path)
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@_without_query
@public_page
def unit_citizens_pdf(request, version_id: int):
    """The same summary as a PDF, printed once per publication generation and process (its
    comparison reads the previous year's newest version, which a 更正 may change)."""
    citizens = _unit(version_id)
    return _pdf_response(_pdf(_context(citizens, "unit")), f"公民预算-{version_id}.pdf")


@require_safe
@public_page
def county_citizens(request, year: int):
    """The county's 公民预算 of a year: its published units summed (部门预算 left out)."""
    return render(request, "public/citizens.html", _context(_county(year), "county"))


@require_safe
@_without_query
@public_page
def county_citizens_pdf(request, year: int):
    """The county's summary as a PDF (cached per publication generation by `public_page`)."""
    content = _pdf(_context(_county(year), "county"))
    return _pdf_response(content, f"公民预算-{year}.pdf")
