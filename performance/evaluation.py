"""绩效自评 (performance self-evaluation) of a 决算: PURE functions over frozen dataclasses that
say whether each indicator's 实际完成值 meets its 年度指标值, score it, add the target's total and
grade it; and the S rules (`evaluation_rules`) listing what still has to be written before the
决算 may be submitted. `performance.evaluation_selectors` loads the data, the desk page
(`tables.desk.evaluation_views`) and the sheets (`performance.evaluation_sheets`) show it. No
database here; every amount and score is an exact `Decimal`.

How an actual value is read against its target (`indicator_outcome`):

- A quantitative target ("≥13次", "100%", "≤5000元/个/年") wants a number, optionally followed
  by its unit: "15次", "98%", "4800元/个/年" (thousands separators allowed; "＝"/"=" before the
  number is ignored). When both the target and the actual carry a unit the units must be the
  same (％ and % are the same): "15次" against "≥13人" is not comparable (S04), and neither is
  a word such as "达到" against a number.
- The comparison follows the target's comparator: ≥ actual ≥ number, ≤ actual ≤ number,
  ＝ actual = number (a percentage as well: "100%" wants exactly 100%), ＞ and ＜ strictly.
- A qualitative (定性) target ("按月发放", "提升") wants one of the words below (a trailing
  "。" is ignored); any other text is not comparable (S04):
  达到 / 已达到 / 完成 / 已完成 / 是 → met; 部分达到 / 部分完成 → partly met;
  未达到 / 未完成 / 否 → missed.
- An empty actual value is "not filled" (S02).

Scores (`indicator_score`): a met indicator earns its full 分值. A missed ≥/＞ target earns
分值 × actual ÷ target, a missed ≤/＜ target 分值 × target ÷ actual (both kept within 0…分值),
a missed ＝ target 0; a partly met 定性 target half its 分值, a missed one 0; an empty or not
comparable value 0. 预算执行率 earns `execution_weight` × min(执行数 ÷ 预算数, 1); with a 预算数 of
0 the full 分值 (nothing was planned, so nothing was left unspent). Each score is rounded to
0.01 half-up, and the total is the sum of the rounded scores (so the printed 得分 add up to the
printed 总分 exactly).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from performance.values import EQ, GE, GT, LE, LT, QUALITATIVE, ParsedValue
from tables.figures.checks import Finding
from units.severity import ERROR

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

TABLE = "绩效自评"
UNIT_KEY = "unit"
UNIT_TARGET_NAME = "整体支出绩效目标"

# Outcomes of one indicator.
MET = "met"
PARTLY = "partly"
MISSED = "missed"
EMPTY = "empty"
INCOMPARABLE = "incomparable"
OUTCOME_LABELS = {
    MET: "达到",
    PARTLY: "部分达到",
    MISSED: "未达到",
    EMPTY: "未填写",
    INCOMPARABLE: "无法比较",
}

#: the words a 定性 indicator's 实际完成值 is written with
QUALITATIVE_MET = frozenset({"达到", "已达到", "完成", "已完成", "是"})
QUALITATIVE_PARTLY = frozenset({"部分达到", "部分完成"})
QUALITATIVE_MISSED = frozenset({"未达到", "未完成", "否"})
QUALITATIVE_HINT = "定性指标请填写 达到、部分达到 或 未达到"

_ACTUAL_NUMBER = re.compile(r"^(?:＝|=)?\s*(\d[\d,，]*(?:\.\d+)?)\s*(.*)$", re.DOTALL)


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bands:
    """Grade bands of a total score: 优 from `excellent`, 良 from `good`, 中 from `fair`."""

    excellent: Decimal = Decimal(90)
    good: Decimal = Decimal(80)
    fair: Decimal = Decimal(60)


DEFAULT_BANDS = Bands()


@dataclass(frozen=True, slots=True)
class IndicatorEvaluation:
    """One 年度 indicator of a target with what the unit wrote about it."""

    id: int  # the Indicator's id (form fields are named after it)
    level1: str  # 一级指标
    level2: str  # 二级指标
    name: str  # 三级指标
    text: str  # 年度指标值 as typed
    comparator: str
    number: Decimal | None
    unit: str
    actual: str = ""  # 实际完成值
    weight: Decimal = ZERO  # 分值
    deviation_reason: str = ""
    improvement: str = ""

    @property
    def target(self) -> ParsedValue:
        return ParsedValue(self.comparator, self.number, self.unit)

    @property
    def outcome(self) -> str:
        return indicator_outcome(self.target, self.actual)

    @property
    def score(self) -> Decimal:
        return indicator_score(self.target, self.actual, self.weight)


@dataclass(frozen=True)
class TargetEvaluationRow:
    """One target of a 决算 with its self-evaluation: the unit's overall target (key "unit")
    or a project's (key = project id). `planned`/`actual` are the 预算数 and 执行数 (元) of
    the 预算执行率, filled by `with_execution`; None while unknown."""

    key: str | int
    name: str
    goal: str  # 年度总体目标 (预期目标)
    implementer: str  # 实施单位
    evaluated: bool  # a TargetEvaluation is stored
    execution_weight: Decimal
    summary: str  # 实际完成情况
    indicators: tuple[IndicatorEvaluation, ...]
    planned: Decimal | None = None
    actual: Decimal | None = None
    footer: tuple[tuple[str, str], ...] = ()

    @property
    def execution_key(self) -> int | None:
        """The key of this target in an `execution` mapping: None for the unit's target."""
        return None if self.key == UNIT_KEY else int(self.key)

    @property
    def weight_total(self) -> Decimal:
        return self.execution_weight + sum((i.weight for i in self.indicators), ZERO)


@dataclass(frozen=True)
class EvaluationData:
    """Every target of one 决算 submission with its self-evaluation, and the year's bands."""

    year: int
    unit_name: str
    department_label: str  # 主管部门
    bands: Bands
    targets: tuple[TargetEvaluationRow, ...]


Execution = Mapping[int | None, tuple[Decimal, Decimal]]


def with_execution(data: EvaluationData, execution: Execution) -> EvaluationData:
    """The data with each target's 预算数 and 执行数 taken from `execution` (project id, None
    for the unit's target → (planned, actual) 元); a target not in it keeps None."""
    targets = []
    for target in data.targets:
        pair = execution.get(target.execution_key)
        if pair is not None:
            target = replace(target, planned=pair[0], actual=pair[1])
        targets.append(target)
    return replace(data, targets=tuple(targets))


def execution_sums(lines) -> tuple[dict[int | None, tuple[Decimal, Decimal]], dict]:
    """The money of each target's 预算执行率 from a 决算's lines: `lines` are (project id, its
    main project id or None, 年初预算, 调整预算 or None, 决算数); returns (execution, initial):
    project id — an extra allocation counted with its main project — and None (the whole
    unit) → (全年预算数 = the 调整预算, or the 年初预算 when not adjusted, 全年执行数 = the
    决算数), and the same keys → 年初预算数. The one sum the desk page and the document read."""
    planned: dict[int | None, Decimal] = {}
    actual: dict[int | None, Decimal] = {}
    initial: dict[int | None, Decimal] = {}
    for project_id, main_id, planned_amount, adjusted_amount, amount in lines:
        keys: tuple[int | None, ...] = (None,)
        if project_id is not None:
            keys += (main_id or project_id,)
        year_planned = adjusted_amount if adjusted_amount is not None else planned_amount
        for key in keys:
            planned[key] = planned.get(key, ZERO) + (year_planned or ZERO)
            initial[key] = initial.get(key, ZERO) + (planned_amount or ZERO)
            actual[key] = actual.get(key, ZERO) + (amount or ZERO)
    return {key: (planned[key], actual[key]) for key in planned}, initial


# --- reading and comparing -------------------------------------------------------------------


def _same_unit(left: str, right: str) -> bool:
    def norm(unit: str) -> str:
        return unit.replace("％", "%").replace("／", "/").replace(" ", "")

    return norm(left) == norm(right)


def parse_actual(text: str) -> tuple[Decimal, str] | None:
    """A quantitative 实际完成值 as (number, unit), or None when it does not start with a number."""
    match = _ACTUAL_NUMBER.match((text or "").strip())
    if match is None:
        return None
    try:
        number = Decimal(match.group(1).replace(",", "").replace("，", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only admits digits
        return None
    return number, match.group(2).strip()


def _word(text: str) -> str:
    return (text or "").strip().rstrip("。.").strip()


def indicator_outcome(target: ParsedValue, actual_text: str) -> str:
    """MET, PARTLY, MISSED, EMPTY or INCOMPARABLE (see the module's docstring)."""
    if not (actual_text or "").strip():
        return EMPTY
    if target.comparator == QUALITATIVE or target.number is None:
        word = _word(actual_text)
        if word in QUALITATIVE_MET:
            return MET
        if word in QUALITATIVE_PARTLY:
            return PARTLY
        if word in QUALITATIVE_MISSED:
            return MISSED
        return INCOMPARABLE
    parsed = parse_actual(actual_text)
    if parsed is None:
        return INCOMPARABLE
    number, unit = parsed
    if target.unit and unit and not _same_unit(target.unit, unit):
        return INCOMPARABLE
    wanted = target.number
    met = {
        GE: number >= wanted,
        LE: number <= wanted,
        EQ: number == wanted,
        GT: number > wanted,
        LT: number < wanted,
    }.get(target.comparator)
    if met is None:
        return INCOMPARABLE
    return MET if met else MISSED


def indicator_met(target: ParsedValue, actual_text: str) -> bool | None:
    """Whether the actual value meets the target: True when met, False when missed or only
    partly met, None when it is empty or not comparable (`indicator_outcome` tells which)."""
    outcome = indicator_outcome(target, actual_text)
    if outcome == MET:
        return True
    if outcome in (MISSED, PARTLY):
        return False
    return None


# --- scores ----------------------------------------------------------------------------------


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _within(value: Decimal, weight: Decimal) -> Decimal:
    return min(max(value, ZERO), weight)


def indicator_score(target: ParsedValue, actual_text: str, weight: Decimal) -> Decimal:
    """The 得分 of one indicator (0.01, half-up) out of its 分值 `weight`."""
    outcome = indicator_outcome(target, actual_text)
    if outcome == MET:
        return _round(weight)
    if outcome == PARTLY:
        return _round(weight / 2)
    if outcome != MISSED or target.number is None:
        return ZERO
    actual, _ = parse_actual(actual_text)
    wanted = target.number
    if target.comparator in (GE, GT):
        if wanted == 0:
            return ZERO
        return _round(_within(weight * actual / wanted, weight))
    if target.comparator in (LE, LT):
        if actual == 0:
            return ZERO
        return _round(_within(weight * wanted / actual, weight))
    return ZERO  # ＝ missed


def execution_rate(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """预算执行率 in % (0.01, half-up); None when unknown or nothing was planned."""
    if planned is None or actual is None or planned == 0:
        return None
    return _round(actual / planned * HUNDRED)


def execution_score(weight: Decimal, planned: Decimal | None, actual: Decimal | None) -> Decimal:
    """The 得分 of 预算执行率: weight × min(actual ÷ planned, 1); full with nothing planned;
    0 while the figures are unknown."""
    if planned is None or actual is None:
        return ZERO
    if planned == 0:
        return _round(weight)
    return _round(weight * min(actual / planned, Decimal(1)))


@dataclass(frozen=True)
class TargetScore:
    execution_rate: Decimal | None
    execution_score: Decimal
    indicator_scores: tuple[Decimal, ...]  # in the order of the target's indicators
    total: Decimal
    grade: str


def evaluation_total(target: TargetEvaluationRow) -> Decimal:
    """总分 of a target: its 预算执行率 score plus its indicators' scores (0.01, half-up)."""
    total = execution_score(target.execution_weight, target.planned, target.actual)
    total += sum((i.score for i in target.indicators), ZERO)
    return _round(total)


def grade(total: Decimal, bands: Bands = DEFAULT_BANDS) -> str:
    """优 / 良 / 中 / 差 of a total score."""
    if total >= bands.excellent:
        return "优"
    if total >= bands.good:
        return "良"
    if total >= bands.fair:
        return "中"
    return "差"


def evaluation_score(target: TargetEvaluationRow, bands: Bands = DEFAULT_BANDS) -> TargetScore:
    """Every score of a target (with `planned`/`actual` filled), its total and grade."""
    total = evaluation_total(target)
    return TargetScore(
        execution_rate=execution_rate(target.planned, target.actual),
        execution_score=execution_score(target.execution_weight, target.planned, target.actual),
        indicator_scores=tuple(i.score for i in target.indicators),
        total=total,
        grade=grade(total, bands),
    )


# --- S rules ---------------------------------------------------------------------------------


def plain_number(value: Decimal) -> str:
    """95, 2.5 — a weight or score as people write it."""
    text = f"{value.normalize():f}"
    return text


def how_to_write(indicator: IndicatorEvaluation) -> str:
    """How the 实际完成值 of this indicator is written, in Chinese."""
    if indicator.comparator == QUALITATIVE or indicator.number is None:
        return QUALITATIVE_HINT + "。"
    unit = indicator.unit
    example = f"{plain_number(indicator.number)}{unit}"
    if unit:
        return f"请填写数字，单位与指标值相同（{unit}），如「{example}」。"
    return f"请填写数字，如「{example}」。"


def _finding(rule: str, message: str, row: str) -> Finding:
    return Finding(ERROR, rule, message, table=TABLE, row=row)


def target_rules(target: TargetEvaluationRow) -> list[Finding]:
    """S01–S04 of one target."""
    name = target.name
    if not target.evaluated:
        return [
            _finding(
                "S01",
                f"「{name}」尚未填写绩效自评：请填写各指标的实际完成值和分值"
                f"（分值合计须为100，当前为{plain_number(target.weight_total)}）。",
                name,
            )
        ]
    out = []
    total = target.weight_total
    if total != HUNDRED:
        out.append(
            _finding(
                "S01",
                f"「{name}」的分值合计须为100（预算执行率 "
                f"{plain_number(target.execution_weight)} 加各指标分值），"
                f"当前为{plain_number(total)}。",
                name,
            )
        )
    for indicator in target.indicators:
        label = f"「{name}」指标「{indicator.name}」（指标值 {indicator.text}）"
        outcome = indicator.outcome
        if outcome == EMPTY:
            out.append(_finding("S02", f"{label}没有填写实际完成值。", name))
        elif outcome == INCOMPARABLE:
            out.append(
                _finding(
                    "S04",
                    f"{label}的实际完成值「{indicator.actual}」无法与指标值比较："
                    + how_to_write(indicator),
                    name,
                )
            )
        elif outcome in (MISSED, PARTLY):
            missing = [
                label_
                for label_, text in (
                    ("偏差原因", indicator.deviation_reason),
                    ("改进措施", indicator.improvement),
                )
                if not text.strip()
            ]
            if missing:
                out.append(
                    _finding(
                        "S03",
                        f"{label}实际完成 {indicator.actual}，{OUTCOME_LABELS[outcome]}，"
                        f"请填写{'和'.join(missing)}。",
                        name,
                    )
                )
    return out


def evaluation_rules(data: EvaluationData) -> list[Finding]:
    """Every S finding of a 决算's self-evaluation, target by target (all 错误: they block
    提交)."""
    return [finding for target in data.targets for finding in target_rules(target)]
