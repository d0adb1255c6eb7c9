"""Importing the 决算 workbook (`units.final_excel`): all or nothing, through the hardened
reader, with every problem located as 「sheet」表 第N行 X列.

Rows of 「决算明细」 are matched to the 决算's lines by 明细编号 (the line id); a row without
one by its codes, 支出类型, 资金来源, 上年结转 and 项目, which must then name exactly one line.
Only 调整预算 (blank: the 年初预算) and 决算数 are read; a row that names no line of this 决算,
or a line twice, is refused (lines cannot be added or removed by this file; lines the file
leaves out stay as they are). Rows of 「收支情况」 are matched by their 项目 label to the
`FinalFacts` fields (fields the file leaves out stay as they are).

`final_import_plan` reads and checks without writing (the desk's preview and `--dry-run`);
`final_import` writes the changes under the submission's lock, refusing a submission that is
not a 决算 or (given an actor) an actor who may not change it now.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from units.excel.archive import upload_read
from units.excel.cells import cell_amount, cell_count, cell_text, normalise_code
from units.excel.identity import IDENTITY_CELL, KIND_FINAL, identity_parse, identity_problems
from units.excel.importing import planned_import
from units.excel.problems import Problem
from units.excel.reader import Row, sheets_read
from units.final_excel import (
    FUND_LABELS,
    KIND_LABELS,
    MAX_FILE_BYTES,
    NO,
    SHEET_FACTS,
    SHEET_LINES,
    SHEETS,
    YES,
    limits,
    line_key,
)
from units.final_services import (
    FACTS_COUNT_FIELDS,
    FACTS_FIELDS,
    NOT_FINAL,
    facts_label,
)
from units.history import objects_bulk_update
from units.models import BudgetLine, FinalFacts, Submission
from units.permissions import submission_edit_refusal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineChange:
    line: BudgetLine
    adjusted: Decimal
    amount: Decimal

    @property
    def label(self) -> str:
        line = self.line
        text = f"{line.func_code.code} {line.func_code.name} / {line.dept_econ_code.code}"
        if line.project_id:
            text += f" / {line.project.name}"
        return text


@dataclass(frozen=True)
class FactChange:
    name: str
    label: str
    before: object
    after: object


@dataclass
class FinalImportPlan:
    """What importing the workbook would change; `problems` refuse it whole."""

    problems: list[Problem] = field(default_factory=list)
    lines: list[LineChange] = field(default_factory=list)
    facts: list[FactChange] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> str:
        if not self.lines and not self.facts:
            return f"读取决算明细 {self.rows} 行：与现有数据相同，没有需要更改的内容。"
        return (
            f"读取决算明细 {self.rows} 行：修改明细 {len(self.lines)} 条，"
            f"收支情况 {len(self.facts)} 项。"
        )


def _read(submission: Submission, file) -> dict[str, list[Row]]:
    data = upload_read(file, max_bytes=MAX_FILE_BYTES)

    def cells_check(values):
        problems = identity_problems(
            identity_parse(values[IDENTITY_CELL]), kind=KIND_FINAL, submission=submission
        )
        if problems:
            raise ValidationError(problems)

    return sheets_read(
        data, sheets=SHEETS, limits=limits(), cells=(IDENTITY_CELL,), cells_check=cells_check
    )


def _code(value) -> str:
    """A code cell as written (`code##name`) or typed (`code`)."""
    return normalise_code(cell_text(value).split("##", 1)[0])


def _row_key(row: Row) -> tuple:
    kinds = {label: key for key, label in KIND_LABELS.items()}
    funds = {label: key for key, label in FUND_LABELS.items()}
    values = row.values
    kind = cell_text(values.get("kind"))
    fund = cell_text(values.get("fund"))
    return (
        _code(values.get("func")),
        _code(values.get("dept")),
        _code(values.get("gov")),
        kinds.get(kind, kind),
        funds.get(fund, fund),
        cell_text(values.get("carryover")) == YES,
        cell_text(values.get("project")),
    )


def _plan_lines(submission: Submission, rows: list[Row], plan: FinalImportPlan) -> None:
    lines = list(
        BudgetLine.objects.filter(submission=submission).select_related(
            "func_code", "dept_econ_code", "gov_econ_code", "project"
        )
    )
    by_id = {line.pk: line for line in lines}
    by_key: dict[tuple, list[BudgetLine]] = {}
    for line in lines:
        by_key.setdefault(line_key(line), []).append(line)
    seen: dict[int, int] = {}
    plan.rows = len(rows)
    for row in rows:
        raw_id = row.values.get("id")
        line = None
        if raw_id not in (None, ""):
            text = cell_text(raw_id)
            line = by_id.get(int(text)) if text.isdigit() else None
            if line is None:
                plan.problems.append(
                    row.locate(
                        "id", f"本决算没有编号为「{text}」的明细（不能新增明细，请勿修改编号）。"
                    )
                )
                continue
        else:
            carryover = cell_text(row.values.get("carryover"))
            if carryover not in ("", YES, NO):
                plan.problems.append(row.locate("carryover", f"上年结转应填“{YES}”或“{NO}”。"))
                continue
            found = by_key.get(_row_key(row), [])
            if len(found) != 1:
                plan.problems.append(
                    Problem(
                        SHEET_LINES,
                        "找不到对应的明细（科目、支出类型、资金来源、上年结转和项目须与本决算的一条明细一致；不能新增明细）。"
                        if not found
                        else "有多条明细的科目、支出类型、资金来源和项目都相同，请填写明细编号。",
                        row.number,
                    )
                )
                continue
            line = found[0]
        if line.pk in seen:
            plan.problems.append(
                Problem(
                    SHEET_LINES,
                    f"与第{seen[line.pk]}行是同一条明细（明细编号 {line.pk}），每条明细只能出现一次。",
                    row.number,
                )
            )
            continue
        seen[line.pk] = row.number
        planned = line.planned_amount or ZERO
        try:
            adjusted = cell_amount(row.values.get("adjusted"), "调整预算", blank=planned)
        except ValidationError as exc:
            plan.problems.append(row.locate("adjusted", "；".join(exc.messages)))
            adjusted = None
        try:
            amount = cell_amount(row.values.get("amount"), "决算数")
        except ValidationError as exc:
            plan.problems.append(row.locate("amount", "；".join(exc.messages)))
            amount = None
        if adjusted is None or amount is None:
            continue
        current_adjusted = line.adjusted_amount if line.adjusted_amount is not None else planned
        if adjusted != current_adjusted or amount != line.amount:
            plan.lines.append(LineChange(line, adjusted, amount))


def _plan_facts(submission: Submission, rows: list[Row], plan: FinalImportPlan) -> None:
    facts = FinalFacts.objects.filter(submission=submission).first() or FinalFacts()
    by_label = {facts_label(name): name for name in FACTS_FIELDS}
    seen: dict[str, int] = {}
    for row in rows:
        label = cell_text(row.values.get("label"))
        name = by_label.get(label)
        if name is None:
            plan.problems.append(
                row.locate("label", f"「{label}」不是收支情况的项目，请勿改动项目名称。")
            )
            continue
        if name in seen:
            plan.problems.append(row.locate("label", f"「{label}」与第{seen[name]}行重复。"))
            continue
        seen[name] = row.number
        value = row.values.get("value")
        try:
            if name in FACTS_COUNT_FIELDS:
                parsed = cell_count(value, label)
            else:
                parsed = cell_amount(value, label, blank=ZERO)
        except ValidationError as exc:
            plan.problems.append(row.locate("value", "；".join(exc.messages)))
            continue
        if getattr(facts, name) != parsed:
            plan.facts.append(FactChange(name, label, getattr(facts, name), parsed))


def _plan_build(submission: Submission, rows: dict[str, list[Row]]) -> FinalImportPlan:
    plan = FinalImportPlan()
    _plan_lines(submission, rows.get(SHEET_LINES, []), plan)
    _plan_facts(submission, rows.get(SHEET_FACTS, []), plan)
    return plan


def _refusal(problems):
    from units.excel.problems import problems_error

    return problems_error(problems, sheet_order=(SHEET_LINES, SHEET_FACTS))


def final_import_plan(*, submission: Submission, file) -> FinalImportPlan:
    """What importing `file` would change, nothing written; ValidationError listing every
    problem (located) when it would be refused."""
    if not submission.is_final:
        raise ValidationError(NOT_FINAL)
    rows = _read(submission, file)
    plan = _plan_build(submission, rows)
    if plan.problems:
        raise _refusal(plan.problems)
    return plan


#: refused when the 决算 changed between the preview and 确认导入
CHANGED_SINCE_PREVIEW = "预览后决算数据已有变化（可能有人修改或导入过），请重新上传预览。"


def final_import(
    *, submission: Submission, file, actor=None, expected_digest: str | None = None
) -> FinalImportPlan:
    """Apply the workbook to the 决算, all or nothing; the plan applied. ValidationError (every
    problem located, or the data changed since the preview: `expected_digest`, the
    `final_data_digest` the preview was made on, compared under the submission's lock) or
    PermissionDenied (`actor` may not change the 决算 now; None: a trusted command) with
    nothing written."""
    if not submission.is_final:
        raise ValidationError(NOT_FINAL)
    rows = _read(submission, file)
    with planned_import(
        submission=submission,
        rows=rows,
        reason="导入决算",
        plan_build=_plan_build,
        refusal=_refusal,
    ) as (locked, plan):
        if actor is not None:
            refusal = submission_edit_refusal(actor, locked)
            if refusal:
                raise PermissionDenied(refusal)
        if expected_digest is not None and expected_digest != final_data_digest(submission=locked):
            raise ValidationError(CHANGED_SINCE_PREVIEW)
        changed = []
        for change in plan.lines:
            change.line.adjusted_amount = change.adjusted
            change.line.amount = change.amount
            changed.append(change.line)
        objects_bulk_update(BudgetLine, changed, ["adjusted_amount", "amount"])
        if plan.facts:
            facts, _ = FinalFacts.objects.get_or_create(submission=locked)
            for change in plan.facts:
                setattr(facts, change.name, change.after)
            facts._history_user = actor if getattr(actor, "pk", None) else None
            facts.save(update_fields=[change.name for change in plan.facts])
    return plan


def final_data_digest(*, submission: Submission) -> str:
    """A fingerprint of the 决算's lines and facts: a preview is confirmed only while it holds."""
    parts = [
        f"{pk}:{adjusted}:{amount}"
        for pk, adjusted, amount in BudgetLine.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("pk", "adjusted_amount", "amount")
    ]
    facts = FinalFacts.objects.filter(submission=submission).values(*FACTS_FIELDS).first() or {}
    parts += [f"{name}={facts.get(name)}" for name in FACTS_FIELDS]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
