"""Writes of the desk's Excel import: keeping an uploaded workbook between its preview and
确认导入, and the confirmation itself.

Decisions:

- The uploaded bytes are kept server-side in the default storage, as
  ``pending-imports/<token>.xlsx`` with a fresh `secrets.token_urlsafe` token; the session keeps,
  per token, the submission, the user, the kind, the file's SHA-256 and the digest of the
  submission's data at the last preview shown. The client only ever sends the token back; a path
  is never taken from it, and a token not in the user's own session (or for another submission
  or user) is unknown.
- 确认导入 locks the submission row, checks again that the user may import now (a workflow move
  may have happened since the preview), that the stored file is the one previewed (SHA-256) and
  that the data still has the previewed digest — else it is refused and asks for a new preview,
  so it never applies anything but what was shown. It then calls the import service, with its
  all-or-nothing rule and limits, inside the same transaction.
- 取消导入, a confirmed import and a refusal for lack of permission delete the pending file.
  Files older than `PENDING_MAX_AGE` are deleted on each upload, so an abandoned preview does
  not keep a workbook for long; a session holds at most `MAX_PENDING` of them.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass, replace

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tables.desk.import_kinds import KINDS
from tables.desk.import_preview import import_preview, submission_data_digest, year_codes_stamp
from tables.desk.import_selectors import import_refusal
from units.excel.archive import upload_read
from units.models import Submission

PENDING_DIR = "pending-imports"
PENDING_MAX_AGE = datetime.timedelta(days=1)
MAX_PENDING = 6
#: how long a computed preview is reused (the same file against the same data)
PREVIEW_CACHE_SECONDS = 600
SESSION_KEY = "desk_pending_imports"
#: `secrets.token_urlsafe(24)`: 32 characters of [A-Za-z0-9_-]
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")

EXPIRED = "这次导入预览已失效（已取消、已导入、已过期或上传的文件已被清理），数据没有任何改动。请重新上传文件。"
STALE = (
    "预览之后，本填报的数据已有改动（可能是您在别处修改或他人导入），为免覆盖这些改动，"
    "本次没有导入。请重新预览，核对无误后再确认导入。"
)
NOT_PREVIEWED = (
    "这个文件还没有通过预览（或预览发现了错误），不能导入。请先查看预览，核对无误后再确认导入。"
)


class ImportRefused(Exception):
    """确认导入 was refused; `messages` say why in Chinese. Nothing was written."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class PendingImport:
    """An uploaded workbook waiting for 确认导入 or 取消导入 (stored in the session as a dict)."""

    token: str
    submission_id: int
    user_id: int
    kind: str
    sha256: str
    filename: str  # as uploaded: shown, never used as a path
    uploaded_at: str  # ISO 8601
    digest: str = ""  # submission_data_digest at the last preview shown

    @property
    def path(self) -> str:
        return f"{PENDING_DIR}/{self.token}.xlsx"

    @property
    def uploaded(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.uploaded_at)

    @property
    def import_kind(self):
        return KINDS[self.kind]


def _entries(session) -> dict[str, dict]:
    return dict(session.get(SESSION_KEY, {}))


def _save(session, entries: dict[str, dict]) -> None:
    session[SESSION_KEY] = entries  # a new dict: the session sees the change


def pending_imports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete pending files older than `PENDING_MAX_AGE`; how many were deleted."""
    cutoff = (now or timezone.now()) - PENDING_MAX_AGE
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    deleted = 0
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return deleted


def _discard_entry(session, token: str) -> None:
    entries = _entries(session)
    if entries.pop(token, None) is not None:
        _save(session, entries)
    if TOKEN_PATTERN.fullmatch(token):
        default_storage.delete(f"{PENDING_DIR}/{token}.xlsx")


def pending_import_store(
    *, session, submission: Submission, user, kind: str, upload
) -> PendingImport:
    """Keep an uploaded workbook for preview (refusing more than the kind's limit with a
    ValidationError); replaces the user's earlier pending upload of the same kind and submission."""
    data = upload_read(upload, max_bytes=KINDS[kind].max_bytes)
    pending_imports_purge()
    for token, raw in _entries(session).items():
        if raw["submission_id"] == submission.pk and raw["kind"] == kind:
            _discard_entry(session, token)
    entries = _entries(session)
    oldest_first = sorted(entries, key=lambda t: entries[t]["uploaded_at"])
    for token in oldest_first[: max(len(entries) - (MAX_PENDING - 1), 0)]:
        _discard_entry(session, token)  # room for the new one
    token = secrets.token_urlsafe(24)
    pending = PendingImport(
        token=token,
        submission_id=submission.pk,
        user_id=user.pk,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=str(getattr(upload, "name", "") or "")[-200:],
        uploaded_at=timezone.now().isoformat(),
    )
    saved = default_storage.save(pending.path, ContentFile(data))
    if saved != pending.path:  # a name taken: never follow a name we did not choose
        default_storage.delete(saved)
        raise RuntimeError("pending import name collision")
    entries = _entries(session)
    entries[token] = asdict(pending)
    _save(session, entries)
    return pending


def pending_import_get(
    *, session, token: str, submission: Submission, user
) -> PendingImport | None:
    """The pending import `token` of this session, if it belongs to this submission and user."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    raw = _entries(session).get(token)
    if raw is None:
        return None
    try:
        pending = PendingImport(**raw)
    except TypeError:  # written by another version of this code
        return None
    if pending.submission_id != submission.pk or pending.user_id != user.pk:
        return None
    if pending.kind not in KINDS:
        return None
    return pending


def pending_imports_of(*, session, submission: Submission, user) -> list[PendingImport]:
    """The user's pending imports of this submission in this session, newest first."""
    found = [
        pending_import_get(session=session, token=token, submission=submission, user=user)
        for token in _entries(session)
    ]
    return sorted((p for p in found if p), key=lambda p: p.uploaded_at, reverse=True)


def pending_import_data(pending: PendingImport) -> bytes | None:
    """The stored bytes, if still there and still the file uploaded (SHA-256); else None."""
    try:
        with default_storage.open(pending.path, "rb") as handle:
            data = handle.read(pending.import_kind.max_bytes + 1)
    except (FileNotFoundError, OSError):
        return None
    if hashlib.sha256(data).hexdigest() != pending.sha256:
        return None
    return data


def pending_import_discard(*, session, pending: PendingImport) -> None:
    """取消导入: delete the stored file and forget it. Nothing else changes."""
    _discard_entry(session, pending.token)


def pending_import_preview(*, session, pending: PendingImport, submission: Submission):
    """The preview of the pending file (None when the file is gone), remembering the digest of
    the data it was computed against for 确认导入."""
    data = pending_import_data(pending)
    if data is None:
        _discard_entry(session, pending.token)
        return None
    # Computed once per (file, data as it is now): refreshing the page does not run the import
    # again (it locks the submission while it runs); any change of the data gives a new key.
    # The year's code table is part of the key: codes accepted since give a new preview.
    key = "desk-import-preview:" + ":".join(
        (
            pending.token,
            pending.sha256,
            pending.kind,
            submission_data_digest(submission.pk),
            year_codes_stamp(submission.year),
        )
    )
    preview = cache.get(key)
    if preview is None:
        preview = import_preview(kind=pending.kind, submission=submission, data=data)
        cache.set(key, preview, PREVIEW_CACHE_SECONDS)
    entries = _entries(session)
    if pending.token in entries:
        # An erroneous file has no digest: it cannot be confirmed.
        entries[pending.token] = asdict(replace(pending, digest=preview.digest))
        _save(session, entries)
    return preview


def pending_import_confirm(*, session, pending: PendingImport, user, seen_digest: str):
    """确认导入: apply the previewed file in one transaction through the import service; its
    report. ImportRefused (nothing written) when the user may no longer import, the file is
    gone or not the one previewed, or the data changed since the preview the user confirmed
    (`seen_digest`, sent back by its page; the newest preview's digest must match it and the
    data); the service's ValidationError passes through (nothing written either)."""
    data = pending_import_data(pending)
    if data is None:
        _discard_entry(session, pending.token)
        raise ImportRefused([EXPIRED])
    if not pending.digest:
        raise ImportRefused([NOT_PREVIEWED])
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .select_related("unit")
            .get(pk=pending.submission_id)
        )
        refusal = import_refusal(user, submission)
        if refusal is None:
            if seen_digest != pending.digest or (
                submission_data_digest(submission.pk) != pending.digest
            ):
                raise ImportRefused([STALE])
            report = pending.import_kind.run(submission=submission, file=data)
    _discard_entry(session, pending.token)  # imported, or never importable by this user now
    if refusal is not None:
        raise ImportRefused([refusal])
    return report
