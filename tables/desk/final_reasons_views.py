"""决算差异原因: every comparison of the 决算 with the 年初预算 (年初预算, 决算数, 完成率, computed),
and a reason field beside each difference of 10% or more, saved in one POST.

The differences come from the 决算's own derivation (`tables.document.final.final_derive`), so
the page shows the figures and the missing reasons the J07 check finds; the texts go through
`units.final_reasons.final_reasons_update` (all or nothing, under the submission's lock).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from tables.desk.refusal import refusal_response
from tables.desk.views import desk_context
from tables.document.final import final_derive
from tables.figures.formatting import format_wan_grouped
from units.final_reasons import final_reasons_update
from units.permissions import submission_edit_refusal
from units.selectors import submission_get_for_user
from units.texts import reason_text_is_placeholder


def _render(request, submission, *, refusal, status=200, posted=None, errors=None):
    derived = final_derive(submission=submission)
    posted = posted or {}
    errors = errors or {}
    rows = [
        {
            "item": item,
            "planned": format_wan_grouped(item.planned),
            "actual": format_wan_grouped(item.actual),
            "field": f"reason-{item.key}",
            "value": posted.get(item.key, item.reason),
            "missing": item.needs_reason
            and (not item.reason or reason_text_is_placeholder(item.reason)),
            "errors": errors.get(item.key, []),
        }
        for item in derived.differences
    ]
    return render(
        request,
        "desk/final_reasons.html",
        desk_context(
            submission,
            "final_reasons",
            rows=rows,
            missing=[row for row in rows if row["missing"]],
            errors=[(row["field"], m) for row in rows for m in row["errors"]],
            editable=refusal is None,
            refusal=refusal,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def final_reasons(request, pk: int):
    """The comparison and the reasons; a refused save shows the typed texts again with each
    error at its field (400)."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    if not submission.is_final:
        raise Http404("预算填报没有决算差异原因")
    refusal = submission_edit_refusal(request.user, submission)
    if request.method == "GET":
        return _render(request, submission, refusal=refusal)
    back = reverse("desk:final_reasons", kwargs={"pk": pk})
    if refusal:
        return refusal_response(
            request, reasons=refusal, back_url=back, back_label="返回决算差异原因"
        )
    derived = final_derive(submission=submission)
    labels = {item.key: item.label for item in derived.differences}
    values = {
        key: request.POST[f"reason-{key}"] for key in labels if f"reason-{key}" in request.POST
    }
    try:
        changed = final_reasons_update(
            submission=submission, user=request.user, values=values, labels=labels
        )
    except PermissionDenied as exc:
        return refusal_response(
            request, reasons=str(exc), back_url=back, back_label="返回决算差异原因"
        )
    except ValidationError as exc:
        return _render(
            request,
            submission,
            refusal=None,
            status=400,
            posted=values,
            errors=exc.message_dict,
        )
    if changed:
        messages.success(request, f"已保存 {len(changed)} 项差异原因。")
    else:
        messages.info(request, "内容没有改动，无需保存。")
    return redirect(back)


urlpatterns = [path("final/reasons/", final_reasons, name="final_reasons")]
