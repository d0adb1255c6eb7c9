"""Forms of the bureau's 开启新年度 and 单位和用户导入 pages: what can be told before the
service runs (a year in range, units ticked among those listed, a .xlsx file chosen)."""

from django import forms

from tables.desk.import_forms import XLSX_TYPES, xlsx_upload_check
from tables.desk.year_open import YEAR_MAX, YEAR_MIN
from tables.document.year_settings import POPULATION_INVALID, POPULATION_MAX
from units.people_excel import MAX_FILE_BYTES

YEAR_RANGE = f"年度应在 {YEAR_MIN} 至 {YEAR_MAX} 之间。"


class YearOpenForm(forms.Form):
    """The year to open, the units to open it for (ticked among `units`) and whether to copy
    last year's 绩效目标."""

    year = forms.IntegerField(
        label="开启年度",
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        help_text="四位数字，如 2026。",
        error_messages={
            "required": "请填写要开启的年度。",
            "invalid": "年度应为四位数字，如 2026。",
            "min_value": YEAR_RANGE,
            "max_value": YEAR_RANGE,
        },
    )
    unit = forms.ModelMultipleChoiceField(
        label="要开启的单位",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请至少勾选一个单位。",
            "invalid_choice": "勾选的单位不在列表中（可能已被删除或改了主管部门），请刷新页面后重选。",
            "invalid_pk_value": "勾选的单位无效，请刷新页面后重选。",
        },
    )
    copy_targets = forms.BooleanField(
        label="同时复制上年绩效目标（只补没有的，不覆盖）", required=False
    )

    def __init__(self, *args, units, **kwargs):
        kwargs.setdefault("auto_id", "year-open-%s")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class PeopleImportForm(forms.Form):
    """The 单位和用户 workbook to import."""

    file = forms.FileField(
        label="选择单位和用户工作簿（.xlsx）",
        help_text=(
            f"使用本页下载的模板填写，不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
            "全部无误才导入，有任何错误则不做任何改动。"
        ),
        error_messages={
            "required": "请选择要导入的 Excel 文件（.xlsx）。",
            "empty": "选择的文件是空的，请重新选择。",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "people-%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = XLSX_TYPES

    def clean_file(self):
        return xlsx_upload_check(self.cleaned_data["file"], max_bytes=MAX_FILE_BYTES)


class YearPopulationForm(forms.Form):
    """The county's resident population of a year (empty: not entered, no 人均 shown)."""

    population = forms.IntegerField(
        label="常住人口（人）",
        required=False,
        min_value=1,
        max_value=POPULATION_MAX,
        help_text="用于公开页面“公民预算”的人均数；不填则不显示人均数。",
        error_messages={
            "invalid": POPULATION_INVALID,
            "min_value": POPULATION_INVALID,
            "max_value": POPULATION_INVALID,
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "year-%s")
        super().__init__(*args, **kwargs)
