"""Entering budget lines and projects on the desk: what a person types is read as they mean it,
every refusal names the field and saves nothing, only the unit's 填报人 in 草稿/已退回 writes, and
the pages' query counts do not grow with the number of lines."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pypinyin import Style, lazy_pinyin

from tests.factories import synthetic_submission, user_with
from units.concurrency import rows_token
from units.models import BudgetLine, ClassificationCode, CodeScheme, Project, SubmissionStatus
from units.permissions import FILLER, REVIEWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    submission = synthetic_submission(6, validate=True)
    filler = user_with(FILLER, [submission.unit])
    reviewer = user_with(REVIEWER, [submission.unit])
    basic = submission.lines.filter(project=None).select_related("func_code", "dept_econ_code")
    return submission, filler, reviewer, basic.first()


def _post(client, user, submission, **fields):
    client.force_login(user)
    return client.post(reverse("desk:lines", kwargs={"pk": submission.pk}), fields)


def _basic_fields(template, **extra):
    return {
        "func": f"{template.func_code.code} {template.func_code.name}",
        "dept": template.dept_econ_code.code,
        "gov": "",
        "expense_kind": template.expense_kind,
        "fund_source": template.fund_source,
        "amount": "12,345.60",
        "note": "新增",
        **extra,
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12,345.60", "12345.60"), ("１２３４５．６０", "12345.60"), ("1,000元", "1000.00")],
)
def test_amount_typed_as_people_write_it(client, world, typed, stored):
    submission, filler, _, template = world
    response = _post(client, filler, submission, **_basic_fields(template, amount=typed))
    assert response.status_code == 302
    line = BudgetLine.objects.get(submission=submission, note="新增")
    assert line.amount == Decimal(stored)
    # 政府经济科目 left blank: taken from the year's mapping of the 部门经济科目
    assert line.gov_econ_code.scheme == CodeScheme.GOV_ECONOMIC


def test_bad_amount_and_code_are_named_and_nothing_saved(client, world):
    submission, filler, _, template = world
    before = BudgetLine.objects.count()
    response = _post(
        client, filler, submission, **_basic_fields(template, amount="12.345", func="9999999")
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "最多只能有两位小数" in text
    assert f"不在{submission.year}年科目表中" in text
    assert BudgetLine.objects.count() == before


def test_new_project_created_with_its_line_or_not_at_all(client, world):
    submission, filler, _, template = world
    project_line = submission.lines.exclude(project=None).select_related(
        "func_code", "dept_econ_code"
    )[0]
    fields = _basic_fields(
        project_line,
        expense_kind=project_line.expense_kind,
        project="new",
        new_project_name="人大代表培训",
        new_project_category=Project._meta.get_field("category").choices[0][0],
        new_project_recurrence=Project._meta.get_field("recurrence").choices[0][0],
    )
    # a personnel line may not belong to a project: refused, and the project is not created
    refused = _post(client, filler, submission, **{**fields, "expense_kind": "personnel"})
    assert refused.status_code == 422
    assert not Project.objects.filter(name="人大代表培训").exists()
    assert _post(client, filler, submission, **fields).status_code == 302
    line = BudgetLine.objects.get(submission=submission, note="新增")
    assert line.project.name == "人大代表培训"
    assert line.project.submission_id == submission.pk


def test_project_picked_by_name_from_the_picker(client, world):
    submission, filler, _, _ = world
    project = submission.projects.first()
    client.force_login(filler)
    url = reverse("desk:project_suggestions", kwargs={"pk": submission.pk})
    options = client.get(url, {"project_search": project.name[:3]}).content.decode()
    assert project.name in options and f'value="{project.pk}"' in options
    assert "资金批次" in options or "主批次" in options


def test_pickers_find_names_by_pinyin(client, world):
    submission, filler, _, template = world
    project = submission.projects.first()
    project.name = "人大会刊费"
    project.save()
    client.force_login(filler)
    projects = reverse("desk:project_suggestions", kwargs={"pk": submission.pk})
    assert "人大会刊费" in client.get(projects, {"project_search": "rdhkf"}).content.decode()
    assert "人大会刊费" in client.get(projects, {"project_search": "huikan"}).content.decode()
    assert "人大会刊费" not in client.get(projects, {"project_search": "xyz"}).content.decode()
    code = template.func_code
    codes = reverse("desk:code_suggestions", kwargs={"pk": submission.pk})
    initials = "".join(lazy_pinyin(code.name, style=Style.FIRST_LETTER))
    assert code.code in client.get(codes, {"field": "func", "func": initials}).content.decode()


def test_code_suggestions_are_the_years_active_leaf_codes(client, world):
    submission, filler, _, template = world
    code = template.func_code
    ClassificationCode.objects.filter(
        scheme=CodeScheme.FUNCTIONAL, year=submission.year, code__startswith=code.code[:5]
    ).exclude(pk=code.pk).update(is_active=False)
    client.force_login(filler)
    url = reverse("desk:code_suggestions", kwargs={"pk": submission.pk})
    text = client.get(url, {"field": "func", "func": code.code[:5]}).content.decode()
    assert f"{code.code} {code.name}" in text
    shown = [line for line in text.splitlines() if "<option" in line]
    assert len(shown) == 1  # the inactive siblings and the 类/款 levels are not offered
    by_name = client.get(url, {"field": "func", "func": code.name}).content.decode()
    assert code.code in by_name


@pytest.mark.parametrize("who", ["reviewer", "submitted"])
def test_refused_writes_answer_the_chinese_page(client, world, who):
    submission, filler, reviewer, template = world
    user = reviewer if who == "reviewer" else filler
    if who == "submitted":
        submission.status = SubmissionStatus.SUBMITTED
        submission.save()
    before = sorted(BudgetLine.objects.values_list("pk", "amount"))
    response = _post(client, user, submission, **_basic_fields(template))
    assert response.status_code == 403
    assert "操作未执行" in response.content.decode()
    edit = reverse("desk:line_edit", kwargs={"pk": submission.pk, "line_id": template.pk})
    assert client.post(edit, _basic_fields(template)).status_code == 403
    delete = reverse("desk:line_delete", kwargs={"pk": submission.pk, "line_id": template.pk})
    assert client.post(delete, {"token": "x"}).status_code == 403
    assert sorted(BudgetLine.objects.values_list("pk", "amount")) == before


def test_edit_of_a_line_changed_meanwhile_is_refused(client, world):
    submission, filler, _, template = world
    token = rows_token(BudgetLine.objects.filter(pk=template.pk))
    BudgetLine.objects.filter(pk=template.pk).update(note="别人改过")
    client.force_login(filler)
    edit = reverse("desk:line_edit", kwargs={"pk": submission.pk, "line_id": template.pk})
    response = client.post(edit, {**_basic_fields(template, amount="1.00"), "token": token})
    assert response.status_code == 422
    assert "已被他人修改" in response.content.decode()
    assert BudgetLine.objects.get(pk=template.pk).note == "别人改过"
    fresh = rows_token(BudgetLine.objects.filter(pk=template.pk))
    response = client.post(edit, {**_basic_fields(template, amount="1.00"), "token": fresh})
    assert response.status_code == 302
    assert BudgetLine.objects.get(pk=template.pk).amount == Decimal("1.00")


def test_delete_needs_the_current_fingerprint(client, world):
    submission, filler, _, template = world
    client.force_login(filler)
    delete = reverse("desk:line_delete", kwargs={"pk": submission.pk, "line_id": template.pk})
    assert client.post(delete, {"token": "stale"}).status_code == 403
    assert BudgetLine.objects.filter(pk=template.pk).exists()
    token = rows_token(BudgetLine.objects.filter(pk=template.pk))
    assert client.post(delete, {"token": token}).status_code == 302
    assert not BudgetLine.objects.filter(pk=template.pk).exists()


def test_lines_page_groups_pages_and_filters(client, world):
    submission, filler, _, template = world
    client.force_login(filler)
    url = reverse("desk:lines", kwargs={"pk": submission.pk})
    text = client.get(url).content.decode()
    assert f"{template.func_code.code} {template.func_code.name}" in text
    total = sum(submission.lines.values_list("amount", flat=True))
    assert f"合计 {total:,.2f} 元" in text
    filtered = client.get(url, {"q": template.dept_econ_code.code}).content.decode()
    assert template.dept_econ_code.name in filtered
    by_project = client.get(url, {"group": "project"}).content.decode()
    assert "基本支出（不属于项目）" in by_project


@pytest.mark.parametrize("n_lines", [20, 500])
def test_desk_pages_query_count_does_not_grow(client, django_assert_max_num_queries, n_lines):
    submission = synthetic_submission(n_lines)
    filler = user_with(FILLER, [submission.unit])
    client.force_login(filler)
    pages = {
        "home": (reverse("desk:home"), 25),
        "overview": (reverse("desk:submission", kwargs={"pk": submission.pk}), 30),
        "lines": (reverse("desk:lines", kwargs={"pk": submission.pk}), 12),
        "projects": (reverse("desk:projects", kwargs={"pk": submission.pk}), 10),
    }
    for url, bound in pages.values():
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200
