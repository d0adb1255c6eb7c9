"""The 决算 workbook: export → import unchanged changes nothing; two edited amounts change
exactly those lines; a bad cell saves nothing and names sheet, row and column; the commands and
the desk's preview + 确认导入."""

import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import final_opened_create, user_with
from units.final_excel import SHEET_FACTS, SHEET_LINES, final_export_workbook
from units.final_import import final_data_digest, final_import, final_import_plan
from units.models import BudgetLine, FinalFacts
from units.permissions import FILLER
from units.spreadsheet import exact_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_pdf")]

AMOUNT_COLUMN = 11  # K: 决算数


@pytest.fixture
def final():
    return final_opened_create(n_lines=9, seed=4)


def _state(final):
    return (
        list(
            BudgetLine.objects.filter(submission=final)
            .order_by("pk")
            .values_list("pk", "planned_amount", "adjusted_amount", "amount")
        ),
        final_data_digest(submission=final),
    )


def _edited(data: bytes, edits) -> bytes:
    """The workbook with `edits` [(sheet, row, column, value)] written (amounts exactly)."""
    book = load_workbook(io.BytesIO(data))
    for sheet, row, column, value in edits:
        cell = book[sheet].cell(row=row, column=column)
        if isinstance(value, Decimal):
            exact_number(cell, value)
        else:
            cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_export_then_import_unchanged_changes_nothing(final):
    data = final_export_workbook(submission=final)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["说明", SHEET_LINES, SHEET_FACTS]
    assert book[SHEET_LINES]["I1"].value == "年初预算（元）"
    assert book[SHEET_LINES].protection.sheet
    before = _state(final)
    plan = final_import(submission=final, file=data)
    assert plan.lines == [] and plan.facts == []
    assert plan.rows == 9
    assert _state(final) == before


def test_two_edited_amounts_change_exactly_those_lines(final):
    data = final_export_workbook(submission=final)
    sheet = load_workbook(io.BytesIO(data))[SHEET_LINES]
    ids = {row: sheet.cell(row=row, column=1).value for row in (2, 5)}
    edited = _edited(
        data,
        [
            (SHEET_LINES, 2, AMOUNT_COLUMN, Decimal("12345.67")),
            (SHEET_LINES, 5, AMOUNT_COLUMN, Decimal("0.01")),
            (SHEET_FACTS, 2, 2, Decimal("500.00")),  # 一般公共预算财政拨款收入
        ],
    )
    before = {pk: amount for pk, _, _, amount in _state(final)[0]}
    final_import(submission=final, file=edited)
    after = {pk: amount for pk, _, _, amount in _state(final)[0]}
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert changed == set(ids.values())
    assert after[ids[2]] == Decimal("12345.67") and after[ids[5]] == Decimal("0.01")
    assert FinalFacts.objects.get(submission=final).income_general == Decimal("500.00")


def test_a_change_after_the_preview_is_refused_under_the_lock(final):
    """确认导入 holds the preview's digest: a save in between (even after the desk's own check)
    refuses the import, and nothing is written."""
    from units.final_import import CHANGED_SINCE_PREVIEW, final_data_digest

    data = final_export_workbook(submission=final)
    edited = _edited(data, [(SHEET_LINES, 2, AMOUNT_COLUMN, Decimal("12345.67"))])
    digest = final_data_digest(submission=final)
    FinalFacts.objects.filter(submission=final).update(outbound_groups=9)
    before = _state(final)
    with pytest.raises(ValidationError) as refused:
        final_import(submission=final, file=edited, expected_digest=digest)
    assert refused.value.messages == [CHANGED_SINCE_PREVIEW]
    assert _state(final) == before


def test_a_bad_cell_saves_nothing_and_is_located(final):
    data = final_export_workbook(submission=final)
    edited = _edited(
        data,
        [
            (SHEET_LINES, 2, AMOUNT_COLUMN, Decimal("1.00")),
            (SHEET_LINES, 4, AMOUNT_COLUMN, "一百元"),
        ],
    )
    before = _state(final)
    with pytest.raises(ValidationError) as refused:
        final_import(submission=final, file=edited)
    assert any(
        message.startswith("「决算明细」表 第4行 K列（决算数（元））")
        for message in refused.value.messages
    ), refused.value.messages
    assert _state(final) == before


def test_rows_of_another_submission_or_a_new_line_are_refused(final):
    data = final_export_workbook(submission=final)
    edited = _edited(data, [(SHEET_LINES, 3, 1, 99999999)])
    with pytest.raises(ValidationError, match="第3行 A列"):
        final_import_plan(submission=final, file=edited)


def test_commands(final, tmp_path):
    path = tmp_path / "final.xlsx"
    out = StringIO()
    call_command(
        "export_final", "--unit", final.unit.code, "--year", "2025", "--out", str(path), stdout=out
    )
    assert path.exists() and "已导出" in out.getvalue()
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(
        _edited(path.read_bytes(), [(SHEET_LINES, 2, AMOUNT_COLUMN, Decimal("7.00"))])
    )
    before = _state(final)
    out = StringIO()
    call_command(
        "import_final",
        "--unit",
        final.unit.code,
        "--year",
        "2025",
        str(edited),
        "--dry-run",
        stdout=out,
    )
    assert "试运行" in out.getvalue() and "修改明细 1 条" in out.getvalue()
    assert _state(final) == before
    out = StringIO()
    call_command(
        "import_final", "--unit", final.unit.code, "--year", "2025", str(edited), stdout=out
    )
    assert "修改明细 1 条" in out.getvalue()
    assert _state(final) != before
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_edited(path.read_bytes(), [(SHEET_LINES, 2, AMOUNT_COLUMN, "x")]))
    with pytest.raises(CommandError, match="未导入任何决算数据"):
        call_command(
            "import_final",
            "--unit",
            final.unit.code,
            "--year",
            "2025",
            str(bad),
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_desk_preview_then_confirm(client, final):
    client.force_login(user_with(FILLER, [final.unit]))
    url = reverse("desk:final_excel", kwargs={"pk": final.pk})
    exported = client.get(reverse("desk:final_export", kwargs={"pk": final.pk}))
    assert exported.status_code == 200
    data = _edited(exported.content, [(SHEET_LINES, 2, AMOUNT_COLUMN, Decimal("3.00"))])
    before = _state(final)
    preview = client.post(url, {"action": "preview", "file": SimpleUploadedFile("f.xlsx", data)})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "导入预览（尚未保存）" in text and "确认导入" in text
    assert _state(final) == before  # nothing saved by the preview
    digest = preview.context["digest"]
    confirmed = client.post(url, {"action": "confirm", "digest": digest})
    assert confirmed.status_code == 302
    assert Decimal("3.00") in [amount for _, _, _, amount in _state(final)[0]]

    bad = _edited(exported.content, [(SHEET_LINES, 2, AMOUNT_COLUMN, "x")])
    refused = client.post(url, {"action": "preview", "file": SimpleUploadedFile("b.xlsx", bad)})
    assert refused.status_code == 422
    assert "「决算明细」表 第2行 K列" in refused.content.decode()
