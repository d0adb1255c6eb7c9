"""Forms of the 绩效目标 admin: indicator rows (scope fixed per inline, category limited to the
二级 indicators of the default framework) and the Excel / copy pages. Validation of content stays
in the models and services; these forms only shape the input."""

from django import forms

from performance.excel import MAX_FILE_BYTES
from performance.models import Indicator, ProjectTarget
from units.models import Project, Submission
from units.selectors import submissions_visible_to

CATEGORY_INVALID = "请从列表中选择指标体系中的二级指标（一级 / 二级），如 产出指标 / 数量指标。"


class IndicatorInlineForm(forms.ModelForm):
    """One indicator row; `scope` is fixed by the inline the form belongs to."""

    scope = "year"

    class Meta:
        model = Indicator
        fields = ["category", "name", "text", "position"]
        error_messages = {"category": {"invalid_choice": CATEGORY_INVALID}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.instance.scope = self.scope


def indicator_form_for(scope: str) -> type[IndicatorInlineForm]:
    return type(f"IndicatorInlineForm_{scope}", (IndicatorInlineForm,), {"scope": scope})


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.submission.unit.code} {obj.submission.unit.name} {obj.submission.year}年 · {obj.name}"


class ProjectTargetAdminForm(forms.ModelForm):
    """Only main projects can carry a target (extra allocations share their project's)."""

    project = ProjectChoiceField(
        label="项目",
        queryset=Project.objects.filter(allocation_of=None)
        .select_related("submission__unit")
        .order_by("-submission__year", "submission__unit__code", "position", "id"),
        help_text="追加资金批次与所属项目共用一张绩效目标表，不在此列出。",
    )

    class Meta:
        model = ProjectTarget
        fields = [
            "project",
            "implementer",
            "overview",
            "basis",
            "necessity",
            "measures",
            "plan",
            "goal_period",
            "goal_year",
            "period_central",
            "period_provincial",
            "period_local",
            "period_self_raised",
            "period_other",
            "year_central",
            "year_provincial",
            "year_other",
            "leader",
            "handler",
            "phone",
            "filled_at",
        ]


class SubmissionChoiceForm(forms.Form):
    """Pick one of the submissions the user may see."""

    submission = forms.ModelChoiceField(label="预算公开填报", queryset=Submission.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].queryset = submissions_visible_to(user=user)


class TargetImportForm(SubmissionChoiceForm):
    file = forms.FileField(
        label="绩效目标工作簿（.xlsx）",
        help_text=f"使用下载的模板或导出的文件填写，不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"文件过大：不能超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
            )
        return upload
