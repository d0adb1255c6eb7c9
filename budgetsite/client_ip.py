"""The address of the client behind a request, for the login lock-out (django-axes,
`AXES_CLIENT_IP_CALLABLE`) and the logs.

In production the application sits behind a reverse proxy on the same machine: every
connection comes from the proxy, so REMOTE_ADDR is the proxy's address and the client's is in
the header the proxy sets (`X-Real-IP`, which nginx overwrites with the address it saw). Taken
from REMOTE_ADDR, every client would be 127.0.0.1 and five wrong passwords from anyone would
lock any user name for everyone.

The header is trusted only when settings say so (`CLIENT_IP_HEADER`, set in production mode) and
only on a connection from a trusted proxy (`CLIENT_IP_TRUSTED_PROXIES`), and only if it holds one
well-formed address. Anywhere else (development, tests, a client reaching gunicorn directly) a
client could write any address it likes into the header, so REMOTE_ADDR alone counts.

This is a function of ours rather than django-ipware (which axes would use if installed): the
rule is four lines, and ipware's own defaults trust a list of headers, `X-Forwarded-For`
included, that a client can set when the proxy only appends to it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str | None) -> str | None:
    """`value` as a normalised IP address, or None when it is not exactly one address."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _trusted(address: str) -> bool:
    """Whether `address` is one of CLIENT_IP_TRUSTED_PROXIES (addresses or networks)."""
    ip = ipaddress.ip_address(address)
    for proxy in getattr(settings, "CLIENT_IP_TRUSTED_PROXIES", ()):
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    """The client's address: the proxy's header on a connection from a trusted proxy when the
    header is configured, else REMOTE_ADDR (None when there is none, e.g. a bare HttpRequest)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and remote and _trusted(remote):
        forwarded = _address(request.META.get(header))
        if forwarded:
            return forwarded
    return remote
