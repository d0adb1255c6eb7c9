"""The absolute address of one of our pages, as printed where another site or a program keeps
it (the iframe code of an embeddable chart, the open API's links, the open-data descriptor).

With `PUBLIC_SITE_URL` set (`DJANGO_PUBLIC_SITE_URL`, e.g. https://yusuan.example.gov.cn) every
address starts with it, whatever host or scheme the request came by: a page cached for every
visitor (`tables.public.cache.public_page`) must not print the first visitor's host, and behind
a TLS-terminating proxy the request itself may look like plain http. Without it the request's
own host and scheme are used (the demo, tests)."""

from __future__ import annotations

from django.conf import settings


def public_absolute_url(request, path: str) -> str:
    """`path` (absolute, starting with "/") as a full URL of the public site."""
    base = getattr(settings, "PUBLIC_SITE_URL", "")
    if base:
        return base.rstrip("/") + path
    return request.build_absolute_uri(path)
