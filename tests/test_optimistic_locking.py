"""No lost updates: two people editing the same submission's data in the admin — the second save
gets 「该记录已被他人修改（时间、修改人），请刷新后重新填写」 and saves nothing, for the submission
page with its inlines, budget lines, project targets with their indicator inlines and unit
targets; changes made outside the admin count too. On PostgreSQL, two parallel saves make
exactly one change, and the second save waits for the first one's lock."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from performance.models import Indicator, IndicatorCategory, UnitTarget
from tests.admin_forms import change_form_data, posted, prefix_of
from tests.factories import (
    budget_unit_create,
    project_target_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.admin import SubmissionAdmin
from units.models import BudgetLine, Project, Submission, SubmissionStatus
from units.permissions import FILLER

CONFLICT = "该记录已被他人修改"
REFRESH = "请刷新后重新填写"


def make_world():
    unit = budget_unit_create(name="甲单位")
    submission = submission_create(unit=unit)
    synthetic_budget(submission, 6)
    users = []
    for name in ("张三", "李四"):
        users.append(user_with(FILLER, [unit], name=name))
    return submission, users


def clients_for(users):
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


@pytest.fixture
def world(db):
    return make_world()


def submission_url(submission):
    return reverse("admin:units_submission_change", args=[submission.pk])


def assert_conflict(response, by: str):
    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content and REFRESH in content
    assert f"，{by}）" in content  # the user of the latest change, after its time


# --- sequential conflicts (any database) -------------------------------------------------


def test_second_save_of_the_submission_page_is_refused(world):
    """张三 and 李四 open the submission page; 张三 saves a project name, then 李四's save of a
    glossary change is refused with the conflict message naming 张三, and nothing of 李四's is
    saved."""
    submission, users = world
    first, second = clients_for(users)
    url = submission_url(submission)
    data_1, data_2 = change_form_data(first, url), change_form_data(second, url)
    projects = prefix_of(data_1, "projects")
    data_1[f"{projects}-0-name"] = "张三改的项目名"
    assert first.post(url, data_1).status_code == 302
    data_2[f"{projects}-0-name"] = "李四改的项目名"
    data_2["prior_total"] = "999.00"
    assert_conflict(second.post(url, data_2), "张三")
    assert Project.objects.filter(name="张三改的项目名").exists()
    assert not Project.objects.filter(name="李四改的项目名").exists()
    submission.refresh_from_db()
    assert submission.prior_total != Decimal("999.00")


def test_resubmitting_the_stale_page_keeps_failing_until_reloaded(world):
    """The conflict page keeps the stale token, so saving again is refused too; after reloading,
    the save goes through."""
    submission, users = world
    first, second = clients_for(users)
    url = submission_url(submission)
    data_1, data_2 = change_form_data(first, url), change_form_data(second, url)
    data_1["prior_total"] = "1.00"
    assert first.post(url, data_1).status_code == 302
    data_2["prior_total"] = "2.00"
    response = second.post(url, data_2)
    assert_conflict(response, "张三")
    resent = response.context["adminform"].form["concurrency_token"].value()
    assert resent == data_2["concurrency_token"]
    assert_conflict(second.post(url, data_2), "张三")
    fresh = change_form_data(second, url)
    fresh["prior_total"] = "2.00"
    assert second.post(url, fresh).status_code == 302
    submission.refresh_from_db()
    assert submission.prior_total == Decimal("2.00")


def test_a_post_without_the_token_saves_nothing(world):
    """A change POST that does not carry the page's token is refused like a conflict."""
    submission, users = world
    (client,) = clients_for(users[:1])
    url = submission_url(submission)
    data = change_form_data(client, url)
    del data["concurrency_token"]
    data["prior_total"] = "5.00"
    response = client.post(url, data)
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    submission.refresh_from_db()
    assert submission.prior_total is None


def test_budget_line_second_save_is_refused(world):
    """Two edits of one budget line: the second is refused, the first one's amount stays."""
    submission, users = world
    first, second = clients_for(users)
    line = submission.lines.first()
    url = reverse("admin:units_budgetline_change", args=[line.pk])
    data_1, data_2 = change_form_data(first, url), change_form_data(second, url)
    data_1["amount"], data_2["amount"] = "111.00", "222.00"
    assert first.post(url, data_1).status_code == 302
    assert_conflict(second.post(url, data_2), "张三")
    line.refresh_from_db()
    assert line.amount == Decimal("111.00")


def test_change_made_outside_the_admin_counts(world):
    """A service writing the line (no request: 命令行) between loading and saving the page makes
    the save a conflict that names 命令行."""
    submission, users = world
    (client,) = clients_for(users[:1])
    line = submission.lines.first()
    url = reverse("admin:units_budgetline_change", args=[line.pk])
    data = change_form_data(client, url)
    BudgetLine.objects.filter(pk=line.pk).first().save()  # same values, new record: no change
    assert client.post(url, {**data, "note": "同值保存不算冲突"}).status_code == 302
    data = change_form_data(client, url)
    line.refresh_from_db()
    line.amount += 1
    line.save()
    data["note"] = "页面上的修改"
    assert_conflict(client.post(url, data), "命令行")
    line.refresh_from_db()
    assert line.note != "页面上的修改"


def _target_with_indicators(submission):
    project = submission.projects.filter(allocation_of=None).first()
    target = project_target_create(project)
    category = IndicatorCategory.objects.filter(level=2, framework__is_default=True).first()
    for n, scope in enumerate(["period", "year"]):
        Indicator.objects.create(
            project_target=target, scope=scope, category=category, name=f"指标{n}", text="≥1个"
        )
    return target


def test_project_target_indicator_inline_conflict(world):
    """张三 changes an indicator in the 年度指标 inline; 李四's save of the target's texts from
    the older page is refused."""
    submission, users = world
    target = _target_with_indicators(submission)
    first, second = clients_for(users)
    url = reverse("admin:performance_projecttarget_change", args=[target.pk])
    data_1, data_2 = change_form_data(first, url), change_form_data(second, url)
    prefix = prefix_of(data_1, "indicators")
    data_1[f"{prefix}-0-text"] = "≥5个"
    assert first.post(url, data_1).status_code == 302
    data_2["overview"] = "李四的概况"
    assert_conflict(second.post(url, data_2), "张三")
    target.refresh_from_db()
    assert target.overview == "概况"
    assert Indicator.objects.filter(project_target=target, text="≥5个").count() == 1


def test_unit_target_key_task_conflict(world):
    """A key task added by one user makes the other user's unit-target save a conflict."""
    submission, users = world
    target = UnitTarget.objects.create(
        submission=submission, strategic_goal="战略", annual_goal="年度"
    )
    first, second = clients_for(users)
    url = reverse("admin:performance_unittarget_change", args=[target.pk])
    data_1, data_2 = change_form_data(first, url), change_form_data(second, url)
    tasks = prefix_of(data_1, "key_tasks")
    data_1[f"{tasks}-TOTAL_FORMS"] = "1"
    data_1.update(
        {f"{tasks}-0-function": "职能", f"{tasks}-0-tasks": "任务", f"{tasks}-0-position": "1"}
    )
    assert first.post(url, data_1).status_code == 302
    data_2["annual_goal"] = "李四的年度目标"
    assert_conflict(second.post(url, data_2), "张三")
    target.refresh_from_db()
    assert target.annual_goal == "年度" and target.key_tasks.count() == 1


def test_submitted_in_between_refuses_the_save(world):
    """If the submission went to review after the page was loaded, the save is refused (403)
    and nothing changes."""
    submission, users = world
    (client,) = clients_for(users[:1])
    url = submission_url(submission)
    data = change_form_data(client, url)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.SUBMITTED)
    data["prior_total"] = "3.00"
    assert client.post(url, data).status_code == 403
    submission.refresh_from_db()
    assert submission.prior_total is None


def test_stale_revert_is_a_conflict(world):
    """A revert page loaded before someone else's save is refused like a change form."""
    submission, users = world
    first, second = clients_for(users)
    line = submission.lines.first()
    line.save()
    record = line.history.latest()
    revert_url = reverse("admin:units_budgetline_simple_history", args=[line.pk, record.pk])
    response = second.get(revert_url)
    form = response.context["adminform"].form
    stale = {n: posted(form[n].value()) for n in form.fields if form[n].value() is not False}
    change_url = reverse("admin:units_budgetline_change", args=[line.pk])
    data = change_form_data(first, change_url)
    data["amount"] = "333.00"
    assert first.post(change_url, data).status_code == 302
    assert_conflict(second.post(revert_url, stale), "张三")
    line.refresh_from_db()
    assert line.amount == Decimal("333.00")


# --- parallel saves (PostgreSQL) ---------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
)


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_parallel_edits_make_one_change_and_one_conflict():
    """Two users save the submission page at the same moment: exactly one save goes through,
    the other gets the conflict message; the winner's data is all there."""
    submission, users = make_world()
    clients = clients_for(users)
    url = submission_url(submission)
    forms = [change_form_data(client, url) for client in clients]
    projects = prefix_of(forms[0], "projects")
    for n, data in enumerate(forms):
        data[f"{projects}-0-name"] = f"并发修改{n}"
        data["prior_total"] = f"{n + 1}.00"
    barrier = threading.Barrier(2)
    results = [None, None]

    def save(n):
        try:
            barrier.wait()
            response = clients[n].post(url, forms[n])
            results[n] = (response.status_code, CONFLICT in response.content.decode())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [(200, True), (302, False)]
    winner = results.index((302, False))
    submission.refresh_from_db()
    assert submission.prior_total == Decimal(f"{winner + 1}.00")
    assert Project.objects.filter(name=f"并发修改{winner}").count() == 1
    assert not Project.objects.filter(name=f"并发修改{1 - winner}").exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_second_save_waits_for_the_first_ones_lock(monkeypatch):
    """While the first save is inside its transaction (held at save_related), the second save
    blocks on the submission row's lock; once the first commits, the second sees its rows and
    is refused. Without the lock both would compare against the old rows and both would save."""
    submission, users = make_world()
    clients = clients_for(users)
    url = submission_url(submission)
    forms = [change_form_data(client, url) for client in clients]
    forms[0]["prior_total"], forms[1]["prior_total"] = "10.00", "20.00"
    inside, release = threading.Event(), threading.Event()
    original = SubmissionAdmin.save_related

    def slow_save_related(self, request, form, formsets, change):
        original(self, request, form, formsets, change)
        if request.user == users[0]:
            inside.set()
            assert release.wait(10)

    monkeypatch.setattr(SubmissionAdmin, "save_related", slow_save_related)
    results = {}

    def save(n):
        try:
            response = clients[n].post(url, forms[n])
            results[n] = (response.status_code, CONFLICT in response.content.decode())
        finally:
            connections.close_all()

    first = threading.Thread(target=save, args=(0,))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=save, args=(1,))
    second.start()
    deadline = time.monotonic() + 10
    while _waiting_on_locks() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting_on_locks() == 1  # the second save waits on the first one's row lock
    release.set()
    first.join()
    second.join()
    assert results == {0: (302, False), 1: (200, True)}
    submission.refresh_from_db()
    assert submission.prior_total == Decimal("10.00")
