"""Excel template, export and import of project targets: the export of the demo imports back to
the same targets; every bad input is refused with a Chinese message naming sheet, row, column and
reason, and nothing is saved; re-importing does not duplicate; the commands and admin pages."""

import dataclasses
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from performance import excel
from performance.demo import demo_target_faults_fix
from performance.models import Indicator, ProjectTarget
from performance.selectors import target_data_load
from performance.services import (
    targets_export_workbook,
    targets_import,
    targets_template_workbook,
)
from units.models import Project

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/performance/projecttarget/"


@pytest.fixture
def exported(demo) -> bytes:
    return targets_export_workbook(submission=demo)


def comparable(submission):
    """The submission's project targets without database ids and indicator position numbers
    (positions are renumbered on import; their order is kept)."""
    rows = []
    for target in target_data_load(submission=submission).project_targets:
        data = dataclasses.asdict(target)
        del data["id"]
        data["indicators"] = [
            {k: v for k, v in indicator.items() if k != "position"}
            for indicator in data["indicators"]
        ]
        rows.append(data)
    return rows


def state(submission):
    """Everything an import could change, ids included, to prove nothing was written."""
    return (
        list(
            ProjectTarget.objects.filter(project__submission=submission)
            .order_by("id")
            .values_list("id", "project_id", "overview", "period_central", "filled_at")
        ),
        list(Indicator.objects.order_by("id").values_list("id", "project_target_id", "text")),
    )


def column_of(sheet, header) -> int:
    return next(cell.column for cell in sheet[1] if cell.value == header)


def edited(data: bytes, sheet_name: str, row: int, header: str, value, number_format=None):
    """The workbook with one cell replaced."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[sheet_name]
    cell = sheet.cell(row=row, column=column_of(sheet, header))
    cell.value = value
    if number_format:
        cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def first_row(data: bytes, sheet_name: str, header: str, value) -> int:
    """The first row whose `header` cell equals `value`."""
    sheet = load_workbook(io.BytesIO(data))[sheet_name]
    column = column_of(sheet, header)
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value == value)


def refused(submission, data: bytes) -> list[str]:
    """Import `data`, expect a ValidationError, assert nothing changed; return the messages."""
    before = state(submission)
    with pytest.raises(ValidationError) as info:
        targets_import(submission=submission, file=data)
    assert state(submission) == before
    return info.value.messages


# --- template and export -------------------------------------------------------------------


def test_template_has_the_four_sheets_headers_and_framework_pairs(demo):
    """The template has 说明, 项目目标, 绩效指标 and 指标体系 sheets; the headers are the import
    columns; 指标体系 lists the nine 一级/二级 pairs."""
    workbook = load_workbook(io.BytesIO(targets_template_workbook()))
    assert workbook.sheetnames == ["说明", "项目目标", "绩效指标", "指标体系"]
    assert [c.value for c in workbook["项目目标"][1]] == [c.header for c in excel.PROJECT_COLUMNS]
    assert [c.value for c in workbook["绩效指标"][1]] == [
        "项目名称",
        "目标期",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
    ]
    pairs = [tuple(c.value for c in row) for row in workbook["指标体系"].iter_rows(min_row=2)]
    assert len(pairs) == 9
    assert pairs[0] == ("产出指标", "数量指标") and pairs[-1] == (
        "满意度指标",
        "服务对象满意度指标",
    )
    assert workbook["项目目标"].max_row == 1  # no data rows
    with_names = load_workbook(io.BytesIO(targets_template_workbook(submission=demo)))
    assert "智慧人大三期项目" in with_names["说明"]["A2"].value


def test_blank_template_import_is_refused(demo):
    """Importing the empty template says there is no target row."""
    messages = refused(demo, targets_template_workbook())
    assert messages == ["「项目目标」表：没有任何项目目标行。"]


def test_export_writes_numbers_as_numbers_and_values_as_text(demo, exported):
    """Amounts are numeric cells in 元; indicator values stay text (e.g. "≥95%")."""
    workbook = load_workbook(io.BytesIO(exported))
    projects = workbook["项目目标"]
    assert projects.max_row - 1 == ProjectTarget.objects.filter(project__submission=demo).count()
    row = first_row(exported, "项目目标", "项目名称", "2025年度人大代表联络站经费")
    local = projects.cell(row, column_of(projects, "实施期资金-市县(区)财政资金（元）"))
    assert local.value == 75000 and local.number_format == "#,##0.00"
    indicators = workbook["绩效指标"]
    values = [r[5].value for r in indicators.iter_rows(min_row=2)]
    assert "≥95%" in values and all(isinstance(v, str) for v in values)
    assert (
        indicators.max_row - 1
        == Indicator.objects.filter(project_target__project__submission=demo).count()
    )


# --- round trip and re-import ----------------------------------------------------------------


def test_export_then_import_gives_the_same_targets(demo, exported):
    """Demo → export → import leaves every project target and indicator as it was."""
    original = comparable(demo)
    report = targets_import(submission=demo, file=exported)
    assert comparable(demo) == original
    assert len(report.replaced) == 18 and report.created == []


def test_export_then_import_round_trips_after_the_demo_fix(demo):
    """With the seed's 绩效目标 faults corrected (a target added for 市人大代表联络站经费), the
    export still imports back unchanged: the added target has every required text."""
    demo_target_faults_fix(submission=demo)
    original = comparable(demo)
    report = targets_import(submission=demo, file=targets_export_workbook(submission=demo))
    assert comparable(demo) == original
    assert len(report.replaced) == 19 and report.created == []


def test_import_into_empty_submission_recreates_the_demo(demo, exported):
    """After deleting the targets, importing the export creates them again, identical."""
    original = comparable(demo)
    ProjectTarget.objects.filter(project__submission=demo).delete()
    report = targets_import(submission=demo, file=exported)
    assert len(report.created) == 18 and report.indicators == len(
        [i for t in original for i in t["indicators"]]
    )
    assert comparable(demo) == original


def test_reimport_does_not_duplicate(demo, exported):
    """Importing the same file twice leaves the same number of targets and indicators, and the
    targets keep their ids."""
    targets_import(submission=demo, file=exported)
    first = (
        list(ProjectTarget.objects.order_by("id").values_list("id", flat=True)),
        Indicator.objects.count(),
    )
    targets_import(submission=demo, file=exported)
    assert (
        list(ProjectTarget.objects.order_by("id").values_list("id", flat=True)),
        Indicator.objects.count(),
    ) == first


def test_import_replaces_only_projects_in_the_file(demo, exported):
    """A file with one project replaces that project's target and indicators; the other
    targets are untouched."""
    workbook = load_workbook(io.BytesIO(exported))
    keep = "智慧人大三期项目"
    for name in ("项目目标", "绩效指标"):
        sheet = workbook[name]
        for row in range(sheet.max_row, 1, -1):
            if sheet.cell(row, 1).value != keep:
                sheet.delete_rows(row)
    workbook["绩效指标"].cell(2, 6).value = "≥99%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    others_before = comparable(demo)
    report = targets_import(submission=demo, file=buffer.getvalue())
    assert report.replaced == [keep]
    target = ProjectTarget.objects.get(project__submission=demo, project__name=keep)
    assert target.indicators.filter(text="≥99%").count() == 1
    after = {t["project_id"]: t for t in comparable(demo)}
    for old in others_before:
        if old["project_id"] != target.project_id:
            assert after[old["project_id"]] == old


def test_blank_filled_at_is_the_import_time(demo, exported):
    """An empty 填报日期 cell is recorded as the time of the import."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "项目目标", row, "填报日期", None)
    start = timezone.now().replace(microsecond=0)
    targets_import(submission=demo, file=data)
    target = ProjectTarget.objects.get(project__submission=demo, project__name="智慧人大三期项目")
    assert start <= target.filled_at <= timezone.now()
    other = ProjectTarget.objects.get(project__submission=demo, project__name="会议费")
    assert other.filled_at < start  # the exported date was kept


def test_numbers_are_read_exactly_and_percent_cells_as_percent(demo, exported):
    """A float amount 1234.56 is read as Decimal 1234.56; a 0.95 cell formatted 0% is 95%."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "项目目标", row, "实施期资金-中央财政资金（元）", 1234.56)
    row = first_row(data, "绩效指标", "项目名称", "智慧人大三期项目")
    data = edited(data, "绩效指标", row, "指标值", 0.95, number_format="0%")
    targets_import(submission=demo, file=data)
    target = ProjectTarget.objects.get(project__submission=demo, project__name="智慧人大三期项目")
    assert target.period_central == Decimal("1234.56")
    assert target.indicators.filter(text="95%").exists()


# --- bad input: Chinese message with sheet, row, column; nothing saved --------------------


def test_unknown_project_name_is_refused(demo, exported):
    """A project name that is not in the submission names sheet, row, column and the name."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    messages = refused(demo, edited(exported, "项目目标", row, "项目名称", "不存在的项目"))
    assert f"「项目目标」表 第{row}行 A列（项目名称）：" in messages[0]
    assert "没有名为「不存在的项目」的项目" in messages[0]
    # Its indicator rows now point to a project missing from 项目目标: reported too.
    assert any("「绩效指标」表" in m and "不在「项目目标」表中" in m for m in messages)


def test_unknown_level_pair_is_refused(demo, exported):
    """产出指标 / 满意度指标 is not a pair of the framework: 二级指标 column, with the choices."""
    row = first_row(exported, "绩效指标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "绩效指标", row, "一级指标", "产出指标")
    data = edited(data, "绩效指标", row, "二级指标", "满意度指标")
    messages = refused(demo, data)
    assert messages == [
        f"「绩效指标」表 第{row}行 D列（二级指标）：一级指标「产出指标」下没有二级指标"
        "「满意度指标」；可选：数量指标、质量指标、时效指标、成本指标（见「指标体系」表）。"
    ]


def test_unknown_level1_is_refused(demo, exported):
    """A 一级指标 outside the framework is reported in the 一级指标 column."""
    data = edited(exported, "绩效指标", 2, "一级指标", "产出")
    [message] = refused(demo, data)
    assert message.startswith(
        "「绩效指标」表 第2行 C列（一级指标）：一级指标「产出」不在指标体系中"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("≥高", "比较符「≥」后必须是数字"),
        ("120%", "百分比必须在0–100之间"),
        (None, "指标值不能为空"),
    ],
)
def test_bad_indicator_value_is_refused(demo, exported, value, reason):
    """An unparsable value where a number is required, a percentage over 100 and an empty value
    are refused in the 指标值 column."""
    [message] = refused(demo, edited(exported, "绩效指标", 3, "指标值", value))
    assert message.startswith("「绩效指标」表 第3行 F列（指标值）：")
    assert reason in message


def test_bad_scope_is_refused(demo, exported):
    """目标期 must be 实施期 or 年度."""
    [message] = refused(demo, edited(exported, "绩效指标", 2, "目标期", "全年"))
    assert (
        message == "「绩效指标」表 第2行 B列（目标期）：目标期「全年」无效，应为 实施期 或 年度。"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (-1, "金额不能为负数：-1.00"),
        ("-0.01", "金额不能为负数"),
        ("0.125", "最多只能有两位小数"),
        (0.125, "最多只能有两位小数"),
        ("一万", "金额不是有效的数字"),
    ],
)
def test_bad_money_is_refused(demo, exported, value, reason):
    """Negative amounts, more than two decimals and non-numbers are refused in their column."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "项目目标", row, "年度资金-省级财政资金（元）", value)
    [message] = refused(demo, data)
    assert message.startswith(f"「项目目标」表 第{row}行 P列（年度资金-省级财政资金（元））：")
    assert reason in message


def test_fullwidth_digits_in_money_are_refused(demo, exported):
    """An amount typed in full-width digits is refused at its cell, asking for half-width."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "项目目标", row, "年度资金-省级财政资金（元）", "１２３.４５")
    [message] = refused(demo, data)
    assert message == (
        f"「项目目标」表 第{row}行 P列（年度资金-省级财政资金（元））："
        "金额「１２３.４５」含全角数字“１”，请改用半角数字 0–9 填写。"
    )


def text_cell_edited(data: bytes, sheet_name: str, row: int, header: str, value: str) -> bytes:
    """The workbook with one cell holding `value` as text (as a user's paste stores it)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[sheet_name]
    cell = sheet.cell(row=row, column=column_of(sheet, header))
    cell.value, cell.data_type = value, "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_formula_like_text_is_refused_in_every_free_text_column(demo, exported):
    """立项依据, a 三级指标 name and an indicator value that begin like a formula are each
    refused at their cell with the shared rule's message; nothing is saved."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = text_cell_edited(exported, "项目目标", row, "立项依据", "+依据")
    data = text_cell_edited(data, "绩效指标", 2, "三级指标", "@指标")
    data = text_cell_edited(data, "绩效指标", 3, "指标值", "=1+1")
    messages = refused(demo, data)
    assert [m.split("：")[0] for m in messages] == [
        f"「项目目标」表 第{row}行 D列（立项依据）",
        "「绩效指标」表 第2行 E列（三级指标）",
        "「绩效指标」表 第3行 F列（指标值）",
    ]
    assert all("开头（电子表格会把它当作公式执行）" in m for m in messages)


def test_extra_allocation_project_is_refused(demo, exported):
    """Naming an extra allocation (追加资金批次) is refused: it shares its project's target."""
    allocation = Project.objects.filter(submission=demo, allocation_of__isnull=False).first()
    allocation.name = "乡镇代表活动经费（追加）"
    allocation.save()
    row = first_row(exported, "项目目标", "项目名称", allocation.allocation_of.name)
    data = edited(exported, "项目目标", row, "项目名称", allocation.name)
    messages = refused(demo, data)
    assert messages[0].startswith(f"「项目目标」表 第{row}行 A列（项目名称）：")
    assert "是追加资金批次" in messages[0] and allocation.allocation_of.name in messages[0]


def test_required_text_and_duplicate_rows_are_refused(demo, exported):
    """An empty 项目概况 and a project listed twice are each reported."""
    row = first_row(exported, "项目目标", "项目名称", "智慧人大三期项目")
    data = edited(exported, "项目目标", row, "项目概况", "  ")
    data = edited(data, "项目目标", row + 1, "项目名称", "智慧人大三期项目")
    messages = refused(demo, data)
    assert f"「项目目标」表 第{row}行 C列（项目概况）：不能为空。" in messages
    assert any(
        m.startswith(f"「项目目标」表 第{row + 1}行 A列") and f"与第{row}行重复" in m
        for m in messages
    )


def test_every_error_is_listed_at_once(demo, exported):
    """Several faults in one file are all reported, in sheet and row order."""
    data = edited(exported, "绩效指标", 5, "指标值", "≥高")
    data = edited(data, "项目目标", 3, "实施期资金-其他资金（元）", -5)
    data = edited(data, "绩效指标", 2, "指标值", "120%")
    messages = refused(demo, data)
    assert [m.split("：")[0] for m in messages] == [
        "「项目目标」表 第3行 N列（实施期资金-其他资金（元））",
        "「绩效指标」表 第2行 F列（指标值）",
        "「绩效指标」表 第5行 F列（指标值）",
    ]


def test_formula_without_value_is_refused(demo, exported):
    """A formula cell without a cached result (never calculated) is refused."""
    data = edited(exported, "项目目标", 2, "实施期资金-中央财政资金（元）", "=1+2")
    [message] = refused(demo, data)
    assert message.startswith("「项目目标」表 第2行 J列（实施期资金-中央财政资金（元））：")
    assert "公式但没有计算结果" in message


def test_text_starting_with_equals_is_exported_as_text_and_refused_on_import(demo):
    """An indicator value "=5个" (entered before the formula-text rule) is exported as a text
    cell, never a formula, and its re-import is refused at its cell; "＝5个" imports."""
    target = ProjectTarget.objects.get(project__submission=demo, project__name="智慧人大三期项目")
    indicator = target.indicators.first()
    indicator.text = "=5个"
    indicator.save()
    data = targets_export_workbook(submission=demo)
    row = first_row(data, "绩效指标", "指标值", "=5个")
    cell = load_workbook(io.BytesIO(data))["绩效指标"].cell(row, 6)
    assert cell.value == "=5个" and cell.data_type == "s"
    [message] = refused(demo, data)
    assert message.startswith(f"「绩效指标」表 第{row}行 F列（指标值）：不能以“=”开头")
    targets_import(submission=demo, file=edited(data, "绩效指标", row, "指标值", "＝5个"))
    assert target.indicators.filter(text="＝5个", comparator="＝", value=5, unit="个").exists()


def test_file_size_limit(demo):
    """A file over the size limit is refused before it is opened."""
    too_big = b"PK\x03\x04" + b"\0" * excel.MAX_FILE_BYTES
    with pytest.raises(ValidationError, match="文件过大"):
        targets_import(submission=demo, file=too_big)


def test_row_limit(demo, exported, monkeypatch):
    """More data rows than the limit are refused with the sheet named."""
    monkeypatch.setattr(excel, "MAX_PROJECT_ROWS", 5)
    messages = refused(demo, exported)
    assert messages == ["「项目目标」表：数据行超过 5 行的上限，请分批导入。"]


def test_not_a_workbook_and_missing_parts(demo, exported):
    """CSV or .xls content, a missing sheet and a missing header column are clear errors."""
    with pytest.raises(ValidationError, match="不是 Excel（.xlsx）工作簿"):
        targets_import(submission=demo, file=b"a,b\n1,2\n")
    with pytest.raises(ValidationError, match="旧版 Excel"):
        targets_import(submission=demo, file=b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    workbook = Workbook()
    workbook.active.title = "项目目标"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValidationError, match="缺少工作表 「绩效指标」"):
        targets_import(submission=demo, file=buffer.getvalue())
    data = edited(exported, "项目目标", 1, "联系电话", "电话")
    messages = refused(demo, data)
    assert messages == [
        "「项目目标」表：第1行表头缺少列：联系电话（请使用下载的模板，不要改动表头）。"
    ]


# --- commands ---------------------------------------------------------------------------------


def test_export_and_import_commands_round_trip(demo, tmp_path):
    """export_targets writes the workbook; import_targets reads it back and reports."""
    path = tmp_path / "out" / "targets.xlsx"
    out = io.StringIO()
    call_command("export_targets", unit="003", year=2025, output=str(path), stdout=out)
    assert path.is_file() and "已导出" in out.getvalue()
    original = comparable(demo)
    out = io.StringIO()
    call_command("import_targets", str(path), unit="003", year=2025, stdout=out)
    assert "导入项目绩效目标 18 个" in out.getvalue()
    assert comparable(demo) == original


def test_import_command_fails_with_the_errors_listed(demo, exported, tmp_path):
    """A bad file makes import_targets fail (non-zero exit) with every error on stderr."""
    path = tmp_path / "bad.xlsx"
    path.write_bytes(edited(exported, "绩效指标", 3, "指标值", "120%"))
    err = io.StringIO()
    before = state(demo)
    with pytest.raises(CommandError, match="bad.xlsx 有 1 处错误，未导入任何绩效目标"):
        call_command("import_targets", str(path), unit="003", year=2025, stderr=err)
    assert "「绩效指标」表 第3行 F列（指标值）" in err.getvalue()
    assert state(demo) == before
    with pytest.raises(CommandError, match="找不到单位 999 的 2025 年"):
        call_command("import_targets", str(path), unit="999", year=2025)


def test_import_command_exit_status_is_non_zero(demo, exported, tmp_path):
    """Run through the command-line entry point, a failed import exits with status 1."""
    from django.core.management import ManagementUtility

    path = tmp_path / "bad.xlsx"
    path.write_bytes(edited(exported, "绩效指标", 3, "指标值", "≥高"))
    utility = ManagementUtility(
        ["manage.py", "import_targets", "--unit", "003", "--year", "2025", str(path)]
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


def test_admin_downloads_template_and_export(demo, staff):
    """The template and the export are .xlsx downloads with a Chinese file name."""
    response = staff.get(f"{CHANGELIST}excel/template/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    response = staff.get(f"{CHANGELIST}excel/export/", {"submission": demo.pk})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook["项目目标"].max_row == 19
    assert "003_2025.xlsx" in response["Content-Disposition"]


def test_admin_upload_imports_and_redirects(demo, exported, staff):
    """Uploading the export through the CSRF-protected form imports it and redirects to the list."""
    page = staff.get(f"{CHANGELIST}excel/").content.decode()
    assert "csrfmiddlewaretoken" in page and 'enctype="multipart/form-data"' in page
    original = comparable(demo)
    upload = io.BytesIO(exported)
    upload.name = "targets.xlsx"
    response = staff.post(f"{CHANGELIST}excel/", {"submission": demo.pk, "file": upload})
    assert response.status_code == 302
    assert f"project__submission__id__exact={demo.pk}" in response["Location"]
    assert comparable(demo) == original


def test_admin_upload_shows_errors_and_saves_nothing(demo, exported, staff):
    """A bad upload shows every error on the page and saves nothing."""
    upload = io.BytesIO(edited(exported, "绩效指标", 3, "指标值", "≥高"))
    upload.name = "targets.xlsx"
    before = state(demo)
    response = staff.post(f"{CHANGELIST}excel/", {"submission": demo.pk, "file": upload})
    content = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in content and "「绩效指标」表 第3行 F列（指标值）" in content
    assert state(demo) == before


def test_admin_upload_refuses_other_file_types(demo, staff):
    """A .csv upload is refused by the form."""
    upload = io.BytesIO(b"a,b\n")
    upload.name = "targets.csv"
    response = staff.post(f"{CHANGELIST}excel/", {"submission": demo.pk, "file": upload})
    assert "请上传 .xlsx 格式的 Excel 文件" in response.content.decode()


def test_admin_upload_requires_csrf(demo, exported):
    """Without the CSRF token the upload is rejected (403)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456")
    client.force_login(user)
    upload = io.BytesIO(exported)
    upload.name = "targets.xlsx"
    response = client.post(f"{CHANGELIST}excel/", {"submission": demo.pk, "file": upload})
    assert response.status_code == 403
