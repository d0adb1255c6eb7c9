"""批复日期 of one submission, set on its desk by a 财政管理员: the way a 决算 (which the
年度总览 does not list) gets its 公开时限, and a quicker way for one budget. The same service as
the 年度总览's form (`tables.desk.bureau.approval_date_set`: audit trail, plausibility by
kind); who may is `units.decisions.approval_date_refusal`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from tables.desk.bureau import approval_date_set
from tables.desk.forms import SubmissionApprovalForm
from tables.desk.refusal import refusal_response
from tables.templatetags.desk import cn_date
from units.decisions import approval_date_refusal
from units.selectors import submission_get_for_user
from units.workflow import due_date


@login_required
@require_POST
def submission_approval(request, pk: int):
    """Set the submission's 批复日期; back on its desk saying what changed, or the refusal page
    saying why nothing did."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    back = reverse("desk:submission", kwargs={"pk": pk})
    if refusal := approval_date_refusal(request.user, submission):
        return refusal_response(request, reasons=refusal, back_url=back)
    form = SubmissionApprovalForm(request.POST)
    if not form.is_valid():
        return refusal_response(request, reasons=form.errors["date"], back_url=back)
    try:
        result = approval_date_set(
            actor=request.user, submissions=[submission], date=form.cleaned_data["date"]
        )
    except PermissionDenied as exc:
        return refusal_response(request, reasons=str(exc), back_url=back)
    except ValidationError as exc:
        return refusal_response(request, reasons=exc.messages, back_url=back)
    if result.changed:
        messages.success(
            request,
            f"已将「{submission}」的批复日期设为{cn_date(result.date)}，"
            f"公开截止日期为{cn_date(due_date(result.date))}。",
        )
    else:
        messages.info(request, "批复日期没有改动。")
    return redirect(back)


urlpatterns = [path("approval/", submission_approval, name="submission_approval")]
