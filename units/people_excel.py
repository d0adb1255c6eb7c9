"""The 单位和用户 workbook: one layout for the blank template and the import
(`units.people_import` decides what a row means and writes it).

Sheets (names are part of the format):

- 说明: how to fill the workbook (not read on import);
- 单位: one row per budget unit, columns `UNIT_COLUMNS` (its 主管部门 by code, and by name
  when the department is new);
- 用户: one row per user, columns `USER_COLUMNS` (the role, and the units a 填报人 or 审核人
  works on by code, several separated by 、).

Columns are found by their header text in the first non-empty row, so they may be reordered;
only the required ones (red in the template) must be present. The file itself (size, zip,
XML, limits, formula cells without a value, formula-like text in names) is checked by the
shared reader, `units.excel`, before any row is judged; every problem is located as
「单位」表 第N行 X列（header）. openpyxl is imported lazily.
"""

from __future__ import annotations

import io

from units.excel.archive import Limits, upload_read
from units.excel.reader import Column, Row, SheetSpec, sheets_read
from units.models import UnitKind
from units.permissions import ADMIN, FILLER, REVIEWER
from units.spreadsheet import header_write, list_validation

SHEET_README = "说明"
SHEET_UNITS = "单位"
SHEET_USERS = "用户"

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 30

UNIT_COLUMNS = (
    Column("code", "单位编码", required=True, width=14, note="如 003；已有的单位按编码更新"),
    Column("name", "单位名称", required=True, width=36, free_text=True),
    Column("kind", "单位性质", required=True, width=16, note="行政单位、参公事业单位 或 事业单位"),
    Column("department_code", "主管部门编码", required=True, width=14),
    Column(
        "department_name",
        "主管部门名称",
        width=30,
        note="新的主管部门必填；已有的主管部门填写则更新名称，留空不变",
        free_text=True,
    ),
    Column("internal_departments", "内设职能部门数", width=12, note="整数，留空不变（新单位为0）"),
    Column("subordinate_units", "所属预算单位数", width=12, note="整数，留空不变（新单位为0）"),
    Column("authorized_staff", "核定编制数", width=12, note="整数，留空不变（新单位为0）"),
    Column("actual_staff", "实际在职人员总数", width=12, note="整数，留空不变（新单位为0）"),
    Column("on_payroll_staff", "其中：在编人员数", width=12, note="整数，留空不变（新单位为0）"),
    Column("other_staff", "其他人员数", width=12, note="整数，留空不变（新单位为0）"),
    Column("duties", "本单位职责", width=40, note="留空不变", free_text=True),
    Column("organisation", "机构设置情况", width=40, note="留空不变", free_text=True),
)
#: the whole-number columns of a unit (model field = column key)
UNIT_COUNT_KEYS = (
    "internal_departments",
    "subordinate_units",
    "authorized_staff",
    "actual_staff",
    "on_payroll_staff",
    "other_staff",
)
UNIT_TEXT_KEYS = ("duties", "organisation")

USER_COLUMNS = (
    Column(
        "username", "用户名", required=True, width=18, note="登录用的名字；已有的用户按用户名更新"
    ),
    Column("name", "姓名", width=14, note="留空不变", free_text=True),
    Column("email", "邮箱", width=28, note="留空不变", free_text=True),
    Column("role", "角色", required=True, width=14, note="单位填报人、财政审核人 或 财政管理员"),
    Column(
        "units",
        "负责单位编码（多个用、分隔）",
        width=30,
        note="填报人、审核人必填，如 003、004；财政管理员留空（可查看全部单位）",
    ),
)

#: 单位性质 as written in the workbook → `UnitKind`
KIND_BY_LABEL = {label: value for value, label in UnitKind.choices}
#: 角色 as written → the role (the group's name); the short names are accepted too
ROLE_BY_LABEL = {
    FILLER: FILLER,
    "填报人": FILLER,
    REVIEWER: REVIEWER,
    "审核人": REVIEWER,
    ADMIN: ADMIN,
    "管理员": ADMIN,
}

UNIT_SHEET = SheetSpec(SHEET_UNITS, UNIT_COLUMNS, max_rows=MAX_ROWS, optional_headers=True)
USER_SHEET = SheetSpec(SHEET_USERS, USER_COLUMNS, max_rows=MAX_ROWS, optional_headers=True)


def _readme_lines() -> tuple[str, ...]:
    kinds = "、".join(KIND_BY_LABEL)
    return (
        "单位和用户导入模板",
        "",
        f"1. 「{SHEET_UNITS}」表每行一个预算单位，「{SHEET_USERS}」表每行一个用户；红色表头为必填列。"
        "不需要的表可以留空（只保留表头）。",
        f"2. 单位按单位编码对应：编码已存在的单位按本行更新名称、性质和主管部门，其余列留空则不变；"
        f"编码不存在的单位新建。单位性质填写 {kinds} 之一。",
        "3. 主管部门按编码对应：不存在的主管部门新建，此时必须填写主管部门名称；已存在的主管部门"
        "填写名称则更新名称。同一主管部门在各行填写的名称须一致。",
        f"4. 用户按用户名对应：不存在的用户新建，已存在的用户填写的姓名、邮箱会更新。角色填写 "
        f"{FILLER}、{REVIEWER} 或 {ADMIN}（一个用户只能担任一种角色）。",
        "5. 负责单位编码：单位填报人、财政审核人必填，多个单位用“、”分隔（如 003、004），可以是"
        f"系统中已有的单位或本文件「{SHEET_UNITS}」表中的单位；财政管理员可查看全部单位，留空。"
        "导入只增加负责单位，不取消已有的；取消请在管理后台“用户负责单位”中删除。",
        "6. 新建的用户没有密码，不能登录：导入后请在管理后台“用户”中打开该用户，点“设置密码”"
        "设置初始密码并告知本人，由本人登录后修改。",
        "7. 导入单位需要财政管理员角色；导入用户需要“用户管理”权限，且不能更改自己或超级用户的"
        "角色和负责单位。",
        "8. 任何一处错误都会使整个文件不被导入；错误信息会列出工作表、行、列和原因。",
        "9. 单位名称、主管部门名称、姓名等文字不能以 = + @ 开头（电子表格会把它当作公式执行）。"
        "编码请以文本填写，以免 Excel 去掉开头的 0（模板中这些列已设为文本格式）。",
        f"10. 文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，每张表最多 {MAX_ROWS} 行。",
    )


def limits() -> Limits:
    """The caps of a 单位和用户 upload."""
    return Limits(file_bytes=MAX_FILE_BYTES, scanned_rows=MAX_ROWS + 1_000, columns=MAX_COLUMNS)


def read_upload(file) -> bytes:
    """The bytes of the upload (path, bytes or file object), refusing more than the limit."""
    return upload_read(file, max_bytes=MAX_FILE_BYTES)


def workbook_read(data: bytes) -> tuple[list[Row], list[Row]]:
    """The data rows of 「单位」 and 「用户」 of the checked workbook; ValidationError listing
    every problem of the file (not a workbook, hostile, missing sheet or column, too many rows,
    formula cells without a value, formula-like text)."""
    rows = sheets_read(
        data,
        sheets=(UNIT_SHEET, USER_SHEET),
        limits=limits(),
        missing_sheets="工作簿缺少工作表{names}，请使用下载的单位和用户导入模板填写后导入。",
    )
    return rows[SHEET_UNITS], rows[SHEET_USERS]


def people_template_workbook() -> bytes:
    """The empty template (.xlsx): 说明, then the two sheets with their headers, notes and
    drop-downs (单位性质, 角色)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from units.excel.problems import column_letter

    workbook = Workbook()
    readme = workbook.active
    readme.title = SHEET_README
    readme.column_dimensions["A"].width = 120
    for number, line in enumerate(_readme_lines(), start=1):
        cell = readme.cell(row=number, column=1, value=line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    for title, columns, lists in (
        (SHEET_UNITS, UNIT_COLUMNS, {"kind": list(KIND_BY_LABEL)}),
        (SHEET_USERS, USER_COLUMNS, {"role": [FILLER, REVIEWER, ADMIN]}),
    ):
        sheet = workbook.create_sheet(title)
        header_write(sheet, columns)
        for index, column in enumerate(columns):
            if column.key in lists:
                list_validation(sheet, column_letter(index), lists[column.key], MAX_ROWS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
