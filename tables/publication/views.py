"""Published versions for logged-in users: the list of a submission's versions and the download
of a stored file. Thin: the permission-checking selector decides visibility (another unit's
submission answers 404), the publication selectors load what was stored, and the bytes go out
exactly as stored, never rendered again.

Headers of a download: the stored content type; `Content-Disposition: attachment` with the
Chinese file name (RFC 6266/5987: `filename*=utf-8''…`, by Django's `content_disposition_header`);
`Content-Length`; `ETag` = the SHA-256 (a matching `If-None-Match` gets 304 without the bytes
being read); `Repr-Digest` (RFC 9530) with the same digest; `Cache-Control: private, immutable`
(a version never changes, but the page needs a login; the public pages pass "public, …").

Serving without Python in the way: the stored bytes are copied once into a
content-addressed file cache (`PUBLISHED_FILE_CACHE_DIR`, default `var/published-files/` beside
manage.py; `<sha[:2]>/<sha256>`), written to a temporary file and moved into place with
`os.replace` after their SHA-256 was checked against the stored one, and then sent from there
with `FileResponse`: gunicorn hands the open file to sendfile(2) (`wsgi.file_wrapper`), so no
worker copies a megabyte of PDF through Python. The cache is only a copy: the database stays
the record. A cached file is hashed again the first time a process serves it and whenever its
inode, size or modification time changes, and a copy whose digest differs from the stored one
is replaced from the database, so a damaged or tampered cache never changes what is served.
With `PUBLISHED_FILE_ACCEL_REDIRECT` set to the prefix of an internal nginx location aliasing
the cache (e.g. "/_published/"), the response carries the headers and `X-Accel-Redirect` only,
and nginx sends the file. HEAD answers with the headers and no body. If the cache cannot be
written, or `PUBLISHED_FILE_CACHE_DIR` is empty, the bytes are sent from the database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header

from tables.models import PublishedFile
from tables.publication.services import published_file_get, published_versions_of
from units.selectors import submission_get_for_user

logger = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=31536000, immutable"
#: cached files this process has hashed: path → (device, inode, size, mtime) when it did
_verified: dict[str, tuple[int, int, int, int]] = {}


class PublishedFileCorrupt(RuntimeError):
    """The bytes stored in the database do not have the stored SHA-256 (never served)."""


def published_file_cache_dir() -> Path | None:
    """Where stored files are cached for serving (None: no cache, serve from the database)."""
    value = settings.PUBLISHED_FILE_CACHE_DIR
    return Path(value) if value else None


def published_file_cache_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def _stored_content(file: PublishedFile) -> bytes:
    content = PublishedFile.objects.filter(pk=file.pk).values_list("content", flat=True).get()
    content = bytes(content)
    if hashlib.sha256(content).hexdigest() != file.sha256:
        raise PublishedFileCorrupt(f"已发布文件 {file.pk} 的内容与其 SHA-256 不符")
    return content


def _file_key(handle) -> tuple[int, int, int, int]:
    """What identifies an open file's current content: (device, inode, size, mtime)."""
    stat = os.fstat(handle.fileno())
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _open_verified(path: Path, file: PublishedFile):
    """The cached copy at `path`, open, if it holds exactly the stored bytes; else None."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (returned open: FileResponse closes it)
    except OSError:  # missing, or the cache directory is unusable (written again or bypassed)
        return None
    key = _file_key(handle)
    if _verified.get(str(path)) == key:
        return handle
    if key[2] == file.size and hashlib.file_digest(handle, "sha256").hexdigest() == file.sha256:
        handle.seek(0)
        _verified[str(path)] = key
        return handle
    handle.close()
    _verified.pop(str(path), None)
    logger.warning("已发布文件缓存 %s 与 SHA-256 不符，已从数据库重写", path)
    return None


def _cache_write(root: Path, path: Path, content: bytes) -> None:
    """Put `content` at `path` atomically: a temporary file in the same directory, flushed to
    disk, then renamed over whatever was there."""
    if not root.exists():
        root.mkdir(parents=True, exist_ok=True)
        # a cache, never to be committed when it lives in the working tree (the default)
        (root / ".gitignore").write_text("*\n", encoding="ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def published_file_open(file: PublishedFile):
    """The stored bytes of `file` as an open binary file: the verified cached copy (written from
    the database when missing or wrong), or the bytes in memory when there is no usable cache."""
    root = published_file_cache_dir()
    if root is None:
        return io.BytesIO(_stored_content(file))
    path = published_file_cache_path(root, file.sha256)
    handle = _open_verified(path, file)
    if handle is not None:
        return handle
    content = _stored_content(file)
    try:
        _cache_write(root, path, content)
        handle = open(path, "rb")  # noqa: SIM115 (returned open: FileResponse closes it)
    except OSError:
        logger.exception("无法写入已发布文件缓存 %s，改为从数据库发送", path)
        return io.BytesIO(content)
    # just written from bytes whose SHA-256 was checked: no need to hash the copy again
    _verified[str(path)] = _file_key(handle)
    return handle


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
    accel = settings.PUBLISHED_FILE_ACCEL_REDIRECT
    if request.method == "HEAD" or accel:
        response = HttpResponse(content_type=file.content_type)
        response["Content-Disposition"] = content_disposition_header(True, file.file_name)
        if request.method == "HEAD":
            response["Content-Length"] = str(file.size)
        else:
            if published_file_cache_dir() is None:
                raise ImproperlyConfigured(
                    "PUBLISHED_FILE_ACCEL_REDIRECT 需要 PUBLISHED_FILE_CACHE_DIR（nginx 从中读取文件）"
                )
            published_file_open(file).close()  # nginx sends the verified cached copy
            response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{file.sha256[:2]}/{file.sha256}"
        return _file_headers(response, file, cache_control)
    response = FileResponse(
        published_file_open(file),
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
