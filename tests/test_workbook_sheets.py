"""The whole budget in one workbook: the 预算明细 template and export also carry 政府采购,
政府购买服务, 国有资产 and 上年 (sheets of their own), imported all or nothing with the lines; a
sheet the file lacks leaves its data as it is, an empty one clears it; every fault is named by
sheet, row and column in Chinese."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.budget_workbooks import column_of, edited, refused, state
from tests.factories import budget_unit_create, submission_create
from units.budget_excel import (
    SHEET_ASSETS,
    SHEET_LINES,
    SHEET_PRIOR,
    SHEET_PROCUREMENT,
    SHEET_SERVICES,
)
from units.budget_import import budget_export_workbook, budget_import, budget_template_workbook
from units.budget_projects import project_batches
from units.budget_sheets import ASSET_FIELDS, PRIOR_FIELDS
from units.excel.identity import KIND_BUDGET, WorkbookIdentity, identity_write
from units.models import (
    AssetFacts,
    BudgetLine,
    FundSource,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
    UnitIncomeType,
)

pytestmark = pytest.mark.django_db


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without_sheets(data: bytes, *names: str) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    for name in names:
        del workbook[name]
    return saved(workbook)


def for_unit(data: bytes, submission) -> bytes:
    """The export re-labelled as the other unit's (its identity cell), as if its rows had been
    copied into that unit's template."""
    workbook = load_workbook(io.BytesIO(data))
    identity_write(workbook, WorkbookIdentity(KIND_BUDGET, submission.year, submission.unit.code))
    return saved(workbook)


def row_of(sheet, header: str, value) -> int:
    column = column_of(sheet, header)
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value == value)


@pytest.fixture
def full(demo):
    """The demo with every sheet filled: its 政府采购 item and 上年 figures, two 政府购买服务,
    国有资产 with a date and vehicles, and a 单位资金 line with an income type and 地方细化科目."""
    PurchasedService.objects.create(
        submission=demo,
        project_name="人大代表履职服务",
        includes_procurement=True,
        content="代表培训组织",
        quantity="2期",
        amount=Decimal("12000.50"),
        fund_source=FundSource.GENERAL,
    )
    PurchasedService.objects.create(
        submission=demo,
        project_name="机关物业",
        content="物业管理",
        amount=Decimal("80000"),
        fund_source=FundSource.UNIT_FUNDS,
    )
    AssetFacts.objects.filter(submission=demo).update(
        as_of=datetime.date(2025, 8, 31), vehicles_quota=3, vehicles_leader=1
    )
    line = BudgetLine.objects.filter(submission=demo, project__isnull=True).first()
    line.fund_source = FundSource.UNIT_FUNDS
    line.income_type = UnitIncomeType.BUSINESS
    line.sub_item = "其中：差旅补助"
    line.save()
    demo.refresh_from_db()
    assert demo.prior_total is not None and demo.procurements.count() == 1
    return demo


def everything(submission) -> dict:
    """Every field of every sheet's data, without ids (projects by name and 资金批次)."""
    projects = list(Project.objects.filter(submission=submission))
    batches = project_batches(projects)
    key = {p.id: (p.name, batches[p.id]) for p in projects}
    assets = AssetFacts.objects.filter(submission=submission).first()
    fresh = Submission.objects.get(pk=submission.pk)
    return {
        "lines": sorted(
            (
                line.func_code.code,
                line.dept_econ_code.code,
                line.gov_econ_code.code,
                line.expense_kind,
                line.fund_source,
                line.income_type,
                line.sub_item,
                line.is_carryover,
                key.get(line.project_id),
                line.amount,
                line.note,
            )
            for line in BudgetLine.objects.filter(submission=submission).select_related(
                "func_code", "dept_econ_code", "gov_econ_code"
            )
        ),
        "procurements": [
            (p.kind, p.name, key.get(p.project_id), p.amount)
            for p in ProcurementItem.objects.filter(submission=submission).order_by("id")
        ],
        "services": [
            (s.project_name, s.includes_procurement, s.content, s.quantity, s.amount, s.fund_source)
            for s in PurchasedService.objects.filter(submission=submission).order_by("id")
        ],
        "assets": {name: getattr(assets, name) for name in ASSET_FIELDS} if assets else None,
        "prior": {name: getattr(fresh, name) for name in PRIOR_FIELDS},
    }


def test_template_has_every_sheet_with_headers_and_items(demo):
    """The template carries the four sheets: headers for the item lists, every item of 国有资产
    and 上年 with a blank value, and the year in its identity."""
    workbook = load_workbook(io.BytesIO(budget_template_workbook(year=2025)))
    assert [c.value for c in workbook[SHEET_PROCUREMENT][1]] == [
        "采购类别",
        "采购项目",
        "项目名称",
        "资金批次",
        "金额（元）",
    ]
    assert workbook[SHEET_SERVICES].max_row == 1
    assets = [(r[0], r[1]) for r in workbook[SHEET_ASSETS].iter_rows(min_row=2, values_only=True)]
    assert ("资产数据截止日期", None) in assets and len(assets) == len(ASSET_FIELDS)
    prior = [r[0] for r in workbook[SHEET_PRIOR].iter_rows(min_row=2, values_only=True)]
    assert prior[0] == "上年预算收支总计" and len(prior) == len(PRIOR_FIELDS)
    assert "年度=2025" in workbook["说明"]["B1"].value
    readme = "\n".join(str(c.value) for c in workbook["说明"]["A"] if c.value)
    assert "没有这张表（如旧版模板）则原有数据保持不变" in readme


def test_export_imports_into_a_fresh_submission_equal_field_by_field(full):
    """Export a submission with procurement, purchased services, assets, prior figures, income
    types and sub-items; import into a fresh submission: every field is equal."""
    original = everything(full)
    assert original["assets"]["as_of"] == datetime.date(2025, 8, 31)
    data = budget_export_workbook(submission=full)
    sheet = load_workbook(io.BytesIO(data))[SHEET_LINES]
    row = row_of(sheet, "地方细化科目", "其中：差旅补助")
    assert sheet.cell(row, column_of(sheet, "收入类型")).value == "事业收入"
    fresh = submission_create(unit=budget_unit_create(kind=full.unit.kind), year=2025)
    report = budget_import(submission=fresh, file=for_unit(data, fresh))
    assert everything(fresh) == original
    assert report.sheets.procurements == 1 and report.sheets.services == 2
    assert "政府购买服务 2 项" in report.summary() and "上年数已更新" in report.summary()


def test_reimport_of_the_export_changes_no_record(full):
    """Importing a submission's own export leaves its 国有资产 and 上年 rows unsaved."""
    original = everything(full)
    report = budget_import(submission=full, file=budget_export_workbook(submission=full))
    assert everything(full) == original
    assert report.sheets.assets == "未改变" and report.sheets.prior == "未改变"


def test_bad_asset_cell_refuses_the_whole_file(full):
    """A bad cell in 国有资产 refuses the file, naming sheet, row and column; nothing changes,
    the lines included."""
    data = budget_export_workbook(submission=full)
    data = edited(data, 2, "金额（元）", Decimal("1"))  # a line change that must not land
    sheet = load_workbook(io.BytesIO(data))[SHEET_ASSETS]
    row = row_of(sheet, "项目", "公务用车编制数")
    data = edited(data, row, "数值", "三辆", sheet=SHEET_ASSETS)
    messages = refused(full, data)
    assert messages == [
        f"「国有资产」表 第{row}行 B列（数值）：公务用车编制数必须是不小于 0 的整数，不能是「三辆」。"
    ]


def test_every_sheet_reports_its_faults_together(full):
    """Faults of several sheets are listed at once, lines first, each located."""
    data = budget_export_workbook(submission=full)
    data = edited(data, 2, "采购类别", "家具", sheet=SHEET_PROCUREMENT)
    data = edited(data, 3, "购买金额（元）", "-5", sheet=SHEET_SERVICES)
    data = edited(data, 2, "项目", "上年总计", sheet=SHEET_PRIOR)
    data = edited(data, 2, "支出类型", "奖金")
    messages = refused(full, data)
    assert messages[0].startswith("「预算明细」表 第2行")
    assert (
        "「政府采购」表 第2行 A列（采购类别）：采购类别「家具」无效，应为 货物、工程、服务 之一。"
        in (messages)
    )
    assert any(m.startswith("「政府购买服务」表 第3行 E列（购买金额（元））") for m in messages)
    assert any(
        m.startswith("「上年」表 第2行 A列（项目）：「上年总计」不是本表的项目") for m in messages
    )


def test_formula_text_and_repeated_items_are_refused_at_their_cells(full):
    """Free text of the other sheets that a spreadsheet would run is refused at its cell; an
    item of 上年 given twice is refused naming the first row."""
    data = budget_export_workbook(submission=full)
    messages = refused(full, edited(data, 2, "采购项目", "=HYPERLINK(1)", sheet=SHEET_PROCUREMENT))
    assert messages[0].startswith("「政府采购」表 第2行 B列（采购项目）：")
    data = edited(data, 3, "项目", "上年预算收支总计", sheet=SHEET_PRIOR)
    assert refused(full, data) == [
        "「上年」表 第3行 A列（项目）：「上年预算收支总计」与第2行重复，每个项目只填一行。"
    ]


def test_missing_sheets_leave_their_data_and_the_report_says_so(full):
    """An older workbook without the other sheets imports its lines and leaves the rest."""
    before = everything(full)
    data = without_sheets(
        budget_export_workbook(submission=full),
        SHEET_PROCUREMENT,
        SHEET_SERVICES,
        SHEET_ASSETS,
        SHEET_PRIOR,
    )
    report = budget_import(submission=full, file=data)
    assert everything(full) == before
    assert "文件中没有「政府采购」「政府购买服务」「国有资产」「上年」表，这些数据保持不变" in (
        report.summary()
    )


def test_empty_sheets_clear_their_data(full):
    """A sheet present with nothing filled clears its data: the template's sheets, put in the
    export, empty procurement, services, assets and prior figures."""
    data = budget_export_workbook(submission=full)
    workbook = load_workbook(io.BytesIO(data))
    template = load_workbook(io.BytesIO(budget_template_workbook(year=2025)))
    for name in (SHEET_PROCUREMENT, SHEET_SERVICES, SHEET_ASSETS, SHEET_PRIOR):
        for row in workbook[name].iter_rows(min_row=2):
            for cell in row:
                cell.value = None
        for row in template[name].iter_rows(min_row=2, values_only=True):
            workbook[name].append(row)
    report = budget_import(submission=full, file=saved(workbook))
    after = everything(full)
    assert after["procurements"] == [] and after["services"] == []
    assert after["assets"] is None and set(after["prior"].values()) == {None}
    assert report.sheets.assets == "已清空"


def test_procurement_must_name_a_project_of_the_file(full):
    """A 政府采购 item naming a project that is not in 预算明细 is refused at its cell; with the
    item's project dropped from both sheets, the project is deleted."""
    data = budget_export_workbook(submission=full)
    data = edited(data, 2, "项目名称", "不存在的项目", sheet=SHEET_PROCUREMENT)
    messages = refused(full, data)
    assert messages == [
        "「政府采购」表 第2行 C列（项目名称）：项目「不存在的项目」不在「预算明细」表中：政府采购"
        "只能对应本文件中的项目，请核对项目名称和资金批次，或清空项目名称。"
    ]


def test_procurement_project_dropped_with_its_item_is_deleted(demo):
    """A project the file drops, held only by a 政府采购 item the file drops too, is deleted
    (without the sheet the old item would keep it, and the file is refused)."""
    item = ProcurementItem.objects.get(submission=demo)
    project = item.project
    project.target.delete()
    workbook = load_workbook(io.BytesIO(budget_export_workbook(submission=demo)))
    lines = workbook[SHEET_LINES]
    column = column_of(lines, "项目名称")
    for row in range(lines.max_row, 1, -1):
        if lines.cell(row, column).value == project.name:
            lines.delete_rows(row)
    workbook[SHEET_PROCUREMENT].delete_rows(2)
    data = saved(workbook)
    messages = refused(demo, without_sheets(data, SHEET_PROCUREMENT))
    assert any(f"文件中没有项目「{project.name}」" in m and "政府采购预算" in m for m in messages)
    report = budget_import(submission=demo, file=data)
    assert project.name in report.projects_deleted
    assert not ProcurementItem.objects.filter(submission=demo).exists()


def test_prior_figures_and_asset_date_read_text_and_blank(demo):
    """上年 amounts as text, a blank figure as 未填写, the asset date as 2025年8月31日."""
    data = budget_export_workbook(submission=demo)
    sheet = load_workbook(io.BytesIO(data))
    prior_row = row_of(sheet[SHEET_PRIOR], "项目", "上年公务接待费")
    total_row = row_of(sheet[SHEET_PRIOR], "项目", "上年预算收支总计")
    date_row = row_of(sheet[SHEET_ASSETS], "项目", "资产数据截止日期")
    data = edited(data, prior_row, "金额（元）", "1,234.50", sheet=SHEET_PRIOR)
    data = edited(data, total_row, "金额（元）", None, sheet=SHEET_PRIOR)
    data = edited(data, date_row, "数值", "2025年8月31日", sheet=SHEET_ASSETS)
    budget_import(submission=demo, file=data)
    demo.refresh_from_db()
    assert demo.prior_reception == Decimal("1234.50") and demo.prior_total is None
    assert AssetFacts.objects.get(submission=demo).as_of == datetime.date(2025, 8, 31)
    assert state(demo)[4][0][1] == datetime.date(2025, 8, 31)


# --- the desk's preview ------------------------------------------------------------------------


@pytest.fixture
def desk_filler(client, demo, settings, tmp_path):
    from tests.factories import user_with
    from units.permissions import FILLER

    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(user_with(FILLER, [demo.unit]))
    return client


def _preview(client, submission, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = client.post(
        reverse("desk:excel_upload", kwargs={"pk": submission.pk, "kind": "budget"}),
        {"file": SimpleUploadedFile("预算.xlsx", data)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response.url.rstrip("/").split("/")[-1]
    return client.get(response.url), token


def test_preview_lists_the_other_sheets_before_and_after(desk_filler, demo):
    """The preview shows each other sheet's count before and after, a missing sheet as kept;
    nothing is saved by the preview."""
    workbook = load_workbook(io.BytesIO(budget_export_workbook(submission=demo)))
    workbook[SHEET_SERVICES].append(["会议服务", "否", "会务保障", "3次", 9000, "一般公共预算"])
    del workbook[SHEET_PRIOR]
    before = state(demo)
    page, _ = _preview(desk_filler, demo, saved(workbook))
    assert state(demo) == before
    counts = {item.sheet: item for item in page.context["preview"].sheets}
    assert (counts[SHEET_SERVICES].before, counts[SHEET_SERVICES].after) == (0, 1)
    assert (counts[SHEET_PROCUREMENT].before, counts[SHEET_PROCUREMENT].after) == (1, 1)
    assert counts[SHEET_PRIOR].kept and counts[SHEET_PRIOR].after == 7
    html = page.content.decode()
    assert "政府购买服务（「政府购买服务」表）" in html
    assert "文件中没有这张表，保持不变" in html


def test_confirm_after_a_procurement_changed_is_refused(desk_filler, demo):
    """The preview's fingerprint covers the other sheets: a 政府采购 item changed after the
    preview makes 确认导入 refuse, and nothing is imported."""
    from django.urls import reverse

    page, token = _preview(desk_filler, demo, budget_export_workbook(submission=demo))
    item = ProcurementItem.objects.get(submission=demo)
    item.amount += 1
    item.save()
    before = state(demo)
    response = desk_filler.post(
        reverse("desk:excel_confirm", kwargs={"pk": demo.pk, "token": token}),
        {"digest": page.context["preview"].digest},
    )
    assert response.status_code == 403
    assert "预览之后，本填报的数据已有改动" in response.content.decode()
    assert state(demo) == before
