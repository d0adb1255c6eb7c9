"""The upload form of the desk's Excel section: one .xlsx file of a kind (预算明细 or 绩效目标).
The file's content is judged by the import itself (at the preview); here only what can be told
before reading it: a file was chosen, its name ends in .xlsx, it is within the kind's limit."""

from django import forms

from tables.desk.import_kinds import ImportKind

XLSX_TYPES = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_upload_check(upload, *, max_bytes: int):
    """The upload itself, or the Chinese refusal every desk upload gives: not an .xlsx name, or
    larger than `max_bytes` (the content is judged by the import that reads it)."""
    if not upload.name.lower().endswith(".xlsx"):
        raise forms.ValidationError(
            "请上传 .xlsx 格式的 Excel 文件（旧版 .xls 请先用 Excel 另存为 .xlsx）。"
        )
    if upload.size > max_bytes:
        raise forms.ValidationError(f"文件过大：不能超过 {max_bytes // (1024 * 1024)} MB。")
    return upload


class ExcelUploadForm(forms.Form):
    file = forms.FileField(
        error_messages={
            "required": "请选择要导入的 Excel 文件（.xlsx）。",
            "empty": "选择的文件是空的，请重新选择。",
        },
    )

    def __init__(self, *args, kind: ImportKind, **kwargs):
        kwargs.setdefault("auto_id", f"{kind.key}-%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        field = self.fields["file"]
        field.label = f"选择{kind.label}工作簿（.xlsx）"
        field.help_text = (
            f"使用本页下载的模板或导出的文件填写，不超过 {kind.max_mb} MB。"
            "上传后先显示预览，确认后才保存。"
        )
        field.widget.attrs["accept"] = XLSX_TYPES

    def clean_file(self):
        return xlsx_upload_check(self.cleaned_data["file"], max_bytes=self.kind.max_bytes)
