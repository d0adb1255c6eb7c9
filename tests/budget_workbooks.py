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
from units.budget_sheets import ASSET_FIELDS, PRIOR_FIELDS
from units.models import (
    AssetFacts,
    BudgetLine,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
)
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
                "income_type",
                "sub_item",
            )
        ),
        list(
            Project.objects.filter(submission=submission)
            .order_by("id")
            .values_list("id", "name", "category", "allocation_of_id", "position")
        ),
        # the workbook's other sheets
        list(
            ProcurementItem.objects.filter(submission=submission)
            .order_by("id")
            .values_list("id", "kind", "name", "project_id", "amount")
        ),
        list(
            PurchasedService.objects.filter(submission=submission)
            .order_by("id")
            .values_list("id", "project_name", "content", "amount", "fund_source")
        ),
        list(AssetFacts.objects.filter(submission=submission).values_list("id", *ASSET_FIELDS)),
        list(Submission.objects.filter(pk=submission.pk).values_list(*PRIOR_FIELDS)),
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


def edited(data: bytes, row: int, header: str, value, *, sheet: str = SHEET_LINES) -> bytes:
    """The workbook with one cell of 预算明细 (or of `sheet`) replaced."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[sheet]
    sheet.cell(row=row, column=column_of(sheet, header)).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
