"""Anonymous public pages from a cache, invalidated by any publication (`public_page`).

The list, search and version pages are the same for every anonymous visitor until something is
published, yet each request rendered them again (three or four queries and the template): under
200 connections that queueing gave a p99 near a second. Now a rendered page is kept in the
`public_pages` cache under a key that contains the publication *generation*: the newest
`PublishedVersion` id, and how many versions have an id among the `RECENT_IDS` newest, read
in one query of a few index lookups (with the last change of the bureau's year settings and
search 简称, which the pages also print). Versions are insert-only and a publication or a 更正 always
adds one (with its files, in the same transaction), so any publication changes every key and
the next request renders afresh; nothing in the publishing code has to remember to invalidate
anything. The count is there because ids are handed out when a row is inserted, not when it
commits: of two publications committing out of order, the second to commit may have the lower
id, which the count still sees (counting all versions instead costs a scan of the table, 2–5 ms
at 10,000 versions, more than serving the page from the cache). Entries also expire after
`PUBLIC_PAGE_CACHE_SECONDS`, a bound on staleness should anything else change a page.

What is cached: 200 responses to anonymous GET/HEAD requests that set no cookie (no CSRF token,
no session) and are not streamed, keyed by path and query string and the active language. A
logged-in user (a session cookie with a user) always gets a fresh page marked `private`. The
response still goes through every middleware, so cached pages carry the CSP and the other
security headers like any other.

Headers on cached-page responses: `Cache-Control: public, max-age=PUBLIC_PAGE_MAX_AGE,
stale-while-revalidate=…` (browsers and proxies may keep a page a minute: a publication is
visible everywhere within a minute or two), `ETag` (a hash of the page) and `Last-Modified` (the
newest publication), so a conditional request answers 304 without a body; `Vary: Cookie`.

The cache is Django's local memory by default (settings.CACHES): each gunicorn worker fills its
own, a page costs each worker one render per publication, and the entries are bounded
(`MAX_ENTRIES`). README "Public-page benchmark" has the measurement behind that choice.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from tables.models import PublishedVersion, SearchAlias, YearSettings

CACHE_ALIAS = "public_pages"
#: how far below the newest id a publication still committing late is looked for
RECENT_IDS = 100


@dataclass(frozen=True)
class Generation:
    """What identifies the published data as a whole: changes with every publication."""

    token: str
    last_modified: float | None  # seconds since the epoch of the newest publication


@dataclass(frozen=True)
class CachedPage:
    """A rendered page as kept in the cache: enough to build the response again."""

    content: bytes
    content_type: str
    etag: str

    def response(self) -> HttpResponse:
        return HttpResponse(self.content, content_type=self.content_type)


def _generation_sql() -> str:
    table = PublishedVersion._meta.db_table
    pk = PublishedVersion._meta.pk.column
    published = PublishedVersion._meta.get_field("published_at").column
    years = YearSettings._meta.db_table
    aliases = SearchAlias._meta.db_table
    q = connection.ops.quote_name
    return (
        f"SELECT MAX({q(pk)}), COUNT(*), MAX({q(published)}), "
        f"(SELECT MAX({q('updated_at')}) FROM {q(years)}), "
        f"(SELECT MAX({q('updated_at')}) FROM {q(aliases)}), "
        f"(SELECT COUNT(*) FROM {q(aliases)}) "
        f"FROM {q(table)} WHERE {q(pk)} > (SELECT MAX({q(pk)}) FROM {q(table)}) - %s"
    )


def _aware(value):
    if isinstance(value, str):  # SQLite hands back text (UTC)
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def public_generation() -> Generation:
    """The publication generation, in one query of a few index lookups: the newest id, and the
    number of versions and newest publication time among the `RECENT_IDS` newest ids; and the
    bureau's settings the pages print besides the publications — the last change of a year's
    settings (the population behind 人均) and of the search 简称, and how many 简称 there are
    (a deletion). A change of any of them changes every key, in every worker.

    Written in SQL: built through the ORM, the query cost more Python time (0.5 ms) than
    serving the cached page."""
    with connection.cursor() as cursor:
        cursor.execute(_generation_sql(), [RECENT_IDS])
        newest, count, published, settings_changed, aliases_changed, aliases = cursor.fetchone()
    times = [
        moment.timestamp()
        for moment in map(_aware, (published, settings_changed, aliases_changed))
        if moment is not None
    ]
    return Generation(
        token=f"{newest or 0}.{count}.{max(times, default=0):.6f}.{aliases}",
        last_modified=max(times) if published is not None else None,
    )


def _enabled() -> bool:
    return getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) > 0


def _logged_in(request) -> bool:
    # Without a session cookie nobody is logged in, and the session is not even looked at.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _key(request, generation: Generation) -> str:
    where = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"page:{generation.token}:{language}:{where}"


def _storable(request, response) -> bool:
    """Whether a rendered response may be served to other visitors."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _cache_headers(response, page: CachedPage, generation: Generation) -> None:
    max_age = settings.PUBLIC_PAGE_MAX_AGE
    patch_cache_control(response, public=True, max_age=max_age, stale_while_revalidate=max_age)
    patch_vary_headers(response, ("Cookie",))
    response["ETag"] = page.etag
    if generation.last_modified is not None:
        response["Last-Modified"] = http_date(generation.last_modified)


def public_page(view):
    """Serve `view`'s page to anonymous visitors from the cache of the current publication
    generation, with conditional-request headers; logged-in users get it fresh and private."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not _enabled():
            return view(request, *args, **kwargs)
        if _logged_in(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        generation = public_generation()
        key = _key(request, generation)
        cache = caches[CACHE_ALIAS]
        page = cache.get(key)
        if page is None:
            response = view(request, *args, **kwargs)
            if not _storable(request, response):
                return response
            digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
            page = CachedPage(
                content=response.content,
                content_type=response["Content-Type"],
                etag=f'"{digest}"',
            )
            cache.set(key, page, settings.PUBLIC_PAGE_CACHE_SECONDS)
        else:
            response = page.response()
        _cache_headers(response, page, generation)
        return get_conditional_response(
            request,
            etag=page.etag,
            last_modified=int(generation.last_modified) if generation.last_modified else None,
            response=response,
        )

    return wrapper


_MISSING = object()


def generation_memo(name: str, *args, compute):
    """`compute()`, kept in the public pages' cache for the current publication generation
    (`public_generation`): for read functions whose answer is the same for everyone until the
    next publication and that add up the whole year, such as the open API's county figures
    and ledger (the public pages get the same from `public_page`). `name` and `args` make the
    key; with the page cache turned off it is computed every time."""
    if not _enabled():
        return compute()
    generation = public_generation()
    where = hashlib.sha256(repr(args).encode()).hexdigest()
    key = f"memo:{generation.token}:{name}:{where}"
    cache = caches[CACHE_ALIAS]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return value


def public_pages_clear(**kwargs) -> None:
    """Forget every cached page (nothing to do when the settings have no such cache)."""
    try:
        cache = caches[CACHE_ALIAS]
    except InvalidCacheBackendError:
        return
    cache.clear()
