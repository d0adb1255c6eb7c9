"""Entering a submission's budget lines and projects in the browser: a grouped, paged list of
lines with an add form (codes suggested as one types, projects picked by name or created in
place, amounts as people write them), an edit page per line, and the projects. Thin: the forms
read the input, `units.services` checks and writes under the submission's lock."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables.desk.forms import (
    ATTRIBUTE_BLANK,
    ATTRIBUTE_HELP,
    CODE_FIELDS,
    BudgetLineForm,
    code_options,
    project_attribute_errors,
)
from tables.desk.refusal import refusal_response
from tables.desk.search import name_matches
from tables.desk.selectors import lines_page, project_amounts
from tables.desk.views import desk_context
from units.concurrency import NOT_EDITABLE, rows_token
from units.models import BudgetLine, Project, ProjectCategory, ProjectRecurrence
from units.permissions import submission_lines_refusal
from units.selectors import budget_submission_get_for_user, submission_get_for_user
from units.services import budget_line_delete, budget_line_save, project_save


def _line_form(submission, data=None, initial=None):
    projects = list(submission.projects.order_by("position", "id"))
    return BudgetLineForm(
        data,
        initial=initial,
        submission=submission,
        projects=projects,
        amounts=project_amounts(submission=submission),
    )


def _save_line(request, submission, form, line: BudgetLine, token=None) -> bool:
    """Hand a valid form to the service; put its refusals on the form. False: not saved."""
    for name, value in form.line_values().items():
        setattr(line, name, value)
    try:
        budget_line_save(
            submission_id=submission.pk,
            user=request.user,
            line=line,
            token=token,
            new_project=form.new_project(),
        )
    except ValidationError as exc:
        form.errors_from_service(exc)
        return False
    return True


def _refused(request, submission):
    return refusal_response(
        request,
        reasons=submission_lines_refusal(request.user, submission) or NOT_EDITABLE,
        back_url=reverse("desk:lines", kwargs={"pk": submission.pk}),
        back_label="返回预算明细",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lines(request, pk: int):
    """GET: the lines, grouped and paged, with the add form; POST: add one line."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    lines_refusal = submission_lines_refusal(request.user, submission)
    editable = lines_refusal is None
    form = _line_form(submission) if editable else None
    if request.method == "POST":
        if not editable:
            return _refused(request, submission)
        form = _line_form(submission, request.POST)
        if form.is_valid():
            try:
                saved = _save_line(request, submission, form, BudgetLine())
            except PermissionDenied:
                return _refused(request, submission)
            if saved:
                messages.success(
                    request, f"已新增预算明细：{form.cleaned_data['amount']:,.2f} 元。"
                )
                return redirect(request.get_full_path())
    listing = lines_page(
        submission=submission,
        group_by=request.GET.get("group", "func"),
        query=request.GET.get("q", ""),
        page=request.GET.get("page"),
    )
    return render(
        request,
        "desk/lines.html",
        desk_context(
            submission,
            "lines",
            editable=editable,
            form=form,
            listing=listing,
            add_open=request.method == "POST" or listing.count == 0,
            consolidating=submission.unit.consolidates_department,
            lines_refusal=lines_refusal,
        ),
        status=200 if request.method == "GET" or form is None or not form.errors else 422,
    )


def _line_get(submission, line_id: int) -> BudgetLine:
    line = (
        BudgetLine.objects.filter(submission=submission, pk=line_id)
        .select_related("func_code", "dept_econ_code", "gov_econ_code", "project")
        .first()
    )
    if line is None:
        raise Http404("这条明细不存在或已被删除")
    return line


@login_required
@require_http_methods(["GET", "POST"])
def line_edit(request, pk: int, line_id: int):
    """One line's form (GET) and its save (POST), refused if it changed meanwhile."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    line = _line_get(submission, line_id)
    if submission_lines_refusal(request.user, submission) is not None:
        return _refused(request, submission)
    token = rows_token(BudgetLine.objects.filter(pk=line.pk))
    form = _line_form(submission, initial=BudgetLineForm.initial_of(line))
    if request.method == "POST":
        token = request.POST.get("token", "")
        form = _line_form(submission, request.POST)
        if form.is_valid():
            try:
                saved = _save_line(request, submission, form, line, token=token)
            except PermissionDenied:
                return _refused(request, submission)
            if saved:
                messages.success(request, "已保存这条预算明细。")
                return redirect(reverse("desk:lines", kwargs={"pk": pk}))
    return render(
        request,
        "desk/line_edit.html",
        desk_context(submission, "lines", form=form, line=line, token=token),
        status=200 if not form.errors else 422,
    )


@login_required
@require_POST
def line_delete(request, pk: int, line_id: int):
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    back = reverse("desk:lines", kwargs={"pk": pk})
    try:
        budget_line_delete(
            submission_id=submission.pk,
            user=request.user,
            line_id=line_id,
            token=request.POST.get("token", ""),
        )
    except PermissionDenied:
        return _refused(request, submission)
    except ValidationError as exc:
        return refusal_response(request, reasons=exc.messages, back_url=back)
    messages.success(request, "已删除这条预算明细。")
    return redirect(back)


@login_required
@require_GET
def code_suggestions(request, pk: int):
    """The suggestion list of a code field (`<option>`s of a datalist), as the user types."""
    submission = submission_get_for_user(user=request.user, pk=pk)  # also a 决算's 追加 form
    field = request.GET.get("field", "")
    if field not in CODE_FIELDS:
        raise Http404("没有这个科目字段")
    scheme = CODE_FIELDS[field][0]
    codes = code_options(year=submission.year, scheme=scheme, query=request.GET.get(field, ""))
    return render(request, "desk/code_options.html", {"codes": codes})


@login_required
@require_GET
def project_suggestions(request, pk: int):
    """The project picker's `<option>`s whose name contains what was typed."""
    submission = submission_get_for_user(user=request.user, pk=pk)  # also a 决算's 追加 form
    form = _line_form(submission)
    query = request.GET.get("project_search", "").strip()
    names = {str(p.pk): p.name for p in form.projects.values()}
    choices = [
        (value, label)
        for value, label in form.fields["project"].choices
        if value in ("", "new") or query in label or name_matches(query, names.get(value, ""))
    ]
    return render(request, "desk/project_options.html", {"choices": choices})


class ProjectForm(forms.ModelForm):
    """A new project; 项目类别/项目属性 may stay blank unless the year's set prints them."""

    class Meta:
        model = Project
        fields = ["name", "category", "recurrence", "period_years"]

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        for key in ("category", "recurrence"):
            field = self.fields[key]
            field.choices = [ATTRIBUTE_BLANK, *field.choices[1:]]
            field.help_text = ATTRIBUTE_HELP

    def clean(self):
        data = super().clean()
        for key, message in project_attribute_errors(
            year=self.year,
            category=data.get("category") or "",
            recurrence=data.get("recurrence") or "",
        ).items():
            self.add_error(key, message)
        return data


@login_required
@require_http_methods(["GET", "POST"])
def projects(request, pk: int):
    """The submission's projects with their money, and a form to add one."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    editable = submission_lines_refusal(request.user, submission) is None
    form = ProjectForm(
        year=submission.year,
        initial={
            "category": ProjectCategory.choices[0][0],
            "recurrence": ProjectRecurrence.choices[0][0],
        },
    )
    if request.method == "POST":
        if not editable:
            return _refused(request, submission)
        form = ProjectForm(request.POST, year=submission.year)
        if form.is_valid():
            try:
                project_save(submission_id=pk, user=request.user, project=form.instance)
            except PermissionDenied:
                return _refused(request, submission)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"已新建项目「{form.instance.name}」。")
                return redirect(request.path)
    amounts = project_amounts(submission=submission)
    rows = [
        (project, amounts.get(project.pk))
        for project in submission.projects.select_related("target").order_by("position", "id")
    ]
    return render(
        request,
        "desk/projects.html",
        desk_context(submission, "projects", editable=editable, form=form, rows=rows),
    )


urlpatterns = [
    path("lines/", lines, name="lines"),
    path("lines/<int:line_id>/", line_edit, name="line_edit"),
    path("lines/<int:line_id>/delete/", line_delete, name="line_delete"),
    path("codes/", code_suggestions, name="code_suggestions"),
    path("project-options/", project_suggestions, name="project_suggestions"),
    path("projects/", projects, name="projects"),
]
