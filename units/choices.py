"""Choices of the budget models that the validation rules need without the models themselves
(so that `units.validation`, which `units.models` calls, does not import it back)."""

from django.db import models


class CodeScheme(models.TextChoices):
    FUNCTIONAL = "func", "支出功能分类"
    DEPT_ECONOMIC = "dept_econ", "部门预算支出经济分类"
    GOV_ECONOMIC = "gov_econ", "政府预算支出经济分类"


class ExpenseKind(models.TextChoices):
    PERSONNEL = "personnel", "基本支出-人员经费"
    PUBLIC = "public", "基本支出-公用经费"
    PROJECT = "project", "项目支出"


class UnitIncomeType(models.TextChoices):
    """The national 收入 list's types of a 单位资金 line (Shanxi's 单位资金 is their sum).

    Blank on a 单位资金 line reads as 其他收入; lines of other funds carry no income type (their
    type is the fund: 财政拨款收入 by fund, 财政专户管理资金收入)."""

    BUSINESS = "business", "事业收入"
    OPERATING = "operating", "事业单位经营收入"
    SUPERIOR = "superior", "上级补助收入"
    AFFILIATED = "affiliated", "附属单位上缴收入"
    OTHER = "other", "其他收入"
