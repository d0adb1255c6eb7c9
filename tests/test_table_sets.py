"""Table sets as data: shanxi-2025 (the demo's 14 tables, unchanged), shanghai (9 tables in 元)
and mof-department (the national 9 in 万元), each computed from the same loaded budget, with
their identities exact in 元, sub-items as rows, the year's choice and the commands."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from tables.document.build import document_build
from tables.document.disclosure import disclosure_derive
from tables.document.render.csv import table_csv_bytes
from tables.document.render.document import document_html
from tables.document.texts import asset_date_text
from tables.document.year_settings import table_set_for_year, year_table_set_set
from tables.figures.derive.income import INCOME_TYPES, income_by_type
from tables.figures.formatting import table_grid
from tables.figures.registry import derive_all
from tables.figures.tablesets import (
    MOF_DEPARTMENT,
    SHANGHAI,
    SHANXI,
    TABLE_SETS,
    table_set_get,
)
from tables.figures.types import ZERO
from tests.factories import synthetic_submission, user_with
from units.models import BudgetLine, ClassificationCode, CodeScheme, FundSource
from units.permissions import ADMIN, FILLER

pytestmark = pytest.mark.django_db

SUB_ITEMS = ("办公楼物业管理费", "信息系统运维费")


def _v(value) -> Decimal:
    return ZERO if value is None else value


@pytest.fixture
def mixed():
    """A submission with lines in every fund, basic and project, carry-over, 单位资金 of several
    income types, and 公用经费 lines under 30299 with two 地方细化科目 (and one without)."""
    submission = synthetic_submission(80, seed=16)
    lines = BudgetLine.objects.filter(submission=submission)
    unit_lines = list(lines.filter(fund_source=FundSource.UNIT_FUNDS).order_by("pk"))
    assert len(unit_lines) >= 4
    for line, income in zip(
        unit_lines[:4], ("business", "operating", "superior", "affiliated"), strict=True
    ):
        BudgetLine.objects.filter(pk=line.pk).update(income_type=income)
    dept = ClassificationCode.objects.get(
        scheme=CodeScheme.DEPT_ECONOMIC, code="30299", year=submission.year
    )
    gov = ClassificationCode.objects.get(
        scheme=CodeScheme.GOV_ECONOMIC, code="50299", year=submission.year
    )
    public = list(
        lines.filter(
            fund_source=FundSource.GENERAL, is_carryover=False, expense_kind="public"
        ).order_by("pk")[:3]
    )
    assert len(public) == 3
    for line, sub in zip(public, (*SUB_ITEMS, ""), strict=True):
        BudgetLine.objects.filter(pk=line.pk).update(
            dept_econ_code=dept, gov_econ_code=gov, sub_item=sub
        )
    assert lines.filter(is_carryover=True).exists()
    assert {FundSource.GENERAL, FundSource.GOV_FUND, FundSource.STATE_CAPITAL} <= set(
        lines.values_list("fund_source", flat=True)
    )
    return submission


def _money_columns(table):
    return [i for i, c in enumerate(table.columns) if c.kind == "money"]


def _assert_parts_add_up(table):
    """Every row that declares parts equals their exact sum, column by column (合计 = Σ 类,
    类 = Σ 款, 款 = Σ 项, 款 = Σ 细化科目 where they cover it, totals of the two-sided tables)."""
    checked = 0
    for row in table.rows:
        if not row.parts:
            continue
        for i in row.part_columns or _money_columns(table):
            parts = sum((_v(table.rows[p].cells[i]) for p in row.parts), ZERO)
            assert _v(row.cells[i]) == parts, (table.code, row.cells[:2], i)
            checked += 1
    return checked


def _assert_func_tree(table):
    """类 = Σ 款 = Σ 项 by code prefix, exact in 元."""
    by_level = {1: {}, 2: {}, 3: {}}
    for row in table.rows:
        if row.level in by_level:
            by_level[row.level][row.code] = [_v(row.cells[i]) for i in _money_columns(table)]
    for parent_level, child_level, width in ((1, 2, 3), (2, 3, 5)):
        for code, vector in by_level[parent_level].items():
            children = [v for c, v in by_level[child_level].items() if c[:width] == code]
            assert children, (table.code, code)
            assert vector == [sum(col, ZERO) for col in zip(*children, strict=True)]


@pytest.mark.parametrize("table_set", [SHANGHAI, MOF_DEPARTMENT], ids=lambda s: s.name)
def test_every_table_of_the_set_adds_up_exactly(mixed, table_set):
    """Each table of the set: 合计 = Σ parts, 类 = Σ款 = Σ项 (exact 元), codes and numbers as the
    set declares them, none of them a Shanxi code."""
    derived = disclosure_derive(submission=mixed, table_set=table_set)
    tables = derived.set_tables
    assert list(tables) == [spec.code for spec in table_set.tables]
    assert [t.number for t in tables.values()] == list(range(1, 10))
    assert not set(tables) & set(SHANXI.codes)
    checked = sum(_assert_parts_add_up(table) for table in tables.values())
    assert checked > 50
    for spec in table_set.tables:
        table = tables[spec.code]
        assert table.money_unit == spec.money_unit
        assert table.title == spec.title.format(year=mixed.year)
        if spec.rows == "func" and not table.is_empty:
            _assert_func_tree(table)
    # every figure agrees with the national derivation (表一 … 表十四) it must equal
    t = derived.tables
    summary = tables[table_set.codes[0]]
    assert summary.cell("收入总计", "income") == t["T01"].cell("收入总计", "income")
    assert summary.cell("支出总计", "total") == summary.cell("收入总计", "income")
    assert summary.cell("上年结转结余", "income") == t["T01"].cell("上年结转", "income")
    fiscal = tables[table_set.codes[3]]
    assert fiscal.cell("收入总计", "income") == t["T04"].cell("收入总计", "income")
    assert fiscal.cell("支出总计", "general") == t["T04"].cell("支出总计", "general")
    general = tables[table_set.codes[4]]
    assert (
        general.rows[0].cells[2 : 5 if table_set is MOF_DEPARTMENT else 3]
        == t["T05"].rows[0].cells[2 : 5 if table_set is MOF_DEPARTMENT else 3]
    )


def test_shanghai_summary_splits_each_class_into_personnel_public_and_project(mixed):
    """SH01's expense side: each 功能分类 类 with 合计 = 人员经费 + 公用经费 + 项目支出, and the
    class amounts are those of 表三 (all spending, carry-over included)."""
    derived = disclosure_derive(submission=mixed, table_set="shanghai")
    sh01 = derived.set_tables["SH01"]
    t3 = derived.tables["T03"]
    class_rows = [row for row in sh01.rows if row.code]
    assert class_rows
    for row in class_rows:
        total, personnel, public, project = (_v(c) for c in row.cells[3:7])
        assert total == personnel + public + project
        t3_class = next(r for r in t3.rows if r.code == row.code)
        assert total == t3_class.cells[2]
        assert personnel + public == t3_class.cells[3]
    assert [c.text for c in sh01.header[1][3:]] == ["合计", "人员经费", "公用经费", "项目支出"]


def test_income_tables_use_the_national_income_types(mixed):
    """SH02 and MF02 list income by type exactly as `income_by_type` decides it."""
    derived = disclosure_derive(submission=mixed, table_set="shanghai")
    sums = income_by_type(derived.data.lines)
    sh02 = derived.set_tables["SH02"]
    for key, label in INCOME_TYPES:
        assert sh02.cell(label, "total") == sums[key]
    assert sums["business"] and sums["operating"] and sums["carryover"]
    mf02 = disclosure_derive(submission=mixed, table_set="mof-department").set_tables["MF02"]
    assert [mf02.rows[0].cells[mf02.column_index(f"income_{k}")] for k, _ in INCOME_TYPES] == [
        sums[k] for k, _ in INCOME_TYPES
    ]


@pytest.mark.parametrize(("name", "code"), [("shanghai", "SH06"), ("mof-department", "MF06")])
def test_sub_items_are_rows_that_roll_up_to_their_national_section(mixed, name, code):
    """The 地方细化科目 under 30299 are rows of their own; 30299 holds all its lines (with and
    without a sub-item), so the national figure equals 表六's."""
    derived = disclosure_derive(submission=mixed, table_set=name)
    table = derived.set_tables[code]
    codes = [row.code for row in table.rows]
    section = codes.index("30299")
    subs = [row for row in table.rows if row.code.startswith("30299/")]
    assert [row.cells[1] for row in subs] == sorted(SUB_ITEMS)
    assert codes.index(subs[0].code) == section + 1
    section_row = table.rows[section]
    assert section_row.cells[1] == "其他商品和服务支出"
    assert _v(section_row.cells[2]) > sum((_v(r.cells[2]) for r in subs), ZERO) > 0
    t6_302 = derived.tables["T06"].cell("商品和服务支出", "total")
    class_row = next(row for row in table.rows if row.code == "302")
    assert class_row.cells[2] == t6_302
    assert table.rows[0].cells[2] == derived.tables["T06"].rows[0].cells[2]


def test_money_is_shown_in_yuan_where_the_set_says_so(mixed):
    """Shanghai's tables print 元 (exact, 2 places) in the HTML caption and cells and in the CSV;
    its 三公 table and every mof-department table print 万元."""
    document = document_build(submission=mixed, table_set="shanghai")
    assert document.table_set is SHANGHAI
    sh03 = document.shown_tables["SH03"]
    total = sh03.rows[0].cells[2]
    assert total > 10000
    grid = table_grid(sh03)
    assert f"{total:.2f}" in grid[2]
    rows = list(csv.reader(io.StringIO(table_csv_bytes(sh03).decode("utf-8-sig"))))
    assert rows[2][2] == f"{total:.2f}"
    html = document_html(document)
    assert "单位：元" in html and f"{total:.2f}" in html
    assert "单位财务收支预算总表" in html and "“三公”经费和机关运行经费预算表" in html
    assert document.shown_tables["SH09"].money_unit == "万元"
    assert all(t.money_unit == "万元" for t in MOF_DEPARTMENT.derive(document.data).values())


def test_no_rounding_notice_on_yuan_tables(mixed):
    """R12 (尾差) never fires on a table shown in 元; on a 万元 table of another set it names the
    table by the set's number."""
    shanghai = document_build(submission=mixed, table_set="shanghai")
    yuan_codes = {c for c, t in shanghai.shown_tables.items() if t.money_unit == "元"}
    assert yuan_codes
    assert not [f for f in shanghai.findings if f.rule_id == "R12" and f.table in yuan_codes]
    mof = document_build(submission=mixed, table_set="mof-department")
    notices = [f for f in mof.findings if f.rule_id == "R12" and f.table.startswith("MF")]
    for finding in notices:
        number = mof.shown_tables[finding.table].number
        assert finding.message.startswith(f"表{'一二三四五六七八九'[number - 1]}")


def test_narrative_cites_the_sets_tables_and_no_shanxi_numbers(mixed):
    """The narrative keeps the sections the set pairs with; those citing a table close with its
    number and title in the set (no 表十/表十一 of Shanxi's layout)."""
    document = document_build(submission=mixed, table_set="mof-department")
    texts = [b.text for s in document.narrative.sections for b in s.blocks]
    assert "详见表一《" + f"{mixed.year}年部门收支总表》。" in texts
    assert "详见表七《" + f"{mixed.year}年一般公共预算“三公”经费支出表》。" in texts
    assert not any("表十" in text for text in texts)
    shanxi = document_build(submission=mixed, table_set="shanxi-2025")
    assert not any("详见" in b.text for s in shanxi.narrative.sections for b in s.blocks)
    assert [s.number for s in document.narrative.sections] == [
        s.number for s in shanxi.narrative.sections
    ]


def test_shanxi_set_is_the_fourteen_tables_unchanged(demo):
    """shanxi-2025 derives exactly what the registry derives (the golden tables), and the demo's
    document, narrative and CSV files are those of before table sets."""
    derived = disclosure_derive(submission=demo, table_set="shanxi-2025")
    assert list(SHANXI.derive(derived.data)) == [f"T{n:02d}" for n in range(1, 15)]
    assert SHANXI.derive(derived.data) == derive_all(derived.data)
    default = document_build(submission=demo)
    assert default.table_set is SHANXI and default.shown_tables is default.tables
    assert [t.title for t in default.shown_tables.values()][0] == "2025年预算收支总表"


def test_the_years_choice_and_who_may_change_it(mixed):
    """No row: shanxi-2025. A 财政管理员 sets it; a 填报人 is refused; an unknown name is a
    Chinese error naming the sets. The document follows the year's choice."""
    assert table_set_for_year(mixed.year) is SHANXI
    admin = user_with(ADMIN)
    filler = user_with(FILLER, units=[mixed.unit])
    with pytest.raises(PermissionDenied, match="财政管理员"):
        year_table_set_set(actor=filler, year=mixed.year, table_set="shanghai")
    with pytest.raises(ValidationError, match="shanghai、mof-department"):
        year_table_set_set(actor=admin, year=mixed.year, table_set="beijing")
    year_table_set_set(actor=admin, year=mixed.year, table_set="shanghai")
    assert table_set_for_year(mixed.year) is SHANGHAI
    assert table_set_for_year(mixed.year + 1) is SHANXI
    assert list(document_build(submission=mixed).shown_tables)[0] == "SH01"


def test_export_tables_writes_the_sets_files(mixed, tmp_path):
    """--table-set shanghai writes SH01.csv … SH09.csv; the default is the year's set
    (T01 … T14 without a choice); an unknown name is refused listing the names."""
    unit = mixed.unit.code
    call_command(
        "export_tables",
        unit=unit,
        year=mixed.year,
        out=str(tmp_path / "sh"),
        table_set="shanghai",
        stdout=io.StringIO(),
    )
    assert sorted(p.name for p in (tmp_path / "sh").iterdir()) == [
        f"SH{n:02d}.csv" for n in range(1, 10)
    ]
    call_command(
        "export_tables", unit=unit, year=mixed.year, out=str(tmp_path / "sx"), stdout=io.StringIO()
    )
    assert sorted(p.name for p in (tmp_path / "sx").iterdir()) == [
        f"T{n:02d}.csv" for n in range(1, 15)
    ]
    with pytest.raises(CommandError, match="shanxi-2025、shanghai、mof-department"):
        call_command(
            "export_tables",
            unit=unit,
            year=mixed.year,
            out=str(tmp_path / "x"),
            table_set="beijing",
        )


def test_export_disclosure_follows_the_table_set(mixed, tmp_path):
    """export_disclosure --table-set mof-department writes the national tables' workbook."""
    import openpyxl

    path = tmp_path / "部门.xlsx"
    call_command(
        "export_disclosure",
        unit=mixed.unit.code,
        year=mixed.year,
        format="xlsx",
        output=str(path),
        table_set="mof-department",
        stdout=io.StringIO(),
    )
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "表一 部门收支总表" and names[8] == "表九 国有资本经营预算支出表"


def test_table_set_get_names_the_sets():
    assert table_set_get(None) is SHANXI and table_set_get("shanghai") is SHANGHAI
    with pytest.raises(KeyError, match="mof-department"):
        table_set_get("beijing")
    assert list(TABLE_SETS) == ["shanxi-2025", "shanghai", "mof-department"]


def test_asset_date_is_the_entered_date_or_the_end_of_last_year(mixed):
    """The narrative prints the asset date from AssetFacts.as_of; blank is 31 December of the
    year before the budget year."""
    import datetime

    from units.models import AssetFacts

    assert asset_date_text(year=2026, as_of=None) == "2025年12月31日"
    assert asset_date_text(year=2026, as_of=datetime.date(2025, 8, 31)) == "2025年8月31日"

    def assets_text():
        sections = document_build(submission=mixed).narrative.sections
        section = next(s for s in sections if s.title.startswith("国有资产"))
        return "".join(b.text for sub in section.subsections for b in sub.blocks)

    facts = AssetFacts.objects.create(submission=mixed, vehicles_quota=2)
    assert f"截至{mixed.year - 1}年12月31日" in assets_text()
    AssetFacts.objects.filter(pk=facts.pk).update(as_of=datetime.date(mixed.year - 1, 8, 31))
    text = assets_text()
    assert f"截至{mixed.year - 1}年8月31日" in text and "12月31日" not in text


def test_published_version_follows_the_years_set(tmp_path):
    """A version published while the year's set is shanghai stores SH01.csv … SH09.csv, a
    snapshot naming the set that validates against the schema, open data of those tables, and
    an XLSX of its 9 tables; choosing another set later leaves the stored version as it was."""
    import json
    import zipfile

    import openpyxl

    from tables.models import FileKind, PublishedFile
    from tables.publication import opendata, opendata_fields
    from tables.publication.services import submission_publish
    from tests.factories import approved_submission

    submission = approved_submission("上海样式测试单位", n_lines=40, seed=3)
    admin = user_with(ADMIN)
    year_table_set_set(actor=admin, year=submission.year, table_set="shanghai")
    version = submission_publish(submission_id=submission.pk, actor=admin)

    def stored(kind):
        return bytes(PublishedFile.objects.get(version=version, kind=kind).content)

    snapshot = json.loads(stored(FileKind.JSON))
    assert snapshot["table_set"] == "shanghai"
    assert [t["code"] for t in snapshot["tables"]] == list(SHANGHAI.codes)
    assert opendata.schema_errors(opendata_fields.SNAPSHOT_SCHEMA_NAME, snapshot) == []
    with zipfile.ZipFile(io.BytesIO(stored(FileKind.CSV))) as archive:
        assert archive.namelist() == [f"SH{n:02d}.csv" for n in range(1, 10)]
    with zipfile.ZipFile(io.BytesIO(stored(FileKind.OPENDATA))) as archive:
        cells = next(n for n in archive.namelist() if n.endswith("table_cells.csv"))
        codes = {
            row["table_code"]
            for row in csv.DictReader(io.StringIO(archive.read(cells).decode("utf-8-sig")))
        }
    assert codes and codes <= set(SHANGHAI.codes)
    workbook = openpyxl.load_workbook(io.BytesIO(stored(FileKind.XLSX)))
    assert workbook.sheetnames[0] == "表一 单位财务收支预算总表"
    heading = [c.value for row in workbook.worksheets[0].iter_rows(max_row=4) for c in row]
    assert "单位：元" in heading
    # the 14 statutory tables are kept beside, so next year's 上年数 can be read off them
    from tables.desk.year_open import published_prior_figures, published_prior_tables
    from tables.document.disclosure import disclosure_derive

    assert [t["code"] for t in snapshot["statutory_tables"]][:2] == ["T01", "T02"]
    tables = published_prior_tables(unit_ids=[submission.unit_id], year=submission.year)
    prior = published_prior_figures(tables[submission.unit_id])
    derived = disclosure_derive(submission=submission).tables
    assert prior["prior_total"] == derived["T01"].cell("收入总计", "income") > 0
    html = stored(FileKind.HTML)
    year_table_set_set(actor=admin, year=submission.year, table_set="mof-department")
    assert stored(FileKind.HTML) == html


@pytest.mark.parametrize("name", ["shanghai", "mof-department"])
def test_pdf_of_another_set_prints_its_tables(mixed, tmp_path, name):
    """export_disclosure --format pdf prints the set's tables (WeasyPrint lays out the wider
    two-sided and income tables too)."""
    import subprocess

    path = tmp_path / "公开.pdf"
    call_command(
        "export_disclosure",
        unit=mixed.unit.code,
        year=mixed.year,
        format="pdf",
        output=str(path),
        table_set=name,
        stdout=io.StringIO(),
    )
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    first = TABLE_SETS[name].tables[0].title.format(year=mixed.year)
    assert first in text.replace(" ", "")


def test_year_page_form_sets_the_table_set_for_the_admin_only(client, mixed):
    """开启新年度 shows the year's 公开表样式 with the sets to pick; the 财政管理员's POST saves
    it and says published versions keep their tables; a 填报人's POST is refused in Chinese and
    changes nothing."""
    from django.urls import reverse

    admin = user_with(ADMIN)
    filler = user_with(FILLER, units=[mixed.unit])
    client.force_login(admin)
    page = client.get(reverse("desk:year_open"), {"year": mixed.year}).content.decode()
    assert f"{mixed.year}年度公开表样式" in page
    assert '<option value="shanxi-2025" selected>' in page and 'value="shanghai"' in page
    response = client.post(
        reverse("desk:year_table_set"),
        {"year": mixed.year, "table_set": "mof-department"},
        follow=True,
    )
    text = response.content.decode()
    assert "公开表样式设为“财政部 部门预算公开（9张表，万元）”" in text
    assert "已发布的版本保持发布时的表格不变" in text
    assert table_set_for_year(mixed.year) is MOF_DEPARTMENT

    client.force_login(filler)
    response = client.post(
        reverse("desk:year_table_set"), {"year": mixed.year, "table_set": "shanghai"}
    )
    assert "只有财政管理员可以设置年度的公开表样式" in response.content.decode()
    assert table_set_for_year(mixed.year) is MOF_DEPARTMENT


@pytest.mark.parametrize("name", ["shanxi-2025", "shanghai", "mof-department"])
def test_every_table_set_pickles(name):
    """A document carries its set to the PDF piece renderers and the benchmark in other
    processes: the set must pickle (no lambdas or local functions inside)."""
    import pickle

    table_set = table_set_get(name)
    assert pickle.loads(pickle.dumps(table_set)).name == name
