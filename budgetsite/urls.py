from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

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
    path("favicon.ico", sitemaps.favicon_ico, name="favicon"),
]

# Django's 500 page plus the request's id, which the logs and the error mail carry.
handler500 = "budgetsite.errors.server_error"
