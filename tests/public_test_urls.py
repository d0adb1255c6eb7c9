"""URLconf of the public-page tests: the site's URLs plus the public ones (until the site
includes them itself)."""

from django.urls import include, path

from budgetsite import urls as site_urls

urlpatterns = list(site_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "public" for p in urlpatterns):
    urlpatterns.append(path("", include("tables.public_urls")))
