"""Entering a submission's budget lines and projects in the browser."""

from django.http import HttpResponse
from django.urls import path


def lines(request, pk: int):  # placeholder
    return HttpResponse("预算明细")


def projects(request, pk: int):  # placeholder
    return HttpResponse("项目")


urlpatterns = [
    path("lines/", lines, name="lines"),
    path("projects/", projects, name="projects"),
]
