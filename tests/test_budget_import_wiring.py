"""The 预算明细 import views are reachable at their admin URLs, for staff only."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_import_page_is_wired_and_staff_only(client):
    url = reverse("units_budget_import")
    assert url == "/admin/units/budget-import/"
    assert client.get(url).status_code == 302  # to the login page
    User.objects.create_superuser("boss", "b@example.com", "pw")
    client.login(username="boss", password="pw")
    page = client.get(url)
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    template = client.get(reverse("units_budget_template") + "?year=2025")
    assert template.status_code == 200
    assert template["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
