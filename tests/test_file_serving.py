"""Serving published files: as stored, with the stored content type and length, the
Chinese file name in `Content-Disposition` (RFC 6266/5987), ETag/304, HEAD, and the verified
content-addressed file cache that lets the server send the bytes with sendfile(2)."""

from __future__ import annotations

import email.message
import hashlib
import os

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.publication import views as publication_views
from tables.publication.artifacts import ARTIFACTS
from tables.publication.views import (
    PublishedFileCorrupt,
    published_file_cache_path,
    published_file_response,
)
from tests.factories import budget_unit_create, submission_create
from tests.test_public_pages import stored_version
from units.models import SubmissionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_dir(settings, tmp_path):
    """Each test gets an empty cache directory and a process that has verified nothing yet."""
    settings.PUBLISHED_FILE_CACHE_DIR = tmp_path / "published-files"
    settings.PUBLISHED_FILE_ACCEL_REDIRECT = ""
    publication_views._verified.clear()
    yield settings.PUBLISHED_FILE_CACHE_DIR
    publication_views._verified.clear()


def file_url(file: PublishedFile) -> str:
    return reverse("public:file", kwargs={"file_id": file.pk, "file_name": file.file_name})


def stored_file(*, name: str, content: bytes, sha256: str = "") -> PublishedFile:
    """A PDF with the given name and bytes, the only file of a published version."""
    unit = budget_unit_create(name="文件测试单位")
    submission = submission_create(unit=unit, status=SubmissionStatus.PUBLISHED)
    version = PublishedVersion.objects.create(
        submission=submission,
        version=1,
        year=submission.year,
        unit_code=unit.code,
        unit_name=unit.name,
        department_code=unit.department.code,
        department_name=unit.department.name,
        data_json={},
    )
    return PublishedFile.objects.create(
        version=version,
        kind=FileKind.PDF,
        file_name=name,
        content_type="application/pdf",
        content=content,
        size=len(content),
        sha256=sha256 or hashlib.sha256(content).hexdigest(),
    )


def pdf_of(version) -> PublishedFile:
    return version.files.defer("content").get(kind=FileKind.PDF)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def disposition_filename(value: str) -> str:
    """The file name a mail/HTTP client reads from a Content-Disposition value (the standard
    library's RFC 2231/5987 decoding, independent of Django's encoding)."""
    message = email.message.EmailMessage()
    message["Content-Disposition"] = value
    return message.get_filename()


# --- names, types, lengths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "阳城县人民代表大会常务委员会办公室2025年单位预算公开.pdf",
        "阳城县教育局 2025年 单位预算公开（第2版）.pdf",
        "某单位“重点”项目 'A' 预算（表格CSV）.zip",
        'report "final" 2025.pdf',
        "100% 完成; 名单,附件.pdf",
    ],
)
def test_file_names_download_as_stored(client, name):
    """Chinese names, spaces, quotes (ASCII and full-width), （第2版）, %, ; and , all come back
    exactly as stored from Content-Disposition; non-ASCII names use filename*=utf-8''…"""
    file = stored_file(name=name, content=b"%PDF-1.7 bytes")
    response = client.get(file_url(file))
    assert response.status_code == 200
    value = response["Content-Disposition"]
    assert value.startswith("attachment;")
    if not name.isascii():
        assert "filename*=utf-8''" in value
        assert value.isascii()
    assert disposition_filename(value) == name
    assert body(response) == b"%PDF-1.7 bytes"


def test_every_kind_has_its_content_type_length_and_bytes(client):
    """Each stored kind is served with its stored content type, Content-Length and bytes."""
    version = stored_version(name="类型测试单位")
    for file in version.files.all():
        response = client.get(file_url(file))
        assert response.status_code == 200, file.kind
        assert response["Content-Type"] == ARTIFACTS[file.kind][0]
        assert int(response["Content-Length"]) == file.size
        assert body(response) == bytes(file.content)
        assert response["ETag"] == f'"{file.sha256}"'
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["Repr-Digest"].startswith("sha-256=:")


def test_matching_etag_gets_304_without_reading_the_bytes(client, cache_dir):
    """If-None-Match with the stored SHA-256 answers 304 with the ETag and nothing is cached."""
    file = pdf_of(stored_version(name="条件请求单位"))
    response = client.get(file_url(file), headers={"if-none-match": f'"{file.sha256}"'})
    assert response.status_code == 304
    assert response["ETag"] == f'"{file.sha256}"' and response.content == b""
    assert not published_file_cache_path(cache_dir, file.sha256).exists()
    other = client.get(file_url(file), headers={"if-none-match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200


def test_head_gives_the_headers_without_the_body(client, cache_dir):
    """HEAD: 200 with type, length, name and ETag, an empty body, and no bytes read."""
    file = pdf_of(stored_version(name="首部请求单位"))
    response = client.head(file_url(file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert int(response["Content-Length"]) == file.size
    assert disposition_filename(response["Content-Disposition"]) == file.file_name
    assert response["ETag"] == f'"{file.sha256}"'
    assert response.content == b""
    assert not published_file_cache_path(cache_dir, file.sha256).exists()


# --- the file cache ----------------------------------------------------------------------------


def test_file_is_cached_by_hash_and_sent_as_a_real_file(
    client, cache_dir, django_assert_num_queries
):
    """The first download writes <sha[:2]>/<sha256> (no temporary left) and streams that real
    file, so the WSGI server can use sendfile; the next one reads nothing from the database but
    the file's metadata."""
    file = pdf_of(stored_version(name="缓存单位"))
    path = published_file_cache_path(cache_dir, file.sha256)
    with django_assert_num_queries(2):  # metadata, then the bytes
        response = client.get(file_url(file))
    assert path.read_bytes() == bytes(PublishedFile.objects.get(pk=file.pk).content)
    assert body(response) == path.read_bytes()
    direct = published_file_response(RequestFactory().get("/"), file)
    assert direct.file_to_stream.name == str(path)  # what wsgi.file_wrapper gets
    direct.file_to_stream.close()  # not direct.close(): that signals request_finished
    assert [p.name for p in path.parent.iterdir()] == [file.sha256]
    with django_assert_num_queries(1):
        again = client.get(file_url(file))
    assert body(again) == path.read_bytes()


@pytest.mark.parametrize("damage", ["same_size_new_process", "other_size", "touched"])
def test_a_damaged_cached_copy_is_detected_and_rewritten(client, cache_dir, damage):
    """A cached copy whose bytes differ from the stored SHA-256 is never served: it is written
    again from the database. Detected when the size or modification time changed, and always by
    a process that has not hashed that copy yet."""
    file = pdf_of(stored_version(name="篡改测试单位"))
    stored = bytes(PublishedFile.objects.get(pk=file.pk).content)
    path = published_file_cache_path(cache_dir, file.sha256)
    body(client.get(file_url(file)))
    if damage == "same_size_new_process":
        path.write_bytes(bytes(len(stored)))
        publication_views._verified.clear()
    elif damage == "other_size":
        path.write_bytes(stored + b"<script>")
    else:
        path.write_bytes(bytes(len(stored)))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert body(client.get(file_url(file))) == stored
    assert path.read_bytes() == stored


def test_bytes_that_do_not_match_their_hash_are_never_served(client, cache_dir):
    """A stored file whose bytes do not have its stored SHA-256 raises (a 500), and nothing is
    cached under that hash."""
    file = stored_file(name="损坏.pdf", content=b"real bytes", sha256="a" * 64)
    with pytest.raises(PublishedFileCorrupt):
        client.get(file_url(file))
    assert not published_file_cache_path(cache_dir, file.sha256).exists()


def test_without_a_usable_cache_the_bytes_come_from_the_database(client, settings, tmp_path):
    """An unwritable cache directory (here under a regular file) or none configured: the download
    still answers 200 with the stored bytes."""
    file = pdf_of(stored_version(name="无缓存单位"))
    stored = bytes(PublishedFile.objects.get(pk=file.pk).content)
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    for value in (blocker / "cache", ""):
        settings.PUBLISHED_FILE_CACHE_DIR = value
        response = client.get(file_url(file))
        assert response.status_code == 200
        assert body(response) == stored
        assert int(response["Content-Length"]) == len(stored)


def test_accel_redirect_hands_the_cached_file_to_nginx(client, settings, cache_dir):
    """With PUBLISHED_FILE_ACCEL_REDIRECT the response names the cached file for nginx and keeps
    the headers; the file is in the cache for nginx to read."""
    settings.PUBLISHED_FILE_ACCEL_REDIRECT = "/_published/"
    file = pdf_of(stored_version(name="反向代理单位"))
    response = client.get(file_url(file))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_published/{file.sha256[:2]}/{file.sha256}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert disposition_filename(response["Content-Disposition"]) == file.file_name
    assert response["ETag"] == f'"{file.sha256}"'
    assert published_file_cache_path(cache_dir, file.sha256).read_bytes() == bytes(
        PublishedFile.objects.get(pk=file.pk).content
    )


def test_stored_html_is_inline_with_its_csp(client):
    """The stored HTML disclosure is served from the cache too, inline, under its CSP."""
    version = stored_version(name="网页单位")
    html = version.files.get(kind=FileKind.HTML)
    response = client.get(reverse("public:disclosure_html", kwargs={"version_id": version.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == "inline"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert body(response) == bytes(html.content)
