"""Importing a line-level Excel file of another layout (an 一体化 platform export): header
aliases, the header row found below a title, `code##name` and `code name` cells, 万元 amounts
converted to 元 exactly, every fault named by the source file's row and column header, the
converted file imported by the template's own import (the same lines as the template), saved
mappings (reused; saved by a 财政管理员 only) and the desk pages (upload, columns, preview,
确认导入)."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tests.factories import budget_unit_create, submission_create, user_with
from units.budget_excel import COLUMNS_BY_KEY, LINE_COLUMNS, SHEET_LINES, workbook_write
from units.budget_import import budget_export_workbook, budget_import
from units.decisions import header_mapping_save_refusal
from units.excel.header_mapping import (
    FIELDS,
    WAN,
    YUAN,
    amount_unit_detect,
    amount_value,
    carryover_value,
    code_value,
    convert,
    fund_value,
    header_field,
    header_row_find,
    kind_value,
    mapping_suggest,
    source_message,
    source_read,
)
from units.header_mapping_services import (
    header_mapped_messages,
    header_mapped_workbook,
    header_mapping_save,
)
from units.models import BudgetLine, ImportHeaderMapping
from units.permissions import ADMIN, FILLER

#: the platform's headers for the template's columns (key → header)
PLATFORM_HEADERS = {
    "func": "支出功能分类科目",
    "dept": "部门预算支出经济分类",
    "gov": "政府预算支出经济分类",
    "kind": "基本支出/项目支出",
    "fund": "资金性质",
    "carryover": "是否结转",
    "project": "预算项目名称",
    "batch": "批次",
    "category": "项目分类",
    "recurrence": "项目性质",
    "period": "项目周期",
    "amount": "预算金额（万元）",
    "note": "说明",
}
PLATFORM_KIND = {"基本支出-人员": "人员经费", "基本支出-公用": "公用经费", "项目支出": "项目支出"}
PLATFORM_FUND = {"一般公共预算": "一般公共预算拨款", "单位资金": "其他资金"}


def xlsx(rows, sheet="支出明细") -> bytes:
    """A workbook whose first sheet holds `rows` (lists of values) from A1."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_rows(data: bytes) -> list[dict]:
    """The 预算明细 rows of a template workbook as dicts keyed like `LINE_COLUMNS`."""
    sheet = load_workbook(io.BytesIO(data))[SHEET_LINES]
    rows = list(sheet.iter_rows(values_only=True))
    keys = [next(c.key for c in LINE_COLUMNS if c.header == h) for h in rows[0]]
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def platform_file(rows: list[dict]) -> bytes:
    """The rows as a platform export: a title and a unit line above other headers, codes as
    `code name`, other labels for kinds and funds, amounts in 万元, columns in another order."""
    order = ["project", "amount", "func", "dept", "gov", "fund", "kind", "carryover"]
    order += ["batch", "category", "recurrence", "period", "note"]
    body = []
    for row in rows:
        values = dict(row)
        for key in ("func", "dept", "gov"):
            values[key] = values[key].replace("##", " ")
        values["kind"] = PLATFORM_KIND[values["kind"]]
        values["fund"] = PLATFORM_FUND.get(values["fund"], values["fund"])
        values["carryover"] = "是" if values["carryover"] == "是" else ""
        values["amount"] = Decimal(values["amount"]).scaleb(-4)
        body.append([values.get(key) for key in order])
    return xlsx(
        [
            ["2025年部门预算支出明细（一体化平台导出）"],
            ["单位：万元"],
            [PLATFORM_HEADERS[key] for key in order],
            *body,
            ["合计", sum(Decimal(r["amount"]).scaleb(-4) for r in rows)],
        ]
    )


def fresh_submission(name: str):
    return submission_create(unit=budget_unit_create(name=name), year=2025)


def lines_of(submission) -> list[tuple]:
    """Every field of every line, codes by their code, projects by name and attributes."""
    return [
        (
            line.func_code.code,
            line.dept_econ_code.code,
            line.gov_econ_code.code,
            line.expense_kind,
            line.fund_source,
            line.income_type,
            line.is_carryover,
            line.project and line.project.name,
            line.project and line.project.category,
            line.project and line.project.recurrence,
            line.project and line.project.period_years,
            line.amount,
            line.sub_item,
            line.note,
        )
        for line in BudgetLine.objects.filter(submission=submission)
        .select_related("func_code", "dept_econ_code", "gov_econ_code", "project")
        .order_by("id")
    ]


def mapped_import(submission, data: bytes, *, saved=None, unit=None):
    """Import a file of another layout as the desk does: header row, suggested columns,
    detected unit, conversion, the template's import."""
    sheet = source_read(data, known_headers=(saved or {}).values())
    columns = mapping_suggest(sheet, saved)
    unit = unit or amount_unit_detect(sheet, columns.get("amount")) or YUAN
    conversion = convert(sheet, columns=columns, unit=unit)
    assert conversion.ok, conversion.problems
    workbook = header_mapped_workbook(conversion=conversion, year=submission.year)
    try:
        return budget_import(submission=submission, file=workbook)
    except ValidationError as exc:
        raise ValidationError(
            header_mapped_messages(
                exc.messages, sheet=conversion.sheet, locations=conversion.locations
            )
        ) from None


# --- aliases and the header row ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("功能科目", "func_code"),
        ("功能分类科目", "func_code"),
        ("支出功能分类", "func_code"),
        ("支出功能分类科目编码", "func_code"),
        ("部门经济科目", "dept_econ_code"),
        ("部门预算支出经济分类", "dept_econ_code"),
        ("政府经济科目", "gov_econ_code"),
        ("政府预算支出经济分类", "gov_econ_code"),
        ("资金性质", "fund_source"),
        ("资金来源", "fund_source"),
        ("支出类型", "expense_kind"),
        ("基本支出/项目支出", "expense_kind"),
        ("项目名称", "project"),
        ("金额（元）", "amount"),
        ("金额(万元)", "amount"),
        ("预算金额（单位：万元）", "amount"),
        ("2025年预算金额", "amount"),
        (" *功能 科目 ", "func_code"),
        ("收入类型", "income_type"),
        ("地方细化科目", "sub_item"),
        ("备注", "note"),
        ("功能科目名称", None),
        ("上年预算金额", None),
        ("序号", None),
    ],
)
def test_header_aliases(header, field):
    """A header names its field by any of the aliases, with or without a unit or marks; a
    column of names or of last year's amounts names none."""
    assert header_field(header) == field


def test_every_field_is_a_template_column():
    """The template keys the conversion writes are the 预算明细 template's columns."""
    missing = {f.template_key for f in FIELDS} - set(COLUMNS_BY_KEY)
    assert missing == set()


def test_header_row_found_below_a_title():
    """The header row is the first of the first rows naming enough fields; the title and the
    unit line above it are not."""
    rows = [
        ["2025年部门预算"],
        ["单位：万元", None, "功能科目"],
        ["序号", "功能分类科目", "部门经济科目", "资金性质", "金额（万元）"],
        [1, "2010101", "30101", "一般公共预算", 1],
    ]
    assert header_row_find(rows) == 2
    assert header_row_find(rows[:2]) is None
    assert header_row_find([["甲", "乙", "丙"]], known_headers=["甲", "乙", "丙"]) == 0


def test_no_header_row_is_refused_in_chinese():
    """A file without a recognisable header row is refused saying what a header needs."""
    with pytest.raises(ValidationError) as info:
        source_read(xlsx([["序号", "名称"], [1, "甲"]]))
    assert "没有找到表头" in info.value.messages[0] and "功能科目" in info.value.messages[0]


def test_unit_detected_from_header_or_a_line_above():
    """金额（万元） or a 单位：万元 line above the header says 万元; otherwise the file says
    nothing and the chosen unit applies."""
    in_header = source_read(xlsx([["功能科目", "部门经济科目", "金额（万元）"], ["1", "2", 3]]))
    assert amount_unit_detect(in_header, "金额（万元）") == WAN
    above = source_read(xlsx([["单位：万元"], ["功能科目", "部门经济科目", "金额"], [1, 2, 3]]))
    assert amount_unit_detect(above, "金额") == WAN
    in_yuan = source_read(xlsx([["功能科目", "部门经济科目", "金额（元）"], [1, 2, 3]]))
    assert amount_unit_detect(in_yuan, "金额（元）") == YUAN
    silent = source_read(xlsx([["功能科目", "部门经济科目", "金额"], [1, 2, 3]]))
    assert amount_unit_detect(silent, "金额") is None


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2010101##行政运行", "2010101##行政运行"),
        ("2010101 行政运行", "2010101##行政运行"),
        ("2010101　行政运行", "2010101##行政运行"),
        ("[30101]基本工资", "30101##基本工资"),
        ("30101-基本工资", "30101##基本工资"),
        ("201 01 01 行政运行", "2010101##行政运行"),
        ("2010101", "2010101"),
        (2010101, "2010101"),
        (Decimal("30101"), "30101"),
        (None, ""),
    ],
)
def test_code_cells(cell, expected):
    """A code is read from `code##name`, `code name`, `[code]name`, spaced digits or a number."""
    assert code_value(cell, "功能科目") == expected


@pytest.mark.parametrize("cell", ["行政运行", "20101０1", "2010101.5"])
def test_not_a_code(cell):
    """Text that is not a code (or has full-width digits) is refused."""
    with pytest.raises(ValidationError):
        code_value(cell, "功能科目")


def test_wan_to_yuan_exact():
    """万元 × 10000 exactly: 12.3456 万元 = 123456.00 元, whether a number or text; six
    decimals are a 分; more are refused, never rounded."""
    assert amount_value(Decimal("12.3456"), WAN) == Decimal("123456.00")
    assert amount_value("12.3456", WAN) == Decimal("123456.00")
    assert amount_value("1,234.567891万元", WAN) == Decimal("12345678.91")
    assert amount_value(3, WAN) == Decimal("30000.00")
    with pytest.raises(ValidationError) as info:
        amount_value(Decimal("12.3456789"), WAN)
    assert "6 位小数" in info.value.messages[0]
    with pytest.raises(ValidationError):
        amount_value("12元", WAN)


def test_yuan_amounts_as_people_type_them():
    """元 amounts go through `parse_amount_text`: commas, full-width digits, a 元 suffix; three
    decimals, negatives and words are refused."""
    assert amount_value("1,234.50", YUAN) == Decimal("1234.50")
    assert amount_value("１２３４．５０元", YUAN) == Decimal("1234.50")
    assert amount_value(Decimal("88"), YUAN) == Decimal("88.00")
    for bad in ("1.234", "-5", "一百", "", "3万元"):
        with pytest.raises(ValidationError):
            amount_value(bad, YUAN)


@pytest.mark.parametrize(
    ("cell", "fund", "income"),
    [
        ("一般公共预算拨款", "一般公共预算", ""),
        ("财政拨款（一般公共预算）", "一般公共预算", ""),
        ("政府性基金预算资金", "政府性基金预算", ""),
        ("财政专户管理资金收入", "财政专户管理资金", ""),
        ("单位资金", "单位资金", ""),
        ("其他资金", "单位资金", ""),
        ("事业收入", "单位资金", "事业收入"),
        ("上级补助收入", "单位资金", "上级补助收入"),
        (None, "", ""),
    ],
)
def test_fund_variants(cell, fund, income):
    """资金性质 as files write it: the template's fund, and the income type of 单位资金."""
    assert fund_value(cell) == (fund, income)


def test_kind_from_label_project_or_economic_class():
    """支出类型 from its variants; 基本支出 or nothing split by project name and the 部门经济科目
    class (301/303 人员经费, others 公用经费)."""
    assert kind_value("人员经费", project="", dept_code="30201") == "基本支出-人员经费"
    assert kind_value("基本支出", project="", dept_code="30301") == "基本支出-人员经费"
    assert kind_value("基本支出", project="", dept_code="30201") == "基本支出-公用经费"
    assert kind_value(None, project="某项目", dept_code="30201") == "项目支出"
    assert kind_value(None, project="", dept_code="30101") == "基本支出-人员经费"
    with pytest.raises(ValidationError):
        kind_value("其他", project="", dept_code="30101")
    assert carryover_value("是") == "是" and carryover_value(None) == "否"


def test_basic_rows_lose_their_project_and_totals_are_skipped():
    """A 基本支出 row of a platform 项目 is a basic line without project (listed); a 合计 row
    without codes is skipped (listed); row numbers are the file's."""
    data = xlsx(
        [
            ["功能科目", "部门经济科目", "支出类型", "项目名称", "金额"],
            ["2010101", "30101", "基本支出", "人员类项目", 100],
            ["2010101", "30201", "基本支出", "", 50],
            ["合计", "", "", "", 150],
        ]
    )
    sheet = source_read(data)
    conversion = convert(sheet, columns=mapping_suggest(sheet), unit=YUAN)
    assert conversion.ok and conversion.count == 2
    assert conversion.unprojected == [2] and conversion.skipped == [4]
    first, second = conversion.lines
    assert first["kind"] == "基本支出-人员经费" and "project" not in first
    assert second["kind"] == "基本支出-公用经费" and second["amount"] == Decimal("50.00")


def test_faults_name_the_source_row_and_header():
    """A bad cell is reported as 「sheet」表 第N行 X列“its header”, the header as in the file."""
    data = xlsx(
        [
            ["预算明细表"],
            ["功能分类科目", "部门经济科目", "资金性质", "金额（万元）"],
            *[["2010101##行政运行", "30101##基本工资", "一般公共预算", 1]] * 9,
            ["2010101##行政运行", "30101##基本工资", "一般公共预算", "一万"],
            ["行政运行", "30101", "自筹", Decimal("0.0000001")],
        ]
    )
    sheet = source_read(data)
    conversion = convert(sheet, columns=mapping_suggest(sheet), unit=WAN)
    assert not conversion.ok
    assert conversion.problems[0] == "「支出明细」表 第12行 D列“金额（万元）”：「一万」不是金额。"
    assert any(p.startswith("「支出明细」表 第13行 A列“功能分类科目”") for p in conversion.problems)
    assert any("第13行 C列“资金性质”：资金来源「自筹」无法识别" in p for p in conversion.problems)
    assert any("第13行 D列“金额（万元）”" in p and "6 位小数" in p for p in conversion.problems)


def test_import_messages_said_of_the_source_file():
    """A budget import message about the converted workbook names the source sheet, column
    letter and header; the row is the same."""
    columns = [(c.key, get_column_letter(i + 1), c.header) for i, c in enumerate(LINE_COLUMNS)]
    message = source_message(
        "「预算明细」表 第12行 L列（金额（元））：金额不能为负数：-1",
        sheet="Sheet1",
        locations={"amount": ("F", "金额（万元）")},
        template_sheet=SHEET_LINES,
        template_columns=columns,
    )
    assert message == "「Sheet1」表 第12行 F列“金额（万元）”：金额不能为负数：-1"


# --- the acceptance: the same lines as the template --------------------------------------------


@pytest.mark.django_db
def test_mapped_file_in_wan_imports_the_same_lines_as_the_template(demo):
    """The demo's lines, written once into the 预算明细 template and once as a platform export
    (other headers in another order, a title, codes as `code name`, other fund and kind names,
    amounts in 万元, a 合计 row), import into two fresh submissions as the same lines, field by
    field."""
    rows = template_rows(budget_export_workbook(submission=demo))
    template = workbook_write(
        lines=rows,
        functional=[],
        economic=[],
        fund_labels=[],
        category_labels=[],
        recurrence_labels=[],
        year=2025,
    )
    by_template, by_mapping = fresh_submission("模板单位"), fresh_submission("映射单位")
    budget_import(submission=by_template, file=template)
    data = platform_file(rows)
    sheet = source_read(data)
    assert sheet.header_row == 3
    assert amount_unit_detect(sheet, mapping_suggest(sheet)["amount"]) == WAN
    report = mapped_import(by_mapping, data)
    assert report.lines == len(rows) > 40
    expected = lines_of(by_template)
    assert lines_of(by_mapping) == expected
    assert sum(line[11] for line in expected) == sum(Decimal(r["amount"]) for r in rows)


@pytest.mark.django_db
def test_mapped_file_carries_income_type_and_sub_item(demo):
    """A 资金性质 that names a unit income (事业收入) lands as 单位资金 with that income type, and
    a 明细科目 column as the line's 地方细化科目."""
    data = xlsx(
        [
            ["支出功能分类", "部门经济分类", "资金性质", "支出类型", "地方细化科目", "金额（元）"],
            [
                "2010101##行政运行",
                "30299##其他商品和服务支出",
                "事业收入",
                "公用经费",
                "信息化运维",
                5,
            ],
        ]
    )
    submission = fresh_submission("收入类型单位")
    mapped_import(submission, data)
    line = BudgetLine.objects.get(submission=submission)
    assert (line.fund_source, line.income_type, line.sub_item) == (
        "unit_funds",
        "business",
        "信息化运维",
    )


@pytest.mark.django_db
def test_import_faults_of_a_mapped_file_name_its_own_columns(demo):
    """What the template's import refuses (a code not in the year's list) is said of the
    source file's row and column header."""
    data = xlsx(
        [
            ["支出功能分类", "部门经济分类", "资金性质", "支出类型", "金额（万元）"],
            ["2010101 行政运行", "30101 基本工资", "一般公共预算拨款", "人员经费", 1],
            ["2999999 不存在", "30101 基本工资", "一般公共预算拨款", "人员经费", 2],
        ]
    )
    with pytest.raises(ValidationError) as info:
        mapped_import(fresh_submission("错误单位"), data)
    assert any(
        m.startswith("「支出明细」表 第3行 A列“支出功能分类”：") and "2999999" in m
        for m in info.value.messages
    ), info.value.messages


# --- saved mappings ---------------------------------------------------------------------------

ODD_HEADERS = ["科目一", "科目二", "来源", "类", "数额"]
ODD_COLUMNS = {
    "func_code": "科目一",
    "dept_econ_code": "科目二",
    "fund_source": "来源",
    "expense_kind": "类",
    "amount": "数额",
}


@pytest.mark.django_db
def test_saved_mapping_reused_for_the_next_file(demo):
    """A 财政管理员 saves a mapping of headers no alias knows; the next file with those headers
    is read with it (header row found, columns preselected, its unit) and imports."""
    admin = user_with(ADMIN)
    mapping = header_mapping_save(
        user=admin, name="某平台导出", columns=ODD_COLUMNS, amount_unit=WAN
    )
    assert mapping.updated_by == admin and mapping.columns == ODD_COLUMNS
    data = xlsx(
        [
            ["导出"],
            ODD_HEADERS,
            ["2010101##行政运行", "30101##基本工资", "一般公共预算", "人员经费", Decimal("1.5")],
            ["2010101##行政运行", "30201##办公费", "一般公共预算", "公用经费", Decimal("0.25")],
        ]
    )
    with pytest.raises(ValidationError):
        source_read(data)  # no alias: the header row is found only with the mapping
    saved = ImportHeaderMapping.objects.get(name="某平台导出")
    sheet = source_read(data, known_headers=saved.columns.values())
    assert mapping_suggest(sheet, saved.columns) == ODD_COLUMNS
    submission = fresh_submission("复用单位")
    mapped_import(submission, data, saved=saved.columns, unit=saved.amount_unit)
    assert sorted(
        BudgetLine.objects.filter(submission=submission).values_list("amount", flat=True)
    ) == [
        Decimal("2500.00"),
        Decimal("15000.00"),
    ]
    # saving by the same name replaces it
    header_mapping_save(user=admin, name="某平台导出", columns=ODD_COLUMNS, amount_unit=YUAN)
    assert ImportHeaderMapping.objects.get().amount_unit == YUAN


@pytest.mark.django_db
def test_filler_cannot_save_a_mapping(demo):
    """Only a 财政管理员 saves or changes mappings: a 填报人 is refused and nothing is saved."""
    filler = user_with(FILLER, [demo.unit])
    assert header_mapping_save_refusal(filler)
    assert header_mapping_save_refusal(user_with(ADMIN)) is None
    with pytest.raises(PermissionDenied):
        header_mapping_save(user=filler, name="我的映射", columns=ODD_COLUMNS, amount_unit=YUAN)
    assert not ImportHeaderMapping.objects.exists()


@pytest.mark.django_db
def test_a_mapping_needs_the_required_fields_and_a_name():
    """A mapping without 金额 or a name, or one column for two fields, is refused in Chinese."""
    admin = user_with(ADMIN)
    with pytest.raises(ValidationError) as info:
        header_mapping_save(
            user=admin,
            name=" ",
            columns={"func_code": "甲", "dept_econ_code": "甲"},
            amount_unit=YUAN,
        )
    text = "".join(info.value.messages)
    assert "映射名称" in text and "“金额”" in text and "同时选给了" in text
    assert not ImportHeaderMapping.objects.exists()


# --- the desk pages ---------------------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    """Uploaded files go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def platform_upload(rows, name="一体化导出.xlsx"):
    return SimpleUploadedFile(name, platform_file(rows), content_type="application/octet-stream")


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_desk_upload_columns_preview_confirm(client, demo):
    """A 填报人 uploads a platform file: the columns are preselected by alias and the unit read
    as 万元; 预览 is the template import's preview and saves nothing; 确认导入 replaces the lines
    with the file's; a 填报人 is offered no 保存为映射 and saving is refused."""
    rows = template_rows(budget_export_workbook(submission=demo))
    rows = [r for r in rows if r["kind"] != "项目支出"][:5]
    demo = fresh_submission("页面单位")  # no lines yet
    client.force_login(user_with(FILLER, [demo.unit]))
    excel = client.get(reverse("desk:excel", kwargs={"pk": demo.pk}))
    assert reverse("desk:excel_mapped", kwargs={"pk": demo.pk}) in excel.content.decode()
    response = client.post(
        reverse("desk:excel_mapped", kwargs={"pk": demo.pk}), {"file": platform_upload(rows)}
    )
    assert response.status_code == 302
    columns_url = response["Location"]
    page = client.get(columns_url)
    form = page.context["form"]
    assert form["col_func_code"].value() == "支出功能分类科目"
    assert form["col_amount"].value() == "预算金额（万元）"
    assert form["amount_unit"].value() == WAN
    assert "save" not in form.fields
    body = page.content.decode()
    assert "第 3 行是表头" in body
    post = {k: form[k].value() or "" for k in form.fields if k.startswith("col_")}
    post.update(amount_unit=WAN)

    refused = client.post(columns_url, {**post, "action": "save", "save_name": "我的"})
    assert refused.status_code == 403 and not ImportHeaderMapping.objects.exists()

    lines_before = BudgetLine.objects.filter(submission=demo).count()
    response = client.post(columns_url, {**post, "action": "preview"})
    assert response.status_code == 302 and "/excel/mapped/preview/" in response["Location"]
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and preview.context["preview"].ok
    assert preview.context["preview"].lines_after == 5
    assert "确认导入" in preview.content.decode()
    assert BudgetLine.objects.filter(submission=demo).count() == lines_before
    confirm = reverse(
        "desk:excel_mapped_confirm",
        kwargs={"pk": demo.pk, "token": preview.context["pending"].token},
    )
    done = client.post(confirm, {"digest": preview.context["preview"].digest}, follow=True)
    assert "导入预算明细 5 条" in done.content.decode()
    assert BudgetLine.objects.filter(submission=demo).count() == 5
    assert not ImportHeaderMapping.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_desk_faults_and_import_errors_name_the_source_columns(client, demo):
    """A bad 万元 amount is shown on the columns page by the source row and header; a code the
    year does not have is shown in the preview by the source sheet and header."""
    client.force_login(user_with(FILLER, [demo.unit]))
    rows = template_rows(budget_export_workbook(submission=demo))[:3]
    bad = [dict(rows[0], amount=Decimal("0.01")), *rows[1:]]  # 0.000001 万元 is 0.01 元: fine
    bad[1] = dict(bad[1], func="2999999##不存在")
    response = client.post(
        reverse("desk:excel_mapped", kwargs={"pk": demo.pk}), {"file": platform_upload(bad)}
    )
    columns_url = response["Location"]
    form = client.get(columns_url).context["form"]
    post = {k: form[k].value() or "" for k in form.fields if k.startswith("col_")}
    wrong_unit = client.post(columns_url, {**post, "amount_unit": YUAN, "action": "preview"})
    assert wrong_unit.status_code == 400  # 0.000001 read as 元 has too many decimals
    assert "第4行 B列“预算金额（万元）”" in wrong_unit.content.decode()
    response = client.post(columns_url, {**post, "amount_unit": WAN, "action": "preview"})
    preview = client.get(response["Location"])
    errors = preview.context["preview"].errors
    assert any(e.startswith("「支出明细」表 第5行 C列“支出功能分类科目”：") for e in errors), errors


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_desk_admin_saves_a_mapping_without_importing(client, demo):
    """A 财政管理员, who may not import, uploads a sample, saves its columns as a mapping (and
    is offered no 预览); choosing the mapping preselects its columns."""
    admin = user_with(ADMIN)
    client.force_login(admin)
    data = xlsx([ODD_HEADERS, ["2010101", "30101", "一般公共预算", "人员经费", 1]])
    response = client.post(
        reverse("desk:excel_mapped", kwargs={"pk": demo.pk}),
        {"file": SimpleUploadedFile("样例.xlsx", data)},
    )
    columns_url = response["Location"]
    page = client.get(columns_url)
    assert page.status_code == 400 and "没有找到表头" in page.content.decode()  # no alias
    header_mapping_save(user=admin, name="某平台导出", columns=ODD_COLUMNS, amount_unit=WAN)
    response = client.post(
        reverse("desk:excel_mapped", kwargs={"pk": demo.pk}),
        {"file": SimpleUploadedFile("样例.xlsx", data)},
    )
    columns_url = response["Location"]
    saved = ImportHeaderMapping.objects.get()
    page = client.get(f"{columns_url}?mapping={saved.pk}")
    form = page.context["form"]
    assert form["col_amount"].value() == "数额" and form["amount_unit"].value() == WAN
    assert 'value="preview"' not in page.content.decode()
    assert not page.context["may_import"] and page.context["may_save"]
    post = {k: form[k].value() or "" for k in form.fields if k.startswith("col_")}
    post.update(amount_unit=YUAN, mapping=saved.pk, save_name="某平台导出（元）", action="save")
    assert client.post(columns_url, post).status_code == 302
    assert ImportHeaderMapping.objects.get(name="某平台导出（元）").columns == ODD_COLUMNS


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_mapping_ticked_is_saved_only_at_confirm(client, demo):
    """保存为映射 ticked by one who may import and save (a superuser): nothing is saved at 预览
    nor at 取消导入; 确认导入 saves the lines and the mapping together."""
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root-mapping", password="x-1")
    client.force_login(root)
    rows = list(template_rows(budget_export_workbook(submission=demo)))[:3]
    rows = [r for r in rows if r["kind"] != "项目支出"]
    submission = fresh_submission("保存映射单位")

    def previewed():
        response = client.post(
            reverse("desk:excel_mapped", kwargs={"pk": submission.pk}),
            {"file": platform_upload(rows)},
        )
        columns_url = response["Location"]
        form = client.get(columns_url).context["form"]
        assert "save" in form.fields
        post = {k: form[k].value() or "" for k in form.fields if k.startswith("col_")}
        post.update(amount_unit=WAN, save="on", save_name="一体化平台", action="preview")
        preview = client.get(client.post(columns_url, post)["Location"])
        assert "将把这次的列对应保存为映射“一体化平台”" in preview.content.decode()
        return preview.context

    context = previewed()
    assert not ImportHeaderMapping.objects.exists()
    token = context["pending"].token
    client.post(reverse("desk:excel_mapped_cancel", kwargs={"pk": submission.pk, "token": token}))
    assert not ImportHeaderMapping.objects.exists()
    assert not BudgetLine.objects.filter(submission=submission).exists()

    context = previewed()
    token = context["pending"].token
    done = client.post(
        reverse("desk:excel_mapped_confirm", kwargs={"pk": submission.pk, "token": token}),
        {"digest": context["preview"].digest},
        follow=True,
    )
    assert "已保存映射“一体化平台”" in done.content.decode()
    mapping = ImportHeaderMapping.objects.get()
    assert mapping.amount_unit == WAN and mapping.columns["amount"] == "预算金额（万元）"
    assert BudgetLine.objects.filter(submission=submission).count() == len(rows)


@pytest.mark.django_db
def test_admin_form_checks_a_mapping_as_the_desk_does():
    """The admin's form refuses what the desk's 保存为映射 refuses: columns that are not a field
    → header table, formula-like header text; a good mapping is saved as cleaned."""
    from units.admin import ImportHeaderMappingForm

    bad_shape = ImportHeaderMappingForm(
        data={"name": "甲", "columns": '["金额"]', "amount_unit": "元"}
    )
    assert not bad_shape.is_valid()
    assert "列对应关系应为" in str(bad_shape.errors)
    formula = ImportHeaderMappingForm(
        data={"name": "乙", "columns": '{"amount": "=1+1"}', "amount_unit": "元"}
    )
    assert not formula.is_valid() and "公式" in str(formula.errors)
    good = ImportHeaderMappingForm(
        data={
            "name": "  丙  映射 ",
            "columns": json.dumps(ODD_COLUMNS, ensure_ascii=False),
            "amount_unit": "万元",
        }
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["name"] == "丙 映射"
