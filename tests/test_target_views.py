"""The 绩效目标 page: permission, content, accessible markup, escaping and query counts."""

import re

import pytest
from django.urls import reverse

from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, KeyTask, ProjectTarget, UnitTarget
from performance.selectors import target_data_load
from performance.sheets import target_sheets
from tables.figures.load import budget_data_load
from tests.factories import synthetic_submission
from units.models import BudgetUnit, Project

pytestmark = pytest.mark.django_db

#: session, user, submission (with unit and department), budget (6: lines, codes, ancestor
#: codes, projects, procurements, purchased services), targets (6: framework, categories,
#: indicators, unit target, key tasks, project targets), the header's unread 通知 count.
VIEW_QUERIES = 16


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("reviewer", password="x"))
    return client


def targets_url(submission):
    return reverse("performance:submission_targets", kwargs={"pk": submission.pk})


def targets_create(submission, *, per_side: int, key_tasks: int) -> None:
    """A unit target and a target for every main project, each with `per_side` indicators per
    scope spread over the framework's 二级 categories."""
    categories = list(IndicatorCategory.objects.filter(framework=default_framework(), level=2))
    unit_target = UnitTarget.objects.create(
        submission=submission, strategic_goal="战略目标", annual_goal="年度目标"
    )
    KeyTask.objects.bulk_create(
        KeyTask(unit_target=unit_target, function=f"职能{i}", tasks="任务", position=i)
        for i in range(key_tasks)
    )
    targets = ProjectTarget.objects.bulk_create(
        ProjectTarget(project=project, overview="概况", period_local=1000)
        for project in Project.objects.filter(submission=submission, allocation_of=None)
    )

    def indicator(i, scope, **owner):
        # bulk_create skips Indicator.save(): give the parsed fields as save() would set them.
        return Indicator(
            scope=scope,
            category=categories[i % len(categories)],
            name=f"指标{i}",
            text="≥1次",
            comparator="≥",
            value=1,
            unit="次",
            position=i,
            **owner,
        )

    indicators = [indicator(i, "year", unit_target=unit_target) for i in range(per_side)]
    for target in targets:
        for scope in ("period", "year"):
            indicators += [indicator(i, scope, project_target=target) for i in range(per_side)]
    Indicator.objects.bulk_create(indicators)


def test_anonymous_is_redirected_to_login(client, demo):
    """An anonymous visitor is sent to the login page with a return address."""
    response = client.get(targets_url(demo))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert "next=" in response.url


def test_user_without_access_gets_404(client, demo, django_user_model):
    """A logged-in user who may not see the submission cannot tell it exists."""
    client.force_login(django_user_model.objects.create_user("clerk", password="x"))
    assert client.get(targets_url(demo)).status_code == 404


def test_unknown_submission_gives_404(staff_client, demo):
    """A submission id that does not exist is a 404."""
    url = reverse("performance:submission_targets", kwargs={"pk": 999999})
    assert staff_client.get(url).status_code == 404


def test_page_lists_unit_table_then_every_project_table(staff_client, demo):
    """The unit table comes first, then the 18 project tables in 表十二 order, each in the
    table of contents."""
    response = staff_client.get(targets_url(demo))
    assert response.status_code == 200
    content = response.content.decode()
    sheets = target_sheets(budget_data_load(submission=demo), target_data_load(submission=demo))
    assert len(sheets) == 19 and sheets[0].key == "unit"
    positions = [content.index(f'<section class="target-table" id="{s.key}"') for s in sheets]
    assert positions == sorted(positions)
    for sheet in sheets:
        assert f'<li><a href="#{sheet.key}">{sheet.name}</a></li>' in content
    assert content.count("县(区)级预算部门(单位)项目支出绩效目标表") == 18
    assert content.count("县(区)级预算部门(单位)整体支出绩效目标申报表") == 1
    assert "(2025)年度" in content and "(2025年度)" in content


def test_page_shows_published_figures(staff_client, demo):
    """Amounts print as the seed prints them: 万元 for the unit, 元 with separators for projects."""
    content = staff_client.get(targets_url(demo)).content.decode()
    for figure in ("1175.95", "615.20", "560.75", "0.00"):
        assert f'<td class="money">{figure}</td>' in content
    assert '<td class="money">75,000</td>' in content
    assert '<td class="value" colspan="4">经常性项目(长期开展)</td>' in content
    assert "<dt>填报日期</dt><dd>20250116160658</dd>" in content


def test_page_names_projects_without_target(staff_client, demo):
    """表十二's 市人大代表联络站经费 has no target table in the seed: the page says so."""
    content = staff_client.get(targets_url(demo)).content.decode()
    assert "项目「市人大代表联络站经费」列入表十二，但没有项目支出绩效目标表。" in content
    assert "整体支出绩效目标申报表尚未填报" not in content


def test_tables_are_accessible(staff_client, demo):
    """Captions, scoped column and row headings, and merged cells as rowspan/colspan."""
    content = staff_client.get(targets_url(demo)).content.decode()
    assert '<caption id="unit-caption">' in content
    assert 'role="region" aria-labelledby="unit-caption" tabindex="0"' in content
    assert '<th scope="col">三级指标</th>' in content
    assert '<th scope="rowgroup" rowspan="6">项目资金(元)</th>' in content
    assert '<th scope="row" rowspan="5">部门基本信息</th>' not in content
    assert '<th scope="rowgroup" rowspan="5">部门基本信息</th>' in content
    assert re.search(r'<th scope="row" rowspan="\d+">产出指标</th>', content)
    assert '<th scope="row">项目名称</th><td class="value" colspan="7">' in content
    assert content.count("<tbody>") == 7 + 18 * 5


def test_user_text_is_escaped(staff_client, demo):
    """Text users enter (a target's 项目概况, the unit's name) is escaped, never markup."""
    ProjectTarget.objects.filter(project__submission=demo).update(
        overview="<script>alert(1)</script>"
    )
    BudgetUnit.objects.filter(pk=demo.unit_id).update(name="<b>办公室</b>")
    content = staff_client.get(targets_url(demo)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<b>办公室</b>" not in content
    assert "&lt;b&gt;办公室&lt;/b&gt;" in content


def test_tables_page_links_to_targets(staff_client, demo):
    """The statutory tables page links to the target tables."""
    url = reverse("tables:submission_tables", kwargs={"pk": demo.pk})
    content = staff_client.get(url).content.decode()
    assert f'<a href="{targets_url(demo)}">查看绩效目标表</a>' in content


def test_demo_page_query_count_is_bounded(staff_client, demo, django_assert_max_num_queries):
    """The demo's 19 tables render in the fixed number of queries."""
    with django_assert_max_num_queries(VIEW_QUERIES):
        assert staff_client.get(targets_url(demo)).status_code == 200


@pytest.mark.parametrize(("n_lines", "per_side", "key_tasks"), [(150, 4, 2), (450, 12, 6)])
def test_page_query_count_does_not_grow(
    staff_client, django_assert_num_queries, n_lines, per_side, key_tasks
):
    """6 or 18 projects, 4 or 12 indicators a side: the page takes the same queries."""
    submission = synthetic_submission(n_lines, seed=n_lines)
    targets_create(submission, per_side=per_side, key_tasks=key_tasks)
    n_projects = Project.objects.filter(submission=submission, allocation_of=None).count()
    assert n_projects == n_lines // 25
    with django_assert_num_queries(VIEW_QUERIES):
        response = staff_client.get(targets_url(submission))
    assert response.status_code == 200
    assert response.content.decode().count('<section class="target-table"') == n_projects + 1
