"""Conditional GET for the open API: every successful GET carries an `ETag` (a hash of the
body) and `Cache-Control: public, max-age=API_MAX_AGE`, and a request whose `If-None-Match`
names that tag gets a 304 without a body.

The tag is computed from the body rather than from the publication state, so it is right by
construction: the same answer gives the same tag, any change (a publication, a 更正) a new one.
The body is still built for each request; what is saved is the transfer and the client's
parsing, which is what a polling client repeats. Errors (404, 422, 429) are not marked
cacheable.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control


def conditional_response(request, response):
    """`response` with its ETag and Cache-Control, or a 304 when the client has it already."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.streaming:
        return response
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.API_MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response)


def conditional(view):
    """A view decorator applying `conditional_response` (the schema and the docs page)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return conditional_response(request, view(request, *args, **kwargs))

    return wrapped
