"""Published versions and their stored files, for logged-in users (tables.publication.views).

Included by the site's URLconf: path("", include("tables.publication.urls")).
"""

from django.urls import path

from tables.publication import views as publication_views

app_name = "publication"

urlpatterns = [
    path(
        "submissions/<int:pk>/published/",
        publication_views.published_versions,
        name="versions",
    ),
    path(
        "submissions/<int:pk>/published/v<int:version>/<str:kind>/",
        publication_views.published_file_download,
        name="file",
    ),
]
