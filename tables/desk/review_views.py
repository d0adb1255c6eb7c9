"""公开表与审核意见: the tables with last year's published figures and 审核意见 per row, the
findings, the narrative as it will print, and the workflow buttons; the POSTs that write and
resolve comments. A budget's 表一–表十四 beside last year's budget; a 决算's 决算公开表1–9
without a prior-year column (they compare 年初预算 and 决算数 themselves). Thin: select (with
permission) → read → render; writes in units.services.

Forged or unauthorised POSTs, and comments the service refuses, answer the refusal page and
change nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from tables.desk.findings import findings_linked
from tables.desk.refusal import refusal_response
from tables.desk.review import review_page, review_prior_heading, review_table
from tables.desk.selectors import comments_load, findings_count, prior_published_versions
from tables.desk.views import desk_context
from tables.document.build import document_build, submission_tables
from tables.document.render.document import document_view
from tables.figures.formatting import table_short_name as table_name
from units.decisions import (
    review_comment_refusal,
    review_comment_resolve_refusal,
    submission_actions,
)
from units.models import ReviewComment
from units.permissions import submission_editable_by
from units.selectors import submission_get_for_user
from units.services import (
    review_comment_add,
    review_comment_resolve,
)


def _prior(submission):
    """Last year's published version beside the tables, when they have that column
    (`review_prior_heading`: a 决算's have not)."""
    if review_prior_heading(submission) is None:
        return None
    return prior_published_versions([submission]).get(submission.pk)


def _review_url(pk: int, anchor: str = "") -> str:
    return reverse("desk:review", kwargs={"pk": pk}) + (f"#{anchor}" if anchor else "")


@login_required
def review(request, pk: int):
    """Everyone who may see the submission reads its tables, findings and narrative with the
    comments; its 审核人 (while 已提交) writes comments, its 填报人 (while 草稿/已退回) marks
    them 已处理."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    document = document_build(submission=submission, is_draft=True)
    view = document_view(document)
    page = review_page(
        submission=submission,
        tables=document.tables,
        prior=_prior(submission),
        thread=comments_load(submission=submission),
    )
    findings = findings_linked(
        document.findings, submission, editable=submission_editable_by(request.user, submission)
    )
    return render(
        request,
        "desk/review.html",
        desk_context(
            submission,
            "review",
            page=page,
            findings=findings,
            counts=findings_count(document.findings),
            narrative_before=view.narrative_before,
            narrative_after=view.narrative_after,
            sheet_count=len(view.sheets),
            actions=submission_actions(request.user, submission),
            may_comment=review_comment_refusal(request.user, submission) is None,
            may_resolve=review_comment_resolve_refusal(request.user, submission) is None,
        ),
    )


@login_required
def comment_row(request, pk: int, table: str, row: int):
    """The form to write an 审核意见 on one row: a fragment placed under the row (htmx), or a
    page of its own without JavaScript."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    refusal = review_comment_refusal(request.user, submission)
    if refusal:
        return refusal_response(
            request, reasons=refusal, back_url=_review_url(pk, table), back_label="返回公开表"
        )
    derived = submission_tables(submission=submission).get(table)
    if derived is None or not 0 <= row < len(derived.rows):
        raise Http404("公开表或行不存在")
    thread = comments_load(submission=submission)
    reviewed = review_table(
        derived,
        prior=_prior(submission),
        comments=[c for c in thread.all if c.version == submission.version and c.table == table],
        prior_heading=review_prior_heading(submission),
    )
    context = desk_context(
        submission, "review", table=reviewed, row=reviewed.rows[row], may_comment=True
    )
    if request.htmx:
        return render(request, "desk/review_comment_row.html", context)
    return render(request, "desk/review_comment_page.html", context)


@login_required
@require_POST
def comment_add(request, pk: int):
    """Save an 审核意见 on a row (table and row named by the form) or on the whole submission
    (table empty), then show it beside its row."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    table = request.POST.get("table", "")
    try:
        comment = review_comment_add(
            submission=submission,
            author=request.user,
            table=table,
            row=request.POST.get("row", ""),
            text=request.POST.get("text", ""),
        )
    except ValidationError as exc:
        return refusal_response(
            request,
            reasons=exc.messages,
            back_url=_review_url(pk, table or "review-general"),
            back_label="返回公开表",
        )
    where = f"{table_name(comment.table)} · {comment.row}" if comment.table else "整体"
    messages.success(request, f"已保存审核意见（{where}）。")
    return redirect(_review_url(pk, f"comment-{comment.pk}"))


@login_required
@require_POST
def comment_resolve(request, pk: int, comment: int):
    """Mark an 审核意见 已处理, with the 填报人's optional note of what was changed."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    target = ReviewComment.objects.filter(pk=comment, submission=submission).first()
    if target is None:
        return refusal_response(
            request,
            reasons="这条审核意见不存在。",
            back_url=_review_url(pk),
            back_label="返回公开表",
        )
    try:
        review_comment_resolve(
            comment=target, user=request.user, resolution=request.POST.get("resolution", "")
        )
    except ValidationError as exc:
        return refusal_response(
            request,
            reasons=exc.messages,
            back_url=_review_url(pk, f"comment-{target.pk}"),
            back_label="返回公开表",
        )
    messages.success(request, "已将这条审核意见标记为已处理。")
    return redirect(_review_url(pk, f"comment-{target.pk}"))


urlpatterns = [
    path("review/", review, name="review"),
    path("review/comments/", comment_add, name="review_comment_add"),
    path("review/comments/<str:table>/<int:row>/", comment_row, name="review_comment_row"),
    path(
        "review/comments/<int:comment>/resolve/",
        comment_resolve,
        name="review_comment_resolve",
    ),
]
