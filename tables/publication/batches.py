"""Batch publishing: the bureau's "publish the year" and every background publication.

- `publication_batch_start` (the year, or the submissions chosen) and
  `submission_publish_enqueue` (one submission) record a `PublicationBatch` with one item per
  submission and enqueue one `publish_submission_task` per item; `publication_item_run` (the
  task's body) publishes and records done/failed on the item, so one unit's failure stops no
  other. It is idempotent for an item: run again after its worker died with the publication
  committed, it returns the version the item already has.
- `publication_item_retry` publishes a failed item again with a new task (the progress page's
  重试); `publication_items_fail_for_tasks` fails the items of tasks that the leased worker
  (`tables.publication.worker`) gave up on after their workers kept dying.
- `publication_batch_progress` (selector) is the progress page's data: items, counts, each
  item's attempts, whether it is stuck, and whether its task has waited more than
  `UNCLAIMED_SECONDS` for a worker (none is running: `NO_WORKER`).
- `submission_publication_state` (selector) is the newest publication of one submission as its
  desk page shows it: 等待中 / 发布中 / 失败 (why) / 已完成.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from tables.models import ItemState, PublicationBatch, PublicationBatchItem
from tables.publication.services import ERROR_MAX, submission_publish
from units.history import BACKGROUND_TASK, history_source
from units.models import Submission, SubmissionKind, SubmissionStatus
from units.services import TransitionRefused

#: a task still queued this many seconds after it was enqueued means no worker is running
UNCLAIMED_SECONDS = 60
#: said on the desk and the progress page when a task has waited longer than that
NO_WORKER = (
    "发布任务已排队超过1分钟仍未开始：后台任务进程可能没有运行，"
    "请联系系统管理员（manage.py db_worker）"
)


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


@task()
def publish_submission_task(
    *, submission_id: int, actor_id: int | None, reason: str = "", item_id: int | None = None
) -> dict:
    """Publish one approved submission (`submission_publish`) and record the outcome on its
    batch item; enqueue it with `publication_batch_start` or `submission_publish_enqueue`, which
    create the item. (Task rows stored before it moved here name it `tables.tasks.…`, which
    still imports it.)"""
    # imported here: the module is loaded at every process's start-up (task registry)
    from tables.document.render.pdf_parts import pdf_single_process

    # the audit trail says 后台任务 (with the user who started it), not 命令行; the PDF is
    # rendered in this worker's process, as the other workers render theirs on the other cores
    with history_source(BACKGROUND_TASK), pdf_single_process():
        return publication_item_run(
            submission_id=submission_id, actor_id=actor_id, reason=reason, item_id=item_id
        )


def _enqueue_items(batch: PublicationBatch, items, *, actor, reason: str = "") -> None:
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
    """Enqueue the publication of every approved budget submission of `year` (or of those of
    `submission_ids` that are approved budgets) and record the batch for its progress page. A
    决算 is published on its own (`submission_publish_enqueue`), not with the year's budgets.

    Submissions already waiting in another batch are left to it, so starting twice does not
    queue twice (and the row lock in `submission_publish` would refuse a second publication)."""
    _require_admin(actor)
    with transaction.atomic():
        submissions = Submission.objects.filter(year=year, kind=SubmissionKind.BUDGET)
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
    # an item stores the id as the backend gave it: with or without dashes
    stored_forms = {form for key in keys for form in (key, str(uuid.UUID(key)))}
    items = list(
        PublicationBatchItem.objects.filter(state=ItemState.PENDING, task_id__in=stored_forms)
    )
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


@dataclass(frozen=True)
class ItemProgress:
    """A batch item as its progress page shows it."""

    item: PublicationBatchItem
    #: every run of every task of the item, oldest first (tables.models.TaskAttempt)
    attempts: list
    #: waiting on a task whose worker stopped renewing its lease and nobody has taken it over
    stuck: bool = False
    #: waiting on a task that a worker is running now
    running: bool = False
    #: waiting on a task that no worker has started `UNCLAIMED_SECONDS` after it was queued
    unclaimed: bool = False

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1 or bool(self.item.previous_task_ids)

    @property
    def label(self) -> str:
        """等待中 / 发布中 / 失败 / 已完成, as the desk says it."""
        if self.item.state == ItemState.DONE:
            return "已完成"
        if self.item.state == ItemState.FAILED:
            return "失败"
        return "发布中" if self.running else "等待中"


@dataclass(frozen=True)
class BatchProgress:
    batch: PublicationBatch
    items: list[PublicationBatchItem]
    counts: dict[str, int]
    details: list[ItemProgress] = field(default_factory=list)

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

    @property
    def unclaimed(self) -> int:
        return sum(1 for detail in self.details if detail.unclaimed)


@dataclass(frozen=True)
class TaskState:
    """What the database backend says of a task: READY, RUNNING, FAILED or SUCCESSFUL."""

    status: str
    enqueued_at: datetime.datetime
    exception: str = ""


def _task_states(task_ids, *, statuses=None) -> dict[str, TaskState]:
    """Task key (`_task_key`) → its state, for the tasks of the database backend (in
    `statuses` only, when given); empty with another backend (tests run tasks at once)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not task_ids or not isinstance(publish_submission_task.get_backend(), DatabaseBackend):
        return {}
    tasks = DBTaskResult.objects.filter(id__in=list(task_ids))
    if statuses is not None:
        tasks = tasks.filter(status__in=statuses)
    return {
        _task_key(task_id): TaskState(status, enqueued_at, exception or "")
        for task_id, status, enqueued_at, exception in tasks.values_list(
            "id", "status", "enqueued_at", "exception_class_path"
        )
    }


def _lost_outcome(state: TaskState | None) -> str | None:
    """Why an item still waiting is in fact failed: its task ended without the item being
    updated (the worker died, or recording the outcome failed too, e.g. a locked SQLite)."""
    if state is None or state.status not in ("FAILED", "SUCCESSFUL"):
        return None
    return f"任务已结束，但未记录发布结果：{state.exception or '原因不明'}"


def _finished_task_errors(task_ids) -> dict[str, str]:
    """Task key → why, for tasks of the database backend that ended without their item being
    updated (`_lost_outcome`)."""
    states = _task_states(task_ids, statuses=["FAILED", "SUCCESSFUL"])
    return {key: _lost_outcome(state) for key, state in states.items()}


def _task_key(task_id) -> str:
    """A task id without dashes: the stored form of a UUID differs between databases."""
    return str(task_id).replace("-", "")


def _item_details(items: list[PublicationBatchItem]) -> list[ItemProgress]:
    """Each item with its attempts and what its task is doing (two queries whatever the count).

    An item still 等待中 whose task has already ended is shown (not saved) as failed, with the
    task's exception, so that a lost outcome never leaves a page waiting forever."""
    from tables.models import AttemptOutcome
    from tables.publication.leases import lease_seconds, task_attempts_of

    pending = [item for item in items if item.state == ItemState.PENDING]
    states = _task_states({item.task_id for item in pending if item.task_id})
    for item in pending:
        error = _lost_outcome(states.get(_task_key(item.task_id)))
        if error is not None:
            item.state, item.error = ItemState.FAILED, error
    attempts = task_attempts_of(
        {t for item in items for t in (*item.previous_task_ids, item.task_id) if t}
    )
    now = timezone.now()
    lease_cutoff = now - datetime.timedelta(seconds=lease_seconds())
    queue_cutoff = now - datetime.timedelta(seconds=UNCLAIMED_SECONDS)
    details = []
    for item in items:
        runs = [a for t in (*item.previous_task_ids, item.task_id) for a in attempts.get(t, [])]
        latest = runs[-1] if runs else None
        waiting = item.state == ItemState.PENDING
        running = waiting and latest is not None and latest.outcome == AttemptOutcome.RUNNING
        state = states.get(_task_key(item.task_id)) if waiting and item.task_id else None
        # queued since it was enqueued, or since its last run ended (handed back, lease lost)
        queued_since = None
        if state is not None and state.status == "READY":
            queued_since = state.enqueued_at
            if latest is not None and latest.outcome != AttemptOutcome.RUNNING:
                queued_since = max(queued_since, latest.finished_at or latest.heartbeat_at)
        details.append(
            ItemProgress(
                item=item,
                attempts=runs,
                stuck=running and latest.heartbeat_at < lease_cutoff,
                running=running or (state is not None and state.status == "RUNNING"),
                unclaimed=queued_since is not None and queued_since < queue_cutoff,
            )
        )
    return details


def publication_batch_progress(*, batch_id: int) -> BatchProgress:
    """A batch with its items (submission, unit, state, error, version), counts by state, and
    each item's attempts (retries, lost workers), whether it is stuck and whether no worker has
    picked its task up (`_item_details`)."""
    batch = PublicationBatch.objects.select_related("started_by").get(pk=batch_id)
    items = list(
        batch.items.select_related("submission__unit", "version")
        .defer("version__data_json")
        .order_by("submission__unit__code")
    )
    details = _item_details(items)
    counts = Counter(item.state for item in items)
    return BatchProgress(batch=batch, items=items, counts=dict(counts), details=details)


def submission_publication_state(*, submission_id: int) -> ItemProgress | None:
    """The newest publication task of a submission while it matters to its desk page: waiting
    or running; failed while the submission is still 已审核 (to be published again); done while
    the version it published is the submission's current one. None otherwise (never published
    by a task, or a 更正 has since opened a new version)."""
    item = (
        PublicationBatchItem.objects.filter(submission_id=submission_id)
        .select_related("submission", "version")
        .defer("version__data_json")
        .order_by("-id")
        .first()
    )
    if item is None:
        return None
    (detail,) = _item_details([item])
    submission = item.submission
    if item.state == ItemState.FAILED and submission.status != SubmissionStatus.APPROVED:
        return None
    if item.state == ItemState.DONE and (
        submission.status != SubmissionStatus.PUBLISHED
        or item.version is None
        or item.version.version != submission.version
    ):
        return None
    return detail
