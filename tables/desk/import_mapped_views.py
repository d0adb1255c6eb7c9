"""按表头导入: a submission's budget lines from a line-level Excel file of another layout (an
一体化 platform export, a unit's own sheet). Upload any .xlsx → the columns page (the header row
found, per field a column preselected by its aliases or a saved mapping, 金额单位) → 预览, which
converts the file into the 预算明细 template and hands it to the template import's own preview,
确认导入 and 取消导入 (`import_services`, `import_preview`): nothing is saved before 确认导入.

Thin: the permission-checking selector first, the decisions (`import_refusal`,
`header_mapping_save_refusal`), then `units.excel.header_mapping` (reading, suggesting,
converting), `tables.desk.import_mapped` (the stored source file and the hand-over) and a
render. Messages about the converted workbook are said of the source file
(`header_mapped_messages`)."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tables.desk.import_mapped import (
    mapped_context_forget,
    mapped_context_get,
    mapped_import_confirm,
    mapped_import_store,
    mapped_source_data,
    mapped_source_discard,
    mapped_source_get,
    mapped_source_store,
)
from tables.desk.import_mapped_forms import ColumnsForm, MappedUploadForm, field_name
from tables.desk.import_selectors import import_refusal
from tables.desk.import_services import (
    EXPIRED,
    STALE,
    ImportRefused,
    pending_import_discard,
    pending_import_get,
    pending_import_preview,
)
from tables.desk.refusal import refusal_response
from tables.desk.views import desk_context
from units.decisions import code_accept_refusal, header_mapping_save_refusal
from units.excel.cells import cell_text
from units.excel.header_mapping import (
    YUAN,
    amount_unit_detect,
    convert,
    mapping_suggest,
    saved_headers_missing,
    source_read,
)
from units.excel.problems import column_letter
from units.header_mapping_services import (
    header_mapped_messages,
    header_mapping_fields,
    header_mapping_get,
    header_mapping_save,
    header_mappings_list,
)
from units.selectors import budget_submission_get_for_user

BACK_LABEL = "返回导入/导出"
#: rows of the file shown under its header on the columns page
SAMPLE_ROWS = 3
SOURCE_EXPIRED = "上传的文件已失效（已取消、已导入或已被清理），数据没有任何改动。请重新上传文件。"


def _excel_url(submission) -> str:
    return reverse("desk:excel", kwargs={"pk": submission.pk})


def _mapped_url(submission) -> str:
    return reverse("desk:excel_mapped", kwargs={"pk": submission.pk})


def _refusal(user, submission) -> str | None:
    """Who may open these pages: who may import now, or who may save mappings (a 财政管理员
    prepares one from a sample file without importing)."""
    refusal = import_refusal(user, submission)
    if refusal is None or header_mapping_save_refusal(user) is None:
        return None
    return refusal


def _refused(request, submission, reasons):
    return refusal_response(
        request, reasons=reasons, back_url=_excel_url(submission), back_label=BACK_LABEL
    )


@login_required
@require_http_methods(["GET", "POST"])
def excel_mapped(request, pk: int):
    """The upload of a file of another layout, and the saved mappings it may be read with."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    refusal = _refusal(request.user, submission)
    if refusal:
        return _refused(request, submission, refusal)
    form = MappedUploadForm()
    status = 200
    if request.method == "POST":
        form = MappedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                source = mapped_source_store(
                    session=request.session,
                    submission=submission,
                    user=request.user,
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("desk:excel_mapped_columns", pk=pk, token=source.token)
        status = 400
    return render(
        request,
        "desk/import_mapped.html",
        desk_context(
            submission,
            "excel",
            form=form,
            mappings=header_mappings_list(),
            fields=header_mapping_fields(),
        ),
        status=status,
    )


def _columns_page(request, submission, source, *, sheet, form, saved, problems=(), status=200):
    may_import = import_refusal(request.user, submission) is None
    return render(
        request,
        "desk/import_mapped_columns.html",
        desk_context(
            submission,
            "excel",
            source=source,
            sheet=sheet,
            header_cells=[(column_letter(n - 1), h) for n, h in sheet.headers.items()],
            sample=[
                [cell_text(cells.get(n)) for n in sheet.headers]
                for _, cells in sheet.rows[:SAMPLE_ROWS]
            ],
            form=form,
            saved=saved,
            missing=saved_headers_missing(sheet, saved.columns) if saved else [],
            mappings=header_mappings_list(),
            problems=list(problems),
            may_import=may_import,
            may_save=header_mapping_save_refusal(request.user) is None,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def excel_mapped_columns(request, pk: int, token: str):
    """The file's header row and, per field, its column (preselected); 预览 converts the file
    and leads to the template import's preview; 保存映射 (财政管理员) saves the columns only."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    refusal = _refusal(request.user, submission)
    if refusal:
        return _refused(request, submission, refusal)
    source = mapped_source_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    data = mapped_source_data(source) if source else None
    if data is None:
        messages.warning(request, SOURCE_EXPIRED)
        return redirect("desk:excel_mapped", pk=pk)
    saved = header_mapping_get(pk=request.POST.get("mapping") or request.GET.get("mapping"))
    known = saved.columns.values() if saved else ()
    try:
        sheet = source_read(data, known_headers=known)
    except ValidationError as exc:
        mapped_source_discard(session=request.session, token=source.token)
        form = MappedUploadForm()
        form.is_bound = True  # show the file's fault on the upload field
        form._errors = {"file": form.error_class(exc.messages)}
        return render(
            request,
            "desk/import_mapped.html",
            desk_context(
                submission,
                "excel",
                form=form,
                mappings=header_mappings_list(),
                fields=header_mapping_fields(),
            ),
            status=400,
        )
    may_save = header_mapping_save_refusal(request.user) is None
    fields = header_mapping_fields()
    if request.method == "GET":
        columns = mapping_suggest(sheet, saved.columns if saved else None)
        unit = amount_unit_detect(sheet, columns.get("amount")) or (
            saved.amount_unit if saved else YUAN
        )
        initial = {field_name(f): columns.get(f.key, "") for f in fields}
        initial.update(amount_unit=unit, save_name=saved.name if saved else "")
        form = ColumnsForm(initial=initial, fields=fields, headers=sheet.headers, may_save=may_save)
        return _columns_page(request, submission, source, sheet=sheet, form=form, saved=saved)

    form = ColumnsForm(request.POST, fields=fields, headers=sheet.headers, may_save=may_save)
    page = {"sheet": sheet, "form": form, "saved": saved}
    if not form.is_valid():
        return _columns_page(request, submission, source, **page, status=400)
    columns, unit = form.columns(), form.cleaned_data["amount_unit"]
    if request.POST.get("action") == "save":
        try:
            mapping = header_mapping_save(
                user=request.user,
                name=form.cleaned_data.get("save_name", ""),
                columns=columns,
                amount_unit=unit,
            )
        except PermissionDenied as exc:
            return _refused(request, submission, str(exc))
        except ValidationError as exc:
            return _columns_page(
                request, submission, source, **page, problems=exc.messages, status=400
            )
        messages.success(request, f"已保存映射“{mapping.name}”。")
        url = reverse("desk:excel_mapped_columns", kwargs={"pk": pk, "token": token})
        return redirect(f"{url}?mapping={mapping.pk}")

    refusal = import_refusal(request.user, submission)
    if refusal:
        return _refused(request, submission, refusal)
    conversion = convert(sheet, columns=columns, unit=unit)
    if not conversion.ok:
        return _columns_page(
            request, submission, source, **page, problems=conversion.problems, status=400
        )
    pending = mapped_import_store(
        session=request.session,
        submission=submission,
        user=request.user,
        source=source,
        conversion=conversion,
        columns=columns,
        amount_unit=unit,
        save_as=(
            form.cleaned_data.get("save_name", "").strip() if form.cleaned_data.get("save") else ""
        ),
    )
    return redirect("desk:excel_mapped_preview", pk=pk, token=pending.token)


def _pending_and_context(request, submission, token):
    pending = pending_import_get(
        session=request.session, token=token, submission=submission, user=request.user
    )
    context = mapped_context_get(session=request.session, pending=pending) if pending else None
    return pending, context


@login_required
@require_http_methods(["GET"])
def excel_mapped_preview(request, pk: int, token: str):
    """The template import's preview of the converted file (computed and cached by
    `pending_import_preview`), its errors said of the source file, and what the file was read
    as (sheet, columns, unit, skipped 合计 rows)."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending, context = _pending_and_context(request, submission, token)
    if context is None:
        messages.warning(request, EXPIRED)
        return redirect("desk:excel", pk=pk)
    refusal = import_refusal(request.user, submission)
    if refusal:
        pending_import_discard(session=request.session, pending=pending)
        mapped_context_forget(session=request.session, token=pending.token)
        return _refused(request, submission, refusal)
    preview = pending_import_preview(
        session=request.session, pending=pending, submission=submission
    )
    if preview is None:
        messages.warning(request, EXPIRED)
        return redirect("desk:excel", pk=pk)
    locations = {k: tuple(v) for k, v in context.locations.items()}
    if preview.errors:
        preview = replace(
            preview,
            errors=header_mapped_messages(preview.errors, sheet=context.sheet, locations=locations),
        )
    labels = {f.template_key: f.label for f in header_mapping_fields()}
    return render(
        request,
        "desk/import_mapped_preview.html",
        desk_context(
            submission,
            "excel",
            kind=pending.import_kind,
            pending=pending,
            preview=preview,
            mapped=context,
            # only who may import reaches this page (the refusal above)
            may_confirm=True,
            confirm_refusal="",
            code_accept_refusal=code_accept_refusal(request.user),
            read_as=[(labels.get(k, k), v[0], v[1]) for k, v in context.locations.items()],
            columns_url=reverse(
                "desk:excel_mapped_columns", kwargs={"pk": pk, "token": context.source}
            ),
        ),
    )


@login_required
@require_POST
def excel_mapped_confirm(request, pk: int, token: str):
    """确认导入 of the converted file, and saving its mapping when asked, together."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending, context = _pending_and_context(request, submission, token)
    back = _excel_url(submission)
    if context is None:
        return _refused(request, submission, EXPIRED)
    if context.save_as and header_mapping_save_refusal(request.user):
        return _refused(request, submission, header_mapping_save_refusal(request.user))
    preview_url = reverse("desk:excel_mapped_preview", kwargs={"pk": pk, "token": token})
    try:
        report, mapping = mapped_import_confirm(
            session=request.session,
            pending=pending,
            context=context,
            user=request.user,
            seen_digest=request.POST.get("digest", ""),
        )
    except ImportRefused as exc:
        if STALE in exc.messages:
            return refusal_response(
                request, reasons=exc.messages, back_url=preview_url, back_label="重新预览"
            )
        return refusal_response(request, reasons=exc.messages, back_url=back, back_label=BACK_LABEL)
    except ValidationError as exc:
        locations = {k: tuple(v) for k, v in context.locations.items()}
        return refusal_response(
            request,
            reasons=header_mapped_messages(exc.messages, sheet=context.sheet, locations=locations),
            back_url=preview_url,
            back_label="重新预览",
        )
    saved = f"已保存映射“{mapping.name}”。" if mapping else ""
    messages.success(request, f"{report.summary()}{saved}请到“概况与待办”查看导入后的检查结果。")
    return redirect("desk:excel", pk=pk)


@login_required
@require_POST
def excel_mapped_cancel(request, pk: int, token: str):
    """取消导入: delete the converted file and the source file; nothing else changes."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    pending, context = _pending_and_context(request, submission, token)
    if pending is not None:
        pending_import_discard(session=request.session, pending=pending)
        mapped_context_forget(session=request.session, token=pending.token)
    messages.info(request, "已取消导入，数据没有任何改动。")
    return redirect("desk:excel", pk=pk)


urlpatterns = [
    path("excel/mapped/", excel_mapped, name="excel_mapped"),
    path("excel/mapped/<str:token>/", excel_mapped_columns, name="excel_mapped_columns"),
    path("excel/mapped/preview/<str:token>/", excel_mapped_preview, name="excel_mapped_preview"),
    path(
        "excel/mapped/preview/<str:token>/confirm/",
        excel_mapped_confirm,
        name="excel_mapped_confirm",
    ),
    path(
        "excel/mapped/preview/<str:token>/cancel/",
        excel_mapped_cancel,
        name="excel_mapped_cancel",
    ),
]
