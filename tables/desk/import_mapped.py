"""Writes of the desk's 按表头导入 (a line-level Excel file of another layout): keeping the
uploaded source file while its columns are chosen, and handing the converted workbook to the
template import's own pending-import machinery (`tables.desk.import_services`), so its
preview, 确认导入 and 取消导入 are the template's.

Decisions:

- The source file is kept like a pending import (`import_services`' rules, its directory, so
  its purge of day-old files covers it): ``pending-imports/source-<token>.xlsx``, the session
  keeping per token the submission, user, name and SHA-256; the client only sends the token.
- 预览 converts the file with the chosen columns and unit; when that fails, the faults (by the
  source file's row and header) are shown on the columns page and nothing is stored. When it
  succeeds the converted workbook becomes an ordinary pending 预算明细 import; the session
  keeps, beside it, what the pages need to speak of the source file (its sheet and the column
  of each template column), the mapping used and the name to save it under at 确认导入.
- 确认导入 applies the pending import (`pending_import_confirm`) and, in the same transaction,
  saves the mapping when asked: a mapping is never saved for an import that did not happen.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tables.desk.import_kinds import BUDGET
from tables.desk.import_services import (
    PENDING_DIR,
    SESSION_KEY,
    TOKEN_PATTERN,
    PendingImport,
    pending_import_confirm,
    pending_import_store,
    pending_imports_purge,
)
from units.excel.archive import upload_read
from units.excel.header_mapping import MAX_FILE_BYTES, Conversion
from units.header_mapping_services import header_mapped_workbook, header_mapping_save
from units.models import Submission

SOURCES_KEY = "desk_mapped_sources"
CONTEXTS_KEY = "desk_mapped_imports"
MAX_SOURCES = 3


@dataclass(frozen=True)
class MappedSource:
    """An uploaded file of another layout, waiting for its columns to be chosen."""

    token: str
    submission_id: int
    user_id: int
    sha256: str
    filename: str
    uploaded_at: str

    @property
    def path(self) -> str:
        return f"{PENDING_DIR}/source-{self.token}.xlsx"


@dataclass(frozen=True)
class MappedContext:
    """What a pending import converted from a source file keeps of it (by pending token)."""

    source: str  # token of the MappedSource
    sheet: str
    #: template column key → [letter, header] of the source column
    locations: dict
    columns: dict  # field key → header text
    amount_unit: str
    skipped: list
    count: int
    unprojected: list
    save_as: str = ""  # the mapping name to save at 确认导入 ("" = do not save)


def _sources(session) -> dict[str, dict]:
    return dict(session.get(SOURCES_KEY, {}))


def _delete(path: str) -> None:
    default_storage.delete(path)


def mapped_source_store(*, session, submission: Submission, user, upload) -> MappedSource:
    """Keep an uploaded source file (refusing more than `MAX_FILE_BYTES`) for the columns page;
    replaces the user's earlier source file of this submission."""
    data = upload_read(upload, max_bytes=MAX_FILE_BYTES)
    pending_imports_purge()
    entries = _sources(session)
    for token, raw in list(entries.items()):
        if raw["submission_id"] == submission.pk or len(entries) >= MAX_SOURCES:
            entries.pop(token)
            _delete(MappedSource(**raw).path)
    source = MappedSource(
        token=secrets.token_urlsafe(24),
        submission_id=submission.pk,
        user_id=user.pk,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=str(getattr(upload, "name", "") or "")[-200:],
        uploaded_at=timezone.now().isoformat(),
    )
    saved = default_storage.save(source.path, ContentFile(data))
    if saved != source.path:  # a name taken: never follow a name we did not choose
        default_storage.delete(saved)
        raise RuntimeError("mapped source name collision")
    entries[source.token] = asdict(source)
    session[SOURCES_KEY] = entries
    return source


def mapped_source_get(*, session, token: str, submission: Submission, user) -> MappedSource | None:
    """The source file `token` of this session, if it belongs to this submission and user."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    raw = _sources(session).get(token)
    if raw is None:
        return None
    source = MappedSource(**raw)
    if source.submission_id != submission.pk or source.user_id != user.pk:
        return None
    return source


def mapped_source_data(source: MappedSource) -> bytes | None:
    """The stored bytes, if still there and unchanged; else None."""
    try:
        with default_storage.open(source.path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (FileNotFoundError, OSError):
        return None
    return data if hashlib.sha256(data).hexdigest() == source.sha256 else None


def mapped_source_discard(*, session, token: str) -> None:
    """Forget a source file and delete it."""
    entries = _sources(session)
    raw = entries.pop(token, None)
    session[SOURCES_KEY] = entries
    if raw is not None:
        _delete(MappedSource(**raw).path)


def mapped_import_store(
    *,
    session,
    submission: Submission,
    user,
    source: MappedSource,
    conversion: Conversion,
    columns: dict[str, str],
    amount_unit: str,
    save_as: str = "",
) -> PendingImport:
    """The converted workbook as the user's pending 预算明细 import (to be previewed and
    confirmed like a template upload), with what the pages need of the source file."""
    workbook = header_mapped_workbook(conversion=conversion, year=submission.year)
    upload = ContentFile(workbook, name=source.filename or "按表头导入.xlsx")
    pending = pending_import_store(
        session=session, submission=submission, user=user, kind=BUDGET, upload=upload
    )
    context = MappedContext(
        source=source.token,
        sheet=conversion.sheet,
        locations={k: list(v) for k, v in conversion.locations.items()},
        columns=dict(columns),
        amount_unit=amount_unit,
        skipped=list(conversion.skipped),
        count=conversion.count,
        unprojected=list(conversion.unprojected),
        save_as=save_as,
    )
    live = session.get(SESSION_KEY, {})  # the pending imports still there
    contexts = {
        token: raw
        for token, raw in session.get(CONTEXTS_KEY, {}).items()
        if token in live and raw.get("source") != source.token
    }
    contexts[pending.token] = asdict(context)
    session[CONTEXTS_KEY] = contexts
    return pending


def mapped_context_get(*, session, pending: PendingImport) -> MappedContext | None:
    """What the pending import keeps of its source file (None: not converted from one)."""
    raw = session.get(CONTEXTS_KEY, {}).get(pending.token)
    if raw is None:
        return None
    try:
        return MappedContext(**raw)
    except TypeError:  # written by another version of this code
        return None


def mapped_context_forget(*, session, token: str) -> None:
    contexts = dict(session.get(CONTEXTS_KEY, {}))
    context = contexts.pop(token, None)
    session[CONTEXTS_KEY] = contexts
    if context is not None:
        mapped_source_discard(session=session, token=context["source"])


def mapped_import_confirm(
    *, session, pending: PendingImport, context: MappedContext, user, seen_digest: str
):
    """确认导入 of a converted file (`pending_import_confirm`, its refusals and report) and, in
    the same transaction, saving its mapping when asked (nothing at all when either fails)."""
    with transaction.atomic():
        report = pending_import_confirm(
            session=session, pending=pending, user=user, seen_digest=seen_digest
        )
        mapping = None
        if context.save_as:
            mapping = header_mapping_save(
                user=user,
                name=context.save_as,
                columns=context.columns,
                amount_unit=context.amount_unit,
            )
    mapped_context_forget(session=session, token=pending.token)
    return report, mapping
