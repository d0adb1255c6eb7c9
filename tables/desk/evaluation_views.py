"""绩效自评 on the desk (决算 submissions only): each target with its 年度 indicators, where the
unit writes the 实际完成值, 分值, 偏差原因 and 改进措施, and sees after saving the 得分, whether
each indicator was met, the total and the grade; one form per target.

Select (with permission; a budget submission has no such page: 404) → `evaluation_data_load`
and the 决算's money (`evaluation_execution_load`) → scores (`performance.evaluation`) → render.
A POST goes to `performance.evaluation_services.evaluation_save`, which saves the target or
nothing; a refused save shows the typed values again with each error at its field (400). Who
may not edit sees the page read-only with the reason why, and a POST from them answers the
refusal page (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from performance.evaluation import (
    MET,
    OUTCOME_LABELS,
    UNIT_KEY,
    TargetEvaluationRow,
    evaluation_rules,
    evaluation_score,
    plain_number,
    with_execution,
)
from performance.evaluation_selectors import evaluation_data_load, evaluation_execution_load
from performance.evaluation_services import (
    RESULT_FIELDS,
    EvaluationRefused,
    evaluation_save,
    field_name,
)
from tables.desk.refusal import refusal_response
from tables.desk.views import desk_context
from units.permissions import submission_edit_refusal
from units.selectors import submission_get_for_user

TARGET_FIELD = "target"
RESULT_LABELS = {
    "actual": "实际完成值",
    "weight": "分值",
    "deviation_reason": "偏差原因",
    "improvement": "改进措施",
}


@dataclass
class Field:
    """One input of the page: its name (also its id), label, value and errors."""

    name: str
    label: str
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class IndicatorLine:
    level: str  # 一级 / 二级
    name: str
    text: str
    fields: dict[str, Field]
    score: str
    outcome: str
    met: bool


@dataclass
class TargetForm:
    key: str
    anchor: str
    name: str
    planned: object
    actual: object
    rate: str
    execution_weight: Field
    execution_score: str
    summary: Field
    lines: list[IndicatorLine]
    weight_total: str
    total: str
    grade: str
    evaluated: bool
    errors: list[str]  # for the whole target (分值合计 …)
    error_links: list[tuple[str, str]]  # (field id, message) of the error summary


def _text(value) -> str:
    return "" if value is None else str(value)


def _target_form(
    target: TargetEvaluationRow, bands, posted: dict | None, errors: dict | None
) -> TargetForm:
    posted = posted or {}
    errors = errors or {}
    key = str(target.key)

    def value(name: str, stored) -> str:
        return posted[name] if name in posted else _text(stored)

    score = evaluation_score(target, bands)
    lines = []
    for indicator, indicator_score in zip(target.indicators, score.indicator_scores, strict=True):
        stored = {
            "actual": indicator.actual,
            "weight": plain_number(indicator.weight),
            "deviation_reason": indicator.deviation_reason,
            "improvement": indicator.improvement,
        }
        fields = {
            name: Field(
                name=field_name(name, indicator.id),
                label=f"「{indicator.name}」的{RESULT_LABELS[name]}",
                value=value(field_name(name, indicator.id), stored[name]),
                errors=list(errors.get(field_name(name, indicator.id), [])),
            )
            for name in RESULT_FIELDS
        }
        outcome = indicator.outcome
        lines.append(
            IndicatorLine(
                level=" / ".join(x for x in (indicator.level1, indicator.level2) if x),
                name=indicator.name,
                text=indicator.text,
                fields=fields,
                score=f"{indicator_score:.2f}",
                outcome=OUTCOME_LABELS[outcome],
                met=outcome == MET,
            )
        )
    execution_weight = Field(
        name="execution_weight",
        label="预算执行率的分值",
        value=value("execution_weight", plain_number(target.execution_weight)),
        errors=list(errors.get("execution_weight", [])),
    )
    summary = Field(
        name="summary",
        label="年度总体目标实际完成情况",
        value=value("summary", target.summary),
        errors=list(errors.get("summary", [])),
    )
    general = list(errors.get(NON_FIELD_ERRORS, []))
    anchor = f"evaluation-{key}"
    links = [(anchor, message) for message in general]
    for f in (execution_weight, summary):
        links += [(f"{f.name}-{key}", message) for message in f.errors]
    for line in lines:
        for f in line.fields.values():
            links += [(f.name, message) for message in f.errors]
    return TargetForm(
        key=key,
        anchor=anchor,
        name=target.name,
        planned=target.planned,
        actual=target.actual,
        rate="" if score.execution_rate is None else f"{score.execution_rate:.2f}%",
        execution_weight=execution_weight,
        execution_score=f"{score.execution_score:.2f}",
        summary=summary,
        lines=lines,
        weight_total=plain_number(target.weight_total),
        total=f"{score.total:.2f}",
        grade=score.grade,
        evaluated=target.evaluated,
        errors=general,
        error_links=links,
    )


def _render(request, submission, *, refusal, status=200, key=None, posted=None, errors=None):
    data = evaluation_data_load(submission=submission)
    execution, _ = evaluation_execution_load(submission=submission)
    # A target whose project has no 决算 line planned and spent nothing (not "unknown").
    none = (Decimal(0), Decimal(0))
    data = with_execution(
        data, {t.execution_key: execution.get(t.execution_key, none) for t in data.targets}
    )
    targets = [
        _target_form(
            target,
            data.bands,
            posted if str(target.key) == key else None,
            errors if str(target.key) == key else None,
        )
        for target in data.targets
    ]
    return render(
        request,
        "desk/evaluation.html",
        desk_context(
            submission,
            "evaluation",
            targets=targets,
            editable=refusal is None,
            refusal=refusal,
            findings=evaluation_rules(data),
            bands={
                "excellent": plain_number(data.bands.excellent),
                "good": plain_number(data.bands.good),
                "fair": plain_number(data.bands.fair),
            },
            target_field=TARGET_FIELD,
        ),
        status=status,
    )


def _final_submission(request, pk: int):
    submission = submission_get_for_user(user=request.user, pk=pk)
    if not submission.is_final:
        raise Http404("只有决算填报才有绩效自评。")
    return submission


def _results(post, indicator_ids: list[int]) -> list[dict]:
    return [
        {"indicator": i, **{name: post.get(field_name(name, i), "") for name in RESULT_FIELDS}}
        for i in indicator_ids
    ]


@login_required
@require_http_methods(["GET", "POST"])
def evaluation(request, pk: int):
    """Every target's self-evaluation; a POST saves one target (named by `target`)."""
    submission = _final_submission(request, pk)
    refusal = submission_edit_refusal(request.user, submission)
    if request.method == "GET":
        return _render(request, submission, refusal=refusal)

    back = reverse("desk:evaluation", kwargs={"pk": pk})
    if refusal:
        return refusal_response(request, reasons=refusal, back_url=back, back_label="返回绩效自评")
    key = request.POST.get(TARGET_FIELD, "")
    data = evaluation_data_load(submission=submission)
    target = next((t for t in data.targets if str(t.key) == key), None)
    if target is None:
        return refusal_response(
            request,
            reasons="本填报中没有这个绩效目标，请刷新页面后重试。",
            back_url=back,
            back_label="返回绩效自评",
        )
    ids = [i.id for i in target.indicators]
    results = _results(request.POST, ids)
    try:
        evaluation_save(
            submission=submission,
            actor=request.user,
            target_key=UNIT_KEY if key == UNIT_KEY else int(key),
            execution_weight=request.POST.get("execution_weight", ""),
            summary=request.POST.get("summary", ""),
            results=results,
        )
    except EvaluationRefused as exc:
        return refusal_response(
            request, reasons=exc.args[0], back_url=back, back_label="返回绩效自评"
        )
    except ValidationError as exc:
        posted = {
            name: request.POST.get(name, "")
            for name in (
                "execution_weight",
                "summary",
                *(field_name(n, i) for i in ids for n in RESULT_FIELDS),
            )
        }
        return _render(
            request,
            submission,
            refusal=None,
            status=400,
            key=key,
            posted=posted,
            errors=exc.message_dict,
        )
    messages.success(request, f"已保存「{target.name}」的绩效自评。")
    return redirect(f"{back}#evaluation-{key}")


urlpatterns = [path("evaluation/", evaluation, name="evaluation")]
