"""What the budget-line import accepts and refuses: code formats, numbers as Excel shows them and
shared strings are accepted; every bad input is refused with a Chinese message naming sheet,
row, column and reason, and nothing is saved; hostile files (billion laughs, zip bomb, not a zip,
huge row count, lying dimension) are refused or read in full, in bounded time and memory."""

import io
import re
import time
import tracemalloc
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests import hostile_workbooks as hostile
from tests.budget_workbooks import column_of, edited, refused, tables_of
from tests.factories import submission_create
from units import budget_excel
from units.budget_excel import LINE_COLUMNS, SHEET_LINES, workbook_write
from units.budget_import import budget_import, budget_template_workbook
from units.models import BudgetLine, ClassificationCode, CodeScheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty(demo):
    """A second unit's 2025 submission without lines (the demo loaded the 2025 codes)."""
    return submission_create(year=2025)


def letter_of(header) -> str:
    return budget_excel.column_letter(
        next(i for i, c in enumerate(LINE_COLUMNS) if c.header == header)
    )


def first_row(data: bytes, header: str, predicate) -> int:
    sheet = load_workbook(io.BytesIO(data))[SHEET_LINES]
    column = column_of(sheet, header)
    return next(r for r in range(2, sheet.max_row + 1) if predicate(sheet.cell(r, column).value))


def lines_workbook(rows: list[dict]) -> bytes:
    return workbook_write(
        lines=rows,
        functional=[],
        economic=[],
        fund_labels=[],
        category_labels=[],
        recurrence_labels=[],
        year=2025,
    )


def basic_row(amount="100.00", **extra) -> dict:
    return {
        "func": "2010101",
        "dept": "30101",
        "kind": "基本支出-人员",
        "amount": Decimal(amount),
        **extra,
    }


LINES_MEMBER = "xl/worksheets/sheet2.xml"  # 说明 is sheet1, 预算明细 sheet2


def lines_member(data: bytes) -> bytes:
    return hostile.member(data, LINES_MEMBER)


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    return hostile.member_replaced(data, name, content)


# --- accepted inputs -------------------------------------------------------------------------


def test_code_formats_text_numbers_and_defaults_are_accepted(empty):
    """code##name, spaced codes, numeric code cells, "1,234.50", float cells read exactly, a blank
    政府经济科目 from the mapping, blank 资金来源/结转 as defaults."""
    rows = [
        basic_row(func="2010101##行政运行", amount="1"),
        {**basic_row(), "func": "201 01 01", "amount": "1,234.50"},
        {**basic_row(), "func": 2010101, "dept": 30101, "amount": 1199000.1},
        {**basic_row(), "amount": "1234567.89", "fund": "一般公共预算", "carryover": "否"},
    ]
    report = budget_import(submission=empty, file=lines_workbook(rows))
    assert report.lines == 4
    lines = list(BudgetLine.objects.filter(submission=empty).order_by("id"))
    assert [line.amount for line in lines] == [
        Decimal("1.00"),
        Decimal("1234.50"),
        Decimal("1199000.10"),
        Decimal("1234567.89"),
    ]
    assert {line.func_code.code for line in lines} == {"2010101"}
    assert {line.gov_econ_code.code for line in lines} == {"50101"}
    assert {line.fund_source for line in lines} == {"general"}


def test_numbers_are_read_from_the_stored_text_as_excel_shows_them(empty):
    """A number cell is the Decimal of its stored text, to Excel's 15 significant digits: the
    17-digit artefact some Excel versions store for a typed 2.3 imports as 2.30."""
    data = lines_workbook([basic_row("2.3"), basic_row("9876543210.12")])
    body = lines_member(data).replace(b"<v>2.3</v>", b"<v>2.2999999999999998</v>", 1)
    assert b"2.2999999999999998" in body
    budget_import(submission=empty, file=replace_member(data, LINES_MEMBER, body))
    amounts = BudgetLine.objects.filter(submission=empty).order_by("id")
    assert [line.amount for line in amounts] == [Decimal("2.30"), Decimal("9876543210.12")]


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t>([^<]*)</t></is></c>'
)


def with_shared_strings(data: bytes) -> bytes:
    """The workbook as Excel saves it: 预算明细's inline strings moved to a shared string table,
    the first one split in two rich-text runs."""
    strings: list[bytes] = []

    def shared(match) -> bytes:
        strings.append(match[3])
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2], len(strings) - 1)

    body = INLINE.sub(shared, lines_member(data))
    assert strings, "the sheet had inline strings"
    first = strings[0]
    items = [b"<si><r><t>%s</t></r><r><rPr><b/></rPr><t>%s</t></r></si>" % (first[:3], first[3:])]
    items += [b"<si><t>%s</t></si>" % text for text in strings[1:]]
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + b"".join(items) + b"</sst>"
    )
    types = hostile.member(data, "[Content_Types].xml").replace(
        b"</Types>", SHARED_STRINGS_TYPE + b"</Types>"
    )
    data = replace_member(replace_member(data, LINES_MEMBER, body), "[Content_Types].xml", types)
    return hostile.member_added(data, "xl/sharedStrings.xml", table)


def test_workbook_with_shared_strings_imports_like_the_inline_one(demo, exported):
    """The export saved the way Excel saves (shared strings, rich-text runs) imports to the
    same tables as the export itself."""
    original = tables_of(demo)
    report = budget_import(submission=demo, file=with_shared_strings(exported))
    assert report.lines == 53
    assert tables_of(demo) == original


# --- refused inputs --------------------------------------------------------------------------


def test_999_good_rows_and_one_bad_save_nothing(empty):
    """One bad row among 1000 refuses the whole file; the error names that row."""
    rows = [basic_row(str(n)) for n in range(1, 1001)]  # distinct: identical rows are refused
    rows[736] = basic_row(func="2999999")
    messages = refused(empty, lines_workbook(rows))
    assert messages == [
        "「预算明细」表 第738行 A列（功能科目）：功能科目「2999999」不在2025年支出功能分类科目表中"
        "（见「功能分类」表）。"
    ]


def other_year_code():
    ClassificationCode.objects.create(
        scheme=CodeScheme.FUNCTIONAL, year=2024, code="2019998", name="旧科目", level=3
    )
    return "2019998"


BASIC = "basic"
PROJECT = "project"


@pytest.mark.parametrize(
    ("line", "header", "value", "reason"),
    [
        (BASIC, "功能科目", "2999999", "功能科目「2999999」不在2025年支出功能分类科目表中"),
        (BASIC, "功能科目", other_year_code, "是2024年的科目，不能用于2025年预算"),
        (BASIC, "功能科目", "201 01", "不是项级科目，请选择项级科目"),
        (BASIC, "功能科目", "20101a1", "格式无效"),
        (BASIC, "部门经济科目", "30201", "人员经费只能使用工资福利支出"),
        (BASIC, "部门经济科目", None, "部门经济科目不能为空"),
        (BASIC, "政府经济科目", "50201", "不属于对应的类"),
        (PROJECT, "项目名称", None, "项目支出必须填写项目名称"),
        (BASIC, "项目名称", "某项目", "基本支出不能填写项目信息"),
        (PROJECT, "项目类别", "运转类", "项目类别「运转类」无效"),
        (BASIC, "金额（元）", -5, "金额不能为负数"),
        (BASIC, "金额（元）", "-5.00", "金额不能为负数"),
        (BASIC, "金额（元）", 0.125, "最多只能有两位小数"),
        (BASIC, "金额（元）", "0.125", "最多只能有两位小数"),
        (BASIC, "金额（元）", "1,23.4", "「1,23.4」不是有效的金额"),
        (BASIC, "金额（元）", "1，234", "不是有效的金额"),
        (BASIC, "金额（元）", "100元", "不是有效的金额"),
        (BASIC, "金额（元）", None, "金额不能为空"),
        (BASIC, "金额（元）", "=1+1", "单元格是公式但没有计算结果"),
        (
            BASIC,
            "支出类型",
            "基本支出",
            "支出类型「基本支出」无效。应为 基本支出-人员、基本支出-公用、项目支出 之一",
        ),
        (BASIC, "资金来源", "自有资金", "资金来源「自有资金」无效"),
        (BASIC, "是否上年结转", "可能", "是否上年结转「可能」无效"),
        (PROJECT, "资金批次", "0", "资金批次必须是 1 到 999 的整数"),
    ],
)
def test_bad_cell_is_refused_with_sheet_row_column_and_reason(
    demo, exported, line, header, value, reason
):
    """Each bad input gives 「预算明细」表 第N行 X列（header）：reason, and nothing is saved."""
    if callable(value):
        value = value()
    row = first_row(exported, "项目名称", lambda v: (v is None) == (line == BASIC))
    messages = refused(demo, edited(exported, row, header, value))
    where = f"「预算明细」表 第{row}行 {letter_of(header)}列（{header}）："
    assert any(m.startswith(where) and reason in m for m in messages), messages


def test_project_attributes_must_agree_and_be_given(empty):
    """Rows of one project with different 项目类别 are refused, naming the first row."""
    rows = [
        {
            **basic_row(),
            "kind": "项目支出",
            "dept": "30201",
            "project": "甲",
            "category": "其他运转类",
            "recurrence": "经常性项目",
        },
        {
            **basic_row(),
            "kind": "项目支出",
            "dept": "30201",
            "project": "甲",
            "category": "特定目标类",
        },
        {**basic_row(), "kind": "项目支出", "dept": "30201", "project": "乙"},
        {
            **basic_row(),
            "kind": "项目支出",
            "dept": "30201",
            "project": "丙",
            "batch": 2,
            "category": "其他运转类",
            "recurrence": "一次性项目",
        },
    ]
    messages = refused(empty, lines_workbook(rows))
    assert (
        "「预算明细」表 第3行 I列（项目类别）：与第2行同一项目「甲」（资金批次 1）填写的不一致。"
        in messages
    )
    assert any(
        m.startswith("「预算明细」表 第4行：项目「乙」") and "项目类别、项目属性" in m
        for m in messages
    )
    assert any("项目「丙」有资金批次 2，但没有主批次" in m for m in messages)


def test_every_error_is_listed_at_once(demo, exported):
    """Errors in several rows and columns are all reported together, in row order."""
    data = edited(exported, 2, "金额（元）", "abc")
    data = edited(data, 3, "支出类型", "奖金")
    data = edited(data, 5, "功能科目", "1")
    messages = refused(demo, data)
    assert [m.split("：")[0] for m in messages] == [
        "「预算明细」表 第2行 L列（金额（元））",
        "「预算明细」表 第3行 D列（支出类型）",
        "「预算明细」表 第5行 A列（功能科目）",
    ]


def test_missing_sheet_and_header_and_blank_file(demo, exported):
    """A workbook without 预算明细, a header without a required column, and an empty sheet."""
    workbook = load_workbook(io.BytesIO(exported))
    workbook[SHEET_LINES].title = "明细"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "缺少工作表「预算明细」" in refused(demo, buffer.getvalue())[0]
    data = edited(exported, 1, "金额（元）", "数额")
    assert "表头缺少列：金额（元）" in refused(demo, data)[0]
    assert "没有任何预算明细行" in refused(demo, budget_template_workbook(year=2025))[0]


def test_identical_rows_are_refused_naming_both(empty):
    """Two rows equal in every column (a row pasted twice) are refused, naming both rows and
    saying how to fix it; rows differing only in 备注 are two lines."""
    rows = [basic_row("100"), basic_row("200"), basic_row("100"), basic_row("100", note="二")]
    messages = refused(empty, lines_workbook(rows))
    assert messages == [
        "「预算明细」表 第4行：与第2行完全相同（每一列都一样），可能是重复录入。请删除其中一行；"
        "如确是两笔支出，请把金额合并到一行，或在“备注”中写明区别。"
    ]


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        (
            "金额（元）",
            "１２３.４５",
            "金额「１２３.４５」含全角数字“１”，请改用半角数字 0–9 填写。",
        ),
        ("金额（元）", "1２3", "金额「1２3」含全角数字“２”，请改用半角数字 0–9 填写。"),
        (
            "功能科目",
            "２０１０１０１",
            "功能科目「２０１０１０１」含全角数字“２”，请改用半角数字 0–9 填写。",
        ),
        ("资金批次", "２", "资金批次「２」含全角数字“２”，请改用半角数字 0–9 填写。"),
    ],
)
def test_fullwidth_digits_are_refused_naming_the_cell(demo, exported, header, value, message):
    """Full-width digits in an amount, a code or a 资金批次 are refused at their cell, telling
    the user to type half-width digits (the template's number rule says so too)."""
    row = first_row(exported, "项目名称", lambda v: (v is None) == (header != "资金批次"))
    messages = refused(demo, edited(exported, row, header, value))
    assert f"「预算明细」表 第{row}行 {letter_of(header)}列（{header}）：{message}" in messages
    assert "半角数字（0–9）" in budget_excel.TEXT_NUMBER_RULE


def test_over_long_header_cell_is_reported_as_too_long_not_as_a_missing_column(demo, exported):
    """A header cell longer than Excel's 32,767 characters is reported at its cell, not as a
    missing 金额 column."""
    # openpyxl truncates what it writes to 32,767 characters: the cell is written into the XML.
    header = "<t>金额（元）</t>".encode()
    body = lines_member(exported).replace(header, f"<t>{'金' * 40_000}</t>".encode(), 1)
    messages = refused(demo, replace_member(exported, LINES_MEMBER, body))
    assert messages == [
        f"「预算明细」表 第1行 {letter_of('金额（元）')}列："
        "单元格内容过长（超过 32767 个字符），请删减后再导入。"
    ]


@pytest.mark.parametrize(
    ("line", "header", "value"),
    [(PROJECT, "项目名称", '=HYPERLINK("http://x","y")'), (BASIC, "备注", "@SUM(A1)")],
)
def test_formula_like_text_is_refused_at_its_cell(demo, exported, line, header, value):
    """Free text that a spreadsheet would run as a formula is refused at its cell with the
    shared rule's message; nothing is saved."""
    row = first_row(exported, "项目名称", lambda v: (v is None) == (line == BASIC))
    workbook = load_workbook(io.BytesIO(exported))
    sheet = workbook[SHEET_LINES]
    cell = sheet.cell(row=row, column=column_of(sheet, header))
    cell.value, cell.data_type = value, "s"  # text, as a user pasting it would store it
    buffer = io.BytesIO()
    workbook.save(buffer)
    messages = refused(demo, buffer.getvalue())
    where = f"「预算明细」表 第{row}行 {letter_of(header)}列（{header}）：不能以“{value[0]}”开头"
    assert any(m.startswith(where) for m in messages), messages


# --- hostile files ---------------------------------------------------------------------------


def test_not_a_zip_and_old_excel_are_refused(demo):
    """Plain text, a damaged zip and a .xls file get clear messages."""
    assert "不是 Excel（.xlsx）工作簿" in refused(demo, b"hello, world")[0]
    assert "文件已损坏或不是 zip 格式" in refused(demo, b"PK\x03\x04" + b"\x00" * 200)[0]
    assert "不支持旧版 Excel（.xls）" in refused(demo, b"\xd0\xcf\x11\xe0" + b"\x00" * 100)[0]


def test_file_size_limit(demo):
    """A file over MAX_FILE_BYTES is refused before being opened."""
    data = b"PK\x03\x04" + b"\x00" * (budget_excel.MAX_FILE_BYTES + 1)
    assert "文件过大" in refused(demo, data)[0]


def without_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def test_billion_laughs_is_refused_before_any_tree_parser(demo, exported):
    """A sheet declaring nested entities is refused (by the streaming scan, before openpyxl and
    defusedxml) with a clear message."""
    body = without_declaration(lines_member(exported))
    bomb = hostile.BILLION_LAUGHS + body.replace(b"\xe8\xa1\x8c\xe6\x94\xbf", b"&lol9;", 1)
    started = time.monotonic()
    messages = refused(demo, replace_member(exported, LINES_MEMBER, bomb))
    assert time.monotonic() - started < 10
    assert "不允许的 XML 实体" in messages[0]


def test_billion_laughs_in_workbook_part_is_refused(demo, exported):
    """Entities in xl/workbook.xml (parsed while opening) are refused the same way."""
    source = hostile.member(exported, "xl/workbook.xml")
    bomb = hostile.BILLION_LAUGHS + without_declaration(source)
    messages = refused(demo, replace_member(exported, "xl/workbook.xml", bomb))
    assert "不允许的 XML 实体" in messages[0]


def test_zip_bomb_is_refused_before_parsing_in_bounded_memory(demo, exported):
    """A member inflating to 300 MB (from a file of a few hundred KB) is refused from the zip
    directory alone: little time, little memory."""
    bomb = hostile.zip_bomb(exported, LINES_MEMBER, megabytes=300)
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    try:
        messages = refused(demo, bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 30 * 1024 * 1024
    assert "压缩炸弹" in messages[0] and "超过 200 MB 的上限" in messages[0]


def test_zip_member_with_lying_size_is_refused(demo, exported):
    """A member whose directory entry claims a small size is never inflated past that size:
    the CRC check fails and the file is refused as damaged, in Chinese only (no exception
    text such as "Bad CRC-32")."""
    data = hostile.declared_size_lying(exported, LINES_MEMBER, padding=20 << 20)
    tracemalloc.start()
    try:
        messages = refused(demo, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024
    assert messages == [
        "无法读取 Excel 文件：文件已损坏（压缩数据损坏或校验失败）。"
        "请用 Excel 打开后另存为 .xlsx，再重新导入。"
    ]


def raw_rows(count: int) -> bytes:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>2010101</t></is></c></row>'
        for n in range(2, count + 2)
    )
    return rows.encode()


def test_huge_row_count_is_refused(demo, exported):
    """A sheet with 60,000 data rows (over the 50,000 limit) is refused, quickly."""
    body = lines_member(exported)
    header_end = body.index(b"</row>") + len(b"</row>")
    end = body.index(b"</sheetData>")
    hostile = body[:header_end] + raw_rows(60_000) + body[end:]
    data = replace_member(exported, LINES_MEMBER, hostile)
    started = time.monotonic()
    messages = refused(demo, data)
    assert time.monotonic() - started < 60
    assert messages == ["「预算明细」表：数据行超过 50000 行的上限，请分批导入。"]


def test_wrong_declared_dimension_never_drops_rows(empty):
    """A sheet whose <dimension> says A1:A2 but holds 50 data rows: all 50 rows are read."""
    data = lines_workbook([basic_row(str(n)) for n in range(1, 51)])
    body = lines_member(data)
    lying = re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:A2"/>', body)
    assert lying != body
    data = replace_member(data, LINES_MEMBER, lying)
    # openpyxl alone, trusting the dimension, would see only 2 rows:
    naive = load_workbook(io.BytesIO(data), read_only=True)[SHEET_LINES]
    assert naive.max_row == 2 and len(list(naive.iter_rows())) == 2
    report = budget_import(submission=empty, file=data)
    assert report.lines == 50
    assert sum(line.amount for line in BudgetLine.objects.filter(submission=empty)) == Decimal(1275)
