from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import RedirectView

from tables.api import views as api_views
from tables.api.main import api
from tables.public import sitemaps
from units import import_views

urlpatterns = [
    # 预算明细 Excel import/template inside the admin's URL space (staff-only views).
    path("admin/units/budget-import/", import_views.budget_import_view, name="units_budget_import"),
    path(
        "admin/units/budget-import/template/",
        import_views.budget_template_view,
        name="units_budget_template",
    ),
    path("admin/", admin.site.urls),
    path("", include("tables.desk.urls")),
    path("", include("tables.urls")),
    path("", include("performance.urls")),
    path("", include("tables.publication.urls")),
    path("", include("tables.public.urls")),
    # For search engines: a sitemap index, one sitemap per section, and robots.txt.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps.SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
    # The open API (tables.api): its Chinese introduction, version 1, and a JSON 404 for any
    # other path under it (`url`: the name the URL-hygiene tests know for a catch-all).
    path("api/", api_views.api_intro, name="api_intro"),
    path("api/v1/", RedirectView.as_view(pattern_name="api_intro")),
    path("api/v1/", api.urls),
    path("api/v1/<path:url>", api_views.api_not_found),
    path("favicon.ico", sitemaps.favicon_ico, name="favicon"),
]

# Django's 500 page plus the request's id, which the logs and the error mail carry.
handler500 = "budgetsite.errors.server_error"
