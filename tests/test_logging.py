"""Logs that exist (settings.LOGGING, budgetsite.logs, budgetsite.middleware.RequestIdMiddleware,
budgetsite.errors): every response carries an X-Request-ID; a 500's traceback is written to
stderr with that id, the user and the path, is mailed to ADMINS, and the 500 page shows the id.
Also the URLconf of these tests: the site's, a view that fails, and the site's 500 handler."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import path

from budgetsite.settings import env_admins
from budgetsite.urls import handler500  # noqa: F401 (this URLconf's 500 handler)
from budgetsite.urls import urlpatterns as site_urlpatterns
from tests.error_urls import SECRET_MARKER, fail_500
from tests.test_deploy_check import ROOT, production_env

urlpatterns = [*site_urlpatterns, path("test-errors/500/", fail_500)]

pytestmark = pytest.mark.django_db


@pytest.fixture
def stderr_log():
    """What the `stderr` handler of settings.LOGGING writes, during the test."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "stderr"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_every_response_carries_a_request_id(client):
    """A response carries X-Request-ID: a new random one per request, or the incoming one
    when it is short and of safe characters (nginx's $request_id), never an unsafe one."""
    first, second = client.get("/robots.txt"), client.get("/robots.txt")
    assert len(first["X-Request-ID"]) == 16 and first["X-Request-ID"] != second["X-Request-ID"]
    nginx_id = "0f3c9a8e51b24d7c9e0a1b2c3d4e5f60"
    assert client.get("/robots.txt", HTTP_X_REQUEST_ID=nginx_id)["X-Request-ID"] == nginx_id
    for unsafe in ("a b c d e f g h", "x" * 65, "short", "abc\r\nSet-Cookie: x=1", "<script>1"):
        response = client.get("/robots.txt", HTTP_X_REQUEST_ID=unsafe)
        assert response["X-Request-ID"] != unsafe
        assert len(response["X-Request-ID"]) == 16


@pytest.mark.urls(__name__)
def test_a_500_is_logged_with_its_request_id_user_and_path(client, stderr_log):
    """A view that raises, for a logged-in user: the stderr log has the traceback on a line
    with the request id, the user name and the path; the 500 page shows that id."""
    user = get_user_model().objects.create_user("clerk", password="x-unused-9")
    client.force_login(user)
    client.raise_request_exception = False
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    page = response.content.decode()
    assert f"<code>{request_id}</code>" in page and SECRET_MARKER not in page
    log = stderr_log.getvalue()
    (line,) = [line for line in log.splitlines() if "Internal Server Error" in line]
    assert " ERROR django.request " in line
    assert f"[request_id={request_id} user=clerk GET /test-errors/500/]" in line
    assert "Traceback (most recent call last)" in log and f"RuntimeError: {SECRET_MARKER}" in log


@pytest.mark.urls(__name__)
def test_a_500_is_mailed_to_the_admins(client, settings):
    """With ADMINS set, a 500 sends them one mail (Django's email framework) whose body names
    the request id, the user and the path, with the traceback; without ADMINS none."""
    client.raise_request_exception = False
    assert client.get("/test-errors/500/").status_code == 500
    assert mail.outbox == []
    settings.ADMINS = [("运维", "ops@example.gov.cn")]
    response = client.get("/test-errors/500/")
    (message,) = mail.outbox
    assert message.to == ["ops@example.gov.cn"]
    assert message.subject.startswith("[单位预算公开] ERROR")
    assert "/test-errors/500/" in message.subject
    assert f"[request_id={response['X-Request-ID']} user=anonymous GET /test-errors/500/]" in (
        message.body
    )
    assert SECRET_MARKER in message.body  # the traceback, for the admins' eyes only


def test_control_characters_of_a_path_do_not_reach_the_log_raw(client, stderr_log):
    """A refused path with a line feed is logged escaped, on one line: a client cannot forge a
    log line."""
    assert client.get("/public/u/a%0A2026-01-01 ERROR forged/2025/").status_code == 400
    lines = stderr_log.getvalue().splitlines()
    assert lines and all(" WARNING " in line for line in lines)
    assert any("/public/u/a%0A2026-01-01%20ERROR%20forged/2025/]" in line for line in lines)


def test_admins_are_read_from_the_environment(monkeypatch):
    """DJANGO_ADMINS is `name:address` pairs (a bare address names itself), commas between."""
    monkeypatch.setenv("DJANGO_ADMINS", "张三:zhang@example.gov.cn, ops@example.gov.cn,")
    assert env_admins("DJANGO_ADMINS") == [
        ("张三", "zhang@example.gov.cn"),
        ("ops@example.gov.cn", "ops@example.gov.cn"),
    ]
    monkeypatch.setenv("DJANGO_ADMINS", "")
    assert env_admins("DJANGO_ADMINS") == []


WSGI_CALL = textwrap.dedent(
    """
    import io, sys
    import django
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    def start_response(status, headers):
        print("STATUS", status)
        for name, value in headers:
            print("HEADER", name, value)

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/test-errors/500/", "QUERY_STRING": "",
        "SERVER_NAME": "example.gov.cn", "SERVER_PORT": "8000", "HTTP_HOST": "example.gov.cn",
        "HTTP_X_FORWARDED_PROTO": "https", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_REQUEST_ID": "probe-0123456789", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    with override_settings(ROOT_URLCONF="tests.test_logging"):
        body = b"".join(WSGIHandler()(environ, start_response))
    print("BODY", body.decode())
    """
)


def test_production_server_writes_the_traceback_to_stderr(tmp_path):
    """The production configuration (DJANGO_PRODUCTION, debug off) in a process of its own: a
    500 leaves its traceback on stderr with the request id and path, and mails the admins
    named in DJANGO_ADMINS through the configured email backend."""
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="example.gov.cn",
        DJANGO_ADMINS="运维:ops@example.gov.cn",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    done = subprocess.run(
        [sys.executable, "-c", WSGI_CALL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "STATUS 500 Internal Server Error" in done.stdout
    assert "HEADER X-Request-ID probe-0123456789" in done.stdout
    assert "<code>probe-0123456789</code>" in done.stdout
    assert (
        "ERROR django.request [request_id=probe-0123456789 user=anonymous GET "
        "/test-errors/500/] Internal Server Error: /test-errors/500/"
    ) in done.stderr
    assert f"RuntimeError: {SECRET_MARKER}" in done.stderr
    # the console email backend writes the admins' mail to stdout, then a line of dashes
    written = done.stdout[done.stdout.index("Content-Type: text/plain") :]
    message = email.message_from_string(written.split("-" * 79)[0], policy=email.policy.default)
    assert message["To"] == "ops@example.gov.cn"
    subject = " ".join(message["Subject"].split())
    assert subject.startswith("[单位预算公开] ERROR")
    assert subject.endswith("Internal Server Error: /test-errors/500/")
    assert "[request_id=probe-0123456789 user=anonymous" in message.get_content()
