"""The anonymous public pages from the cache (tables.public.cache): a second request costs one
query, any publication or 更正 shows on the next request, conditional requests get 304, and
logged-in users, responses that set cookies and the security headers are handled right."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from tables.public.cache import public_generation, public_page
from tests.test_public_pages import detail_url, list_url, stored_correction, stored_version
from tests.test_security import assert_security_headers

pytestmark = pytest.mark.django_db


def test_second_anonymous_request_is_served_from_the_cache(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    """The list, a search, a filter and a version page: rendered once (the generation query and
    the page's own), then served with one query (the generation), byte for byte the same."""
    version = stored_version(name="缓存单位", year=2025)
    stored_version(name="另一单位", year=2024)
    for url in (list_url(), list_url(q="缓存"), list_url(year=2025), detail_url(version)):
        with django_assert_max_num_queries(5):
            first = client.get(url)
        assert first.status_code == 200 and first.context is not None
        with django_assert_num_queries(1):
            second = client.get(url)
        assert second.status_code == 200 and second.context is None  # no template rendered
        assert second.content == first.content
    assert "缓存单位" in client.get(list_url(q="缓存")).content.decode()
    assert "另一单位" not in client.get(list_url(q="缓存")).content.decode()


def test_a_publication_or_correction_shows_on_the_next_request(client):
    """Cached pages give way at once to a new publication (on the list and the search) and to a
    更正 (on the list and on the old version's page, which then says it was corrected)."""
    v1 = stored_version(name="甲单位")
    assert "甲单位" in client.get(list_url()).content.decode()
    assert "已被更正" not in client.get(detail_url(v1)).content.decode()
    assert "乙单位" not in client.get(list_url(q="单位")).content.decode()

    stored_version(name="乙单位")
    assert "乙单位" in client.get(list_url()).content.decode()
    assert "乙单位" in client.get(list_url(q="单位")).content.decode()

    stored_correction(v1, version=2, reason="名称有误", unit_name="甲单位（更名）")
    listed = client.get(list_url()).content.decode()
    assert "甲单位（更名）" in listed and "第2版" in listed
    page = client.get(detail_url(v1)).content.decode()
    assert "已被更正" in page and "名称有误" in page


def test_generation_changes_when_an_older_id_commits_late():
    """A version whose id is below the newest one (handed out first, committed last) still
    changes the generation, though the newest id stays the same."""
    first = stored_version(name="先单位")
    newest = stored_correction(first, version=3, reason="先提交", id=first.pk + 5)
    before = public_generation()
    stored_correction(first, version=2, reason="后提交", id=first.pk + 2)
    after = public_generation()
    assert after.token != before.token
    assert after.token.split(".")[0] == before.token.split(".")[0] == str(newest.pk)


def test_conditional_requests_get_304(client):
    """A cached page's response has ETag, Last-Modified, a short public Cache-Control and Vary:
    Cookie; If-None-Match or If-Modified-Since answer 304 without a body (headers kept); after
    a publication the old ETag gets the new page."""
    stored_version(name="条件单位")
    response = client.get(list_url())
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=60"
    assert "Cookie" in response["Vary"]
    assert response["Last-Modified"].endswith(" GMT")

    again = client.get(list_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == response["Cache-Control"]
    assert_security_headers(again)
    since = client.get(list_url(), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304

    stored_version(name="新单位")
    fresh = client.get(list_url(), HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert "新单位" in fresh.content.decode()


def test_cached_pages_keep_the_security_headers(client):
    """A page served from the cache goes through the middleware like any other: CSP, nosniff,
    Referrer-Policy, X-Frame-Options, COOP and a request id of its own."""
    version = stored_version(name="头部单位")
    for url in (list_url(), detail_url(version)):
        first = client.get(url)
        cached = client.get(url)
        assert cached.context is None
        assert_security_headers(cached)
        assert cached["X-Request-ID"] != first["X-Request-ID"]


def test_logged_in_users_are_not_served_cached_pages(client, django_assert_max_num_queries):
    """With a page in the cache, a logged-in user gets it rendered afresh and marked private;
    what they were shown is not stored for others, and anonymous visitors still get the cache."""
    version = stored_version(name="登录单位")
    anonymous = client.get(detail_url(version))
    assert client.get(detail_url(version)).context is None  # cached

    user = get_user_model().objects.create_user("clerk", password="x-unused-9", is_staff=True)
    staff = type(client)()
    staff.force_login(user)
    for url in (detail_url(version), list_url()):
        response = staff.get(url)
        assert response.status_code == 200 and response.context is not None, url
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
        assert "ETag" not in response
    assert client.get(detail_url(version)).content == anonymous.content
    assert client.get(list_url()).context is not None  # the staff's list was not stored


def test_responses_that_set_cookies_or_a_csrf_token_are_not_stored():
    """A page that sets a cookie or asks for a CSRF token is rendered for each request, never
    stored for other visitors."""
    calls = []

    @public_page
    def with_cookie(request):
        calls.append("cookie")
        response = HttpResponse("页面")
        response.set_cookie("seen", "1")
        return response

    @public_page
    def with_token(request):
        calls.append("token")
        return HttpResponse(f"<input value='{get_token(request)}'>")

    @public_page
    def plain(request):
        calls.append("plain")
        return HttpResponse("页面")

    factory = RequestFactory()
    for view in (with_cookie, with_token, plain):
        for _ in range(2):
            request = factory.get(f"/{view.__name__}/")
            assert view(request).status_code == 200
    assert calls == ["cookie", "cookie", "token", "token", "plain"]


def test_without_the_cache_pages_are_rendered_each_time(client, settings):
    """PUBLIC_PAGE_CACHE_SECONDS=0 turns the cache off: no generation query, no cache headers,
    every request renders."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    stored_version(name="无缓存单位")
    for _ in range(2):
        response = client.get(list_url())
        assert response.context is not None and "ETag" not in response
