"""Admin (Chinese) for budget data entry. Thin: validation lives in the models/validation module.

Object-level permissions, the review workflow and the audit trail come with the workflow issue;
until then only staff users reach the admin at all.
"""

from django.contrib import admin

from units.models import (
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    Department,
    EconomicMapping,
    GlossaryTerm,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
    SubmissionText,
)
from units.services import submission_texts_initialise

admin.site.site_header = "单位预算公开系统"
admin.site.site_title = "单位预算公开系统"
admin.site.index_title = "数据填报与管理"


@admin.register(ClassificationCode)
class ClassificationCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "year", "level", "is_active", "version"]
    list_filter = ["scheme", "year", "level", "is_active"]
    search_fields = ["code", "name"]


@admin.register(EconomicMapping)
class EconomicMappingAdmin(admin.ModelAdmin):
    list_display = ["year", "mapping_kind", "dept_code", "gov_code"]
    list_filter = ["year", "mapping_kind"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(BudgetUnit)
class BudgetUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "department"]
    list_filter = ["kind"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]


class ProjectInline(admin.TabularInline):
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


class ProcurementInline(admin.TabularInline):
    model = ProcurementItem
    extra = 0


class PurchasedServiceInline(admin.TabularInline):
    model = PurchasedService
    extra = 0


class AssetFactsInline(admin.StackedInline):
    model = AssetFacts
    extra = 0
    max_num = 1


class SubmissionTextInline(admin.StackedInline):
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


class GlossaryTermInline(admin.TabularInline):
    model = GlossaryTerm
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "updated_at"]
    list_filter = ["year"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]
    inlines = [
        SubmissionTextInline,
        ProjectInline,
        ProcurementInline,
        PurchasedServiceInline,
        AssetFactsInline,
        GlossaryTermInline,
    ]
    actions = ["initialise_texts"]

    @admin.action(description="初始化情况说明文字（复制上年，或单位职责与标准名词解释）")
    def initialise_texts(self, request, queryset):
        for submission in queryset.select_related("unit"):
            submission_texts_initialise(submission=submission)
        self.message_user(
            request, f"已为 {queryset.count()} 个填报初始化情况说明文字（已有的不覆盖）。"
        )


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    """Lines are listed per submission with pagination, so large units stay usable."""

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
    raw_id_fields = ["func_code", "dept_econ_code", "gov_econ_code", "project"]
    list_per_page = 100
