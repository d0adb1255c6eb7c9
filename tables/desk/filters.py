"""The desk's list filters (django-filter): budget lines by what a person remembers of them —
a code prefix (功能, 部门经济 or 政府经济), or part of the project, the note or a code's name."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from units.models import BudgetLine


class BudgetLineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="筛选")

    class Meta:
        model = BudgetLine
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if value.isdigit():
            return queryset.filter(
                Q(func_code__code__startswith=value)
                | Q(dept_econ_code__code__startswith=value)
                | Q(gov_econ_code__code__startswith=value)
            )
        if value:
            return queryset.filter(
                Q(project__name__contains=value)
                | Q(note__contains=value)
                | Q(func_code__name__contains=value)
                | Q(dept_econ_code__name__contains=value)
            )
        return queryset
