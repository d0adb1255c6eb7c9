"""绩效目标 (performance targets): the unit-level 整体支出绩效目标 and one 项目支出绩效目标 per
project, with their indicators.

Money in a target's 年度 block that comes from the budget (市县财政资金, 单位自筹) is derived from
the project's budget lines, never typed; only money from outside the unit's budget lines (中央,
省级, 其他) and the 实施期 figures are entered. Indicator values are typed as published ("≥13次",
"5000元/个/年", "按月发放") and parsed on save into comparator, number and unit
(`performance.values`). Typed text refuses what a spreadsheet would run as a formula
(`units.formula_text.validate_not_formula`): an indicator value is "5个" or "＝5个", not "=5个".
"""

from django.core.exceptions import ValidationError
from django.db import models

from performance.values import parse_indicator_value
from units.formula_text import validate_not_formula
from units.immutability import PublishedGuardedModel, PublishedGuardQuerySet
from units.models import Project, Submission
from units.money import MoneyField, non_negative


class IndicatorFramework(models.Model):
    """A region's 绩效指标体系: which 一级/二级 indicators exist (reference data)."""

    code = models.CharField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100, validators=[validate_not_formula])
    is_default = models.BooleanField("默认体系", default=False)

    class Meta:
        verbose_name = "绩效指标体系"
        verbose_name_plural = "绩效指标体系"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_indicator_framework",
            )
        ]

    def __str__(self):
        return self.name


class IndicatorCategory(models.Model):
    """一级 (level 1) or 二级 (level 2) indicator of a framework; indicators hang under 二级."""

    framework = models.ForeignKey(
        IndicatorFramework,
        verbose_name="指标体系",
        on_delete=models.CASCADE,
        related_name="categories",
    )
    code = models.CharField("编码", max_length=10)
    name = models.CharField("名称", max_length=50, validators=[validate_not_formula])
    level = models.PositiveSmallIntegerField("级次", choices=[(1, "一级指标"), (2, "二级指标")])
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "绩效指标类别"
        verbose_name_plural = "绩效指标类别"
        ordering = ["framework", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="uniq_indicator_category")
        ]

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.name} / {self.name}"
        return self.name


class TargetFooter(models.Model):
    """负责人 / 经办人 / 联系电话 / 填报日期, printed under every target table."""

    leader = models.CharField(
        "负责人", max_length=50, blank=True, validators=[validate_not_formula]
    )
    handler = models.CharField(
        "经办人", max_length=50, blank=True, validators=[validate_not_formula]
    )
    phone = models.CharField(
        "联系电话", max_length=50, blank=True, validators=[validate_not_formula]
    )
    filled_at = models.DateTimeField("填报日期", null=True, blank=True)

    class Meta:
        abstract = True


class UnitTarget(PublishedGuardedModel, TargetFooter):
    """县(区)级预算部门(单位)整体支出绩效目标申报表 of one submission.

    部门基本信息 and 部门职责 come from the unit (`BudgetUnit`); 年度预算情况 is derived from the
    budget lines. Only what the unit decides for the year is stored here.
    """

    submission = models.OneToOneField(
        Submission, verbose_name="填报", on_delete=models.CASCADE, related_name="unit_target"
    )
    strategic_goal = models.TextField("部门战略目标", validators=[validate_not_formula])
    annual_goal = models.TextField("年度绩效目标", validators=[validate_not_formula])

    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "整体支出绩效目标"
        verbose_name_plural = "整体支出绩效目标"

    def __str__(self):
        return f"{self.submission} 整体绩效目标"


class KeyTask(PublishedGuardedModel, models.Model):
    """年度重点任务: one 核心职能 and its 重点任务."""

    unit_target = models.ForeignKey(
        UnitTarget, verbose_name="整体绩效目标", on_delete=models.CASCADE, related_name="key_tasks"
    )
    function = models.CharField("核心职能", max_length=200, validators=[validate_not_formula])
    tasks = models.TextField("重点任务", validators=[validate_not_formula])
    position = models.PositiveIntegerField("排序", default=0)

    published_guard_paths = ("unit_target__submission",)
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "年度重点任务"
        verbose_name_plural = "年度重点任务"
        ordering = ["position", "id"]

    def __str__(self):
        return self.function


class ProjectTarget(PublishedGuardedModel, TargetFooter):
    """县(区)级预算部门(单位)项目支出绩效目标表 of one project (its main row).

    Extra allocations of a project (`Project.allocation_of`) share this target.
    """

    project = models.OneToOneField(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="target"
    )
    implementer = models.CharField(
        "实施单位",
        max_length=200,
        blank=True,
        help_text="留空为本单位",
        validators=[validate_not_formula],
    )
    overview = models.TextField("项目概况", validators=[validate_not_formula])
    basis = models.TextField("立项依据", validators=[validate_not_formula])
    necessity = models.TextField("项目设立必要性", validators=[validate_not_formula])
    measures = models.TextField("保证项目实施的制度、措施", validators=[validate_not_formula])
    plan = models.TextField("项目实施计划", validators=[validate_not_formula])
    goal_period = models.TextField("实施期总体目标", validators=[validate_not_formula])
    goal_year = models.TextField("年度总体目标", validators=[validate_not_formula])
    # 实施期资金 (元): entered.
    period_central = MoneyField("实施期中央财政资金", default=0, validators=[non_negative])
    period_provincial = MoneyField("实施期省级财政资金", default=0, validators=[non_negative])
    period_local = MoneyField("实施期市县(区)财政资金", default=0, validators=[non_negative])
    period_self_raised = MoneyField("实施期单位自筹", default=0, validators=[non_negative])
    period_other = MoneyField("实施期其他资金", default=0, validators=[non_negative])
    # 年度资金 (元): 市县(区)财政资金 and 单位自筹 are derived from the project's budget lines;
    # money that does not pass through them is entered here.
    year_central = MoneyField("年度中央财政资金", default=0, validators=[non_negative])
    year_provincial = MoneyField("年度省级财政资金", default=0, validators=[non_negative])
    year_other = MoneyField("年度其他资金", default=0, validators=[non_negative])

    published_guard_paths = ("project__submission",)
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "项目支出绩效目标"
        verbose_name_plural = "项目支出绩效目标"
        ordering = ["project__position", "project_id"]

    def __str__(self):
        return f"{self.project.name} 绩效目标"

    def clean(self):
        if self.project_id and self.project.allocation_of_id:
            raise ValidationError(
                {
                    "project": f"「{self.project.name}」是追加资金批次，"
                    "与所属项目共用一张绩效目标表，请在所属项目上填写。"
                }
            )


class Scope(models.TextChoices):
    PERIOD = "period", "实施期"
    YEAR = "year", "年度"


class Comparator(models.TextChoices):
    GE = "≥", "≥"
    LE = "≤", "≤"
    EQ = "＝", "＝"
    GT = "＞", "＞"
    LT = "＜", "＜"
    QUALITATIVE = "定性", "定性"


class Indicator(PublishedGuardedModel, models.Model):
    """A 三级 indicator under a 二级 category, for a unit target or a project target."""

    unit_target = models.ForeignKey(
        UnitTarget,
        verbose_name="整体绩效目标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    project_target = models.ForeignKey(
        ProjectTarget,
        verbose_name="项目绩效目标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    scope = models.CharField("目标期", max_length=6, choices=Scope.choices, default=Scope.YEAR)
    category = models.ForeignKey(
        IndicatorCategory,
        verbose_name="二级指标",
        on_delete=models.PROTECT,
        limit_choices_to={"level": 2},
    )
    name = models.CharField("三级指标", max_length=200, validators=[validate_not_formula])
    text = models.CharField(
        "指标值",
        max_length=200,
        help_text="如 ≥13次、100%、5000元/个/年、按月发放",
        validators=[validate_not_formula],
    )
    comparator = models.CharField(
        "比较符", max_length=4, choices=Comparator.choices, editable=False
    )
    value = models.DecimalField(
        "数值", max_digits=24, decimal_places=6, null=True, blank=True, editable=False
    )
    unit = models.CharField("计量单位", max_length=50, blank=True, editable=False)
    position = models.PositiveIntegerField("排序", default=0)

    published_guard_paths = ("unit_target__submission", "project_target__project__submission")
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["scope", "category__position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(unit_target__isnull=False, project_target__isnull=True)
                    | models.Q(unit_target__isnull=True, project_target__isnull=False)
                ),
                name="indicator_belongs_to_one_target",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.text}"

    def save(self, *args, **kwargs):
        # Keep comparator/value/unit in step with the text on every ORM save path.
        parsed = parse_indicator_value(self.text or "")
        self.comparator, self.value, self.unit = parsed.comparator, parsed.number, parsed.unit
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.category_id and self.category.level != 2:
            errors["category"] = "请选择二级指标（如 数量指标、社会效益指标）。"
        if self.unit_target_id and self.scope != Scope.YEAR:
            errors["scope"] = "整体绩效目标只有年度指标。"
        try:
            parsed = parse_indicator_value(self.text or "")
        except ValidationError as exc:
            errors["text"] = exc.messages
        else:
            self.comparator, self.value, self.unit = parsed.comparator, parsed.number, parsed.unit
        if errors:
            raise ValidationError(errors)


class TargetEvaluation(PublishedGuardedModel, models.Model):
    """绩效自评 of one target of a 决算 submission (its copy of the unit's overall target or of
    a project's target): the 分值 of 预算执行率 (scored from the 决算 figures themselves) and
    the 总体目标完成情况 the unit writes. The indicators' own results are `IndicatorResult`s;
    their weights and `execution_weight` add to 100."""

    unit_target = models.OneToOneField(
        UnitTarget,
        verbose_name="整体绩效目标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluation",
    )
    project_target = models.OneToOneField(
        ProjectTarget,
        verbose_name="项目绩效目标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluation",
    )
    execution_weight = models.DecimalField(
        "预算执行率分值", max_digits=5, decimal_places=2, default=10
    )
    summary = models.TextField("总体目标完成情况", blank=True, validators=[validate_not_formula])

    published_guard_paths = ("unit_target__submission", "project_target__project__submission")
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效自评"
        verbose_name_plural = "绩效自评"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(unit_target__isnull=False, project_target__isnull=True)
                    | models.Q(unit_target__isnull=True, project_target__isnull=False)
                ),
                name="evaluation_belongs_to_one_target",
            )
        ]

    def __str__(self):
        return f"{self.unit_target or self.project_target} 自评"


class IndicatorResult(PublishedGuardedModel, models.Model):
    """实际完成值 of one indicator in a 绩效自评, its 分值 (weight), and where the target was
    missed the 偏差原因 and 改进措施 (required then: `performance.evaluation`)."""

    indicator = models.OneToOneField(
        Indicator, verbose_name="绩效指标", on_delete=models.CASCADE, related_name="result"
    )
    actual = models.CharField(
        "实际完成值",
        max_length=200,
        blank=True,
        help_text="如 15次、98%、按月发放；定性指标写 达到/部分达到/未达到",
        validators=[validate_not_formula],
    )
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2, default=0)
    deviation_reason = models.TextField("偏差原因", blank=True, validators=[validate_not_formula])
    improvement = models.TextField("改进措施", blank=True, validators=[validate_not_formula])

    published_guard_paths = (
        "indicator__unit_target__submission",
        "indicator__project_target__project__submission",
    )
    objects = PublishedGuardQuerySet.as_manager()

    class Meta:
        verbose_name = "指标完成情况"
        verbose_name_plural = "指标完成情况"

    def __str__(self):
        return f"{self.indicator} 实际 {self.actual}"


class GradeBands(models.Model):
    """The region's grade bands of a 绩效自评 total score for one year: 优 from `excellent`,
    良 from `good`, 中 from `fair`, below that 差 (defaults 90/80/60 when a year has none)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    excellent = models.DecimalField("优（不低于）", max_digits=5, decimal_places=2, default=90)
    good = models.DecimalField("良（不低于）", max_digits=5, decimal_places=2, default=80)
    fair = models.DecimalField("中（不低于）", max_digits=5, decimal_places=2, default=60)

    class Meta:
        verbose_name = "自评等级划分"
        verbose_name_plural = "自评等级划分"

    def __str__(self):
        return f"{self.year}年 自评等级"

    def clean(self):
        if not (100 >= self.excellent > self.good > self.fair >= 0):
            raise ValidationError("等级分数线须满足 100 ≥ 优 > 良 > 中 ≥ 0。")
