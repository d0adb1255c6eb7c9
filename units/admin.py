"""Admin (Chinese) for budget data entry. Thin: validation lives in the models/validation module,
workflow moves in `units.services.submission_transition`.

Object-level permissions (`units.permissions`) apply to every budget-data admin here and in
`performance.admin` through `SubmissionScopedMixin`: querysets are limited to visible
submissions, change/add/delete to editable ones (填报人 of the unit, 草稿/已退回 only), and
foreign-key choices to editable submissions and their projects, so a forged POST naming another
unit's ids is refused by form validation. `status` is never a form field.

Every budget-data admin derives from `BudgetDataAdmin`, which adds to that scoping the audit
trail's history pages (`ScopedHistoryAdmin`: shown only for objects the user may see, revert
only when the user may edit, workflow fields never reverted) and optimistic locking of the
change forms (`units.concurrency`). The per-submission 变更记录 page is
`units.audit_views.submission_audit_view`, wired in `SubmissionAdmin.get_urls`.
"""

import operator
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from units.audit_views import submission_audit_view
from units.concurrency import OptimisticLockMixin
from units.models import (
    AccessChange,
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    EconomicMapping,
    GlossaryTerm,
    ProcurementItem,
    Project,
    PurchasedService,
    StatusChange,
    Submission,
    SubmissionStatus,
    SubmissionText,
    UnitAssignment,
)
from units.permissions import (
    ADMIN,
    ROLES,
    submission_editable_by,
    submission_visible_by,
    user_may_manage_access,
    user_roles,
    user_sees_all_units,
    user_unit_ids,
)
from units.selectors import (
    LEVEL_FOR_SCHEME,
    submissions_editable_by,
    submissions_overdue,
    submissions_visible_to,
)
from units.services import (
    TransitionRefused,
    submission_texts_initialise,
    submission_transition,
    user_access_record,
    user_access_snapshot,
    user_role_check,
)
from units.workflow import due_date, submission_findings

admin.site.site_header = "单位预算公开系统"
admin.site.site_title = "单位预算公开系统"
admin.site.index_title = "数据填报与管理"


# --- object-level permissions ---------------------------------------------------------------


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the current value only when it is one of the field's choices.

    Django's widget looks the value up through the model's default manager, so a re-rendered
    form with a forged id (another unit's project) would print that object's name.
    """

    def __init__(self, rel, admin_site, choices, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.choices_queryset = choices

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            allowed = self.choices_queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            allowed = False
        return super().label_and_url_for_value(value) if allowed else ("", "")


class SubmissionScopedMixin:
    """Scope a ModelAdmin or inline to the submissions the user may see and edit.

    `submission_attr` is the dotted path from the admin's object (for an inline: from its parent
    object) to its Submission; "" when the object is the Submission itself.
    """

    submission_attr = "submission"

    def submission_of(self, obj):
        if not self.submission_attr:
            return obj
        return operator.attrgetter(self.submission_attr)(obj)

    def _is_inline(self):
        return isinstance(self, admin.options.InlineModelAdmin)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._is_inline():
            return qs  # the parent's queryset is already scoped
        lookup = (
            f"{self.submission_attr.replace('.', '__')}__in" if self.submission_attr else "pk__in"
        )
        return qs.filter(**{lookup: submissions_visible_to(user=request.user).values("pk")})

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or submission_visible_by(request.user, self.submission_of(obj))

    def _may_edit(self, request, obj):
        if obj is None or getattr(obj, "pk", None) is None:
            return True
        return submission_editable_by(request.user, self.submission_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def has_add_permission(self, request, *args):
        if not super().has_add_permission(request, *args):
            return False
        if self._is_inline():
            return self._may_edit(request, args[0] if args else None)
        if self.submission_attr == "":
            return True  # a new, empty submission (管理员)
        return submissions_editable_by(user=request.user).exists()

    #: Rows an inline shows and accepts in one POST: a forged TOTAL_FORMS cannot make the
    #: server build and render thousands of forms (Django's own limit is max_num + 1000, i.e.
    #: 2000). Larger units use the Excel import.
    max_num = 500
    absolute_max = 500

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.absolute_max)
        formset = super().get_formset(request, obj, **kwargs)
        if self.submission_attr == "" and obj is not None:
            # Rows on a submission's page may name only that submission's projects.
            for field in formset.form.base_fields.values():
                queryset = getattr(field, "queryset", None)
                if queryset is not None and queryset.model is Project:
                    field.queryset = queryset.filter(submission=obj)
                    # Read once: every row's <select> would otherwise query again.
                    field.choices = list(field.choices)
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        editable = submissions_editable_by(user=request.user)
        if model is Submission:
            kwargs["queryset"] = editable.select_related("unit")
        elif model is Project:
            kwargs["queryset"] = Project.objects.filter(submission__in=editable.values("pk"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, ForeignKeyRawIdWidget):
            field.widget = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, field.queryset, using=kwargs.get("using")
            )
        return field


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """The audit trail's history list, detail and revert pages, scoped like the change page.

    simple-history's own views look the object up in the history table (so an object of a unit
    the user may not see would answer 403 instead of "not found") and let anyone who may *view*
    an object POST a revert. Here the object must be in the admin's scoped queryset (otherwise
    the same redirect as a missing object), the version must belong to it, a revert needs the
    change permission (editable submission), and a revert restores only the fields of the form:
    workflow fields (状态, 版本), unit and year keep their current values.
    """

    object_history_form_template = "admin/units/object_history_form.html"

    def _visible_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, str(obj.pk), extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not str(version_id).isdigit() or not (
            self.model.history.filter(id=obj.pk, history_id=int(version_id)).exists()
        ):
            raise Http404("没有这个版本")
        if request.method == "POST":
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
            request._history_revert_current = obj
            with transaction.atomic():
                return super().history_form_view(request, str(obj.pk), version_id, extra_context)
        return super().history_form_view(request, str(obj.pk), version_id, extra_context)

    def save_form(self, request, form, change):
        new_object = super().save_form(request, form, change)
        current = getattr(request, "_history_revert_current", None)
        if current is not None and current.pk == new_object.pk:
            for field in self.model._meta.concrete_fields:
                if field.name not in form.fields and not field.primary_key:
                    setattr(new_object, field.attname, getattr(current, field.attname))
        return new_object


class BudgetDataAdmin(OptimisticLockMixin, SubmissionScopedMixin, ScopedHistoryAdmin):
    """Base of the budget-data ModelAdmins: scoped to the user's submissions, with the audit
    trail's history pages and optimistic locking of the change form."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            submission_id = self.submission_id_of(obj)
            if submission_id is not None:
                context["audit_url"] = reverse("admin:units_submission_audit", args=[submission_id])
        return super().render_change_form(request, context, add, change, form_url, obj)


class PermissionBeforeLookupMixin:
    """Refuse the history page before looking the object up when the user may not view the
    model at all. Django's `history_view` looks first, so an id that exists answered 403 and
    one that does not answered "not found": a user without the permission could tell which
    assignments, users or groups exist."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class UnitScopedMixin(PermissionBeforeLookupMixin):
    """Units and departments: 管理员 see all; 填报人/审核人 only their assigned units'."""

    unit_lookup = "pk"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if user_sees_all_units(request.user):
            return qs
        return qs.filter(**{f"{self.unit_lookup}__in": user_unit_ids(request.user)}).distinct()


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
    list_display = ["code", "name", "scheme", "year", "level", "is_active", "version"]
    list_filter = ["scheme", "year", "level", "is_active"]
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


@admin.register(BudgetUnit)
class BudgetUnitAdmin(UnitScopedMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "department"]
    list_filter = ["kind"]
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
            {
                "fields": [
                    "revenue_change_reason",
                    "expense_change_reason",
                    "general_public_change_reason",
                    "sangong_change_reason",
                    "outbound_change_reason",
                    "reception_change_reason",
                    "vehicle_change_reason",
                    "vehicle_purchase_change_reason",
                    "vehicle_operation_change_reason",
                    "operating_costs_change_reason",
                ]
            },
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


@admin.register(Submission)
class SubmissionAdmin(BudgetDataAdmin):
    submission_attr = ""
    list_display = [
        "unit",
        "year",
        "status",
        "version",
        "approval_date",
        "due",
        "updated_at",
        "audit_link",
    ]
    list_filter = ["year", "status", OverdueFilter]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]
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
    # existing submission never change.
    readonly_fields = ["status", "version", "due", "findings_summary"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # 批复日期 starts the unit's own 公开时限: the unit does not set it. 审核通过 records
            # it (units.services.submission_transition); a superuser may correct it.
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
        return day.isoformat() if day else "—（未填批复日期）"

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


class AccessManagedMixin(PermissionBeforeLookupMixin):
    """People admins: anyone with the model's view permission (财政管理员) may look; adding,
    changing and deleting need `units.permissions.user_may_manage_access` — a superuser, or
    the 用户管理 permission, never for one's own account or a superuser's. Every change of
    access is written to the access audit (`AccessChange`)."""

    def _access_target(self, obj):
        return obj

    def has_add_permission(self, request):
        return user_may_manage_access(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        target = self._access_target(obj) if obj is not None else None
        return user_may_manage_access(request.user, target) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        target = self._access_target(obj) if obj is not None else None
        return user_may_manage_access(request.user, target) and super().has_delete_permission(
            request, obj
        )


@admin.register(UnitAssignment)
class UnitAssignmentAdmin(AccessManagedMixin, admin.ModelAdmin):
    """Who works on which unit. Saving also sets `is_staff` (needed to log in to the admin)."""

    list_display = ["user", "unit"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "unit__code", "unit__name"]

    def _access_target(self, obj):
        return obj.user

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class AccessCheckedForm(form):
            def clean(self):
                data = super().clean()
                user = data.get("user")
                if user is not None and not user_may_manage_access(actor, user):
                    raise ValidationError(
                        "不能更改自己或超级用户的负责单位：请由另一位有用户管理权限的人操作。"
                    )
                return data

        return AccessCheckedForm

    def save_model(self, request, obj, form, change):
        users = {obj.user_id}
        if change and form.initial.get("user"):
            users.add(form.initial["user"])
        befores = {pk: user_access_snapshot(get_user_model()(pk=pk)) for pk in users}
        super().save_model(request, obj, form, change)
        if not obj.user.is_staff:
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])
        for pk, before in befores.items():
            user = get_user_model().objects.get(pk=pk)
            user_access_record(actor=request.user, user=user, before=before)

    def delete_model(self, request, obj):
        before = user_access_snapshot(obj.user)
        super().delete_model(request, obj)
        user_access_record(actor=request.user, user=obj.user, before=before)

    def delete_queryset(self, request, queryset):
        users = {a.user for a in queryset.select_related("user")}
        befores = {u.pk: user_access_snapshot(u) for u in users}
        super().delete_queryset(request, queryset)
        for user in users:
            user_access_record(actor=request.user, user=user, before=befores[user.pk])


@admin.register(AccessChange)
class AccessChangeAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    """The access audit: read only, for 财政管理员 and superusers."""

    list_display = ["at", "username", "change", "actor"]
    list_select_related = ["actor"]
    list_filter = ["at"]
    search_fields = ["username", "change"]

    def has_view_permission(self, request, obj=None):
        return ADMIN in user_roles(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BudgetLine)
class BudgetLineAdmin(BudgetDataAdmin):
    """Lines are listed per submission with pagination, so large units stay usable. Code fields
    are autocompletes limited to the year's active codes (`ClassificationCodeAdmin`)."""

    list_display = [
        "submission",
        "func_code",
        "dept_econ_code",
        "gov_econ_code",
        "expense_kind",
        "fund_source",
        "is_carryover",
        "project",
        "amount",
    ]
    list_filter = ["submission__year", "expense_kind", "fund_source", "is_carryover"]
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


# Users and groups (财政管理员): Django's own admins, with the history page refused before the
# lookup like the others here.


class BudgetUserAdmin(AccessManagedMixin, UserAdmin):
    """Users: 财政管理员 see them; changing roles, units, groups, flags or permissions needs
    `user_may_manage_access` (a superuser, or 用户管理 for other ordinary accounts). Only a
    superuser grants superuser status or single permissions; a user holds at most one role;
    every change is audited."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            # the three roles only: any other group could carry permissions (用户管理 too)
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class OneRoleForm(form):
            def clean(self):
                data = super().clean()
                groups = data.get("groups")
                if groups is not None:
                    try:
                        user_role_check(user=self.instance, groups=list(groups))
                    except ValidationError as exc:
                        self.add_error("groups", exc)
                return data

        return OneRoleForm

    def save_model(self, request, obj, form, change):
        request._access_before = user_access_snapshot(obj) if change and obj.pk else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_access_record(
            actor=request.user,
            user=form.instance,
            before=getattr(request, "_access_before", {}),
        )


class BudgetGroupAdmin(PermissionBeforeLookupMixin, GroupAdmin):
    """Groups carry permissions, so only a superuser adds, changes or deletes them (anyone else
    could put 用户管理 or more into their own group)."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


for _model, _model_admin in ((get_user_model(), BudgetUserAdmin), (Group, BudgetGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
