"""Public pages, no login: the list of published disclosures, one page per published
version, the stored HTML disclosure for reading, and the stored files.

Only `PublishedVersion` rows are ever shown, and they exist only once a submission has been
published; a draft, submitted, returned or approved submission has none, so every URL of it (and
every guessed id) answers 404. A version stays public after a 更正: the law requires a published
disclosure to stay public, and the version history shows why it was corrected.

The disclosure itself is the stored HTML file, never rendered again. It is served at its own
URL (`public:disclosure_html`), inline, with its own restrictive Content-Security-Policy
(`default-src 'none'`, inline styles only, `sandbox`), and the version page links to it. It is
not embedded in the page: an `<iframe srcdoc>` needs the markup inline in the page, which a strict
CSP on the public pages would refuse, and embedding the stored body in our page would mix its
styles with ours.

The list (with its search and filters) and the version pages are served to anonymous visitors
from a cache that any publication invalidates (`tables.public.cache.public_page`), with
`Cache-Control`, `ETag` and `Last-Modified`.

The small read functions (`public_*`) live here rather than in `tables/publication.py` because
they are only the public pages' query shape over the publication selectors.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render

from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.public import opendata_views
from tables.public.cache import public_page
from tables.publication.search import search_filter, search_query_normal
from tables.publication.services import (
    published_budget_versions,
    published_versions_latest,
    published_versions_of,
)
from tables.publication.views import published_file_response

PER_PAGE = 20
PUBLIC_CACHE = "public, max-age=31536000, immutable"
#: the stored HTML disclosure may style itself but load and run nothing
DISCLOSURE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
#: the downloads offered on a version page, in this order (the HTML is read online)
DOWNLOAD_KINDS = (
    FileKind.PDF,
    FileKind.XLSX,
    FileKind.JSON,
    FileKind.CSV,
    FileKind.OPENDATA,
    FileKind.DATA_CSV,
    FileKind.HTML,
)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def public_disclosures(*, year: int | None = None, department: str = "", q: str = ""):
    """The newest published budget version of every submission, newest publication first, filtered by
    year, 主管部门 code and the search `q` (`tables.publication.search.search_filter`: a part
    of the name or of a variant with the bureau's 简称, the unit code, pinyin initials); with a
    search, the exact unit code first, then the names starting with `q`, then the rest."""
    versions = published_versions_latest()
    if year is not None:
        versions = versions.filter(year=year)
    if department:
        versions = versions.filter(department_code=department)
    if search_query_normal(q):
        return search_filter(versions, query=q).order_by("search_rank", "-published_at", "-id")
    return versions.order_by("-published_at", "-id")


def public_filter_choices() -> tuple[list[int], list[tuple[str, str]]]:
    """The years and the 主管部门 (code, name) that have a published budget (one query: the
    distinct (year, 主管部门) pairs, a few dozen rows, split here)."""
    pairs = (
        published_budget_versions()
        .order_by()
        .values_list("year", "department_code", "department_name")
        .distinct()
    )
    years, departments = set(), set()
    for year, code, name in pairs:
        years.add(year)
        departments.add((code, name))
    return sorted(years, reverse=True), sorted(departments)


def public_version_get(*, version_id: int) -> PublishedVersion:
    """A published version without its snapshot, or 404; annotated with `is_department` (it is a
    部门预算) and `department_version_id` (the newest published 部门预算 of its 主管部门 and year,
    of the same kind: a 决算's is the 部门决算; None when there is none) and `other_kind_version_id`
    (the newest published version of the unit's year of the other kind: a budget's 决算, a
    决算's budget; None when there is none), in the same query. Any kind is served: a 决算
    version is found by its id although the lists show budgets only."""
    department_versions = published_versions_latest(kind=None).filter(
        kind=OuterRef("kind"),
        year=OuterRef("year"),
        department_code=OuterRef("department_code"),
        is_department=True,
    )
    other_kind = (
        PublishedVersion.objects.filter(unit_code=OuterRef("unit_code"), year=OuterRef("year"))
        .exclude(kind=OuterRef("kind"))
        .order_by("-published_at", "-id")
    )
    version = (
        PublishedVersion.objects.defer("data_json")
        .annotate(
            department_version_id=Subquery(department_versions.values("pk")[:1]),
            other_kind_version_id=Subquery(other_kind.values("pk")[:1]),
        )
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise Http404("没有这个已公开的版本")
    return version


def public_department_members(*, version: PublishedVersion) -> list[PublishedVersion]:
    """The newest published versions of the member units of a 部门预算's 主管部门 for its year
    and of its kind, 本级 first, then by unit code (one query)."""
    return list(
        published_versions_latest(kind=version.kind)
        .filter(
            year=version.year,
            department_code=version.department_code,
            is_department=False,
        )
        .order_by("-is_headquarters", "unit_code")
    )


def public_file_get(*, file_id: int, kind: str | None = None) -> PublishedFile:
    """A stored file's metadata (`content` deferred), or 404."""
    files = PublishedFile.objects.defer("content").filter(pk=file_id)
    if kind is not None:
        files = files.filter(kind=kind)
    file = files.first()
    if file is None:
        raise Http404("没有这个已公开的文件")
    return file


# --- views -------------------------------------------------------------------------------------


@public_page
def disclosure_list(request):
    """已公开的单位预算: filters, search and pages; four queries whatever the page size."""
    year = _int_or_none(request.GET.get("year"))
    department = request.GET.get("department", "").strip()
    q = request.GET.get("q", "").strip()
    paginator = Paginator(public_disclosures(year=year, department=department, q=q), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    years, departments = public_filter_choices()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "public/disclosure_list.html",
        {
            "page": page,
            "years": years,
            "departments": departments,
            "year": year,
            "department": department,
            "q": q,
            "query": query.urlencode(),
        },
    )


@public_page
def disclosure_detail(request, version_id: int):
    """One published version: its metadata, the downloads with size and SHA-256, and the version
    history of its submission with each correction's reason; a 部门预算 links its member units'
    disclosures, a member unit's links back to its 部门预算."""
    version = public_version_get(version_id=version_id)
    history = list(published_versions_of(submission_id=version.submission_id))
    current = next(v for v in history if v.pk == version.pk)
    files = {f.kind: f for f in current.files.all()}
    return render(
        request,
        "public/disclosure_detail.html",
        {
            "version": current,
            "is_department": version.is_department,
            "members": public_department_members(version=version) if version.is_department else [],
            "department_version_id": (
                None if version.is_department else version.department_version_id
            ),
            "other_kind_version_id": version.other_kind_version_id,
            "latest": history[0],
            "history": history,
            "html_file": files.get(FileKind.HTML),
            "downloads": [files[kind] for kind in DOWNLOAD_KINDS if kind in files],
        },
    )


def disclosure_latest(request, unit_code: str, year: int):
    """A stable address for a unit's year: redirects to its newest published budget version."""
    version = (
        published_versions_latest()
        .filter(unit_code=unit_code, year=year)
        .order_by("-published_at", "-id")
        .first()
    )
    if version is None:
        raise Http404("该单位该年度尚未公开")
    return redirect("public:disclosure", version_id=version.pk)


def disclosure_html(request, version_id: int):
    """The stored HTML disclosure of a version, inline, under a CSP that runs nothing."""
    file = (
        PublishedFile.objects.defer("content")
        .filter(version_id=version_id, kind=FileKind.HTML)
        .first()
    )
    if file is None:
        raise Http404("没有这个已公开的版本")
    response = published_file_response(request, file, cache_control=PUBLIC_CACHE)
    if response.status_code == 200:
        response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = DISCLOSURE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_download(request, file_id: int, file_name: str):
    """One stored file, as stored; the name in the URL must be the stored one. A budget CSV with
    `?lang=zh` comes with its Chinese header for Excel (`opendata_views.stored_csv_zh`)."""
    file = public_file_get(file_id=file_id)
    if file.file_name != file_name:
        raise Http404("没有这个已公开的文件")
    # --- open data: a stored budget CSV with its Chinese header, for Excel (?lang=zh) ---
    if file.kind == FileKind.DATA_CSV and request.GET.get("lang") == opendata_views.LANG_ZH:
        return opendata_views.stored_csv_zh(request, file)
    return published_file_response(request, file, cache_control=PUBLIC_CACHE)
