"""The season's journey, in real Chromium (Playwright) against a live server: an accountant adds
a budget line, sees the check finding it causes, fixes it and submits; a reviewer returns it
with a reason; the accountant fixes and resubmits; the reviewer approves; the administrator
publishes through the batch page; the published PDF downloads and matches its stored SHA-256.
"""

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from tables.models import PublishedFile
from tests.browser import PASSWORD, chromium_browser
from tests.browser import admin_action_run as _run_action
from tests.browser import admin_login as _login
from tests.factories import synthetic_submission
from units.models import BudgetLine, StatusChange
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import user_role_assign

# Chromium and Playwright are installed by scripts/setup.sh: a missing browser fails the test.
pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def _user(username, role, units=()):
    user = User.objects.create_user(username, password=PASSWORD)
    user_role_assign(user=user, role=role, units=list(units))
    return user


def _clean_submission():
    """A 2025 submission with basic spending only (no projects, so no 绩效目标 findings) and
    the prior-year total equal to this year's, so no change needs a reason yet."""
    submission = synthetic_submission(6, validate=True)
    submission.lines.exclude(project=None).delete()
    submission.projects.all().delete()
    submission.prior_total = submission.lines.aggregate(total=Sum("amount"))["total"]
    submission.save()
    return submission


def _logout(page):
    page.context.clear_cookies()


def _autocomplete(page, field, code):
    """Pick `code` in a Django admin (select2) autocomplete for `field`."""
    page.click(f"#id_{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", code)
    option = page.locator(".select2-results__option", has_text=code).first
    option.wait_for()
    option.click()


def _success(page):
    return page.locator(".messagelist .success")


def _findings(page, base, submission):
    page.goto(f"{base}/admin/units/submission/{submission.pk}/change/")
    return page.locator(".field-findings_summary")


def test_accountant_reviewer_admin_publish_in_chromium(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous (scoped to this test, not the session).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    submission = _clean_submission()
    unit = submission.unit
    _user("accountant", FILLER, [unit])
    _user("reviewer", REVIEWER, [unit])
    _user("publisher", ADMIN)
    template = submission.lines.select_related(
        "func_code", "dept_econ_code", "gov_econ_code"
    ).first()
    base = live_server.url

    with chromium_browser() as browser:
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            # 1. The accountant adds a line that doubles the total: N01 (change needs a reason).
            _login(page, base, "accountant")
            page.goto(f"{base}/admin/units/budgetline/add/")
            page.select_option("#id_submission", value=str(submission.pk))
            _autocomplete(page, "func_code", template.func_code.code)
            _autocomplete(page, "dept_econ_code", template.dept_econ_code.code)
            _autocomplete(page, "gov_econ_code", template.gov_econ_code.code)
            page.select_option("#id_expense_kind", value=template.expense_kind)
            page.select_option("#id_fund_source", value=template.fund_source)
            page.fill("#id_amount", str(submission.prior_total))
            page.fill("#id_note", "新增明细")
            page.click("input[name=_save]")
            _success(page).wait_for()
            added = BudgetLine.objects.get(submission=submission, note="新增明细")

            findings = _findings(page, base, submission)
            assert "N01" in findings.inner_text()
            assert "请填写变动原因" in findings.inner_text()

            # submitting now is refused, naming the 错误
            _run_action(page, base, submission, "提交审核")
            assert "错误" in page.locator(".messagelist .error").inner_text()
            submission.refresh_from_db()
            assert submission.status == S.DRAFT

            # fix: the line is 1 元, not a doubling of the budget
            page.goto(f"{base}/admin/units/budgetline/{added.pk}/change/")
            page.fill("#id_amount", "1.00")
            page.click("input[name=_save]")
            _success(page).wait_for()
            assert "N01" not in _findings(page, base, submission).inner_text()

            _run_action(page, base, submission, "提交审核")
            assert "已改为已提交" in _success(page).first.inner_text()
            _logout(page)

            # 2. The reviewer returns it with a reason (an intermediate page asks for it).
            _login(page, base, "reviewer")
            _run_action(page, base, submission, "退回（需填写原因）")
            page.fill("#id_reason", "新增明细的备注不清楚，请补充")
            page.click("input[type=submit][value=确认退回]")
            _success(page).wait_for()
            submission.refresh_from_db()
            assert submission.status == S.RETURNED
            _logout(page)

            # 3. The accountant fixes the note and resubmits.
            _login(page, base, "accountant")
            page.goto(f"{base}/admin/units/budgetline/{added.pk}/change/")
            page.fill("#id_note", "新增明细：办公设备维修")
            page.click("input[name=_save]")
            _success(page).wait_for()
            _run_action(page, base, submission, "提交审核")
            _success(page).first.wait_for()
            submission.refresh_from_db()
            assert submission.status == S.SUBMITTED
            _logout(page)

            # 4. The reviewer approves.
            _login(page, base, "reviewer")
            _run_action(page, base, submission, "审核通过")
            assert "已改为已审核" in _success(page).first.inner_text()
            _logout(page)

            # 5. The administrator publishes on the batch page, then downloads the PDF.
            _login(page, base, "publisher")
            page.goto(f"{base}/admin/tables/publicationbatch/start/")
            page.select_option("#id_year_pick", value=str(submission.year))
            page.click("input[type=submit][value=查看]")
            box = page.locator(f"#id_submission_{submission.pk}")
            box.check()
            page.click("input[type=submit][value=发布所选填报]")
            _success(page).wait_for()
            submission.refresh_from_db()
            assert submission.status == S.PUBLISHED

            page.goto(f"{base}/submissions/{submission.pk}/published/")
            stored = PublishedFile.objects.get(version__submission=submission, kind="pdf")
            with page.expect_download() as download_info:
                page.click(f"a[href$='/v{submission.version}/pdf/']")
            path = download_info.value.path()
            data = Path(path).read_bytes()
            assert data.startswith(b"%PDF")
            assert hashlib.sha256(data).hexdigest() == stored.sha256
            assert page.get_by_text(stored.sha256).count() == 1
        finally:
            context.close()

    moves = list(
        StatusChange.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("from_status", "to_status", "actor__username")
    )
    assert moves == [
        (S.DRAFT, S.SUBMITTED, "accountant"),
        (S.SUBMITTED, S.RETURNED, "reviewer"),
        (S.RETURNED, S.SUBMITTED, "accountant"),
        (S.SUBMITTED, S.APPROVED, "reviewer"),
        (S.APPROVED, S.PUBLISHED, "publisher"),
    ]
    returned = StatusChange.objects.get(submission=submission, to_status=S.RETURNED)
    assert returned.reason == "新增明细的备注不清楚，请补充"
