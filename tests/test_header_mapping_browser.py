"""按表头导入 in real Chromium against a live server: a 填报人 uploads an 一体化 platform-style
file (a title, its own headers, codes as `code name`, amounts in 万元), sees its columns
preselected and the unit read as 万元, previews (the lines to add, nothing saved), confirms and
sees the lines; axe-core finds no serious violation and no English shows on each page."""

import re
from decimal import Decimal

from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import user_with
from tests.test_header_mapping import fresh_submission, platform_file, template_rows
from units.budget_import import budget_export_workbook
from units.models import BudgetLine
from units.permissions import FILLER


def test_filler_imports_a_platform_file_by_its_headers(
    live_server, monkeypatch, settings, tmp_path
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from performance.demo import demo_load

    demo = demo_load()
    rows = template_rows(budget_export_workbook(submission=demo))[:6]
    rows = [r for r in rows if r["kind"] != "项目支出"]
    submission = fresh_submission("按表头导入单位")
    user_with(FILLER, [submission.unit], "accountant", password=PASSWORD, full_name="王会计")
    source = tmp_path / "一体化平台导出.xlsx"
    source.write_bytes(platform_file(rows))
    base = live_server.url
    desk = f"{base}/desk/{submission.pk}"

    with chromium_browser() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(30_000)
        desk_login(page, base, "accountant")
        page.goto(f"{desk}/excel/")
        page.get_by_role("link", name="按表头导入预算明细").click()
        page.wait_for_url(f"{desk}/excel/mapped/")
        assert_readable(page)

        page.set_input_files("#mapped-file", str(source))
        page.get_by_role("button", name="上传并对应列").click()
        page.wait_for_url(re.compile(r"/excel/mapped/[A-Za-z0-9_-]{32}/$"))
        main = page.locator("main").inner_text()
        assert "第 3 行是表头" in main
        assert "B列：预算金额（万元）" in main  # the header row shown above the choices
        assert page.locator("#id_col_func_code").input_value() == "支出功能分类科目"
        assert page.locator("#id_col_dept_econ_code").input_value() == "部门预算支出经济分类"
        assert page.locator("#id_col_fund_source").input_value() == "资金性质"
        assert page.locator("#id_col_amount").input_value() == "预算金额（万元）"
        assert page.get_by_label("万元", exact=True).is_checked()
        assert page.locator("#id_save").count() == 0  # a 填报人 does not save mappings
        assert_readable(page)

        page.get_by_role("button", name="预览", exact=True).click()
        page.wait_for_url(re.compile(r"/excel/mapped/preview/"))
        preview = page.locator("main").inner_text()
        assert f"新增的预算明细（{len(rows)} 条）" in preview
        assert "尚未保存任何数据" in preview
        first = Decimal(rows[0]["amount"])
        assert f"{first:,.2f}" in preview
        assert BudgetLine.objects.filter(submission=submission).count() == 0
        assert_readable(page)

        page.get_by_role("button", name="确认导入").click()
        page.wait_for_url(f"{desk}/excel/")
        assert f"导入预算明细 {len(rows)} 条" in first_message(page)
        assert_readable(page)
        page.get_by_role("link", name="预算明细").first.click()
        page.wait_for_url(re.compile(r"/lines/"))
        assert f"{first:,.2f}" in page.locator("main").inner_text()
        assert_readable(page)

    lines = BudgetLine.objects.filter(submission=submission)
    assert lines.count() == len(rows)
    assert sorted(line.amount for line in lines) == sorted(Decimal(r["amount"]) for r in rows)
