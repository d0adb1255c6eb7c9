"""Admin pages for the Excel import of budget lines: an upload form (POST imports, all or
nothing) and a download of the blank template or of a submission's lines in the same layout.

Plain views wrapped in `staff_member_required`; CSRF comes from the middleware. Which
submissions a user may import into is decided by `submissions_editable_by` (their unit, 草稿 or
已退回 only), which they may export by `submissions_visible_to`; a forged id of another
submission fails form validation and nothing is written. The import itself is the service
`units.budget_import.budget_import`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from units.budget_excel import MAX_FILE_BYTES
from units.budget_import import (
    UnknownCodesError,
    budget_export_workbook,
    budget_import,
    budget_template_workbook,
    unknown_codes_text,
)
from units.selectors import submissions_editable_by, submissions_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "admin/units/budget_import.html"


class BudgetImportForm(forms.Form):
    submission = forms.ModelChoiceField(label="预算公开填报", queryset=None)
    file = forms.FileField(
        label="预算明细工作簿（.xlsx）",
        help_text=(
            f"使用下载的模板或导出的文件填写，不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
            "此处每个项目须填写项目类别和项目属性；本年度公开表样式不需要时，请在填报工作台导入。"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].queryset = submissions_editable_by(user=user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"文件过大：不能超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
            )
        return upload


class BudgetDownloadForm(forms.Form):
    submission = forms.ModelChoiceField(
        label="预算公开填报", queryset=None, required=False, help_text="留空则下载空白模板。"
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].queryset = submissions_visible_to(user=user)


def _context(request, **extra):
    return {**admin.site.each_context(request), "title": "预算明细 Excel 导入", **extra}


@staff_member_required
@require_http_methods(["GET", "POST"])
def budget_import_view(request):
    """GET: the upload and download forms; POST: import the uploaded workbook."""
    form = BudgetImportForm(user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        form = BudgetImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            submission = form.cleaned_data["submission"]
            try:
                report = budget_import(submission=submission, file=form.cleaned_data["file"])
            except UnknownCodesError as exc:
                errors = [unknown_codes_text(exc.unknown, year=submission.year), *exc.messages]
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, report.summary())
                return redirect(request.path)
    # The year being filled in: the newest submission the user works on (not the calendar year,
    # which in the season is usually the year before the budget's).
    year = submissions_visible_to(user=request.user).aggregate(newest=Max("year"))["newest"]
    download_form = BudgetDownloadForm(
        user=request.user,
        initial={"year": year or timezone.localdate().year},
        auto_id="download_%s",
    )
    return TemplateResponse(
        request,
        TEMPLATE,
        _context(request, form=form, download_form=download_form, errors=errors),
    )


@staff_member_required
@require_GET
def budget_template_view(request):
    """The blank template of a year, or with `?submission=` that submission's lines."""
    form = BudgetDownloadForm(request.GET, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择可以查看的填报，或填写有效的年度。")
        return redirect("units_budget_import")
    submission = form.cleaned_data["submission"]
    if submission is not None:
        data = budget_export_workbook(submission=submission)
        filename = f"预算明细_{submission.unit.code}_{submission.year}.xlsx"
    else:
        year = form.cleaned_data["year"] or timezone.localdate().year
        data = budget_template_workbook(year=year)
        filename = f"预算明细导入模板_{year}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
