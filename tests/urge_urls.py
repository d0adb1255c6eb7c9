"""The site's URLs plus a stand-in `desk:urge` (the 催办 endpoint another part of issue 15
builds), for the tests that the 年度总览 shows its 催办 form once that URL exists."""

from django.http import HttpResponse
from django.urls import include, path

from budgetsite.urls import urlpatterns as site_urlpatterns
from tables.desk import urls as desk_urls


def urge(request):
    return HttpResponse("催办")


urlpatterns = [
    path("", include(([*desk_urls.urlpatterns, path("urge/", urge, name="urge")], "desk"))),
    *[p for p in site_urlpatterns if getattr(p, "namespace", None) != "desk"],
]
