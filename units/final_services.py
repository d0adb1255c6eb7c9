"""Writes of a 决算: a line's 调整预算 and 决算数, the 收支情况 (`FinalFacts`).

Each write locks the submission row (`units.services.submission_lock`), refuses a submission
that is not a 决算, and asks `units.permissions.submission_edit_refusal` under the lock (the
unit's 填报人 while 草稿 or 已退回; never a 审核人 or 管理员), so a 提交 that committed meanwhile
is seen. Bad input is refused whole, with a Chinese message naming the field; nothing is saved
half. The 年初预算 (`planned_amount`) is the published budget's and is never written here.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from units.models import BudgetLine, FinalFacts, Submission
from units.money import parse_amount_text
from units.permissions import submission_edit_refusal
from units.services import submission_lock

NOT_FINAL = "这不是决算填报，不能在这里修改决算数。"

#: FinalFacts fields the 收支情况 form and the workbook write, in their order: money (元)
FACTS_MONEY_FIELDS = (
    "income_general",
    "income_gov_fund",
    "income_state_capital",
    "income_superior",
    "income_business",
    "income_operating",
    "income_subordinate",
    "income_other",
    "opening_general",
    "opening_gov_fund",
    "opening_state_capital",
    "opening_other",
    "closing_general",
    "closing_gov_fund",
    "closing_state_capital",
    "closing_other",
    "expense_to_superior",
    "expense_operating",
    "expense_subsidiary",
    "procurement_goods",
    "procurement_works",
    "procurement_services",
    "procurement_sme",
)
#: … and counts (whole numbers)
FACTS_COUNT_FIELDS = (
    "outbound_groups",
    "outbound_persons",
    "reception_batches",
    "reception_persons",
    "vehicles_purchased",
    "vehicles_held",
    "vehicles_total",
    "equipment_over_500k",
    "special_equipment_over_1m",
)
FACTS_FIELDS = FACTS_MONEY_FIELDS + FACTS_COUNT_FIELDS
#: the largest count accepted (a typo such as 1e9 is refused, not stored)
COUNT_MAX = 1_000_000


def facts_label(name: str) -> str:
    return str(FinalFacts._meta.get_field(name).verbose_name)


def _locked_final(submission: Submission, actor) -> Submission:
    locked = submission_lock(submission.pk)
    if locked is None:
        raise ValidationError("填报不存在。")
    if not locked.is_final:
        raise ValidationError(NOT_FINAL)
    refusal = submission_edit_refusal(actor, locked)
    if refusal:
        raise PermissionDenied(refusal)
    return locked


def final_amount_parse(value, *, label: str, blank_ok: bool = False) -> Decimal | None:
    """An amount typed for a 决算 field, in 元; None for blank when `blank_ok`; refused
    (naming `label`) when blank otherwise, negative or not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank_ok:
            return None
        raise ValidationError(f"{label}不能为空。")
    amount = parse_amount_text(value, field_label=label)
    if amount < 0:
        raise ValidationError(f"{label}不能为负数：{value}")
    return amount


def final_count_parse(value, *, label: str) -> int:
    """A count typed for a 决算 field: a whole number from 0 (blank is 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        text = str(int(value))
    if not text.isdigit():
        raise ValidationError(f"{label}应为不小于0的整数：{value}")
    number = int(text)
    if number > COUNT_MAX:
        raise ValidationError(f"{label}超出允许范围（最大 {COUNT_MAX}）：{value}")
    return number


def final_line_update(*, submission: Submission, line_id: int, actor, adjusted_amount, amount):
    """Set one line's 调整预算 (blank: the 年初预算) and 决算数. Returns the line saved.

    ValidationError by field ("adjusted_amount", "amount") for bad amounts, a plain one for a
    line that is not this 决算's or a submission that is not a 决算; PermissionDenied when
    `actor` may not change the submission now."""
    with transaction.atomic():
        locked = _locked_final(submission, actor)
        line = BudgetLine.objects.filter(pk=line_id, submission=locked).first()
        if line is None:
            raise ValidationError("这条明细不属于本决算或已不存在，请刷新页面。")
        errors: dict[str, list[str]] = {}
        values = {}
        for name, label, value, blank_ok in (
            ("adjusted_amount", "调整预算", adjusted_amount, True),
            ("amount", "决算数", amount, False),
        ):
            try:
                values[name] = final_amount_parse(value, label=label, blank_ok=blank_ok)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)
        if values["adjusted_amount"] is None:
            values["adjusted_amount"] = line.planned_amount
        changed = [name for name, value in values.items() if getattr(line, name) != value]
        if changed:
            for name in changed:
                setattr(line, name, values[name])
            line._history_user = actor if getattr(actor, "pk", None) else None
            line.save(update_fields=changed)
        return line


def final_facts_clean(values: dict) -> tuple[dict, dict[str, list[str]]]:
    """`values` (field name → typed value) parsed: (clean values, errors by field). Unknown
    field names are a programming error (ValueError)."""
    unknown = sorted(set(values) - set(FACTS_FIELDS))
    if unknown:
        raise ValueError(f"not a FinalFacts field: {', '.join(unknown)}")
    clean, errors = {}, {}
    for name, value in values.items():
        label = facts_label(name)
        try:
            if name in FACTS_MONEY_FIELDS:
                clean[name] = final_amount_parse("0" if value in (None, "") else value, label=label)
            else:
                clean[name] = final_count_parse(value, label=label)
        except ValidationError as exc:
            errors[name] = exc.messages
    return clean, errors


def final_facts_update(
    *, submission: Submission, actor, values: dict, token: str | None = None
) -> FinalFacts:
    """Save the 收支情况 fields in `values` (others stay as they are) all together or none.
    Creates the facts first if the 决算 has none. ValidationError by field, or naming who saved
    in between when `token` (`units.concurrency.rows_token` of the page's facts) is stale;
    PermissionDenied when `actor` may not change the submission now."""
    from units.services import _stale

    clean, errors = final_facts_clean(values)
    with transaction.atomic():
        locked = _locked_final(submission, actor)
        if token is not None:
            _stale(FinalFacts, FinalFacts.objects.filter(submission=locked), token)
        if errors:
            raise ValidationError(errors)
        facts, _ = FinalFacts.objects.get_or_create(submission=locked)
        changed = [name for name, value in clean.items() if getattr(facts, name) != value]
        if changed:
            for name in changed:
                setattr(facts, name, clean[name])
            facts._history_user = actor if getattr(actor, "pk", None) else None
            facts.save(update_fields=changed)
        return facts


def final_line_add(*, submission: Submission, actor, line: BudgetLine, new_project=None):
    """Add a line spent in the year without a 年初预算 (追加): 年初预算 0, 调整预算 and 决算数
    the amount typed, with the project created beside it if `new_project` is given. The line's
    rules are the budget entry's (`units.services.budget_line_save`), all or nothing."""
    from units.services import budget_line_save

    if line.pk is not None:
        raise ValueError("final_line_add creates a line; use final_line_update to change one")
    with transaction.atomic():
        _locked_final(submission, actor)
        amount = final_amount_parse(line.amount, label="决算数")
        line.amount = amount
        line.planned_amount = Decimal("0.00")
        line.adjusted_amount = amount
        return budget_line_save(
            submission_id=submission.pk, user=actor, line=line, new_project=new_project
        )
