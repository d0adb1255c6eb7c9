"""Sitemap for search engines: the public list page and the newest published version
of every disclosure, nothing else. Served as a sitemap index (`/sitemap.xml`) pointing to one
section per kind (`/sitemap-<section>.xml`), each split into pages of 50,000 addresses.

`robots_txt` allows the public pages, keeps crawlers out of the admin and the logged-in pages,
and names the sitemap index. `favicon_ico` answers the address browsers and crawlers ask for on
their own with the site's icon (pages name it in their <head>).
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tables.publication.services import published_versions_latest


class PublicPagesSitemap(Sitemap):
    """The public entry page."""

    changefreq = "daily"

    def items(self):
        return ["public:list"]

    def location(self, item):
        return reverse(item)


class DisclosureSitemap(Sitemap):
    """The newest published budget version of each submission (older versions stay reachable
    from its version history, but search engines should index the current one; a 决算 is
    listed once the public pages show it beside its budget)."""

    changefreq = "monthly"

    def items(self):
        return published_versions_latest().only("pk", "published_at").order_by("pk")

    def location(self, item):
        return reverse("public:disclosure", kwargs={"version_id": item.pk})

    def lastmod(self, item):
        return item.published_at


SITEMAPS = {"public": PublicPagesSitemap, "disclosures": DisclosureSitemap}


@require_GET
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    """robots.txt: the public pages may be crawled, the admin and the logged-in pages not."""
    sitemap = request.build_absolute_uri(reverse("sitemap_index"))
    lines = [
        "User-agent: *",
        "Allow: /public/",
        "Disallow: /admin/",
        "Disallow: /submissions/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=86400)
def favicon_ico(request):
    """/favicon.ico → the static icon (resolved per request: with hashed static names in
    production the address is only known once `collectstatic` has run)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
