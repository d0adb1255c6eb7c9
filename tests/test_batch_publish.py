"""Batch publishing: the bureau publishes the approved submissions of a year from the admin; one
unit's failure stops no other and is shown on the progress page; only 管理员 reach the pages;
the database task backend and `db_worker` run the same tasks."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tables.models import ItemState, PublicationBatch, PublicationBatchItem, PublishedVersion
from tables.publication.batches import publication_batch_start, submission_publish_enqueue
from tests.factories import (
    approved_submission,
    budget_unit_create,
    submission_create,
    user_with,
)
from units.models import SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import TransitionRefused

S = SubmissionStatus
User = get_user_model()
FAILING = "丙单位"
START = "admin:tables_publicationbatch_start"


def progress_url(batch):
    return reverse("admin:tables_publicationbatch_progress", args=[batch.pk])


def approved(name, year=2025, seed=0):
    return approved_submission(name, year=year, seed=seed)


@pytest.fixture
def three_units():
    return [approved(name, seed=i) for i, name in enumerate(["甲单位", "乙单位", FAILING])]


@pytest.fixture
def failing_pdf(monkeypatch):
    """The PDF renderer fails for 丙单位 only."""
    from tables.document.render import pdf

    real = pdf.document_pdf

    def render(document, **kwargs):
        if document.unit_name == FAILING:
            raise RuntimeError("丙单位的PDF排版失败")
        return real(document, **kwargs)

    monkeypatch.setattr(pdf, "document_pdf", render)


@pytest.fixture
def admin_user():
    return user_with(ADMIN, name="bureau")


@pytest.mark.django_db
def test_batch_from_the_admin_publishes_the_others_and_reports_the_failure(
    three_units, failing_pdf, admin_user
):
    """The start page (CSRF-protected) lists the year's approved submissions; publishing them
    publishes 甲 and 乙, records 丙's error, and the finished progress page shows both without
    refreshing itself."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    page = client.get(reverse(START), {"year": 2025})
    text = page.content.decode()
    assert page.status_code == 200 and all(s.unit.name in text for s in three_units)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    form = {"year": "2025", "submission": [s.pk for s in three_units]}

    assert client.post(reverse(START), form).status_code == 403  # no CSRF token
    assert not PublicationBatch.objects.exists()

    response = client.post(reverse(START), {**form, "csrfmiddlewaretoken": token})
    batch = PublicationBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(batch)
    assert (batch.year, batch.started_by) == (2025, admin_user)

    states = {i.submission.unit.name: i for i in batch.items.select_related("submission__unit")}
    assert {name: item.state for name, item in states.items()} == {
        "甲单位": ItemState.DONE,
        "乙单位": ItemState.DONE,
        FAILING: ItemState.FAILED,
    }
    assert states["甲单位"].version.version == 1 and states["甲单位"].finished_at
    assert "丙单位的PDF排版失败" in states[FAILING].error
    for submission in three_units:
        submission.refresh_from_db()
    assert [s.status for s in three_units] == [S.PUBLISHED, S.PUBLISHED, S.APPROVED]
    assert PublishedVersion.objects.count() == 2

    progress = client.get(progress_url(batch)).content.decode()
    assert "已发布 2 个，失败 1 个，等待 0 个" in progress
    assert "丙单位的PDF排版失败" in progress and "已全部处理完毕" in progress
    assert 'data-refresh-seconds="0"' in progress
    changelist = client.get(reverse("admin:tables_publicationbatch_changelist")).content.decode()
    assert "已发布 2，失败 1，等待 0" in changelist


@pytest.mark.django_db
def test_progress_page_refreshes_while_items_wait(settings, admin_user):
    """With the tasks still queued, the page counts them as waiting and refreshes itself; a
    second start leaves them to the first batch."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    submissions = [approved("甲单位"), approved("乙单位", seed=1)]
    batch = publication_batch_start(year=2025, actor=admin_user)
    assert sorted(batch.items.values_list("submission_id", flat=True)) == sorted(
        s.pk for s in submissions
    )
    assert all(batch.items.values_list("task_id", flat=True))

    client = Client()
    client.force_login(admin_user)
    progress = client.get(progress_url(batch)).content.decode()
    assert "已发布 0 个，失败 0 个，等待 2 个" in progress
    assert 'data-refresh-seconds="3"' in progress

    with pytest.raises(TransitionRefused, match="没有待发布"):
        publication_batch_start(year=2025, actor=admin_user)
    assert PublicationBatch.objects.count() == 1


@pytest.mark.django_db
def test_only_the_years_approved_submissions_are_published(admin_user):
    """Drafts, other years and submissions not ticked are left alone; an empty year is refused."""
    chosen = approved("甲单位")
    approved("乙单位", seed=1)
    approved("丁单位", year=2024, seed=2)
    draft = submission_create(unit=budget_unit_create(name="草稿单位"))
    batch = publication_batch_start(
        year=2025, actor=admin_user, submission_ids=[chosen.pk, draft.pk]
    )
    assert list(batch.items.values_list("submission_id", "state")) == [(chosen.pk, ItemState.DONE)]
    with pytest.raises(TransitionRefused, match="2026年没有待发布"):
        publication_batch_start(year=2026, actor=admin_user)


@pytest.mark.django_db
def test_single_submission_in_the_background(admin_user):
    """submission_publish_enqueue publishes one submission as a batch of one; a submission that
    is not 已审核 is refused at once."""
    submission = approved("甲单位")
    batch = submission_publish_enqueue(submission_id=submission.pk, actor=admin_user)
    item = batch.items.get()
    assert item.state == ItemState.DONE and item.version.submission_id == submission.pk
    with pytest.raises(TransitionRefused, match="只有已审核的填报可以发布"):
        submission_publish_enqueue(submission_id=submission.pk, actor=admin_user)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_batch_pages_are_for_administrators_only(role, admin_user):
    """填报人 and 审核人 (staff) get 403 on the batch pages and cannot start a batch through the
    service; anonymous users are sent to the login."""
    submission = approved("甲单位")
    other = user_with(role, [submission.unit])
    client = Client()
    client.force_login(other)
    batch = PublicationBatch.objects.create(year=2025, started_by=admin_user)
    assert client.get(reverse(START)).status_code == 403
    assert (
        client.post(reverse(START), {"year": 2025, "submission": [submission.pk]}).status_code
        == 403
    )
    assert client.get(progress_url(batch)).status_code == 403
    assert client.get(reverse("admin:tables_publicationbatch_changelist")).status_code == 403
    with pytest.raises(TransitionRefused, match="只有财政管理员"):
        publication_batch_start(year=2025, actor=other)
    submission.refresh_from_db()
    assert submission.status == S.APPROVED

    anonymous = Client().get(reverse(START))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


@pytest.mark.django_db(transaction=True)
def test_database_backend_and_db_worker(settings, failing_pdf, admin_user):
    """With the django_tasks_db backend the batch enqueues one task per submission; `db_worker
    --batch` runs them all: two published, 丙 failed with its error, the task marked failed."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    units = [approved(name, seed=i) for i, name in enumerate(["甲单位", "乙单位", FAILING])]
    batch = publication_batch_start(year=2025, actor=admin_user)
    assert DBTaskResult.objects.count() == 3
    assert set(batch.items.values_list("state", flat=True)) == {ItemState.PENDING}

    call_command(
        "db_worker",
        batch=True,
        startup_delay=False,
        reload=False,
        interval=0.1,
        stdout=io.StringIO(),
    )

    items = {i.submission_id: i for i in PublicationBatchItem.objects.filter(batch=batch)}
    assert [items[s.pk].state for s in units] == [ItemState.DONE, ItemState.DONE, ItemState.FAILED]
    assert "丙单位的PDF排版失败" in items[units[2].pk].error

    def task_status(submission):
        return DBTaskResult.objects.get(id=items[submission.pk].task_id).status

    assert [task_status(s) for s in units] == ["SUCCESSFUL", "SUCCESSFUL", "FAILED"]


@pytest.mark.django_db  # on PostgreSQL the command creates and drops its database
def test_benchmark_publish_command_runs_in_a_scratch_database():
    """benchmark_publish (2 units, 1 worker) prints its timing row, all published, and leaves the
    test database untouched (it works in a scratch database of its own)."""
    out = io.StringIO()
    call_command("benchmark_publish", units=2, workers=[1], lines=10, stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines() if re.fullmatch(r"[\d.\s]+", line)]
    assert len(rows) == 1
    workers, units, seconds, rate, done, failed = rows[0]
    assert (workers, units, done, failed) == ("1", "2", "2", "0")
    assert float(seconds) > 0


def test_benchmark_publish_reads_worker_counts_with_commas_or_spaces():
    """--workers 1,2,4 and --workers 1 2 4 mean the same; anything else is refused in Chinese."""
    from django.core.management import CommandError

    from tables.management.commands.benchmark_publish import worker_counts

    assert worker_counts(["1,2,4"]) == worker_counts(["1", "2", "4"]) == [1, 2, 4]
    assert worker_counts([1, 2]) == [1, 2]
    with pytest.raises(CommandError, match="正整数"):
        worker_counts(["1,two"])


@pytest.mark.django_db
def test_a_lost_outcome_shows_as_failed(settings, admin_user):
    """An item whose database task ended without recording the outcome (a worker killed, or a
    locked SQLite refusing the update too) is shown as failed with the task's exception, and
    the page stops refreshing."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    submission = approved("甲单位")
    batch = publication_batch_start(year=2025, actor=admin_user)
    item = batch.items.get()
    DBTaskResult.objects.filter(id=item.task_id).update(
        status="FAILED", exception_class_path="django.db.utils.OperationalError"
    )
    client = Client()
    client.force_login(admin_user)
    progress = client.get(progress_url(batch)).content.decode()
    assert "已发布 0 个，失败 1 个，等待 0 个" in progress
    assert "任务已结束，但未记录发布结果：django.db.utils.OperationalError" in progress
    assert 'data-refresh-seconds="0"' in progress
    item.refresh_from_db()
    assert item.state == ItemState.PENDING  # shown, not saved
    submission.refresh_from_db()
    assert submission.status == S.APPROVED
