"""Entering 绩效目标 in the admin (pages load in bounded queries; bad indicator values, unknown
category pairs and negative money are refused in Chinese and nothing is saved) and copying last
year's targets."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext

from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, KeyTask, ProjectTarget, UnitTarget
from performance.services import targets_copy_from_previous_year
from tests.factories import project_target_create, submission_create
from units.models import Project, Submission

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/performance/projecttarget/"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    return client


def change_url(target) -> str:
    return f"{CHANGELIST}{target.pk}/change/"


def target_with_most_indicators(submission) -> ProjectTarget:
    return max(
        ProjectTarget.objects.filter(project__submission=submission),
        key=lambda t: t.indicators.count(),
    )


def category(level1, level2) -> IndicatorCategory:
    return IndicatorCategory.objects.get(
        framework=default_framework(), parent__name=level1, name=level2
    )


def _posted(value) -> str:
    return "" if value is None else str(value)


def _add_field(data: dict, bound) -> None:
    if isinstance(bound.field.widget, MultiWidget):
        parts = bound.field.widget.decompress(bound.value())
        for index, part in enumerate(parts):
            data[f"{bound.html_name}_{index}"] = _posted(part)
    elif bound.value() is not False:
        data[bound.html_name] = _posted(bound.value())


def change_form_data(client, url) -> dict:
    """The POST data the admin change (or add) page would send unchanged, inlines included."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        _add_field(data, form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = _posted(formset.management_form[name].value())
        for inline_form in formset.forms:
            for name in inline_form.fields:
                _add_field(data, inline_form[name])
    return data


def formset_prefix(client, url, verbose_name) -> str:
    response = client.get(url)
    return next(
        inline.formset.prefix
        for inline in response.context["inline_admin_formsets"]
        if inline.opts.verbose_name == verbose_name
    )


def add_indicator_row(data: dict, prefix: str, **values) -> dict:
    """Append one new row to an inline formset in POST data."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return data


def snapshot(submission):
    return (
        list(
            Indicator.objects.filter(project_target__project__submission=submission)
            .order_by("id")
            .values_list("id", "scope", "category_id", "name", "text")
        ),
        list(
            ProjectTarget.objects.filter(project__submission=submission)
            .order_by("id")
            .values_list("id", "overview", "period_central", "year_central")
        ),
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- pages ---------------------------------------------------------------------------------


def test_changelist_lists_demo_targets_in_queries_that_do_not_grow(demo, staff):
    """The target list shows the demo projects; removing half the targets does not change the
    number of queries (no query per row)."""
    response = staff.get(CHANGELIST)
    content = response.content.decode()
    assert "智慧人大三期项目" in content and "复制上年绩效目标" in content
    full = count_queries(staff, CHANGELIST)
    for target in ProjectTarget.objects.filter(project__submission=demo)[:9]:
        target.delete()
    assert count_queries(staff, CHANGELIST) == full


def test_change_page_queries_do_not_grow_with_indicators(demo, staff):
    """A demo target's change page shows both indicator inlines and the derived 年度资金; adding
    30 indicators to it does not add queries (category choices are read once)."""
    target = target_with_most_indicators(demo)
    response = staff.get(change_url(target))
    content = response.content.decode()
    assert "实施期指标" in content and "年度指标" in content
    assert "产出指标 / 数量指标" in content
    assert "年度资金（按预算明细计算）" in content
    before = count_queries(staff, change_url(target))
    Indicator.objects.bulk_create(
        Indicator(
            project_target=target,
            scope="year",
            category=category("产出指标", "数量指标"),
            name=f"新增指标{n}",
            text=f"{n}个",
            comparator="＝",
            value=Decimal(n),
            unit="个",
        )
        for n in range(30)
    )
    assert count_queries(staff, change_url(target)) == before
    assert before <= 20


def test_indicator_inlines_are_split_by_scope_and_ordered_by_level(demo, staff):
    """The 实施期 inline holds only 实施期 indicators, in 一级/二级 order."""
    target = target_with_most_indicators(demo)
    response = staff.get(change_url(target))
    inlines = {i.opts.verbose_name: i.formset for i in response.context["inline_admin_formsets"]}
    period = [form.instance for form in inlines["实施期指标"].forms]
    assert period and all(i.scope == "period" for i in period)
    assert [form.instance.scope for form in inlines["年度指标"].forms] == ["year"] * len(
        inlines["年度指标"].forms
    )
    orders = [(i.category.parent.position, i.category.position) for i in period]
    assert orders == sorted(orders)


def test_category_choices_are_level2_pairs_of_the_default_framework(demo, staff):
    """The category list offers exactly the nine 二级 indicators, labelled 一级 / 二级."""
    target = target_with_most_indicators(demo)
    response = staff.get(change_url(target))
    formset = response.context["inline_admin_formsets"][0].formset
    labels = [label for value, label in formset.forms[0].fields["category"].choices if value]
    assert len(labels) == 9
    assert labels[0] == "产出指标 / 数量指标" and labels[-1] == "满意度指标 / 服务对象满意度指标"


def test_add_and_unit_target_pages_load(demo, staff):
    """The add page, the unit-target list and a unit-target change page load."""
    assert staff.get(f"{CHANGELIST}add/").status_code == 200
    assert staff.get("/admin/performance/unittarget/").status_code == 200
    response = staff.get(f"/admin/performance/unittarget/{demo.unit_target.pk}/change/")
    content = response.content.decode()
    assert "年度绩效指标" in content and "年度重点任务" in content
    assert "合计 11,759,498.00 元" in content  # 年度预算, derived from the budget lines


def test_pages_are_staff_only(demo, client):
    """A logged-in non-staff user is sent to the admin login, not shown targets."""
    user = get_user_model().objects.create_user("clerk", "c@example.com", "pw-123456")
    client.force_login(user)
    for url in (CHANGELIST, f"{CHANGELIST}excel/", f"{CHANGELIST}copy/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_saving_the_change_page_unchanged_keeps_everything(demo, staff):
    """Posting the change page as rendered saves and leaves the targets as they were."""
    target = target_with_most_indicators(demo)
    before = snapshot(demo)
    response = staff.post(change_url(target), change_form_data(staff, change_url(target)))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert snapshot(demo) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("≥高", "比较符「≥」后必须是数字"), ("120%", "百分比必须在0–100之间")],
)
def test_bad_indicator_value_is_refused_and_nothing_saved(demo, staff, text, message):
    """An inline indicator "≥高" or "120%" shows the Chinese error; nothing is saved, not even
    the valid changes posted with it."""
    target = target_with_most_indicators(demo)
    url = change_url(target)
    data = change_form_data(staff, url)
    data["overview"] = "改过的概况"
    prefix = formset_prefix(staff, url, "年度指标")
    add_indicator_row(
        data, prefix, category=category("产出指标", "数量指标").pk, name="新指标", text=text
    )
    before = snapshot(demo)
    response = staff.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(demo) == before


def test_unknown_level_pair_is_refused(demo, staff):
    """A category that is not a 二级 indicator of the framework (e.g. the 一级 满意度指标 posted
    as a category) is refused with the Chinese hint; nothing saved."""
    target = target_with_most_indicators(demo)
    url = change_url(target)
    data = change_form_data(staff, url)
    level1 = IndicatorCategory.objects.get(framework=default_framework(), name="满意度指标")
    prefix = formset_prefix(staff, url, "实施期指标")
    add_indicator_row(data, prefix, category=level1.pk, name="满意度", text="≥95%")
    before = snapshot(demo)
    response = staff.post(url, data)
    assert response.status_code == 200
    assert "请从列表中选择指标体系中的二级指标" in response.content.decode()
    assert snapshot(demo) == before


def test_negative_money_is_refused(demo, staff):
    """A negative 实施期 amount shows 金额不能为负数 and is not saved."""
    target = target_with_most_indicators(demo)
    url = change_url(target)
    data = change_form_data(staff, url)
    data["period_central"] = "-100.00"
    before = snapshot(demo)
    response = staff.post(url, data)
    assert response.status_code == 200
    assert "金额不能为负数" in response.content.decode()
    assert snapshot(demo) == before


def test_good_inline_indicator_is_saved_with_its_scope_and_parsed_value(demo, staff):
    """A valid new row in the 实施期 inline is saved as 实施期 with comparator, number and unit."""
    target = target_with_most_indicators(demo)
    url = change_url(target)
    data = change_form_data(staff, url)
    prefix = formset_prefix(staff, url, "实施期指标")
    add_indicator_row(
        data,
        prefix,
        category=category("效益指标", "社会效益指标").pk,
        name="新增社会效益",
        text="≥35人",
        position=99,
    )
    assert staff.post(url, data).status_code == 302
    saved = Indicator.objects.get(name="新增社会效益")
    assert (saved.project_target, saved.scope) == (target, "period")
    assert (saved.comparator, saved.value, saved.unit) == ("≥", Decimal(35), "人")


def test_add_page_offers_only_main_projects(demo, staff):
    """Extra allocations are not offered on the add page (they share their project's target)."""
    response = staff.get(f"{CHANGELIST}add/")
    choices = response.context["adminform"].form.fields["project"].queryset
    assert not choices.filter(allocation_of__isnull=False).exists()
    assert (
        choices.filter(submission=demo).count()
        == Project.objects.filter(submission=demo, allocation_of=None).count()
    )


# --- copy from the previous year -----------------------------------------------------------


@pytest.fixture
def next_year(demo) -> Submission:
    """2026 for the demo unit: same projects (one renamed, one new), no targets yet."""
    submission = submission_create(unit=demo.unit, year=2026)
    for project in Project.objects.filter(submission=demo, allocation_of=None):
        name = "全新项目" if project.name == "会议费" else project.name
        Project.objects.create(
            submission=submission,
            name=name,
            category=project.category,
            recurrence=project.recurrence,
            period_years=project.period_years,
            position=project.position,
        )
    return submission


def test_copy_copies_unit_and_same_named_project_targets(demo, next_year):
    """Last year's unit target (tasks, indicators) and every same-named project's target are
    copied with texts, indicators and 实施期 funds; 年度 outside money is not copied."""
    report = targets_copy_from_previous_year(submission=next_year)
    unit_target = UnitTarget.objects.get(submission=next_year)
    assert unit_target.strategic_goal == demo.unit_target.strategic_goal
    assert unit_target.key_tasks.count() == demo.unit_target.key_tasks.count() == 4
    assert unit_target.indicators.count() == demo.unit_target.indicators.count()
    assert unit_target.filled_at is None

    copied = ProjectTarget.objects.filter(project__submission=next_year)
    old_with_target = ProjectTarget.objects.filter(project__submission=demo).exclude(
        project__name="会议费"
    )
    assert copied.count() == old_with_target.count() == len(report.copied)
    for old in old_with_target:
        new = copied.get(project__name=old.project.name)
        assert (new.overview, new.goal_period, new.period_local) == (
            old.overview,
            old.goal_period,
            old.period_local,
        )
        assert (new.year_central, new.year_provincial, new.year_other) == (0, 0, 0)
        old_rows = list(old.indicators.values_list("scope", "category", "name", "text", "value"))
        new_rows = list(new.indicators.values_list("scope", "category", "name", "text", "value"))
        assert new_rows == old_rows
    assert ("全新项目", "上年没有同名项目") in report.skipped
    assert report.unit_target == "已复制"
    assert "全新项目：上年没有同名项目" in report.summary()


def test_copy_never_overwrites_and_can_run_twice(demo, next_year):
    """A target entered before the copy is kept as is; a second run copies nothing."""
    project = Project.objects.get(submission=next_year, name="智慧人大三期项目")
    mine = project_target_create(project, overview="本年新写", necessity="必要", goal_period="目标")
    first = targets_copy_from_previous_year(submission=next_year)
    assert ("智慧人大三期项目", "已有绩效目标，未覆盖") in first.skipped
    mine.refresh_from_db()
    assert mine.overview == "本年新写" and not mine.indicators.exists()

    counts = (ProjectTarget.objects.count(), Indicator.objects.count(), KeyTask.objects.count())
    second = targets_copy_from_previous_year(submission=next_year)
    assert second.copied == [] and second.indicators == 0
    assert second.unit_target == "已存在，未覆盖"
    assert (ProjectTarget.objects.count(), Indicator.objects.count(), KeyTask.objects.count()) == (
        counts
    )


def test_copy_without_previous_year_is_a_clear_error(demo):
    """With no submission for the year before, the copy stops with a Chinese message."""
    with pytest.raises(ValidationError, match="找不到本单位 2024 年的预算公开填报"):
        targets_copy_from_previous_year(submission=demo)


def test_copy_page_and_admin_action_call_the_service(demo, next_year, staff):
    """The copy page (CSRF-protected POST) shows the report; the changelist action reports per
    submission."""
    response = staff.get(f"{CHANGELIST}copy/")
    assert "csrfmiddlewaretoken" in response.content.decode()
    response = staff.post(f"{CHANGELIST}copy/", {"submission": next_year.pk})
    content = response.content.decode()
    assert response.status_code == 200 and "复制结果" in content and "全新项目" in content
    assert ProjectTarget.objects.filter(project__submission=next_year).exists()

    target = ProjectTarget.objects.filter(project__submission=next_year).first()
    response = staff.post(
        CHANGELIST,
        {"action": "copy_previous_year", "_selected_action": [target.pk]},
        follow=True,
    )
    assert "从 2025 年复制" in response.content.decode()


def test_add_page_creates_a_target_with_indicators(demo, staff):
    """A new target for a project without one is saved with its 年度 indicator."""
    project = Project.objects.get(submission=demo, name="市人大代表联络站经费")
    url = f"{CHANGELIST}add/"
    data = change_form_data(staff, url)
    data.update(
        project=project.pk,
        overview="概况",
        basis="依据",
        necessity="必要性",
        measures="措施",
        plan="计划",
        goal_period="实施期目标",
        goal_year="年度目标",
        period_local="13000.00",
    )
    add_indicator_row(
        data,
        formset_prefix(staff, url, "年度指标"),
        category=category("产出指标", "数量指标").pk,
        name="联络站个数",
        text="≥3个",
        position=1,
    )
    response = staff.post(url, data)
    assert response.status_code == 302
    target = ProjectTarget.objects.get(project=project)
    assert target.period_local == Decimal("13000.00")
    assert list(target.indicators.values_list("scope", "text", "value")) == [
        ("year", "≥3个", Decimal(3))
    ]
