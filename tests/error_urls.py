"""The site's URLconf plus views that fail on purpose, for the error-page tests
(tests/test_security.py, `pytest.mark.urls("tests.error_urls")`)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from budgetsite.urls import handler500  # noqa: F401 - the site's 500 page, with its 错误编号
from budgetsite.urls import urlpatterns as site_urlpatterns

SECRET_MARKER = "internal-detail-that-must-not-leak"


def fail_500(request):
    raise RuntimeError(SECRET_MARKER)


def fail_403(request):
    raise PermissionDenied(SECRET_MARKER)


def fail_400(request):
    raise SuspiciousOperation(SECRET_MARKER)


urlpatterns = [
    *site_urlpatterns,
    path("test-errors/500/", fail_500),
    path("test-errors/403/", fail_403),
    path("test-errors/400/", fail_400),
]
