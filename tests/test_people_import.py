"""单位和用户导入 (units.people_import, the desk:people_import page and the import_people
command): 主管部门, units, users, roles and assignments from one workbook, all or nothing, every
error located by sheet, row and column; units need 财政管理员, users need 用户管理; roles go
through the audited service; the admin's people pages serve the same two kinds of people."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.factories import budget_unit_create, department_create, user_with
from units.models import AccessChange, BudgetUnit, Department, UnitAssignment, UnitKind
from units.people_excel import SHEET_UNITS, SHEET_USERS, people_template_workbook
from units.people_import import USERS_REFUSED, people_import
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db
User = get_user_model()


def workbook(units=(), users=()) -> bytes:
    """The downloaded template with `units` and `users` (dicts keyed by header) filled in."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(people_template_workbook()))
    for name, rows in ((SHEET_UNITS, units), (SHEET_USERS, users)):
        sheet = book[name]
        headers = [cell.value for cell in sheet[1]]
        for number, row in enumerate(rows, start=2):
            for header, value in row.items():
                cell = sheet.cell(row=number, column=headers.index(header) + 1, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text, as Excel stores it: never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unit_row(code, name, department="D01", department_name="教育局", kind="事业单位", **more):
    return {
        "单位编码": code,
        "单位名称": name,
        "单位性质": kind,
        "主管部门编码": department,
        "主管部门名称": department_name,
        **more,
    }


def user_row(username, role, units="", name="", email=""):
    return {
        "用户名": username,
        "姓名": name,
        "邮箱": email,
        "角色": role,
        "负责单位编码（多个用、分隔）": units,
    }


def manager(name="people-manager"):
    """A 财政管理员 who was also given 用户管理 by a superuser."""
    user = user_with(ADMIN, name=name)
    user.user_permissions.add(Permission.objects.get(codename="manage_user_access"))
    return User.objects.get(pk=user.pk)


def counts():
    return (
        Department.objects.count(),
        BudgetUnit.objects.count(),
        User.objects.count(),
        UnitAssignment.objects.count(),
        AccessChange.objects.count(),
    )


FILE = workbook(
    units=[
        unit_row("101", "第一中学", **{"内设职能部门数": 5, "核定编制数": 80}),
        unit_row("102", "第二中学", department_name=""),
        unit_row("201", "县卫生院", department="D02", department_name="卫生健康局"),
    ],
    users=[
        user_row("zhang", FILLER, "101、102", name="张会计", email="zhang@example.cn"),
        user_row("li", "审核人", "101，201", name="李审核"),
        user_row("wang", ADMIN, name="王管理"),
    ],
)


def test_the_template_has_the_two_sheets_and_their_headers():
    """The template reads back with 说明, 单位 and 用户 and the columns the import finds."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(people_template_workbook()))
    assert book.sheetnames == ["说明", SHEET_UNITS, SHEET_USERS]
    units = [c.value for c in book[SHEET_UNITS][1]]
    assert units[:5] == ["单位编码", "单位名称", "单位性质", "主管部门编码", "主管部门名称"]
    assert [c.value for c in book[SHEET_USERS][1]] == [
        "用户名",
        "姓名",
        "邮箱",
        "角色",
        "负责单位编码（多个用、分隔）",
    ]


def test_the_import_creates_departments_units_users_and_audited_assignments():
    """A 用户管理 holder imports two 主管部门, three units and three users: the roles and units are
    assigned through the audited service (actor recorded), the new users can enter the admin
    but have no password yet, and the report says so."""
    actor = manager()

    report = people_import(file=FILE, actor=actor)

    assert sorted(report.departments_created) == ["D01 教育局", "D02 卫生健康局"]
    assert report.units_created == ["101 第一中学", "102 第二中学", "201 县卫生院"]
    first = BudgetUnit.objects.get(code="101")
    assert (first.kind, first.department.name) == (UnitKind.INSTITUTION, "教育局")
    assert (first.internal_departments, first.authorized_staff, first.actual_staff) == (5, 80, 0)
    zhang, li, wang = (User.objects.get(username=n) for n in ("zhang", "li", "wang"))
    assert (zhang.first_name, zhang.email) == ("张会计", "zhang@example.cn")
    assert [g.name for g in zhang.groups.all()] == [FILLER]
    assert [g.name for g in li.groups.all()] == [REVIEWER]
    assert [g.name for g in wang.groups.all()] == [ADMIN]
    assert sorted(
        UnitAssignment.objects.filter(user=zhang).values_list("unit__code", flat=True)
    ) == [
        "101",
        "102",
    ]
    assert sorted(UnitAssignment.objects.filter(user=li).values_list("unit__code", flat=True)) == [
        "101",
        "201",
    ]
    assert report.assignments_added == 4
    for user in (zhang, li, wang):
        assert user.is_staff and not user.has_usable_password()
        assert AccessChange.objects.filter(user=user, actor=actor).exists()
    assert sorted(name for _, name in report.without_password) == ["li", "wang", "zhang"]
    assert "还没有密码" in report.summary() and "设置密码" in report.summary()


def test_importing_the_same_file_twice_creates_nothing_twice():
    """The second import reports everything unchanged and writes no row and no audit record."""
    actor = manager()
    people_import(file=FILE, actor=actor)
    before = counts()

    report = people_import(file=FILE, actor=actor)

    assert counts() == before
    assert (report.units_created, report.users_created, report.assignments_added) == ([], [], 0)
    assert len(report.units_unchanged) == 3 and len(report.users_unchanged) == 3


def test_existing_units_and_departments_are_updated_and_blank_cells_keep_values():
    """A row for an existing unit renames it and moves it to another 主管部门; a blank count
    keeps the stored one; a named existing 主管部门 is renamed."""
    old = department_create(code="D01", name="旧名称")
    unit = budget_unit_create(code="101", name="旧单位名", department=old)
    unit.authorized_staff = 12
    unit.save()

    report = people_import(
        file=workbook(
            units=[unit_row("101", "新单位名", department="D01", department_name="教育局")]
        ),
        actor=manager(),
    )

    unit.refresh_from_db()
    assert (unit.name, unit.kind, unit.authorized_staff) == ("新单位名", UnitKind.INSTITUTION, 12)
    assert unit.department.name == "教育局"
    assert report.departments_updated == ["D01 教育局"] and report.units_updated == ["101 新单位名"]


def test_bad_rows_are_refused_with_located_messages_and_nothing_is_written():
    """Each fault names its sheet, row and column; with any fault nothing at all is written."""
    bad = workbook(
        units=[
            unit_row("101", "第一中学"),
            unit_row("102", "第二中学", kind="学校"),
            unit_row("101", "重复编码"),
            unit_row("301", "新部门单位", department="D09", department_name=""),
            unit_row("3 02", "编码有空格"),
        ],
        users=[
            user_row("zhang", FILLER, "101、999"),
            user_row("li", "会计"),
            user_row("wang", FILLER, "", email="not-an-email"),
            user_row("zhang", REVIEWER, "101"),
            user_row("zhao", ADMIN, "101"),
            user_row("has space", FILLER, "101"),
        ],
    )
    actor = manager()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        people_import(file=bad, actor=actor)

    messages = refused.value.messages
    expected = [
        "「单位」表 第3行 C列（单位性质）：单位性质「学校」无效",
        "「单位」表 第4行 A列（单位编码）：与第2行的单位编码「101」重复",
        "「单位」表 第5行 E列（主管部门名称）：主管部门「D09」不存在，请填写主管部门名称以新建",
        "「单位」表 第6行 A列（单位编码）：单位编码「3 02」无效",
        "「用户」表 第2行 E列（负责单位编码（多个用、分隔））：单位编码「999」不存在",
        "「用户」表 第3行 D列（角色）：角色「会计」无效",
        "「用户」表 第4行 C列（邮箱）：邮箱「not-an-email」格式不正确",
        "「用户」表 第4行 E列（负责单位编码（多个用、分隔））：单位填报人必须填写负责单位编码",
        "「用户」表 第5行 A列（用户名）：与第2行的用户名「zhang」重复",
        "「用户」表 第6行 E列（负责单位编码（多个用、分隔））：财政管理员可查看全部单位",
        "「用户」表 第7行 A列（用户名）：用户名「has space」无效",
    ]
    for text in expected:
        assert any(m.startswith(text) for m in messages), (text, messages)
    assert counts() == before


def test_formula_like_text_is_refused_where_it_is():
    """A unit name, a person's name or an e-mail address beginning like a spreadsheet formula
    is refused, located; nothing is written."""
    bad = workbook(
        units=[unit_row("101", '=HYPERLINK("http://x","第一中学")')],
        users=[user_row("zhang", FILLER, "101", name="@SUM(1)", email="+cmd@example.cn")],
    )
    actor = manager()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        people_import(file=bad, actor=actor)

    messages = refused.value.messages
    assert any(m.startswith("「单位」表 第2行 B列（单位名称）：不能以“=”开头") for m in messages)
    assert any(m.startswith("「用户」表 第2行 B列（姓名）：不能以“@”开头") for m in messages)
    assert any(m.startswith("「用户」表 第2行 C列（邮箱）：不能以“+”开头") for m in messages)
    assert counts() == before


def test_an_administrator_without_user_management_imports_units_only():
    """A plain 财政管理员 may import units; a file with users is refused whole (its units are not
    written either), saying to empty the 用户 sheet."""
    admin = user_with(ADMIN, name="plain-admin")
    before = counts()
    with pytest.raises(ValidationError) as refused:
        people_import(file=FILE, actor=admin)
    assert refused.value.messages == [f"「用户」表：{USERS_REFUSED}"]
    assert counts() == before

    report = people_import(file=workbook(units=[unit_row("101", "第一中学")]), actor=admin)
    assert report.units_created == ["101 第一中学"]


def test_a_user_manager_cannot_import_their_own_access_nor_a_second_role():
    """用户管理 never reaches the actor's own account or a superuser's, and an existing 填报人 is
    not made 审核人 by a row (roles are exclusive); nothing is written."""
    actor = manager()
    unit = budget_unit_create(code="101")
    filler = user_with(FILLER, [unit], name="filler")
    User.objects.create_superuser("root")
    before = counts()

    with pytest.raises(ValidationError) as refused:
        people_import(
            file=workbook(
                users=[
                    user_row(actor.username, FILLER, "101"),
                    user_row("root", FILLER, "101"),
                    user_row("filler", REVIEWER, "101"),
                ]
            ),
            actor=actor,
        )

    messages = refused.value.messages
    assert any(
        m.startswith(f"「用户」表 第2行 A列（用户名）：不能更改「{actor.username}」")
        for m in messages
    )
    assert any(m.startswith("「用户」表 第3行 A列（用户名）：不能更改「root」") for m in messages)
    assert any(
        m.startswith("「用户」表 第4行 D列（角色）：「filler」已是单位填报人") for m in messages
    )
    assert counts() == before
    assert [g.name for g in filler.groups.all()] == [FILLER]


def test_an_existing_user_gets_more_units_and_keeps_the_others():
    """A row for an existing 填报人 adds the units it names and removes none."""
    old, new = budget_unit_create(code="101"), budget_unit_create(code="102")
    filler = user_with(FILLER, [old], name="filler")

    report = people_import(
        file=workbook(users=[user_row("filler", FILLER, "102")]), actor=manager()
    )

    assert set(UnitAssignment.objects.filter(user=filler).values_list("unit", flat=True)) == {
        old.pk,
        new.pk,
    }
    assert (report.users_updated, report.assignments_added) == (["filler"], 1)


def test_a_file_that_is_not_the_template_is_refused():
    """A workbook without the 单位 and 用户 sheets, or bytes that are no workbook, are refused in
    Chinese."""
    from openpyxl import Workbook

    actor = manager()
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(ValidationError, match="缺少工作表「单位」、「用户」"):
        people_import(file=buffer.getvalue(), actor=actor)
    with pytest.raises(ValidationError, match="不是 Excel"):
        people_import(file=b"not a workbook", actor=actor)
    with pytest.raises(ValidationError, match="都没有数据行"):
        people_import(file=workbook(), actor=actor)


# --- the page ---------------------------------------------------------------------------------


def _upload(data: bytes, name="people.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_page_imports_and_links_each_new_user_to_set_a_password(client):
    """A 用户管理 holder downloads the template, uploads a file and reads what was done, with a
    设置密码 link per new user."""
    actor = manager()
    client.force_login(actor)

    page = client.get(reverse("desk:people_import")).content.decode()
    assert "下载单位和用户导入模板" in page and "导入单位和用户" in page
    template = client.get(reverse("desk:people_template"))
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")

    response = client.post(reverse("desk:people_import"), {"file": _upload(FILE)})
    text = response.content.decode()
    assert response.status_code == 200
    assert "导入完成" in text and "还没有密码的新用户" in text
    zhang = User.objects.get(username="zhang")
    assert reverse("admin:auth_user_password_change", args=[zhang.pk]) in text


def test_the_page_lists_located_errors_and_writes_nothing(client):
    """A file with faults answers the page with every located error and no change."""
    client.force_login(manager())
    bad = workbook(units=[unit_row("102", "第二中学", kind="学校")])
    before = counts()

    response = client.post(reverse("desk:people_import"), {"file": _upload(bad)})

    text = response.content.decode()
    assert response.status_code == 400
    assert "没有导入：文件有 1 处错误" in text
    assert "「单位」表 第2行 C列（单位性质）：单位性质「学校」无效" in text
    assert counts() == before
    wrong_name = client.post(reverse("desk:people_import"), {"file": _upload(bad, "people.xls")})
    assert "请上传 .xlsx 格式的 Excel 文件" in wrong_name.content.decode()


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_the_page_refuses_fillers_and_reviewers(role, client):
    """Neither a 填报人 nor a 审核人 may open the page, download the template or upload."""
    unit = budget_unit_create()
    client.force_login(user_with(role, [unit]))
    before = counts()

    assert client.get(reverse("desk:people_import")).status_code == 403
    assert client.get(reverse("desk:people_template")).status_code == 403
    response = client.post(reverse("desk:people_import"), {"file": _upload(FILE)})
    assert response.status_code == 403
    assert counts() == before


def test_the_page_tells_a_plain_administrator_what_they_may_import(client):
    """A 财政管理员 without 用户管理 reads that users need 用户管理."""
    client.force_login(user_with(ADMIN, name="plain-admin"))

    text = client.get(reverse("desk:people_import")).content.decode()

    assert "单位和主管部门：可以导入" in text
    assert "用户、角色和负责单位：不可以：需要“用户管理”权限" in text


# --- the command ------------------------------------------------------------------------------


def test_the_command_imports_and_refuses(tmp_path):
    """import_people FILE prints the summary; a faulty file prints its errors and writes
    nothing."""
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(FILE)
    bad.write_bytes(workbook(units=[unit_row("102", "第二中学", kind="学校")]))
    out = StringIO()

    call_command("import_people", str(good), stdout=out)
    assert "单位：新建 3 个" in out.getvalue() and "没有密码：zhang" in out.getvalue()

    before, err = counts(), StringIO()
    with pytest.raises(CommandError, match="有 1 处错误"):
        call_command("import_people", str(bad), stderr=err)
    assert "单位性质「学校」无效" in err.getvalue()
    assert counts() == before


# --- the admin's people pages -----------------------------------------------------------------


def test_a_user_manager_can_add_a_user_set_a_password_and_assign_a_unit_in_the_admin(client):
    """In the admin, a 财政管理员 with 用户管理 adds a user, sets the password of an imported one
    (who has none) and assigns a unit; each page answers, and the assignment is audited."""
    actor = manager()
    people_import(file=FILE, actor=actor)
    zhang = User.objects.get(username="zhang")
    client.force_login(actor)

    assert client.get(reverse("admin:auth_user_add")).status_code == 200
    change = client.get(reverse("admin:auth_user_change", args=[zhang.pk])).content.decode()
    assert "设置密码" in change
    password_url = reverse("admin:auth_user_password_change", args=[zhang.pk])
    response = client.post(
        password_url,
        {
            "password1": "Ab3-long-passphrase",
            "password2": "Ab3-long-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.check_password("Ab3-long-passphrase")

    unit = BudgetUnit.objects.get(code="201")
    response = client.post(
        reverse("admin:units_unitassignment_add"), {"user": zhang.pk, "unit": unit.pk}
    )
    assert response.status_code == 302
    assert AccessChange.objects.filter(user=zhang, actor=actor, change__contains="201").exists()


def test_an_administrator_adds_departments_and_units_in_the_admin(client):
    """A 财政管理员 (no 用户管理) adds a 主管部门 and a unit in the admin."""
    client.force_login(user_with(ADMIN, name="plain-admin"))

    response = client.post(reverse("admin:units_department_add"), {"code": "D07", "name": "交通局"})
    assert response.status_code == 302
    department = Department.objects.get(code="D07")
    response = client.post(
        reverse("admin:units_budgetunit_add"),
        {
            "code": "701",
            "name": "县公路站",
            "kind": UnitKind.INSTITUTION,
            "department": department.pk,
            "internal_departments": 0,
            "subordinate_units": 0,
            "authorized_staff": 0,
            "actual_staff": 0,
            "on_payroll_staff": 0,
            "other_staff": 0,
        },
    )
    assert response.status_code == 302
    assert BudgetUnit.objects.get(code="701").department == department


def test_user_management_alone_is_enough_for_the_people_pages(client):
    """A staff user holding 用户管理 but no role (the bureau's IT officer) sees and manages users
    and assignments in the admin and imports users; units stay with the 财政管理员."""
    officer = User.objects.create_user("it-officer", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="manage_user_access"))
    unit = budget_unit_create(code="101")
    client.force_login(officer)

    for name in ("auth_user_changelist", "auth_user_add", "units_unitassignment_add"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    assert client.get(reverse("admin:units_accesschange_changelist")).status_code == 200
    assert client.get(reverse("admin:units_budgetunit_add")).status_code == 403

    report = people_import(file=workbook(users=[user_row("zhang", FILLER, "101")]), actor=officer)
    assert report.users_created == ["zhang"]
    assert UnitAssignment.objects.filter(user__username="zhang", unit=unit).exists()
    with pytest.raises(ValidationError, match="只有财政管理员可以导入单位"):
        people_import(file=workbook(units=[unit_row("102", "第二中学")]), actor=officer)
