"""The document page and its downloads: who may get them, what they are, how they are named."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from tables.document.build import document_build
from tables.views import document_filename
from tests.test_pdf import WATERMARK_LINE, pdf_pages

pytestmark = pytest.mark.django_db

FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", password="x"))
    return client


def page_url(submission):
    return reverse("tables:document", kwargs={"pk": submission.pk})


def download_url(submission, fmt):
    return reverse("tables:document_download", kwargs={"pk": submission.pk, "fmt": fmt})


def all_urls(submission):
    return [page_url(submission), *(download_url(submission, fmt) for fmt in FORMATS)]


def test_urls_are_the_documented_ones(demo):
    """/submissions/<pk>/document/ and document.{pdf,xlsx,html}."""
    assert page_url(demo) == f"/submissions/{demo.pk}/document/"
    assert download_url(demo, "pdf") == f"/submissions/{demo.pk}/document.pdf"


def test_anonymous_visitors_are_sent_to_login(client, demo):
    """Every document URL asks an anonymous visitor to log in first."""
    for url in all_urls(demo):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")) and "next=" in response.url


def test_users_without_access_get_404(client, django_user_model, demo):
    """A logged-in user who may not see the submission gets 404 (its existence not leaked)."""
    client.force_login(django_user_model.objects.create_user("clerk", password="x"))
    for url in all_urls(demo):
        assert client.get(url).status_code == 404, url


def test_unknown_format_is_404(admin_client, demo):
    """Only html, pdf and xlsx are served."""
    url = f"/submissions/{demo.pk}/document.doc"
    assert admin_client.get(url).status_code == 404


def test_document_page_is_the_whole_document_with_links(admin_client, demo):
    """The page shows the whole draft document, with links back and to the downloads."""
    response = admin_client.get(page_url(demo))
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS["html"]
    html = response.content.decode()
    assert 'class="watermark"' in html and "第四部分 名词解释" in html
    for fmt in FORMATS:
        assert f'href="{download_url(demo, fmt)}"' in html


def test_tables_page_links_to_the_document(admin_client, demo):
    """The tables page links to the document page and its three downloads."""
    html = admin_client.get(
        reverse("tables:submission_tables", kwargs={"pk": demo.pk})
    ).content.decode()
    for url in all_urls(demo):
        assert f'href="{url}"' in html


@pytest.mark.parametrize("fmt", ["html", "xlsx", "pdf"])
def test_download_types_and_chinese_file_names(admin_client, demo, fmt):
    """Each download has its content type and is an attachment named in Chinese (RFC 5987)."""
    response = admin_client.get(download_url(demo, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[fmt]
    name = document_filename(document_build(submission=demo), demo, fmt)
    assert name == f"003-2025-{demo.unit.name}2025年度单位预算公开（草稿）.{fmt}"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    body = response.content
    if fmt == "html":
        assert "草稿" in body.decode() and 'class="watermark"' in body.decode()
    elif fmt == "pdf":
        assert body.startswith(b"%PDF-")
    else:
        assert body.startswith(b"PK")


def test_downloaded_pdf_is_watermarked(admin_client, demo, tmp_path):
    """The PDF download of a draft prints 草稿 on every page."""
    path = tmp_path / "d.pdf"
    path.write_bytes(admin_client.get(download_url(demo, "pdf")).content)
    pages = pdf_pages(path)
    assert len(pages) > 10
    for page in pages:
        assert any(WATERMARK_LINE.match(line) for line in page.splitlines())
