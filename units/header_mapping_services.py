"""Importing a line-level Excel file of another layout: the bureau's saved header mappings
(`ImportHeaderMapping`) and the 预算明细 workbook a mapped file becomes.

Decisions:

- A mapped file is never imported by a second implementation: `units.excel.header_mapping`
  turns its rows into template rows, `header_mapped_workbook` writes them with the template's
  own writer (`units.budget_excel.workbook_write`), and that workbook goes through
  `units.budget_import.budget_import` — the same checks, project rules, all-or-nothing write
  and audit as a template upload. The code-list sheets are left empty: the import does not
  read them.
- Saved mappings belong to the bureau (one list for every unit): any 填报人 may use one, only a
  财政管理员 may save or change one (`units.decisions.header_mapping_save_refusal`, asked here
  and by the pages and the admin). Saving by a name that exists replaces that mapping.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from units.budget_excel import (
    COLUMNS_BY_KEY,
    LINE_COLUMNS,
    SHEET_LINES,
    workbook_write,
)
from units.decisions import header_mapping_save_refusal
from units.excel.header_mapping import (
    AMOUNT_UNITS,
    FIELDS,
    FIELDS_BY_KEY,
    Conversion,
    mapping_problems,
    source_message,
)
from units.excel.problems import column_letter
from units.formula_text import formula_text_error
from units.models import FundSource, ImportHeaderMapping, ProjectCategory, ProjectRecurrence

NAME_MAX = ImportHeaderMapping._meta.get_field("name").max_length
HEADER_MAX = 200


def header_mapping_fields():
    """The fields a mapping may name: those the 预算明细 template has a column for."""
    return [f for f in FIELDS if f.template_key in COLUMNS_BY_KEY]


def header_mappings_list():
    """The bureau's saved mappings, by name."""
    return ImportHeaderMapping.objects.order_by("name")


def header_mapping_get(*, pk) -> ImportHeaderMapping | None:
    """One saved mapping, or None (also for an id that is not a number)."""
    try:
        return ImportHeaderMapping.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def header_mapping_clean(*, name: str, columns, amount_unit: str) -> tuple[str, dict[str, str]]:
    """A mapping's name (spaces folded) and columns (known field keys → header text) as saved,
    or a ValidationError listing what is wrong: the one check of the desk's 保存为映射 and of
    the admin's form."""
    name = " ".join((name or "").split())
    errors = []
    if not name:
        errors.append("请填写映射名称。")
    elif len(name) > NAME_MAX:
        errors.append(f"映射名称不能超过 {NAME_MAX} 个字。")
    elif formula_text_error(name):
        errors.append(f"映射名称：{formula_text_error(name)}")
    if amount_unit not in AMOUNT_UNITS:
        errors.append("金额单位应为 元 或 万元。")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ValidationError(errors + ["列对应关系应为“字段: 列名”的对应表，列名为文字。"])
    clean = {k: str(v).strip() for k, v in columns.items() if k in FIELDS_BY_KEY and v}
    if any(len(v) > HEADER_MAX for v in clean.values()):
        errors.append(f"列名不能超过 {HEADER_MAX} 个字。")
    if any(formula_text_error(v) for v in clean.values()):
        errors.append("列名不能以 =、+、@ 等公式符号开头。")
    errors.extend(mapping_problems(clean))
    if errors:
        raise ValidationError(errors)
    return name, clean


def header_mapping_save(
    *, user, name: str, columns: dict[str, str], amount_unit: str
) -> ImportHeaderMapping:
    """Save (or, by an existing name, replace) a mapping of field keys to header texts.
    PermissionDenied unless the user may save mappings; ValidationError for a bad name,
    unit or mapping."""
    refusal = header_mapping_save_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)
    name, clean = header_mapping_clean(name=name, columns=columns, amount_unit=amount_unit)
    with transaction.atomic():
        mapping = ImportHeaderMapping.objects.select_for_update().filter(name=name).first()
        if mapping is None:
            mapping = ImportHeaderMapping(name=name)
        mapping.columns = clean
        mapping.amount_unit = amount_unit
        mapping.updated_by = user
        mapping.full_clean(validate_unique=False)
        mapping.save()
    return mapping


def header_mapped_workbook(*, conversion: Conversion, year: int) -> bytes:
    """The converted rows as a 预算明细 workbook of `year` (row N is the source file's row N)."""
    return workbook_write(
        lines=conversion.lines,
        functional=[],
        economic=[],
        fund_labels=[label for _, label in FundSource.choices],
        category_labels=[label for _, label in ProjectCategory.choices],
        recurrence_labels=[label for _, label in ProjectRecurrence.choices],
        year=year,
    )


def header_mapped_messages(
    messages: list[str], *, sheet: str, locations: dict[str, tuple[str, str]]
) -> list[str]:
    """The budget import's messages about a converted workbook, said of the source file
    (its sheet and column headers; the rows are the same)."""
    template_columns = [(c.key, column_letter(i), c.header) for i, c in enumerate(LINE_COLUMNS)]
    return [
        source_message(
            m,
            sheet=sheet,
            locations=locations,
            template_sheet=SHEET_LINES,
            template_columns=template_columns,
        )
        for m in messages
    ]
