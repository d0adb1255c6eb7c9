from django.urls import path

from performance import views

app_name = "performance"

urlpatterns = [
    path("submissions/<int:pk>/targets/", views.submission_targets, name="submission_targets"),
]
