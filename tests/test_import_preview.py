"""The desk's 导入/导出 Excel section: the year's template with its codes, the export, and the safe
import — an upload shows a preview of exactly what would change (lines added, removed, changed,
projects, 表一 totals, errors by sheet, row and column) and saves nothing; 确认导入 applies
exactly that, 取消导入 changes nothing; files of another year or unit, users who may not import
and data changed since the preview are refused with a Chinese page and nothing changes."""

import io
import os
import time
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from performance.models import Indicator, ProjectTarget
from performance.services import targets_export_workbook
from tables.desk.import_preview import LinesDiff, LineView, budget_state, lines_diff
from tables.desk.import_services import PENDING_DIR, SESSION_KEY, pending_imports_purge
from tests.budget_workbooks import column_of, tables_of
from tests.factories import (
    budget_unit_create,
    submission_create,
    synthetic_budget,
    synthetic_submission,
    user_with,
)
from units.budget_excel import LINE_COLUMNS, SHEET_LINES, workbook_write
from units.budget_import import budget_export_workbook, budget_import
from units.excel.identity import IDENTITY_CELL, WorkbookIdentity, identity_parse
from units.models import BudgetLine, ClassificationCode, CodeScheme, Project, SubmissionStatus
from units.permissions import FILLER, REVIEWER
from units.selectors import submission_queryset

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {c.key: c.header for c in LINE_COLUMNS}
KEY_COLUMNS = ("func", "dept", "gov", "kind", "fund", "carryover", "project", "batch", "note")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Pending uploads go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def filler(demo):
    return user_with(FILLER, [demo.unit])


@pytest.fixture
def as_filler(client, filler):
    client.force_login(filler)
    return client


def url(name, submission, **kwargs):
    return reverse(f"desk:{name}", kwargs={"pk": submission.pk, **kwargs})


def upload(client, submission, data: bytes, kind="budget", name="预算.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        url("excel_upload", submission, kind=kind),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX)},
    )


def previewed(client, submission, data: bytes, kind="budget"):
    """Upload `data` and follow to its preview page; (response, token)."""
    response = upload(client, submission, data, kind)
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response.url.rstrip("/").split("/")[-1]
    page = client.get(response.url)
    assert page.status_code == 200
    return page, token


def confirm(client, submission, token, page):
    """Press 确认导入 on a preview `page` (which sends back the digest it was computed from)."""
    digest = page.context["preview"].digest
    return client.post(url("excel_confirm", submission, token=token), {"digest": digest})


def database(submission):
    """What an import or a preview could change: row counts of the data and their history, and
    the sum of the amounts."""
    lines = BudgetLine.objects.filter(submission=submission)
    return {
        "lines": lines.count(),
        "projects": Project.objects.filter(submission=submission).count(),
        "targets": ProjectTarget.objects.filter(project__submission=submission).count(),
        "indicators": Indicator.objects.count(),
        "line_history": BudgetLine.history.count(),
        "project_history": Project.history.count(),
        "target_history": ProjectTarget.history.count(),
        "indicator_history": Indicator.history.count(),
        "amount": lines.aggregate(total=Sum("amount"))["total"],
        "line_ids": sorted(lines.values_list("id", flat=True)),
    }


def t01(submission):
    table = tables_of(submission)["T01"]
    return table.cell("收入总计", "income"), table.cell("支出总计", "expense_total")


# --- workbooks ---------------------------------------------------------------------------------


def _rows(sheet):
    columns = {key: column_of(sheet, header) for key, header in HEADERS.items()}
    for row in range(2, sheet.max_row + 1):
        yield row, {key: sheet.cell(row, column).value for key, column in columns.items()}


def edited_export(submission) -> tuple[bytes, dict]:
    """The submission's export with 3 basic lines added, 2 changed and 1 removed (each chosen
    with a key no other line has, not carried over); and what was done, in 元."""
    workbook = load_workbook(io.BytesIO(budget_export_workbook(submission=submission)))
    sheet = workbook[SHEET_LINES]
    rows = list(_rows(sheet))
    keys = [tuple(str(values[k] or "") for k in KEY_COLUMNS) for _, values in rows]
    unique = [
        (row, values)
        for (row, values), key in zip(rows, keys, strict=True)
        if keys.count(key) == 1 and not values["project"] and values["carryover"] == "否"
    ]
    assert len(unique) >= 3
    amount_column = column_of(sheet, HEADERS["amount"])
    (row_a, a), (row_b, b), (row_c, c) = unique[:3]
    done = {
        "changed": [
            (Decimal(str(a["amount"])), Decimal(str(a["amount"])) + Decimal("1234567.89")),
            (Decimal(str(b["amount"])), Decimal(str(b["amount"])) - Decimal("100.50")),
        ],
        "removed": Decimal(str(c["amount"])),
        "added": [Decimal("1000.00"), Decimal("2345678.90"), Decimal("0.01")],
    }
    sheet.cell(row_a, amount_column).value = done["changed"][0][1]
    sheet.cell(row_b, amount_column).value = done["changed"][1][1]
    template = dict(a)
    sheet.delete_rows(row_c)
    for number, amount in enumerate(done["added"], start=1):
        new_row = sheet.max_row + 1
        for key, header in HEADERS.items():
            value = {**template, "amount": amount, "note": f"导入预览新增{number}"}[key]
            sheet.cell(new_row, column_of(sheet, header)).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    done["delta"] = (
        sum(done["added"]) - done["removed"] + sum(new - old for old, new in done["changed"])
    )
    return buffer.getvalue(), done


def handmade(rows: list[dict]) -> bytes:
    """A workbook made by hand: only a 预算明细 sheet, no 说明 and no identity."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_LINES
    keys = list(HEADERS)
    sheet.append([HEADERS[k] for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_lines_with_equal_keys_match_as_multisets():
    """Equal keys: equal amounts are unchanged, the rest pair up by amount as changed, the
    remainder is added or removed; another key is always added or removed (no database)."""

    def line(amount, note=""):
        return LineView(
            "2010101 行政运行", "30101 基本工资", "50101 工资奖金津补贴", "基本支出-人员经费",
            "一般公共预算", False, "", None, note, Decimal(amount),
        )  # fmt: skip

    before = [line(100), line(200), line(7, "甲")]
    after = [line(300), line(100), line(50), line(7, "乙")]
    diff = lines_diff(before, after)
    assert diff.unchanged == 1
    assert [(c.before.amount, c.after.amount) for c in diff.changed] == [(200, 50)]
    assert [(x.amount, x.note) for x in diff.added] == [(300, ""), (7, "乙")]
    assert [(x.amount, x.note) for x in diff.removed] == [(7, "甲")]
    assert lines_diff(after, after) == LinesDiff(unchanged=4)


def test_identity_cell_is_read_only_when_it_is_ours():
    """Only a cell starting with the marker is an identity; a damaged year is ignored, not
    trusted; a hand-typed note in B1 is no identity."""
    assert identity_parse(
        "预算公开导入文件；类型=预算明细；年度=2025；单位=003"
    ) == WorkbookIdentity("预算明细", 2025, "003")
    assert identity_parse("预算公开导入文件;类型=绩效目标;年度=2024") == WorkbookIdentity(
        "绩效目标", 2024, ""
    )
    assert identity_parse("预算公开导入文件；类型=预算明细；年度=２０２５").year is None
    assert identity_parse("预算公开导入文件；类型=别的") is None
    assert identity_parse("备注：2025年") is None
    assert identity_parse(None) is None


# --- the section, the template and the export --------------------------------------------------


def test_section_shows_downloads_and_upload_for_the_filler(as_filler, demo):
    """The filler sees both kinds with the exact headings, download links and 预览导入."""
    page = as_filler.get(url("excel", demo)).content.decode()
    for text in ("导入预算明细", "导入绩效目标", "下载本年度模板", "导出当前数据", "预览导入"):
        assert text in page
    assert page.count("预览导入") == 2
    assert 'for="budget-file"' in page and 'id="budget-file"' in page
    assert 'for="targets-file"' in page and 'id="targets-file"' in page


def test_budget_template_lists_the_years_active_codes(as_filler, demo):
    """The template of the submission's year: its code sheets hold exactly the year's active
    codes, and 说明 B1 names the kind and year (no unit: a template)."""
    response = as_filler.get(url("excel_template", demo, kind="budget"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "2025" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    active = ClassificationCode.objects.filter(year=2025, is_active=True)
    functional = {r[0] for r in workbook["功能分类"].iter_rows(min_row=2, values_only=True)}
    economic = {(r[0], r[1]) for r in workbook["经济分类"].iter_rows(min_row=2, values_only=True)}
    assert functional == set(
        active.filter(scheme=CodeScheme.FUNCTIONAL).values_list("code", flat=True)
    )
    assert len(functional) > 50
    assert economic == {
        (CodeScheme(scheme).label, code)
        for scheme, code in active.exclude(scheme=CodeScheme.FUNCTIONAL).values_list(
            "scheme", "code"
        )
    }
    identity = identity_parse(workbook["说明"]["B1"].value)
    assert (identity.kind, identity.year, identity.unit_code) == ("预算明细", 2025, "")


def test_year_without_codes_says_so_instead_of_an_empty_template(client, demo):
    """A year with no codes loaded: the page says so, offers no budget template and no budget
    upload; the template URL answers the refusal page with the same reason."""
    submission = submission_create(unit=demo.unit, year=2031)
    client.force_login(user_with(FILLER, [demo.unit]))
    page = client.get(url("excel", submission)).content.decode()
    assert "2031年的科目表尚未载入" in page
    assert page.count(">下载本年度模板</a>") == 1  # 绩效目标 only
    assert "暂时不能下载本年度模板" in page
    assert page.count(">预览导入</button>") == 1
    refused = client.get(url("excel_template", submission, kind="budget"))
    assert refused.status_code == 403
    assert "2031年的科目表尚未载入" in refused.content.decode()


def test_export_carries_year_and_unit_and_imports_back(as_filler, demo):
    """导出当前数据: the lines in the import layout, with the unit code in its identity."""
    response = as_filler.get(url("excel_export", demo, kind="budget"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert identity_parse(workbook["说明"]["B1"].value).unit_code == "003"
    assert workbook[SHEET_LINES].max_row == 1 + demo.lines.count()
    targets = as_filler.get(url("excel_export", demo, kind="targets"))
    assert identity_parse(load_workbook(io.BytesIO(targets.content))["说明"]["B1"].value) == (
        identity_parse("预算公开导入文件；类型=绩效目标；年度=2025；单位=003")
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (SubmissionStatus.SUBMITTED, "已提交审核，审核期间不能修改；如需修改，请审核人退回"),
        (SubmissionStatus.APPROVED, "已审核通过，等待发布，不能修改"),
        (SubmissionStatus.PUBLISHED, "已公开，不能修改"),
    ],
)
def test_no_upload_form_outside_draft_and_returned(as_filler, demo, status, reason):
    """After 提交审核 the filler reads why not instead of the upload form."""
    type(demo).objects.filter(pk=demo.pk).update(status=status)
    page = as_filler.get(url("excel", demo)).content.decode()
    assert "预览导入" not in page
    assert reason in page
    assert "导出当前数据" in page


def test_reviewer_reads_why_not(client, demo):
    client.force_login(user_with(REVIEWER, [demo.unit]))
    page = client.get(url("excel", demo)).content.decode()
    assert "预览导入" not in page and "不能导入" in page and "财政审核人" in page


# --- the budget preview ------------------------------------------------------------------------


def test_preview_lists_exactly_the_added_removed_and_changed_lines(as_filler, demo):
    """3 added, 2 changed, 1 removed: the preview shows exactly those with their amounts, the
    T01 totals before and after, and nothing is saved."""
    data, done = edited_export(demo)
    income, expense = t01(demo)
    before = database(demo)
    page, _ = previewed(as_filler, demo, data)
    preview = page.context["preview"]
    assert preview.ok
    diff = preview.diff
    assert sorted(line.amount for line in diff.added) == sorted(done["added"])
    assert [line.amount for line in diff.removed] == [done["removed"]]
    assert sorted((c.before.amount, c.after.amount) for c in diff.changed) == sorted(
        done["changed"]
    )
    assert diff.unchanged == before["lines"] - 3
    assert not preview.projects_created and not preview.projects_deleted
    assert (preview.before.income, preview.before.expense) == (income, expense)
    assert preview.after.income == income + done["delta"]
    assert preview.after.expense == expense + done["delta"]
    html = page.content.decode()
    for heading in (
        "新增的预算明细（3 条）",
        "删除的预算明细（1 条）",
        "修改金额的预算明细（2 条）",
    ):
        assert heading in html
    assert "2,345,678.90" in html and "+1,234,567.89" in html and "−100.50" in html
    old, new = done["changed"][0]
    assert f"{old:,.2f}" in html and f"{new:,.2f}" in html
    assert f"{income:,.2f}" in html and f"{income + done['delta']:,.2f}" in html
    assert "确认导入" in html and "取消导入" in html
    assert database(demo) == before


def test_cancel_leaves_the_database_identical_and_deletes_the_file(as_filler, demo):
    data, _ = edited_export(demo)
    before = database(demo)
    _, token = previewed(as_filler, demo, data)
    assert default_storage.exists(f"{PENDING_DIR}/{token}.xlsx")
    response = as_filler.post(url("excel_cancel", demo, token=token))
    assert response.status_code == 302
    assert database(demo) == before
    assert not default_storage.exists(f"{PENDING_DIR}/{token}.xlsx")
    assert token not in as_filler.session.get(SESSION_KEY, {})
    assert "已取消导入" in as_filler.get(response.url).content.decode()
    # the token is spent
    assert as_filler.post(url("excel_confirm", demo, token=token)).status_code == 403
    assert database(demo) == before


def test_confirm_applies_exactly_the_previewed_change(as_filler, demo):
    before_lines, _ = budget_state(demo.pk)
    data, done = edited_export(demo)
    page, token = previewed(as_filler, demo, data)
    preview = page.context["preview"]
    response = confirm(as_filler, demo, token, page)
    assert response.status_code == 302
    after_lines, _ = budget_state(demo.pk)
    applied = lines_diff(before_lines, after_lines)
    assert applied == preview.diff
    assert t01(demo) == (preview.after.income, preview.after.expense)
    assert not default_storage.exists(f"{PENDING_DIR}/{token}.xlsx")
    assert "导入预算明细" in as_filler.get(response.url).content.decode()
    # the history names the user
    record = BudgetLine.history.filter(submission_id=demo.pk, history_type="+").latest("history_id")
    assert str(record.history_user_id) == as_filler.session["_auth_user_id"]


def test_errors_are_listed_by_sheet_row_and_column_and_cannot_be_confirmed(as_filler, demo):
    data, _ = edited_export(demo)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET_LINES]
    sheet.cell(3, column_of(sheet, HEADERS["amount"])).value = "12,34.5"
    sheet.cell(5, column_of(sheet, HEADERS["func"])).value = "9999999"
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = database(demo)
    page, token = previewed(as_filler, demo, buffer.getvalue())
    html = page.content.decode()
    assert "文件有 2 处错误，不能导入" in html
    assert "「预算明细」表 第3行 L列（金额（元））" in html
    assert "「预算明细」表 第5行 A列（功能科目）" in html
    assert "确认导入" not in html and "取消导入" in html
    assert database(demo) == before
    forged = as_filler.post(url("excel_confirm", demo, token=token), {"digest": ""})
    assert forged.status_code == 403 and "还没有通过预览" in forged.content.decode()
    assert database(demo) == before


def test_file_for_another_year_is_refused_naming_both(as_filler, demo):
    """A template of 2024 uploaded to the 2025 submission: one clear message, nothing saved;
    the service itself refuses it the same way (commands, admin)."""
    data = workbook_write(
        lines=[{"func": "2010101", "dept": "30101", "kind": "基本支出-人员", "amount": 1}],
        functional=[],
        economic=[],
        fund_labels=[],
        category_labels=[],
        recurrence_labels=[],
        year=2024,
    )
    before = database(demo)
    page, _ = previewed(as_filler, demo, data)
    errors = page.context["preview"].errors
    assert errors == [
        "这个文件是2024年的预算明细模板，本填报是2025年，请下载2025年的模板"
        "（如需沿用2024年的数据，请把行复制到2025年的模板中，科目须为2025年的科目）。"
    ]
    assert "确认导入" not in page.content.decode()
    assert database(demo) == before
    with pytest.raises(Exception, match="2024年"):
        budget_import(submission=demo, file=data)
    assert database(demo) == before


def test_export_of_another_unit_is_refused_naming_both(as_filler, demo):
    other = submission_create(unit=budget_unit_create(name="另一个单位"), year=2025)
    synthetic_budget(other, 4)
    data = budget_export_workbook(submission=other)
    before = database(demo)
    page, _ = previewed(as_filler, demo, data)
    (message,) = page.context["preview"].errors
    assert f"单位编码为 {other.unit.code} 的单位" in message
    assert "另一个单位" not in message  # the other unit is not named
    assert f"「{demo.unit.name}」（单位编码 003）" in message
    assert database(demo) == before


def test_handmade_file_without_identity_still_imports(client, demo):
    """No 说明 sheet, no identity: the rows are checked against the year as always."""
    empty = submission_create(year=2025)  # the demo loaded the 2025 codes
    client.force_login(user_with(FILLER, [empty.unit]))
    row = {"func": "2010101", "dept": "30101", "kind": "基本支出-人员", "amount": "100.00"}
    page, token = previewed(client, empty, handmade([row]))
    preview = page.context["preview"]
    assert preview.ok and preview.lines_after == 1 and len(preview.diff.added) == 1
    assert (preview.before.income, preview.after.income) == (0, Decimal("100.00"))
    assert confirm(client, empty, token, page).status_code == 302
    assert empty.lines.get().amount == Decimal("100.00")
    page, _ = previewed(client, empty, handmade([{**row, "func": "2019998"}]))
    assert page.context["preview"].errors == [
        "「预算明细」表 第2行 A列（功能科目）：功能科目「2019998」不在2025年支出功能分类科目表中"
        "（见「功能分类」表）。"
    ]


def test_targets_file_in_the_budget_import_is_named(as_filler, demo):
    page, _ = previewed(as_filler, demo, targets_export_workbook(submission=demo))
    assert (
        page.context["preview"].errors[0].startswith("这个文件是绩效目标文件，不能作为预算明细导入")
    )


# --- who may, and when --------------------------------------------------------------------------


def test_reviewer_upload_gets_the_refusal_page_and_nothing_changes(client, demo):
    client.force_login(user_with(REVIEWER, [demo.unit]))
    data, _ = edited_export(demo)
    before = database(demo)
    response = upload(client, demo, data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "操作未执行" in html and "不能导入" in html
    assert database(demo) == before
    assert not client.session.get(SESSION_KEY)


def test_other_units_filler_cannot_see_nor_import(client, demo):
    """Another unit's 填报人 does not learn that the submission exists (404, as every desk
    page answers), and nothing changes."""
    client.force_login(user_with(FILLER, [budget_unit_create()]))
    data, _ = edited_export(demo)
    before = database(demo)
    assert upload(client, demo, data).status_code == 404
    assert client.get(url("excel", demo)).status_code == 404
    assert client.get(url("excel_export", demo, kind="budget")).status_code == 404
    assert database(demo) == before


def test_token_of_another_user_or_submission_is_unknown(client, as_filler, demo, filler):
    data, _ = edited_export(demo)
    _, token = previewed(as_filler, demo, data)
    before = database(demo)
    other_filler = user_with(FILLER, [demo.unit])
    client.force_login(other_filler)  # a session of its own
    assert client.post(url("excel_confirm", demo, token=token)).status_code == 403
    assert client.get(url("excel_preview", demo, token=token)).status_code == 302
    assert database(demo) == before
    assert as_filler.post(url("excel_confirm", demo, token="x" * 32)).status_code == 403
    assert database(demo) == before


def test_confirm_after_the_lines_changed_is_refused(as_filler, demo):
    """A line edited after the preview: 确认导入 refuses and asks for a new preview; the old page
    stays refused once a newer preview exists (another tab); the new preview can be confirmed."""
    data, _ = edited_export(demo)
    page, token = previewed(as_filler, demo, data)
    line = demo.lines.order_by("id").first()
    line.amount += 1
    line.save()
    before = database(demo)
    response = confirm(as_filler, demo, token, page)
    assert response.status_code == 403
    html = response.content.decode()
    assert "预览之后，本填报的数据已有改动" in html and "重新预览" in html
    assert url("excel_preview", demo, token=token) in html
    assert database(demo) == before
    newer = as_filler.get(url("excel_preview", demo, token=token))
    assert confirm(as_filler, demo, token, page).status_code == 403  # the page seen first
    assert database(demo) == before
    assert confirm(as_filler, demo, token, newer).status_code == 302
    assert database(demo)["line_ids"] != before["line_ids"]


def test_confirm_after_submitting_is_refused(as_filler, demo):
    data, _ = edited_export(demo)
    page, token = previewed(as_filler, demo, data)
    type(demo).objects.filter(pk=demo.pk).update(status=SubmissionStatus.SUBMITTED)
    before = database(demo)
    response = confirm(as_filler, demo, token, page)
    assert response.status_code == 403
    assert "已提交审核，审核期间不能修改" in response.content.decode()
    assert database(demo) == before
    assert not default_storage.exists(f"{PENDING_DIR}/{token}.xlsx")


def test_a_new_upload_replaces_the_pending_one_and_old_files_are_purged(as_filler, demo):
    data, _ = edited_export(demo)
    _, first = previewed(as_filler, demo, data)
    stale = default_storage.save(f"{PENDING_DIR}/{'a' * 32}.xlsx", io.BytesIO(b"old"))
    old = time.time() - 2 * 24 * 3600
    os.utime(default_storage.path(stale), (old, old))
    _, second = previewed(as_filler, demo, data)
    assert not default_storage.exists(f"{PENDING_DIR}/{first}.xlsx")
    assert not default_storage.exists(stale)
    assert default_storage.exists(f"{PENDING_DIR}/{second}.xlsx")
    assert list(as_filler.session[SESSION_KEY]) == [second]
    assert pending_imports_purge() == 0


def test_upload_form_errors_are_summarised_and_linked(as_filler, demo):
    response = upload(as_filler, demo, b"a,b\n", name="lines.csv")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#budget-file"' in html and "请上传 .xlsx 格式的 Excel 文件" in html
    assert 'aria-invalid="true"' in html


# --- queries -----------------------------------------------------------------------------------


def _preview_overhead(client, n_lines: int) -> tuple[int, int]:
    """(queries of the section page, queries of the preview page less those of the import
    it runs) for a synthetic unit with `n_lines` lines importing its own export."""
    submission = synthetic_submission(n_lines, seed=n_lines, validate=True)
    client.force_login(user_with(FILLER, [submission.unit]))
    data = budget_export_workbook(submission=submission)
    with CaptureQueriesContext(connection) as section:
        assert client.get(url("excel", submission)).status_code == 200
    response = upload(client, submission, data)
    with CaptureQueriesContext(connection) as preview:
        assert client.get(response.url).status_code == 200
    fresh = submission_queryset().get(pk=submission.pk)
    with CaptureQueriesContext(connection) as alone:
        budget_import(submission=fresh, file=data)
    return len(section), len(preview) - len(alone)


def test_queries_do_not_grow_with_the_lines(client, db):
    """The section page's queries, and what the preview adds to the import it runs (before and
    after states, digest, 表一 and checks), are the same for 12 and 60 lines."""
    assert _preview_overhead(client, 12) == _preview_overhead(client, 60)


# --- 绩效目标 -------------------------------------------------------------------------------------


def edited_targets(submission) -> tuple[bytes, dict]:
    """The targets export with one project's 项目概况 changed, one indicator's value changed and
    one indicator row deleted (of other projects)."""
    workbook = load_workbook(io.BytesIO(targets_export_workbook(submission=submission)))
    projects, indicators = workbook["项目目标"], workbook["绩效指标"]
    name_column = column_of(projects, "项目名称")
    first = projects.cell(2, name_column).value
    projects.cell(2, column_of(projects, "项目概况")).value = "导入预览修改后的概况"
    rows = [
        (row, [indicators.cell(row, col).value for col in range(1, 7)])
        for row in range(2, indicators.max_row + 1)
    ]
    others = [(row, values) for row, values in rows if values[0] != first]
    changed_row, changed = others[0]
    removed_row, removed = next((row, values) for row, values in others if values[0] != changed[0])
    indicators.cell(changed_row, 6).value = "≥99%"
    indicators.delete_rows(removed_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), {
        "overview": first,
        "changed": changed,
        "removed": removed,
    }


def target_state(submission):
    return (
        list(
            ProjectTarget.objects.filter(project__submission=submission)
            .order_by("id")
            .values_list("id", "overview", "filled_at")
        ),
        list(
            Indicator.objects.filter(project_target__project__submission=submission)
            .order_by("id")
            .values_list("id", "name", "text")
        ),
    )


def test_targets_preview_names_exactly_what_changes(as_filler, demo):
    data, done = edited_targets(demo)
    before = database(demo)
    page, token = previewed(as_filler, demo, data, kind="targets")
    preview = page.context["preview"]
    assert preview.ok and not preview.created and not preview.removed
    changes = {c.project: c for c in preview.changed}
    overview = changes[done["overview"]]
    assert [f.label for f in overview.fields] == ["项目概况"]
    assert overview.fields[0].after == "导入预览修改后的概况"
    assert not overview.indicators_added and not overview.indicators_removed
    changed = changes[done["changed"][0]]
    assert not changed.indicators_added and not changed.indicators_removed
    assert [(old.name, old.text, new.text) for old, new in changed.indicators_changed] == [
        (done["changed"][4], done["changed"][5], "≥99%")
    ]
    removed = changes[done["removed"][0]]
    assert not removed.indicators_added
    assert [(i.name, i.text) for i in removed.indicators_removed] == [
        (done["removed"][4], done["removed"][5])
    ]
    assert len(preview.changed) == 3
    assert preview.indicators_added == 0 and preview.indicators_removed == 1
    assert preview.indicators_changed == 1
    html = page.content.decode()
    assert "新增（" in html and "删除（" in html and "修改（" in html
    assert "导入预览修改后的概况" in html and "≥99%" in html
    assert database(demo) == before
    # confirm applies it
    assert confirm(as_filler, demo, token, page).status_code == 302
    target = ProjectTarget.objects.get(project__submission=demo, project__name=done["overview"])
    assert target.overview == "导入预览修改后的概况"
    assert Indicator.objects.filter(
        project_target__project__submission=demo, text="≥99%", name=done["changed"][4]
    ).exists()


def test_targets_cancel_changes_nothing(as_filler, demo):
    data, _ = edited_targets(demo)
    before, targets = database(demo), target_state(demo)
    _, token = previewed(as_filler, demo, data, kind="targets")
    as_filler.post(url("excel_cancel", demo, token=token))
    assert database(demo) == before and target_state(demo) == targets


def test_targets_reimport_of_the_export_is_shown_as_no_change_but_the_date(as_filler, demo):
    """The export imported back changes nothing (填报日期 included: it is exported)."""
    page, _ = previewed(as_filler, demo, targets_export_workbook(submission=demo), kind="targets")
    preview = page.context["preview"]
    assert preview.ok and not preview.has_changes
    assert preview.unchanged == preview.targets_before


def test_targets_file_of_another_year_is_refused(as_filler, demo):
    workbook = load_workbook(io.BytesIO(targets_export_workbook(submission=demo)))
    workbook["说明"][
        f"B{IDENTITY_CELL.row}"
    ].value = "预算公开导入文件；类型=绩效目标；年度=2024；单位=003"
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = database(demo)
    page, _ = previewed(as_filler, demo, buffer.getvalue(), kind="targets")
    assert page.context["preview"].errors == [
        "这个文件是2024年的绩效目标导出数据，本填报是2025年，请下载2025年的模板"
        "（如需沿用2024年的数据，请把行复制到2025年的模板中，项目名称须与2025年预算中的一致）。"
    ]
    assert database(demo) == before


def test_targets_preview_shows_a_new_target_with_its_indicators(as_filler, demo):
    """A project without a target gets one from the file: listed under 新增 with its indicators."""
    name = "市人大代表联络站经费"
    assert not ProjectTarget.objects.filter(project__submission=demo, project__name=name).exists()
    workbook = load_workbook(io.BytesIO(targets_export_workbook(submission=demo)))
    projects, indicators = workbook["项目目标"], workbook["绩效指标"]
    row = projects.max_row + 1
    texts = {c.value: f"{c.value}（新）" for c in projects[1]}
    for header in ("项目概况", "立项依据", "项目设立必要性", "保证项目实施的制度措施"):
        projects.cell(row, column_of(projects, header)).value = texts[header]
    for header in ("项目实施计划", "实施期总体目标", "年度总体目标"):
        projects.cell(row, column_of(projects, header)).value = texts[header]
    projects.cell(row, column_of(projects, "项目名称")).value = name
    level1, level2 = indicators.cell(2, 3).value, indicators.cell(2, 4).value
    for number, value in enumerate(("≥10个", "≥95%"), start=1):
        indicators.append([name, "年度", level1, level2, f"联络站指标{number}", value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page, token = previewed(as_filler, demo, buffer.getvalue(), kind="targets")
    preview = page.context["preview"]
    assert preview.ok and not preview.changed and not preview.removed
    (created,) = preview.created
    assert created.project == name
    assert [(i.name, i.text) for i in created.indicators] == [
        ("联络站指标1", "≥10个"),
        ("联络站指标2", "≥95%"),
    ]
    assert f"{name}：新增项目绩效目标，绩效指标 2 条" in page.content.decode()
    assert preview.targets_after == preview.targets_before + 1
    assert confirm(as_filler, demo, token, page).status_code == 302
    target = ProjectTarget.objects.get(project__submission=demo, project__name=name)
    assert target.indicators.count() == 2
