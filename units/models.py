"""Budget units, submissions, budget lines and the versioned classification codes they use.

All amounts are in 元 (`MoneyField`: exact Decimal, stored as integer 分). Free text that people
type (names, descriptions, reasons) refuses text a spreadsheet would run as a formula
(`units.formula_text.validate_not_formula`); codes and choices need no such rule.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from units.choices import CodeScheme, ExpenseKind, UnitIncomeType
from units.formula_text import validate_not_formula
from units.immutability import PublishedGuardedModel, PublishedGuardQuerySet
from units.money import MoneyField, non_negative
from units.texts import reason_text_validator


class ClassificationCode(models.Model):
    """One code of one year's official classification list.

    Codes are never hard-deleted: a code missing from a newer import of the same year is
    marked retired, and each year has its own rows, so a budget line keeps the code (and name)
    it was entered with even when a later year reuses the number with another meaning.
    """

    scheme = models.CharField("分类", max_length=12, choices=CodeScheme.choices)
    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("科目编码", max_length=16)
    name = models.CharField("科目名称", max_length=100, validators=[validate_not_formula])
    level = models.PositiveSmallIntegerField("级次", help_text="1=类，2=款，3=项")
    parent_code = models.CharField("上级编码", max_length=16, blank=True)
    is_active = models.BooleanField("有效", default=True)
    version = models.CharField("版本", max_length=60, blank=True)
    # A code a 财政管理员 accepted into the year's table from an imported file (`code##name`),
    # rather than loaded from the bundled or an official list: who and when, for the audit.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)

    class Meta:
        verbose_name = "分类科目"
        verbose_name_plural = "分类科目"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year", "code"], name="uniq_code_per_year")
        ]
        ordering = ["scheme", "year", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class UnitKind(models.TextChoices):
    ADMINISTRATIVE = "admin", "行政单位"
    CIVIL_SERVICE_MANAGED = "civil", "参公事业单位"
    INSTITUTION = "institution", "事业单位"


class EconomicMapping(models.Model):
    """Default 部门经济科目 → 政府经济科目 pairing for a kind of unit (行政/参公 or 事业)."""

    year = models.PositiveSmallIntegerField("年度")
    mapping_kind = models.CharField(
        "适用单位",
        max_length=12,
        choices=[("admin", "行政/参公单位"), ("institution", "事业单位")],
    )
    dept_code = models.CharField("部门经济科目", max_length=16)
    gov_code = models.CharField("政府经济科目", max_length=16)

    class Meta:
        verbose_name = "经济科目对应关系"
        verbose_name_plural = "经济科目对应关系"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "mapping_kind", "dept_code"], name="uniq_econ_mapping"
            )
        ]

    def __str__(self):
        return f"{self.dept_code} → {self.gov_code}"


class Department(models.Model):
    """主管部门: the department a budget unit reports to."""

    code = models.CharField("部门编码", max_length=20, unique=True)
    name = models.CharField("部门名称", max_length=100, validators=[validate_not_formula])

    class Meta:
        verbose_name = "主管部门"
        verbose_name_plural = "主管部门"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}-{self.name}"


class BudgetUnit(models.Model):
    code = models.CharField("单位编码", max_length=20, unique=True)
    name = models.CharField("单位名称", max_length=100, validators=[validate_not_formula])
    kind = models.CharField("单位性质", max_length=12, choices=UnitKind.choices)
    department = models.ForeignKey(
        Department, verbose_name="主管部门", on_delete=models.PROTECT, related_name="units"
    )
    # 部门预算: the one unit of a 主管部门 whose disclosure adds up its member units (the other
    # units of the department); it has no budget lines of its own. 本级 marks the department's
    # own office among the members (listed first in the 分单位 tables).
    consolidates_department = models.BooleanField("部门汇总单位", default=False)
    is_headquarters = models.BooleanField("部门本级", default=False)
    internal_departments = models.PositiveIntegerField("内设职能部门数", default=0)
    subordinate_units = models.PositiveIntegerField("所属预算单位数", default=0)
    authorized_staff = models.PositiveIntegerField("核定编制数", default=0)
    actual_staff = models.PositiveIntegerField("实际在职人员总数", default=0)
    on_payroll_staff = models.PositiveIntegerField("其中：在编人员数", default=0)
    other_staff = models.PositiveIntegerField("其他人员数", default=0)
    duties = models.TextField("本单位职责", blank=True, validators=[validate_not_formula])
    organisation = models.TextField("机构设置情况", blank=True, validators=[validate_not_formula])

    class Meta:
        verbose_name = "预算单位"
        verbose_name_plural = "预算单位"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(consolidates_department=True),
                name="uniq_department_summary_unit",
            )
        ]

    def __str__(self):
        return f"{self.code}-{self.name}"

    @property
    def has_operating_costs(self) -> bool:
        """机关运行经费 is reported by 行政 units and 参公 units only."""
        return self.kind in (UnitKind.ADMINISTRATIVE, UnitKind.CIVIL_SERVICE_MANAGED)


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"
    PUBLISHED = "published", "已发布"


class SubmissionKind(models.TextChoices):
    """What a submission discloses: the year's 预算 (spring) or its 决算 (the following year)."""

    BUDGET = "budget", "预算"
    FINAL = "final", "决算"


class Submission(PublishedGuardedModel, models.Model):
    """One unit's budget (or 决算) for one year: the thing that is checked, reviewed and
    published. A 决算 submission (`kind` = final) starts as a copy of the year's budget lines
    and projects (`BudgetLine.planned_amount` keeps the 年初预算, `amount` holds the 决算数)."""

    unit = models.ForeignKey(
        BudgetUnit, verbose_name="预算单位", on_delete=models.PROTECT, related_name="submissions"
    )
    year = models.PositiveSmallIntegerField("预算年度")
    kind = models.CharField(
        "公开类型", max_length=8, choices=SubmissionKind.choices, default=SubmissionKind.BUDGET
    )
    # Prior-year figures the narrative compares against (entered; a later issue also reads
    # them from last year's submission when it exists).
    prior_total = MoneyField("上年预算收支总计", null=True, blank=True, validators=[non_negative])
    prior_general_current = MoneyField(
        "上年一般公共预算当年拨款", null=True, blank=True, validators=[non_negative]
    )
    prior_outbound = MoneyField(
        "上年因公出国（境）费", null=True, blank=True, validators=[non_negative]
    )
    prior_reception = MoneyField("上年公务接待费", null=True, blank=True, validators=[non_negative])
    prior_vehicle_purchase = MoneyField(
        "上年公务用车购置费", null=True, blank=True, validators=[non_negative]
    )
    prior_vehicle_operation = MoneyField(
        "上年公务用车运行维护费", null=True, blank=True, validators=[non_negative]
    )
    prior_operating_costs = MoneyField(
        "上年机关运行经费", null=True, blank=True, validators=[non_negative]
    )
    # Workflow (`units.workflow`): the status only ever changes through
    # `units.services.submission_transition`, never through a form.
    status = models.CharField(
        "状态", max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    approval_date = models.DateField(
        "批复日期", null=True, blank=True, help_text="预算批复之日；公开时限为批复后20日内。"
    )
    # 更正: a published submission is reopened on the same row as a new draft with version n+1;
    # version n stays available as the artifacts stored when it was published.
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    # units.immutability: published data (and this row, but for its workflow fields) is frozen
    published_guard_paths = ("",)
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "预算公开填报"
        verbose_name_plural = "预算公开填报"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "kind"], name="uniq_submission_unit_year_kind"
            )
        ]
        ordering = ["-year", "unit__code"]

    def __str__(self):
        if self.kind == SubmissionKind.FINAL:
            return f"{self.unit.name} {self.year}年决算"
        return f"{self.unit.name} {self.year}年"

    @property
    def is_final(self) -> bool:
        return self.kind == SubmissionKind.FINAL


class ProjectCategory(models.TextChoices):
    OPERATING = "operating", "其他运转类"
    SPECIFIC = "specific", "特定目标类"


class ProjectRecurrence(models.TextChoices):
    RECURRING = "recurring", "经常性项目"
    ONE_OFF = "one_off", "一次性项目"


class Project(PublishedGuardedModel, models.Model):
    """A 二级项目 row of 表十二/表十三.

    One project may carry several allocations (the seed lists 无固定收入代表履职补贴 twice,
    40.00 and 11.57): the later rows point to the main row with `allocation_of` and share its
    performance target.
    """

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField("项目名称", max_length=200, validators=[validate_not_formula])
    #: 项目类别 and 项目属性 are printed only by sets that need them
    #: (`TableSet.needs_project_attributes`); blank elsewhere
    category = models.CharField(
        "项目类别", max_length=12, choices=ProjectCategory.choices, blank=True, default=""
    )
    recurrence = models.CharField(
        "项目属性", max_length=12, choices=ProjectRecurrence.choices, blank=True, default=""
    )
    period_years = models.PositiveSmallIntegerField("项目期（年）", default=1)
    allocation_of = models.ForeignKey(
        "self",
        verbose_name="追加批次所属项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extra_allocations",
    )
    allocation_note = models.CharField(
        "资金批次说明", max_length=200, blank=True, validators=[validate_not_formula]
    )
    position = models.PositiveIntegerField("排序", default=0)

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.allocation_of_id and self.allocation_of.submission_id != self.submission_id:
            raise ValidationError({"allocation_of": "所属项目必须属于同一填报。"})


class FundSource(models.TextChoices):
    GENERAL = "general", "一般公共预算"
    GOV_FUND = "gov_fund", "政府性基金预算"
    STATE_CAPITAL = "state_capital", "国有资本经营预算"
    SPECIAL_ACCOUNT = "special_account", "财政专户管理资金"
    UNIT_FUNDS = "unit_funds", "单位资金"


#: Fund sources that count as 财政拨款.
FISCAL_FUND_SOURCES = (FundSource.GENERAL, FundSource.GOV_FUND, FundSource.STATE_CAPITAL)


class BudgetLine(PublishedGuardedModel, models.Model):
    """One approved amount: where it goes (功能/经济科目), what kind, from which fund."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="lines"
    )
    func_code = models.ForeignKey(
        ClassificationCode,
        verbose_name="功能科目",
        on_delete=models.PROTECT,
        related_name="+",
    )
    dept_econ_code = models.ForeignKey(
        ClassificationCode,
        verbose_name="部门经济科目",
        on_delete=models.PROTECT,
        related_name="+",
    )
    gov_econ_code = models.ForeignKey(
        ClassificationCode,
        verbose_name="政府经济科目",
        on_delete=models.PROTECT,
        related_name="+",
    )
    expense_kind = models.CharField("支出类型", max_length=12, choices=ExpenseKind.choices)
    fund_source = models.CharField(
        "资金来源", max_length=16, choices=FundSource.choices, default=FundSource.GENERAL
    )
    income_type = models.CharField(
        "收入类型",
        max_length=12,
        choices=UnitIncomeType.choices,
        blank=True,
        default="",
        help_text="仅单位资金填写；留空按其他收入。",
    )
    is_carryover = models.BooleanField("上年结转", default=False)
    project = models.ForeignKey(
        Project,
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    amount = MoneyField("金额（元）", validators=[non_negative])
    # On a 决算 submission only: the line's 年初预算 as published (copied from the budget, never
    # typed) and its 调整预算 (全年预算数, the 年初预算 unless the unit enters an adjustment);
    # `amount` is then the 决算数. Null on a budget submission.
    planned_amount = MoneyField(
        "年初预算（元）", null=True, blank=True, editable=False, validators=[non_negative]
    )
    adjusted_amount = MoneyField("调整预算（元）", null=True, blank=True, validators=[non_negative])
    # 地方细化科目: a local sub-item under the national 部门经济科目 款 (Shanghai lists several
    # named rows under 30299); rolled up to the 款 for every national check.
    sub_item = models.CharField(
        "地方细化科目", max_length=100, blank=True, validators=[validate_not_formula]
    )
    note = models.CharField("备注", max_length=200, blank=True, validators=[validate_not_formula])

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "预算明细"
        verbose_name_plural = "预算明细"
        ordering = ["id"]

    def __str__(self):
        return f"{self.func_code.code} {self.dept_econ_code.code} {self.amount}"

    def clean(self):
        from units.validation import budget_line_errors

        errors = budget_line_errors(self)
        if errors:
            raise ValidationError(errors)


class ProcurementKind(models.TextChoices):
    GOODS = "goods", "货物"
    WORKS = "works", "工程"
    SERVICES = "services", "服务"


class ProcurementItem(PublishedGuardedModel, models.Model):
    """政府采购预算 item."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="procurements"
    )
    kind = models.CharField("采购类别", max_length=10, choices=ProcurementKind.choices)
    name = models.CharField("采购项目", max_length=200, validators=[validate_not_formula])
    project = models.ForeignKey(
        Project, verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT
    )
    amount = MoneyField("金额（元）", validators=[non_negative])

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "政府采购预算"
        verbose_name_plural = "政府采购预算"
        ordering = ["id"]

    def __str__(self):
        return self.name


class PurchasedService(PublishedGuardedModel, models.Model):
    """政府购买服务 item (表十四, shown in 元)."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="purchased_services"
    )
    project_name = models.CharField("项目", max_length=200, validators=[validate_not_formula])
    includes_procurement = models.BooleanField("是否包含政府采购", default=False)
    content = models.CharField(
        "政府购买服务内容", max_length=300, validators=[validate_not_formula]
    )
    quantity = models.CharField(
        "购买数量", max_length=60, blank=True, validators=[validate_not_formula]
    )
    amount = MoneyField("购买金额（元）", validators=[non_negative])
    fund_source = models.CharField(
        "资金来源", max_length=16, choices=FundSource.choices, default=FundSource.GENERAL
    )

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "政府购买服务"
        verbose_name_plural = "政府购买服务"
        ordering = ["id"]

    def __str__(self):
        return self.content


class AssetFacts(PublishedGuardedModel, models.Model):
    """国有资产占有使用情况 as at `as_of` (31 December of the prior year when not entered)."""

    submission = models.OneToOneField(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="assets"
    )
    as_of = models.DateField(
        "资产数据截止日期", null=True, blank=True, help_text="留空为上年12月31日。"
    )
    vehicles_quota = models.PositiveIntegerField("公务用车编制数", default=0)
    vehicles_leader = models.PositiveIntegerField("领导用车", default=0)
    vehicles_confidential = models.PositiveIntegerField("机要通信用车", default=0)
    vehicles_emergency = models.PositiveIntegerField("应急保障用车", default=0)
    vehicles_law_enforcement = models.PositiveIntegerField("执法执勤用车", default=0)
    vehicles_special = models.PositiveIntegerField("特种专业技术用车", default=0)
    vehicles_institution = models.PositiveIntegerField("事业单位业务用车", default=0)
    vehicles_other = models.PositiveIntegerField("其他公务用车", default=0)
    office_area_m2 = models.DecimalField(
        "办公用房建筑面积（平方米）", max_digits=12, decimal_places=2, default=0
    )
    equipment_over_500k = models.PositiveIntegerField("单价50万元以上通用设备（台套）", default=0)
    equipment_over_1m = models.PositiveIntegerField("单价100万元以上通用设备（台套）", default=0)

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "国有资产情况"
        verbose_name_plural = "国有资产情况"

    def __str__(self):
        return f"{self.submission} 国有资产"

    @property
    def vehicles_total(self) -> int:
        return (
            self.vehicles_leader
            + self.vehicles_confidential
            + self.vehicles_emergency
            + self.vehicles_law_enforcement
            + self.vehicles_special
            + self.vehicles_institution
            + self.vehicles_other
        )


class FinalFacts(PublishedGuardedModel, models.Model):
    """What a 决算 adds to its lines: actual income by source, 年初/年末结转和结余 by fund, the
    expenditure outside the lines, the 三公 counts, 政府采购 actuals and year-end assets.

    The 决算 expenditure itself is the lines' `amount`; 三公 and 机关运行经费 amounts are derived
    from those lines exactly as in the budget; only the counts are entered here."""

    submission = models.OneToOneField(
        Submission, verbose_name="决算填报", on_delete=models.CASCADE, related_name="final_facts"
    )
    # 年初结转和结余 (prefilled from last year's 决算 年末 when it exists)
    opening_general = MoneyField(
        "年初结转和结余：一般公共预算", default=0, validators=[non_negative]
    )
    opening_gov_fund = MoneyField(
        "年初结转和结余：政府性基金预算", default=0, validators=[non_negative]
    )
    opening_state_capital = MoneyField(
        "年初结转和结余：国有资本经营预算", default=0, validators=[non_negative]
    )
    opening_other = MoneyField("年初结转和结余：其他资金", default=0, validators=[non_negative])
    # 本年收入
    income_general = MoneyField("一般公共预算财政拨款收入", default=0, validators=[non_negative])
    income_gov_fund = MoneyField("政府性基金预算财政拨款收入", default=0, validators=[non_negative])
    income_state_capital = MoneyField(
        "国有资本经营预算财政拨款收入", default=0, validators=[non_negative]
    )
    income_superior = MoneyField("上级补助收入", default=0, validators=[non_negative])
    income_business = MoneyField("事业收入", default=0, validators=[non_negative])
    income_operating = MoneyField("经营收入", default=0, validators=[non_negative])
    income_subordinate = MoneyField("附属单位上缴收入", default=0, validators=[non_negative])
    income_other = MoneyField("其他收入", default=0, validators=[non_negative])
    # 本年支出 outside the lines (the lines are 基本支出 and 项目支出)
    expense_to_superior = MoneyField("上缴上级支出", default=0, validators=[non_negative])
    expense_operating = MoneyField("经营支出", default=0, validators=[non_negative])
    expense_subsidiary = MoneyField("对附属单位补助支出", default=0, validators=[non_negative])
    # 年末结转和结余 (entered from the accounts; checked: 年初 + 收入 − 支出 = 年末, per fund)
    closing_general = MoneyField(
        "年末结转和结余：一般公共预算", default=0, validators=[non_negative]
    )
    closing_gov_fund = MoneyField(
        "年末结转和结余：政府性基金预算", default=0, validators=[non_negative]
    )
    closing_state_capital = MoneyField(
        "年末结转和结余：国有资本经营预算", default=0, validators=[non_negative]
    )
    closing_other = MoneyField("年末结转和结余：其他资金", default=0, validators=[non_negative])
    # 三公 counts (the amounts come from the lines)
    outbound_groups = models.PositiveIntegerField("因公出国（境）团组数", default=0)
    outbound_persons = models.PositiveIntegerField("因公出国（境）人次", default=0)
    vehicles_purchased = models.PositiveIntegerField("公务用车购置数（辆）", default=0)
    vehicles_held = models.PositiveIntegerField("公务用车保有量（辆）", default=0)
    reception_batches = models.PositiveIntegerField("国内公务接待批次", default=0)
    reception_persons = models.PositiveIntegerField("国内公务接待人次", default=0)
    # 政府采购 actuals
    procurement_goods = MoneyField("政府采购：货物", default=0, validators=[non_negative])
    procurement_works = MoneyField("政府采购：工程", default=0, validators=[non_negative])
    procurement_services = MoneyField("政府采购：服务", default=0, validators=[non_negative])
    procurement_sme = MoneyField("授予中小企业合同金额", default=0, validators=[non_negative])
    # 国有资产 at 31 December of the year
    vehicles_total = models.PositiveIntegerField("年末车辆（辆）", default=0)
    equipment_over_500k = models.PositiveIntegerField("单价50万元以上通用设备（台套）", default=0)
    special_equipment_over_1m = models.PositiveIntegerField(
        "单价100万元以上专用设备（台套）", default=0
    )
    #: the demo's 决算 is made up from its budget: the document says so on its cover
    is_synthetic = models.BooleanField("演示数据（合成）", default=False)

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "决算收支情况"
        verbose_name_plural = "决算收支情况"

    def __str__(self):
        return f"{self.submission} 收支情况"


class FinalReason(PublishedGuardedModel, models.Model):
    """The unit's reason for one difference between 决算 and 年初预算 that the narrative prints
    (a 功能分类 项, a 三公 item, 机关运行经费, the totals), keyed as the derivation names it
    (`tables.figures.final`: "func:2010101", "sangong:outbound", "operating_costs", …)."""

    submission = models.ForeignKey(
        Submission, verbose_name="决算填报", on_delete=models.CASCADE, related_name="final_reasons"
    )
    key = models.CharField("差异项", max_length=40)
    reason = models.TextField("差异原因", validators=[reason_text_validator])

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "决算差异原因"
        verbose_name_plural = "决算差异原因"
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "key"], name="uniq_final_reason_key")
        ]

    def __str__(self):
        return f"{self.submission} {self.key}"


class SubmissionText(PublishedGuardedModel, models.Model):
    """The texts a unit enters for its disclosure (概况 and the reasons of 情况说明), kept per
    submission so that last year's disclosure keeps its own words. Every figure around them is
    derived; see `tables.document.narrative`."""

    submission = models.OneToOneField(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="texts"
    )
    duties = models.TextField("本单位职责", blank=True, validators=[validate_not_formula])
    organisation = models.TextField("机构设置情况", blank=True, validators=[validate_not_formula])
    revenue_change_reason = models.TextField(
        "收入变动原因", blank=True, validators=[reason_text_validator]
    )
    expense_change_reason = models.TextField(
        "支出变动原因", blank=True, validators=[reason_text_validator]
    )
    general_public_change_reason = models.TextField(
        "一般公共预算当年支出变动原因", blank=True, validators=[reason_text_validator]
    )
    sangong_change_reason = models.TextField(
        "“三公”经费变动原因", blank=True, validators=[reason_text_validator]
    )
    outbound_change_reason = models.TextField(
        "因公出国（境）费变动原因", blank=True, validators=[reason_text_validator]
    )
    reception_change_reason = models.TextField(
        "公务接待费变动原因", blank=True, validators=[reason_text_validator]
    )
    vehicle_change_reason = models.TextField(
        "公务用车购置及运行费变动原因", blank=True, validators=[reason_text_validator]
    )
    vehicle_purchase_change_reason = models.TextField(
        "公务用车购置费变动原因", blank=True, validators=[reason_text_validator]
    )
    vehicle_operation_change_reason = models.TextField(
        "公务用车运行维护费变动原因", blank=True, validators=[reason_text_validator]
    )
    operating_costs_change_reason = models.TextField(
        "机关运行经费变动原因", blank=True, validators=[reason_text_validator]
    )
    purchased_services_note = models.TextField(
        "政府购买服务指导性目录说明",
        blank=True,
        help_text="留空则印“无”",
        validators=[validate_not_formula],
    )
    other_notes = models.TextField(
        "其他说明", blank=True, help_text="留空则印“无”", validators=[validate_not_formula]
    )

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "情况说明文字"
        verbose_name_plural = "情况说明文字"

    def __str__(self):
        return f"{self.submission} 情况说明文字"


class GlossaryTerm(PublishedGuardedModel, models.Model):
    """第四部分 名词解释: starts from the standard glossary (`units.glossary`), editable per
    submission."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="glossary_terms"
    )
    term = models.CharField("名词", max_length=100, validators=[validate_not_formula])
    definition = models.TextField("解释", validators=[validate_not_formula])
    position = models.PositiveIntegerField("排序", default=0)

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "名词解释"
        verbose_name_plural = "名词解释"
        ordering = ["position", "id"]

    def __str__(self):
        return self.term


class UnitAssignment(models.Model):
    """Which units a 单位填报人 fills in or a 财政审核人 reviews (财政管理员 see every unit).

    Create these with `units.services.user_role_assign`, which also sets `is_staff` so the
    user can log in to the admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="unit_assignments",
    )
    unit = models.ForeignKey(
        BudgetUnit, verbose_name="预算单位", on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        verbose_name = "用户负责单位"
        verbose_name_plural = "用户负责单位"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="uniq_unit_assignment")
        ]
        # 用户管理: give users their role and units. Only a superuser grants it (it is not part
        # of any role), and its holder can never change their own access
        # (units.permissions.user_may_manage_access).
        permissions = [("manage_user_access", "用户管理（分配角色与负责单位）")]

    def __str__(self):
        return f"{self.user} → {self.unit}"


class AccessChange(models.Model):
    """One change of what a user may do: role, units, active, staff or superuser status,
    single permissions; who changed it and when (written by `units.services`, never edited)."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        on_delete=models.SET_NULL,
        related_name="access_changes",
    )
    username = models.CharField("用户名", max_length=150)
    change = models.TextField("变更")

    class Meta:
        verbose_name = "权限变更记录"
        verbose_name_plural = "权限变更记录"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.username}：{self.change}"


class StatusChange(models.Model):
    """One workflow move of a submission: who, when, from, to and why (never edited)."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField("原状态", max_length=12, choices=SubmissionStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=SubmissionStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    reason = models.TextField("原因", blank=True, validators=[validate_not_formula])
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "状态变更记录"
        verbose_name_plural = "状态变更记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.submission} {self.get_from_status_display()}→{self.get_to_status_display()}"


class ReviewComment(models.Model):
    """An 审核意见 written by a reviewer on a submission — on the whole submission, or on one row
    of one statutory table (`table` = 表 code such as "T01", `row` = the row's label as shown),
    so the accountant sees it beside that row. Kept with the submission; resolved, not deleted,
    when the accountant has acted on it."""

    submission = models.ForeignKey(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="review_comments"
    )
    version = models.PositiveIntegerField("版本", default=1)
    table = models.CharField("公开表", max_length=8, blank=True)
    row = models.CharField("行", max_length=200, blank=True)
    text = models.TextField("审核意见", validators=[validate_not_formula])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField("处理说明", blank=True, validators=[validate_not_formula])

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["submission", "resolved_at"])]

    def __str__(self):
        return f"{self.submission} {self.table} {self.row}".strip()


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", "已提交审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "审核通过"
    PUBLISHED = "published", "已发布"
    CORRECTION_OPENED = "correction_opened", "已发起更正"
    URGE = "urge", "催办"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已逾期"


class Notification(models.Model):
    """One notice to one person: a workflow move of a unit they work on, a 催办 from the bureau
    or an automatic reminder of the 公开时限 (`units.notifications` writes them). Shown in the
    desk's 通知 list and mailed once the transaction commits, unless the person turned mail off.

    `dedupe_key` makes the automatic reminders idempotent: a person holds at most one notice per
    key (e.g. "due_soon:12:2026-03-25"), so a reminder run twice sends nothing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submission = models.ForeignKey(
        Submission,
        verbose_name="填报",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    unit = models.ForeignKey(
        BudgetUnit,
        verbose_name="预算单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("预算年度", null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    #: a path of this site ("/desk/12/"), never another site's address
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    dedupe_key = models.CharField("去重键", max_length=120, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Only reminders carry a key; the events and 催办 (key "") never collide.
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="uniq_notification_dedupe",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_newest"),
        ]

    def __str__(self):
        return f"{self.recipient} {self.title}"


class NotificationPreference(models.Model):
    """A person's choice about notices: whether they also come by mail (they are always shown
    in the desk's 通知 list). No row means the default: mail on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField("接收邮件通知", default=True)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"

    def __str__(self):
        return f"{self.user} {'接收邮件' if self.email_enabled else '不接收邮件'}"


class ImportHeaderMapping(models.Model):
    """A bureau's saved mapping of a line-level Excel file's header row (e.g. the 一体化
    platform's export) to the budget line fields, so the next file of that shape imports
    without choosing columns again."""

    name = models.CharField(
        "映射名称", max_length=60, unique=True, validators=[validate_not_formula]
    )
    #: field key → the header text of its column in the file
    columns = models.JSONField("列对应关系", default=dict)
    amount_unit = models.CharField(
        "金额单位", max_length=4, choices=[("元", "元"), ("万元", "万元")], default="元"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "导入列映射"
        verbose_name_plural = "导入列映射"
        ordering = ["name"]

    def __str__(self):
        return self.name
