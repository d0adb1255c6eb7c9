"""情况说明: the texts a unit writes, each reason beside the computed change it explains."""

from django.http import HttpResponse
from django.urls import path


def texts(request, pk: int):  # placeholder until the page lands
    return HttpResponse("情况说明")


urlpatterns = [path("texts/", texts, name="texts")]
