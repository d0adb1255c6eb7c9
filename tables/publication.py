"""Publishing: an approved submission becomes an immutable, versioned set of files.

Services (writes):

- `submission_publish` moves a submission 已审核 → 已发布 through the one workflow service and,
  in the same transaction with the row locked, renders the disclosure once (is_draft=False) and
  stores version n: the data snapshot (`PublishedVersion.data_json`) and seven files with their
  SHA-256 (`PublishedFile`). If anything fails, the transaction is rolled back: the status stays
  已审核, nothing is stored, and `PublicationFailed` says why. Concurrent or repeated requests
  make one version: the second waits for the row lock, then finds 已发布 and is refused.
- `publication_batch_start` (the bureau's "publish the year") and `submission_publish_enqueue`
  (one submission) record a `PublicationBatch` with one item per submission and enqueue one
  `tables.tasks.publish_submission_task` per item; `publication_item_run` (the task's body)
  publishes and records done/failed on the item, so one unit's failure stops no other.

`publication_item_retry` publishes a failed item again with a new task (the progress page's
重试); `publication_items_fail_for_tasks` fails the items of tasks that `tables.worker` gave up on
after their workers kept dying. A publication already stored is never made twice: the task body
returns the version an item already has, and every publish also settles any item waiting for the
same submission.

Selectors (reads) for the download and public pages: `published_versions_of`,
`published_file_get`, `publication_batch_progress`.

The files of version n (`ARTIFACTS`):

- html: the whole disclosure, one self-contained page (`tables.render.document.document_html`);
- pdf: the same printed by WeasyPrint (`tables.render.pdf.document_pdf`);
- xlsx: tables 1–14 and the target tables (`tables.render.xlsx.disclosure_workbook`);
- json: the data snapshot (`publication_snapshot`, schema `SNAPSHOT_SCHEMA`), UTF-8;
- csv: a zip of T01.csv … T14.csv, each the displayed grid of one table in UTF-8 with BOM (the
  same bytes as the table CSV downloads), dated with the publication time so equal data gives
  equal bytes. One CSV per table: the tables have different columns;
- opendata: the Fiscal Data Package (datapackage.json + budget, table-cell and narrative-figure
  CSVs, `tables.opendata.opendata_package`), a zip;
- datacsv: its budget.csv alone (`tables.opendata.budget_csv`), plain UTF-8: the bulk CSV of a
  year concatenates these stored bytes (`tables.opendata_views`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tables.models import (
    FileKind,
    ItemState,
    PublicationBatch,
    PublicationBatchItem,
    PublishedFile,
    PublishedVersion,
)
from units.models import StatusChange, Submission, SubmissionStatus
from units.services import TransitionRefused, submission_transition

logger = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = "budget-disclosure-snapshot/1"

#: kind → (content type, file-name suffix)
ARTIFACTS = {
    FileKind.HTML: ("text/html; charset=utf-8", ".html"),
    FileKind.PDF: ("application/pdf", ".pdf"),
    FileKind.XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    FileKind.JSON: ("application/json", "（数据）.json"),
    FileKind.CSV: ("application/zip", "（表格CSV）.zip"),
    FileKind.OPENDATA: ("application/zip", "（开放数据包）.zip"),
    FileKind.DATA_CSV: ("text/csv; charset=utf-8", "（预算数据）.csv"),
}
#: characters not allowed in a downloaded file name (Windows and POSIX), and control characters
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
#: an error message stored on a failed batch item is cut to this length
ERROR_MAX = 2000


class PublicationFailed(ValidationError):
    """Rendering or storing a publication failed; nothing was published (Chinese message)."""


# --- the snapshot -----------------------------------------------------------------------------


def to_jsonable(value):
    """Plain JSON values from the pipeline's dataclasses: Decimal → exact string ("1234.50"),
    dates → ISO 8601, tuples → lists, dataclasses → objects of their fields."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return value


def table_snapshot(table) -> dict:
    """A table as published: header and body as displayed, and each body cell typed (money in
    exact 元 as a decimal string, text as text)."""
    from tables.formatting import body_grid, header_grid

    display = body_grid(table)
    return {
        "code": table.code,
        "number": table.number,
        "label": table.label,
        "title": table.title,
        "unit_name": table.unit_name,
        "money_unit": table.money_unit,
        "note": table.note,
        "is_empty": table.is_empty,
        "columns": [{"key": c.key, "kind": c.kind} for c in table.columns],
        "header": header_grid(table.header),
        "rows": [
            {
                "level": row.level,
                "code": row.code,
                "values": [to_jsonable(cell) for cell in row.cells],
                "display": shown,
            }
            for row, shown in zip(table.rows, display, strict=True)
        ],
    }


def publication_snapshot(
    *, document, submission, version: int, published_at: datetime.datetime, reason: str
) -> dict:
    """Everything version n shows, as plain JSON: enough to rebuild its numbers after a
    correction has changed the submission's rows.

    Amounts are strings of exact decimals in 元 (JSON numbers would be read as binary floats);
    `tables[].rows[].display` are the cells as printed (万元 or 元, 2 places)."""
    from performance.render import sheet_grid

    unit = submission.unit
    return {
        "schema": SNAPSHOT_SCHEMA,
        "unit": {
            "code": unit.code,
            "name": document.unit_name,
            "kind": unit.kind,
            "department_code": unit.department.code,
            "department_name": unit.department.name,
        },
        "year": document.year,
        "version": version,
        "published_at": published_at.isoformat(),
        "approval_date": to_jsonable(submission.approval_date),
        "reason": reason,
        "tables": [
            table_snapshot(t) for t in sorted(document.tables.values(), key=lambda t: t.number)
        ],
        "narrative": to_jsonable(document.narrative),
        "texts": to_jsonable(document.texts),
        "budget": to_jsonable(document.data),
        "targets": to_jsonable(document.targets),
        "target_tables": [
            {"key": sheet.key, "title": sheet.title, "grid": sheet_grid(sheet)}
            for sheet in (
                ((document.unit_target_sheet,) if document.unit_target_sheet else ())
                + document.project_target_sheets
            )
        ],
        "findings": to_jsonable(document.findings),
    }


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    kind: str
    file_name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def file_stem(*, unit_name: str, year: int, version: int) -> str:
    """ "阳城县人民代表大会常务委员会办公室2025年单位预算公开", "…（第2版）" from version 2 on."""
    stem = _UNSAFE_NAME.sub("_", f"{unit_name}{year}年单位预算公开")
    return stem if version == 1 else f"{stem}（第{version}版）"


def tables_csv_zip(tables, *, date_time: datetime.datetime) -> bytes:
    """T01.csv … T14.csv in one zip (see the module docstring)."""
    from tables.render.archive import dated_zip
    from tables.render.csv import table_csv_bytes

    files = {
        f"{table.code}.csv": table_csv_bytes(table)
        for table in sorted(tables.values(), key=lambda t: t.number)
    }
    return dated_zip(files, date_time=timezone.localtime(date_time))


def publication_render(*, document, snapshot: dict, stem: str, published_at) -> list[Artifact]:
    """The files of a version, each rendered once from the same document (the open data from
    its snapshot)."""
    from tables import opendata
    from tables.render import pdf as pdf_render
    from tables.render.document import document_html
    from tables.render.xlsx import disclosure_workbook

    contents = {
        FileKind.HTML: document_html(document).encode("utf-8"),
        # not through the draft PDF cache: published once, stored, served from the database
        FileKind.PDF: pdf_render.document_pdf(document, use_cache=False),
        FileKind.XLSX: disclosure_workbook(document),
        FileKind.JSON: json.dumps(snapshot, ensure_ascii=False, indent=1).encode("utf-8"),
        FileKind.CSV: tables_csv_zip(document.tables, date_time=published_at),
        FileKind.OPENDATA: opendata.opendata_package(
            snapshot, date_time=timezone.localtime(published_at)
        ),
        FileKind.DATA_CSV: opendata.budget_csv(snapshot),
    }
    return [
        Artifact(
            kind=kind,
            file_name=stem + ARTIFACTS[kind][1],
            content_type=ARTIFACTS[kind][0],
            content=content,
        )
        for kind, content in contents.items()
    ]


# --- services ---------------------------------------------------------------------------------


def _correction_reason(submission: Submission) -> str:
    """The reason given when version n (n > 1) was opened by 更正."""
    change = (
        StatusChange.objects.filter(
            submission=submission,
            from_status=SubmissionStatus.PUBLISHED,
            to_status=SubmissionStatus.DRAFT,
            version=submission.version,
        )
        .order_by("-at", "-id")
        .first()
    )
    return change.reason if change else ""


def submission_publish(*, submission_id: int, actor, reason: str = "") -> PublishedVersion:
    """Publish an approved submission as version `submission.version`: 已审核 → 已发布 (workflow
    service: lock, role, audit row), render and store the files, all in one transaction.

    Raises `TransitionRefused` (state or role) or `PublicationFailed` (rendering or storing);
    in both cases nothing changes."""
    from tables.document import document_build

    reason = (reason or "").strip()
    with transaction.atomic():
        # Locks the row until this transaction ends: a concurrent publish waits here, then
        # finds 已发布 and is refused before rendering anything.
        result = submission_transition(
            submission_id=submission_id,
            actor=actor,
            to_status=SubmissionStatus.PUBLISHED,
            reason=reason,
        )
        submission = result.submission
        name = f"「{submission.unit.name} {submission.year}年」"
        if submission.version > 1 and not reason:
            reason = _correction_reason(submission)
        published_at = timezone.now()
        try:
            document = document_build(submission=submission, is_draft=False)
            snapshot = publication_snapshot(
                document=document,
                submission=submission,
                version=submission.version,
                published_at=published_at,
                reason=reason,
            )
            stem = file_stem(
                unit_name=document.unit_name, year=document.year, version=submission.version
            )
            artifacts = publication_render(
                document=document, snapshot=snapshot, stem=stem, published_at=published_at
            )
        except Exception as exc:
            logger.exception("publishing submission %s failed", submission_id)
            raise PublicationFailed(
                f"{name}生成公开文件失败，未发布（状态仍为已审核）：{type(exc).__name__}: {exc}"
            ) from exc
        unit = submission.unit
        version = PublishedVersion.objects.create(
            submission=submission,
            version=submission.version,
            published_at=published_at,
            published_by=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            year=submission.year,
            unit_code=unit.code,
            unit_name=document.unit_name,
            department_code=unit.department.code,
            department_name=unit.department.name,
            approval_date=submission.approval_date,
            data_json=snapshot,
        )
        for artifact in artifacts:
            PublishedFile.objects.create(
                version=version,
                kind=artifact.kind,
                file_name=artifact.file_name,
                content_type=artifact.content_type,
                content=artifact.content,
                size=len(artifact.content),
                sha256=artifact.sha256,
            )
        # Published by another path (the `publish` command, another batch) while a batch item
        # was waiting for it: that item is done too, and its task, should it run, finds so.
        PublicationBatchItem.objects.filter(submission=submission, state=ItemState.PENDING).update(
            state=ItemState.DONE, version=version, error="", finished_at=timezone.now()
        )
    return version


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        text = "；".join(exc.messages)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX]


def publication_item_run(
    *, submission_id: int, actor_id: int | None, reason: str = "", item_id: int | None = None
) -> dict:
    """Publish one submission for a task and record the outcome on its batch item (if any).
    Idempotent for an item: a second run of an item already published returns its version.

    Returns {"ok": True, "version": n, "version_id": …}, or {"ok": False, "error": "…"} when
    the workflow refused (not 已审核 any more, no 管理员 role). Any other failure (rendering,
    storing) is recorded on the item and re-raised, so the task backend records it as failed."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    items = PublicationBatchItem.objects.filter(pk=item_id)
    if item_id is not None:
        done = items.filter(state=ItemState.DONE).select_related("version").first()
        if done is not None and done.version is not None:
            # run again after its worker died with the publication already committed: the
            # item says so (it is written in the same transaction), so nothing is published twice
            return {"ok": True, "version": done.version.version, "version_id": done.version.pk}
    try:
        with transaction.atomic():
            version = submission_publish(submission_id=submission_id, actor=actor, reason=reason)
            if item_id is not None:
                items.update(state=ItemState.DONE, version=version, finished_at=timezone.now())
    except Exception as exc:
        error = _error_text(exc)
        if item_id is not None:
            items.update(state=ItemState.FAILED, error=error, finished_at=timezone.now())
        if not isinstance(exc, TransitionRefused):
            raise
        return {"ok": False, "error": error}
    return {"ok": True, "version": version.version, "version_id": version.pk}


def _enqueue_items(batch: PublicationBatch, items, *, actor, reason: str = "") -> None:
    from tables.tasks import publish_submission_task

    for item in items:
        result = publish_submission_task.enqueue(
            submission_id=item.submission_id,
            actor_id=getattr(actor, "pk", None),
            reason=reason,
            item_id=item.pk,
        )
        # The immediate backend (tests) has already run the task and recorded its outcome.
        PublicationBatchItem.objects.filter(pk=item.pk).update(task_id=str(result.id))


def _batch_create(*, year: int, actor, submissions, reason: str = "") -> PublicationBatch:
    with transaction.atomic():
        batch = PublicationBatch.objects.create(year=year, started_by=actor)
        items = PublicationBatchItem.objects.bulk_create(
            PublicationBatchItem(batch=batch, submission=s) for s in submissions
        )
        # Enqueued in the same transaction: with the database backend the tasks exist exactly
        # when the batch does.
        _enqueue_items(batch, items, actor=actor, reason=reason)
    return batch


def _require_admin(actor) -> None:
    from units.permissions import ADMIN, user_roles

    if ADMIN not in user_roles(actor):
        raise TransitionRefused("只有财政管理员可以发布。")


def _lock_unqueued(submissions) -> list[Submission]:
    """Lock the approved submissions of `submissions` and return those not already waiting in a
    batch (an item whose task has ended waits no more), by unit code. Two statements on purpose: the pending items are read after the locks
    are held, so a batch committed meanwhile is seen (PostgreSQL's READ COMMITTED re-checks a
    locked row, not a subquery of the locking statement)."""
    locked = list(
        submissions.select_for_update(of=("self",))
        .filter(status=SubmissionStatus.APPROVED)
        .values_list("pk", flat=True)
    )
    pending = list(
        PublicationBatchItem.objects.filter(
            state=ItemState.PENDING, submission_id__in=locked
        ).values_list("submission_id", "task_id")
    )
    # an item whose task has already ended (its outcome was lost) waits for nothing
    ended = _finished_task_errors({task_id for _, task_id in pending if task_id})
    waiting = {
        submission_id for submission_id, task_id in pending if _task_key(task_id) not in ended
    }
    return list(
        Submission.objects.filter(pk__in=set(locked) - waiting)
        .select_related("unit")
        .order_by("unit__code")
    )


def publication_batch_start(*, year: int, actor, submission_ids=None) -> PublicationBatch:
    """Enqueue the publication of every approved submission of `year` (or of those of
    `submission_ids` that are approved) and record the batch for its progress page.

    Submissions already waiting in another batch are left to it, so starting twice does not
    queue twice (and the row lock in `submission_publish` would refuse a second publication)."""
    _require_admin(actor)
    with transaction.atomic():
        submissions = Submission.objects.filter(year=year)
        if submission_ids is not None:
            submissions = submissions.filter(pk__in=list(submission_ids))
        chosen = _lock_unqueued(submissions)
        if not chosen:
            raise TransitionRefused(f"{year}年没有待发布的已审核填报。")
        return _batch_create(year=year, actor=actor, submissions=chosen)


def submission_publish_enqueue(*, submission_id: int, actor, reason: str = "") -> PublicationBatch:
    """Publish one submission in the background: a batch of one (the same progress page)."""
    _require_admin(actor)
    with transaction.atomic():
        submission = Submission.objects.select_related("unit").filter(pk=submission_id).first()
        if submission is None:
            raise TransitionRefused("填报不存在。")
        chosen = _lock_unqueued(Submission.objects.filter(pk=submission_id))
        if not chosen:
            submission.refresh_from_db(fields=["status"])
            if submission.status != SubmissionStatus.APPROVED:
                raise TransitionRefused(
                    f"「{submission}」当前状态为{submission.get_status_display()}，"
                    "只有已审核的填报可以发布。"
                )
            raise TransitionRefused(f"「{submission}」已在发布队列中。")
        return _batch_create(year=submission.year, actor=actor, submissions=chosen, reason=reason)


def publication_items_fail_for_tasks(*, errors: dict[str, str]) -> int:
    """Fail the waiting items whose task (id → why) has failed for good; returns how many."""
    keys = {_task_key(task_id): error for task_id, error in errors.items()}
    items = [
        item
        for item in PublicationBatchItem.objects.filter(state=ItemState.PENDING).exclude(task_id="")
        if _task_key(item.task_id) in keys
    ]
    now = timezone.now()
    for item in items:
        item.state, item.error, item.finished_at = (
            ItemState.FAILED,
            keys[_task_key(item.task_id)][:ERROR_MAX],
            now,
        )
    PublicationBatchItem.objects.bulk_update(items, ["state", "error", "finished_at"])
    return len(items)


def _task_reason(task_id: str) -> str:
    """The 更正 reason an item's task was enqueued with ("" when unknown)."""
    from django_tasks_db.models import DBTaskResult

    try:
        kwargs = DBTaskResult.objects.filter(pk=task_id).values_list("args_kwargs", flat=True)
        found = kwargs.first()
    except (ValidationError, ValueError):
        return ""
    return ((found or {}).get("kwargs") or {}).get("reason", "") or ""


def publication_item_retry(*, item_id: int, actor) -> PublicationBatchItem:
    """Publish a failed item again (the 重试 button): a new task for the same submission, the
    old one kept in the item's history. Refused unless the item failed (or waits on a task that
    has ended), the submission is still
    已审核 and no other batch is already waiting for it."""
    _require_admin(actor)
    with transaction.atomic():
        item = (
            PublicationBatchItem.objects.select_for_update(of=("self",))
            .select_related("submission__unit", "batch")
            .filter(pk=item_id)
            .first()
        )
        if item is None:
            raise TransitionRefused("发布明细不存在。")
        name = f"「{item.submission}」"
        lost = item.state == ItemState.PENDING and bool(
            item.task_id and _finished_task_errors({item.task_id})
        )
        if item.state != ItemState.FAILED and not lost:
            raise TransitionRefused(f"{name}当前为{item.get_state_display()}，只有失败的可以重试。")
        if not _lock_unqueued(Submission.objects.filter(pk=item.submission_id)):
            item.submission.refresh_from_db(fields=["status"])
            if item.submission.status != SubmissionStatus.APPROVED:
                raise TransitionRefused(
                    f"{name}当前状态为{item.submission.get_status_display()}，"
                    "只有已审核的填报可以发布。"
                )
            raise TransitionRefused(f"{name}已在其他发布批次中等待。")
        reason = _task_reason(item.task_id) if item.task_id else ""
        if item.task_id:
            item.previous_task_ids = [*item.previous_task_ids, item.task_id]
        item.state, item.error, item.finished_at, item.task_id = ItemState.PENDING, "", None, ""
        item.save(update_fields=["state", "error", "finished_at", "task_id", "previous_task_ids"])
        _enqueue_items(item.batch, [item], actor=actor, reason=reason)
    item.refresh_from_db()
    return item


# --- selectors --------------------------------------------------------------------------------


def published_versions_of(*, submission_id: int) -> QuerySet[PublishedVersion]:
    """The published versions of a submission, newest first, with their files' metadata
    (`content` deferred)."""
    from django.db.models import Prefetch

    return (
        PublishedVersion.objects.filter(submission_id=submission_id)
        .defer("data_json")
        .select_related("published_by")
        .prefetch_related(
            Prefetch("files", queryset=PublishedFile.objects.defer("content").order_by("kind"))
        )
        .order_by("-version")
    )


def published_versions_latest() -> QuerySet[PublishedVersion]:
    """The newest published version of every submission that has one."""
    from django.db.models import Exists, OuterRef

    # "no newer version exists" rather than "version = (the newest)": the database runs it as
    # an anti-join (one hash or index pass) instead of a subquery per row, which halves the
    # count of a 10,000-row public list on PostgreSQL (benchmark_public).
    newer = PublishedVersion.objects.filter(
        submission_id=OuterRef("submission_id"), version__gt=OuterRef("version")
    )
    return PublishedVersion.objects.defer("data_json").filter(~Exists(newer))


def published_file_get(
    *, submission_id: int, version: int, kind: str, with_content: bool = True
) -> PublishedFile:
    """One stored file (PublishedFile.DoesNotExist when there is none)."""
    files = PublishedFile.objects.select_related("version")
    if not with_content:
        files = files.defer("content")
    return files.get(version__submission_id=submission_id, version__version=version, kind=kind)


@dataclass(frozen=True)
class ItemProgress:
    """A batch item as its progress page shows it."""

    item: PublicationBatchItem
    #: every run of every task of the item, oldest first (tables.models.TaskAttempt)
    attempts: list
    #: waiting on a task whose worker stopped renewing its lease and nobody has taken it over
    stuck: bool = False

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1 or bool(self.item.previous_task_ids)


@dataclass(frozen=True)
class BatchProgress:
    batch: PublicationBatch
    items: list[PublicationBatchItem]
    counts: dict[str, int]
    details: list[ItemProgress] = dataclasses.field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.counts.get(ItemState.PENDING, 0)

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def stuck(self) -> int:
        return sum(1 for detail in self.details if detail.stuck)

    @property
    def retried(self) -> int:
        return sum(1 for detail in self.details if detail.retried)


def _finished_task_errors(task_ids) -> dict[str, str]:
    """Task id → why, for tasks of the database backend that ended without their item being
    updated (the worker died, or recording the outcome failed too, e.g. a locked SQLite)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from tables.tasks import publish_submission_task

    if not task_ids or not isinstance(publish_submission_task.get_backend(), DatabaseBackend):
        return {}
    ended = DBTaskResult.objects.filter(
        id__in=list(task_ids), status__in=["FAILED", "SUCCESSFUL"]
    ).values_list("id", "exception_class_path")
    return {
        _task_key(task_id): f"任务已结束，但未记录发布结果：{exception or '原因不明'}"
        for task_id, exception in ended
    }


def _task_key(task_id) -> str:
    """A task id without dashes: the stored form of a UUID differs between databases."""
    return str(task_id).replace("-", "")


def publication_batch_progress(*, batch_id: int) -> BatchProgress:
    """A batch with its items (submission, unit, state, error, version), counts by state, and
    each item's attempts (retries, lost workers) and whether it is stuck.

    An item still 等待中 whose task has already ended is shown (not saved) as failed, with the
    task's exception, so that a lost outcome never leaves the page waiting forever."""
    from tables.models import AttemptOutcome
    from tables.worker import lease_seconds, task_attempts_of

    batch = PublicationBatch.objects.select_related("started_by").get(pk=batch_id)
    items = list(
        batch.items.select_related("submission__unit", "version")
        .defer("version__data_json")
        .order_by("submission__unit__code")
    )
    pending = [item for item in items if item.state == ItemState.PENDING]
    lost = _finished_task_errors({item.task_id for item in pending if item.task_id})
    for item in pending:
        error = lost.get(_task_key(item.task_id))
        if error is not None:
            item.state, item.error = ItemState.FAILED, error
    attempts = task_attempts_of(
        {t for item in items for t in (*item.previous_task_ids, item.task_id) if t}
    )
    cutoff = timezone.now() - datetime.timedelta(seconds=lease_seconds())
    details = []
    for item in items:
        runs = [a for t in (*item.previous_task_ids, item.task_id) for a in attempts.get(t, [])]
        latest = runs[-1] if runs else None
        stuck = (
            item.state == ItemState.PENDING
            and latest is not None
            and latest.outcome == AttemptOutcome.RUNNING
            and latest.heartbeat_at < cutoff
        )
        details.append(ItemProgress(item=item, attempts=runs, stuck=stuck))
    counts = Counter(item.state for item in items)
    return BatchProgress(batch=batch, items=items, counts=dict(counts), details=details)
