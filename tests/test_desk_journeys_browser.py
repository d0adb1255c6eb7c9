"""The season on the desks, in real Chromium against a live server, asserting what each person
sees (and axe-core finding no serious or critical violation on each page they use):

(a) an accountant logs in to 我的待办, adds a line to a project picked by its name with the
    amount "12,345.60", downloads the year's template, uploads a changed file and confirms its
    preview, follows a finding's link to the line it names and fixes it, is refused 提交审核
    with the list of what is missing, writes the reasons beside the changes they explain, and
    submits;
(b) a reviewer finds it in the queue, writes an 审核意见 on a row of 表一 and returns it;
(c) the accountant finds the returned submission first in 我的待办 with the reason and the
    commented row, fixes, marks the comment 已处理 and resubmits; the reviewer approves.
"""

import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect

from performance.demo import demo_load, demo_target_faults_fix
from tables.document.build import submission_findings
from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import submission_create, user_with
from units.budget_excel import SHEET_LINES
from units.budget_import import budget_export_workbook
from units.models import BudgetLine, ClassificationCode, CodeScheme, ReviewComment, StatusChange
from units.models import SubmissionStatus as S
from units.permissions import FILLER, REVIEWER

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def _changed_workbook(submission, *, line_note: str, new_amount: str) -> bytes:
    """The submission's export with the line noted `line_note` set to `new_amount`, and one
    new line: 公务用车运行维护费 of 行政运行, 10,000.00 元 (三公 vehicles go from 0 to 1万元)."""
    workbook = load_workbook(io.BytesIO(budget_export_workbook(submission=submission)))
    sheet = workbook[SHEET_LINES]
    headers = {cell.value: cell.column for cell in sheet[1]}
    last = sheet.max_row
    template_row = None
    for row in range(2, last + 1):
        note = sheet.cell(row=row, column=headers["备注"]).value
        if note == line_note:
            sheet.cell(row=row, column=headers["金额（元）"]).value = Decimal(new_amount)
        kind = sheet.cell(row=row, column=headers["支出类型"]).value
        func = str(sheet.cell(row=row, column=headers["功能科目"]).value or "")
        if template_row is None and kind == "基本支出-公用" and func.startswith("2010101"):
            template_row = row
    assert template_row, "the demo has 公用经费 of 行政运行"
    new = last + 1
    for column in range(1, sheet.max_column + 1):
        sheet.cell(row=new, column=column).value = sheet.cell(row=template_row, column=column).value
    sheet.cell(row=new, column=headers["部门经济科目"]).value = "30231"
    sheet.cell(row=new, column=headers["政府经济科目"]).value = None  # filled from the mapping
    sheet.cell(row=new, column=headers["金额（元）"]).value = Decimal("10000.00")
    sheet.cell(row=new, column=headers["备注"]).value = "公务用车运行维护"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_accountant_and_reviewer_season_on_the_desks(live_server, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    submission = demo_load()
    demo_target_faults_fix(submission=submission)
    unit = submission.unit
    later = submission_create(unit=unit, year=submission.year + 1)  # a 草稿 listed after it
    user_with(FILLER, [unit], "accountant", password=PASSWORD, full_name="张会计")
    user_with(REVIEWER, [unit], "reviewer", password=PASSWORD, full_name="李审核")
    base = live_server.url
    desk = f"{base}/desk/{submission.pk}"

    with chromium_browser() as browser:
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            # (a) 我的待办: the 2025 submission with its next step
            desk_login(page, base, "accountant")
            card = page.locator("article.todo-card", has_text=f"{submission.year}年")
            assert "草稿" in card.inner_text() and "错误 0" in card.inner_text()
            assert_readable(page)
            card.get_by_role("link", name="继续填报").click()
            page.wait_for_url(f"{desk}/")

            # a line of the project 无固定收入代表履职补贴 (its second 资金批次), picked by its
            # name; the amount as people type it
            page.get_by_role("link", name="预算明细").first.click()
            page.wait_for_url(re.compile(r"/lines/"))
            assert_readable(page)
            page.locator("summary", has_text="新增一条预算明细").click()
            page.fill("#id_func", "2010108")
            page.fill("#id_dept", "30399")
            page.select_option("#id_expense_kind", label="项目支出")
            page.fill("#project-search", "履职补贴")
            # narrowed by the search: （不属于项目）, its two 资金批次, 新建项目
            expect(page.locator("#id_project option")).to_have_count(4)
            option = page.locator("#id_project option", has_text="资金批次2")
            assert "无固定收入代表履职补贴" in option.inner_text()
            assert "已列 115,666.00 元" in option.inner_text()
            page.select_option("#id_project", label=option.inner_text())
            page.fill("#id_amount", "12,345.60")
            page.fill("#id_note", "补发履职补贴")
            page.get_by_role("button", name="保存这条明细").click()
            assert first_message(page) == "已新增预算明细：12,345.60 元。"
            assert_readable(page)  # with the message shown
            line = BudgetLine.objects.get(submission=submission, note="补发履职补贴")
            assert line.amount == Decimal("12345.60")
            assert line.project.name == "无固定收入代表履职补贴" and line.project.allocation_of
            assert page.locator(f"#line-{line.pk}").inner_text().count("12,345.60") == 1

            # the year's template, then a changed file: preview, then 确认导入
            page.get_by_role("link", name="导入/导出").click()
            assert_readable(page)
            with page.expect_download() as download:
                page.get_by_role("link", name="下载本年度模板").first.click()
            assert str(submission.year) in download.value.suggested_filename
            changed = tmp_path / "预算明细.xlsx"
            changed.write_bytes(
                _changed_workbook(submission, line_note="补发履职补贴", new_amount="13345.60")
            )
            lines_before = BudgetLine.objects.filter(submission=submission).count()
            page.locator("input[type=file]").first.set_input_files(str(changed))
            page.get_by_role("button", name="预览导入").first.click()
            preview = page.locator("main").inner_text()
            assert "新增" in preview and "修改" in preview
            assert "12,345.60" in preview and "13,345.60" in preview and "10,000.00" in preview
            assert BudgetLine.objects.filter(submission=submission).count() == lines_before
            assert_readable(page)
            page.get_by_role("button", name="确认导入").click()
            page.wait_for_load_state()
            assert BudgetLine.objects.filter(submission=submission).count() == lines_before + 1
            assert BudgetLine.objects.filter(
                submission=submission, note="补发履职补贴", amount=Decimal("13345.60")
            ).exists()

            # the bureau retires a code one line uses: the finding names that line
            counts = Counter(
                BudgetLine.objects.filter(
                    submission=submission, expense_kind="project"
                ).values_list("func_code__code", flat=True)
            )
            retired = next(code for code, n in sorted(counts.items()) if n == 1)
            target = BudgetLine.objects.get(submission=submission, func_code__code=retired)
            ClassificationCode.objects.filter(
                year=submission.year, code=retired, scheme=CodeScheme.FUNCTIONAL
            ).update(is_active=False)
            page.goto(f"{desk}/")
            finding = page.locator("li.finding", has_text="R11")
            assert retired in finding.inner_text()
            assert_readable(page)
            finding.get_by_role("link", name="修改这条明细").click()
            page.wait_for_url(f"{desk}/lines/{target.pk}/")
            page.fill("#id_func", "2010199")
            page.get_by_role("button", name="保存修改").click()
            assert first_message(page) == "已保存这条预算明细。"
            target.refresh_from_db()
            assert target.func_code.code == "2010199"

            # 提交审核 is refused while the new vehicle line's changes lack a reason: the page
            # lists the findings, each linking to the reason to write beside its change
            page.goto(f"{desk}/")
            assert page.locator("li.finding", has_text="R11").count() == 0
            needing = [
                f.row
                for f in submission_findings(submission=target.submission)
                if f.rule_id == "N01"
            ]
            assert "vehicle_operation_change_reason" in needing
            page.locator("button[data-action=submitted]").click()
            assert "未能提交审核" in page.locator("h2").first.inner_text()
            assert f"仍有{len(needing)}项错误" in page.locator("main").inner_text()
            assert_readable(page)
            page.locator("li.finding", has_text="公务用车运行维护费").get_by_role(
                "link", name="填写变动原因"
            ).first.click()
            page.wait_for_url(re.compile(r"/texts/#vehicle_operation_change_reason$"))
            block = page.locator("#change-vehicle_operation_change_reason")
            assert "1.00万元" in block.inner_text() and "0.00万元" in block.inner_text()
            assert_readable(page)
            for field in needing:
                page.fill(f"#{field}", "新增一辆执法执勤用车的运行维护经费")
            page.get_by_role("button", name="保存情况说明").click()
            assert first_message(page).startswith("已保存")
            assert "增减变动原因已全部说明" in page.locator("main").inner_text()

            page.goto(f"{desk}/")
            page.locator("button[data-action=submitted]").click()
            assert "提交审核" in first_message(page)
            target.submission.refresh_from_db()
            assert target.submission.status == S.SUBMITTED

            # (b) the reviewer: the queue, a comment on a row of 表一, 退回
            desk_login(page, base, "reviewer")
            row = page.locator("section.queue tr", has_text=unit.name)
            assert "0" in row.inner_text()
            assert_readable(page)
            row.get_by_role("link", name="开始审核").click()
            page.wait_for_url(f"{desk}/review/")
            assert_readable(page)
            page.locator("#T01 a", has_text="写审核意见").first.click()
            comment_box = page.locator("#T01 textarea").first
            comment_box.fill("一般公共预算拨款收入与批复数不一致，请核对")
            page.locator("#T01").get_by_role("button", name="保存审核意见").click()
            assert first_message(page).startswith("已保存审核意见")
            page.fill("#reason-returned", "表一收入请与批复文件核对后重新提交")
            page.locator("button[data-action=returned]").click()
            page.wait_for_load_state()
            target.submission.refresh_from_db()
            assert target.submission.status == S.RETURNED
            comment = ReviewComment.objects.get(submission=submission)
            assert comment.table == "T01" and comment.row

            # (c) the accountant: the returned submission first, with the reason and the row
            desk_login(page, base, "accountant")
            first = page.locator("article.todo-card").first
            assert f"{submission.year}年" in first.inner_text()
            assert "表一收入请与批复文件核对后重新提交" in first.inner_text()
            assert "李审核" in first.inner_text()
            assert "待处理的审核意见 1 条" in first.inner_text()
            assert page.locator("article.todo-card").nth(1).inner_text().count(f"{later.year}年")
            assert_readable(page)
            first.get_by_role("link", name="修改退回的问题").click()
            page.wait_for_url(f"{desk}/")
            assert comment.row in page.locator("main").inner_text()
            page.get_by_role("link", name="公开表与审核意见").click()
            page.wait_for_url(f"{desk}/review/")
            commented = page.locator("#T01", has_text="一般公共预算拨款收入与批复数不一致")
            assert commented.count() == 1
            # the fix: the line back to its amount before the import
            page.goto(f"{desk}/lines/{BudgetLine.objects.get(note='补发履职补贴').pk}/")
            page.fill("#id_amount", "12,345.60")
            page.get_by_role("button", name="保存修改").click()
            assert first_message(page) == "已保存这条预算明细。"
            page.goto(f"{desk}/review/")
            page.locator("#T01 summary", has_text="处理这条意见").click()
            page.locator("#T01").get_by_label("处理说明（可选）").fill("已按批复文件核对")
            page.locator("#T01").get_by_role("button", name="标记为已处理").click()
            assert first_message(page).startswith("已将这条审核意见标记为已处理")
            page.goto(f"{desk}/")
            page.locator("button[data-action=submitted]").click()
            target.submission.refresh_from_db()
            assert target.submission.status == S.SUBMITTED

            desk_login(page, base, "reviewer")
            page.goto(f"{desk}/review/")
            page.locator("button[data-action=approved]").click()
            page.wait_for_load_state()
            target.submission.refresh_from_db()
            assert target.submission.status == S.APPROVED
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
    ]
    comment = ReviewComment.objects.get(submission=submission)
    assert comment.resolved_at is not None and comment.resolution == "已按批复文件核对"
