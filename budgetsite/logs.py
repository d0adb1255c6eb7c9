"""What each log line says about the request it came from.

`budgetsite.middleware.RequestIdMiddleware` gives every request an id (sent back as the
`X-Request-ID` response header and printed on the 500 page) and makes the request current for
its duration. `RequestContextFilter`, on the handlers of `settings.LOGGING`, then adds the id,
the user and the path to every record logged while the request runs, whichever logger wrote it,
so a traceback on stderr or in an error mail can be found from the number a user quotes.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.utils.encoding import escape_uri_path

#: the request being handled in this thread (or task); set by RequestIdMiddleware
current_request: ContextVar = ContextVar("current_request", default=None)

_resolving_user: ContextVar[bool] = ContextVar("resolving_user", default=False)


def _user(request) -> str:
    """The user name, `anonymous`, or `-` when there is no user (yet) or it cannot be read."""
    user = getattr(request, "user", None)
    if user is None or _resolving_user.get():
        return "-"
    # `request.user` is lazy: reading it may load the session and the user, which may log
    # in turn; the flag stops that from coming back here.
    token = _resolving_user.set(True)
    try:
        return user.get_username() if user.is_authenticated else "anonymous"
    except Exception:  # the database may be the very thing that failed
        return "?"
    finally:
        _resolving_user.reset(token)


def request_context(request) -> str:
    """`[request_id=… user=… path=…] ` for a request, `` for none."""
    if request is None or not hasattr(request, "META"):
        return ""
    request_id = getattr(request, "request_id", "-")
    # escaped like a URL: a path is the client's text and must not start a new log line
    path = escape_uri_path(getattr(request, "path", ""))
    method = getattr(request, "method", "") or "-"
    return f"[request_id={request_id} user={_user(request)} {method} {path}] "


class RequestContextFilter(logging.Filter):
    """Adds `request_context` (see `request_context`) to every record; never drops one.

    The request is the record's own (`django.request` and `django.security` pass it) or else the
    current one. `runserver` passes its socket as `request`, which has no META and is skipped."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if not hasattr(request, "META"):
            request = current_request.get()
        record.request_context = request_context(request)
        return True
