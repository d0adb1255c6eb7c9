"""The Excel workbook, read back with openpyxl: the demo's tables 1–14 cell for cell against the
displayed grid, merged headers, target sheets, formula-like user text, draft marking, print
set-up."""

import dataclasses
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from performance.demo import demo_load
from performance.models import Indicator, ProjectTarget
from performance.sheets import MONEY, sheet_grid
from tables.document.build import document_build
from tables.document.render.xlsx import (
    DRAFT_MARK,
    DRAFT_TITLE_SUFFIX,
    MONEY_FORMAT,
    TABLE_HEADER_START,
    TARGET_GRID_START,
    _SheetNames,
    disclosure_workbook,
    table_sheet_name,
    table_workbook,
)
from tables.figures.formatting import body_grid, chinese_numeral, table_grid
from tables.figures.types import Column, HeaderCell, Row, Table
from units.models import Project

pytestmark = pytest.mark.django_db

TABLE_CODES = [f"T{n:02d}" for n in range(1, 15)]


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = document_build(submission=demo_load(), is_draft=True)
        transaction.set_rollback(True)
    return result


@pytest.fixture(scope="module")
def workbook_bytes(document):
    return disclosure_workbook(document)


@pytest.fixture(scope="module")
def workbook(workbook_bytes):
    return load_workbook(io.BytesIO(workbook_bytes))


def sheet_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        }


def expected_ranges(rows, width: int, first_row: int) -> set[str]:
    """Merged ranges implied by rows of cells with colspan/rowspan, placed as in HTML."""
    taken = [[False] * width for _ in rows]
    ranges = set()
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            if cell.rowspan > 1 or cell.colspan > 1:
                top, left = first_row + r, c + 1
                ranges.add(
                    f"{get_column_letter(left)}{top}:"
                    f"{get_column_letter(left + cell.colspan - 1)}{top + cell.rowspan - 1}"
                )
            c += cell.colspan
    return ranges


def merged_between(sheet, first_row: int, last_row: int) -> set[str]:
    return {
        str(r)
        for r in sheet.merged_cells.ranges
        if first_row <= r.min_row and r.max_row <= last_row
    }


def text_of(value) -> str:
    return "" if value is None else value


def test_sheets_in_order_with_valid_unique_names(document, workbook):
    """Tables 1–14 come first, then the unit target and one sheet per project target; names are
    at most 31 characters and unique."""
    names = workbook.sheetnames
    assert names[:14] == [table_sheet_name(document.tables[code]) for code in TABLE_CODES]
    assert names[0] == "表一 预算收支总表"
    assert names[13].startswith("表十四 ")
    assert names[14] == "绩效目标 整体支出"
    assert names[15] == "目标01 人大会刊费"
    assert len(names) == 15 + len(document.project_target_sheets)
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names}) == len(names)


@pytest.mark.parametrize("code", TABLE_CODES)
def test_table_cells_equal_displayed_grid(document, workbook, code):
    """Every cell of a table sheet is the displayed grid's: amounts as numbers equal to the
    displayed value with format 0.00, text as text, empty exactly where the grid is empty."""
    table = document.tables[code]
    sheet = workbook[table_sheet_name(table)]
    width = len(table.columns)
    grid = table_grid(table)
    top = TABLE_HEADER_START
    assert sheet.max_column == width

    n_header = len(table.header)
    for r, expected_row in enumerate(grid):
        cells = [sheet.cell(row=top + r, column=c + 1) for c in range(width)]
        if r < n_header:
            assert [text_of(cell.value) for cell in cells] == expected_row
            continue
        for cell, column, text in zip(cells, table.columns, expected_row, strict=True):
            if column.kind == "money" and text:
                assert isinstance(cell.value, int | float), cell.coordinate
                assert Decimal(str(cell.value)) == Decimal(text), cell.coordinate
                assert cell.number_format == MONEY_FORMAT
            elif column.kind == "money":
                assert cell.value is None, cell.coordinate
            else:
                assert text_of(cell.value) == text, cell.coordinate
                assert cell.value is None or cell.data_type == "s"

    after = top + len(grid)
    if table.note:
        assert sheet.cell(row=after, column=1).value == table.note
        after += 1
    assert sheet.max_row < after


@pytest.mark.parametrize("code", TABLE_CODES)
def test_amounts_are_the_displayed_values(document, workbook, code):
    """The number in each amount cell is `to_display` of the derived amount, so totals and
    parts read back as the published figures (e.g. 表一's 1175.95)."""
    table = document.tables[code]
    sheet = workbook[table_sheet_name(table)]
    body_start = TABLE_HEADER_START + len(table.header)
    for r, texts in enumerate(body_grid(table)):
        for c, text in enumerate(texts):
            if table.columns[c].kind == "money":
                value = sheet.cell(row=body_start + r, column=c + 1).value
                assert (f"{Decimal(str(value)):.2f}" if value is not None else "") == text
    if code == "T01":
        assert sheet.cell(row=body_start, column=2).value == 1175.95


@pytest.mark.parametrize("code", TABLE_CODES)
def test_title_lines_and_merged_header(document, workbook, code):
    """Form label, title, 单位名称 and 单位 lines above the header; the merged header ranges are
    exactly those implied by Table.header's colspan/rowspan."""
    table = document.tables[code]
    sheet = workbook[table_sheet_name(table)]
    width = len(table.columns)
    last = get_column_letter(width)
    assert sheet["A1"].value == table.label
    assert sheet["A2"].value == table.title + DRAFT_TITLE_SUFFIX
    assert sheet["A3"].value == f"单位名称：{table.unit_name}"
    assert sheet["A4"].value == f"单位：{table.money_unit}"
    if width > 1:
        assert {f"A{r}:{last}{r}" for r in range(1, 5)} <= merged_between(sheet, 1, 4)

    header_end = TABLE_HEADER_START + len(table.header) - 1
    expected = expected_ranges(table.header, width, TABLE_HEADER_START)
    assert merged_between(sheet, TABLE_HEADER_START, header_end) == expected
    # Nothing merged in the body.
    body_end = header_end + len(table.rows)
    assert merged_between(sheet, header_end + 1, body_end) == set()


def test_known_header_merges(document, workbook):
    """Spot checks against the printed forms: 表一's 收入/支出 spans and 表四's three-row header."""
    t01 = workbook[table_sheet_name(document.tables["T01"])]
    assert {"A5:B5", "C5:F5"} <= {str(r) for r in t01.merged_cells.ranges}
    t04 = workbook[table_sheet_name(document.tables["T04"])]
    assert {"A6:A7", "B6:B7", "C6:C7", "D6:G6"} <= {str(r) for r in t04.merged_cells.ranges}


def test_empty_tables_carry_their_note(document, workbook):
    """表七–表九 have no data: the "注：本表无数据" line follows their body."""
    for code in ("T07", "T08", "T09"):
        table = document.tables[code]
        sheet = workbook[table_sheet_name(table)]
        note_row = TABLE_HEADER_START + len(table.header) + len(table.rows)
        assert sheet.cell(row=note_row, column=1).value == "注：本表无数据"


def test_target_sheets_equal_their_grids(document, workbook):
    """Each target sheet is its TargetSheet grid: texts as texts, amounts as numbers printed
    as the grid prints them, and the same merges (一级/二级 over their rows included)."""
    sheets = [document.unit_target_sheet, *document.project_target_sheets]
    for name, target in zip(workbook.sheetnames[14:], sheets, strict=True):
        sheet = workbook[name]
        assert sheet["A1"].value == target.title + DRAFT_TITLE_SUFFIX
        assert sheet["A2"].value == target.subtitle
        grid = sheet_grid(target)
        kinds = sheet_grid_kinds(target)
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                cell = sheet.cell(row=TARGET_GRID_START + r, column=c + 1)
                if kinds[r][c] == MONEY and text:
                    assert isinstance(cell.value, int | float)
                    assert number_text(cell.value, cell.number_format) == text
                else:
                    assert text_of(cell.value) == text, (name, cell.coordinate)
        grid_end = TARGET_GRID_START + len(grid) - 1
        expected = expected_ranges(target.rows, target.columns, TARGET_GRID_START)
        assert merged_between(sheet, TARGET_GRID_START, grid_end) == expected
        footer = sheet.cell(row=grid_end + 1, column=1).value
        assert all(label in footer for label, _ in target.footer)


def sheet_grid_kinds(target) -> list[list[str]]:
    kinds = [[""] * target.columns for _ in target.rows]
    taken = [[False] * target.columns for _ in target.rows]
    for r, row in enumerate(target.rows):
        c = 0
        for cell in row:
            while taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            kinds[r][c] = cell.kind
            c += cell.colspan
    return kinds


def number_text(value, number_format: str) -> str:
    places = len(number_format.partition(".")[2])
    separator = "," if "," in number_format else ""
    return f"{Decimal(str(value)):{separator}.{places}f}"


def test_every_indicator_appears(document, workbook):
    """Every 三级指标 and 指标值 of the demo's targets is in a target sheet, and the 一级/二级
    labels of the indicator blocks are merged cells."""
    values = set()
    for name in workbook.sheetnames[14:]:
        for row in workbook[name].iter_rows(values_only=True):
            values.update(v for v in row if isinstance(v, str))
    targets = document.targets
    indicators = list(targets.unit_target.indicators)
    for target in targets.project_targets:
        indicators += target.indicators
    assert indicators
    for indicator in indicators:
        assert indicator.name in values
        assert indicator.text in values

    unit = workbook["绩效目标 整体支出"]
    merged_labels = {unit.cell(row=r.min_row, column=r.min_col).value for r in unit.merged_cells}
    assert {"产出指标", "效益指标", "数量指标"} <= merged_labels


def test_draft_marked_on_every_sheet(workbook):
    """A draft's sheets carry 草稿 in the printed page header and in the title."""
    for sheet in workbook.worksheets:
        assert sheet.oddHeader.center.text == DRAFT_MARK
        title_row = 2 if sheet.title.startswith("表") else 1
        assert sheet.cell(row=title_row, column=1).value.endswith(DRAFT_TITLE_SUFFIX)


def test_published_has_no_draft_mark(document):
    """A published document's workbook has 草稿 nowhere: not in cells, not in page headers."""
    data = disclosure_workbook(dataclasses.replace(document, is_draft=False))
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        assert not sheet.oddHeader.center.text
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and DRAFT_MARK in v for v in row)
    assert all(DRAFT_MARK not in xml for xml in sheet_xml(data).values())


def test_frozen_header_and_print_setup(document, workbook):
    """Table sheets freeze below the header and repeat the header rows on each printed page;
    every sheet prints on A4, one page wide; the wide 表一 prints landscape."""
    for code in TABLE_CODES:
        table = document.tables[code]
        sheet = workbook[table_sheet_name(table)]
        body_start = TABLE_HEADER_START + len(table.header)
        assert sheet.freeze_panes == f"A{body_start}"
        assert sheet.print_title_rows == f"${TABLE_HEADER_START}:${body_start - 1}"
    for sheet in workbook.worksheets:
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert workbook[workbook.sheetnames[0]].page_setup.orientation == "landscape"
    assert workbook[workbook.sheetnames[2]].page_setup.orientation == "portrait"


def test_column_widths_fit_chinese_text(document, workbook):
    """Text columns are wide enough for their longest line (a CJK character counts double),
    up to a cap beyond which the text wraps."""
    sheet = workbook[table_sheet_name(document.tables["T12"])]
    # 项目名称 column: "阳城县人民代表大会常务委员会办公室" is 17 characters, 34 units.
    assert sheet.column_dimensions["A"].width >= 34
    assert sheet.column_dimensions["B"].width >= 12


def test_no_formulas_anywhere(workbook_bytes):
    """The sheet XML of the demo has no formula element."""
    for name, xml in sheet_xml(workbook_bytes).items():
        assert "<f>" not in xml and "<f " not in xml, name


def test_formula_like_user_text_stays_text():
    """Project names, project texts and indicator texts that look like formulas are written as
    text (with Excel's quote prefix): read back unchanged, and no <f> element in the XML."""
    with transaction.atomic():
        submission = demo_load()
        projects = list(Project.objects.filter(submission=submission).order_by("position", "id"))
        first = projects[0]
        Project.objects.filter(pk=first.pk).update(name="=SUM(A1:A2)")
        ProjectTarget.objects.filter(project=first).update(
            overview="+1", basis="-1", necessity="@x", measures="\tx", plan="\rcmd|' /C calc'!A0"
        )
        indicator = Indicator.objects.filter(project_target__project=first).order_by("id").first()
        Indicator.objects.filter(pk=indicator.pk).update(name="=1+1", text='=HYPERLINK("x")')
        document = document_build(submission=submission)
        transaction.set_rollback(True)

    data = disclosure_workbook(document)
    workbook = load_workbook(io.BytesIO(data))
    cells = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cells.setdefault(cell.value, cell)
    expected = ["=SUM(A1:A2)", "+1", "-1", "@x", "\tx", "=1+1", '=HYPERLINK("x")']
    for text in expected:
        assert text in cells, text
        assert cells[text].data_type == "s"
        assert cells[text].quotePrefix, text
    # A CR is a line break in a cell: written as LF (XML would normalise a bare CR anyway).
    assert "\ncmd|' /C calc'!A0" in cells

    t12 = workbook[table_sheet_name(document.tables["T12"])]
    assert "=SUM(A1:A2)" in [c.value for c in t12["A"]]
    assert any(name.startswith("目标01 =SUM(A1A2)") for name in workbook.sheetnames)
    for name, xml in sheet_xml(data).items():
        assert not re.search(r"<f[ >]", xml), name


def test_illegal_control_characters_are_dropped():
    """Control characters XML cannot carry are dropped instead of failing the export."""
    table = Table(
        code="T99",
        number=99,
        title="测试表",
        unit_name="单位\x0b甲",
        money_unit="万元",
        header=((HeaderCell("名称"), HeaderCell("金额")),),
        columns=(Column("name", "text"), Column("amount", "money")),
        rows=(Row(("a\x01b", Decimal("12345.00")), level=1),),
    )
    workbook = load_workbook(io.BytesIO(table_workbook(table)))
    sheet = workbook.active
    assert sheet["A3"].value == "单位名称：单位甲"
    assert sheet["A6"].value == "ab"
    assert sheet["B6"].value == 1.23


def test_table_workbook_single_sheet(document):
    """One table alone: one sheet, same layout, draft marking only when asked."""
    table = document.tables["T05"]
    workbook = load_workbook(io.BytesIO(table_workbook(table)))
    assert workbook.sheetnames == ["表五 一般公共预算支出预算表（不含上年结转）"]
    sheet = workbook.active
    assert sheet["A2"].value == table.title
    assert not sheet.oddHeader.center.text
    draft = load_workbook(io.BytesIO(table_workbook(table, is_draft=True))).active
    assert draft["A2"].value == table.title + DRAFT_TITLE_SUFFIX


def test_sheet_names():
    """Sheet names: Chinese numerals, forbidden characters removed, 31 characters, unique."""
    assert [chinese_numeral(n) for n in (1, 10, 14, 20, 21)] == [
        "一",
        "十",
        "十四",
        "二十",
        "二十一",
    ]
    names = _SheetNames()
    assert names.take("目标01 a/b[c]:d*e?f\\g") == "目标01 abcdefg"
    long = "目标02 " + "很长的项目名称" * 10
    first, second = names.take(long), names.take(long)
    assert len(first) == len(second) == 31
    assert first != second and second.endswith("(2)")
    assert names.take("'引号'") == "引号"
    assert names.take("SHEET") == "SHEET" and names.take("sheet") == "sheet(2)"
