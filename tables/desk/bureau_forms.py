"""The forms of the 年度总览: its filters (django-filter: state, 主管部门, reviewer, overdue, a
unit's name or code) and the 批复日期 form (a date and the units it is for)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from tables.desk.bureau import STATES, bureau_reviewers, units_overdue, units_reviewed_by
from units.models import BudgetUnit, Department


class ReviewerChoiceField(django_filters.fields.ModelChoiceField):
    """A reviewer by the name people know (full name, else user name)."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ReviewerFilter(django_filters.ModelChoiceFilter):
    field_class = ReviewerChoiceField


class BureauFilter(django_filters.FilterSet):
    """Filters of the units of `bureau_units` (annotated with their submission of the year)."""

    q = django_filters.CharFilter(label="单位名称或编码", method="by_name")
    state = django_filters.ChoiceFilter(label="状态", choices=STATES, empty_label="全部状态")
    department = django_filters.ModelChoiceFilter(
        label="主管部门", queryset=Department.objects.none(), empty_label="全部主管部门"
    )
    reviewer = ReviewerFilter(
        label="审核人",
        queryset=get_user_model().objects.none(),  # the user's reviewers: set in __init__
        method="by_reviewer",
        empty_label="全部审核人",
    )
    overdue = django_filters.BooleanFilter(
        label="只看已逾期的单位", method="by_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = BudgetUnit
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, today, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.today = today
        self.filters["department"].queryset = Department.objects.filter(
            pk__in=queryset.order_by().values("department_id")
        ).order_by("code")
        self.filters["reviewer"].queryset = bureau_reviewers(user=user)

    def by_name(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))

    def by_reviewer(self, queryset, name, value):
        return units_reviewed_by(queryset, value) if value else queryset

    def by_overdue(self, queryset, name, value):
        return units_overdue(queryset, today=self.today) if value else queryset

    def qs_ignoring(self, name: str):
        """The units the filters leave, all but `name` (the counts by state are of these)."""
        queryset = self.queryset.all()
        if self.is_bound:
            self.errors  # noqa: B018  (validates the form, as `qs` does)
            for key, value in self.form.cleaned_data.items():
                if key != name:
                    queryset = self.filters[key].filter(queryset, value)
        return queryset

    @property
    def active(self) -> bool:
        """Whether any filter is set (the page says so and offers to clear them)."""
        if not self.is_bound:
            return False
        self.errors  # noqa: B018
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())


#: Which units a 批复日期 is set for.
FILTERED, DEPARTMENT, YEAR, UNIT = "filtered", "department", "year", "unit"
SCOPES = [
    (FILTERED, "当前列表中的全部单位"),
    (DEPARTMENT, "一个主管部门的全部单位"),
    (YEAR, "本年度全部单位"),
    (UNIT, "一个单位"),
]


class ApprovalDateForm(forms.Form):
    date = forms.DateField(
        label="批复日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="预算批复之日，例如 2025-03-05；公开时限为批复日期后20日。",
        error_messages={"required": "请填写批复日期。", "invalid": "请填写有效的日期。"},
    )
    scope = forms.ChoiceField(
        label="设置范围",
        choices=SCOPES,
        initial=DEPARTMENT,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择设置范围。"},
    )
    department = forms.ModelChoiceField(
        label="主管部门",
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label="请选择主管部门",
    )
    unit = forms.ModelChoiceField(
        label="单位", queryset=BudgetUnit.objects.all(), required=False, widget=forms.HiddenInput
    )
    only_missing = forms.BooleanField(
        label="只填写还没有批复日期的单位（已填写的保持不变）", required=False
    )
    #: the list's query string, for FILTERED (and to come back to the same list)
    filters = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        # its own ids: the page also has the filters' form, whose 主管部门 is id_department
        kwargs.setdefault("auto_id", "approval-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == DEPARTMENT and not data.get("department"):
            self.add_error("department", "请选择主管部门。")
        if scope == UNIT and not data.get("unit"):
            self.add_error("unit", "请选择单位。")
        return data
