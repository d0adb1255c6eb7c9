"""Admin (Chinese) for entering 绩效目标. Thin: values are parsed and checked by the models,
copying and the Excel import/export are services (`performance.services`).

Indicators are edited in one inline per 目标期 (实施期指标 / 年度指标), ordered by 一级 then
二级; the category list holds the 二级 indicators of the default framework, labelled
"一级 / 二级", and is read once per request whatever the number of rows. Object-level
permissions come from `units.admin_scoping.SubmissionScopedMixin`: targets of submissions the
user may not see are hidden, and only a 填报人 of the unit changes them while 草稿/已退回 (also
through the Excel import, copy page and copy action). Both target admins derive from
`units.admin_scoping.BudgetDataAdmin`: scoped history pages and optimistic locking of the
change form (the token covers the target and all its indicator and key-task rows).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from performance.derive import project_current_amounts, target_year_funds, unit_budget
from performance.forms import (
    ProjectTargetAdminForm,
    SubmissionChoiceForm,
    TargetImportForm,
    indicator_form_for,
)
from performance.models import (
    GradeBands,
    Indicator,
    IndicatorCategory,
    KeyTask,
    ProjectTarget,
    UnitTarget,
)
from performance.services import (
    targets_copy_from_previous_year,
    targets_export_workbook,
    targets_import,
    targets_template_workbook,
)
from performance.types import FundSplit
from tables.figures.load import budget_data_load
from units.admin_scoping import (
    BudgetDataAdmin,
    PermissionBeforeLookupMixin,
    SubmissionScopedMixin,
)
from units.permissions import submission_editable_by, year_settings_refusal
from units.selectors import submissions_editable_by

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yuan(amount) -> str:
    return f"{amount:,.2f}"


# --- indicator inlines ---------------------------------------------------------------------


class IndicatorInline(SubmissionScopedMixin, admin.TabularInline):
    model = Indicator
    submission_attr = "submission"  # of the parent UnitTarget
    scope = "year"
    extra = 0
    fields = ["category", "name", "text", "parsed", "position"]
    readonly_fields = ["parsed"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = indicator_form_for(self.scope)
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(scope=self.scope)
            .order_by("category__parent__position", "category__position", "position", "id")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "category":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs["queryset"] = (
            IndicatorCategory.objects.filter(framework__is_default=True, level=2)
            .select_related("parent")
            .order_by("parent__position", "position", "code")
        )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Every row would otherwise run the category query again to render its <select>.
        choices = getattr(request, "_indicator_category_choices", None)
        if choices is None:
            choices = list(field.choices)
            request._indicator_category_choices = choices
        field.choices = choices
        return field

    @admin.display(description="解析结果")
    def parsed(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        if obj.value is None:
            return "定性"
        return f"{obj.comparator} {obj.value.normalize():f} {obj.unit}".strip()


class ProjectPeriodIndicatorInline(IndicatorInline):
    fk_name = "project_target"
    submission_attr = "project.submission"
    scope = "period"
    verbose_name = "实施期指标"
    verbose_name_plural = "实施期指标"


class ProjectYearIndicatorInline(IndicatorInline):
    fk_name = "project_target"
    submission_attr = "project.submission"
    scope = "year"
    verbose_name = "年度指标"
    verbose_name_plural = "年度指标"


class UnitYearIndicatorInline(IndicatorInline):
    fk_name = "unit_target"
    scope = "year"
    verbose_name = "年度绩效指标"
    verbose_name_plural = "年度绩效指标"


class KeyTaskInline(SubmissionScopedMixin, admin.TabularInline):
    model = KeyTask
    extra = 0
    fields = ["position", "function", "tasks"]


# --- shared: copy action --------------------------------------------------------------------


@admin.action(description="复制上年绩效目标（所选目标所属的填报，不覆盖已有目标）")
def copy_previous_year(modeladmin, request, queryset):
    submissions = {modeladmin.target_submission(obj) for obj in queryset}
    for submission in sorted(submissions, key=lambda s: (s.year, s.unit.code)):
        if not submission_editable_by(request.user, submission):
            modeladmin.message_user(
                request, f"{submission}：当前不可编辑，已跳过。", messages.ERROR
            )
            continue
        try:
            report = targets_copy_from_previous_year(submission=submission)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{submission}：{'；'.join(exc.messages)}", messages.ERROR
            )
        else:
            modeladmin.message_user(request, f"{submission}：{report.summary()}", messages.SUCCESS)


# --- project targets ------------------------------------------------------------------------


@admin.register(ProjectTarget)
class ProjectTargetAdmin(BudgetDataAdmin):
    form = ProjectTargetAdminForm
    submission_attr = "project.submission"
    list_display = ["project_name", "submission_label", "indicator_count", "filled_at"]
    list_select_related = ["project__submission__unit"]
    list_filter = ["project__submission__year"]
    search_fields = [
        "project__name",
        "project__submission__unit__code",
        "project__submission__unit__name",
    ]
    inlines = [ProjectPeriodIndicatorInline, ProjectYearIndicatorInline]
    # Explicit: the Count annotation drops Meta.ordering, and pages must not shuffle.
    ordering = [
        "-project__submission__year",
        "project__submission__unit__code",
        "project__position",
        "project_id",
    ]
    actions = [copy_previous_year]
    readonly_fields = ["period_total", "year_funds"]
    fieldsets = [
        (None, {"fields": ["project", "implementer"]}),
        (
            "项目情况",
            {"fields": ["overview", "basis", "necessity", "measures", "plan"]},
        ),
        ("总体目标", {"fields": ["goal_period", "goal_year"]}),
        (
            "实施期资金（元）",
            {
                "fields": [
                    "period_central",
                    "period_provincial",
                    "period_local",
                    "period_self_raised",
                    "period_other",
                    "period_total",
                ]
            },
        ),
        (
            "年度资金（元）",
            {
                "description": "市县(区)财政资金和单位自筹由本项目的预算明细自动计算；"
                "这里只填不经过本单位预算的中央、省级和其他资金。",
                "fields": ["year_central", "year_provincial", "year_other", "year_funds"],
            },
        ),
        ("填报信息", {"fields": ["leader", "handler", "phone", "filled_at"]}),
    ]

    @staticmethod
    def target_submission(obj):
        return obj.project.submission

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("project__submission__unit__department")
            .annotate(indicator_total=Count("indicators"))
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "project"] if obj is not None else fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        editable = submissions_editable_by(user=request.user).values("pk")

        class ScopedForm(form):
            """The declared `project` field offers only projects of editable submissions."""

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if "project" in self.fields:
                    field = self.fields["project"]
                    field.queryset = field.queryset.filter(submission__in=editable)

        return ScopedForm

    @admin.display(description="项目", ordering="project__name")
    def project_name(self, obj):
        return obj.project.name

    @admin.display(description="填报", ordering="project__submission__year")
    def submission_label(self, obj):
        return str(obj.project.submission)

    @admin.display(description="指标数", ordering="indicator_total")
    def indicator_count(self, obj):
        return obj.indicator_total

    @admin.display(description="实施期资金合计")
    def period_total(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        split = FundSplit(
            central=obj.period_central,
            provincial=obj.period_provincial,
            local=obj.period_local,
            self_raised=obj.period_self_raised,
            other=obj.period_other,
        )
        return f"{_yuan(split.total)} 元"

    @admin.display(description="年度资金（按预算明细计算）")
    def year_funds(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示"
        data = budget_data_load(submission=obj.project.submission)
        funds = target_year_funds(obj, project_current_amounts(data))
        return (
            f"中央 {_yuan(funds.central)}；省级 {_yuan(funds.provincial)}；"
            f"市县(区) {_yuan(funds.local)}；单位自筹 {_yuan(funds.self_raised)}；"
            f"其他 {_yuan(funds.other)}；合计 {_yuan(funds.total)} 元"
        )

    # Excel and copy pages

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("excel/", view(self.excel_view), name="{}_{}_excel".format(*info)),
            path("excel/template/", view(self.template_view), name="{}_{}_template".format(*info)),
            path("excel/export/", view(self.export_view), name="{}_{}_export".format(*info)),
            path("copy/", view(self.copy_view), name="{}_{}_copy".format(*info)),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": reverse("admin:performance_projecttarget_changelist"),
            **extra,
        }

    def excel_view(self, request):
        """GET: the import form and export form; POST: import the uploaded workbook."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        import_form = TargetImportForm(user=request.user)
        export_form = SubmissionChoiceForm(user=request.user, auto_id="export_%s")
        errors: list[str] = []
        if request.method == "POST":
            if not (self.has_add_permission(request) and self.has_change_permission(request)):
                raise PermissionDenied
            import_form = TargetImportForm(request.POST, request.FILES, user=request.user)
            if import_form.is_valid() and not submission_editable_by(
                request.user, import_form.cleaned_data["submission"]
            ):
                import_form.add_error("submission", "该填报当前不可编辑。")
            if import_form.is_valid():
                submission = import_form.cleaned_data["submission"]
                try:
                    report = targets_import(
                        submission=submission, file=import_form.cleaned_data["file"]
                    )
                except ValidationError as exc:
                    errors = exc.messages
                else:
                    self.message_user(request, report.summary(), messages.SUCCESS)
                    url = reverse("admin:performance_projecttarget_changelist")
                    return redirect(f"{url}?project__submission__id__exact={submission.pk}")
        return TemplateResponse(
            request,
            "admin/performance/target_excel.html",
            self._context(
                request,
                "绩效目标 Excel 导入/导出",
                import_form=import_form,
                export_form=export_form,
                errors=errors,
            ),
        )

    @staticmethod
    def _xlsx(data: bytes, filename: str) -> HttpResponse:
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def template_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        submission = None
        if request.GET.get("submission"):
            form = SubmissionChoiceForm(request.GET, user=request.user)
            if form.is_valid():
                submission = form.cleaned_data["submission"]
        return self._xlsx(targets_template_workbook(submission=submission), "绩效目标导入模板.xlsx")

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SubmissionChoiceForm(request.GET, user=request.user)
        if not form.is_valid():
            self.message_user(request, "请选择要导出的填报。", messages.ERROR)
            return redirect("admin:performance_projecttarget_excel")
        submission = form.cleaned_data["submission"]
        return self._xlsx(
            targets_export_workbook(submission=submission),
            f"绩效目标_{submission.unit.code}_{submission.year}.xlsx",
        )

    def copy_view(self, request):
        """GET: choose a submission; POST: copy last year's targets into it and show the report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SubmissionChoiceForm(request.POST or None, user=request.user)
        report, errors = None, []
        if (
            request.method == "POST"
            and form.is_valid()
            and not submission_editable_by(request.user, form.cleaned_data["submission"])
        ):
            form.add_error("submission", "该填报当前不可编辑。")
        if request.method == "POST" and form.is_valid():
            try:
                report = targets_copy_from_previous_year(submission=form.cleaned_data["submission"])
            except ValidationError as exc:
                errors = exc.messages
        return TemplateResponse(
            request,
            "admin/performance/target_copy.html",
            self._context(
                request,
                "复制上年绩效目标",
                form=form,
                report=report.summary().splitlines() if report else None,
                errors=errors,
            ),
        )


# --- unit-level target ----------------------------------------------------------------------


@admin.register(UnitTarget)
class UnitTargetAdmin(BudgetDataAdmin):
    list_display = ["submission", "key_task_count", "indicator_count", "filled_at"]
    list_select_related = ["submission__unit"]
    list_filter = ["submission__year"]
    search_fields = ["submission__unit__code", "submission__unit__name"]
    inlines = [KeyTaskInline, UnitYearIndicatorInline]
    # Explicit: the Count annotations drop any default ordering, and pages must not shuffle.
    ordering = ["-submission__year", "submission__unit__code", "pk"]
    actions = [copy_previous_year]
    readonly_fields = ["year_budget"]
    fieldsets = [
        (None, {"fields": ["submission", "year_budget"]}),
        ("目标", {"fields": ["strategic_goal", "annual_goal"]}),
        ("填报信息", {"fields": ["leader", "handler", "phone", "filled_at"]}),
    ]

    @staticmethod
    def target_submission(obj):
        return obj.submission

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("submission__unit__department")
            .annotate(
                key_task_total=Count("key_tasks", distinct=True),
                indicator_total=Count("indicators", distinct=True),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "submission"] if obj is not None else fields

    @admin.display(description="重点任务数", ordering="key_task_total")
    def key_task_count(self, obj):
        return obj.key_task_total

    @admin.display(description="指标数", ordering="indicator_total")
    def indicator_count(self, obj):
        return obj.indicator_total

    @admin.display(description="年度预算（按预算明细计算）")
    def year_budget(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示"
        budget = unit_budget(budget_data_load(submission=obj.submission))
        return (
            f"合计 {_yuan(budget.total)} 元（基本支出 {_yuan(budget.basic)}，"
            f"项目支出 {_yuan(budget.project)}）"
        )


# --- 自评等级划分 (a bureau setting) -------------------------------------------------------


@admin.register(GradeBands)
class GradeBandsAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    """The region's grade bands of the 绩效自评 per year (优/良/中 from …; a year without a row
    uses 90/80/60): a bureau setting, shown to and changed by the 财政管理员 only
    (`units.permissions.year_settings_refusal`, as the year's other settings)."""

    list_display = ["year", "excellent", "good", "fair"]
    ordering = ["-year"]

    def _allowed(self, request) -> bool:
        return year_settings_refusal(request.user) is None

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)
