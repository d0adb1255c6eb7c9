"""One product name and Chinese dates wherever a person reads them: the desk, the public
pages, the error pages (the 500 page and the CSRF failure page render without a request and
spell the name out), the admin's header and title; a browser asking for English still gets the
Chinese admin, with dates as 2026年3月5日."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.views.csrf import csrf_failure

from tests.factories import submission_create, user_with
from units.permissions import FILLER

pytestmark = pytest.mark.django_db
OLD_NAMES = ("单位预算公开系统", "· 部门预算公开<", ">部门预算公开<")


def _name_only(text: str) -> None:
    assert settings.PRODUCT_NAME in text
    assert not [old for old in OLD_NAMES if old in text]


def test_pages_name_the_product_once_and_the_same():
    """The public list, a 404, the CSRF failure page, the 500 page and the admin login page
    carry settings.PRODUCT_NAME in their title and header, and no other name of the product."""
    client = Client()
    public = client.get(reverse("public:list")).content.decode()
    assert f"· {settings.PRODUCT_NAME}</title>" in public
    _name_only(public)
    missing = client.get("/public/no-such-page/")
    assert missing.status_code == 404
    _name_only(missing.content.decode())
    from django.test import RequestFactory

    csrf = csrf_failure(RequestFactory().post("/"), reason="test").content.decode()
    _name_only(csrf)
    server_error = Path(settings.BASE_DIR, "templates", "500.html").read_text(encoding="utf-8")
    assert server_error.count(settings.PRODUCT_NAME) == 2
    _name_only(loader.get_template("500.html").render({}))
    login = client.get(reverse("admin:login")).content.decode()
    assert f"| {settings.PRODUCT_NAME}</title>" in login
    _name_only(login)


def test_admin_is_chinese_with_chinese_dates_for_an_english_browser(client):
    """With Accept-Language: en the admin still answers in Chinese (only 简体中文 is offered):
    the submission list shows 批复日期 and 公开截止日期 as 2026年3月5日."""
    submission = submission_create(approval_date=datetime.date(2026, 3, 5))
    client.force_login(user_with(FILLER, [submission.unit]))
    response = client.get(
        reverse("admin:units_submission_changelist"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    text = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "2026年3月5日" in text and "2026年3月25日" in text  # 批复日期, and 20 days later
    assert not re.search(r"2026-0\d-\d\d", text)
    assert "Select" not in text and "Django administration" not in text
    _name_only(text)


def test_typed_chinese_dates_are_accepted():
    """A date typed as 2026年3月5日 is read (Django's own Chinese input formats never matched)."""
    from django import forms

    assert forms.DateField().clean("2026年3月5日") == datetime.date(2026, 3, 5)
    assert forms.DateField().clean("2026-03-05") == datetime.date(2026, 3, 5)
