"""Findings as links: to what to change for the user who may edit now, to where to read it for
everyone else (a reviewer, or the unit after 提交) — never to a page that would refuse them."""

import pytest
from django.urls import reverse

from tests.factories import user_with
from units.models import BudgetLine, ClassificationCode
from units.models import SubmissionStatus as S
from units.permissions import FILLER, REVIEWER

pytestmark = pytest.mark.django_db

EDIT_LABELS = ("修改这条明细", "修改这个项目的绩效目标", "为这个项目填写绩效目标", "填写变动原因")


def _overview(client, user, submission) -> str:
    client.force_login(user)
    return client.get(reverse("desk:submission", kwargs={"pk": submission.pk})).content.decode()


@pytest.fixture
def retired_line(demo):
    """One line of the demo whose 功能科目 the bureau retired: an R11 finding names it."""
    line = BudgetLine.objects.filter(submission=demo).select_related("func_code").first()
    ClassificationCode.objects.filter(pk=line.func_code_id).update(is_active=False)
    return line


def test_the_filler_is_led_to_the_fix(client, demo, retired_line):
    content = _overview(client, user_with(FILLER, [demo.unit]), demo)
    edit = reverse("desk:line_edit", kwargs={"pk": demo.pk, "line_id": retired_line.pk})
    assert f'href="{edit}"' in content and "修改这条明细" in content
    assert "为这个项目填写绩效目标" in content  # P01: the seed's project without a target
    assert "/admin/performance/projecttarget/add/?project=" in content


@pytest.mark.parametrize("who", ["reviewer", "submitted filler"])
def test_others_are_led_to_read_only(client, demo, retired_line, who):
    if who == "reviewer":
        user = user_with(REVIEWER, [demo.unit])
    else:
        user = user_with(FILLER, [demo.unit])
        demo.status = S.SUBMITTED
        demo.save()
    content = _overview(client, user, demo)
    for label in EDIT_LABELS:
        assert label not in content, label
    assert "/admin/performance/" not in content
    assert "查看这条明细" in content and "查看绩效目标表" in content
    code = retired_line.func_code.code
    assert f"/desk/{demo.pk}/lines/?q={code}" in content


def test_target_links_name_the_main_project_not_an_extra_allocation(client, demo):
    from units.models import Project

    main = Project.objects.get(submission=demo, name="市人大代表联络站经费")
    content = _overview(client, user_with(FILLER, [demo.unit]), demo)
    assert f"/admin/performance/projecttarget/add/?project={main.pk}" in content
