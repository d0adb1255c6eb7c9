"""Hostile workbooks against every import path: the 预算明细 admin page and `import_budget`, the
绩效目标 admin page and `import_targets`, and `import_codes` for .xlsx. Every file is refused
without an HTTP 500 or a traceback, with a Chinese message free of exception text, nothing is
saved, and the memory traced while refusing stays small (no member is inflated past its cap,
no 150 MB cell is materialised)."""

import io
import re
import tracemalloc
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from performance.models import Indicator, ProjectTarget
from performance.services import targets_export_workbook
from tests import hostile_workbooks as hostile
from units.budget_import import budget_export_workbook, budget_import
from units.models import BudgetLine, ClassificationCode, Project

pytestmark = pytest.mark.django_db

MAX_TRACED_BYTES = 64 * 1024 * 1024
#: ASCII words a Chinese message may contain; any other run of 3+ letters is a leaked fragment.
ALLOWED_WORDS = re.compile(r"Excel|xlsx|xls|zip|XML|CSV|UTF|GBK")
CJK = re.compile(r"[\u4e00-\u9fff]")
FILE_NAME = "恶意文件.xlsx"


@dataclass(frozen=True)
class Path:
    """One import path: its base workbook, the member and sheet attacked, a free-text column."""

    name: str
    sheet: str
    member: str
    free_text: str  # header of a free-text column in row 1
    is_view: bool = False


PATHS = {
    "budget_view": Path("budget_view", "预算明细", "xl/worksheets/sheet2.xml", "备注", True),
    "budget_command": Path("budget_command", "预算明细", "xl/worksheets/sheet2.xml", "备注"),
    "targets_view": Path("targets_view", "项目目标", "xl/worksheets/sheet2.xml", "项目概况", True),
    "targets_command": Path("targets_command", "项目目标", "xl/worksheets/sheet2.xml", "项目概况"),
    "codes_command": Path("codes_command", "科目表", "xl/worksheets/sheet1.xml", "科目名称"),
}


def base_workbook(path: Path, demo) -> bytes:
    if path.name.startswith("budget"):
        return budget_export_workbook(submission=demo)
    if path.name.startswith("targets"):
        return targets_export_workbook(submission=demo)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = path.sheet
    for row in (["科目编码", "科目名称"], ["301", "工资福利支出"], ["30101", "基本工资"]):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def formula_text(path: Path, data: bytes) -> bytes:
    """Row 2's free-text cell set to a live-link formula written as text."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[path.sheet]
    column = next(c.column for c in sheet[1] if c.value == path.free_text)
    cell = sheet.cell(row=2, column=column)
    cell.value = '=HYPERLINK("http://example.com","点击")'
    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def letter_of(path: Path, data: bytes) -> str:
    sheet = load_workbook(io.BytesIO(data), read_only=True)[path.sheet]
    return next(
        c.column_letter for c in next(sheet.iter_rows(max_row=1)) if c.value == path.free_text
    )


#: case → (builder(path, data), a fragment every message list must contain, as a function of
#: the path and the base workbook)
CASES = {
    # import_codes also reads CSV: for it, bytes that are no zip are a CSV in no known encoding
    "not_a_zip": (
        lambda p, d: bytes(range(256)) * 8,
        lambda p, d: (
            "不是 UTF-8 编码" if p.name == "codes_command" else "不是 Excel（.xlsx）工作簿"
        ),
    ),
    "truncated_zip": (lambda p, d: d[: len(d) // 2], lambda p, d: "文件已损坏或不是 zip 格式"),
    "lying_declared_size": (
        lambda p, d: hostile.declared_size_lying(d, p.member),
        lambda p, d: "无法读取 Excel 文件：文件已损坏",
    ),
    "zip_bomb": (lambda p, d: hostile.zip_bomb(d, p.member), lambda p, d: "压缩炸弹"),
    "too_many_members": (lambda p, d: hostile.too_many_members(d), lambda p, d: "超过 1000 个"),
    "crc_mismatch": (
        lambda p, d: hostile.crc_broken(d, p.member),
        lambda p, d: "无法读取 Excel 文件：文件已损坏",
    ),
    "xxe": (
        lambda p, d: hostile.with_doctype(d, p.member, hostile.XXE, b"&xxe;"),
        lambda p, d: "不允许的 XML 实体",
    ),
    "billion_laughs": (
        lambda p, d: hostile.with_doctype(d, p.member, hostile.BILLION_LAUGHS, b"&lol9;"),
        lambda p, d: "不允许的 XML 实体",
    ),
    "too_many_rows": (
        lambda p, d: hostile.row_far_below(d, p.member, 1_000_000),
        lambda p, d: f"「{p.sheet}」表：工作表超过",
    ),
    "cell_of_150_mb": (
        lambda p, d: hostile.long_cell(d, p.member, row=1000, megabytes=150),
        lambda p, d: f"「{p.sheet}」表 第1000行 B列：单元格内容过长",
    ),
    "formula_text": (
        formula_text,
        lambda p, d: f"「{p.sheet}」表 第2行 {letter_of(p, d)}列（{p.free_text}）：",
    ),
}


def saved():
    """Everything any of the imports could write."""
    return (
        list(BudgetLine.objects.order_by("id").values_list("id", "amount", "project_id", "note")),
        list(Project.objects.order_by("id").values_list("id", "name", "position")),
        list(ProjectTarget.objects.order_by("id").values_list("id", "overview", "filled_at")),
        list(Indicator.objects.order_by("id").values_list("id", "name", "text")),
        list(ClassificationCode.objects.order_by("id").values_list("id", "name", "is_active")),
    )


def refused_messages(path: Path, data: bytes, *, demo, client, tmp_path) -> list[str]:
    """Import `data` through `path`; the messages shown (page) or written (command)."""
    if path.is_view:
        url = (
            "/admin/units/budget-import/"
            if path.name.startswith("budget")
            else "/admin/performance/projecttarget/excel/"
        )
        upload = SimpleUploadedFile(FILE_NAME, data)
        response = client.post(url, {"submission": demo.pk, "file": upload})
        assert response.status_code == 200  # the page again, with the errors; never a 500
        assert "未导入任何数据" in response.content.decode()
        return list(response.context["errors"])
    file = tmp_path / FILE_NAME
    file.write_bytes(data)
    if path.name == "codes_command":
        command, options = "import_codes", {"scheme": "dept_econ", "year": 2026}
    else:
        command = "import_budget" if path.name.startswith("budget") else "import_targets"
        options = {"unit": "003", "year": 2025}
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(command, str(file), stdout=io.StringIO(), stderr=err, **options)
    assert "未导入任何" in str(info.value)
    return [line for line in err.getvalue().splitlines() if line] + [str(info.value)]


def assert_chinese(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert CJK.search(message), message
        leftover = ALLOWED_WORDS.sub("", message.replace(FILE_NAME, ""))
        assert not re.search(r"[A-Za-z]{3,}", leftover), message


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("path_name", list(PATHS))
def test_hostile_file_is_refused_in_chinese_saving_nothing_in_bounded_memory(
    case, path_name, admin_client, tmp_path, demo
):
    """Each hostile file, through each import path: no 500, a Chinese message naming the fault,
    nothing saved, little memory traced while refusing."""
    path = PATHS[path_name]
    build, expected = CASES[case]
    base = base_workbook(path, demo)
    data = build(path, base)
    assert len(data) < 2 * 1024 * 1024  # small uploads, whatever they inflate to
    before = saved()
    tracemalloc.start()
    try:
        messages = refused_messages(path, data, demo=demo, client=admin_client, tmp_path=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert saved() == before
    assert_chinese(messages)
    fragment = expected(path, base)
    assert any(fragment in m for m in messages), (fragment, messages)
    assert peak < MAX_TRACED_BYTES, peak


def test_shared_string_of_150_mb_is_named_by_the_cell_using_it(demo):
    """A 150 MB shared string is counted while streaming, never held, and reported at the cell
    that uses it."""
    data = hostile.long_shared_string(
        budget_export_workbook(submission=demo), "xl/worksheets/sheet2.xml"
    )
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as info:
            budget_import(submission=demo, file=data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.messages == [
        "「预算明细」表 第1000行 B列：单元格内容过长（超过 32767 个字符），请删减后再导入。"
    ]
    assert peak < MAX_TRACED_BYTES, peak
