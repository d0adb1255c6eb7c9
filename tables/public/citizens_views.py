"""公民预算 pages: a published unit's (`public:citizens`) and the county's of a year
(`public:county_citizens`), each as a web page and as a PDF printed by WeasyPrint through the
confined fetcher (`tables.document.render.weasy`).

The web pages are cached like every anonymous public page (`public_page`). The PDFs:

- a unit's is made from one published version, which never changes: it is printed once per
  process (kept in the `public_pages` cache under the version id) and served with a day's
  `max-age` and an `ETag`;
- the county's changes whenever a unit of the year publishes: it goes through `public_page`
  too, so it is keyed by the publication generation and served with the short public max-age
  and an `ETag`.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from tables.document.narrative import ChartSpec
from tables.document.render.charts import chart_svg
from tables.public.cache import CACHE_ALIAS, public_page
from tables.public.citizens import citizens_county_get, citizens_unit_get

#: a unit's PDF is the same for as long as its template is: bump to print them again
PDF_REVISION = 1
UNIT_PDF_MAX_AGE = 86400
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
        name: mark_safe(
            chart_svg(
                ChartSpec(
                    f"citizens-{name}",
                    title,
                    tuple((part.name, part.amount) for part in parts),
                )
            )
        )
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


@require_safe
def unit_citizens_pdf(request, version_id: int):
    """The same summary as a PDF, printed once per version and process."""
    cache = caches[CACHE_ALIAS]
    key = f"citizens-pdf:{PDF_REVISION}:{version_id}"
    content = cache.get(key)
    if content is None:
        citizens = _unit(version_id)
        content = _pdf(_context(citizens, "unit"))
        cache.set(key, content, None)
    etag = f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'
    response = _pdf_response(content, f"公民预算-{version_id}.pdf")
    patch_cache_control(response, public=True, max_age=UNIT_PDF_MAX_AGE)
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response)


@require_safe
@public_page
def county_citizens(request, year: int):
    """The county's 公民预算 of a year: its published units summed (部门预算 left out)."""
    return render(request, "public/citizens.html", _context(_county(year), "county"))


@require_safe
@public_page
def county_citizens_pdf(request, year: int):
    """The county's summary as a PDF (cached per publication generation by `public_page`)."""
    content = _pdf(_context(_county(year), "county"))
    return _pdf_response(content, f"公民预算-{year}.pdf")
