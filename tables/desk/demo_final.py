"""The demo's 2025 决算 (synthetic, and marked so: `FinalFacts.is_synthetic`).

`demo_final_load` opens the demo unit's (003) 2025 决算 from its published 2025 budget through
the real service (`tables.desk.final_open.final_open`) and gives it plausible, deterministic
actuals, so the 决算 pages, tables and 绩效自评 have something to show:

- each line's 决算数 = 年初预算 × a factor from `FACTORS` (0.85 … 1.12, by the line's place);
  every 三公 line spends `SANGONG_FACTOR` (under budget); the first 一般公共预算 project line
  spends at least 12% more than planned, enough for its 功能分类 项 to be ≥10% over, with its
  调整预算 raised to match (a difference that needs a reason);
- a `FinalReason` for every difference that needs one (|决算 − 年初预算| ≥ 10% of 年初预算, or
  a 年初预算 of 0 and a 决算 that is not): per 一般公共预算 功能分类 项 ("func:<项>"), per 三公
  item ("sangong:…"), 机关运行经费 ("operating_costs") and 财政拨款 本年支出合计 ("total"), computed
  here from the lines with the budget derivation's own 三公 and 机关运行经费 sums — none missing;
- `FinalFacts`: income as spent plus a 50,000.00 元 一般公共预算 结余 carried to 年末, so every
  fund balances; 三公 counts; 政府采购 with a share to 中小企业; year-end assets;
- 绩效自评: each target's indicators share 90 points (预算执行率 keeps its 10), every indicator
  met but one, which records its 偏差原因 and 改进措施.

Idempotent: a 决算 of the demo that is not 已发布 is removed and opened again; a published
one is left alone. Lives in the desk layer because it calls `final_open` (which reads the
published version).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from performance.models import Comparator, Indicator, IndicatorResult, Scope, TargetEvaluation
from tables.desk.final_open import final_open
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
    sangong_items_by_dept_code,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.load import budget_data_load
from tables.figures.types import FISCAL_FUNDS, LineRow
from units import demo
from units.final_balance import fund_balances, line_expense_by_fund
from units.history import history_reason, objects_bulk_update
from units.models import (
    BudgetLine,
    BudgetUnit,
    FinalFacts,
    FinalReason,
    Project,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
#: 决算数 / 年初预算 of the lines, by their place (cycled)
FACTORS = tuple(
    Decimal(f)
    for f in ("0.97", "1.00", "0.92", "1.03", "0.88", "1.05", "0.95", "1.12", "0.99", "0.85")
)
SANGONG_FACTOR = Decimal("0.85")
PROJECT_OVER_FACTOR = Decimal("1.12")
GENERAL_SURPLUS = Decimal("50000.00")
SANGONG_KEYS = {
    SANGONG_OUTBOUND: "sangong:outbound",
    SANGONG_RECEPTION: "sangong:reception",
    SANGONG_VEHICLE_PURCHASE: "sangong:vehicle_purchase",
    SANGONG_VEHICLE_OPERATION: "sangong:vehicle_operation",
}
REASONS = {
    #: the cause alone: the 情况说明 words the direction ("决算数大于年初预算数的主要原因是：")
    "func_over": "年中人员和工作任务有调整，按实际需要追加了支出。",
    "func_under": "按实际进度结算，节约了部分支出。",
    "sangong": "严格执行中央八项规定精神，厉行节约，压减“三公”经费支出。",
    "operating_costs": "加强机关运行成本管控，压减一般性支出。",
    "total": "部分项目年中追加预算，部分支出按进度节约。",
}


def needs_reason(planned: Decimal, actual: Decimal) -> bool:
    """|决算 − 年初预算| ≥ 10% of 年初预算; any 决算 against a 年初预算 of 0."""
    if not planned:
        return actual != 0
    return abs(actual - planned) * 10 >= planned


def _scaled(amount: Decimal, factor: Decimal) -> Decimal:
    return (amount * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def _demo_final_clear(unit: BudgetUnit, year: int) -> bool:
    """Remove the demo's 决算 unless published; False when a published one stays."""
    final = Submission.objects.filter(unit=unit, year=year, kind=SubmissionKind.FINAL).first()
    if final is None:
        return True
    if final.status == SubmissionStatus.PUBLISHED or final.version > 1:
        return False
    BudgetLine.objects.filter(submission=final).delete()
    Project.objects.filter(submission=final, allocation_of__isnull=False).delete()
    Project.objects.filter(submission=final).delete()
    final.delete()
    return True


def _actuals(lines: list[BudgetLine]) -> None:
    """Set each line's 决算数; the first 一般公共预算 project line spends `PROJECT_OVER_FACTOR`
    of its 年初预算 — more if needed for its whole 功能分类 项 to be ≥10% over (so the reason
    is the project's) — with its 调整预算 raised to match."""
    sangong_codes = set(sangong_items_by_dept_code())
    over = next(
        (
            line
            for line in lines
            if line.project_id
            and line.fund_source == "general"
            and line.planned_amount
            and line.dept_econ_code.code not in sangong_codes
        ),
        None,
    )
    for index, line in enumerate(lines):
        planned = line.planned_amount or Decimal(0)
        if line.dept_econ_code.code in sangong_codes:
            factor = SANGONG_FACTOR
        elif line is over:
            factor = PROJECT_OVER_FACTOR
        else:
            factor = FACTORS[index % len(FACTORS)]
        line.amount = _scaled(planned, factor)
    if over is None:
        return
    same_item = [
        line
        for line in lines
        if line.fund_source == "general" and line.func_code_id == over.func_code_id
    ]
    planned = sum((line.planned_amount or Decimal(0) for line in same_item), Decimal(0))
    actual = sum((line.amount for line in same_item), Decimal(0))
    short = planned / 10 - (actual - planned)
    if short > 0:
        over.amount += short.quantize(CENT, rounding=ROUND_UP)
    over.adjusted_amount = over.amount


def final_differences_demo(submission: Submission) -> dict[str, tuple[Decimal, Decimal]]:
    """Difference key → (年初预算, 决算) of the 决算, as the comparison names them: each
    一般公共预算 功能分类 项, the 三公 items, 机关运行经费 and the 财政拨款 total."""
    data = budget_data_load(submission=submission)
    lines = list(
        BudgetLine.objects.filter(submission=submission).select_related(
            "func_code", "dept_econ_code", "gov_econ_code"
        )
    )

    def rows(planned: bool) -> tuple[LineRow, ...]:
        return tuple(
            LineRow(
                func_code=line.func_code.code,
                dept_code=line.dept_econ_code.code,
                gov_code=line.gov_econ_code.code,
                expense_kind=line.expense_kind,
                fund=line.fund_source,
                is_carryover=line.is_carryover,
                project_id=line.project_id,
                amount=(line.planned_amount or Decimal(0)) if planned else line.amount,
                income_type=line.income_type,
                sub_item=line.sub_item,
            )
            for line in lines
        )

    planned_data, actual_data = replace(data, lines=rows(True)), replace(data, lines=rows(False))
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for planned_row, actual_row in zip(planned_data.lines, actual_data.lines, strict=True):
        if planned_row.fund != "general":
            continue
        key = f"func:{planned_row.func_code}"
        p, a = found.get(key, (Decimal(0), Decimal(0)))
        found[key] = (p + planned_row.amount, a + actual_row.amount)
    planned_sangong, actual_sangong = sangong_sums(planned_data), sangong_sums(actual_data)
    for item, key in SANGONG_KEYS.items():
        found[key] = (planned_sangong[item][0], actual_sangong[item][0])
    if data.unit.has_operating_costs:
        found["operating_costs"] = (
            operating_cost_vector(planned_data)[0],
            operating_cost_vector(actual_data)[0],
        )
    found["total"] = (
        sum((r.amount for r in planned_data.lines if r.fund in FISCAL_FUNDS), Decimal(0)),
        sum((r.amount for r in actual_data.lines if r.fund in FISCAL_FUNDS), Decimal(0)),
    )
    return found


def _reason(key: str, planned: Decimal, actual: Decimal) -> str:
    if key.startswith("func:"):
        return REASONS["func_over" if actual > planned else "func_under"]
    if key.startswith("sangong:"):
        return REASONS["sangong"]
    return REASONS[key]


def _facts(final: Submission, lines: list[BudgetLine]) -> None:
    facts = FinalFacts.objects.get(submission=final)
    spent = line_expense_by_fund((line.fund_source, line.amount) for line in lines)
    # the year's own spending came from the year's income (上年结转 lines from the 年初 that
    # 开启决算 set), plus a 结余 left at the year's end
    own = line_expense_by_fund(
        (line.fund_source, line.amount) for line in lines if not line.is_carryover
    )
    facts.income_general = own["general"] + GENERAL_SURPLUS
    facts.income_gov_fund = own["gov_fund"]
    facts.income_state_capital = own["state_capital"]
    other_income = ("income_superior", "income_business", "income_operating")
    other_income += ("income_subordinate", "income_other")
    for name in other_income:
        setattr(facts, name, Decimal(0))
    facts.income_other = own["other"]
    for balance in fund_balances(facts, spent):
        # 年末 = 年初 + 收入 − 支出: every fund balances
        setattr(facts, f"closing_{balance.key}", balance.opening + balance.income - balance.expense)
    facts.outbound_groups, facts.outbound_persons = 1, 4
    facts.reception_batches, facts.reception_persons = 36, 412
    facts.vehicles_purchased, facts.vehicles_held = 0, 2
    procurement = sum((Decimal(amount) for *_, amount in demo.PROCUREMENTS), Decimal(0))
    facts.procurement_goods = _scaled(procurement, Decimal("0.96"))
    facts.procurement_works = Decimal(0)
    facts.procurement_services = Decimal("18600.00")
    facts.procurement_sme = _scaled(
        facts.procurement_goods + facts.procurement_services, Decimal("0.72")
    )
    facts.vehicles_total, facts.equipment_over_500k, facts.special_equipment_over_1m = 2, 0, 0
    facts.is_synthetic = True
    facts.save()


def _number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _indicator_actual(indicator: Indicator, missed: bool) -> str:
    """What was achieved: the target itself (met), or short of it (missed)."""
    if indicator.comparator == Comparator.QUALITATIVE or indicator.value is None:
        return "部分达到" if missed else "达到"
    value = Decimal(indicator.value)
    if missed:
        shortfall = (
            Decimal("0.8")
            if indicator.comparator in (Comparator.GE, Comparator.GT)
            else Decimal("1.2")
        )
        value = (value * shortfall).quantize(
            Decimal(1) if value == value.to_integral_value() else CENT, rounding=ROUND_DOWN
        )
    elif indicator.comparator == Comparator.GT:
        value += 1
    elif indicator.comparator == Comparator.LT:
        value = max(value - 1, Decimal(0))
    return f"{_number_text(value)}{indicator.unit}"


def _missed_indicator(groups) -> int | None:
    """The indicator the demo misses: a project target's first "≥" indicator, else any
    numeric one, else the first."""
    every = [(evaluation, result.indicator) for evaluation, results in groups for result in results]
    numeric = [
        (evaluation, indicator)
        for evaluation, indicator in every
        if indicator.comparator in (Comparator.GE, Comparator.GT) and indicator.value
    ]
    for evaluation, indicator in numeric:
        if evaluation.project_target_id is not None:
            return indicator.pk
    chosen = numeric or every
    return chosen[0][1].pk if chosen else None


def _evaluations(final: Submission) -> None:
    evaluations = list(
        TargetEvaluation.objects.filter(unit_target__submission=final)
        | TargetEvaluation.objects.filter(project_target__project__submission=final)
    )
    groups = []
    for evaluation in sorted(evaluations, key=lambda e: (e.unit_target_id is None, e.pk)):
        owner = (
            {"indicator__unit_target_id": evaluation.unit_target_id}
            if evaluation.unit_target_id
            else {"indicator__project_target_id": evaluation.project_target_id}
        )
        groups.append(
            (
                evaluation,
                list(
                    # only the 年度 indicators are evaluated (and weighted) for the year
                    IndicatorResult.objects.filter(**owner, indicator__scope=Scope.YEAR)
                    .select_related("indicator")
                    .order_by("indicator__scope", "indicator__position", "indicator_id")
                ),
            )
        )
    missed_id = _missed_indicator(groups)
    results = []
    for evaluation, target_results in groups:
        evaluation.execution_weight = Decimal(10)
        evaluation.summary = "年度绩效目标基本完成，资金使用规范，达到预期效果。"
        evaluation.save(update_fields=["execution_weight", "summary"])
        if not target_results:
            continue
        share = (Decimal(90) / len(target_results)).quantize(CENT, rounding=ROUND_DOWN)
        rest = Decimal(90) - share * len(target_results)
        for index, result in enumerate(target_results):
            missed = result.indicator_id == missed_id
            result.actual = _indicator_actual(result.indicator, missed)
            result.weight = share + (rest if index == 0 else 0)
            result.deviation_reason = (
                "受年中工作安排调整影响，部分计划任务顺延至下一年度。" if missed else ""
            )
            result.improvement = "加强项目进度管理，按季度跟踪任务完成情况。" if missed else ""
            results.append(result)
    objects_bulk_update(
        IndicatorResult, results, ["actual", "weight", "deviation_reason", "improvement"]
    )


def demo_final_load() -> Submission:
    """Open (or reopen) the demo unit's 2025 决算 with its synthetic actuals; see the module
    docstring. ValidationError when the demo's 2025 budget was never published."""
    unit = BudgetUnit.objects.filter(code=demo.UNIT_CODE).first()
    if unit is None:
        raise ValidationError("没有演示单位，请先运行 load_demo。")
    with transaction.atomic(), history_reason("载入演示决算"):
        if not _demo_final_clear(unit, demo.YEAR):
            return Submission.objects.get(unit=unit, year=demo.YEAR, kind=SubmissionKind.FINAL)
        final = final_open(unit=unit, year=demo.YEAR, actor=None)
        lines = list(
            BudgetLine.objects.filter(submission=final)
            .select_related("func_code", "dept_econ_code")
            .order_by("id")
        )
        _actuals(lines)
        objects_bulk_update(BudgetLine, lines, ["amount", "adjusted_amount"])
        _facts(final, lines)
        FinalReason.objects.bulk_create(
            [
                FinalReason(submission=final, key=key, reason=_reason(key, planned, actual))
                for key, (planned, actual) in sorted(final_differences_demo(final).items())
                if needs_reason(planned, actual)
            ]
        )
        _evaluations(final)
    return final
