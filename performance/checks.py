"""绩效目标 checks: rules over one submission's budget rows and targets, producing the same
`Finding`s as the table checks (`tables.figures.checks`), so pages and `check_disclosure` list both.

Each rule is a pure function `(data, targets) -> list[Finding]`, registered in `RULES` with its
id (P01…). Findings carry `table="绩效目标"` and `row=<project name>` (the unit-level target is
"整体支出绩效目标"; aggregate findings have no row). Amounts are compared exactly in 元.

Scopes: a project target has 实施期 and 年度 indicators. P07 and P08 report one finding per scope
in which the fault appears, naming the scope: each is a separate cell of the printed table that
must be corrected on its own (the seed repeats 智慧人大三期项目's "890000万元" and 代表交通和通讯
补贴's "200元/人/年" in both blocks, so each gets two findings).

Indicator kinds are matched by name, not by code, so that a region's framework that puts e.g.
成本指标 at level 1 still satisfies the rules: an indicator "is" a 成本指标 when its 一级 or 二级
name is 成本指标 (likewise for every kind).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from performance.derive import (
    performance_figures,
    project_amount,
    project_current_amounts,
    target_year_funds,
)
from performance.types import SCOPE_PERIOD, SCOPE_YEAR, IndicatorRow, ProjectTargetRow, TargetData
from performance.values import money_unit, parse_indicator_value
from tables.figures.checks import ERROR, SEVERITY_ORDER, WARNING, Finding
from tables.figures.formatting import format_wan
from tables.figures.types import ZERO, BudgetData, ProjectRow

TABLE = "绩效目标"
UNIT_TARGET_ROW = "整体支出绩效目标"
SCOPE_LABELS = {SCOPE_PERIOD: "实施期", SCOPE_YEAR: "年度"}

QUANTITY = "数量指标"
QUALITY = "质量指标"
TIMELINESS = "时效指标"
COST = "成本指标"
BENEFIT = "效益指标"
SATISFACTION = "满意度指标"
#: every target (and every scope of it that has indicators) needs at least one of each
REQUIRED_KINDS = (QUANTITY, QUALITY, TIMELINESS, COST, BENEFIT, SATISFACTION)

#: P07: a cost total this many times larger or smaller than the scope's money is a unit slip
MAGNITUDE_FACTOR = Decimal(100)
#: P08: standard × quantity may differ from the money by at most this share (1%)
STANDARD_TOLERANCE = Decimal("0.01")
#: P08: periods tried when the stated one does not match, with how many fit in a year
ALTERNATIVE_PERIODS = (("月", Decimal(12)), ("季", Decimal(4)), ("年", Decimal(1)))

Rule = Callable[[BudgetData, TargetData], list[Finding]]


# --- helpers -------------------------------------------------------------------------------


def _yuan(amount: Decimal) -> str:
    """An amount in 元 with thousands separators, cents only when there are any: 516,000."""
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"


def _plain(number: Decimal) -> str:
    """A number as typed in an indicator value: 890000, 89, 0.5 (no separators, no exponent)."""
    return f"{number.normalize():f}"


def _is(indicator: IndicatorRow, kind: str) -> bool:
    return kind in (indicator.level1, indicator.level2)


def _project_names(data: BudgetData) -> dict[int, str]:
    return {p.id: p.name for p in data.projects}


def _target_name(target: ProjectTargetRow, names: dict[int, str]) -> str:
    return names.get(target.project_id, f"项目{target.project_id}")


def _allocations(data: BudgetData) -> dict[int, list[int]]:
    """main project id → ids of its extra allocations (separate 表十二 rows)."""
    out: dict[int, list[int]] = defaultdict(list)
    for project in data.projects:
        if project.allocation_of_id:
            out[project.allocation_of_id].append(project.id)
    return out


def _scope_money(
    target: ProjectTargetRow, scope: str, sums: dict[int, dict[str, Decimal]]
) -> Decimal:
    """年度资金总额 (derived + entered) or 实施期资金总额 (entered) of a target."""
    if scope == SCOPE_YEAR:
        return target_year_funds(target, sums).total
    return target.funds_period.total


def _indicator_sets(targets: TargetData, names: dict[int, str]):
    """(row name, scope, indicators) for the unit target and every scope of every project target;
    a project's 年度 set is always listed (even when empty), its 实施期 set only when filled."""
    if targets.unit_target is not None:
        yield UNIT_TARGET_ROW, SCOPE_YEAR, targets.unit_target.indicators
    for target in targets.project_targets:
        name = _target_name(target, names)
        period = target.indicators_for(SCOPE_PERIOD)
        if period:
            yield name, SCOPE_PERIOD, period
        yield name, SCOPE_YEAR, target.indicators_for(SCOPE_YEAR)


def _finding(severity: str, rule_id: str, message: str, row: str = "") -> Finding:
    return Finding(severity, rule_id, message, table=TABLE, row=row)


# --- rules ---------------------------------------------------------------------------------


def rule_target_exists(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P01 every 表十二 row with money has a target: its own, or its main project's when it is an
    extra allocation."""
    sums = project_current_amounts(data)
    names = _project_names(data)
    out = []
    for project in performance_figures(data, targets).missing:
        amount = format_wan(project_amount(sums, project.id))
        if project.allocation_of_id:
            main = names.get(project.allocation_of_id, "")
            message = (
                f"表十二项目「{project.name}」（追加资金，{amount}万元）所属项目「{main}」"
                "没有项目支出绩效目标表，请在所属项目上填报。"
            )
        else:
            message = f"表十二项目「{project.name}」（{amount}万元）没有项目支出绩效目标表。"
        out.append(_finding(ERROR, "P01", message, row=project.name))
    return out


def rule_coverage(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P02 when some 表十二 rows have no target, the share that is covered (the narrative, derived
    from the covered rows, cannot claim all of them). Silent when every row is covered."""
    figures = performance_figures(data, targets)
    if not figures.missing:
        return []
    share = figures.disclosed_share or ZERO
    share_text = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    message = (
        f"表十二列示项目 {figures.managed.count} 个（{format_wan(figures.managed.amount)}万元），"
        f"公开项目绩效目标表 {figures.target_tables} 张，"
        f"覆盖项目 {figures.disclosed.count} 个"
        f"（{format_wan(figures.disclosed.amount)}万元，占 {share_text}%）；"
        "情况说明按已覆盖的项目表述，不能称全部项目均已公开绩效目标。"
    )
    return [_finding(WARNING, "P02", message)]


def rule_year_funds(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P03 年度资金总额 equals the project's 表十二 amount: its main row alone, or the main row
    with its extra allocations. Entered 中央/省级/其他 money that is not in the budget lines
    breaks it."""
    sums = project_current_amounts(data)
    names = _project_names(data)
    allocations = _allocations(data)
    out = []
    for target in targets.project_targets:
        funds = target_year_funds(target, sums)
        own = project_amount(sums, target.project_id)
        with_allocations = own + sum(
            (project_amount(sums, a) for a in allocations.get(target.project_id, ())), ZERO
        )
        if funds.total in (own, with_allocations):
            continue
        budget = f"表十二本项目 {_yuan(own)} 元"
        if with_allocations != own:
            budget += f"（含追加资金共 {_yuan(with_allocations)} 元）"
        entered = funds.central + funds.provincial + funds.other
        message = (
            f"「{_target_name(target, names)}」年度资金总额 {_yuan(funds.total)} 元"
            f"与{budget}不一致（相差 {_yuan(funds.total - own)} 元）"
        )
        if entered:
            message += f"；录入的中央、省级、其他资金共 {_yuan(entered)} 元不在本单位预算中"
        out.append(_finding(ERROR, "P03", message + "。", row=_target_name(target, names)))
    return out


def rule_period_covers_year(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P04 实施期资金总额 ≥ 年度资金总额."""
    sums = project_current_amounts(data)
    names = _project_names(data)
    out = []
    for target in targets.project_targets:
        period = target.funds_period.total
        year = target_year_funds(target, sums).total
        if period >= year:
            continue
        name = _target_name(target, names)
        message = (
            f"「{name}」实施期资金总额 {_yuan(period)} 元小于年度资金总额 {_yuan(year)} 元"
            f"（相差 {_yuan(year - period)} 元）。"
        )
        out.append(_finding(ERROR, "P04", message, row=name))
    return out


def rule_indicator_kinds(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P05 each target has at least one 数量, 质量, 时效, 成本, 效益 and 满意度 indicator: the unit
    target, every project's 年度 set (which must exist) and its 实施期 set when it has one."""
    names = _project_names(data)
    out = []
    for row, scope, indicators in _indicator_sets(targets, names):
        missing = [k for k in REQUIRED_KINDS if not any(_is(i, k) for i in indicators)]
        if not missing:
            continue
        label = (
            "整体支出绩效目标的" if row == UNIT_TARGET_ROW else f"「{row}」{SCOPE_LABELS[scope]}"
        )
        message = f"{label}绩效指标缺少{'、'.join(missing)}（每类至少一项）。"
        out.append(_finding(ERROR, "P05", message, row=row))
    return out


def _value_problem(indicator: IndicatorRow) -> str:
    try:
        parsed = parse_indicator_value(indicator.text)
    except ValidationError as exc:
        return "".join(exc.messages)
    if parsed.is_percentage and not (0 <= parsed.number <= 100):
        return f"指标值「{indicator.text}」：百分比必须在0–100之间。"
    return ""


def rule_indicator_values(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P06 every 指标值 parses (re-parsed from its text, so imported or legacy rows are caught)
    and percentages lie within 0–100."""
    names = _project_names(data)
    sets: list[tuple[str, str, Iterable[IndicatorRow]]] = []
    if targets.unit_target is not None:
        sets.append((UNIT_TARGET_ROW, SCOPE_YEAR, targets.unit_target.indicators))
    for target in targets.project_targets:
        name = _target_name(target, names)
        sets += [(name, scope, target.indicators_for(scope)) for scope in SCOPE_LABELS]
    out = []
    for row, scope, indicators in sets:
        for indicator in indicators:
            problem = _value_problem(indicator)
            if problem:
                where = "整体支出绩效目标" if row == UNIT_TARGET_ROW else f"「{row}」"
                message = (
                    f"{where}{SCOPE_LABELS[scope]}指标「{indicator.name}」的指标值有误：{problem}"
                )
                out.append(_finding(ERROR, "P06", message, row=row))
    return out


def _magnitude_suggestion(indicator: IndicatorRow, scale: Decimal, money: Decimal, suffix: str):
    """The same digits under the other money unit when that fits, else the scope's money."""
    other = Decimal(1) if scale != 1 else Decimal(10000)
    candidate = indicator.number * other
    amount = money if _off_by_magnitude(candidate, money) else candidate
    return f"{_plain(amount)}元{suffix} 或 {_plain(amount / 10000)}万元{suffix}"


def _off_by_magnitude(stated: Decimal, money: Decimal) -> bool:
    small, large = sorted((stated, money))
    return large >= small * MAGNITUDE_FACTOR


def rule_cost_magnitude(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P07 a 成本指标 stated as a money total (元, 万元, 元/年, 万元/年) is within a factor of 100 of
    the scope's money (年度资金总额 for 年度 indicators, 实施期资金总额 for 实施期 ones).

    Zero amounts on either side are left to P03/P04 (there is no magnitude to compare)."""
    sums = project_current_amounts(data)
    names = _project_names(data)
    out = []
    for target in targets.project_targets:
        name = _target_name(target, names)
        for scope, scope_label in SCOPE_LABELS.items():
            money = _scope_money(target, scope, sums)
            for indicator in target.indicators_for(scope):
                unit = money_unit(indicator.unit) if _is(indicator, COST) else None
                if unit is None or not unit.is_total or indicator.number is None:
                    continue
                stated = indicator.number * unit.scale
                if not stated or not money or not _off_by_magnitude(stated, money):
                    continue
                factor = max(stated, money) / min(stated, money)
                suffix = "/年" if unit.per else ""
                suggestion = _magnitude_suggestion(indicator, unit.scale, money, suffix)
                message = (
                    f"「{name}」{scope_label}成本指标「{indicator.name}」为 {indicator.text}"
                    f"（{_yuan(stated)} 元），与{scope_label}资金总额 {_yuan(money)} 元"
                    f"相差约 {factor:,.0f} 倍，金额单位可能有误：应为 {suggestion}。"
                )
                out.append(_finding(ERROR, "P07", message, row=name))
    return out


def _agrees(computed: Decimal, money: Decimal) -> bool:
    return abs(computed - money) <= money * STANDARD_TOLERANCE


def _with_period(unit_text: str, period: str) -> str:
    parts = unit_text.replace("／", "/").split("/")
    return "/".join([*parts[:-1], period])


def rule_standard_times_quantity(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P08 standard × quantity × periods per year = the scope's money (within 1%).

    Applies to one scope of one project target when it has exactly ONE 成本指标 that is a
    per-entity standard (元/人/月, 元/个/年 …) with a number, whose period is known (年, 季, 月 …),
    and exactly ONE 数量指标 with a number whose unit is that entity (人, 个 …). Anything else is
    ambiguous and skipped: two standards (乡镇(县直)人大办公经费: 10000元/个/年 and 5000元/个/年
    over 15个 and 2个), per-day standards (元/人/天: the number of days is not the money's
    period), standards without a period (元/人), quantities in another entity, zero money. The
    unit-level target is not checked (its standards describe several projects at once).
    When another period (月 ×12, 季 ×4, 年 ×1) agrees within the same 1%, the message says so.
    """
    sums = project_current_amounts(data)
    names = _project_names(data)
    out = []
    for target in targets.project_targets:
        name = _target_name(target, names)
        for scope, scope_label in SCOPE_LABELS.items():
            indicators = target.indicators_for(scope)
            standards = [
                (i, unit)
                for i in indicators
                if _is(i, COST)
                and i.number is not None
                and (unit := money_unit(i.unit)) is not None
                and unit.entity
            ]
            if len(standards) != 1:
                continue
            standard, unit = standards[0]
            periods = unit.periods_per_year
            if periods is None:
                continue
            quantities = [
                i
                for i in indicators
                if _is(i, QUANTITY) and i.number is not None and i.unit == unit.entity
            ]
            money = _scope_money(target, scope, sums)
            if len(quantities) != 1 or not money:
                continue
            (quantity,) = quantities
            per_period = standard.number * unit.scale * quantity.number
            computed = per_period * periods
            if _agrees(computed, money):
                continue
            times = f" × {_plain(periods)}（{unit.per[-1]}）" if periods != 1 else ""
            message = (
                f"「{name}」{scope_label}：成本指标「{standard.name}」{standard.text} × "
                f"数量指标「{quantity.name}」{quantity.text}{times} = {_yuan(computed)} 元，"
                f"与{scope_label}资金 {_yuan(money)} 元不一致（相差 {_yuan(money - computed)} 元）。"
            )
            for period, count in ALTERNATIVE_PERIODS:
                if count != periods and _agrees(per_period * count, money):
                    alternative = _with_period(standard.unit, period)
                    message += (
                        f"按 {alternative} 计算为 {_yuan(per_period * count)} 元，"
                        f"与{scope_label}资金一致，指标单位可能应为「{alternative}」。"
                    )
                    break
            out.append(_finding(WARNING, "P08", message, row=name))
    return out


def rule_duplicate_project_names(data: BudgetData, targets: TargetData) -> list[Finding]:
    """P09 a project name appears once among 表十二's rows, unless the rows are allocations of one
    project (one main row, every other row's allocation_of pointing to it)."""
    sums = project_current_amounts(data)
    by_name: dict[str, list[ProjectRow]] = defaultdict(list)
    for project in sorted(data.projects, key=lambda p: (p.position, p.id)):
        if project.id in sums:
            by_name[project.name].append(project)
    out = []
    for name, rows in by_name.items():
        if len(rows) < 2:
            continue
        mains = [p for p in rows if not p.allocation_of_id]
        if len(mains) == 1 and all(
            p.allocation_of_id == mains[0].id for p in rows if p is not mains[0]
        ):
            continue
        amounts = "、".join(f"{format_wan(project_amount(sums, p.id))}万元" for p in rows)
        message = (
            f"表十二项目名称「{name}」出现 {len(rows)} 次（{amounts}），但不是同一项目的追加资金"
            "批次；请合并为一个项目，或将追加资金关联到所属项目，或使用不同的名称。"
        )
        out.append(_finding(WARNING, "P09", message, row=name))
    return out


RULES: dict[str, Rule] = {
    "P01": rule_target_exists,
    "P02": rule_coverage,
    "P03": rule_year_funds,
    "P04": rule_period_covers_year,
    "P05": rule_indicator_kinds,
    "P06": rule_indicator_values,
    "P07": rule_cost_magnitude,
    "P08": rule_standard_times_quantity,
    "P09": rule_duplicate_project_names,
}


def run_target_checks(data: BudgetData, targets: TargetData) -> list[Finding]:
    """All 绩效目标 findings, most severe first."""
    findings = [f for rule in RULES.values() for f in rule(data, targets)]
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
