"""One unit's publication on its desk page: the published versions with every stored file, the
publication task in place (等待中 / 发布中 / 失败 / 已完成, refreshed while it waits, the
no-worker warning after a minute, here and on the progress page), 更正 with its required reason
opening version n+1 as a draft; and the SQLite options that keep a publish from answering
"database is locked"."""

from __future__ import annotations

import datetime
import hashlib
import types
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tables.models import ItemState, PublicationBatchItem, PublishedVersion
from tables.publication import batches, services
from tables.publication.batches import NO_WORKER, submission_publish_enqueue
from tables.publication.leases import attempt_start
from units.models import StatusChange
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db

#: 2026年3月5日 14:05 北京时间
PUBLISHED_AT = datetime.datetime(2026, 3, 5, 14, 5, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def db_tasks(settings):
    """Tasks wait in the database for a worker (none runs in these tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _desk(client, user, submission) -> str:
    client.force_login(user)
    response = client.get(reverse("desk:submission", kwargs={"pk": submission.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _move(client, user, submission, to_status, **extra):
    client.force_login(user)
    return client.post(
        reverse("desk:move", kwargs={"pk": submission.pk}), {"to_status": to_status, **extra}
    )


@pytest.fixture
def published(client, demo_approved, fast_pdf, monkeypatch):
    """The demo published with the desk's 发布 button by its 管理员 at 2026年3月5日 14:05."""
    submission, people = demo_approved
    with monkeypatch.context() as clock:
        clock.setattr(services, "timezone", types.SimpleNamespace(now=lambda: PUBLISHED_AT))
        response = _move(client, people[ADMIN], submission, S.PUBLISHED)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == S.PUBLISHED
    return submission, people


def test_desk_lists_published_versions_with_every_file_for_everyone(client, published):
    """The filler, the reviewer and the administrator all see 已发布版本: 第1版, 发布时间
    2026年3月5日 14:05, 发布人, and a download link for every stored file, which serves the
    stored bytes."""
    submission, people = published
    version = PublishedVersion.objects.get(submission=submission)
    files = list(version.files.all())
    assert len(files) >= 5
    for role in (FILLER, REVIEWER, ADMIN):
        page = _desk(client, people[role], submission)
        assert "已发布版本" in page
        assert '<th scope="row">第1版</th>' in page
        assert "2026年3月5日 14:05" in page
        assert people[ADMIN].get_username() in page
        for file in files:
            url = reverse(
                "publication:file",
                kwargs={"pk": submission.pk, "version": 1, "kind": file.kind},
            )
            assert f'href="{url}"' in page
            assert file.get_kind_display() in page
    client.force_login(people[FILLER])
    pdf = next(file for file in files if file.kind == "pdf")
    response = client.get(
        reverse("publication:file", kwargs={"pk": submission.pk, "version": 1, "kind": "pdf"})
    )
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == pdf.sha256


def test_a_finished_publication_says_done_and_links_the_progress_page_for_the_admin(
    client, published
):
    """After the task: 已完成 with the version; the administrator gets the progress page's link,
    the filler (who may not open it) does not; nothing refreshes any more."""
    submission, people = published
    item = PublicationBatchItem.objects.get(submission=submission)
    progress = reverse("admin:tables_publicationbatch_progress", args=[item.batch_id])
    admin_page = _desk(client, people[ADMIN], submission)
    assert "已完成" in admin_page and "已发布第1版" in admin_page
    assert f'href="{progress}"' in admin_page
    assert 'data-refresh-seconds="0"' in admin_page
    filler_page = _desk(client, people[FILLER], submission)
    assert "已完成" in filler_page and progress not in filler_page
    # the progress page links the new public page and the submission's desk
    client.force_login(people[ADMIN])
    page = client.get(progress).content.decode()
    assert f'href="{reverse("public:disclosure", args=[item.version_id])}"' in page
    assert f'href="{reverse("desk:submission", kwargs={"pk": submission.pk})}"' in page


def test_a_never_published_submission_shows_no_versions(client, demo_approved):
    """Before any publication there is neither a task nor a list of versions."""
    submission, people = demo_approved
    page = _desk(client, people[FILLER], submission)
    assert "已发布版本" not in page and "发布任务" not in page


def test_a_queued_publication_shows_its_state_and_warns_after_a_minute(
    client, demo_approved, db_tasks, monkeypatch
):
    """Queued and not yet picked up: 等待中, refreshed in place; more than a minute later (the
    clock moved on, no worker) the desk and the progress page say no worker seems to run."""
    submission, people = demo_approved
    batch = submission_publish_enqueue(submission_id=submission.pk, actor=people[ADMIN])
    progress = reverse("admin:tables_publicationbatch_progress", args=[batch.pk])

    page = _desk(client, people[ADMIN], submission)
    assert "<strong>等待中</strong>" in page and f'href="{progress}"' in page
    assert 'data-refresh-seconds="3" data-reload-when-done' in page
    # queued already: 发布 is not offered a second time
    assert 'data-action="published"' not in page and "正在发布，见下方“发布任务”" in page
    assert NO_WORKER not in page
    assert NO_WORKER not in client.get(progress).content.decode()

    later = timezone.now() + datetime.timedelta(seconds=batches.UNCLAIMED_SECONDS + 1)
    monkeypatch.setattr(batches, "timezone", types.SimpleNamespace(now=lambda: later))
    page = _desk(client, people[ADMIN], submission)
    assert "<strong>等待中</strong>" in page
    assert NO_WORKER == (
        "发布任务已排队超过1分钟仍未开始：后台任务进程可能没有运行，"
        "请联系系统管理员（manage.py db_worker）"
    )
    assert NO_WORKER in page
    assert NO_WORKER in _desk(client, people[FILLER], submission)
    client.force_login(people[ADMIN])
    progress_page = client.get(progress).content.decode()
    assert NO_WORKER in progress_page and "排队超过1分钟" in progress_page


def test_a_running_publication_says_so_and_never_warns(
    client, demo_approved, db_tasks, monkeypatch
):
    """Once a worker runs the task: 发布中, however long it takes (no no-worker warning)."""
    submission, people = demo_approved
    submission_publish_enqueue(submission_id=submission.pk, actor=people[ADMIN])
    item = PublicationBatchItem.objects.get(submission=submission)
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=item.task_id).update(status="RUNNING")
    attempt_start(task_id=item.task_id, worker_id="worker-1")
    later = timezone.now() + datetime.timedelta(seconds=batches.UNCLAIMED_SECONDS + 1)
    monkeypatch.setattr(batches, "timezone", types.SimpleNamespace(now=lambda: later))

    page = _desk(client, people[ADMIN], submission)

    assert "<strong>发布中</strong>" in page and "正在生成并保存公开文件" in page
    assert NO_WORKER not in page


def test_a_failed_publication_shows_why_until_published(client, demo_approved, monkeypatch):
    """A publication that failed says 失败 with the reason while the submission is still
    已审核 (the 发布 button is there to try again)."""
    from tables.document.render import pdf

    def broken(document, **kwargs):
        raise RuntimeError("PDF排版失败：字体缺失")

    monkeypatch.setattr(pdf, "document_pdf", broken)
    submission, people = demo_approved
    submission_publish_enqueue(submission_id=submission.pk, actor=people[ADMIN])
    assert PublicationBatchItem.objects.get(submission=submission).state == ItemState.FAILED

    page = _desk(client, people[ADMIN], submission)

    assert "<strong>失败</strong>" in page and "PDF排版失败：字体缺失" in page
    assert 'data-action="published"' in page


def test_correction_needs_a_reason_and_opens_the_next_version_as_a_draft(client, published):
    """更正 without a reason is refused (the form requires it too) and changes nothing; with one,
    the submission is a 草稿 of version 2, shown as such, version 1 stays listed and the reason
    is in 流转记录."""
    submission, people = published
    admin = people[ADMIN]
    page = _desk(client, admin, submission)
    assert 'name="reason" rows="3" required' in page and "更正的原因（必填）" in page

    before = StatusChange.objects.count()
    response = _move(client, admin, submission, S.DRAFT, reason="  ")
    assert response.status_code == 403
    assert "“更正”必须填写原因" in response.content.decode()
    submission.refresh_from_db()
    assert (submission.status, submission.version) == (S.PUBLISHED, 1)
    assert StatusChange.objects.count() == before

    response = _move(client, admin, submission, S.DRAFT, reason="表三科目填错，更正后重新公开")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.version) == (S.DRAFT, 2)

    for role in (ADMIN, FILLER):
        page = _desk(client, people[role], submission)
        assert "草稿" in page and "第2版（更正）" in page
        assert "第2版（更正）尚未发布，当前为草稿" in page
        assert '<th scope="row">第1版</th>' in page
        assert "表三科目填错，更正后重新公开" in page
        # the old task's 已完成 belongs to version 1: not shown for the draft
        assert "发布任务" not in page


def test_sqlite_options_apply_to_sqlite_urls_only():
    """A sqlite:// URL gets IMMEDIATE transactions, a 30 s busy timeout and WAL (its own query
    options winning); a PostgreSQL URL gets none of them."""
    from budgetsite.settings import SQLITE_OPTIONS, database_from_url

    sqlite = database_from_url("sqlite:////tmp/demo.sqlite3")
    assert sqlite["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    assert sqlite["OPTIONS"] == SQLITE_OPTIONS
    own = database_from_url("sqlite:////tmp/bench.sqlite3?timeout=60")
    assert own["OPTIONS"]["timeout"] == 60
    assert own["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    postgres = database_from_url("postgres://postgres@127.0.0.1:5432/budget")
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    assert not {"transaction_mode", "timeout", "init_command"} & set(postgres.get("OPTIONS", {}))


def test_the_running_sqlite_connection_begins_immediate_transactions():
    """On SQLite the connection in use takes the write lock when a transaction begins."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    connection.ensure_connection()
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.parametrize("debug", [False, True])
def test_a_request_still_locked_out_gets_the_busy_page_not_an_error(
    demo_approved, monkeypatch, settings, debug
):
    """A request failing on SQLite's "database is locked" (busy timeout exceeded) answers the
    Chinese 503 page with Retry-After, with debug on or off, never the lock's message; any other
    error stays a 500."""
    from django.db import OperationalError
    from django.test import Client

    from tables.desk import views

    settings.DEBUG = debug
    submission, people = demo_approved
    client = Client(raise_request_exception=False)
    client.force_login(people[FILLER])
    url = reverse("desk:submission", kwargs={"pk": submission.pk})

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "submission_findings", locked)
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "系统正忙，请稍后重试" in page and "没有保存" in page
    assert "database is locked" not in page

    def broken(**kwargs):
        raise OperationalError("no such table: units_submission")

    monkeypatch.setattr(views, "submission_findings", broken)
    assert client.get(url).status_code == 500
