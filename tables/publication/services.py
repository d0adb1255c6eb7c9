"""Publishing: an approved submission becomes an immutable, versioned set of files.

- `submission_publish` moves a submission 已审核 → 已发布 through the one workflow service and,
  in the same transaction with the row locked, renders the disclosure once (is_draft=False) and
  stores version n: the data snapshot (`PublishedVersion.data_json`) and its files with their
  SHA-256 (`PublishedFile`; what they are: `tables.publication.artifacts`). If anything fails,
  the transaction is rolled back: the status stays 已审核, nothing is stored, and
  `PublicationFailed` says why. Concurrent or repeated requests make one version: the second
  waits for the row lock, then finds 已发布 and is refused. Every publish also settles the batch
  items waiting for the same submission (`tables.publication.batches`).

A version records the submission's kind (预算 or 决算, `PublishedVersion.kind`). Only a budget
version has the T-tables its figures (`PublishedFigure`) and search entry are read from, so a
决算 version gets neither.

Selectors (reads) for the download and public pages: `published_versions_of`,
`published_versions_latest`, `published_budget_versions`, `published_file_get`. The public
lists, search, open data and API are about budgets: `published_versions_latest` gives budget
versions unless asked for another kind.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tables.models import (
    ItemState,
    PublicationBatchItem,
    PublishedFile,
    PublishedVersion,
)
from tables.publication.artifacts import publication_build
from tables.publication.figures import figures_create
from tables.publication.search import search_entry_create
from units.models import StatusChange, Submission, SubmissionKind, SubmissionStatus
from units.notifications import submission_published_notify
from units.services import submission_transition

logger = logging.getLogger(__name__)

#: an error message stored on a failed batch item is cut to this length
ERROR_MAX = 2000


class PublicationFailed(ValidationError):
    """Rendering or storing a publication failed; nothing was published (Chinese message)."""


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
    reason = (reason or "").strip()
    with transaction.atomic():
        # Locks the row until this transaction ends: a concurrent publish waits here, then
        # finds 已发布 and is refused before rendering anything.
        result = submission_transition(
            submission_id=submission_id,
            actor=actor,
            to_status=SubmissionStatus.PUBLISHED,
            reason=reason,
            publishing=True,
        )
        submission = result.submission
        name = f"「{submission.unit.name} {submission.year}年」"
        if submission.version > 1 and not reason:
            reason = _correction_reason(submission)
        published_at = timezone.now()
        try:
            document, snapshot, artifacts = publication_build(
                submission=submission, published_at=published_at, reason=reason
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
            kind=submission.kind,
            year=submission.year,
            unit_code=unit.code,
            unit_name=document.unit_name,
            department_code=unit.department.code,
            department_name=unit.department.name,
            approval_date=submission.approval_date,
            is_department=unit.consolidates_department,
            is_headquarters=unit.is_headquarters,
            data_json=snapshot,
        )
        if version.kind == SubmissionKind.BUDGET:
            # the figures and the search entry are read from a budget's T-tables
            figures_create(version)
            search_entry_create(version)
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
        # The unit's 填报人 and 审核人 are told (mail once this transaction commits).
        submission_published_notify(submission=submission, version=version.version, actor=actor)
    return version


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


def published_budget_versions() -> QuerySet[PublishedVersion]:
    """Every published version of a budget (预算), whatever its version number; a 决算 version
    is left out."""
    return PublishedVersion.objects.filter(kind=SubmissionKind.BUDGET)


def published_versions_latest(
    *, kind: str | None = SubmissionKind.BUDGET
) -> QuerySet[PublishedVersion]:
    """The newest published version of every submission of `kind` that has one: budgets unless
    told otherwise (`kind=None`: every kind), since the public lists, search, the year's open
    data and most of the API are about budgets (the API lists 决算 when asked)."""
    from django.db.models import Exists, OuterRef

    # "no newer version exists" rather than "version = (the newest)": the database runs it as
    # an anti-join (one hash or index pass) instead of a subquery per row, which halves the
    # count of a 10,000-row public list on PostgreSQL (benchmark_public).
    newer = PublishedVersion.objects.filter(
        submission_id=OuterRef("submission_id"), version__gt=OuterRef("version")
    )
    versions = PublishedVersion.objects.defer("data_json").filter(~Exists(newer))
    return versions if kind is None else versions.filter(kind=kind)


def published_file_get(
    *, submission_id: int, version: int, kind: str, with_content: bool = True
) -> PublishedFile:
    """One stored file (PublishedFile.DoesNotExist when there is none)."""
    files = PublishedFile.objects.select_related("version")
    if not with_content:
        files = files.defer("content")
    return files.get(version__submission_id=submission_id, version__version=version, kind=kind)
