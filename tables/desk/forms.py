"""The desk's entry forms: what a person types (a code or its name, "12,345.60元") turned into
the model's values, each problem named on its field in Chinese. The rules themselves stay in
`units.validation` and the services; these forms only read the input."""

from __future__ import annotations

import re

from django import forms

from tables.desk.search import name_matches
from tables.document.year_settings import table_set_for_year
from tables.figures.formatting import format_yuan
from units.budget_import import FIELD_TO_KEY, LABEL_BY_KEY, SCHEME_BY_KEY, mapping_kind_for
from units.budget_projects import project_batches
from units.choices import ExpenseKind, UnitIncomeType
from units.formula_text import formula_text_error
from units.models import (
    BudgetLine,
    ClassificationCode,
    CodeScheme,
    EconomicMapping,
    FundSource,
    Project,
    ProjectCategory,
    ProjectRecurrence,
)
from units.money import parse_amount_text
from units.selectors import LEVEL_FOR_SCHEME

#: model field of `budget_line_errors` → form field (the import's keys of the three codes)
FORM_FIELD = {field: key for field, key in FIELD_TO_KEY.items() if key in SCHEME_BY_KEY}
#: form field → (scheme, label, model field) of the three code fields
CODE_FIELDS = {
    key: (SCHEME_BY_KEY[key], LABEL_BY_KEY[key], field) for field, key in FORM_FIELD.items()
}
NEW = "new"

#: the empty choice of 项目类别 / 项目属性, and the note saying when they are needed
ATTRIBUTE_BLANK = ("", "（不填）")
ATTRIBUTE_HELP = (
    "本年度公开表列示项目类别、项目属性（山西表样，表十二、表十三）时必填；其他表样可不填。"
)


def project_attribute_errors(*, year: int, category: str, recurrence: str) -> dict[str, str]:
    """{"category"/"recurrence": message} for an attribute left blank while the year's table
    set prints it (`TableSet.needs_project_attributes`); {} otherwise. The set is looked up
    (one query) only when one is blank."""
    blank = {
        key: label
        for key, label, value in (
            ("category", "项目类别", category),
            ("recurrence", "项目属性", recurrence),
        )
        if not value
    }
    if not blank or not table_set_for_year(year).needs_project_attributes:
        return {}
    return {
        key: f"请选择{label}：{year}年度的公开表（表十二、表十三）需要列示每个项目的{label}。"
        for key, label in blank.items()
    }


def code_text(code: ClassificationCode | None) -> str:
    """A code as a code field shows it ("2010101 行政运行"; the model's own text)."""
    return str(code) if code else ""


def project_label(project: Project, batch: int, amount) -> str:
    """How a project is offered: name, 资金批次 and the amount already listed under it."""
    batch_text = f"资金批次{batch}" if batch > 1 else "主批次"
    return f"{project.name}（{batch_text}，已列 {format_yuan(amount or 0)} 元）"


class ProjectChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, labels: dict[int, str], **kwargs):
        self.labels = labels
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return self.labels.get(obj.pk, obj.name)


class BudgetLineForm(forms.Form):
    func = forms.CharField(
        label="功能科目",
        max_length=120,
        help_text="输入编码、名称或拼音首字母即可搜索，例如 2010101、“行政运行”或 xzyx；只列本年度有效的项级科目。",
    )
    dept = forms.CharField(
        label="部门经济科目", max_length=120, help_text="款级科目，例如 30201 或“办公费”。"
    )
    gov = forms.CharField(
        label="政府经济科目",
        max_length=120,
        required=False,
        help_text="可留空：按部门经济科目自动对应。",
    )
    expense_kind = forms.ChoiceField(label="支出类型", choices=ExpenseKind.choices)
    fund_source = forms.ChoiceField(
        label="资金来源", choices=FundSource.choices, initial=FundSource.GENERAL
    )
    income_type = forms.ChoiceField(
        label="收入类型",
        choices=[("", "（留空：其他收入）"), *UnitIncomeType.choices],
        required=False,
        help_text="仅资金来源为单位资金时填写（事业收入、上级补助收入等）；其他资金来源请留空。"
        "单位资金留空按其他收入。",
    )
    is_carryover = forms.BooleanField(label="上年结转", required=False)
    project = forms.ChoiceField(label="项目", required=False, help_text="项目支出必须选择项目。")
    new_project_name = forms.CharField(label="新建项目：项目名称", max_length=200, required=False)
    new_project_category = forms.ChoiceField(
        label="新建项目：项目类别",
        choices=[ATTRIBUTE_BLANK, *ProjectCategory.choices],
        required=False,
        help_text=ATTRIBUTE_HELP,
    )
    new_project_recurrence = forms.ChoiceField(
        label="新建项目：项目属性",
        choices=[ATTRIBUTE_BLANK, *ProjectRecurrence.choices],
        required=False,
        help_text=ATTRIBUTE_HELP,
    )
    amount = forms.CharField(
        label="金额（元）",
        max_length=40,
        help_text="可输入 12,345.60、全角数字或带“元”，最多两位小数。",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label="备注", max_length=200, required=False)
    sub_item = forms.CharField(
        label="地方细化科目",
        max_length=100,
        required=False,
        help_text="可空：本地区在部门经济科目（款）下细化的科目名称，例如 30299 下的具体事项；"
        "国家口径的检查仍按所属的款汇总。",
    )

    def __init__(self, *args, submission, projects: list[Project], amounts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission = submission
        batches = project_batches(projects)
        self.projects = {str(p.pk): p for p in projects}
        self.fields["project"].choices = [
            ("", "（不属于项目：基本支出）"),
            *(
                (str(p.pk), project_label(p, batches.get(p.pk, 1), amounts.get(p.pk)))
                for p in projects
            ),
            (NEW, "＋ 新建项目（在下方填写名称）"),
        ]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{name}-help"

    @property
    def code_fields(self):
        """(name, bound field) of the three code fields, rendered with their suggestion lists."""
        return [(name, self[name]) for name in CODE_FIELDS]

    @classmethod
    def initial_of(cls, line: BudgetLine) -> dict:
        return {
            "func": code_text(line.func_code),
            "dept": code_text(line.dept_econ_code),
            "gov": code_text(line.gov_econ_code),
            "expense_kind": line.expense_kind,
            "fund_source": line.fund_source,
            "is_carryover": line.is_carryover,
            "project": str(line.project_id or ""),
            "amount": f"{line.amount:,.2f}",
            "note": line.note,
            "income_type": line.income_type,
            "sub_item": line.sub_item,
        }

    def _code(self, name: str) -> ClassificationCode | None:
        text = self.cleaned_data.get(name, "")
        scheme, label, _ = CODE_FIELDS[name]
        if not text.strip():
            return None
        match = re.match(r"\s*(\d+)", text)
        if not match:
            raise forms.ValidationError(
                f"请输入{label}的编码（可输入名称后从提示中选择），例如 2010101。"
            )
        code = ClassificationCode.objects.filter(
            scheme=scheme, year=self.submission.year, code=match.group(1)
        ).first()
        if code is None:
            raise forms.ValidationError(
                f"{label}「{match.group(1)}」不在{self.submission.year}年科目表中，"
                "请从输入时的提示中选择。"
            )
        return code

    def clean_func(self):
        return self._code("func")

    def clean_dept(self):
        return self._code("dept")

    def clean_gov(self):
        return self._code("gov")

    def clean_amount(self):
        # units.money raises django's ValidationError, which the form puts on the field
        return parse_amount_text(self.cleaned_data["amount"], field_label="金额")

    def clean_sub_item(self):
        text = self.cleaned_data.get("sub_item", "").strip()
        error = formula_text_error(text)
        if error:
            raise forms.ValidationError(f"地方细化科目{error}")
        return text

    def clean_project(self):
        value = self.cleaned_data.get("project", "")
        if value in ("", NEW):
            return value
        if value not in self.projects:
            raise forms.ValidationError("所选项目不属于本填报，请重新选择。")
        return self.projects[value]

    def clean(self):
        data = super().clean()
        dept = data.get("dept")
        if data.get("gov") is None and dept is not None and "gov" not in self.errors:
            gov_code = (
                EconomicMapping.objects.filter(
                    year=self.submission.year,
                    mapping_kind=mapping_kind_for(self.submission.unit.kind),
                    dept_code=dept.code,
                )
                .values_list("gov_code", flat=True)
                .first()
            )
            gov = (
                ClassificationCode.objects.filter(
                    scheme=CodeScheme.GOV_ECONOMIC, year=self.submission.year, code=gov_code
                ).first()
                if gov_code
                else None
            )
            if gov is None:
                self.add_error(
                    "gov",
                    f"部门经济科目「{dept.code} {dept.name}」没有默认对应的政府经济科目，请填写。",
                )
            data["gov"] = gov
        if data.get("project") == NEW and not (data.get("new_project_name") or "").strip():
            self.add_error("new_project_name", "选择了“新建项目”，请填写新项目的名称。")
        if data.get("project") == NEW:
            for key, message in project_attribute_errors(
                year=self.submission.year,
                category=data.get("new_project_category") or "",
                recurrence=data.get("new_project_recurrence") or "",
            ).items():
                self.add_error(f"new_project_{key}", message)
        return data

    def new_project(self) -> Project | None:
        if self.cleaned_data.get("project") != NEW:
            return None
        return Project(
            name=self.cleaned_data["new_project_name"],
            category=self.cleaned_data.get("new_project_category") or "",
            recurrence=self.cleaned_data.get("new_project_recurrence") or "",
        )

    def line_values(self) -> dict:
        data = self.cleaned_data
        project = data.get("project")
        return {
            "func_code": data["func"],
            "dept_econ_code": data["dept"],
            "gov_econ_code": data["gov"],
            "expense_kind": data["expense_kind"],
            "fund_source": data["fund_source"],
            "is_carryover": data["is_carryover"],
            "project": project if isinstance(project, Project) else None,
            "amount": data["amount"],
            "note": data["note"],
            "income_type": data.get("income_type", ""),
            "sub_item": data.get("sub_item", ""),
        }

    def errors_from_service(self, exc) -> None:
        """Put a service's ValidationError (by model field) on the form's fields."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = "new_project_name" if field == "name" else FORM_FIELD.get(field, field)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def code_options(*, year: int, scheme: str, query: str, limit: int = 30):
    """The year's active 末级 codes of a scheme whose code starts with, or whose name contains,
    what was typed (for the suggestion list of a code field)."""
    from django.db.models import Q

    query = (query or "").strip()
    match = re.match(r"\s*(\d+)", query)
    codes = ClassificationCode.objects.filter(
        scheme=scheme, year=year, is_active=True, level=LEVEL_FOR_SCHEME[scheme]
    ).order_by("code")
    if match:
        return list(codes.filter(code__startswith=match.group(1))[:limit])
    if query and not query.isascii():
        return list(codes.filter(Q(name__contains=query))[:limit])
    # pinyin ("xzyx" for 行政运行): matched on the names, a few hundred short strings a year
    return [code for code in codes.only("code", "name") if name_matches(query, code.name)][:limit]


class SubmissionApprovalForm(forms.Form):
    """批复日期 of one submission, on its desk (`tables.desk.approval_views`)."""

    date = forms.DateField(
        label="批复日期",
        widget=forms.DateInput(
            attrs={"type": "date", "aria-describedby": "approval-date-help"}, format="%Y-%m-%d"
        ),
        help_text="批复之日，例如 2026-03-05；公开时限为批复日期后20日。",
        error_messages={"required": "请填写批复日期。", "invalid": "请填写有效的日期。"},
    )
