"""The tables with last year's published figures and 审核意见 per row."""

from django.http import HttpResponse
from django.urls import path


def review(request, pk: int):  # placeholder
    return HttpResponse("审核")


urlpatterns = [path("review/", review, name="review")]
