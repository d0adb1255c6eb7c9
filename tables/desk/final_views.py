"""Entering a 决算 in the browser: 决算明细 (each line's 调整预算 and 决算数 beside its 年初预算,
grouped by 功能分类 项 with the 完成率) and 收支情况 (`FinalFacts`, with each fund's balance).
Also the 开启决算 button of a published budget. Thin: `units.final_services` checks and writes
under the submission's lock; `tables.desk.final_open` opens."""

import hashlib
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables.desk.entry_views import _line_form
from tables.desk.final_open import final_open
from tables.desk.import_services import PENDING_DIR, TOKEN_PATTERN, pending_imports_purge
from tables.desk.refusal import refusal_response
from tables.desk.views import desk_context
from units.concurrency import TOKEN_FIELD, rows_token
from units.excel.archive import upload_read
from units.final_excel import MAX_FILE_BYTES, final_export_workbook
from units.final_import import (
    CHANGED_SINCE_PREVIEW,
    final_data_digest,
    final_import,
    final_import_plan,
)
from units.final_selectors import final_fund_balances, final_line_groups, final_totals
from units.final_services import (
    FACTS_COUNT_FIELDS,
    FACTS_FIELDS,
    facts_label,
    final_facts_update,
    final_line_add,
    final_line_update,
)
from units.models import BudgetLine, FinalFacts, Submission, SubmissionKind
from units.permissions import submission_edit_refusal, submission_lines_refusal
from units.selectors import submission_get_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the 收支情况 form's sections: (title, fields)
FACTS_SECTIONS = (
    (
        "本年收入",
        (
            "income_general",
            "income_gov_fund",
            "income_state_capital",
            "income_superior",
            "income_business",
            "income_operating",
            "income_subordinate",
            "income_other",
        ),
    ),
    (
        "年初结转和结余",
        ("opening_general", "opening_gov_fund", "opening_state_capital", "opening_other"),
    ),
    (
        "年末结转和结余",
        ("closing_general", "closing_gov_fund", "closing_state_capital", "closing_other"),
    ),
    ("其他支出", ("expense_to_superior", "expense_operating", "expense_subsidiary")),
    (
        "“三公”经费相关数量",
        (
            "outbound_groups",
            "outbound_persons",
            "reception_batches",
            "reception_persons",
            "vehicles_purchased",
            "vehicles_held",
        ),
    ),
    (
        "政府采购",
        ("procurement_goods", "procurement_works", "procurement_services", "procurement_sme"),
    ),
    ("国有资产（年末）", ("vehicles_total", "equipment_over_500k", "special_equipment_over_1m")),
)


def _final_get(request, pk: int) -> Submission:
    submission = submission_get_for_user(user=request.user, pk=pk)
    if not submission.is_final:
        raise Http404("这不是决算填报")
    return submission


def _refused(request, submission, reason, url_name: str, label: str):
    return refusal_response(
        request,
        reasons=reason,
        back_url=reverse(url_name, kwargs={"pk": submission.pk}),
        back_label=label,
    )


@login_required
@require_http_methods(["GET", "POST"])
def final_lines(request, pk: int):
    """GET: the lines by 功能分类 项; POST: save one row's 调整预算 and 决算数 (`line_id`)."""
    submission = _final_get(request, pk)
    refusal = submission_lines_refusal(request.user, submission)
    row_errors: dict[int, list[str]] = {}
    typed: dict[int, dict[str, str]] = {}
    add_form = _line_form(submission) if refusal is None else None
    if request.method == "POST":
        if refusal:
            return _refused(request, submission, refusal, "desk:final_lines", "返回决算明细")
        if request.POST.get("action") == "add":
            add_form = _line_form(submission, request.POST)
            if add_form.is_valid() and _line_add(request, submission, add_form):
                messages.success(
                    request,
                    f"已新增追加明细：决算数 {add_form.cleaned_data['amount']:,.2f} 元"
                    "（年初预算为 0）。",
                )
                return redirect(request.path)
            return _lines_page(request, submission, refusal, add_form, {}, {}, status=422)
        try:
            line_id = int(request.POST.get("line_id", ""))
        except ValueError:
            raise Http404("这条明细不存在") from None
        values = {
            "adjusted_amount": request.POST.get("adjusted_amount", ""),
            "amount": request.POST.get("amount", ""),
        }
        try:
            line = final_line_update(
                submission=submission, line_id=line_id, actor=request.user, **values
            )
        except PermissionDenied as exc:
            return _refused(request, submission, str(exc), "desk:final_lines", "返回决算明细")
        except ValidationError as exc:
            row_errors[line_id] = exc.messages
            typed[line_id] = values
        else:
            messages.success(
                request,
                f"已保存：{line.func_code.code} {line.dept_econ_code.code} 决算数 "
                f"{line.amount:,.2f} 元。",
            )
            return redirect(f"{request.path}#line-{line.pk}")
    return _lines_page(
        request, submission, refusal, add_form, row_errors, typed, status=422 if row_errors else 200
    )


def _line_add(request, submission, form) -> bool:
    """Hand a valid 追加 form to the service; its refusals go on the form. False: not saved."""
    line = BudgetLine()
    for name, value in form.line_values().items():
        setattr(line, name, value)
    try:
        final_line_add(
            submission=submission, actor=request.user, line=line, new_project=form.new_project()
        )
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    except ValidationError as exc:
        form.errors_from_service(exc)
        return False
    return True


def _lines_page(request, submission, refusal, add_form, row_errors, typed, *, status: int):
    groups = final_line_groups(submission=submission)
    for group in groups:
        for line in group.lines:
            line.errors = row_errors.get(line.pk, [])
            line.typed = typed.get(line.pk)
    return render(
        request,
        "desk/final_lines.html",
        desk_context(
            submission,
            "final_lines",
            editable=refusal is None,
            refusal=refusal,
            groups=groups,
            total=final_totals(groups),
            has_errors=bool(row_errors),
            form=add_form,
            add_open=add_form is not None and add_form.is_bound,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def final_facts(request, pk: int):
    """GET: the 收支情况 form and the fund balances; POST: save the form all or nothing."""
    submission = _final_get(request, pk)
    refusal = submission_edit_refusal(request.user, submission)
    facts = FinalFacts.objects.filter(submission=submission).first() or FinalFacts()
    errors: dict[str, list[str]] = {}
    values = {name: getattr(facts, name) for name in FACTS_FIELDS}
    if request.method == "POST":
        if refusal:
            return _refused(request, submission, refusal, "desk:final_facts", "返回收支情况")
        # only the fields the form sent: a field left out keeps what is stored
        posted = {name: request.POST[name] for name in FACTS_FIELDS if name in request.POST}
        try:
            final_facts_update(
                submission=submission,
                actor=request.user,
                values=posted,
                token=request.POST.get(TOKEN_FIELD),  # the form sends it; None: not checked
            )
        except PermissionDenied as exc:
            return _refused(request, submission, str(exc), "desk:final_facts", "返回收支情况")
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            values = {**values, **posted}
        else:
            messages.success(request, "已保存收支情况。")
            return redirect(request.path)
    sections = [
        (
            title,
            [
                {
                    "name": name,
                    "label": facts_label(name),
                    "value": values[name],
                    "is_count": name in FACTS_COUNT_FIELDS,
                    "errors": errors.get(name, []),
                }
                for name in names
            ],
        )
        for title, names in FACTS_SECTIONS
    ]
    return render(
        request,
        "desk/final_facts.html",
        desk_context(
            submission,
            "final_facts",
            editable=refusal is None,
            refusal=refusal,
            sections=sections,
            errors=[(name, message) for name, ms in errors.items() for message in ms],
            balances=final_fund_balances(submission=submission),
            token_field=TOKEN_FIELD,
            token=rows_token(FinalFacts.objects.filter(submission=submission)),
        ),
        status=422 if errors else 200,
    )


@login_required
@require_POST
def final_open_view(request, pk: int):
    """开启决算 from the published budget `pk` (财政管理员 or the unit's 填报人)."""
    budget = submission_get_for_user(user=request.user, pk=pk)
    if budget.kind != SubmissionKind.BUDGET:
        raise Http404("这不是预算填报")
    back = reverse("desk:submission", kwargs={"pk": budget.pk})
    try:
        final = final_open(unit=budget.unit, year=budget.year, actor=request.user)
    except PermissionDenied as exc:
        return refusal_response(request, reasons=str(exc), back_url=back, back_label="返回")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, f"已开启{final.year}年决算：决算数先等于年初预算，请填写实际数。")
    return redirect("desk:final_lines", pk=final.pk)


# --- 导入/导出 ------------------------------------------------------------------------------

#: the session's pending 决算 uploads: submission id → {token, sha256, digest}
FINAL_SESSION_KEY = "desk_pending_final_imports"


def _pending_path(token: str) -> str:
    return f"{PENDING_DIR}/{token}.xlsx"


def _pending(request, submission) -> dict | None:
    entry = request.session.get(FINAL_SESSION_KEY, {}).get(str(submission.pk))
    if not entry or not TOKEN_PATTERN.fullmatch(entry.get("token", "")):
        return None
    return entry


def _pending_set(request, submission, entry: dict | None) -> None:
    entries = dict(request.session.get(FINAL_SESSION_KEY, {}))
    old = entries.pop(str(submission.pk), None)
    if old and TOKEN_PATTERN.fullmatch(old.get("token", "")) and old != entry:
        default_storage.delete(_pending_path(old["token"]))
    if entry is not None:
        entries[str(submission.pk)] = entry
    request.session[FINAL_SESSION_KEY] = entries


def _pending_data(entry: dict) -> bytes | None:
    try:
        with default_storage.open(_pending_path(entry["token"]), "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (FileNotFoundError, OSError):
        return None
    return data if hashlib.sha256(data).hexdigest() == entry["sha256"] else None


@login_required
@require_http_methods(["GET", "POST"])
def final_excel(request, pk: int):
    """导入/导出 of a 决算: download the workbook; upload one for a preview of what it changes
    (nothing saved); 确认导入 applies the previewed file if the 决算 did not change since."""
    submission = _final_get(request, pk)
    refusal = submission_edit_refusal(request.user, submission)
    plan = None
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if refusal:
            return _refused(request, submission, refusal, "desk:final_excel", "返回导入/导出")
        action = request.POST.get("action", "preview")
        if action == "cancel":
            _pending_set(request, submission, None)
            messages.info(request, "已取消导入，没有改动任何数据。")
            return redirect(request.path)
        if action == "confirm":
            entry = _pending(request, submission)
            data = _pending_data(entry) if entry else None
            if data is None:
                problems = ["上传的文件已过期或不存在，请重新上传。"]
            elif request.POST.get("digest") != entry["digest"] or entry[
                "digest"
            ] != final_data_digest(submission=submission):
                problems = [CHANGED_SINCE_PREVIEW]
            else:
                try:
                    # the digest again under the lock: a save between this check and the
                    # import's lock is refused too
                    applied = final_import(
                        submission=submission,
                        file=data,
                        actor=request.user,
                        expected_digest=entry["digest"],
                    )
                except PermissionDenied as exc:
                    return _refused(request, submission, str(exc), "desk:final_excel", "返回")
                except ValidationError as exc:
                    problems = exc.messages
                else:
                    _pending_set(request, submission, None)
                    messages.success(request, "已导入：" + applied.summary())
                    return redirect(request.path)
            status = 422
        else:
            upload = request.FILES.get("file")
            if upload is None:
                problems, status = ["请选择要导入的 Excel 文件（.xlsx）。"], 422
            else:
                try:
                    data = upload_read(upload, max_bytes=MAX_FILE_BYTES)
                    plan = final_import_plan(submission=submission, file=data)
                except ValidationError as exc:
                    problems, status = exc.messages, 422
                else:
                    pending_imports_purge()
                    token = secrets.token_urlsafe(24)
                    default_storage.save(_pending_path(token), ContentFile(data))
                    _pending_set(
                        request,
                        submission,
                        {
                            "token": token,
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "digest": final_data_digest(submission=submission),
                        },
                    )
    entry = _pending(request, submission)
    return render(
        request,
        "desk/final_excel.html",
        desk_context(
            submission,
            "final_excel",
            editable=refusal is None,
            refusal=refusal,
            plan=plan,
            problems=problems,
            digest=entry["digest"] if entry and plan is not None else "",
            max_mb=MAX_FILE_BYTES // (1024 * 1024),
        ),
        status=status,
    )


@login_required
@require_GET
def final_export(request, pk: int):
    """The 决算 workbook (anyone who sees the submission may download it)."""
    submission = _final_get(request, pk)
    response = HttpResponse(final_export_workbook(submission=submission), content_type=XLSX)
    filename = f"决算明细_{submission.unit.code}_{submission.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


urlpatterns = [
    path("final/lines/", final_lines, name="final_lines"),
    path("final/facts/", final_facts, name="final_facts"),
    path("final/open/", final_open_view, name="final_open"),
    path("final/excel/", final_excel, name="final_excel"),
    path("final/excel/export/", final_export, name="final_export"),
]
