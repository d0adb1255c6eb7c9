"""Writes for the 绩效自评 of a 决算: one target's evaluation (预算执行率 分值, 实际完成情况) and
its indicators' results, saved all together or not at all.

Decisions:

- Only a 决算 (final) submission has a self-evaluation, and only who may change its data now
  (`units.permissions.submission_edit_refusal`: its unit's 填报人 while 草稿/已退回) may save it;
  both are checked under the submission's row lock (`units.services.submission_lock`), so a
  提交审核 that committed meanwhile is seen.
- Every 年度 indicator of the target is saved with it: the page posts them all, and a result
  missing from `results` is refused rather than silently kept as it was.
- 分值 are checked on save: each between 0 and 100 with at most two decimals, and together with
  the 预算执行率 分值 exactly 100. The rest (an empty 实际完成值, a missed target without
  偏差原因 or 改进措施, a value that cannot be compared) may be saved while the unit works on
  it: the S findings (`performance.evaluation.evaluation_rules`) list it and block 提交.
- Errors are a `ValidationError` keyed by the form's field names: `execution_weight`,
  `summary`, and `<field>-<indicator id>` for `actual`, `weight`, `deviation_reason` and
  `improvement`; the sum and unknown indicators under NON_FIELD_ERRORS. Each message names
  the indicator and says how to fix it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from performance.evaluation import UNIT_KEY, UNIT_TARGET_NAME, plain_number
from performance.models import (
    Indicator,
    IndicatorResult,
    ProjectTarget,
    Scope,
    TargetEvaluation,
    UnitTarget,
)
from units.formula_text import validate_not_formula
from units.history import history_reason
from units.models import Submission
from units.permissions import submission_edit_refusal
from units.services import submission_lock

HUNDRED = Decimal(100)
ACTUAL_MAX_LENGTH = IndicatorResult._meta.get_field("actual").max_length
TEXT_MAX_LENGTH = 2000
NOT_FINAL = "只有决算填报才有绩效自评；预算填报请填写绩效目标。"
RESULT_FIELDS = ("actual", "weight", "deviation_reason", "improvement")


class EvaluationRefused(PermissionDenied):
    """The user may not save this self-evaluation now; the message says why, in Chinese."""


def field_name(field: str, indicator_id: int) -> str:
    """The form field (and error key) of one indicator's result field."""
    return f"{field}-{indicator_id}"


def _weight(value, what: str) -> tuple[Decimal | None, str]:
    text = str(value if value is not None else "").strip()
    if not text:
        return None, f"{what}：请填写分值（0–100）。"
    try:
        weight = Decimal(text)
    except InvalidOperation:
        return None, f"{what}：分值「{text}」不是数字，请填写0–100之间的数，如 20。"
    if not weight.is_finite() or not (0 <= weight <= HUNDRED):
        return None, f"{what}：分值须在0–100之间，当前为{text}。"
    if weight != weight.quantize(Decimal("0.01")):
        return None, f"{what}：分值最多保留两位小数，当前为{text}。"
    return weight, ""


def _text(value, what: str, *, max_length: int) -> tuple[str, list[str]]:
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    problems = []
    if len(text) > max_length:
        problems.append(f"{what}：最多{max_length}字，现有{len(text)}字，请精简。")
    try:
        validate_not_formula(text)
    except ValidationError as exc:
        problems += [f"{what}：{message}" for message in exc.messages]
    return text, problems


def _target(submission: Submission, target_key) -> tuple[object, str]:
    """The UnitTarget or ProjectTarget of the key, and its name; ValidationError if none."""
    if target_key == UNIT_KEY:
        target = UnitTarget.objects.filter(submission=submission).first()
        if target is not None:
            return target, UNIT_TARGET_NAME
    else:
        try:
            project_id = int(target_key)
        except (TypeError, ValueError):
            project_id = None
        target = (
            ProjectTarget.objects.filter(project__submission=submission, project_id=project_id)
            .select_related("project")
            .first()
        )
        if target is not None:
            return target, target.project.name
    raise ValidationError("本填报中没有这个绩效目标，请刷新页面后重试。")


@transaction.atomic
def evaluation_save(
    *,
    submission: Submission,
    actor,
    target_key: str | int,
    execution_weight,
    summary: str,
    results: list[dict],
) -> TargetEvaluation:
    """Save one target's self-evaluation and the results of all its 年度 indicators, all or
    nothing. `target_key` is "unit" or the project id; each of `results` is a dict with
    `indicator` (its id), `actual`, `weight`, `deviation_reason` and `improvement`. Raises
    `EvaluationRefused` when `actor` may not change the submission now (or it is a budget),
    `ValidationError` by field (see the module's docstring) when anything is invalid."""
    locked = submission_lock(submission.pk)
    if locked is None:
        raise EvaluationRefused("填报不存在。")
    if not locked.is_final:
        raise EvaluationRefused(NOT_FINAL)
    refusal = submission_edit_refusal(actor, locked)
    if refusal:
        raise EvaluationRefused(refusal)
    target, name = _target(locked, target_key)
    owner = "unit_target" if isinstance(target, UnitTarget) else "project_target"
    indicators = list(
        Indicator.objects.filter(**{owner: target}, scope=Scope.YEAR)
        .select_related("result")
        .order_by("category__parent__position", "category__position", "position", "id")
    )

    errors: dict[str, list[str]] = {}
    general: list[str] = []
    exec_weight, problem = _weight(execution_weight, "预算执行率")
    if problem:
        errors["execution_weight"] = [problem]
    summary_text, problems = _text(summary, "实际完成情况", max_length=TEXT_MAX_LENGTH)
    if problems:
        errors["summary"] = problems

    posted: dict[int, dict] = {}
    for result in results:
        try:
            indicator_id = int(result.get("indicator"))
        except (TypeError, ValueError):
            indicator_id = None
        posted[indicator_id] = result
    known = {i.pk for i in indicators}
    if set(posted) - known:
        general.append("提交的指标不属于这个绩效目标（可能已被修改），请刷新页面后重试。")

    cleaned: dict[int, dict] = {}
    for indicator in indicators:
        what = f"指标「{indicator.name}」"
        result = posted.get(indicator.pk)
        if result is None:
            general.append(f"{what}的完成情况没有提交，请刷新页面后重试。")
            continue
        values = {}
        weight, problem = _weight(result.get("weight"), f"{what}的分值")
        if problem:
            errors[field_name("weight", indicator.pk)] = [problem]
        values["weight"] = weight
        for field, label, limit in (
            ("actual", "实际完成值", ACTUAL_MAX_LENGTH),
            ("deviation_reason", "偏差原因", TEXT_MAX_LENGTH),
            ("improvement", "改进措施", TEXT_MAX_LENGTH),
        ):
            values[field], problems = _text(result.get(field), f"{what}的{label}", max_length=limit)
            if problems:
                errors[field_name(field, indicator.pk)] = problems
        cleaned[indicator.pk] = values

    if not errors and not general:
        total = exec_weight + sum((v["weight"] for v in cleaned.values()), Decimal(0))
        if total != HUNDRED:
            general.append(
                f"「{name}」的分值合计须为100，当前为{plain_number(total)}"
                f"（预算执行率 {plain_number(exec_weight)}，"
                f"各指标 {plain_number(total - exec_weight)}），请调整分值。"
            )
    if general:
        errors[NON_FIELD_ERRORS] = general
    if errors:
        raise ValidationError(errors)

    with history_reason("填写绩效自评"):
        try:
            evaluation = TargetEvaluation.objects.get(**{owner: target})
        except TargetEvaluation.DoesNotExist:
            evaluation = TargetEvaluation(**{owner: target})
        evaluation.execution_weight = exec_weight
        evaluation.summary = summary_text
        evaluation._history_user = actor
        evaluation.save()
        for indicator in indicators:
            values = cleaned[indicator.pk]
            result = getattr(indicator, "result", None) or IndicatorResult(indicator=indicator)
            if result.pk and all(getattr(result, f) == values[f] for f in RESULT_FIELDS):
                continue
            for field in RESULT_FIELDS:
                setattr(result, field, values[field])
            result._history_user = actor
            result.save()
    return evaluation
