"""Import of units, 主管部门, users and their assignments from the 单位和用户 workbook
(`units.people_excel` holds the layout). The bureau's page (`desk:people_import`) and the
`import_people` command call `people_import`; neither writes people itself.

Decisions:

- All or nothing, without a preview: every row of both sheets is checked first, and one
  transaction writes them, so a file with any error changes nothing; each error names its
  sheet, row and column. Importing the same file twice gives the same units and users (rows
  are matched by 单位编码, 主管部门编码 and 用户名), so a second run only reports them as
  unchanged.
- Who may import what: units and 主管部门 are reference data of the 财政管理员 role (or a
  superuser); users, roles and assignments need 用户管理 (`units.permissions.
  user_may_manage_access`), never for the actor's own account or a superuser's. A file with
  rows the actor may not import is refused as a whole, saying which sheet to empty.
  `actor=None` is a trusted caller (the `import_people` command on the server).
- Roles and assignments go through `units.services.user_role_assign`, so they are audited
  (`AccessChange`, with the actor) and a user still holds one role at most (a row giving an
  existing user a second role is refused). An import only adds assignments; removing one is
  done in the admin, where it is seen.
- New users get an unusable password: nobody can log in as them until someone with 用户管理
  sets one in the admin (设置密码); the result says so and links there.
- Names are free text: one beginning like a formula (= + @) is refused by the shared reader;
  a blank optional cell leaves an existing value as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from units.excel.cells import cell_text, fullwidth_digit, halfwidth_hint
from units.excel.problems import Problem, problems_error
from units.excel.reader import Row
from units.history import EXCEL_IMPORT, history_reason, history_source
from units.models import BudgetUnit, Department
from units.people_excel import (
    KIND_BY_LABEL,
    ROLE_BY_LABEL,
    SHEET_UNITS,
    SHEET_USERS,
    UNIT_COUNT_KEYS,
    UNIT_TEXT_KEYS,
    read_upload,
    workbook_read,
)
from units.permissions import ADMIN, ROLES, user_may_manage_access, user_roles
from units.services import user_role_assign

#: a 单位编码 or 主管部门编码: letters, digits, - _ . (no spaces: codes are compared as text)
_CODE = re.compile(r"[0-9A-Za-z_.\-]+")
#: separators accepted between unit codes in one cell (the template asks for 、)
_CODE_SEPARATORS = re.compile(r"[、,，;；\s]+")
_COUNT = re.compile(r"[0-9]+")
COUNT_MAX = 1_000_000

UNITS_REFUSED = (
    "只有财政管理员可以导入单位和主管部门。请清空「单位」表的数据行（保留表头）后再导入用户，"
    "或请财政管理员导入单位。"
)
USERS_REFUSED = (
    "导入用户需要“用户管理”权限，您没有。请清空「用户」表的数据行（保留表头）后再导入单位，"
    "或请有用户管理权限的人导入用户。"
)


def people_import_rights(actor) -> tuple[bool, bool]:
    """(may import units and 主管部门, may import users) for `actor`: the 财政管理员 role (or a
    superuser) for the first, 用户管理 for the second."""
    return ADMIN in user_roles(actor), user_may_manage_access(actor)


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


@dataclass
class UnitSpec:
    row: int
    code: str
    name: str
    kind: str
    department_code: str
    counts: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class UserSpec:
    row: int
    username: str
    name: str
    email: str
    role: str
    unit_codes: list[str]


@dataclass
class PeopleImportReport:
    """What `people_import` wrote (names as shown to the user)."""

    departments_created: list[str] = field(default_factory=list)
    departments_updated: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    units_updated: list[str] = field(default_factory=list)
    units_unchanged: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    users_updated: list[str] = field(default_factory=list)
    users_unchanged: list[str] = field(default_factory=list)
    assignments_added: int = 0
    #: (pk, username) of the new users, who have no password yet
    without_password: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"主管部门：新建 {len(self.departments_created)} 个，更新 {len(self.departments_updated)} 个；"
            f"单位：新建 {len(self.units_created)} 个，更新 {len(self.units_updated)} 个，"
            f"未变 {len(self.units_unchanged)} 个；"
            f"用户：新建 {len(self.users_created)} 个，更新 {len(self.users_updated)} 个，"
            f"未变 {len(self.users_unchanged)} 个；新增负责单位 {self.assignments_added} 项。"
        )
        if self.without_password:
            text += (
                f"新建的 {len(self.without_password)} 个用户还没有密码，不能登录：请在管理后台"
                "“用户”中打开该用户，点“设置密码”设置初始密码并告知本人。"
            )
        return text


class _Plan:
    """Everything an import will write, built (and checked) before anything is written."""

    def __init__(self, *, actor, units: list[Row], users: list[Row]):
        self.actor = actor
        self.problems: list[Problem] = []
        self.departments: dict[str, Department] = {
            d.code: d
            for d in Department.objects.filter(
                code__in={cell_text(r.values.get("department_code")) for r in units}
            )
        }
        self.department_names: dict[str, tuple[str, int]] = {}  # code → (name, first row)
        self.units: dict[str, UnitSpec] = {}
        self.existing_units: dict[str, BudgetUnit] = {}
        self.users: dict[str, UserSpec] = {}
        #: the first row of each 单位编码 and 用户名 in the file, good or not (duplicates)
        self.unit_seen: dict[str, int] = {}
        self.user_seen: dict[str, int] = {}
        self.existing_users: dict[str, object] = {}
        self.unit_rows, self.user_rows = units, users

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    # --- cells ---

    def code(self, row: Row, key: str, label: str) -> str | None:
        text = cell_text(row.values.get(key))
        if not text:
            self.add(row.locate(key, f"{label}不能为空。"))
            return None
        digit = fullwidth_digit(text)
        if digit is not None:
            self.add(row.locate(key, f"{label}「{text}」{halfwidth_hint(digit)}"))
            return None
        limit = _max_length(BudgetUnit, "code")
        if not _CODE.fullmatch(text) or len(text) > limit:
            self.add(
                row.locate(
                    key,
                    f"{label}「{text}」无效：只能由字母、数字和 - _ . 组成，不超过 {limit} 个字符。",
                )
            )
            return None
        return text

    def text(self, row: Row, key: str, label: str, limit: int, *, required=False) -> str | None:
        text = cell_text(row.values.get(key))
        if required and not text:
            self.add(row.locate(key, f"{label}不能为空。"))
            return None
        if limit and len(text) > limit:
            self.add(row.locate(key, f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）。"))
            return None
        return text

    def count(self, row: Row, key: str, label: str) -> int | None:
        value = row.values.get(key)
        text = cell_text(value)
        if not text:
            return None
        digit = fullwidth_digit(text)
        if digit is not None:
            self.add(row.locate(key, f"{label}「{text}」{halfwidth_hint(digit)}"))
            return None
        if isinstance(value, bool) or not _COUNT.fullmatch(text) or int(text) > COUNT_MAX:
            self.add(row.locate(key, f"{label}必须是 0 或正整数，不能是「{text}」。"))
            return None
        return int(text)

    # --- 单位 ---

    def unit_row(self, row: Row) -> None:
        before = len(self.problems)
        code = self.code(row, "code", "单位编码")
        name = self.text(row, "name", "单位名称", _max_length(BudgetUnit, "name"), required=True)
        kind_text = cell_text(row.values.get("kind"))
        kind = KIND_BY_LABEL.get(kind_text)
        if kind is None:
            what = "单位性质不能为空。" if not kind_text else f"单位性质「{kind_text}」无效。"
            self.add(row.locate("kind", f"{what}应为 {'、'.join(KIND_BY_LABEL)} 之一。"))
        department_code = self.code(row, "department_code", "主管部门编码")
        department_name = self.text(
            row, "department_name", "主管部门名称", _max_length(Department, "name")
        )
        counts = {}
        for key in UNIT_COUNT_KEYS:
            number = self.count(row, key, row.spec.label(key))
            if number is not None:
                counts[key] = number
        texts = {}
        for key in UNIT_TEXT_KEYS:
            text = self.text(row, key, row.spec.label(key), 5000)
            if text:
                texts[key] = text
        if code is not None and code in self.unit_seen:
            self.add(row.locate("code", f"与第{self.unit_seen[code]}行的单位编码「{code}」重复。"))
            return
        if code is not None:
            self.unit_seen[code] = row.number
        if department_code is not None and department_name is not None:
            self.department_row(row, department_code, department_name)
        if len(self.problems) > before:
            return
        self.units[code] = UnitSpec(row.number, code, name, kind, department_code, counts, texts)

    def department_row(self, row: Row, code: str, name: str) -> None:
        if code in self.department_names and name:
            first_name, first_row = self.department_names[code]
            if first_name and first_name != name:
                self.add(
                    row.locate(
                        "department_name",
                        f"与第{first_row}行为主管部门「{code}」填写的名称「{first_name}」不一致。",
                    )
                )
                return
        if name or code not in self.department_names:
            self.department_names[code] = (name, row.number)
        if not name and code not in self.departments and not self._named_elsewhere(code):
            self.add(
                row.locate(
                    "department_name",
                    f"主管部门「{code}」不存在，请填写主管部门名称以新建。",
                )
            )

    def _named_elsewhere(self, code: str) -> bool:
        return any(
            cell_text(r.values.get("department_code")) == code
            and cell_text(r.values.get("department_name"))
            for r in self.unit_rows
        )

    # --- 用户 ---

    def user_row(self, row: Row, known_units: set[str]) -> None:
        before = len(self.problems)
        User = get_user_model()  # noqa: N806
        username = self.text(
            row, "username", "用户名", _max_length(User, "username"), required=True
        )
        if username:
            try:
                User.username_validator(username)
            except ValidationError:
                self.add(
                    row.locate(
                        "username",
                        f"用户名「{username}」无效：只能包含字母、数字和 @ . + - _，不能有空格。",
                    )
                )
        name = self.text(row, "name", "姓名", _max_length(User, "first_name"))
        email = self.text(row, "email", "邮箱", _max_length(User, "email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.add(row.locate("email", f"邮箱「{email}」格式不正确。"))
        role_text = cell_text(row.values.get("role"))
        role = ROLE_BY_LABEL.get(role_text)
        if role is None:
            what = "角色不能为空。" if not role_text else f"角色「{role_text}」无效。"
            self.add(row.locate("role", f"{what}应为 {'、'.join(ROLES)} 之一。"))
        codes = [c for c in _CODE_SEPARATORS.split(cell_text(row.values.get("units"))) if c]
        unknown = [c for c in codes if c not in known_units]
        if unknown:
            self.add(
                row.locate(
                    "units",
                    f"单位编码「{'、'.join(unknown)}」不存在（既不在系统中，也不在「{SHEET_UNITS}」表中）。",
                )
            )
        if role == ADMIN and codes:
            self.add(
                row.locate(
                    "units", "财政管理员可查看全部单位，不分配负责单位，请清空本格或改为其他角色。"
                )
            )
        elif role in ROLES and role != ADMIN and not codes:
            self.add(row.locate("units", f"{role}必须填写负责单位编码（多个用、分隔）。"))
        if username and username in self.user_seen:
            self.add(
                row.locate(
                    "username", f"与第{self.user_seen[username]}行的用户名「{username}」重复。"
                )
            )
            return
        if username:
            self.user_seen[username] = row.number
        if len(self.problems) > before:
            return
        self.users[username] = UserSpec(
            row.number, username, name, email, role, list(dict.fromkeys(codes))
        )

    def check_existing_users(self) -> None:
        """Existing users: the actor may change their access, and the row's role is theirs
        or their first (roles are exclusive)."""
        User = get_user_model()  # noqa: N806
        for user in User.objects.filter(username__in=list(self.users)).prefetch_related("groups"):
            self.existing_users[user.username] = user
            spec = self.users[user.username]
            row = next(r for r in self.user_rows if r.number == spec.row)
            if self.actor is not None and not user_may_manage_access(self.actor, user):
                self.add(
                    row.locate(
                        "username",
                        f"不能更改「{user.username}」的角色和负责单位：不能更改自己或超级用户的"
                        "（请由另一位有用户管理权限的人操作）。",
                    )
                )
                continue
            held = sorted({g.name for g in user.groups.all() if g.name in ROLES} - {spec.role})
            if held:
                self.add(
                    row.locate(
                        "role",
                        f"「{user.username}」已是{'、'.join(held)}，一个用户只能担任一种角色"
                        "（填报、审核、发布须由不同的人完成）；请另建一个用户名。",
                    )
                )

    def check_rights(self) -> None:
        if self.actor is None:
            return
        units, users = people_import_rights(self.actor)
        if self.unit_rows and not units:
            self.add(Problem(SHEET_UNITS, UNITS_REFUSED))
        if self.user_rows and not users:
            self.add(Problem(SHEET_USERS, USERS_REFUSED))


def _plan_build(*, actor, units: list[Row], users: list[Row]) -> _Plan:
    plan = _Plan(actor=actor, units=units, users=users)
    plan.check_rights()
    if plan.problems:  # the rows are not judged for someone who may not import them
        return plan
    if not units and not users:
        plan.add(Problem(SHEET_UNITS, f"「{SHEET_UNITS}」表和「{SHEET_USERS}」表都没有数据行。"))
        return plan
    for row in units:
        plan.unit_row(row)
    file_codes = {cell_text(r.values.get("code")) for r in units}
    wanted = set()
    for row in users:
        wanted.update(c for c in _CODE_SEPARATORS.split(cell_text(row.values.get("units"))) if c)
    known = file_codes | set(
        BudgetUnit.objects.filter(code__in=wanted - file_codes).values_list("code", flat=True)
    )
    for row in users:
        plan.user_row(row, known)
    plan.check_existing_users()
    plan.existing_units = {u.code: u for u in BudgetUnit.objects.filter(code__in=list(plan.units))}
    return plan


def _departments_save(plan: _Plan, report: PeopleImportReport) -> dict[str, Department]:
    departments = dict(plan.departments)
    for code, (name, _) in plan.department_names.items():
        department = departments.get(code)
        if department is None:
            departments[code] = Department.objects.create(code=code, name=name)
            report.departments_created.append(f"{code} {name}")
        elif name and department.name != name:
            department.name = name
            department.save(update_fields=["name"])
            report.departments_updated.append(f"{code} {name}")
    return departments


def _units_save(plan: _Plan, departments, report: PeopleImportReport) -> dict[str, BudgetUnit]:
    saved: dict[str, BudgetUnit] = {}
    for code, spec in plan.units.items():
        values = {
            "name": spec.name,
            "kind": spec.kind,
            "department": departments[spec.department_code],
            **spec.counts,
            **spec.texts,
        }
        unit = plan.existing_units.get(code)
        label = f"{code} {spec.name}"
        if unit is None:
            saved[code] = BudgetUnit.objects.create(code=code, **values)
            report.units_created.append(label)
            continue
        changed = [name for name, value in values.items() if getattr(unit, name) != value]
        if changed:
            for name in changed:
                setattr(unit, name, values[name])
            unit.save(update_fields=changed)
            report.units_updated.append(label)
        else:
            report.units_unchanged.append(label)
        saved[code] = unit
    return saved


def _users_save(plan: _Plan, units: dict[str, BudgetUnit], report: PeopleImportReport) -> None:
    from units.models import UnitAssignment

    User = get_user_model()  # noqa: N806
    wanted = {c for spec in plan.users.values() for c in spec.unit_codes} - set(units)
    units = {**units, **{u.code: u for u in BudgetUnit.objects.filter(code__in=wanted)}}
    for username, spec in plan.users.items():
        user = plan.existing_users.get(username)
        changed = False
        if user is None:
            user = User.objects.create_user(username, email=spec.email, first_name=spec.name)
            report.users_created.append(username)
            report.without_password.append((user.pk, username))
        else:
            updates = [
                name
                for name, value in (("first_name", spec.name), ("email", spec.email))
                if value and getattr(user, name) != value
            ]
            if updates:
                user.first_name = spec.name or user.first_name
                user.email = spec.email or user.email
                user.save(update_fields=updates)
                changed = True
        chosen = [units[c] for c in spec.unit_codes]
        had = set(UnitAssignment.objects.filter(user=user).values_list("unit_id", flat=True))
        roles_before = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user_role_assign(user=user, role=spec.role, units=chosen, actor=plan.actor)
        added = len({u.pk for u in chosen} - had)
        report.assignments_added += added
        if username in report.users_created:
            continue
        if changed or added or spec.role not in roles_before:
            report.users_updated.append(username)
        else:
            report.users_unchanged.append(username)


def people_import(*, file, actor) -> PeopleImportReport:
    """Create or update 主管部门, units, users and their roles and assignments from the
    workbook, all or nothing.

    `file` is a path, bytes or an (uploaded) file object; `actor` the user importing (None: a
    trusted command). Raises ValidationError listing every problem by sheet, row, column and
    reason (nothing is written then), including rows the actor may not import."""
    units, users = workbook_read(read_upload(file))
    with transaction.atomic(), history_reason("导入单位和用户"), history_source(EXCEL_IMPORT):
        plan = _plan_build(actor=actor, units=units, users=users)
        if plan.problems:
            raise problems_error(plan.problems, sheet_order=[SHEET_UNITS, SHEET_USERS])
        report = PeopleImportReport()
        departments = _departments_save(plan, report)
        saved_units = _units_save(plan, departments, report)
        _users_save(plan, saved_units, report)
    return report
