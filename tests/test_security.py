"""Security hardening: the security headers on admin, public, error and lockout pages;
HTTPS settings in production; error pages without internals; CSRF; the session's cookie flags
and idle timeout; login throttling with a cool-off (django-axes); where a login lands."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from budgetsite.sessions import RENEW_AFTER_SECONDS
from tests.error_urls import SECRET_MARKER, fail_403

# A URLconf without the public pages, for the error pages' robustness test.
urlpatterns = [path("test-errors/403/", fail_403)]

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct-horse-battery-9"  # noqa: S105 (a throwaway test account)


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))


def assert_security_headers(response):
    directives = csp_directives(response)
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["default-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def staff():
    return User.objects.create_user("clerk", password=PASSWORD, is_staff=True, is_superuser=True)


def admin_login(client, username, password):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/login/", "/public/", "/robots.txt", "/sitemap.xml"])
def test_anonymous_pages_carry_the_security_headers(client, url):
    """Admin login, the public list, robots.txt and the sitemap carry CSP (scripts from our
    origin only), nosniff, Referrer-Policy, X-Frame-Options DENY and COOP."""
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response)


def test_logged_in_admin_pages_carry_the_security_headers(client, staff):
    """The admin index and a change list, logged in, carry the same headers."""
    client.force_login(staff)
    for url in ("/admin/", reverse("admin:auth_user_changelist")):
        response = client.get(url)
        assert response.status_code == 200
        assert_security_headers(response)


def test_admin_pages_have_no_inline_script(client, staff):
    """The admin works under `script-src 'self'`: no inline <script> body or on… handler."""
    import re

    client.force_login(staff)
    for url in ("/admin/", reverse("admin:auth_user_change", args=[staff.pk])):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_static_files_are_served_with_the_headers(client):
    """WhiteNoise serves static files (no collectstatic needed outside production), nosniff."""
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/css")


def test_production_https_settings(client, settings):
    """Behind the proxy: plain http is redirected to https; a request the proxy marks as https
    gets HSTS for a year with subdomains."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    plain = client.get("/public/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/public/"
    secure = client.get("/public/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(secure)


def test_no_hsts_without_https(client):
    """Outside production (plain http) there is no HSTS header."""
    assert "Strict-Transport-Security" not in client.get("/public/")


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/test-errors/500/", 500, "服务器错误"),
        ("/test-errors/403/", 403, "无权访问"),
        ("/test-errors/400/", 400, "请求有误"),
        ("/no-such-page/", 404, "页面不存在"),
        ("/public/d/999999/", 404, "页面不存在"),
    ],
)
def test_error_pages_are_chinese_without_internals(client, url, status, text):
    """With DEBUG off each error answers its status with our Chinese page, no traceback, no
    exception text, no settings, and the security headers."""
    assert settings.DEBUG is False
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert '<html lang="zh-hans">' in html
    for leak in (SECRET_MARKER, "Traceback", "SECRET_KEY", "settings.py", "没有这个已公开的版本"):
        assert leak not in html
    assert_security_headers(response)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("url", "status"), [("/test-errors/403/", 403), ("/nothing/", 404)])
def test_error_pages_render_under_any_urlconf(client, url, status):
    """The error pages reverse nothing that can fail: under a URLconf without the public pages
    they still render (and link to /public/)."""
    response = client.get(url)
    assert response.status_code == status
    assert 'href="/public/"' in response.content.decode()


# --- CSRF ----------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(staff):
    """A login POST without the CSRF token is refused with our 403 page and logs nobody in."""
    client = Client(enforce_csrf_checks=True)
    response = admin_login(client, "clerk", PASSWORD)
    assert response.status_code == 403
    assert "请求已过期或来源无法验证" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert_security_headers(response)


def test_post_with_csrf_token_is_accepted(staff):
    """The same login with the token from the form works (the check is not a blanket refusal)."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("admin:login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# --- sessions ----------------------------------------------------------------------------------


def test_session_cookie_flags(client, staff):
    """The session cookie is HttpOnly, SameSite=Lax and ends with the browser (no Max-Age)."""
    response = admin_login(client, "clerk", PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_idle_session_is_logged_out(client, staff):
    """A session not used for SESSION_COOKIE_AGE is gone: the admin asks for a login again."""
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_active_session_is_renewed_at_most_once_a_minute(client, staff, django_assert_num_queries):
    """A request renews the stored expiry when the last save is over a minute old; a fresh
    session is not written again (no extra queries)."""
    client.force_login(staff)
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    stale = timezone.now() + age - datetime.timedelta(seconds=RENEW_AFTER_SECONDS + 60)
    Session.objects.update(expire_date=stale)
    assert client.get("/admin/").status_code == 200
    renewed = Session.objects.get().expire_date
    assert renewed > stale + datetime.timedelta(seconds=RENEW_AFTER_SECONDS)
    client.get("/admin/")
    assert Session.objects.get().expire_date == renewed


# --- login throttling (django-axes) -----------------------------------------------------------


def test_repeated_failed_logins_lock_then_cool_off(client, staff):
    """After AXES_FAILURE_LIMIT wrong passwords the user name is locked from that address (429,
    Chinese page, even with the right password); another address may still log in; after the
    cool-off the right password works again."""
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    for _ in range(limit - 1):
        assert admin_login(client, "clerk", "wrong").status_code == 200
    locked = admin_login(client, "clerk", "wrong")
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert_security_headers(locked)

    right = admin_login(client, "clerk", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session

    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert admin_login(elsewhere, "clerk", PASSWORD).status_code == 302

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    after = admin_login(client, "clerk", PASSWORD)
    assert after.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_success_resets_the_failure_count(client, staff):
    """A successful login clears earlier failures, so a later typo does not lock at once."""
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        admin_login(client, "clerk", "wrong")
    assert admin_login(client, "clerk", PASSWORD).status_code == 302
    client.logout()
    assert admin_login(client, "clerk", "wrong").status_code == 200


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_login_with_a_refused_next_lands_on_the_home_page(client, staff, next_url):
    """A `next` to another site (or none) is not followed, and the login lands on the site's
    home, a real page (200), not Django's default /accounts/profile/ (404)."""
    response = client.post(
        reverse("admin:login"), {"username": "clerk", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(response["Location"]).status_code == 200


def test_test_client_login_still_works(client, staff):
    """Client.login (used by other tests) authenticates through the axes backend."""
    assert client.login(username="clerk", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
