"""Open data of a published disclosure (issue 6): an OpenSpending Fiscal Data Package.

Built once at publication from the version's JSON snapshot (`tables.publication.services.
publication_snapshot`), stored with the version (`FileKind.OPENDATA`, `FileKind.DATA_CSV`) and
served as stored. Plain functions over the snapshot dict: no database, no HTTP.

The package (a zip) holds `datapackage.json` and three CSV resources:

- `data/budget.csv` (`BUDGET_FIELDS`): one row per amount, in 元 as an exact decimal ("1234.50").
  Expenditure rows are the budget lines as approved (功能分类 类/款/项, 部门 and 政府 经济分类,
  基本/项目支出, fund source, project); revenue rows are the lines' amounts by fund source, 本年收入
  (is_carryover = false) and 上年结转 (true) — exactly how 表一 derives its revenue side. So, per
  unit, the revenue rows sum to 表一 收入总计 and the expenditure rows to 表一 支出总计. Every row
  carries the unit's identity (year, 主管部门, unit, version), so the budget CSVs of many units
  concatenate into one table: that is the bulk CSV of a year (`tables.public.opendata_views`).
- `data/table_cells.csv` (`TABLE_CELL_FIELDS`): every amount cell of 表一 … 表十四 as published,
  in exact 元, with its table, row (number, level, code, label) and column key.
- `data/narrative_figures.csv` (`FIGURE_FIELDS`): the figures the 情况说明 prints, in exact 元.

The descriptor follows the Fiscal Data Package: `profile: fiscal-data-package`, Table Schema
fields with FDP `columnType`s, and a `model` whose measure is the amount in CNY, phase
`approved`. The direction (expenditure / revenue) varies by row, so it is a column and a model
dimension (FDP 1.0 allows direction and phase "provided in a separate column"); the model also
declares the two directions as measures filtered on that column (`filter`, an extension the
FDP allows: "other properties allowed").

CSV: UTF-8 without BOM, comma-separated, CRLF line ends (RFC 4180), header = field names,
written by the product's one CSV writer (`tables.document.render.csv`): a text cell beginning with ``=``,
``+``, ``-``, ``@``, tab or CR (a formula to a spreadsheet) gets a leading apostrophe, plain
numbers excepted. Each resource and the package say so (`FORMULA_ESCAPE`, in words and as data),
so a reader drops the apostrophe to get the original text.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from tables.document.render.archive import dated_zip
from tables.document.render.csv import csv_bytes as _csv_bytes
from tables.figures.types import FUNDS
from units.formula_text import CSV_FORMULA_PREFIXES

CENT = Decimal("0.01")
PROFILE = "fiscal-data-package"
CURRENCY = "CNY"
PHASE = "approved"
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
    Field("table_code", "string", "表号", "T01 … T14", required=True),
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


# --- rows -------------------------------------------------------------------------------------


def money(value) -> str:
    """An amount as exact decimal text with 2 places ("1234.50"); "" for none."""
    if value is None or value == "":
        return ""
    return str(Decimal(value).quantize(CENT))


def identity(snapshot: dict) -> dict:
    unit = snapshot["unit"]
    return {
        "fiscal_year": snapshot["year"],
        "department_code": unit["department_code"],
        "department_name": unit["department_name"],
        "unit_code": unit["code"],
        "unit_name": unit["name"],
        "version": snapshot["version"],
    }


def _code_name(names: dict, scheme: str, code: str) -> str:
    return names.get(scheme, {}).get(code, "") if code else ""


def _econ(names: dict, scheme: str, prefix: str, code: str) -> dict:
    class_code = code[:3]
    return {
        f"{prefix}_class_code": class_code,
        f"{prefix}_class_name": _code_name(names, scheme, class_code),
        f"{prefix}_code": code if len(code) > 3 else "",
        f"{prefix}_name": _code_name(names, scheme, code) if len(code) > 3 else "",
    }


def _empty_budget_row() -> dict:
    return {field.name: "" for field in BUDGET_FIELDS}


def budget_rows(snapshot: dict) -> list[dict]:
    """The rows of budget.csv: revenue (by fund, 本年收入 then 上年结转), then expenditure (each
    budget line in entry order). Amounts are exact decimal text."""
    budget = snapshot["budget"]
    names = budget.get("code_names", {})
    projects = {p["id"]: p["name"] for p in budget.get("projects", [])}
    lines = budget["lines"]
    base = identity(snapshot)
    rows = []

    revenue: dict[tuple[bool, str], Decimal] = {}
    for line in lines:
        key = (bool(line["is_carryover"]), line["fund"])
        revenue[key] = revenue.get(key, Decimal(0)) + Decimal(line["amount"])
    for is_carryover in (False, True):
        for fund in FUNDS:
            if (is_carryover, fund) not in revenue:
                continue
            rows.append(
                _empty_budget_row()
                | base
                | {
                    "direction": REVENUE,
                    "phase": PHASE,
                    "fund_code": fund,
                    "fund_name": FUND_NAMES[fund],
                    "is_carryover": "true" if is_carryover else "false",
                    "amount": money(revenue[(is_carryover, fund)]),
                }
            )

    for line in lines:
        func = line["func_code"]
        kind = line["expense_kind"]
        rows.append(
            _empty_budget_row()
            | base
            | {
                "direction": EXPENDITURE,
                "phase": PHASE,
                "fund_code": line["fund"],
                "fund_name": FUND_NAMES.get(line["fund"], ""),
                "is_carryover": "true" if line["is_carryover"] else "false",
                "func_class_code": func[:3],
                "func_class_name": _code_name(names, "func", func[:3]),
                "func_section_code": func[:5] if len(func) >= 5 else "",
                "func_section_name": _code_name(names, "func", func[:5]) if len(func) >= 5 else "",
                "func_item_code": func if len(func) >= 7 else "",
                "func_item_name": _code_name(names, "func", func) if len(func) >= 7 else "",
                **_econ(names, "dept_econ", "dept_econ", line["dept_code"]),
                **_econ(names, "gov_econ", "gov_econ", line["gov_code"]),
                "expense_kind_code": kind,
                "expense_kind_name": EXPENSE_KIND_NAMES.get(kind, ""),
                "basic_or_project": "项目支出" if kind == "project" else "基本支出",
                "project_name": projects.get(line["project_id"], "")
                if line["project_id"] is not None
                else "",
                "amount": money(line["amount"]),
            }
        )
    for number, row in enumerate(rows, start=1):
        row["row_no"] = number
    return rows


def _row_label(texts: list, index: int) -> str:
    """The last non-empty text cell left of column `index`."""
    for value in reversed(texts[:index]):
        if value:
            return value
    return ""


def table_cell_rows(snapshot: dict) -> list[dict]:
    """The rows of table_cells.csv: each amount cell of 表一 … 表十四 (empty cells left out)."""
    base = identity(snapshot)
    rows = []
    for table in snapshot["tables"]:
        kinds = [column["kind"] for column in table["columns"]]
        keys = [column["key"] for column in table["columns"]]
        for row_no, row in enumerate(table["rows"], start=1):
            values = row["values"]
            texts = [
                v if kind == "text" and isinstance(v, str) else ""
                for v, kind in zip(values, kinds, strict=True)
            ]
            for index, (value, kind) in enumerate(zip(values, kinds, strict=True)):
                if kind != "money" or value is None or value == "":
                    continue
                rows.append(
                    base
                    | {
                        "table_code": table["code"],
                        "table_title": table["title"],
                        "row_no": row_no,
                        "row_level": row["level"],
                        "row_code": row["code"],
                        "row_label": _row_label(texts, index),
                        "column_key": keys[index],
                        "amount": money(value),
                    }
                )
    return rows


def narrative_figure_rows(snapshot: dict) -> list[dict]:
    """The rows of narrative_figures.csv, in the order the narrative computed them."""
    base = identity(snapshot)
    figures = (snapshot.get("narrative") or {}).get("figures") or {}
    return [base | {"figure": name, "amount": money(value)} for name, value in figures.items()]


# --- files ------------------------------------------------------------------------------------


def csv_bytes(fields, rows) -> bytes:
    """UTF-8 (no BOM), CRLF, the field names as header; formula-like cells neutralised."""
    return _csv_bytes(rows, fieldnames=[f.name for f in fields])


def budget_csv(snapshot: dict) -> bytes:
    """budget.csv of one version: the bytes stored as `FileKind.DATA_CSV`."""
    return csv_bytes(BUDGET_FIELDS, budget_rows(snapshot))


def csv_header(fields=BUDGET_FIELDS) -> bytes:
    return csv_bytes(fields, [])


def csv_body(content: bytes) -> bytes:
    """The data rows of a stored CSV (its header line dropped), for concatenation."""
    _, _, body = bytes(content).partition(b"\r\n")
    return body


def table_schema(fields, primary_key=None) -> dict:
    schema = {"fields": [f.descriptor() for f in fields], "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = primary_key
    return schema


def resource_descriptor(
    name: str, path: str, title: str, fields, *, content: bytes | None = None, primary_key=None
) -> dict:
    out = {
        "name": name,
        "path": path,
        "title": title,
        "description": FORMULA_ESCAPE_NOTE,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        "schema": table_schema(fields, primary_key),
        "formulaEscape": {**FORMULA_ESCAPE, "initials": list(FORMULA_ESCAPE["initials"])},
    }
    if content is not None:
        out["bytes"] = len(content)
        out["hash"] = "sha256:" + hashlib.sha256(content).hexdigest()
    return out


def fiscal_model(resource: str = "budget") -> dict:
    """The FDP `model`: the amount (CNY, approved) and the dimensions of budget.csv."""

    def measure(direction=None):
        out = {
            "source": "amount",
            "resource": resource,
            "currency": CURRENCY,
            "factor": 1,
            "phase": PHASE,
        }
        if direction:
            out["direction"] = direction
            out["filter"] = {"direction": direction}
        return out

    def classification(kind: str, levels: list[tuple[str, str, str]]) -> dict:
        attributes = {}
        parent = None
        for key, code, label in levels:
            attributes[key] = {"source": code, "resource": resource}
            if parent:
                attributes[key]["parent"] = parent
            attributes[f"{key}_label"] = {"source": label, "resource": resource, "labelfor": key}
            parent = key
        return {
            "attributes": attributes,
            "primaryKey": [key for key, _, _ in levels],
            "dimensionType": "classification",
            "classificationType": kind,
        }

    return {
        "measures": {
            "amount": measure(),
            "expenditure": measure(EXPENDITURE),
            "revenue": measure(REVENUE),
        },
        "dimensions": {
            "fiscal_year": {
                "attributes": {"year": {"source": "fiscal_year", "resource": resource}},
                "primaryKey": "year",
                "dimensionType": "datetime",
            },
            "administrative": classification(
                "administrative",
                [
                    ("department", "department_code", "department_name"),
                    ("unit", "unit_code", "unit_name"),
                ],
            ),
            "direction": {
                "attributes": {"direction": {"source": "direction", "resource": resource}},
                "primaryKey": "direction",
                "dimensionType": "other",
            },
            "fund": classification("other", [("fund", "fund_code", "fund_name")]),
            "functional": classification(
                "functional",
                [
                    ("class", "func_class_code", "func_class_name"),
                    ("section", "func_section_code", "func_section_name"),
                    ("item", "func_item_code", "func_item_name"),
                ],
            ),
            "economic": classification(
                "economic",
                [
                    ("class", "dept_econ_class_code", "dept_econ_class_name"),
                    ("item", "dept_econ_code", "dept_econ_name"),
                ],
            ),
            "government_economic": classification(
                "economic",
                [
                    ("class", "gov_econ_class_code", "gov_econ_class_name"),
                    ("item", "gov_econ_code", "gov_econ_name"),
                ],
            ),
            "expense_kind": classification(
                "economic", [("kind", "expense_kind_code", "expense_kind_name")]
            ),
            "project": {
                "attributes": {"name": {"source": "project_name", "resource": resource}},
                "primaryKey": "name",
                "dimensionType": "activity",
            },
        },
    }


def _package_common(year: int) -> dict:
    return {
        "profile": PROFILE,
        "profiles": {"fiscal": "*", "tabular": "*"},
        "countryCode": "CN",
        "granularity": "aggregated",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "licenses": [LICENSE],
        "keywords": ["单位预算公开", "budget", "China"],
    }


def package_descriptor(snapshot: dict, contents: dict[str, bytes]) -> dict:
    """datapackage.json of one version; `contents` = resource name → its CSV bytes."""
    unit = snapshot["unit"]
    year = snapshot["year"]
    return {
        "name": f"budget-{year}-{unit['code']}-v{snapshot['version']}".lower(),
        "title": f"{unit['name']}{year}年单位预算公开（第{snapshot['version']}版）",
        "description": (
            f"{unit['department_name']} {unit['name']} {year}年单位预算（批复数），"
            "金额单位为元，精确到分。" + FORMULA_ESCAPE_NOTE
        ),
        "version": str(snapshot["version"]),
        "created": snapshot["published_at"],
        **_package_common(year),
        "resources": [
            resource_descriptor(
                name, path, title, fields, content=contents[name], primary_key=primary_key
            )
            for name, (path, title, fields, primary_key) in RESOURCES.items()
        ],
        "model": fiscal_model(),
    }


def opendata_package(snapshot: dict, *, date_time: datetime.datetime) -> bytes:
    """The zip stored as `FileKind.OPENDATA`: datapackage.json and the three CSVs, dated with
    the publication time (equal data → equal bytes)."""
    contents = {
        "budget": budget_csv(snapshot),
        "table_cells": csv_bytes(TABLE_CELL_FIELDS, table_cell_rows(snapshot)),
        "narrative_figures": csv_bytes(FIGURE_FIELDS, narrative_figure_rows(snapshot)),
    }
    descriptor = package_descriptor(snapshot, contents)
    files = {"datapackage.json": json.dumps(descriptor, ensure_ascii=False, indent=2).encode()}
    files |= {RESOURCES[name][0]: content for name, content in contents.items()}
    return dated_zip(files, date_time=date_time)


def year_descriptor(*, year: int, csv_url: str, unit_count: int, updated: str) -> dict:
    """datapackage.json of a year's bulk CSV (all units' newest published versions)."""
    resource = resource_descriptor(
        "budget",
        csv_url,
        f"{year}年已公开单位预算收支明细（全部单位）",
        BUDGET_FIELDS,
        primary_key=["unit_code", "row_no"],
    )
    return {
        "name": f"budget-{year}-all-units",
        "title": f"{year}年单位预算公开数据（全部已公开单位）",
        "description": (
            f"{year}年全部已公开单位的最新公开版本，按单位编码排序；共{unit_count}个单位。"
            "每个单位的收入行之和等于其预算公开表一“收入总计”，支出行之和等于“支出总计”。"
            + FORMULA_ESCAPE_NOTE
        ),
        "updated": updated,
        **_package_common(year),
        "resources": [resource],
        "model": fiscal_model(),
    }


# --- the JSON Schemas ---------------------------------------------------------------------------


def schema_path(name: str):
    """The file of a published JSON Schema (`SCHEMA_NAMES`)."""
    from pathlib import Path

    if name not in SCHEMA_NAMES:
        raise KeyError(name)
    return Path(__file__).resolve().parent / "opendata_schemas" / f"{name}.json"


def schema_load(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def schema_errors(name: str, document) -> list[str]:
    """Where `document` breaks the JSON Schema `name` (draft 2020-12): "path: message" each,
    empty when it validates."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        schema_load(name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '$'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
