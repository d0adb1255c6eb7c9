"""The public pages (tables.public.views), no login.

Included by the site's URLconf: path("", include("tables.public.urls")).
"""

from django.urls import path

from tables.public import citizens_views, opendata_views, overview_views, unit_views
from tables.public import views as public_views

app_name = "public"

urlpatterns = [
    path("public/", public_views.disclosure_list, name="list"),
    path("public/d/<int:version_id>/", public_views.disclosure_detail, name="disclosure"),
    path("public/d/<int:version_id>/html/", public_views.disclosure_html, name="disclosure_html"),
    path(
        "public/u/<str:unit_code>/<int:year>/",
        public_views.disclosure_latest,
        name="latest",
    ),
    path(
        "public/files/<int:file_id>/<str:file_name>",
        public_views.file_download,
        name="file",
    ),
    path("public/data/<int:year>.csv", opendata_views.year_csv, name="year_csv"),
    path(
        "public/data/<int:year>/datapackage.json",
        opendata_views.year_datapackage,
        name="year_datapackage",
    ),
    path("public/data/<int:year>/final.csv", opendata_views.year_final_csv, name="year_final_csv"),
    path(
        "public/data/<int:year>/final/datapackage.json",
        opendata_views.year_final_datapackage,
        name="year_final_datapackage",
    ),
    path("public/schemas/<str:name>.json", opendata_views.schema_file, name="schema"),
    # --- open data for Excel: the bulk file of a year as a workbook (opendata helper) ---
    path("public/data/<int:year>.xlsx", opendata_views.year_xlsx, name="year_xlsx"),
]

# --- county overview of a year and its 公开情况 ledger (tables.public.overview_views) ----------
# `public/<int:year>/` cannot shadow the pages above: their second segment is a word (d, u,
# data, files, schemas), never a number.
urlpatterns += [
    path("public/overview/", overview_views.overview_latest, name="overview_latest"),
    path("public/<int:year>/", overview_views.year_overview_page, name="overview"),
    path("public/<int:year>/ledger/", overview_views.year_ledger_page, name="ledger"),
    # --- a unit over the years, and the embeddable charts (tables.public.unit_views) ---
    path("public/u/<str:unit_code>/", unit_views.unit_years, name="unit"),
    path(
        "public/charts/<int:version_id>/<slug:chart_key>.svg",
        unit_views.chart_file,
        name="chart_svg",
    ),
    path(
        "public/charts/<int:version_id>/<slug:chart_key>/",
        unit_views.chart_embed,
        name="chart_embed",
    ),
]

# --- 公民预算 (tables.public.citizens_views) ----------------------------------------------------
urlpatterns += [
    path("public/d/<int:version_id>/citizens/", citizens_views.unit_citizens, name="citizens"),
    path(
        "public/d/<int:version_id>/citizens.pdf",
        citizens_views.unit_citizens_pdf,
        name="citizens_pdf",
    ),
    path("public/<int:year>/citizens/", citizens_views.county_citizens, name="county_citizens"),
    path(
        "public/<int:year>/citizens.pdf",
        citizens_views.county_citizens_pdf,
        name="county_citizens_pdf",
    ),
]
