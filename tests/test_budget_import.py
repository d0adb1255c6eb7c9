"""Excel template, export and import of budget lines end to end: the template and the export,
the export of the demo importing back to the same derived tables, projects kept, recreated or
deleted by (项目名称, 资金批次); the `export_budget` and `import_budget` commands and the admin
pages. What each cell and each file may hold is tested in `tests/test_budget_import_inputs.py`."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from performance.models import ProjectTarget
from tests.budget_workbooks import column_of, edited, refused, state, tables_of
from units.budget_excel import LINE_COLUMNS, SHEET_LINES
from units.budget_import import budget_import, budget_template_workbook
from units.models import BudgetLine, Project

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/units/budget-import/"
TEMPLATE_URL = "/admin/units/budget-import/template/"


# --- template and export -------------------------------------------------------------------


def test_defusedxml_is_active():
    """openpyxl parses every workbook through defusedxml."""
    assert openpyxl.DEFUSEDXML is True


def test_template_has_instructions_headers_and_code_lists(demo):
    """The template: 说明 with the number rule, 预算明细 headers, the year's code lists."""
    workbook = load_workbook(io.BytesIO(budget_template_workbook(year=2025)))
    assert workbook.sheetnames == [
        "说明",
        "预算明细",
        "政府采购",
        "政府购买服务",
        "国有资产",
        "上年",
        "功能分类",
        "经济分类",
    ]
    readme = "\n".join(str(c.value) for c in workbook["说明"]["A"] if c.value)
    assert "1,234.50" in readme and "1,23.4" in readme and "不会产生重复数据" in readme
    assert [c.value for c in workbook["预算明细"][1]] == [c.header for c in LINE_COLUMNS]
    assert workbook["预算明细"].max_row == 1
    functional = list(workbook["功能分类"].iter_rows(min_row=2, values_only=True))
    assert ("2010101", "行政运行", "项", "2010101##行政运行") in functional
    economic = list(workbook["经济分类"].iter_rows(min_row=2, values_only=True))
    basic_pay = next(r for r in economic if r[1] == "30101")
    assert basic_pay[4] == "30101##基本工资" and basic_pay[5].startswith("50101##")


def test_export_writes_codes_labels_and_numbers(demo, exported):
    """Export: codes as code##name, labels in Chinese, amounts as numbers with two decimals."""
    sheet = load_workbook(io.BytesIO(exported))[SHEET_LINES]
    assert sheet.max_row == 1 + BudgetLine.objects.filter(submission=demo).count()
    row = [c.value for c in sheet[2]]
    assert row[0] == "2010101##行政运行" and row[3] == "基本支出-人员"
    amount = sheet.cell(2, column_of(sheet, "金额（元）"))
    assert isinstance(amount.value, int | float) and amount.number_format == "#,##0.00"


def test_export_then_import_gives_the_same_derived_tables(demo, exported):
    """Round trip on the demo: after re-import the derived tables 1–14 equal the original."""
    original = tables_of(demo)
    report = budget_import(submission=demo, file=exported)
    assert report.lines == 53 and len(report.projects_updated) == 24
    assert not report.projects_created and not report.projects_deleted
    assert tables_of(demo) == original


def test_reimport_does_not_duplicate_and_keeps_targets(demo, exported):
    """Importing the same file twice gives the same lines and projects; project ids and their
    绩效目标 survive."""
    targets = list(
        ProjectTarget.objects.filter(project__submission=demo).values_list("id", "project_id")
    )
    projects = state(demo)[1]
    budget_import(submission=demo, file=exported)
    first = state(demo)
    budget_import(submission=demo, file=exported)
    second = state(demo)
    assert len(second[0]) == len(first[0]) == 53
    assert [r[1:] for r in second[0]] == [r[1:] for r in first[0]]
    assert second[1] == first[1] == projects
    assert (
        list(ProjectTarget.objects.filter(project__submission=demo).values_list("id", "project_id"))
        == targets
    )


def test_import_into_empty_submission_recreates_the_demo(demo, exported):
    """With no lines and projects, the export recreates them (allocations via 资金批次)."""
    original = tables_of(demo)
    ProjectTarget.objects.filter(project__submission=demo).delete()
    demo.procurements.all().delete()
    BudgetLine.objects.filter(submission=demo).delete()
    Project.objects.filter(submission=demo).update(allocation_of=None)
    Project.objects.filter(submission=demo).delete()
    report = budget_import(submission=demo, file=exported)
    assert len(report.projects_created) == 24
    allocations = Project.objects.filter(submission=demo).exclude(allocation_of=None)
    assert allocations.count() == 4
    assert all(p.allocation_of.name == p.name for p in allocations)
    # Project ids differ (table rows carry them as codes); everything else is equal.
    assert rows_without_codes(tables_of(demo)) == rows_without_codes(original)


def rows_without_codes(tables):
    return {code: [(r.cells, r.level) for r in t.rows] for code, t in tables.items()}


def test_project_without_target_not_in_file_is_deleted_and_referenced_one_refused(demo, exported):
    """A project missing from the file is deleted; one with a 绩效目标 is kept and reported."""
    sheet = load_workbook(io.BytesIO(exported))[SHEET_LINES]
    column = column_of(sheet, "项目名称")
    targeted = set(
        ProjectTarget.objects.filter(project__submission=demo).values_list(
            "project__name", flat=True
        )
    )
    victim = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, column).value and sheet.cell(r, column).value not in targeted
    )
    victim_name = sheet.cell(victim, column).value
    sheet.delete_rows(victim)
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    report = budget_import(submission=demo, file=buffer.getvalue())
    assert report.projects_deleted == [victim_name]

    sheet = load_workbook(io.BytesIO(exported))[SHEET_LINES]
    kept = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value in targeted)
    kept_name = sheet.cell(kept, column).value
    sheet.delete_rows(kept)
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    data = edited(buffer.getvalue(), 2, "支出类型", "奖金")
    messages = refused(demo, data)
    assert any(f"文件中没有项目「{kept_name}」" in m and "绩效目标" in m for m in messages)
    assert any(
        m.startswith("「预算明细」表 第2行 D列（支出类型）") for m in messages
    )  # listed together


# --- commands ---------------------------------------------------------------------------------


def test_export_and_import_commands_round_trip(demo, tmp_path):
    """export_budget writes the workbook; import_budget reads it back; tables are unchanged."""
    original = tables_of(demo)
    path = tmp_path / "out" / "budget.xlsx"
    out = io.StringIO()
    call_command("export_budget", unit="003", year=2025, output=str(path), stdout=out)
    assert path.is_file() and "已导出" in out.getvalue()
    out = io.StringIO()
    call_command("import_budget", str(path), unit="003", year=2025, stdout=out)
    assert "导入预算明细 53 条" in out.getvalue()
    assert tables_of(demo) == original


def test_import_command_fails_with_the_errors_listed(demo, exported, tmp_path):
    """A bad file makes import_budget fail with every error on stderr; nothing saved."""
    path = tmp_path / "bad.xlsx"
    path.write_bytes(edited(exported, 2, "金额（元）", "1,23.4"))
    err = io.StringIO()
    before = state(demo)
    with pytest.raises(CommandError, match="bad.xlsx 有 1 处错误，未导入任何预算明细"):
        call_command("import_budget", str(path), unit="003", year=2025, stderr=err)
    assert "「预算明细」表 第2行 L列（金额（元））" in err.getvalue()
    assert state(demo) == before


def test_import_command_exit_status_is_one(demo, exported, tmp_path):
    """Through the command-line entry point, a failed import exits with status 1."""
    from django.core.management import ManagementUtility

    path = tmp_path / "bad.xlsx"
    path.write_bytes(edited(exported, 2, "支出类型", "奖金"))
    utility = ManagementUtility(
        ["manage.py", "import_budget", "--unit", "003", "--year", "2025", str(path)]
    )
    with pytest.raises(SystemExit) as info:
        utility.execute()
    assert info.value.code == 1


# --- admin pages ------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    return client


def test_admin_page_downloads_template_and_export(demo, staff):
    """The page has a CSRF-protected upload form; template and export are .xlsx downloads."""
    page = staff.get(IMPORT_URL).content.decode()
    assert "csrfmiddlewaretoken" in page and 'enctype="multipart/form-data"' in page
    response = staff.get(TEMPLATE_URL, {"year": 2025})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))[SHEET_LINES].max_row == 1
    response = staff.get(TEMPLATE_URL, {"submission": demo.pk})
    assert load_workbook(io.BytesIO(response.content))[SHEET_LINES].max_row == 54
    assert "003_2025.xlsx" in response["Content-Disposition"]


def test_admin_upload_imports_and_shows_errors(demo, exported, staff):
    """A good upload imports and redirects; a bad one lists every error and saves nothing."""
    upload = io.BytesIO(exported)
    upload.name = "budget.xlsx"
    response = staff.post(IMPORT_URL, {"submission": demo.pk, "file": upload})
    assert response.status_code == 302
    before = state(demo)
    upload = io.BytesIO(edited(exported, 2, "金额（元）", -1))
    upload.name = "budget.xlsx"
    response = staff.post(IMPORT_URL, {"submission": demo.pk, "file": upload})
    content = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in content and "「预算明细」表 第2行 L列（金额（元））" in content
    assert state(demo) == before


def test_admin_upload_refuses_csv_forged_ids_and_missing_csrf(demo, exported, client):
    """Non-staff are sent to login; CSRF is enforced; a .csv or an unknown submission id is
    refused by the form; nothing is saved."""
    from django.test import Client

    before = state(demo)
    assert client.get(IMPORT_URL).status_code == 302  # anonymous → login
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    upload = io.BytesIO(exported)
    upload.name = "budget.xlsx"
    assert strict.post(IMPORT_URL, {"submission": demo.pk, "file": upload}).status_code == 403
    client.force_login(user)
    upload = io.BytesIO(b"a,b\n")
    upload.name = "budget.csv"
    response = client.post(IMPORT_URL, {"submission": demo.pk, "file": upload})
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()
    upload = io.BytesIO(exported)
    upload.name = "budget.xlsx"
    response = client.post(IMPORT_URL, {"submission": demo.pk + 999, "file": upload})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert state(demo) == before
