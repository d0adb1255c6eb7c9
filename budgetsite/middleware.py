"""The site's own middleware: a request id on every request, and the refusal of control
characters in URLs.

`RequestIdMiddleware` (first in MIDDLEWARE) names each request: an incoming `X-Request-ID` that
is short and made of safe characters (so nginx's `$request_id` can be passed on and the proxy's
log and ours share the id), else a new random one. The id is `request.request_id`, goes back in
the `X-Request-ID` header, is on every log line of the request (`budgetsite.logs`) and on the
500 page (`budgetsite.errors`), so a user's "错误编号" finds the traceback.

`ControlCharacterMiddleware` (right after the security headers) answers 400 (the Chinese
400 page) to a request whose path or query string holds a control character: a NUL byte in a
search term or a unit code reached PostgreSQL, which refuses NUL in text, as a 500, and no
public or admin URL has any use for control characters. Tab, line feed and carriage return are
let through in the query string (a pasted search term may carry them, and the database takes
them); in the path nothing is. One place here instead of a check in every view, form, filter
and admin search.

`DatabaseBusyMiddleware` (before the session) turns a request that failed because a SQLite file
stayed locked beyond its busy timeout (settings.SQLITE_OPTIONS: a publication holds the write lock
while it renders) into the Chinese 503 page `database_busy.html` — wait a moment and try again,
nothing was saved — instead of a 500 or, with debug on, Django's page saying "database is
locked". Where the request failed does not matter (a view, the session saved on the way out):
Django reports every uncaught exception through `got_request_exception` before it makes the 500,
and that is where the lock is noticed. The failure is still logged (and mailed) as an error.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
from urllib.parse import unquote

from django.core.exceptions import SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.urls import get_resolver, get_urlconf

from budgetsite.logs import current_request

logger = logging.getLogger("budgetsite.security")

#: an incoming X-Request-ID kept as it is (nginx's $request_id is 32 hex digits)
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def request_id_for(incoming: str | None) -> str:
    """The id of a request: `incoming` when it is short and safe, else 16 random hex digits."""
    if incoming and REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(8)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request.META.get("HTTP_X_REQUEST_ID"))
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ControlCharacterInRequest(SuspiciousOperation):
    """A URL path or query string with a control character."""


def control_character_where(request) -> str:
    """`path` or `query string` when that part of the request holds a refused control
    character, else ``."""
    if _PATH_CONTROL.search(request.path_info):
        return "path"
    query = request.META.get("QUERY_STRING", "")
    # the query string as the view will read it (percent-decoding and `+`); the decoded text
    # can only hold a control character that was in the raw one or %-encoded there
    if query and _QUERY_CONTROL.search(unquote(query)):
        return "query string"
    return ""


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = control_character_where(request)
        if not where:
            return self.get_response(request)
        # A probe, not a fault of ours: logged as a warning (no error mail), answered with the
        # site's 400 page.
        logger.warning("refused a request with a control character in its %s", where)
        handler = get_resolver(get_urlconf()).resolve_error_handler(400)
        return handler(request, ControlCharacterInRequest(f"control character in the {where}"))


#: seconds a browser (or a script) is told to wait before trying a refused request again
BUSY_RETRY_AFTER = 10


def database_locked(exc: BaseException | None) -> bool:
    """True when `exc` is SQLite's "database is locked" (its busy timeout ran out)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


@receiver(got_request_exception, dispatch_uid="budgetsite.database_busy")
def _note_database_busy(sender, request=None, **kwargs):
    # sent while Django handles the exception: it is the one in flight
    if request is not None and database_locked(sys.exc_info()[1]):
        request.database_busy = True


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "database_busy", False) and response.status_code == 500:
            # rendered without the request: nothing here may need the locked database
            response = HttpResponse(loader.render_to_string("database_busy.html"), status=503)
            response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
