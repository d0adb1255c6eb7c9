"""The bureau's overdue list: the submission changelist filtered to 已逾期未公开."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import budget_unit_create, submission_create

pytestmark = pytest.mark.django_db


def test_overdue_filter_lists_only_late_unpublished_submissions(admin_client):
    today = timezone.localdate()
    late = submission_create(
        unit=budget_unit_create(name="逾期单位甲"),
        approval_date=today - datetime.timedelta(days=30),
    )
    submission_create(
        unit=budget_unit_create(name="未到期单位乙"),
        approval_date=today - datetime.timedelta(days=5),
    )
    submission_create(unit=budget_unit_create(name="未批复单位丙"))
    page = admin_client.get("/admin/units/submission/?deadline=overdue").content.decode()
    assert "逾期单位甲" in page
    assert "未到期单位乙" not in page and "未批复单位丙" not in page
    assert late.status == "draft"
    everything = admin_client.get("/admin/units/submission/").content.decode()
    assert "未到期单位乙" in everything and "已逾期未公开" in everything
