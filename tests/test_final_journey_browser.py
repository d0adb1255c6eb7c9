"""The 决算 season in real Chromium, asserting what each person sees (axe-core: no serious or
critical violation on each page they use, no English word):

an accountant opens the demo unit's 2025 决算 from 我的待办, enters the 决算数 of two lines —
one of them the 公务接待费, a 三公 item — and sees their 完成率; the overview lists the
difference of 10% or more that now has no reason (J07), whose link opens the reason field; the
accountant writes it and submits; a reviewer approves; the 管理员 publishes; the public page of
the unit shows the 2025 预算 and 决算 side by side with the figures the 决算 printed.
"""

import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from performance.demo import demo_load, demo_target_faults_fix
from tables.models import PublishedVersion
from tables.publication.services import submission_publish
from tests.browser import PASSWORD, assert_readable, chromium_browser, desk_login, first_message
from tests.factories import user_with
from units.models import BudgetLine, FinalReason, ReviewComment, Submission
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_pdf")]

RECEPTION_CODE = "30217"  # 公务接待费
#: where the journey's screenshots go (the README's come from here); the test's temporary
#: directory when unset
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")


def _rate(planned: Decimal, actual: Decimal) -> str:
    return f"{(actual / planned * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def _lines_to_change(final):
    """A 一般公共预算 line alone in its 功能分类 项 whose 项 needs no reason yet, and the
    公务接待费 line."""
    reasons = set(FinalReason.objects.filter(submission=final).values_list("key", flat=True))
    lines = list(
        BudgetLine.objects.filter(submission=final, fund_source="general", is_carryover=False)
        .select_related("func_code", "dept_econ_code")
        .order_by("id")
    )
    per_item: dict[str, list] = {}
    for line in lines:
        per_item.setdefault(line.func_code.code, []).append(line)
    plain = next(
        group[0]
        for code, group in per_item.items()
        if len(group) == 1
        and f"func:{code}" not in reasons
        and group[0].planned_amount > 1000
        and group[0].dept_econ_code.code != RECEPTION_CODE
    )
    reception = next(line for line in lines if line.dept_econ_code.code == RECEPTION_CODE)
    return plain, reception


def test_accountant_enters_actuals_explains_submits_and_the_public_sees_both(
    live_server, monkeypatch, tmp_path
):
    from tables.desk.demo_final import demo_final_load

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    budget = demo_load()
    demo_target_faults_fix(submission=budget)
    Submission.objects.filter(pk=budget.pk).update(status=S.APPROVED)
    admin = user_with(ADMIN, name="bureau", password=PASSWORD, full_name="王管理")
    budget_version = submission_publish(submission_id=budget.pk, actor=admin)
    final = demo_final_load()
    unit = final.unit
    user_with(FILLER, [unit], "accountant", password=PASSWORD, full_name="张会计")
    user_with(REVIEWER, [unit], "reviewer", password=PASSWORD, full_name="李审核")
    plain, reception = _lines_to_change(final)
    plain_actual = (plain.planned_amount * Decimal("0.7")).quantize(Decimal("0.01"))
    reception_actual = (reception.planned_amount * Decimal("0.95")).quantize(Decimal("0.01"))
    shots = Path(SCREENSHOTS_DIR or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    before = plain.amount + reception.amount  # the demo's 决算数 of the two lines
    base = live_server.url
    desk = f"{base}/desk/{final.pk}"

    with chromium_browser() as browser:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            # 我的待办 lists the 决算 beside the published budget
            desk_login(page, base, "accountant")
            card = page.locator("article.todo-card", has_text="2025年决算")
            assert "草稿" in card.inner_text()
            assert_readable(page)
            card.get_by_role("link", name="继续填报").click()
            page.wait_for_url(f"{desk}/")
            assert "2025年决算公开" in page.locator("h1").inner_text()
            assert_readable(page)

            # 决算明细: two 决算数 typed as people type them, each saved on its row
            page.get_by_role("link", name="决算明细", exact=True).click()
            page.wait_for_url(re.compile(r"/final/lines/"))
            assert_readable(page)
            for line, actual in ((plain, plain_actual), (reception, reception_actual)):
                row = page.locator(f"#line-{line.pk}")
                row.locator("input[name=amount]").fill(f"{actual:,}")
                row.get_by_role("button", name="保存").click()
                page.wait_for_load_state()
                assert "已保存" in first_message(page)
                row = page.locator(f"#line-{line.pk}")
                assert _rate(line.planned_amount, actual) in row.inner_text()
                line.refresh_from_db()
                assert line.amount == actual
            assert_readable(page)
            page.locator(f"#line-{reception.pk}").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "final-lines.png"))

            # the overview: the 一般公共预算 no longer balances (J01, J02) and the new
            # difference has no reason yet (J07); 提交审核 is refused with the list
            page.get_by_role("link", name="概况与待办", exact=True).click()
            page.wait_for_url(f"{desk}/")
            findings = page.locator("#findings-heading").locator("..").inner_text()
            assert "J07" in findings and plain.func_code.name in findings
            assert "J02" in findings and "一般公共预算" in findings
            assert_readable(page)
            page.locator("button[data-action=submitted]").click()
            assert "未能提交审核" in page.locator("h2").first.inner_text()
            assert "仍有3项错误" in page.locator("main").inner_text()
            assert_readable(page)
            final.refresh_from_db()
            assert final.status == S.DRAFT
            page.goto(f"{desk}/")

            # 收支情况: the 年末结转和结余 takes up what was not spent, and the fund balances
            facts = final.final_facts
            saved = before - plain_actual - reception_actual
            page.get_by_role("link", name="修改收支情况").first.click()
            page.wait_for_url(re.compile(r"/final/facts/"))
            assert "不平衡" in page.locator("#balance-heading").locator("..").inner_text()
            page.fill("#closing_general", f"{facts.closing_general + saved:,}")
            page.get_by_role("button", name="保存收支情况").click()
            page.wait_for_load_state()
            balance = page.locator("#balance-heading").locator("..").inner_text()
            assert "不平衡" not in balance
            assert_readable(page)

            page.get_by_role("link", name="概况与待办", exact=True).click()
            page.wait_for_url(f"{desk}/")
            assert "错误 1" in page.locator("#findings-heading").inner_text()
            page.get_by_role("link", name="填写差异原因").first.click()
            page.wait_for_url(re.compile(r"/final/reasons/"))
            assert "还有 1 项" in page.locator("main").inner_text()
            assert_readable(page)
            page.screenshot(path=str(shots / "final-reasons.png"))
            field = page.locator(f"#reason-func\\:{plain.func_code.code}")
            field.fill("无")  # a placeholder is refused, nothing saved
            page.get_by_role("button", name="保存差异原因").click()
            assert "不是有效的原因说明" in page.locator("main").inner_text()
            assert not FinalReason.objects.filter(
                submission=final, key=f"func:{plain.func_code.code}"
            ).exists()
            assert_readable(page)
            page.locator(f"#reason-func\\:{plain.func_code.code}").fill(
                "年中会议改为视频形式召开，相关支出减少"
            )
            page.get_by_role("button", name="保存差异原因").click()
            page.wait_for_load_state()
            assert "已保存 1 项差异原因" in first_message(page)
            assert "都已说明原因" in page.locator("main").inner_text()

            page.get_by_role("link", name="概况与待办", exact=True).click()
            page.wait_for_url(f"{desk}/")
            assert "错误 0" in page.locator("#findings-heading").inner_text()
            page.locator("button[data-action=submitted]").click()
            page.wait_for_load_state()
            final.refresh_from_db()
            assert final.status == S.SUBMITTED

            # the reviewer opens the 决算 from the queue (开始审核), writes an 审核意见 on a row
            # of 决算公开表1, sees it beside the row, then approves; the 管理员 publishes
            desk_login(page, base, "reviewer")
            page.locator("tr", has_text="2025年决算").get_by_role("link", name="开始审核").click()
            page.wait_for_url(f"{desk}/review/")
            assert_readable(page)
            f01 = page.locator("section#F01")
            first_row = f01.locator("td.review-act a").first
            row_label = first_row.locator(".visually-hidden").inner_text().lstrip("：")
            first_row.click()
            f01.locator("textarea").first.fill("请核对收入总计与上年的差异。")
            f01.get_by_role("button", name="保存审核意见").click()
            assert first_message(page).startswith("已保存审核意见")
            assert "请核对收入总计与上年的差异。" in page.locator("section#F01").inner_text()
            assert ReviewComment.objects.get(submission=final).row == row_label
            assert_readable(page)
            page.screenshot(path=str(shots / "final-review.png"))
            page.goto(f"{desk}/")
            page.locator("button[data-action=approved]").click()
            page.wait_for_load_state()
            final.refresh_from_db()
            assert final.status == S.APPROVED
            desk_login(page, base, "bureau")
            # the bureau's 开启决算 page: 2025 has its one published budget's 决算 open
            page.get_by_role("link", name="开启决算").click()
            page.wait_for_url(re.compile(r"/bureau/open-final/"))
            assert "全部已开启" in page.locator("main").inner_text()
            assert_readable(page)
            page.goto(f"{desk}/")
            # the 管理员 enters the 决算's 批复日期 on its desk: its 公开时限 starts
            page.get_by_role("textbox", name="批复日期").fill("2026-03-05")
            page.get_by_role("button", name="设置批复日期").click()
            page.wait_for_load_state()
            assert "公开截止日期为" in first_message(page)
            assert "批复日期：2026年3月5日" in page.locator("header.desk-head").inner_text()
            assert_readable(page)
            page.locator("button[data-action=published]").click()
            page.wait_for_load_state()
            version = PublishedVersion.objects.get(submission=final)
            assert version.kind == "final"

            # the public page of the unit: 预算 and 决算 of 2025 side by side
            page.goto(f"{base}/public/u/{unit.code}/")
            section = page.locator("section.final-side-by-side")
            text = section.inner_text()
            assert "2025年预算与决算对比" in text
            assert (
                section.get_by_role("link", name=re.compile("2025年预算公开")).get_attribute("href")
                == f"/public/d/{budget_version.pk}/"
            )
            assert (
                section.get_by_role("link", name=re.compile("2025年决算公开")).get_attribute("href")
                == f"/public/d/{version.pk}/"
            )
            row = section.locator("tr", has_text=f"{plain.func_code.name}（项）").filter(
                has_text="年中会议改为视频形式召开"
            )
            assert _rate(plain.planned_amount, plain_actual) in row.inner_text()
            assert "年中会议改为视频形式召开" in row.inner_text()
            assert "演示数据" in text
            assert_readable(page)
            section.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "final-public.png"))
            for width in (375, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth > document.documentElement.clientWidth"
                )
                assert not overflow, width
        finally:
            context.close()
