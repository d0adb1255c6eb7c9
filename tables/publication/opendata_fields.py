"""The vocabulary of the open data (tables.publication.opendata): the Fiscal Data Package's
constants, the fields of each CSV resource (name, type, FDP `columnType`, Chinese title) and the
rule for formula-like text. Declared apart from the code that fills the rows, as the schema of the
data.

Each field's Chinese title is declared once, on the field: `FIELD_TITLES` (English name → title)
is read from the fields, and is both the `title` of each field in datapackage.json and the header
row of the Chinese-header variants made for Excel (`?lang=zh`, the bulk XLSX). The CSV resources
themselves keep the English names as their header, as Table Schema tools expect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tables.figures.types import FUNDS
from units.formula_text import CSV_FORMULA_PREFIXES

CENT = Decimal("0.01")
PROFILE = "fiscal-data-package"
CURRENCY = "CNY"
PHASE = "approved"
#: a 决算's budget.csv has each line in three phases (FDP phase names), 年初预算 being `PHASE`
PHASE_ADJUSTED = "adjusted"
PHASE_EXECUTED = "executed"
FINAL_PHASES = {PHASE: "年初预算", PHASE_ADJUSTED: "调整预算", PHASE_EXECUTED: "决算数"}
EXPENDITURE = "expenditure"
REVENUE = "revenue"
#: JSON Schemas served at /public/schemas/<name>.json (files in tables/publication/opendata_schemas/)
SNAPSHOT_SCHEMA_NAME = "budget-disclosure-snapshot-1"
DATAPACKAGE_SCHEMA_NAME = "budget-datapackage-1"
SCHEMA_NAMES = (SNAPSHOT_SCHEMA_NAME, DATAPACKAGE_SCHEMA_NAME)
LICENSE = {"name": "other-open", "title": "政府信息公开，可自由使用，请注明来源"}

FUND_NAMES = dict(
    zip(
        FUNDS,
        ("一般公共预算", "政府性基金预算", "国有资本经营预算", "财政专户管理资金", "单位资金"),
        strict=True,
    )
)
EXPENSE_KIND_NAMES = {
    "personnel": "基本支出-人员经费",
    "public": "基本支出-公用经费",
    "project": "项目支出",
}
DIRECTION_NAMES = {EXPENDITURE: "支出", REVENUE: "收入"}

#: the formula-injection rule of every CSV resource, in words (for people) …
FORMULA_ESCAPE_NOTE = (
    "为防止电子表格把文字当作公式执行，以 = + - @、制表符或回车开头的文字单元格前加了一个英文"
    "单引号（'）；去掉开头的这个单引号即为原文。纯数字（如 -12.50）不加。"
)
#: … and as data (an extension property of each resource, as the Data Package spec allows)
FORMULA_ESCAPE = {
    "prefix": "'",
    "initials": list(CSV_FORMULA_PREFIXES),
    "plainNumbersExempt": True,
    "description": (
        "A text cell that begins with one of `initials` was written with `prefix` in front of "
        "it (CSV/formula injection); remove the first character of a cell that begins with "
        "`prefix` followed by one of `initials` to get the original text. Plain decimal "
        "numbers such as -12.50 are written as they are."
    ),
}


@dataclass(frozen=True)
class Field:
    """One Table Schema field; `column_type` is the FDP ColumnType (empty: none)."""

    name: str
    type: str
    title: str
    description: str = ""
    column_type: str = ""
    enum: tuple[str, ...] = ()
    required: bool = False

    def descriptor(self) -> dict:
        out = {"name": self.name, "type": self.type, "title": self.title}
        if self.description:
            out["description"] = self.description
        if self.type == "number":
            out["bareNumber"] = True
            out["decimalChar"] = "."
        if self.column_type:
            out["columnType"] = self.column_type
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            out["constraints"] = constraints
        return out


_ADMIN = "administrative-classification:generic"
_FUNC = "functional-classification:generic"
_ECON = "economic-classification:generic"
_GOV_ECON = "economic-classification:government"

#: the unit identity every row of every resource starts with
IDENTITY_FIELDS = (
    Field("fiscal_year", "integer", "预算年度", column_type="date:fiscal-year", required=True),
    Field("department_code", "string", "主管部门编码", column_type=f"{_ADMIN}:level1:code"),
    Field("department_name", "string", "主管部门名称", column_type=f"{_ADMIN}:level1:label"),
    Field("unit_code", "string", "单位编码", column_type=f"{_ADMIN}:level2:code", required=True),
    Field("unit_name", "string", "单位名称（公开时）", column_type=f"{_ADMIN}:level2:label"),
    Field("version", "integer", "公开版本", "第n版；更正后以最新版本为准", required=True),
)

BUDGET_FIELDS = (
    *IDENTITY_FIELDS,
    Field(
        "row_no", "integer", "行号", "本单位本版本内的行号，从1起", "budget-line-id", required=True
    ),
    Field(
        "direction",
        "string",
        "收支方向",
        "expenditure = 支出；revenue = 收入",
        "direction",
        (EXPENDITURE, REVENUE),
        True,
    ),
    Field("phase", "string", "预算阶段", "approved = 批复预算", "phase", (PHASE,), True),
    Field("fund_code", "string", "资金来源代码", column_type="fund-source:code", enum=FUNDS),
    Field("fund_name", "string", "资金来源", column_type="fund-source:label"),
    Field(
        "is_carryover",
        "boolean",
        "上年结转",
        "收入：false = 本年收入，true = 上年结转；支出：true = 上年结转安排",
        required=True,
    ),
    Field("func_class_code", "string", "功能分类类级代码", column_type=f"{_FUNC}:level1:code"),
    Field("func_class_name", "string", "功能分类类级名称", column_type=f"{_FUNC}:level1:label"),
    Field("func_section_code", "string", "功能分类款级代码", column_type=f"{_FUNC}:level2:code"),
    Field("func_section_name", "string", "功能分类款级名称", column_type=f"{_FUNC}:level2:label"),
    Field("func_item_code", "string", "功能分类项级代码", column_type=f"{_FUNC}:level3:code"),
    Field("func_item_name", "string", "功能分类项级名称", column_type=f"{_FUNC}:level3:label"),
    Field(
        "dept_econ_class_code", "string", "部门经济分类类级代码", column_type=f"{_ECON}:level1:code"
    ),
    Field(
        "dept_econ_class_name",
        "string",
        "部门经济分类类级名称",
        column_type=f"{_ECON}:level1:label",
    ),
    Field("dept_econ_code", "string", "部门经济分类款级代码", column_type=f"{_ECON}:level2:code"),
    Field("dept_econ_name", "string", "部门经济分类款级名称", column_type=f"{_ECON}:level2:label"),
    Field(
        "gov_econ_class_code",
        "string",
        "政府经济分类类级代码",
        column_type=f"{_GOV_ECON}:level1:code",
    ),
    Field(
        "gov_econ_class_name",
        "string",
        "政府经济分类类级名称",
        column_type=f"{_GOV_ECON}:level1:label",
    ),
    Field(
        "gov_econ_code", "string", "政府经济分类款级代码", column_type=f"{_GOV_ECON}:level2:code"
    ),
    Field(
        "gov_econ_name", "string", "政府经济分类款级名称", column_type=f"{_GOV_ECON}:level2:label"
    ),
    Field(
        "expense_kind_code",
        "string",
        "支出类型代码",
        column_type="economic-classification:expense-kind:code",
        enum=tuple(EXPENSE_KIND_NAMES),
    ),
    Field(
        "expense_kind_name",
        "string",
        "支出类型",
        column_type="economic-classification:expense-kind:label",
    ),
    Field(
        "basic_or_project",
        "string",
        "基本支出/项目支出",
        enum=("基本支出", "项目支出"),
    ),
    Field("project_name", "string", "项目名称", column_type="activity:generic:project:label"),
    Field("amount", "number", "金额（元）", "精确到分的十进制数，单位元", "value", required=True),
)

TABLE_CELL_FIELDS = (
    *IDENTITY_FIELDS,
    Field(
        "table_code",
        "string",
        "表号",
        "T01 … T14（shanxi-2025）、SH01 … SH09（shanghai）或 MF01 … MF09（mof-department）",
        required=True,
    ),
    Field("table_title", "string", "表名"),
    Field("row_no", "integer", "行号", "表内行号，从1起（与公开表格的行次一致）", required=True),
    Field("row_level", "integer", "行级次", "0 = 合计，1 = 类，2 = 款，3 = 项", required=True),
    Field("row_code", "string", "科目代码", "功能分类等科目代码（合计行为空）"),
    Field("row_label", "string", "行名称", "该金额所在行、左侧最近的文字单元格"),
    Field("column_key", "string", "列标识", "表定义中的列键，如 expense_total", required=True),
    Field(
        "amount",
        "number",
        "金额（元）",
        "精确到分的十进制数，单位元（公开表格显示为万元）",
        "value",
    ),
)

FIGURE_FIELDS = (
    *IDENTITY_FIELDS,
    Field("figure", "string", "指标", "情况说明中引用的数字的名称", required=True),
    Field("amount", "number", "金额（元）", "精确到分的十进制数；空 = 无（如无上年数）", "value"),
)

#: a 决算's budget.csv: the same columns, the phase one of `FINAL_PHASES`
FINAL_BUDGET_FIELDS = tuple(
    replace(
        field,
        description="approved = 年初预算（批复数）；adjusted = 调整预算；executed = 决算数",
        enum=tuple(FINAL_PHASES),
    )
    if field.name == "phase"
    else field
    for field in BUDGET_FIELDS
)

#: resource name → (path in the package, title, fields, primary key)
RESOURCES = {
    "budget": ("data/budget.csv", "预算收支明细（每行一个金额）", BUDGET_FIELDS, ["row_no"]),
    "table_cells": (
        "data/table_cells.csv",
        "预算公开表一至表十四的金额单元格",
        TABLE_CELL_FIELDS,
        ["table_code", "row_no", "column_key"],
    ),
    "narrative_figures": (
        "data/narrative_figures.csv",
        "情况说明中的数字",
        FIGURE_FIELDS,
        ["figure"],
    ),
}
#: … of a 决算's package: the same files, budget.csv holding its expenditure in three phases
FINAL_RESOURCES = {
    **RESOURCES,
    "budget": (
        "data/budget.csv",
        "决算支出明细（每条支出的年初预算、调整预算、决算数各一行）",
        FINAL_BUDGET_FIELDS,
        ["row_no"],
    ),
    "table_cells": (
        "data/table_cells.csv",
        "决算公开表1至表9的金额单元格",
        TABLE_CELL_FIELDS,
        ["table_code", "row_no", "column_key"],
    ),
}


def _field_titles(*resources) -> dict[str, str]:
    """English field name → Chinese title over every resource. A name means one thing wherever
    it appears, and a header row must tell its columns apart, so a name with two titles, or two
    fields of one resource with the same title, is an error here (at import) rather than a
    mislabelled column in a download."""
    titles: dict[str, str] = {}
    for fields in resources:
        seen = [field.title for field in fields]
        if len(set(seen)) != len(seen):
            raise ValueError(f"duplicate Chinese titles in a resource: {seen}")
        for field in fields:
            if titles.setdefault(field.name, field.title) != field.title:
                raise ValueError(f"field {field.name} has two titles")
    return titles


#: English field name → its Chinese title (the `title` of each field; the header of `?lang=zh`)
FIELD_TITLES = _field_titles(*(fields for _, _, fields, _ in RESOURCES.values()))
