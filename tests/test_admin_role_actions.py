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


def test_a_final_is_listed_as_such_and_its_page_has_neither_budget_inlines_nor_a_kind_field(
    client, demo
):
    """The list says 预算 or 决算; a 决算's page leaves out the budget's 政府采购, 购买服务 and
    资产 inlines (a 决算 states them on 收支情况) and never lets the kind be changed; a budget's
    page keeps those inlines."""
    from tests.factories import final_submission_create

    final = final_submission_create(unit=demo.unit, year=demo.year)
    client.force_login(user_with(ADMIN, [demo.unit]))
    listing = client.get(reverse("admin:units_submission_changelist")).content.decode()
    assert '<td class="field-kind">决算</td>' in listing
    assert '<td class="field-kind">预算</td>' in listing

    page = client.get(reverse("admin:units_submission_change", args=[final.pk]))
    assert page.status_code == 200
    inlines = {type(f.opts).__name__ for f in page.context["inline_admin_formsets"]}
    assert not inlines & {"ProcurementInline", "PurchasedServiceInline", "AssetFactsInline"}
    assert "SubmissionTextInline" in inlines
    assert 'name="kind"' not in page.content.decode()

    budget_page = client.get(reverse("admin:units_submission_change", args=[demo.pk]))
    budget_inlines = {type(f.opts).__name__ for f in budget_page.context["inline_admin_formsets"]}
    assert {"ProcurementInline", "AssetFactsInline"} <= budget_inlines
    assert 'name="kind"' not in budget_page.content.decode()


def test_the_add_form_refuses_a_second_budget_of_a_unit_and_year(rf, demo):
    """The kind is read-only, so Django's unique check of unit–year–kind does not run on the
    form; the form refuses a second budget itself (no database error), and a new year passes."""
    from django.contrib import admin

    from units.models import Submission

    request = rf.get("/")
    request.user = user_with(ADMIN, [demo.unit])
    form_class = admin.site._registry[Submission].get_form(request, None)
    duplicate = form_class(data={"unit": demo.unit.pk, "year": demo.year})
    assert not duplicate.is_valid()
    assert any("预算填报已经存在" in e for e in duplicate.non_field_errors())
    fresh = form_class(data={"unit": demo.unit.pk, "year": demo.year + 5})
    fresh.is_valid()
    assert not any("已经存在" in e for e in fresh.non_field_errors())
