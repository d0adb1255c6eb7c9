"""Public open data, no login: the published JSON Schemas, and per budget year the bulk
CSV of all units and its datapackage.json.

The bulk CSV (`/public/data/<year>.csv`) is the stored budget CSV (`FileKind.DATA_CSV`) of the
newest published version of every unit of the year, by unit code, under one header: the bytes
published, concatenated, never derived again. It is streamed, reading the stored files in chunks
(`CHUNK` files per query), so its query count grows with units / CHUNK, not with units. Each
stored body passes through the product's CSV writer on the way out (`tables.document.render.csv.
csv_neutralised`): the same bytes for ordinary data, and a file stored before formula-like cells
were neutralised gets its apostrophes now (the stored file itself never changes). Plain UTF-8
without BOM (what CSV and FDP tools expect; Excel needs the variants below). A version published
before the open-data files existed has no stored budget CSV: its rows are built from its stored
snapshot (the same function, so the same bytes).

For Excel, each CSV is also served with a Chinese header (`?lang=zh`: a UTF-8 BOM, the fields'
Chinese titles instead of their names, then the same data rows byte for byte; `opendata.csv_zh`),
the bulk file of a year (`year_csv`) and each version's stored budget CSV (`stored_csv_zh`,
reached from `tables.public.views.file_download`); and the bulk file of a year as a workbook
(`/public/data/<year>.xlsx`, `tables.publication.opendata_xlsx`), built while reading the stored
files in the same chunks into a temporary file, then streamed from it.

It changes whenever a unit publishes or corrects, so it is not cached as immutable: `ETag`
(over the versions and their files' SHA-256, and which variant) and `Last-Modified` (the newest
publication) let a client revalidate, `max-age` is short. Only published versions exist here; a
year without any answers 404.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

from django.db.models import CharField, Count, IntegerField, Max, OuterRef, Subquery, Value
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date

from tables.document.render.csv import csv_neutralised
from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.public.addresses import public_absolute_url
from tables.publication import opendata, opendata_xlsx
from tables.publication.opendata_fields import BUDGET_FIELDS
from tables.publication.services import published_versions_latest
from tables.publication.views import published_file_cache_dir
from units.models import SubmissionKind

#: stored files read per query while streaming the bulk CSV
CHUNK = 50
#: the bulk CSV and its descriptor change when a unit publishes: revalidate after five minutes
BULK_CACHE = "public, max-age=300"
#: a schema's content is fixed by its versioned name; its wording may still be improved
SCHEMA_CACHE = "public, max-age=86400"
#: a stored file's Chinese-header variant: its rows never change, the titles' wording might
ZH_FILE_CACHE = "public, max-age=86400"
#: `?lang=zh`: the Chinese-header variant of a CSV
LANG_ZH = "zh"


def opendata_year_entries(*, year: int, kind: str = SubmissionKind.BUDGET) -> list[tuple]:
    """(version id, unit code, published at, stored budget CSV id or None, its SHA-256 or None)
    of the newest published version of `kind` of every unit of `year`, by unit code: one query. A 部门预算
    is left out: its lines are its members' lines, which are in the file already (summing the
    year would count them twice). A 决算's rows are always built from its snapshot (no stored
    file id): a 决算 published before its open data had three phases stored them as a budget's."""
    stored = PublishedFile.objects.filter(version_id=OuterRef("pk"), kind=FileKind.DATA_CSV)
    if kind == SubmissionKind.FINAL:
        return list(
            published_versions_latest(kind=kind)
            .filter(year=year, is_department=False)
            .annotate(file_id=Value(None, output_field=IntegerField()))
            .annotate(file_sha256=Value(None, output_field=CharField()))
            .order_by("unit_code", "submission_id")
            .values_list("pk", "unit_code", "published_at", "file_id", "file_sha256")
        )
    return list(
        published_versions_latest()
        .filter(year=year, is_department=False)
        .annotate(
            file_id=Subquery(stored.values("pk")[:1]),
            file_sha256=Subquery(stored.values("sha256")[:1]),
        )
        .order_by("unit_code", "submission_id")
        .values_list("pk", "unit_code", "published_at", "file_id", "file_sha256")
    )


def opendata_year_summary(*, year: int, kind: str = SubmissionKind.BUDGET) -> tuple[int, object]:
    """(units whose budget, or `kind`, is published, newest publication time) of `year`: one
    query."""
    summary = (
        published_versions_latest(kind=kind)
        .filter(year=year)
        .aggregate(n=Count("pk"), last=Max("published_at"))
    )
    return summary["n"], summary["last"]


def bulk_csv_bodies(entries):
    """The data rows of each entry's stored budget CSV (bytes, one unit at a time), in `entries`
    order, formula-like cells neutralised."""
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start : start + CHUNK]
        file_ids = [entry[3] for entry in chunk if entry[3] is not None]
        contents = dict(PublishedFile.objects.filter(pk__in=file_ids).values_list("pk", "content"))
        legacy = [entry[0] for entry in chunk if entry[3] is None]
        snapshots = (
            dict(PublishedVersion.objects.filter(pk__in=legacy).values_list("pk", "data_json"))
            if legacy
            else {}
        )
        for version_id, _, _, file_id, _ in chunk:
            if file_id is not None:
                yield csv_neutralised(opendata.csv_body(contents[file_id]))
            else:
                yield opendata.csv_body(opendata.budget_csv(snapshots[version_id]))


def bulk_csv_chunks(entries, *, zh: bool = False):
    """The header (the field names, or with `zh` the BOM and the Chinese titles), then the data
    rows of `bulk_csv_bodies`."""
    if zh:
        yield opendata.csv_header_zh([field.name for field in BUDGET_FIELDS])
    else:
        yield opendata.csv_header()
    yield from bulk_csv_bodies(entries)


def bulk_rows(entries):
    """The data rows of the bulk CSV, parsed (lists of text), in its order."""
    for body in bulk_csv_bodies(entries):
        yield from csv.reader(io.StringIO(body.decode("utf-8"), newline=""))


#: part of the bulk ETag: the output of the same stored files changes when the writer's rules do
#: (the apostrophe rule of `tables.document.render.csv`), so a client's copy must not stay valid
BULK_WRITER_VERSION = b"formula-escape-1\n"
#: part of the ETag of the other variants of the bulk file (the plain CSV has none)
ZH_VARIANT = b"zh-header-1\n"
XLSX_VARIANT = b"xlsx-1\n"


def _bulk_etag(entries, variant: bytes = b"") -> str:
    digest = hashlib.sha256(BULK_WRITER_VERSION + variant)
    for version_id, _, _, _, sha256 in entries:
        digest.update(f"{version_id}:{sha256 or ''}\n".encode())
    return f'"{digest.hexdigest()}"'


def bulk_file_name(
    year: int, *, zh: bool = False, suffix: str = ".csv", kind: str = SubmissionKind.BUDGET
) -> str:
    return f"{year}年单位{SubmissionKind(kind).label}公开数据（全部单位{'，中文表头' if zh else ''}）{suffix}"


def zh_file_name(file_name: str) -> str:
    """The download name of a stored CSV's Chinese-header variant."""
    return f"{file_name.removesuffix('.csv')}（中文表头）.csv"


def _year_entries_or_404(year: int, kind: str = SubmissionKind.BUDGET) -> list[tuple]:
    entries = opendata_year_entries(year=year, kind=kind)
    if not entries:
        raise Http404(f"该年度没有已公开的单位{SubmissionKind(kind).label}")
    return entries


#: the URL names of a kind's bulk CSV and its descriptor
BULK_URLS = {
    SubmissionKind.BUDGET: ("public:year_csv", "public:year_datapackage"),
    SubmissionKind.FINAL: ("public:year_final_csv", "public:year_final_datapackage"),
}
#: part of the ETag of a year's 决算 CSV: its rows are built from the snapshots by this writer
FINAL_ROWS_VARIANT = b"final-rows-1\n"


def _bulk_headers(
    response, year: int, etag: str, last_modified: float, kind: str = SubmissionKind.BUDGET
):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = BULK_CACHE
    response["Link"] = (
        f'<{reverse(BULK_URLS[kind][1], args=[year])}>; rel="describedby"; type="application/json"'
    )
    return response


def _etagged_response(request, content: bytes, content_type: str, cache_control: str):
    """`content` with its SHA-256 as ETag, or 304 when the client holds it."""
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        content, content_type=content_type
    )
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


# --- views -------------------------------------------------------------------------------------


def year_csv(request, year: int):
    """All units' budget rows of a year (newest published versions), one CSV, streamed; with
    `?lang=zh` under the Chinese header, BOM first (for Excel)."""
    return _year_csv(request, year, SubmissionKind.BUDGET)


def year_final_csv(request, year: int):
    """All units' 决算 rows of a year (newest published 决算, each line in three phases), one
    CSV as `year_csv`."""
    return _year_csv(request, year, SubmissionKind.FINAL)


def _year_csv(request, year: int, kind: str):
    entries = _year_entries_or_404(year, kind)
    zh = request.GET.get("lang") == LANG_ZH
    variant = (FINAL_ROWS_VARIANT if kind == SubmissionKind.FINAL else b"") + (
        ZH_VARIANT if zh else b""
    )
    etag = _bulk_etag(entries, variant)
    last_modified = max(entry[2] for entry in entries).timestamp()
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = StreamingHttpResponse(
            bulk_csv_chunks(entries, zh=zh), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=bulk_file_name(year, zh=zh, kind=kind)
        )
    return _bulk_headers(response, year, etag, last_modified, kind)


def _year_xlsx_open(year: int, entries, etag: str):
    """The year's workbook as an open file: built once per content (its ETag) into the file
    cache beside the stored files (`PUBLISHED_FILE_CACHE_DIR/bulk/`, written to a temporary
    name and renamed, so every worker reuses it), or into a temporary file when there is no
    cache directory."""
    root = published_file_cache_dir()
    if root is None:
        output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        opendata_xlsx.budget_workbook_write(
            bulk_rows(entries), output, sheet_title=f"{year}年预算收支明细"
        )
        output.seek(0)
        return output
    path = root / "bulk" / f"{hashlib.sha256(etag.encode()).hexdigest()}.xlsx"
    try:
        return open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as output:
        try:
            opendata_xlsx.budget_workbook_write(
                bulk_rows(entries), output, sheet_title=f"{year}年预算收支明细"
            )
        except BaseException:
            Path(output.name).unlink(missing_ok=True)
            raise
    os.replace(output.name, path)
    return open(path, "rb")  # noqa: SIM115 (FileResponse closes it)


def year_xlsx(request, year: int):
    """All units' budget rows of a year as one workbook (Chinese header, amounts as numbers),
    built once per content (`_year_xlsx_open`) and streamed from the file."""
    entries = _year_entries_or_404(year)
    etag = _bulk_etag(entries, XLSX_VARIANT)
    last_modified = max(entry[2] for entry in entries).timestamp()
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = FileResponse(
            _year_xlsx_open(year, entries, etag),
            as_attachment=True,
            filename=bulk_file_name(year, zh=True, suffix=".xlsx"),
            content_type=opendata_xlsx.XLSX_CONTENT_TYPE,
        )
    return _bulk_headers(response, year, etag, last_modified)


def stored_csv_zh(request, file: PublishedFile):
    """A version's stored CSV with the Chinese header, BOM first (`opendata.csv_zh`); `file` as
    `tables.public.views.public_file_get` loads it (`content` deferred). The stored file itself
    is served by `file_download` as it is."""
    content = PublishedFile.objects.values_list("content", flat=True).get(pk=file.pk)
    response = _etagged_response(
        request, opendata.csv_zh(content), "text/csv; charset=utf-8", ZH_FILE_CACHE
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=zh_file_name(file.file_name)
    )
    return response


def year_datapackage(request, year: int):
    """datapackage.json (Fiscal Data Package) describing the bulk CSV of a year."""
    return _year_datapackage(request, year, SubmissionKind.BUDGET)


def year_final_datapackage(request, year: int):
    """datapackage.json describing the bulk 决算 CSV of a year."""
    return _year_datapackage(request, year, SubmissionKind.FINAL)


def _year_datapackage(request, year: int, kind: str):
    unit_count, last = opendata_year_summary(year=year, kind=kind)
    if not unit_count:
        raise Http404(f"该年度没有已公开的单位{SubmissionKind(kind).label}")
    descriptor = opendata.year_descriptor(
        year=year,
        csv_url=public_absolute_url(request, reverse(BULK_URLS[kind][0], args=[year])),
        unit_count=unit_count,
        updated=last.isoformat(),
        final=kind == SubmissionKind.FINAL,
    )
    content = json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8")
    return _etagged_response(request, content, "application/json", BULK_CACHE)


def schema_file(request, name: str):
    """A published JSON Schema (draft 2020-12) of the open data."""
    try:
        content = opendata.schema_path(name).read_bytes()
    except KeyError:
        raise Http404("没有这个数据模式") from None
    return _etagged_response(request, content, "application/schema+json", SCHEMA_CACHE)
