from django.urls import path

from tables import views

app_name = "tables"

urlpatterns = [
    path("submissions/<int:pk>/tables/", views.submission_tables, name="submission_tables"),
    path("submissions/<int:pk>/tables/<str:code>.csv", views.table_csv, name="table_csv"),
    path("submissions/<int:pk>/document/", views.document_page, name="document"),
    path(
        "submissions/<int:pk>/document.<str:fmt>",
        views.document_download,
        name="document_download",
    ),
]
