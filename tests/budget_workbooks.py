"""Test helpers for the budget-import tests: what an import could change, a refused import, and
a workbook with one cell edited.

Shared by `tests/test_budget_import.py` (round trip, commands, admin pages) and
`tests/test_budget_import_inputs.py` (what each cell and file may hold), which both change
exported workbooks and check that a refused import saved nothing.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tables.document.disclosure import disclosure_derive
from units.budget_excel import SHEET_LINES
from units.budget_import import budget_import
from units.models import BudgetLine, Project
from units.selectors import submission_queryset


def tables_of(submission):
    return disclosure_derive(submission=submission_queryset().get(pk=submission.pk)).tables


def state(submission):
    """Everything an import could change, ids included, to prove nothing was written."""
    return (
        list(
            BudgetLine.objects.filter(submission=submission)
            .order_by("id")
            .values_list(
                "id",
                "func_code_id",
                "dept_econ_code_id",
                "gov_econ_code_id",
                "project_id",
                "amount",
            )
        ),
        list(
            Project.objects.filter(submission=submission)
            .order_by("id")
            .values_list("id", "name", "category", "allocation_of_id", "position")
        ),
    )


def refused(submission, data: bytes) -> list[str]:
    """Import `data`, expect a ValidationError, assert nothing changed; return the messages."""
    before = state(submission)
    with pytest.raises(ValidationError) as info:
        budget_import(submission=submission, file=data)
    assert state(submission) == before
    return info.value.messages


def column_of(sheet, header) -> int:
    return next(cell.column for cell in sheet[1] if cell.value == header)


def edited(data: bytes, row: int, header: str, value) -> bytes:
    """The workbook with one cell of 预算明细 replaced."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET_LINES]
    sheet.cell(row=row, column=column_of(sheet, header)).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
