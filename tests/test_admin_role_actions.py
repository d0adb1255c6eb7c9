"""The admin offers each role only its own workflow actions, and the import page's template
year is the year being filled in."""

import pytest
from django.urls import reverse

from tests.factories import user_with
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db

ACTIONS = {"提交审核", "审核通过", "退回（需填写原因）"}


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (FILLER, {"提交审核"}),
        (REVIEWER, {"审核通过", "退回（需填写原因）"}),
        (ADMIN, set()),
    ],
)
def test_submission_list_offers_the_roles_actions_only(client, demo, role, offered):
    user = user_with(role, [demo.unit])
    client.force_login(user)
    content = client.get(reverse("admin:units_submission_changelist")).content.decode()
    shown = {label for label in ACTIONS if f">{label}</option>" in content}
    assert shown == offered


def test_import_page_template_year_is_the_submissions(client, demo):
    client.force_login(user_with(FILLER, [demo.unit]))
    content = client.get(reverse("units_budget_import")).content.decode()
    assert f'name="year" value="{demo.year}"' in content
