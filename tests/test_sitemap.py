"""The sitemap for search engines: an index pointing to its sections, the public list page and the
newest published version of each disclosure only (never a draft, never a corrected version),
with lastmod = published_at, in a bounded number of queries; and robots.txt."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from tables.models import PublishedVersion
from tests.factories import budget_unit_create, submission_create
from tests.test_public_pages import stored_version
from units.models import SubmissionStatus

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def section(client, name):
    return client.get(reverse("sitemap_section", kwargs={"section": name}))


def disclosure_url(version) -> str:
    return "http://testserver" + reverse("public:disclosure", kwargs={"version_id": version.pk})


def corrected(version: PublishedVersion, *, minutes: int) -> PublishedVersion:
    """Version n+1 of the same submission, published `minutes` later."""
    return PublishedVersion.objects.create(
        submission=version.submission,
        version=version.version + 1,
        published_at=version.published_at + datetime.timedelta(minutes=minutes),
        year=version.year,
        unit_code=version.unit_code,
        unit_name=version.unit_name,
        department_code=version.department_code,
        department_name=version.department_name,
        approval_date=version.approval_date,
        data_json={"schema": "budget-disclosure-snapshot/1"},
        reason="更正",
    )


def test_index_points_to_the_sections(client):
    """/sitemap.xml is a sitemap index naming the public and disclosure sections."""
    assert locations(client.get("/sitemap.xml")) == [
        "http://testserver/sitemap-public.xml",
        "http://testserver/sitemap-disclosures.xml",
    ]


def test_public_section_lists_the_public_list_page(client):
    """The public section has the entry page of the public pages."""
    assert locations(section(client, "public")) == ["http://testserver/public/"]


def test_only_the_newest_published_versions_are_listed(client):
    """Each published submission appears once, at its newest version, with its publication time
    as lastmod; an older (corrected) version and unpublished submissions do not appear."""
    first = stored_version(name="甲单位")
    newer = corrected(first, minutes=30)
    other = stored_version(name="乙单位")
    for status in (SubmissionStatus.DRAFT, SubmissionStatus.APPROVED):
        submission_create(unit=budget_unit_create(name=f"未公开{status}"), status=status)

    response = section(client, "disclosures")
    assert sorted(locations(response)) == sorted([disclosure_url(newer), disclosure_url(other)])
    root = ET.fromstring(response.content)
    lastmod = {
        url.find("sm:loc", NS).text: url.find("sm:lastmod", NS).text
        for url in root.iterfind("sm:url", NS)
    }
    assert lastmod[disclosure_url(newer)] == localtime(newer.published_at).date().isoformat()
    assert disclosure_url(first) not in lastmod


def test_no_published_versions_gives_an_empty_section(client):
    """Without any publication the disclosure section is valid and empty."""
    assert locations(section(client, "disclosures")) == []


@pytest.mark.parametrize("count", [2, 12])
def test_disclosure_section_query_count_is_bounded(client, count, django_assert_max_num_queries):
    """The section costs the same few queries for 2 or 12 published disclosures."""
    for n in range(count):
        stored_version(name=f"单位{n}")
    with django_assert_max_num_queries(3):
        assert len(locations(section(client, "disclosures"))) == count


def test_unknown_section_is_404(client):
    """A section that does not exist answers 404."""
    assert section(client, "drafts").status_code == 404


def test_robots_txt(client):
    """robots.txt allows the public pages, disallows the admin and the logged-in pages, and
    names the sitemap index."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Allow: /public/" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /submissions/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_favicon_ico_points_at_the_static_icon(client):
    """/favicon.ico, which browsers ask for on their own, answers with the site's icon."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url == "/static/img/favicon.svg"
    icon = client.get(response.url)
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
