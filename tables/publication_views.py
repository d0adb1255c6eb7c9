"""Published versions for logged-in users: the list of a submission's versions and the download
of a stored file. Thin: the permission-checking selector decides visibility (another unit's
submission answers 404), the publication selectors load what was stored, and the bytes go out
exactly as stored, never rendered again.

Headers of a download: the stored content type; `Content-Disposition: attachment` with the
Chinese file name (RFC 6266/5987, by `FileResponse`); `ETag` = the SHA-256 (a matching
`If-None-Match` gets 304 without the bytes being read); `Repr-Digest` (RFC 9530) with the same
digest; `Cache-Control: private, immutable` (a version never changes, but the page needs a login).
"""

from __future__ import annotations

import base64
import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response

from tables.models import PublishedFile
from tables.publication import published_file_get, published_versions_of
from units.selectors import submission_get_for_user

CACHE_CONTROL = "private, max-age=31536000, immutable"


def _file_headers(response: HttpResponse, file: PublishedFile, cache_control: str) -> HttpResponse:
    response["ETag"] = f'"{file.sha256}"'
    response["Cache-Control"] = cache_control
    digest = base64.b64encode(bytes.fromhex(file.sha256)).decode("ascii")
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


def published_file_response(
    request, file: PublishedFile, *, cache_control: str = CACHE_CONTROL
) -> HttpResponse:
    """The stored bytes of `file` (loaded with `content` deferred), or 304 when the client
    already holds them. A public page passes its own `cache_control` (e.g. "public, …")."""
    not_modified = get_conditional_response(request, etag=f'"{file.sha256}"')
    if not_modified is not None:
        return _file_headers(not_modified, file, cache_control)
    content = PublishedFile.objects.filter(pk=file.pk).values_list("content", flat=True).get()
    response = FileResponse(
        io.BytesIO(bytes(content)),
        as_attachment=True,
        filename=file.file_name,
        content_type=file.content_type,
    )
    return _file_headers(response, file, cache_control)


@login_required
def published_versions(request, pk: int):
    """The versions a submission was published in, each with its files, sizes and SHA-256."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "tables/published_versions.html",
        {
            "submission": submission,
            "versions": published_versions_of(submission_id=submission.pk),
        },
    )


@login_required
def published_file_download(request, pk: int, version: int, kind: str):
    """One stored file of one published version, as stored."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    try:
        file = published_file_get(
            submission_id=submission.pk, version=version, kind=kind, with_content=False
        )
    except PublishedFile.DoesNotExist:
        raise Http404("没有这个已发布文件") from None
    return published_file_response(request, file)
