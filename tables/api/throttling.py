"""The open API's limit for anonymous clients: `API_ANON_RATE` requests (e.g. "120/min") per
client address, counted in the `API_THROTTLE_CACHE` cache (settings).

ninja's `AnonRateThrottle` identifies a client by `X-Forwarded-For`, which any client can
write; here the address is the project's one decision of who the client is
(`budgetsite.client_ip`: the proxy's `X-Real-IP` only from a trusted proxy, else REMOTE_ADDR),
named by the setting `API_CLIENT_IP_CALLABLE` as axes names it (`AXES_CLIENT_IP_CALLABLE`):
no layer imports `budgetsite`.
The rate and the cache are read on every request, so a test or an operator changing the
settings changes the limit without a restart of the API object.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.utils.module_loading import import_string
from ninja.throttling import AnonRateThrottle


class ClientAnonRateThrottle(AnonRateThrottle):
    """`AnonRateThrottle` keyed by `client_ip`, with the rate and cache from settings."""

    def __init__(self):
        super().__init__(rate=settings.API_ANON_RATE)

    @property
    def cache(self):
        return caches[settings.API_THROTTLE_CACHE]

    def get_ident(self, request) -> str:
        return import_string(settings.API_CLIENT_IP_CALLABLE)(request) or "unknown"

    def allow_request(self, request) -> bool:
        self.rate = settings.API_ANON_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
