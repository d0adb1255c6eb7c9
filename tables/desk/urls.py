from django.urls import include, path

from tables.desk import (
    approval_views,
    entry_views,
    evaluation_views,
    final_reasons_views,
    final_views,
    history_views,
    import_mapped_views,
    import_views,
    review_views,
    targets_views,
    texts_views,
    views,
)

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("desk/<int:pk>/", views.submission_overview, name="submission"),
    path("desk/<int:pk>/move/", views.submission_move, name="move"),
    path("desk/<int:pk>/", include(approval_views.urlpatterns)),
    path("desk/<int:pk>/", include(entry_views.urlpatterns)),
    path("desk/<int:pk>/", include(final_views.urlpatterns)),
    path("desk/<int:pk>/", include(review_views.urlpatterns)),
    path("desk/<int:pk>/", include(import_views.urlpatterns)),
    path("desk/<int:pk>/", include(texts_views.urlpatterns)),
    path("desk/<int:pk>/", include(targets_views.urlpatterns)),
    path("desk/<int:pk>/", include(evaluation_views.urlpatterns)),
    path("desk/<int:pk>/", include(history_views.urlpatterns)),
    path("desk/<int:pk>/", include(import_mapped_views.urlpatterns)),
    path("desk/<int:pk>/", include(final_reasons_views.urlpatterns)),
    path("", include("tables.desk.year_views")),
    path("", include("tables.desk.finals_views")),
    path("", include("tables.desk.notification_views")),
    path("bureau/", include("tables.desk.bureau_views")),
]
