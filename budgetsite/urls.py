from django.contrib import admin
from django.urls import include, path

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
    path("", include("tables.urls")),
    path("", include("performance.urls")),
    path("", include("tables.publication_urls")),
    path("", include("tables.public_urls")),
]
