"""Control characters in URLs (budgetsite.middleware.ControlCharacterMiddleware): a NUL byte
in a search term, a filter or a path part once reached PostgreSQL, which refuses NUL in text, as
a 500. Every URL of the site's URLconf (public pages, the logged-in pages, every admin list,
change page and the autocomplete), with a NUL in each usual query parameter and in each path
part that can hold one, answers without a 500: the Chinese 400 page. Run on PostgreSQL too."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from tables.models import FileKind
from tests.test_public_pages import stored_version
from tests.test_security import assert_security_headers

pytestmark = pytest.mark.django_db

QUERY_PARAMETERS = ("q", "department", "term", "year", "page")
#: converters whose values can hold a NUL (int, slug and the admin's app-label regex cannot)
TEXT_CONVERTERS = ("str", "path")


def _route_converters(pattern) -> dict[str, str]:
    return {
        name: type(converter).__name__.removesuffix("Converter").lower()
        for name, converter in pattern.converters.items()
    }


def url_patterns(resolver=None, prefix="", namespace="", outer=None):
    """(namespace:name or None, full route text, {parameter: converter name}) of every URL
    pattern of the site, includes followed (with the parameters of their prefixes)."""
    resolver = resolver or get_resolver()
    outer = outer or {}
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            prefix_converters = (
                _route_converters(pattern.pattern)
                if isinstance(pattern.pattern, RoutePattern)
                else {}
            )
            yield from url_patterns(pattern, route, inner, {**outer, **prefix_converters})
        elif isinstance(pattern, URLPattern):
            if isinstance(pattern.pattern, RoutePattern):
                converters = {**outer, **_route_converters(pattern.pattern)}
            else:
                regex = pattern.pattern.regex
                # named groups; unnamed ones (simple-history's `([^/]+)`) by position
                converters = dict.fromkeys(regex.groupindex, "regex") or {
                    f"#{i}": "str" for i in range(regex.groups)
                }
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield name, route, converters


@pytest.fixture
def arguments(demo_approved):
    """A value for every URL parameter of the site, from the demo and a published version."""
    submission, _ = demo_approved
    version = stored_version(name="测试单位")
    file = version.files.get(kind=FileKind.PDF)
    user = get_user_model().objects.create_superuser("root", password="x-unused-9")
    return user, {
        "pk": submission.pk,
        "code": "T01",
        "fmt": "html",
        "kind": FileKind.PDF,
        "version": 1,
        "version_id": version.pk,
        "unit_code": version.unit_code,
        "year": version.year,
        "file_id": file.pk,
        "file_name": file.file_name,
        "name": "budget-disclosure-snapshot-1",
        "section": "public",
        "object_id": str(submission.pk),
        "id": user.pk,
        "content_type_id": ContentType.objects.get_for_model(submission).pk,
        "batch_id": 1,
        "item_id": 1,
        "app_label": "units",
        "line_id": submission.lines.values_list("pk", flat=True).first(),
        "comment_id": 1,
        "comment": 1,
        "table": "T01",
        "row": 0,
        "project_id": submission.projects.values_list("pk", flat=True).first(),
        "token": "a" * 32,  # a pending Excel import (tables.desk.import_services)
        "chart_key": "years",  # an embeddable chart (tables.public.unit_views)
    }


def url_for(name, route, converters, values) -> str | None:
    """The path of a pattern with `values`; None for the admin's catch-all (no fixed path)."""
    if name and any(k.startswith("#") for k in converters):
        return reverse(name, args=[values.get(k, "1") for k in converters])
    if name:
        return reverse(name, kwargs={k: values[k] for k in converters})
    if not isinstance(converters, dict) or "url" in converters:
        return None
    # unnamed route patterns (the admin's `<object_id>/` redirect): fill in the route text
    return "/" + re.sub(
        r"<(?:\w+:)?(\w+)>", lambda m: quote(str(values[m.group(1)]), safe=""), route
    )


def site_urls(values) -> list[tuple[str, str]]:
    """(the pattern, its path) for every pattern of the site; fails on a parameter without a
    value here, so a new URL is covered as soon as it exists."""
    urls = []
    for name, route, converters in url_patterns():
        missing = {k for k in converters if not k.startswith("#")} - set(values) - {"url"}
        assert not missing, f"no test value for {missing} of {name or route}"
        path = url_for(name, route, converters, values)
        if path is not None:
            urls.append((name or route, path))
    return urls


def test_nul_in_every_query_parameter_of_every_url_is_not_a_500(client, arguments):
    """Every URL of the site (logged in as a superuser, so admin views would run), with `?q=`,
    `?department=`, `?term=`, `?year=` or `?page=` holding a NUL, or a NUL as a parameter name,
    answers without a 500; so does the admin autocomplete with a complete query."""
    user, values = arguments
    client.force_login(user)
    client.raise_request_exception = False  # a 500 is a failure to list, not to raise
    urls = site_urls(values)
    assert len(urls) > 100  # the admin's too
    failures = []
    for label, path in urls:
        queries = [f"{parameter}=%00" for parameter in QUERY_PARAMETERS] + ["%00=1"]
        for query in queries:
            response = client.get(f"{path}?{query}")
            if response.status_code >= 500:
                failures.append((label, path, query, response.status_code))
    autocomplete = (
        "/admin/autocomplete/?app_label=units&model_name=budgetline&field_name=func_code&term="
    )
    for term in ("%00", "a%00b"):
        assert client.get(autocomplete + term).status_code == 400
    assert client.get(autocomplete + "2").status_code == 200  # a real search still works
    assert failures == []


def test_nul_in_every_path_part_is_not_a_500(client, arguments):
    """Every URL with a text path part (a unit code, a file name, an admin object id, …) given
    a NUL there, and a NUL anywhere under /public/ and /admin/, answers without a 500."""
    user, values = arguments
    client.force_login(user)
    client.raise_request_exception = False  # a 500 is a failure to list, not to raise
    failures = []
    checked = 0
    for name, route, converters in url_patterns():
        for parameter, converter in converters.items():
            if converter not in TEXT_CONVERTERS:
                continue
            for nul in ("\x00", f"{values.get(parameter, 1)}\x00"):
                path = url_for(name, route, converters, {**values, parameter: nul})
                if path is None:
                    continue
                checked += 1
                response = client.get(path)
                if response.status_code >= 500:
                    failures.append((name or route, path, response.status_code))
    for path in ("/public/%00/", "/public/u/%00/2025/", "/admin/%00/", "/%00", "/static/%00.css"):
        if client.get(path).status_code >= 500:
            failures.append(("-", path, 500))
    assert checked > 50
    assert failures == []


@pytest.mark.parametrize(
    "url",
    [
        "/public/?q=%00",
        "/public/?q=%01",
        "/public/?department=%1F",
        "/public/?q=a%7Fb",
        "/public/?q=%00&year=2025",
        "/public/u/%00/2025/",
        "/public/u/BP%0A1/2025/",
        "/admin/login/?next=%00",
    ],
)
def test_control_characters_answer_the_chinese_400_page(client, url):
    """A control character in the query string or the path answers 400 with the Chinese page
    and the security headers, before any view runs."""
    response = client.get(url)
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    assert_security_headers(response)


def test_ordinary_text_and_whitespace_pass(client):
    """Chinese text, `%` signs and a tab, line feed or carriage return in a search term are no
    control characters to refuse: the list answers 200."""
    stored_version(name="阳城县教育局")
    for query in ("q=教育", "q=100%25", "q=%09教育", "q=教育%0D%0A", "q=a+b"):
        assert client.get(f"/public/?{query}").status_code == 200, query
