"""变更记录 of a submission on its desk."""

from django.http import HttpResponse
from django.urls import path


def history(request, pk: int):  # placeholder until the page lands
    return HttpResponse("变更记录")


urlpatterns = [path("history/", history, name="history")]
