"""The 导入/导出 Excel section of a submission (budget lines and 绩效目标): the year's template and
the current data to download, and the safe import — upload → preview (nothing saved) → 确认导入
or 取消导入. Thin: the permission-checking selector first, then `import_selectors` (reads),
`import_services` (the pending file and the confirmation) and a render.

Codes a file gives as `code##name` that the year's table does not hold are listed in the
preview. A 财政管理员 may upload a unit's 预算明细 file to preview it (never to confirm it: the
unit's 填报人 does) and accept those codes into the table with 接收这些科目
(`units.services.classification_codes_accept`); everyone else is told to ask the bureau."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from tables.desk.import_forms import ExcelUploadForm
from tables.desk.import_kinds import BUDGET, KINDS, ImportKind
from tables.desk.import_selectors import current_data, import_refusal, year_codes
from tables.desk.import_services import (
    EXPIRED,
    STALE,
    ImportRefused,
    pending_import_confirm,
    pending_import_discard,
    pending_import_get,
    pending_import_preview,
    pending_import_store,
    pending_imports_of,
)
from tables.desk.refusal import refusal_response
from tables.desk.views import desk_context
from units.decisions import code_accept_refusal
from units.selectors import budget_submission_get_for_user
from units.services import classification_codes_accept

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACK_LABEL = "返回导入/导出"
#: What a 财政管理员's preview of a unit's file says instead of 确认导入.
PREVIEW_ONLY = "您是财政管理员：可以预览本单位的文件并接收其中的新科目，导入须由本单位填报人确认。"


def _kind(key: str) -> ImportKind:
    if key not in KINDS:
        raise Http404("没有这种导入")
    return KINDS[key]


def _section_url(submission) -> str:
    return reverse("desk:excel", kwargs={"pk": submission.pk})


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _template_problem(kind: ImportKind, codes) -> str:
    """Why the year's template cannot be given now ("" when it can)."""
    return codes.problem if kind.key == BUDGET and not codes.ready else ""


def _preview_only(user, submission, kind: ImportKind) -> bool:
    """Whether `user`, who may not import into `submission`, may still upload its 预算明细 file to
    preview it and accept the codes it lacks: a 财政管理员 (the confirmation stays refused)."""
    return (
        kind.key == BUDGET
        and import_refusal(user, submission) is not None
        and code_accept_refusal(user) is None
    )


def _section_page(request, submission, *, forms=None, status=200):
    codes = year_codes(submission.year)
    refusal = import_refusal(request.user, submission)
    pending = pending_imports_of(session=request.session, submission=submission, user=request.user)
    forms = forms or {}
    sections = []
    for key, kind in KINDS.items():
        problem = _template_problem(kind, codes)
        sections.append(
            {
                "kind": kind,
                "form": forms.get(key) or ExcelUploadForm(kind=kind),
                "template_problem": problem,
                # no codes: every row would be refused; say why once instead
                "refusal": problem
                or ("" if _preview_only(request.user, submission, kind) else refusal),
                "preview_only": _preview_only(request.user, submission, kind),
                "pending": [p for p in pending if p.kind == key],
            }
        )
    return render(
        request,
        "desk/excel.html",
        desk_context(
            submission,
            "excel",
            sections=sections,
            codes=codes,
            current=current_data(submission),
            form_errors=[
                (section["form"], error)
                for section in sections
                for error in section["form"].errors.get("file", [])
            ],
        ),
        status=status,
    )


@login_required
@require_GET
def excel(request, pk: int):
    """The section: per kind, the downloads and (for who may import now) the upload form."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    return _section_page(request, submission)


@login_required
@require_GET
def excel_template(request, pk: int, kind: str):
    """The empty template of the submission's year, with its code lists (refused, saying why,
    while the year has no codes: its code sheets would be empty)."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    import_kind = _kind(kind)
    problem = _template_problem(import_kind, year_codes(submission.year))
    if problem:
        return refusal_response(
            request, reasons=problem, back_url=_section_url(submission), back_label=BACK_LABEL
        )
    return _xlsx(import_kind.template(submission), import_kind.template_filename(submission))


@login_required
@require_GET
def excel_export(request, pk: int, kind: str):
    """The submission's current data in the import layout."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    import_kind = _kind(kind)
    return _xlsx(import_kind.export(submission), import_kind.export_filename(submission))


@login_required
@require_POST
def excel_upload(request, pk: int, kind: str):
    """预览导入: keep the uploaded file and show its preview; nothing is saved."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    import_kind = _kind(kind)
    refusal = None
    if not _preview_only(request.user, submission, import_kind):
        refusal = import_refusal(request.user, submission)
    refusal = refusal or _template_problem(import_kind, year_codes(submission.year))
    if refusal:
        return refusal_response(
            request, reasons=refusal, back_url=_section_url(submission), back_label=BACK_LABEL
        )
    form = ExcelUploadForm(request.POST, request.FILES, kind=import_kind)
    if form.is_valid():
        try:
            pending = pending_import_store(
                session=request.session,
                submission=submission,
                user=request.user,
                kind=kind,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("desk:excel_preview", pk=pk, token=pending.token)
    return _section_page(request, submission, forms={kind: form}, status=400)


@login_required
@require_GET
def excel_preview(request, pk: int, token: str):
    """What the uploaded file would change (or its errors by sheet, row and column), with
    确认导入 and 取消导入. Computed again on each visit, against the data as it is then."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending = pending_import_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    if pending is None:
        messages.warning(request, EXPIRED)
        return redirect("desk:excel", pk=pk)
    refusal = import_refusal(request.user, submission)
    preview_only = _preview_only(request.user, submission, pending.import_kind)
    if refusal and not preview_only:
        pending_import_discard(session=request.session, pending=pending)
        return refusal_response(
            request, reasons=refusal, back_url=_section_url(submission), back_label=BACK_LABEL
        )
    preview = pending_import_preview(
        session=request.session, pending=pending, submission=submission
    )
    if preview is None:
        messages.warning(request, EXPIRED)
        return redirect("desk:excel", pk=pk)
    return render(
        request,
        "desk/excel_preview.html",
        desk_context(
            submission,
            "excel",
            kind=pending.import_kind,
            pending=pending,
            preview=preview,
            form=ExcelUploadForm(kind=pending.import_kind),
            may_confirm=not refusal,
            confirm_refusal=PREVIEW_ONLY if refusal else "",
            code_accept_refusal=code_accept_refusal(request.user),
        ),
    )


@login_required
@require_POST
def excel_confirm(request, pk: int, token: str):
    """确认导入: apply exactly the previewed file, or refuse (nothing saved) and say why."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    back = _section_url(submission)
    pending = pending_import_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    if pending is None:
        return refusal_response(request, reasons=EXPIRED, back_url=back, back_label=BACK_LABEL)
    try:
        report = pending_import_confirm(
            session=request.session,
            pending=pending,
            user=request.user,
            seen_digest=request.POST.get("digest", ""),
        )
    except ImportRefused as exc:
        if STALE in exc.messages:
            back = reverse("desk:excel_preview", kwargs={"pk": pk, "token": token})
            return refusal_response(
                request, reasons=exc.messages, back_url=back, back_label="重新预览"
            )
        return refusal_response(request, reasons=exc.messages, back_url=back, back_label=BACK_LABEL)
    except ValidationError as exc:
        # The import refused what the preview accepted (the code lists changed meanwhile).
        return refusal_response(
            request,
            reasons=exc.messages,
            back_url=reverse("desk:excel_preview", kwargs={"pk": pk, "token": token}),
            back_label="重新预览",
        )
    messages.success(request, f"{report.summary()}请到“概况与待办”查看导入后的检查结果。")
    return redirect("desk:excel", pk=pk)


@login_required
@require_POST
def excel_accept_codes(request, pk: int, token: str):
    """接收这些科目: accept the codes the previewed file lacks into the year's table (财政管理员
    only; the service refuses anyone else too), then show the preview again."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending = pending_import_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    if pending is None:
        return refusal_response(
            request, reasons=EXPIRED, back_url=_section_url(submission), back_label=BACK_LABEL
        )
    back = reverse("desk:excel_preview", kwargs={"pk": pk, "token": token})
    preview = pending_import_preview(
        session=request.session, pending=pending, submission=submission
    )
    if preview is None:
        return refusal_response(
            request, reasons=EXPIRED, back_url=_section_url(submission), back_label=BACK_LABEL
        )
    codes = getattr(preview, "acceptable_codes", [])
    try:
        accepted = classification_codes_accept(year=submission.year, codes=codes, user=request.user)
    except ValidationError as exc:
        return refusal_response(request, reasons=exc.messages, back_url=back, back_label="返回预览")
    names = "、".join(f"{code.code} {code.name}" for code in accepted)
    messages.success(
        request,
        f"已把 {len(accepted)} 个科目接收进{submission.year}年科目表：{names}。下面是重新预览的结果。",
    )
    return redirect(back)


@login_required
@require_POST
def excel_cancel(request, pk: int, token: str):
    """取消导入: delete the uploaded file; nothing else changes."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending = pending_import_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    if pending is not None:
        pending_import_discard(session=request.session, pending=pending)
    messages.info(request, "已取消导入，数据没有任何改动。")
    return redirect("desk:excel", pk=pk)


urlpatterns = [
    path("excel/", excel, name="excel"),
    path("excel/<str:kind>/template/", excel_template, name="excel_template"),
    path("excel/<str:kind>/export/", excel_export, name="excel_export"),
    path("excel/<str:kind>/upload/", excel_upload, name="excel_upload"),
    path("excel/preview/<str:token>/", excel_preview, name="excel_preview"),
    path("excel/preview/<str:token>/confirm/", excel_confirm, name="excel_confirm"),
    path("excel/preview/<str:token>/cancel/", excel_cancel, name="excel_cancel"),
    path("excel/preview/<str:token>/accept-codes/", excel_accept_codes, name="excel_accept_codes"),
]
