"""The response schemas of the open API (Pydantic, through ninja), each field described in
Chinese for the generated OpenAPI document.

Amounts are `Amount`: a string holding an exact decimal in 元 ("12345.67"), never a JSON
number, which most clients would read as a binary float and round."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from tables.models import FigureDimension

#: an exact decimal: optional minus, digits, optional fraction
AMOUNT_PATTERN = r"^-?\d+(\.\d+)?$"

#: a `FigureDimension` value (a Literal rather than the enum: the enum's English docstring would
#: become the schema's description)
Dimension = Literal[tuple(FigureDimension.values)]
DIMENSIONS_TEXT = "、".join(f"{value}（{label}）" for value, label in FigureDimension.choices)

Amount = Annotated[
    str,
    Field(
        pattern=AMOUNT_PATTERN,
        description="金额（元），精确小数的字符串，不是浮点数",
        examples=["12345.67"],
    ),
]


class ErrorOut(Schema):
    """An error, in Chinese."""

    detail: str = Field(description="错误说明（中文）")


class ValidationIssue(Schema):
    loc: list[str | int] = Field(description='出错参数的位置，如 ["query", "year"]')
    type: str = Field(description="错误类型（机器可读）")
    msg: str = Field(description="错误说明（中文）")


class ValidationErrorOut(Schema):
    """Parameters that do not validate (422)."""

    detail: str = Field(description="错误说明（中文）")
    errors: list[ValidationIssue] = Field(description="每个出错的参数")


class ThrottledOut(Schema):
    """Too many requests (429); the `Retry-After` header says the same in seconds."""

    detail: str = Field(description="错误说明（中文）")
    retry_after: int | None = Field(description="建议等待的秒数")


# --- units ------------------------------------------------------------------------------------


class UnitOut(Schema):
    code: str = Field(description="单位编码")
    name: str = Field(description="单位名称（最新公开版本所载）")
    department_code: str = Field(description="主管部门编码")
    department_name: str = Field(description="主管部门名称")
    is_department: bool = Field(description="是否为部门预算（部门汇总）")
    years: list[int] = Field(description="已公开的预算年度，新年度在前")
    latest_version_id: int = Field(description="最新年度最新公开版本的编号")


class VersionBrief(Schema):
    id: int = Field(description="版本编号（全站唯一，用于 /versions/{version_id}）")
    version: int = Field(description="该单位该年度的第几版")
    published_at: datetime.datetime = Field(description="发布时间")
    reason: str = Field(description="更正原因（第1版为空）")
    is_latest: bool = Field(description="是否为最新版本（更正后，此前版本仍可查阅）")


class UnitYearOut(Schema):
    year: int = Field(description="预算年度")
    latest_version_id: int = Field(description="该年度最新公开版本的编号")
    versions: list[VersionBrief] = Field(description="该年度的全部公开版本，新版本在前")


class UnitDetailOut(Schema):
    code: str = Field(description="单位编码")
    name: str = Field(description="单位名称（最新公开版本所载）")
    department_code: str = Field(description="主管部门编码")
    department_name: str = Field(description="主管部门名称")
    is_department: bool = Field(description="是否为部门预算（部门汇总）")
    years: list[UnitYearOut] = Field(description="预算：各年度及其版本，新年度在前")
    final_years: list[UnitYearOut] = Field(
        description="决算：已公开决算的各年度及其版本，新年度在前（没有时为空）"
    )


# --- versions ---------------------------------------------------------------------------------


#: a version's kind, `PublishedVersion.kind`
Kind = Literal["budget", "final"]


class VersionOut(Schema):
    id: int = Field(description="版本编号")
    kind: Kind = Field(description="公开类型：budget（预算）或 final（决算）")
    unit_code: str = Field(description="单位编码")
    unit_name: str = Field(description="单位名称（发布时所载）")
    department_code: str = Field(description="主管部门编码")
    department_name: str = Field(description="主管部门名称")
    year: int = Field(description="预算年度")
    version: int = Field(description="该单位该年度的第几版")
    published_at: datetime.datetime = Field(description="发布时间")
    approval_date: datetime.date | None = Field(description="批复日期（未填写时为空）")
    is_department: bool = Field(description="是否为部门预算（部门汇总）")
    is_headquarters: bool = Field(description="是否为部门本级")
    reason: str = Field(description="更正原因（第1版为空）")
    page_url: str = Field(description="公开页面的地址")


class FileOut(Schema):
    kind: str = Field(description="格式：pdf、xlsx、json、csv、opendata、datacsv、html")
    label: str = Field(description="格式名称")
    file_name: str = Field(description="文件名")
    content_type: str = Field(description="内容类型")
    size: int = Field(description="大小（字节）")
    sha256: str = Field(description="SHA-256 校验值（十六进制），可核对下载的文件")
    url: str = Field(description="下载地址")


class VersionDetailOut(VersionOut):
    submission_versions: list[VersionBrief] = Field(
        description="同一单位同一年度的全部公开版本（含本版），新版本在前"
    )
    latest_version_id: int = Field(description="同一单位同一年度最新公开版本的编号")
    table_set: str = Field(description="所用报表格式（表套）的名称；决算为空（决算公开表1–9）")
    files: list[FileOut] = Field(description="发布时生成并保存的文件")


# --- tables -----------------------------------------------------------------------------------


class ColumnOut(Schema):
    key: str = Field(description="栏目键")
    kind: str = Field(description="栏目类型：money（金额，元）或 text（文字）")


class RowOut(Schema):
    level: int = Field(description="层级：0 合计，1 类，2 款，3 项")
    code: str = Field(description="科目编码（无编码的行为空）")
    values: list[str | None] = Field(
        description="各栏的值：金额栏为元的精确小数字符串，文字栏为文字，空栏为 null"
    )
    display: list[str] = Field(description="各栏按公开表格显示的文字（万元或元，两位小数）")


class TableOut(Schema):
    code: str = Field(description="表格编码，如 T01")
    number: int = Field(description="表格序号")
    label: str = Field(description="表号，如 表一")
    title: str = Field(description="表名")
    unit_name: str = Field(description="编制单位")
    money_unit: str = Field(description="显示金额的单位（万元或元）；values 一律为元")
    note: str = Field(description="表注")
    is_empty: bool = Field(description="是否为空表")
    statutory: bool = Field(
        description="是否为十四张法定表格之一：所用表套与法定表格不同时，二者都提供"
    )
    columns: list[ColumnOut] = Field(description="栏目")
    header: list[list[str]] = Field(description="表头（合并单元格已展开，标签在左上格）")
    rows: list[RowOut] = Field(description="表体各行")


class TablesOut(Schema):
    version_id: int = Field(description="版本编号")
    table_set: str = Field(description="所用报表格式（表套）的名称；决算为空（决算公开表1–9）")
    tables: list[TableOut] = Field(description="公开的表格；表套不同时另附十四张法定表格")


# --- figures ----------------------------------------------------------------------------------


class FigureOut(Schema):
    code: str = Field(description="编码：资金性质、功能分类或经济分类科目编码等")
    name: str = Field(description="名称")
    level: int = Field(description="层级：1 类，2 款，3 项（其他维度为 1）")
    amount: Amount


class VersionFiguresOut(Schema):
    version_id: int = Field(description="版本编号")
    dimension: Dimension | None = Field(description="所选维度；为空时为全部维度")
    figures: dict[str, list[FigureOut]] = Field(description="维度 → 该维度的数字，按编码排序")


class YearFiguresOut(Schema):
    year: int = Field(description="预算年度")
    dimension: Dimension = Field(description="维度")
    department: str = Field(description="所选主管部门编码（为空时为全县）")
    prefix: str = Field(description="所选编码前缀（为空时为全部）")
    figures: list[FigureOut] = Field(description="全县（或该主管部门）各已公开单位的合计")


class DepartmentTotalOut(Schema):
    department_code: str = Field(description="主管部门编码")
    department_name: str = Field(description="主管部门名称")
    units: int = Field(description="已公开的单位数（不含部门预算）")
    expenditure: Amount


class YearOverviewOut(Schema):
    year: int = Field(description="预算年度")
    units: int = Field(description="已公开的单位数（不含部门预算，各取最新版本）")
    totals: list[FigureOut] = Field(description="支出合计、财政拨款、上年结转")
    funds: list[FigureOut] = Field(description="按资金性质的支出")
    functions: list[FigureOut] = Field(description="按支出功能分类（类）的支出")
    departments: list[DepartmentTotalOut] = Field(description="按主管部门的支出合计")


class LedgerRowOut(Schema):
    version_id: int = Field(description="最新公开版本的编号")
    unit_code: str = Field(description="单位编码")
    unit_name: str = Field(description="单位名称")
    department_code: str = Field(description="主管部门编码")
    department_name: str = Field(description="主管部门名称")
    is_department: bool = Field(description="是否为部门预算")
    approval_date: datetime.date | None = Field(description="批复日期（第1版所载；未填写为空）")
    first_published: datetime.date = Field(description="首次公开日期")
    latest_published: datetime.date = Field(description="最近一次公开（含更正）日期")
    days: int | None = Field(description="批复至首次公开的天数（无批复日期为空）")
    on_time: bool | None = Field(description="是否在法定期限内公开（无批复日期为空）")
    corrected: bool = Field(description="是否有过更正")
    versions: int = Field(description="公开版本数")


class LedgerOut(Schema):
    year: int = Field(description="预算年度")
    disclosure_days: int = Field(description="批复后应当公开的天数（法定期限）")
    rows: list[LedgerRowOut] = Field(description="各单位的公开情况，按主管部门、单位编码排序")
