"""我的待办 and a submission's overview with its workflow buttons; thin: select (with
permission) → read → render, and one POST that makes a workflow move."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tables.desk.findings import findings_linked
from tables.desk.forms import SubmissionApprovalForm
from tables.desk.refusal import refusal_response
from tables.desk.selectors import (
    comments_load,
    filler_todo,
    findings_count,
    other_submissions,
    review_queue,
    submission_deadline,
)
from tables.document.build import submission_findings
from tables.models import FileKind, ItemState
from tables.publication.batches import (
    NO_WORKER,
    submission_publication_state,
    submission_publish_enqueue,
)
from tables.publication.services import published_versions_of
from units.decisions import (
    approval_date_refusal,
    submission_action_refusal,
    submission_actions,
)
from units.models import StatusChange, SubmissionStatus
from units.permissions import (
    ADMIN,
    EDITABLE_STATUSES,
    FILLER,
    REVIEWER,
    submission_editable_by,
    user_roles,
)
from units.selectors import (
    department_members_pending,
    department_pending_message,
    submission_get_for_user,
)
from units.services import TransitionRefused, submission_transition


def home(request):
    """我的待办: what the logged-in user has to do, per role. An anonymous visitor (a citizen)
    is sent to the public list of published disclosures."""
    if not request.user.is_authenticated:
        return redirect("public:list")
    roles = user_roles(request.user)
    context = {
        "is_filler": FILLER in roles,
        "is_reviewer": REVIEWER in roles,
        "is_admin": ADMIN in roles,
        "todo": filler_todo(user=request.user),
        "queue": review_queue(user=request.user),
    }
    if ADMIN in roles or not (FILLER in roles or REVIEWER in roles):
        context["others"] = list(other_submissions(user=request.user))
    return render(request, "desk/home.html", context)


def desk_context(submission, tab: str, **extra) -> dict:
    """What every page of a submission's desk shows on top (submission_base.html)."""
    return {
        "submission": submission,
        "deadline": submission_deadline(submission),
        "tab": tab,
        **extra,
    }


#: seconds between refreshes of the publication region while its task waits or runs
PUBLICATION_REFRESH_SECONDS = 3
#: what a move's success message says was done, by the state it reached
MOVE_DONE = {
    SubmissionStatus.DRAFT: "已改回草稿",
    SubmissionStatus.SUBMITTED: "已提交审核",
    SubmissionStatus.RETURNED: "已退回",
    SubmissionStatus.APPROVED: "已审核通过",
    SubmissionStatus.PUBLISHED: "已发布",
}
#: a published version's downloads in this order (the rest after them, as stored)
DOWNLOAD_ORDER = (FileKind.PDF, FileKind.XLSX, FileKind.HTML, FileKind.JSON, FileKind.CSV)


def _downloads(version) -> list:
    """The stored files of a version (prefetched), PDF and Excel first."""
    order = {kind: i for i, kind in enumerate(DOWNLOAD_ORDER)}
    return sorted(version.files.all(), key=lambda file: order.get(file.kind, len(order)))


def _department_pending(submission) -> str:
    """On a 部门汇总单位's draft: which members hold its 提交审核 back ("" when none)."""
    if not submission.unit.consolidates_department or submission.status not in EDITABLE_STATUSES:
        return ""
    pending = department_members_pending(
        unit=submission.unit, year=submission.year, kind=submission.kind
    )
    return department_pending_message(pending) if pending else ""


@login_required
def submission_overview(request, pk: int):
    """A submission's state, the buttons its user may press, its publication task (while it
    waits or runs, or how it ended) and published versions with their files, the findings
    leading to their fix, the reviewer's 审核意见 and the history of its moves."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    findings = submission_findings(submission=submission)
    editable = submission_editable_by(request.user, submission)
    moves = list(
        StatusChange.objects.filter(submission=submission)
        .select_related("actor")
        .order_by("-at", "-id")[:20]
    )
    publication = submission_publication_state(submission_id=submission.pk)
    versions = [
        (version, _downloads(version))
        for version in published_versions_of(submission_id=submission.pk)
    ]
    waiting = publication is not None and publication.item.state == ItemState.PENDING
    actions = submission_actions(request.user, submission)
    if waiting:
        # already queued: a second 发布 would be refused (submission_publish_enqueue)
        actions = [a for a in actions if a.to_status != SubmissionStatus.PUBLISHED]
    return render(
        request,
        "desk/submission.html",
        desk_context(
            submission,
            "overview",
            actions=actions,
            editable=editable,
            findings=findings_linked(findings, submission, editable=editable),
            counts=findings_count(findings),
            comments=comments_load(submission=submission),
            moves=moves,
            returned=next((m for m in moves if m.to_status == SubmissionStatus.RETURNED), None),
            publication=publication,
            no_worker=NO_WORKER,
            refresh_seconds=PUBLICATION_REFRESH_SECONDS if waiting else 0,
            is_admin=ADMIN in user_roles(request.user),
            approval_form=(
                None
                if approval_date_refusal(request.user, submission)
                else SubmissionApprovalForm(initial={"date": submission.approval_date})
            ),
            versions=versions,
            department_pending=_department_pending(submission),
            # version n+1 opened by 更正 and not yet published
            unpublished_version=(
                submission.version
                if versions and versions[0][0].version < submission.version
                else None
            ),
        ),
    )


@login_required
@require_POST
def submission_move(request, pk: int):
    """One workflow move (提交审核, 退回, 审核通过, …). Refused moves — the decision function, a
    missing reason, 错误 at 提交 — answer the refusal page listing why; nothing changes."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    back = reverse("desk:submission", kwargs={"pk": pk})
    to_status = request.POST.get("to_status", "")
    if to_status not in SubmissionStatus.values:
        return refusal_response(request, reasons="未知的操作。", back_url=back)
    refusal = submission_action_refusal(request.user, submission, to_status)
    if refusal:
        return refusal_response(request, reasons=refusal, back_url=back)
    if to_status == SubmissionStatus.PUBLISHED:
        # 发布 renders and stores the files: the publication service, in the background
        try:
            batch = submission_publish_enqueue(submission_id=pk, actor=request.user)
        except TransitionRefused as exc:
            return refusal_response(request, reasons=exc.messages, back_url=back)
        messages.success(request, f"已开始发布：{submission.unit.name} {submission.year}年。")
        return redirect("admin:tables_publicationbatch_progress", batch.pk)
    try:
        result = submission_transition(
            submission_id=pk,
            actor=request.user,
            to_status=to_status,
            reason=request.POST.get("reason", ""),
        )
    except TransitionRefused as exc:
        if to_status == SubmissionStatus.SUBMITTED:
            # 错误 block 提交: list them as links to what to change, not as one paragraph.
            findings = submission_findings(submission=submission)
            return render(
                request,
                "desk/submit_refused.html",
                desk_context(
                    submission,
                    "overview",
                    reasons=exc.messages[:1],
                    findings=findings_linked(
                        findings,
                        submission,
                        editable=submission_editable_by(request.user, submission),
                    ),
                ),
                status=409,
            )
        return refusal_response(request, reasons=exc.messages, back_url=back)
    messages.success(request, f"{MOVE_DONE[result.change.to_status]}：{submission}。")
    if request.POST.get("next") == "home":
        return redirect("desk:home")
    return redirect(back)
