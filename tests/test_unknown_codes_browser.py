"""A file with a code the year's table lacks, in real Chromium against a live server (axe-core
finding no serious or critical violation on each page): the 填报人 uploads a workbook with one
unknown `code##name` and sees it listed with 请联系财政局; the 财政管理员 uploads the same file
in their own browser, presses 接收这些科目 and sees the preview again without it; the 填报人
opens their preview again, confirms, and the lines are imported, the new code among them."""

import pytest

from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import submission_create, user_with
from tests.test_unknown_codes import NEW_CODE, NEW_NAME, WITH_UNKNOWN, workbook
from units.models import BudgetLine, ClassificationCode
from units.permissions import ADMIN, FILLER
from units.reference_defaults import load_default_reference

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(page, desk: str, path) -> None:
    page.goto(f"{desk}/excel/")
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.get_by_role("button", name="预览导入").first.click()
    page.wait_for_url(f"{desk}/excel/preview/**")


def test_unknown_code_is_accepted_by_the_bureau_and_the_file_imports(
    live_server, monkeypatch, tmp_path, settings
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_default_reference(year=2025)
    submission = submission_create(year=2025)
    user_with(FILLER, [submission.unit], "accountant", password=PASSWORD, full_name="张会计")
    user_with(ADMIN, [], "bureau", password=PASSWORD, full_name="王管理")
    path = tmp_path / "预算明细.xlsx"
    path.write_bytes(workbook(WITH_UNKNOWN))
    base = live_server.url
    desk = f"{base}/desk/{submission.pk}"

    with chromium_browser() as browser:
        filler = browser.new_context(locale="zh-CN").new_page()
        bureau = browser.new_context(locale="zh-CN").new_page()
        for page in (filler, bureau):
            page.set_default_timeout(30_000)
        try:
            # the 填报人: the code is listed, with whom to ask; nothing to accept or confirm
            desk_login(filler, base, "accountant")
            _upload(filler, desk, path)
            listed = filler.locator("section", has_text="不在2025年科目表中").first.inner_text()
            assert NEW_CODE in listed and NEW_NAME in listed and "第3行、第4行" in listed
            assert "请联系财政局接收这些科目" in listed
            assert filler.get_by_role("button", name="接收这些科目").count() == 0
            assert filler.get_by_role("button", name="确认导入").count() == 0
            assert_readable(filler)
            preview_url = filler.url

            # the 财政管理员, in their own browser: uploads the same file and accepts the code
            desk_login(bureau, base, "bureau")
            bureau.goto(f"{desk}/excel/")
            assert "导入须由本单位填报人确认" in bureau.locator("main").inner_text()
            assert_readable(bureau)
            _upload(bureau, desk, path)
            assert_readable(bureau)
            bureau.get_by_role("button", name="接收这些科目").click()
            bureau.wait_for_url(f"{desk}/excel/preview/**")
            assert first_message(bureau).startswith("已把 1 个科目接收进2025年科目表")
            assert "不在2025年科目表中" not in bureau.locator("main").inner_text()
            assert bureau.get_by_role("button", name="确认导入").count() == 0
            assert_readable(bureau)
            code = ClassificationCode.objects.get(year=2025, code=NEW_CODE)
            assert code.accepted_by.username == "bureau" and code.level == 3

            # the 填报人 previews again: no unknown code now; 确认导入 imports every line
            filler.goto(preview_url)
            assert "不在2025年科目表中" not in filler.locator("main").inner_text()
            assert_readable(filler)
            filler.get_by_role("button", name="确认导入").click()
            filler.wait_for_url(f"{desk}/excel/")
            assert "导入预算明细 3 条" in first_message(filler)
            assert BudgetLine.objects.filter(submission=submission).count() == 3
            filler.goto(f"{desk}/lines/")
            lines = filler.locator("main").inner_text()
            assert NEW_CODE in lines and NEW_NAME in lines and "预算明细（3 条" in lines
            assert "200.00" in lines and "300.00" in lines
            assert_readable(filler)
        finally:
            filler.context.close()
            bureau.context.close()
