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
