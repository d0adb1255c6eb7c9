"""The forms of the desk's 按表头导入: the upload of any .xlsx, and the columns page — per field a
choice of the file's columns, the amount unit, and (for who may) 保存为映射 with a name."""

from django import forms

from tables.desk.import_forms import XLSX_TYPES, xlsx_upload_check
from units.excel.header_mapping import AMOUNT_UNITS, MAX_FILE_BYTES, Field
from units.excel.problems import column_letter

NOT_IMPORTED = "（不导入）"


class MappedUploadForm(forms.Form):
    file = forms.FileField(
        label="选择预算明细文件（.xlsx）",
        help_text=(
            f"每行一条预算明细、上方有表头行的 Excel 文件（如一体化平台导出的文件），不超过 "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB。读取第一个工作表。"
        ),
        error_messages={
            "required": "请选择要导入的 Excel 文件（.xlsx）。",
            "empty": "选择的文件是空的，请重新选择。",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "mapped-%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = XLSX_TYPES

    def clean_file(self):
        return xlsx_upload_check(self.cleaned_data["file"], max_bytes=MAX_FILE_BYTES)


def field_name(field: Field) -> str:
    return f"col_{field.key}"


class ColumnsForm(forms.Form):
    """Per field a select of the file's columns (by header text); the unit; 保存为映射."""

    amount_unit = forms.ChoiceField(
        label="金额单位",
        choices=[(u, u) for u in AMOUNT_UNITS],
        help_text="文件中的金额是元还是万元；按万元导入时乘以 10000，精确到分，不四舍五入。",
        widget=forms.RadioSelect,
    )
    save = forms.BooleanField(
        label="保存为映射（确认导入时保存，供以后的文件选用）", required=False
    )
    save_name = forms.CharField(label="映射名称", required=False, max_length=60)

    def __init__(self, *args, fields, headers: dict[int, str], may_save: bool, **kwargs):
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.mapping_fields = list(fields)
        choices = [("", NOT_IMPORTED)]
        seen = set()
        for number, header in headers.items():
            if header not in seen:
                seen.add(header)
                choices.append((header, f"{column_letter(number - 1)}列：{header}"))
        for field in self.mapping_fields:
            self.fields[field_name(field)] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                help_text=("必选。" if field.required else "") + field.help,
            )
        if not may_save:
            del self.fields["save"]
            del self.fields["save_name"]

    def column_fields(self):
        return [self[field_name(f)] for f in self.mapping_fields]

    def columns(self) -> dict[str, str]:
        """Field key → header text of the chosen columns."""
        return {
            f.key: self.cleaned_data[field_name(f)]
            for f in self.mapping_fields
            if self.cleaned_data.get(field_name(f))
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("save") and not (cleaned.get("save_name") or "").strip():
            self.add_error("save_name", "勾选了保存为映射，请填写映射名称。")
        return cleaned
