"""部门预算: a 主管部门's disclosure adds up its member units' approved budgets — every table the
sum of the members' own tables to the cent, 机关运行经费 over the 行政/参公 members only, R07 per
member kind, the 分单位 table U01; a 部门汇总单位 takes no lines and is not submitted before its
members are approved; it publishes and the public site links the 部门 and its members; the
commands take `--department`."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.selectors import department_target_data_load, target_data_load
from tables.document.disclosure import disclosure_derive
from tables.figures.checks import rule_t6_t11, run_checks
from tables.figures.derive import t11_operating_costs
from tables.figures.load_department import department_budget_load
from tables.figures.registry import derive_all
from tables.figures.types import FUND_GENERAL, KIND_PUBLIC, ZERO
from tables.publication import opendata, opendata_fields
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    department_budget_create,
    project_target_create,
    synthetic_budget,
    user_with,
)
from units.admin import BudgetUnitForm
from units.decisions import submission_action_refusal
from units.models import BudgetLine, Project, SubmissionStatus, UnitKind
from units.permissions import ADMIN, FILLER
from units.selectors import submission_queryset
from units.services import TransitionRefused, budget_line_save, submission_transition

pytestmark = pytest.mark.django_db

S = SubmissionStatus
STATUTORY = [f"T{n:02d}" for n in range(1, 15)]
#: the unit form's staffing counts, required numbers
ADMIN_COUNTS = (
    "internal_departments",
    "subordinate_units",
    "authorized_staff",
    "actual_staff",
    "on_payroll_staff",
    "other_staff",
)


@pytest.fixture
def department():
    consolidating, members = department_budget_create()
    reload = submission_queryset()
    return reload.get(pk=consolidating.pk), [reload.get(pk=m.pk) for m in members]


#: rows printing the disclosure's own unit name as their total (表十二's first)
TOTAL_ROWS = {"T12": (0,)}
#: tables whose rows down to this level are totals: 表十三's 主管部门 row and its unit level (a
#: unit's own row; on a 部门, one subtotal per member, adding up to the 主管部门 row)
TOTAL_LEVELS = {"T13": 1}


def _is_total(table, index: int) -> bool:
    if table.code in TOTAL_LEVELS:
        return table.rows[index].level <= TOTAL_LEVELS[table.code]
    return index in TOTAL_ROWS.get(table.code, ())


def _cell_sums(table) -> dict:
    """{(text cells before the amounts, column index): exact sum} over a table's rows: each run of
    text cells labels the amounts that follow it (two-sided 表一/表四 have two runs a row). Rows
    that print the unit's name as a total are keyed as the total; 表十四's running number is
    left out (the 部门 numbers its rows through)."""
    sums: dict = defaultdict(lambda: ZERO)
    for index, row in enumerate(table.rows):
        label: list = []
        in_text = False
        for i, column in enumerate(table.columns):
            value = row.cells[i]
            if column.kind == "text":
                if not in_text:
                    label, in_text = [], True
                if _is_total(table, index) and i == 0:
                    value = "<合计>"
                if not (table.code == "T14" and i == 0):
                    label.append(value)
            else:
                in_text = False
                if value is not None:
                    sums[(tuple(label), i)] += value
    return {key: value for key, value in sums.items() if value != ZERO}


def _summed(tables_list, code) -> dict:
    total: dict = defaultdict(lambda: ZERO)
    for tables in tables_list:
        for key, value in _cell_sums(tables[code]).items():
            total[key] += value
    return {key: value for key, value in total.items() if value != ZERO}


def test_every_department_table_is_the_sum_of_its_members_tables(department):
    """Each of 表一–表十四 of the 部门 equals, cell by cell in exact 元, the sum of the same cells
    of its members' own derived tables (表十一 over the 行政/参公 members only)."""
    consolidating, members = department
    own = [disclosure_derive(submission=m).tables for m in members]
    derived = disclosure_derive(submission=consolidating)
    assert list(derived.tables) == [*STATUTORY, "U01"]
    for code in STATUTORY:
        if code == "T11":
            continue
        expected = _summed(own, code)
        assert expected, f"{code} of the members is empty: the comparison would prove nothing"
        assert _cell_sums(derived.tables[code]) == expected, code
    t11 = derived.tables["T11"]
    counted = [t for t, m in zip(own, members, strict=True) if m.unit.has_operating_costs]
    for column in ("total", "general", "gov_fund", "state_capital"):
        assert t11.cell("部门合计", column) == sum(
            (t["T11"].cell("部门合计", column) for t in counted), ZERO
        )
    assert [row.cells[0] for row in t11.rows] == [
        "部门合计",
        *(m.unit.name for m in members if m.unit.has_operating_costs),
    ]


def test_operating_costs_count_only_administrative_and_civil_service_members(department):
    """机关运行经费 adds up the 行政 and 参公 members' 财政拨款 公用经费; the 事业 members' 公用经费
    (present in the fixture, so the test can fail) is left out."""
    consolidating, members = department
    data = department_budget_load(submission=consolidating)
    by_unit = defaultdict(lambda: ZERO)
    for line in data.lines:
        if line.expense_kind == KIND_PUBLIC and not line.is_carryover and line.fund == FUND_GENERAL:
            by_unit[line.unit_code] += line.amount
    institutions = [m.unit.code for m in members if m.unit.kind == UnitKind.INSTITUTION]
    assert all(by_unit[code] > 0 for code in institutions)
    t11 = t11_operating_costs.build(data)
    counted = sum(by_unit[m.unit.code] for m in members if m.unit.kind != UnitKind.INSTITUTION)
    assert t11.cell("部门合计", FUND_GENERAL) == counted
    assert t11.cell("部门合计", FUND_GENERAL) < sum(by_unit.values())


def test_r07_holds_per_member_kind_and_still_catches_a_wrong_table(department):
    """The 部门's R07 compares 表六's 行政/参公 公用经费 with 表十一: silent on the correct pair
    although 表六 also holds the 事业 members' 公用经费; a 表十一 over every member fires it."""
    consolidating, _ = department
    data = department_budget_load(submission=consolidating)
    tables = derive_all(data)
    assert not [f for f in run_checks(tables, data) if f.rule_id == "R07"]
    wrong = dict(tables, T11=t11_operating_costs.build(dataclasses.replace(data, members=())))
    findings = rule_t6_t11(wrong, data)
    assert [f.rule_id for f in findings] == ["R07"]
    assert "行政和参公成员单位" in findings[0].message


def test_the_by_unit_table_lists_each_member_with_its_totals(department):
    """U01 lists every member, 本级 first, its 收入合计 = 支出合计 = its own 表一 收入总计, and the
    合计 row is their sum."""
    consolidating, members = department
    u01 = disclosure_derive(submission=consolidating).tables["U01"]
    assert u01.title == "2025年分单位收支总表"
    assert [row.cells[0] for row in u01.rows] == ["合计", *(m.unit.name for m in members)]
    assert members[0].unit.is_headquarters
    total = ZERO
    for member, row in zip(members, u01.rows[1:], strict=True):
        expected = disclosure_derive(submission=member).tables["T01"].cell("收入总计", "income")
        income, expense = (
            row.cells[u01.column_index("income")],
            row.cells[u01.column_index("expense")],
        )
        assert income == expense == expected > 0
        basic = row.cells[u01.column_index("basic")]
        assert basic + row.cells[u01.column_index("project")] == expense
        total += expected
    assert u01.rows[0].cells[u01.column_index("income")] == total


def test_a_member_without_an_approved_budget_is_listed_with_zeros(department):
    """A member still in 草稿 contributes no lines yet but is still listed in U01."""
    consolidating, members = department
    members[3].status = S.DRAFT
    members[3].save(update_fields=["status"])
    data = department_budget_load(submission=consolidating)
    assert {line.unit_code for line in data.lines} == {m.unit.code for m in members[:3]}
    u01 = disclosure_derive(submission=consolidating).tables["U01"]
    assert u01.rows[-1].cells[0] == members[3].unit.name
    assert u01.rows[-1].cells[u01.column_index("income")] == ZERO


@pytest.mark.parametrize("n_lines", [4, 30])
def test_department_load_takes_a_fixed_number_of_queries(n_lines, django_assert_num_queries):
    """Loading a 部门 reads its members, their submissions, lines, codes, code names, projects,
    政府采购 and 政府购买服务 in eight queries, whatever the number of lines."""
    consolidating, _ = department_budget_create(n_lines=n_lines)
    consolidating = submission_queryset().get(pk=consolidating.pk)
    with django_assert_num_queries(8):
        data = department_budget_load(submission=consolidating)
    assert len(data.lines) == 4 * n_lines


def test_submitting_is_refused_while_a_member_is_not_approved(department):
    """提交审核 of the 部门 is refused, naming the member whose budget is still a draft; the button
    is not offered; once it is approved, the refusal is gone."""
    consolidating, members = department
    filler = user_with(FILLER, [consolidating.unit])
    members[2].status = S.DRAFT
    members[2].save(update_fields=["status"])
    refusal = submission_action_refusal(filler, consolidating, S.SUBMITTED)
    assert "成员单位“测试街道文化站”的预算尚未审核通过" in refusal
    with pytest.raises(TransitionRefused, match="测试街道文化站"):
        submission_transition(submission_id=consolidating.pk, actor=filler, to_status=S.SUBMITTED)
    consolidating.refresh_from_db()
    assert consolidating.status == S.DRAFT
    members[2].status = S.APPROVED
    members[2].save(update_fields=["status"])
    assert submission_action_refusal(filler, consolidating, S.SUBMITTED) is None


def test_a_consolidating_unit_takes_no_lines_but_its_texts(department, client):
    """Adding a line to the 部门汇总单位's submission is refused with a Chinese reason, in the
    service and on the desk (no add form, the reason shown); the 情况说明 stays editable."""
    consolidating, members = department
    filler = user_with(FILLER, [consolidating.unit])
    template = BudgetLine.objects.filter(submission=members[0]).first()
    template.pk = None
    with pytest.raises(PermissionDenied, match="部门汇总单位"):
        budget_line_save(submission_id=consolidating.pk, user=filler, line=template)
    with pytest.raises(Exception, match="部门汇总单位"):
        synthetic_budget(consolidating, 2, validate=True)
    assert not BudgetLine.objects.filter(submission=consolidating).exists()
    template.submission = consolidating  # the admin's form validates through the model
    with pytest.raises(ValidationError, match="部门汇总单位"):
        template.full_clean()
    client.force_login(filler)
    page = client.get(reverse("desk:lines", kwargs={"pk": consolidating.pk})).content.decode()
    assert "新增一条预算明细" not in page and "由各成员单位已审核通过的预算汇总生成" in page
    texts = client.get(reverse("desk:texts", kwargs={"pk": consolidating.pk}))
    assert texts.status_code == 200 and "<textarea" in texts.content.decode()


def test_the_department_publishes_and_the_public_site_links_its_members(
    department, client, fast_pdf
):
    """Published, the 部门 is listed on /public/ as 部门预算; its page links every published
    member, 本级 first; a member's page links back to the 部门."""
    consolidating, members = department
    publisher = user_with(ADMIN, name="publisher")
    for member in members:
        submission_publish(submission_id=member.pk, actor=publisher)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    version = submission_publish(submission_id=consolidating.pk, actor=publisher)
    assert version.data_json["tables"][-1]["title"] == "2025年分单位收支总表"
    assert opendata.schema_errors(opendata_fields.SNAPSHOT_SCHEMA_NAME, version.data_json) == []

    listing = client.get(reverse("public:list")).content.decode()
    assert "测试街道（部门预算）" in listing
    page = client.get(reverse("public:disclosure", kwargs={"version_id": version.pk}))
    text = page.content.decode()
    assert "测试街道2025年部门预算公开" in text
    links = [v.unit_name for v in page.context["members"]]
    assert links == [m.unit.name for m in members]
    for member_version in page.context["members"]:
        href = reverse("public:disclosure", kwargs={"version_id": member_version.pk})
        assert f'href="{href}"' in text
    member_page = client.get(
        reverse("public:disclosure", kwargs={"version_id": page.context["members"][2].pk})
    ).content.decode()
    back = reverse("public:disclosure", kwargs={"version_id": version.pk})
    assert f'href="{back}"' in member_page and "查看测试街道2025年部门预算" in member_page


def _csv_rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_export_tables_and_check_disclosure_take_a_department(department, tmp_path):
    """`export_tables --department` writes T01–T14 and U01 of the 部门预算; `check_disclosure
    --department` reports its findings without R07; --unit and --department exclude each other;
    an unknown department is named."""
    consolidating, members = department
    code = consolidating.unit.department.code
    call_command("export_tables", department=code, year=2025, out=str(tmp_path))
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == [*STATUTORY, "U01"]
    names = [row[0] for row in _csv_rows(tmp_path / "U01.csv")]
    assert all(m.unit.name in names for m in members)
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("check_disclosure", department=code, year=2025, stdout=out)
    assert " R07 " not in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "export_tables",
            "--unit",
            "X",
            "--department",
            code,
            "--year",
            "2025",
            "--out",
            str(tmp_path),
        )
    with pytest.raises(CommandError, match="找不到主管部门 NOPE"):
        call_command("check_disclosure", department="NOPE", year=2025)


def test_a_unit_disclosure_is_unchanged(department):
    """A member's own disclosure has no members, no U01, and its 表十一 its own row."""
    _, members = department
    derived = disclosure_derive(submission=members[0])
    assert derived.data.members == () and "U01" not in derived.tables
    assert [r.cells[0] for r in derived.tables["T11"].rows] == ["部门合计", members[0].unit.name]
    assert all(line.unit_code == "" for line in derived.data.lines)
    assert Decimal(0) == ZERO


def test_the_desk_and_document_pages_of_a_department_render(department, client):
    """The 部门's overview (no 提交审核 while a member is a draft, and the members holding it back
    named), lines, projects, excel, targets, review, tables and document pages answer 200;
    the document is titled 部门预算公开 and carries the 分单位收支总表."""
    consolidating, members = department
    members[1].status = S.DRAFT
    members[1].save(update_fields=["status"])
    filler = user_with(FILLER, [consolidating.unit])
    client.force_login(filler)
    kwargs = {"pk": consolidating.pk}
    overview = client.get(reverse("desk:submission", kwargs=kwargs))
    assert overview.status_code == 200
    assert "提交审核" not in [a.label for a in overview.context["actions"]]
    page = overview.content.decode()
    assert "成员单位“测试街道综合执法队”的预算尚未审核通过" in page
    assert "2025年部门预算公开" in page and "部门预算由成员单位已审核通过的预算汇总生成" in page
    assert (
        reverse("desk:lines", kwargs={"pk": consolidating.pk}) + '"' not in page.split("下一步")[1]
    )
    for name in ("desk:lines", "desk:projects", "desk:excel", "desk:targets", "desk:texts"):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name
    excel = client.get(reverse("desk:excel", kwargs=kwargs)).content.decode()
    assert "部门汇总单位" in excel
    admin = user_with(ADMIN)
    client.force_login(admin)
    assert client.get(reverse("desk:review", kwargs=kwargs)).status_code == 200
    tables = client.get(reverse("tables:submission_tables", kwargs=kwargs)).content.decode()
    assert "2025年分单位收支总表" in tables
    document = client.get(reverse("tables:document", kwargs=kwargs)).content.decode()
    assert "2025年度部门预算公开" in document and "第二部分 2025年部门预算报表" in document
    assert "表十五 2025年分单位收支总表" in document


def test_a_member_without_a_submission_holds_the_department_back(department):
    """A member unit that has no submission of the year at all is named too."""
    consolidating, members = department
    late = budget_unit_create(name="测试街道新设中心", department=consolidating.unit.department)
    refusal = submission_action_refusal(
        user_with(FILLER, [consolidating.unit]), consolidating, S.SUBMITTED
    )
    assert f"成员单位“{late.name}”的预算尚未审核通过" in refusal
    assert "测试街道本部" not in refusal


def test_the_unit_admin_form_keeps_one_consolidating_unit_per_department(department):
    """The admin's unit form shows 部门汇总单位 and 部门本级 and refuses, in Chinese, a second
    部门汇总单位, a 部门汇总单位 that is also 本级, and one that already has lines."""
    consolidating, members = department
    unit = members[1].unit
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "department": unit.department_id,
        "consolidates_department": "on",
        "is_headquarters": "on",
        **dict.fromkeys(ADMIN_COUNTS, 0),
    }
    form = BudgetUnitForm(data, instance=unit)
    assert {"consolidates_department", "is_headquarters"} <= set(form.fields)
    assert not form.is_valid()
    errors = " ".join(form.errors["consolidates_department"])
    assert "已有部门汇总单位“测试街道（部门汇总）”" in errors and "已录入预算明细" in errors
    assert "不能同时是部门本级" in form.errors["is_headquarters"][0]
    data.pop("is_headquarters")
    own = consolidating.unit
    form = BudgetUnitForm({**data, "code": own.code, "name": own.name}, instance=own)
    assert form.is_valid(), form.errors


def test_department_targets_are_its_members_project_targets(department, django_assert_num_queries):
    """The 部门's 绩效目标 are the 项目支出绩效目标 of its counted members, 本级's first, loaded in
    two queries more than a unit's (the members, their submissions); a draft member's targets are left out with its budget."""
    consolidating, members = department
    late, first = members[3], members[0]
    for submission in (late, first):
        project_target_create(Project.objects.filter(submission=submission).first())
    targets = disclosure_derive(submission=consolidating).targets
    owners = [Project.objects.get(pk=t.project_id).submission_id for t in targets.project_targets]
    assert owners == [first.pk, late.pk]
    late.status = S.DRAFT
    late.save(update_fields=["status"])
    with CaptureQueriesContext(connection) as unit_load:
        target_data_load(submission=first)
    with django_assert_num_queries(len(unit_load) + 2):
        targets = department_target_data_load(submission=consolidating)
    assert [t.project_id for t in targets.project_targets] == [
        Project.objects.filter(submission=first).first().pk
    ]


def test_the_public_department_page_takes_one_query_more(department, client, fast_pdf):
    """The 部门's public page adds one query (its members) to a unit's four; a member's page adds
    none (its 部门 is found in the version's own query)."""
    consolidating, members = department
    publisher = user_with(ADMIN, name="publisher")
    member_version = submission_publish(submission_id=members[0].pk, actor=publisher)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    version = submission_publish(submission_id=consolidating.pk, actor=publisher)
    with CaptureQueriesContext(connection) as department_page:
        client.get(reverse("public:disclosure", kwargs={"version_id": version.pk}))
    with CaptureQueriesContext(connection) as member_page:
        text = client.get(
            reverse("public:disclosure", kwargs={"version_id": member_version.pk})
        ).content.decode()
    assert len(department_page) <= 5 and len(member_page) <= 4
    assert reverse("public:disclosure", kwargs={"version_id": version.pk}) in text


# --- the 部门's wording: 本部门, 部门预算, 部门名称 ------------------------------------------


def _narrative_titles(document) -> list[str]:
    return [section.title for section in document.narrative.sections]


def _narrative_text(document) -> str:
    def texts(sections):
        for section in sections:
            yield from (block.text for block in section.blocks)
            yield from texts(section.subsections)

    return "\n".join(texts(document.narrative.sections))


def test_a_department_document_speaks_of_the_department(department):
    """The 部门's document reads 本部门职责 (heading and 目录), 部门预算收支数据变动情况及原因,
    本年部门预算支出, 本部门…机关运行经费, and every table caption 部门名称：; none of the unit
    wordings is left."""
    from tables.document.build import document_build
    from tables.document.render.document import document_html

    consolidating, _ = department
    document = document_build(submission=consolidating)
    assert document.data.is_department and document.data.scope == "部门"
    titles = _narrative_titles(document)
    assert titles[0] == "部门预算收支数据变动情况及原因"
    assert "单位预算收支数据变动情况及原因" not in titles
    text = _narrative_text(document)
    assert "本年部门预算支出" in text and "本年单位预算支出" not in text
    assert "本部门2025年机关运行经费财政拨款预算" in text
    assert "本单位" not in text
    html = document_html(document)
    assert html.count("一、本部门职责") == 2  # the 目录's entry and the heading
    assert "本单位职责" not in html
    assert "一、部门预算收支数据变动情况及原因" in html
    name = consolidating.unit.name
    assert html.count(f"部门名称：{name}") == len(document.shown_tables) == 15
    assert "单位名称：" not in html


def test_a_unit_document_still_speaks_of_the_unit(department):
    """A member's own document keeps 本单位职责, 单位预算收支…, 本单位…机关运行经费 and
    单位名称： on every table; it never says 本部门 or 部门名称."""
    from tables.document.build import document_build
    from tables.document.render.document import document_html

    _, members = department
    document = document_build(submission=members[0])
    assert not document.data.is_department and document.data.scope == "单位"
    assert _narrative_titles(document)[0] == "单位预算收支数据变动情况及原因"
    text = _narrative_text(document)
    assert "本年单位预算支出" in text and "本单位2025年机关运行经费" in text
    assert "本部门" not in text
    html = document_html(document)
    assert html.count("一、本单位职责") == 2 and "本部门职责" not in html
    assert html.count(f"单位名称：{members[0].unit.name}") == len(document.shown_tables) == 14
    assert "部门名称：" not in html


def test_a_department_of_institutions_only_words_its_operating_costs(department):
    """A 部门 whose members are all 事业单位 says so in section 八 (not 本单位为事业单位)."""
    from tables.document.narrative.sections import operating_costs_section
    from tables.document.narrative.types import NarrativeTexts, PriorFigures

    consolidating, _ = department
    tables = disclosure_derive(submission=consolidating).tables
    part = operating_costs_section(
        tables,
        year=2025,
        has_operating_costs=False,
        prior=PriorFigures(),
        texts=NarrativeTexts(),
        scope="部门",
    )
    assert part.section.blocks[0].text == "本部门没有行政单位和参公事业单位，不涉及机关运行经费。"


def test_published_department_files_are_named_department_budgets(department, client, fast_pdf):
    """Every stored file of a published 部门 is named …2025年部门预算公开; its workbook's tables
    read 部门名称：, its open data is titled 部门预算公开; a member's files keep 单位预算公开. The
    desk's tables page of the 部门 captions its tables 部门名称：."""
    import json
    import zipfile

    from openpyxl import load_workbook

    from tables.models import FileKind

    consolidating, members = department
    publisher = user_with(ADMIN, name="publisher")
    member_version = submission_publish(submission_id=members[1].pk, actor=publisher)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    version = submission_publish(submission_id=consolidating.pk, actor=publisher)
    name = consolidating.unit.name
    files = {f.kind: f for f in version.files.all()}
    assert files[FileKind.PDF].file_name == f"{name}2025年部门预算公开.pdf"
    assert all(f.file_name.startswith(f"{name}2025年部门预算公开") for f in files.values())
    member_files = list(member_version.files.all())
    assert member_files and all(
        f.file_name.startswith(f"{members[1].unit.name}2025年单位预算公开") for f in member_files
    )

    workbook = load_workbook(io.BytesIO(bytes(files[FileKind.XLSX].content)))
    assert workbook.worksheets[0]["A3"].value == f"部门名称：{name}"
    with zipfile.ZipFile(io.BytesIO(bytes(files[FileKind.OPENDATA].content))) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["title"] == f"{name}2025年部门预算公开（第1版）"
    member_opendata = member_version.files.get(kind=FileKind.OPENDATA)
    with zipfile.ZipFile(io.BytesIO(bytes(member_opendata.content))) as archive:
        assert "年单位预算公开（第1版）" in json.loads(archive.read("datapackage.json"))["title"]

    client.force_login(publisher)
    page = client.get(reverse("tables:submission_tables", kwargs={"pk": consolidating.pk}))
    assert f"部门名称：{name}" in page.content.decode()
    assert "单位名称：" not in page.content.decode()


def test_department_carryover_table_has_one_subtotal_per_member(department):
    """表十三 of the 部门: the 主管部门 row, then each member with carry-over projects (member
    order) as a subtotal equal to its own 表十三's unit row, followed by exactly its own projects;
    the 部门汇总单位's name is printed nowhere; no check fires on 表十三. A unit's 表十三 keeps
    its 主管部门 row and its own unit row."""
    consolidating, members = department
    derived = disclosure_derive(submission=consolidating)
    t13 = derived.tables["T13"]
    own = {m.unit.name: disclosure_derive(submission=m).tables["T13"] for m in members}
    with_projects = [m.unit.name for m in members if len(own[m.unit.name].rows) > 2]
    assert len(with_projects) >= 2, "the fixture must give two members carry-over projects"
    assert t13.rows[0].cells[0] == consolidating.unit.department.name
    assert all(consolidating.unit.name not in row.cells for row in t13.rows)
    subtotals = [(i, row) for i, row in enumerate(t13.rows) if row.level == 1]
    assert [row.cells[0] for _, row in subtotals] == with_projects
    assert t13.rows[0].parts == tuple(i for i, _ in subtotals)
    for (_, row), name in zip(subtotals, with_projects, strict=True):
        mine = own[name]
        assert row.cells[1:] == mine.rows[1].cells[1:]
        assert [t13.rows[p].cells for p in row.parts] == [r.cells for r in mine.rows[2:]]
    assert t13.rows[0].cells[1] == sum((row.cells[1] for _, row in subtotals), ZERO)
    assert not [f for f in derived.findings if f.table == "T13" and f.rule_id in {"R09", "R12"}]
    unit_t13 = own[with_projects[0]]
    assert [r.level for r in unit_t13.rows[:2]] == [0, 1]
    assert unit_t13.rows[1].cells[0] == with_projects[0]


def test_the_desk_download_of_a_department_is_named_department_budget(department, client):
    """The desk's draft workbook of the 部门 downloads as …年度部门预算公开（草稿）.xlsx; a
    member's as …年度单位预算公开（草稿）.xlsx."""
    from urllib.parse import unquote

    consolidating, members = department
    client.force_login(user_with(ADMIN))
    for submission, scope in ((consolidating, "部门"), (members[0], "单位")):
        url = reverse("tables:document_download", kwargs={"pk": submission.pk, "fmt": "xlsx"})
        disposition = unquote(client.get(url)["Content-Disposition"])
        expected = f"{submission.unit.name}2025年度{scope}预算公开（草稿）.xlsx"
        assert disposition.endswith(expected), disposition
