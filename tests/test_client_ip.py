"""The client's address behind the reverse proxy (budgetsite.client_ip): the login lock-out
counts per real client in production, where the proxy's X-Real-IP is believed from a trusted
proxy only, and nowhere else, where a client could write any address into the header."""

from __future__ import annotations

import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from budgetsite.client_ip import client_ip
from tests.test_deploy_check import ROOT, production_env

User = get_user_model()
PASSWORD = "correct-horse-battery-9"  # noqa: S105 (a throwaway test account)
A, B = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def production_client_ip(settings):
    """The client-address settings of production mode (DJANGO_PRODUCTION=1)."""
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.CLIENT_IP_TRUSTED_PROXIES = ["127.0.0.1", "::1"]


@pytest.fixture
def clerk(db):
    return User.objects.create_user("clerk", password=PASSWORD, is_staff=True)


def login(real_ip: str, password: str, *, remote: str = "127.0.0.1"):
    """A login POST arriving from the proxy on `remote` for a client at `real_ip`."""
    client = Client(REMOTE_ADDR=remote, HTTP_X_REAL_IP=real_ip)
    return client.post(
        reverse("admin:login"), {"username": "clerk", "password": password, "next": "/admin/"}
    )


def test_failures_from_one_client_do_not_lock_out_another(production_client_ip, clerk):
    """Behind the proxy (REMOTE_ADDR 127.0.0.1) AXES_FAILURE_LIMIT failures from client A lock
    A out for that user name, while client B logs in with the right password."""
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        login(A, "wrong")
    assert login(A, PASSWORD).status_code == 429
    assert login(B, PASSWORD).status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [A]


def test_outside_production_the_header_is_ignored(settings, clerk):
    """Without production mode X-Real-IP counts for nothing: failures "from" A lock out a
    request claiming B too, since both come from the same REMOTE_ADDR (a client cannot dodge
    the lock-out by writing another address into the header)."""
    assert settings.CLIENT_IP_HEADER == ""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(A, "wrong")
    assert login(B, PASSWORD).status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": A}, A),
        ({"REMOTE_ADDR": "::1", "HTTP_X_REAL_IP": "2001:db8::1"}, "2001:db8::1"),
        ({"REMOTE_ADDR": B, "HTTP_X_REAL_IP": A}, B),  # not from the proxy: header ignored
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": f"{A}, {B}"}, "127.0.0.1"),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "<script>"}, "127.0.0.1"),
        ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
        ({"REMOTE_ADDR": ""}, None),
    ],
)
def test_client_ip_believes_only_one_address_from_a_trusted_proxy(
    production_client_ip, meta, expected
):
    """In production the header counts only on a connection from a trusted proxy and only when
    it holds exactly one well-formed address; otherwise REMOTE_ADDR does."""
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected


def test_trusted_proxies_may_be_networks(production_client_ip, settings):
    """DJANGO_TRUSTED_PROXIES may name a network, e.g. a proxy on another host of the LAN."""
    settings.CLIENT_IP_TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP=A)
    assert client_ip(request) == A
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.1.5", HTTP_X_REAL_IP=A)
    assert client_ip(request) == "10.0.1.5"


def test_production_mode_reads_x_real_ip_and_development_does_not():
    """The settings module: DJANGO_PRODUCTION=1 believes X-Real-IP from 127.0.0.1 and ::1 (or
    DJANGO_TRUSTED_PROXIES); without it no header is read. Axes asks our function."""
    script = (
        "from django.conf import settings as s;"
        "print(s.CLIENT_IP_HEADER or '-', ','.join(s.CLIENT_IP_TRUSTED_PROXIES),"
        " s.AXES_CLIENT_IP_CALLABLE)"
    )

    def read(**env):
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
            cwd=ROOT,
            env=production_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout.split()

    callable_path = "budgetsite.client_ip.client_ip"
    assert read() == ["HTTP_X_REAL_IP", "127.0.0.1,::1", callable_path]
    assert read(DJANGO_TRUSTED_PROXIES="10.0.0.2") == ["HTTP_X_REAL_IP", "10.0.0.2", callable_path]
    assert read(DJANGO_PRODUCTION=None) == ["-", "127.0.0.1,::1", callable_path]
