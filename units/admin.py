"""Admin (Chinese) for budget data entry. Thin: validation lives in the models/validation module,
workflow moves in `units.services.submission_transition`.

This module holds the pages: codes, units, submissions (with their inlines, the workflow actions
and the 变更记录 page, `units.audit_views.submission_audit_view`, wired in
`SubmissionAdmin.get_urls`) and budget lines. What every page may show and change comes from
`units.admin_scoping`: every budget-data admin derives from its `BudgetDataAdmin` (object-level
permissions, scoped history pages, optimistic locking of the change form); `status` is never a
form field. The people admins (users, groups, unit assignments, the access audit) are in
`units.admin_people`, imported here so that Django's autodiscovery of `units.admin` registers
them.
"""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import formats
from django.utils.html import format_html, format_html_join

from units import admin_people  # noqa: F401  (registers the people admins)
from units.admin_scoping import (
    BudgetDataAdmin,
    PermissionBeforeLookupMixin,
    SubmissionScopedMixin,
    UnitScopedMixin,
)
from units.audit_views import submission_audit_view
from units.budget_sheets import ASSET_FIELDS
from units.decisions import header_mapping_save_refusal
from units.models import (
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    EconomicMapping,
    GlossaryTerm,
    ImportHeaderMapping,
    ProcurementItem,
    Project,
    PurchasedService,
    StatusChange,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionText,
)
from units.permissions import FILLER, submission_editable_by, user_roles
from units.selectors import (
    LEVEL_FOR_SCHEME,
    submissions_editable_by,
    submissions_overdue,
    submissions_visible_to,
)
from units.services import (
    REASON_TEXT_FIELDS,
    TransitionRefused,
    submission_texts_initialise,
    submission_transition,
)
from units.workflow import TRANSITIONS, due_date, submission_findings

admin.site.site_header = settings.PRODUCT_NAME
admin.site.site_title = settings.PRODUCT_NAME
admin.site.index_title = "数据填报与管理"


#: Budget-line code fields offered as autocomplete → the scheme of their codes.
CODE_FIELD_SCHEMES = {
    "func_code": CodeScheme.FUNCTIONAL,
    "dept_econ_code": CodeScheme.DEPT_ECONOMIC,
    "gov_econ_code": CodeScheme.GOV_ECONOMIC,
}


def _referer_line_year(request) -> int | None:
    """The year of the budget line whose change page asked for the autocomplete, if any."""
    from urllib.parse import urlsplit

    referer = request.headers.get("referer", "")
    try:
        match = resolve(urlsplit(referer).path)
    except Resolver404:
        return None
    if match.url_name != "units_budgetline_change":
        return None
    object_id = match.kwargs.get("object_id", "")
    if not str(object_id).isdigit():
        return None
    visible = submissions_visible_to(user=request.user).values("pk")
    return (
        BudgetLine.objects.filter(pk=int(object_id), submission__in=visible)
        .values_list("submission__year", flat=True)
        .first()
    )


@admin.register(ClassificationCode)
class ClassificationCodeAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "scheme",
        "year",
        "level",
        "is_active",
        "version",
        "accepted_by",
        "accepted_at",
    ]
    list_filter = ["scheme", "year", "level", "is_active"]
    list_select_related = ["accepted_by"]
    #: Who accepted a code from an import file, and when: the audit, never edited by hand.
    readonly_fields = ["accepted_by", "accepted_at"]
    search_fields = ["code", "name"]

    def get_search_results(self, request, queryset, search_term):
        """For a budget line's code autocomplete, offer only the active, bottom-level codes of
        the field's scheme in the year of the line being edited (from the referring page), or
        else in the years of the submissions the user may edit (for 管理员: the latest year)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        field_name = request.GET.get("field_name")
        if (
            request.resolver_match is None
            or request.resolver_match.url_name != "autocomplete"
            or request.GET.get("app_label") != "units"
            or request.GET.get("model_name") != "budgetline"
            or field_name not in CODE_FIELD_SCHEMES
        ):
            return queryset, may_have_duplicates
        scheme = CODE_FIELD_SCHEMES[field_name]
        queryset = queryset.filter(
            scheme=scheme, is_active=True, level=LEVEL_FOR_SCHEME[scheme]
        ).order_by("-year", "code")
        year = _referer_line_year(request)
        if year is not None:
            return queryset.filter(year=year), may_have_duplicates
        years = submissions_editable_by(user=request.user).values("year")
        if not years.exists():
            latest = ClassificationCode.objects.filter(scheme=scheme).order_by("-year")
            years = latest.values("year")[:1]
        return queryset.filter(year__in=years), may_have_duplicates


@admin.register(EconomicMapping)
class EconomicMappingAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    list_display = ["year", "mapping_kind", "dept_code", "gov_code"]
    list_filter = ["year", "mapping_kind"]


@admin.register(Department)
class DepartmentAdmin(UnitScopedMixin, admin.ModelAdmin):
    unit_lookup = "units"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class BudgetUnitForm(forms.ModelForm):
    """A unit's form, with the 部门预算 roles checked in Chinese: one 部门汇总单位 per 主管部门,
    which enters no lines of its own and is not also the department's 本级."""

    class Meta:
        model = BudgetUnit
        fields = "__all__"  # noqa: DJ007 (every field of a unit is the bureau's to edit)
        help_texts = {
            "consolidates_department": (
                "部门预算由该单位汇总本部门其他单位已审核的预算生成；该单位自身不录入预算明细，"
                "只填写单位概况和情况说明。每个主管部门只能有一个部门汇总单位。"
            ),
            "is_headquarters": "部门本级（本部）在部门预算的分单位表中排在第一位。",
        }

    def clean(self):
        cleaned = super().clean()
        department = cleaned.get("department")
        if not cleaned.get("consolidates_department") or department is None:
            return cleaned
        if cleaned.get("is_headquarters"):
            self.add_error(
                "is_headquarters",
                "部门汇总单位不能同时是部门本级：请为本级单位另建一个预算单位，并勾选“部门本级”。",
            )
        other = (
            BudgetUnit.objects.filter(department=department, consolidates_department=True)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if other is not None:
            self.add_error(
                "consolidates_department",
                f"主管部门“{department.name}”已有部门汇总单位“{other.name}”，每个部门只能有一个；"
                "请先取消该单位的“部门汇总单位”。",
            )
        if self.instance.pk and BudgetLine.objects.filter(submission__unit=self.instance).exists():
            self.add_error(
                "consolidates_department",
                "该单位已录入预算明细，不能设为部门汇总单位：部门汇总单位的预算由成员单位汇总生成。",
            )
        return cleaned


@admin.register(BudgetUnit)
class BudgetUnitAdmin(UnitScopedMixin, admin.ModelAdmin):
    form = BudgetUnitForm
    list_display = [
        "code",
        "name",
        "kind",
        "department",
        "consolidates_department",
        "is_headquarters",
    ]
    list_filter = ["kind", "consolidates_department", "is_headquarters"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]


class ProjectInline(SubmissionScopedMixin, admin.TabularInline):
    submission_attr = ""
    model = Project
    fk_name = "submission"
    extra = 0
    fields = [
        "position",
        "name",
        "category",
        "recurrence",
        "period_years",
        "allocation_of",
        "allocation_note",
    ]


class ProcurementInline(SubmissionScopedMixin, admin.TabularInline):
    submission_attr = ""
    model = ProcurementItem
    extra = 0


class PurchasedServiceInline(SubmissionScopedMixin, admin.TabularInline):
    submission_attr = ""
    model = PurchasedService
    extra = 0


class AssetFactsInline(SubmissionScopedMixin, admin.StackedInline):
    submission_attr = ""
    model = AssetFacts
    extra = 0
    max_num = 1
    # as in the workbook's 国有资产 sheet: the date first, every figure below is "as at" it
    fields = list(ASSET_FIELDS)


class SubmissionTextInline(SubmissionScopedMixin, admin.StackedInline):
    submission_attr = ""
    model = SubmissionText
    extra = 0
    max_num = 1
    can_delete = False
    fieldsets = [
        ("第一部分 概况", {"fields": ["duties", "organisation"]}),
        (
            "情况说明：变动原因（数字由系统生成，只需写原因；变动10%以上必须填写）",
            {"fields": list(REASON_TEXT_FIELDS)},
        ),
        ("十二、其他说明", {"fields": ["purchased_services_note", "other_notes"]}),
    ]


class GlossaryTermInline(SubmissionScopedMixin, admin.TabularInline):
    submission_attr = ""
    model = GlossaryTerm
    extra = 0


class StatusChangeInline(admin.TabularInline):
    """The audit trail of the workflow, read-only."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor", "reason", "version"]
    readonly_fields = fields
    verbose_name_plural = "状态变更记录"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # shown only on a submission page the user may already see


class OverdueFilter(admin.SimpleListFilter):
    """公开时限: the bureau's list of submissions past 批复日期 + 20 days and not yet published."""

    title = "公开时限"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "已逾期未公开")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(pk__in=submissions_overdue().values("pk"))
        return queryset


class SubmissionAdminForm(forms.ModelForm):
    """The submission page's form. Its kind is read-only (a submission added here is a budget),
    so Django's check of the unit–year–kind constraint, which needs every field of it in the
    form, does not run: a second budget of a unit and year is refused here instead."""

    def clean(self):
        cleaned = super().clean()
        unit, year = cleaned.get("unit"), cleaned.get("year")
        if (
            self.instance.pk is None
            and unit is not None
            and year is not None
            and Submission.objects.filter(unit=unit, year=year, kind=SubmissionKind.BUDGET).exists()
        ):
            raise ValidationError(f"{unit.name} {year}年的预算填报已经存在，请在列表中打开它。")
        return cleaned


@admin.register(Submission)
class SubmissionAdmin(BudgetDataAdmin):
    form = SubmissionAdminForm
    submission_attr = ""
    list_display = [
        "unit",
        "year",
        "kind",
        "status",
        "version",
        "approval_date",
        "due",
        "updated_at",
        "audit_link",
    ]
    list_filter = ["year", "kind", "status", OverdueFilter]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]
    #: the budget's own statements of 政府采购, 购买服务 and assets; a 决算 states them on its
    #: 收支情况 page (units.models.FinalFacts), so its page leaves them out
    BUDGET_ONLY_INLINES = (ProcurementInline, PurchasedServiceInline, AssetFactsInline)
    inlines = [
        SubmissionTextInline,
        ProjectInline,
        ProcurementInline,
        PurchasedServiceInline,
        AssetFactsInline,
        GlossaryTermInline,
        StatusChangeInline,
    ]
    actions = ["submit_for_review", "return_to_unit", "approve", "initialise_texts"]
    # The status moves only through the workflow service (the actions); the unit and year of an
    # existing submission never change, and its kind never: a submission added here is a
    # budget, and a 决算 is opened from the published budget (tables.desk.final_open).
    readonly_fields = ["kind", "status", "version", "due", "findings_summary"]

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if obj is not None and obj.is_final:
            return [i for i in inlines if i not in self.BUDGET_ONLY_INLINES]
        return inlines

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # 批复日期 starts the unit's own 公开时限: the unit does not set it. The bureau enters
            # it on the 年度总览 (tables.desk.bureau.approval_date_set); a superuser may correct it.
            fields.append("approval_date")
        return [*fields, "unit", "year"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        workflow = ["status", "version", "approval_date", "due", "findings_summary"]
        rest = [f for f in fieldsets[0][1]["fields"] if f not in workflow]
        return [("审核状态与检查结果", {"fields": workflow}), (None, {"fields": rest})]

    def get_urls(self):
        audit = partial(submission_audit_view, admin_site=self.admin_site)
        return [
            path(
                "<int:pk>/audit/",
                self.admin_site.admin_view(audit),
                name="units_submission_audit",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="变更记录")
    def audit_link(self, obj):
        return format_html(
            '<a href="{}">变更记录</a>', reverse("admin:units_submission_audit", args=[obj.pk])
        )

    @admin.display(description="公开截止日期")
    def due(self, obj):
        day = due_date(obj.approval_date) if obj else None
        return formats.date_format(day, "DATE_FORMAT") if day else "—（未填批复日期）"

    @admin.display(description="勾稽检查")
    def findings_summary(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示"
        findings = submission_findings(obj)
        if not findings:
            return "未发现问题。"
        counts = {}
        for finding in findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        summary = "，".join(f"{severity}{n}项" for severity, n in counts.items())
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            summary,
            format_html_join("", "<li>{}</li>", ((f.line(),) for f in findings)),
        )

    # workflow actions: each calls the one transition service

    #: action → the workflow moves it makes (their roles decide who is offered it)
    ACTION_MOVES = {
        "submit_for_review": (SubmissionStatus.SUBMITTED,),
        "return_to_unit": (SubmissionStatus.RETURNED,),
        "approve": (SubmissionStatus.APPROVED,),
        "initialise_texts": (),  # a 填报人's preparation, not a move
    }

    def get_actions(self, request):
        """Only the actions the user's role may take (the roles of `units.workflow.TRANSITIONS`,
        the table the decision function reads); the service still decides per submission."""
        actions = super().get_actions(request)
        roles = user_roles(request.user)
        for name, targets in self.ACTION_MOVES.items():
            if targets:
                allowed = any(
                    move.roles & roles
                    for (_, to_status), move in TRANSITIONS.items()
                    if to_status in targets
                )
            else:
                allowed = FILLER in roles or request.user.is_superuser
            if not allowed:
                actions.pop(name, None)
        return actions

    def _transition(self, request, queryset, to_status, reason=""):
        for pk in queryset.values_list("pk", flat=True):
            try:
                result = submission_transition(
                    submission_id=pk, actor=request.user, to_status=to_status, reason=reason
                )
            except TransitionRefused as exc:
                self.message_user(request, "；".join(exc.messages), messages.ERROR)
                continue
            submission = result.submission
            self.message_user(
                request,
                f"「{submission}」已改为{submission.get_status_display()}。",
                messages.SUCCESS,
            )
            for warning in result.warnings:
                self.message_user(
                    request, f"「{submission}」请审核人注意：{warning}", messages.WARNING
                )

    @admin.action(description="提交审核")
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, SubmissionStatus.SUBMITTED)

    @admin.action(description="审核通过")
    def approve(self, request, queryset):
        self._transition(request, queryset, SubmissionStatus.APPROVED)

    @admin.action(description="退回（需填写原因）")
    def return_to_unit(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("post") == "yes" and reason:
            self._transition(request, queryset, SubmissionStatus.RETURNED, reason)
            return None
        return TemplateResponse(
            request,
            "admin/units/submission/return_reason.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "退回填报",
                "submissions": queryset,
                "selected": queryset.values_list("pk", flat=True),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "missing_reason": request.POST.get("post") == "yes",
            },
        )

    @admin.action(description="初始化情况说明文字（复制上年，或单位职责与标准名词解释）")
    def initialise_texts(self, request, queryset):
        done = 0
        for submission in queryset.select_related("unit"):
            if not submission_editable_by(request.user, submission):
                self.message_user(
                    request, f"「{submission}」当前不可编辑，已跳过。", messages.ERROR
                )
                continue
            submission_texts_initialise(submission=submission)
            done += 1
        self.message_user(request, f"已为 {done} 个填报初始化情况说明文字（已有的不覆盖）。")


@admin.register(BudgetLine)
class BudgetLineAdmin(BudgetDataAdmin):
    """Lines are listed per submission with pagination, so large units stay usable. Code fields
    are autocompletes limited to the year's active codes (`ClassificationCodeAdmin`)."""

    list_display = [
        "submission",
        "func_code",
        "dept_econ_code",
        "sub_item",
        "gov_econ_code",
        "expense_kind",
        "fund_source",
        "income_type",
        "is_carryover",
        "project",
        "amount",
    ]
    list_filter = [
        "submission__year",
        "expense_kind",
        "fund_source",
        "income_type",
        "is_carryover",
    ]
    # 收入类型 beside 资金来源 (it applies to 单位资金 only, as its help text says) and the
    # 地方细化科目 beside the 款 it details
    fields = [
        "submission",
        "func_code",
        "dept_econ_code",
        "sub_item",
        "gov_econ_code",
        "expense_kind",
        "fund_source",
        "income_type",
        "is_carryover",
        "project",
        "amount",
        "note",
    ]
    list_select_related = [
        "submission__unit",
        "func_code",
        "dept_econ_code",
        "gov_econ_code",
        "project",
    ]
    search_fields = ["func_code__code", "dept_econ_code__code", "project__name"]
    autocomplete_fields = ["func_code", "dept_econ_code", "gov_econ_code"]
    raw_id_fields = ["project"]
    list_per_page = 100


# --- 导入列映射 ----------------------------------------------------------------------------


class ImportHeaderMappingForm(forms.ModelForm):
    """The admin's form checks a mapping as the desk's 保存为映射 does (one function), so a
    malformed mapping never reaches the units that pick it."""

    class Meta:
        model = ImportHeaderMapping
        fields = ["name", "columns", "amount_unit"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        from units.header_mapping_services import header_mapping_clean

        try:
            data["name"], data["columns"] = header_mapping_clean(
                name=data.get("name", ""),
                columns=data.get("columns"),
                amount_unit=data.get("amount_unit", ""),
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return data


@admin.register(ImportHeaderMapping)
class ImportHeaderMappingAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    """The bureau's saved column mappings of line-level Excel files: every role reads them,
    only who `header_mapping_save_refusal` allows (财政管理员) adds, changes or deletes one."""

    list_display = ["name", "amount_unit", "updated_by", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["updated_by", "updated_at"]
    fields = ["name", "columns", "amount_unit", "updated_by", "updated_at"]
    form = ImportHeaderMappingForm

    def has_view_permission(self, request, obj=None):
        return bool(user_roles(request.user))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def _may_save(self, request):
        return header_mapping_save_refusal(request.user) is None

    def has_add_permission(self, request):
        return self._may_save(request)

    def has_change_permission(self, request, obj=None):
        return self._may_save(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_save(request)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
