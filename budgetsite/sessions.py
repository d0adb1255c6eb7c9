"""Database sessions with an idle timeout (SESSION_ENGINE = "budgetsite.sessions").

A stored session expires SESSION_COOKIE_AGE seconds after it was last saved. Django renews that
only when the session changes, or on every request with SESSION_SAVE_EVERY_REQUEST, which writes
the session row on every page. This store renews it when it is read and more than
`RENEW_AFTER_SECONDS` have passed since the last save, so an active user stays logged in, a user
idle for SESSION_COOKIE_AGE is logged out, and a burst of requests writes the row once.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone

#: the idle timeout is therefore exact to this many seconds
RENEW_AFTER_SECONDS = 60


class SessionStore(DbSessionStore):
    def _mark_for_renewal(self, stored) -> None:
        # The row was saved at expire_date - SESSION_COOKIE_AGE; renew when that is too long ago.
        saved_at = stored.expire_date - timedelta(seconds=self.get_session_cookie_age())
        if timezone.now() - saved_at > timedelta(seconds=RENEW_AFTER_SECONDS):
            self.modified = True

    def load(self):
        stored = self._get_session_from_db()
        if not stored:
            return {}
        self._mark_for_renewal(stored)
        return self.decode(stored.session_data)

    async def aload(self):
        stored = await self._aget_session_from_db()
        if not stored:
            return {}
        self._mark_for_renewal(stored)
        return self.decode(stored.session_data)
