"""Open data of a published disclosure: an OpenSpending Fiscal Data Package.

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
- `data/table_cells.csv` (`TABLE_CELL_FIELDS`): every amount cell of the statutory tables as published (the table set of the version),
  in exact 元, with its table, row (number, level, code, label) and column key.
- `data/narrative_figures.csv` (`FIGURE_FIELDS`): the figures the 情况说明 prints, in exact 元.

A 决算's package (`FINAL_RESOURCES`) has the same files and columns, but its budget.csv holds
expenditure only, each line three times: its 年初预算 (phase `approved`), 调整预算 (`adjusted`)
and 决算数 (`executed`), from the snapshot's lines and its `final` part; the revenue of a 决算 is
not the sum of its lines, and is in table_cells.csv (决算公开表1). Its model has a measure per
phase, filtered on the phase column.

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

For Excel, every CSV is also offered with a Chinese header (`csv_zh`): a UTF-8 BOM (without it
Excel reads UTF-8 as the local code page), the fields' Chinese titles (`FIELD_TITLES`) in place of
the header row, then the stored data rows byte for byte. The stored files never change; the
variant is made on the way out. The year's bulk file is also an XLSX (`tables.publication.
opendata_xlsx`).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from decimal import Decimal

from tables.document.render.archive import dated_zip
from tables.document.render.csv import csv_bytes as _csv_bytes
from tables.document.render.csv import csv_neutralised
from tables.figures.types import FUNDS, disclosure_scope
from tables.publication.opendata_fields import (
    BUDGET_FIELDS,
    CENT,
    CURRENCY,
    EXPENDITURE,
    EXPENSE_KIND_NAMES,
    FIELD_TITLES,
    FIGURE_FIELDS,
    FINAL_BUDGET_FIELDS,
    FINAL_PHASES,
    FINAL_RESOURCES,
    FORMULA_ESCAPE,
    FORMULA_ESCAPE_NOTE,
    FUND_NAMES,
    LICENSE,
    PHASE,
    PHASE_ADJUSTED,
    PHASE_EXECUTED,
    PROFILE,
    RESOURCES,
    REVENUE,
    SCHEMA_NAMES,
    TABLE_CELL_FIELDS,
)
from units.formula_text import csv_cell_neutralise

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


def is_final(snapshot: dict) -> bool:
    """Whether the snapshot is a 决算's."""
    return snapshot.get("kind") == "final"


def package_resources(snapshot: dict) -> dict:
    """`RESOURCES`, or a 决算's `FINAL_RESOURCES`."""
    return FINAL_RESOURCES if is_final(snapshot) else RESOURCES


def _expenditure_row(line: dict, *, base: dict, names: dict, projects: dict, phase, amount):
    func = line["func_code"]
    kind = line["expense_kind"]
    return (
        _empty_budget_row()
        | base
        | {
            "direction": EXPENDITURE,
            "phase": phase,
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
            "amount": money(amount),
        }
    )


def budget_rows(snapshot: dict) -> list[dict]:
    """The rows of budget.csv: revenue (by fund, 本年收入 then 上年结转), then expenditure (each
    budget line in entry order); a 决算's, `final_rows`. Amounts are exact decimal text."""
    if is_final(snapshot):
        return final_rows(snapshot)
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
        rows.append(
            _expenditure_row(
                line, base=base, names=names, projects=projects, phase=PHASE, amount=line["amount"]
            )
        )
    for number, row in enumerate(rows, start=1):
        row["row_no"] = number
    return rows


def final_rows(snapshot: dict) -> list[dict]:
    """The rows of a 决算's budget.csv: every line (entry order) with its 年初预算, then every
    line with its 调整预算, then with its 决算数 (`FINAL_PHASES`); expenditure only."""
    budget = snapshot["budget"]
    lines = budget["lines"]
    final = snapshot["final"]
    phases = {
        PHASE: final["planned_amounts"],
        PHASE_ADJUSTED: final["adjusted_amounts"],
        PHASE_EXECUTED: [line["amount"] for line in lines],
    }
    common = {
        "base": identity(snapshot),
        "names": budget.get("code_names", {}),
        "projects": {p["id"]: p["name"] for p in budget.get("projects", [])},
    }
    rows = [
        _expenditure_row(line, phase=phase, amount=amount, **common)
        for phase in FINAL_PHASES
        for line, amount in zip(lines, phases[phase], strict=True)
    ]
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
    """The rows of table_cells.csv: each amount cell of the version's statutory tables (empty cells left out)."""
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
    fields = FINAL_BUDGET_FIELDS if is_final(snapshot) else BUDGET_FIELDS
    return csv_bytes(fields, budget_rows(snapshot))


def csv_header(fields=BUDGET_FIELDS) -> bytes:
    return csv_bytes(fields, [])


def csv_header_zh(names) -> bytes:
    """The Chinese header row of a CSV whose header holds the field `names` (a name without a
    title keeps its own), UTF-8 BOM first: what the `?lang=zh` variants put before the body."""
    return _csv_bytes([[FIELD_TITLES.get(name, name) for name in names]], bom=True)


def csv_header_names(content: bytes) -> list[str]:
    """The field names of a stored CSV's header row."""
    header, _, _ = bytes(content).partition(b"\r\n")
    return next(csv.reader([header.decode("utf-8-sig")]), [])


def csv_zh(content: bytes) -> bytes:
    """A stored CSV with a Chinese header (BOM first) for Excel: the titles of its own header's
    names, then its data rows byte for byte as the product's writer writes them now
    (`csv_neutralised`: the stored bytes, unless stored before formula-like cells were
    neutralised)."""
    return csv_header_zh(csv_header_names(content)) + csv_body(csv_neutralised(content))


def cell_original(value: str) -> str:
    """The text a neutralised CSV cell stands for: a cell the writer prefixed with an apostrophe
    (`FORMULA_ESCAPE`) without it, anything else as it is. What a spreadsheet shows when it opens
    the CSV, and what the XLSX holds (as text that is never a formula)."""
    if value.startswith("'") and csv_cell_neutralise(value[1:]) == value:
        return value[1:]
    return value


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


def fiscal_model(resource: str = "budget", *, final: bool = False) -> dict:
    """The FDP `model`: the amount (CNY, approved) and the dimensions of budget.csv; a 决算's
    (`final`): a measure per phase (`FINAL_PHASES`, expenditure), and the phase a dimension."""

    def measure(direction=None, phase=PHASE):
        out = {
            "source": "amount",
            "resource": resource,
            "currency": CURRENCY,
            "factor": 1,
            "phase": phase,
        }
        if direction:
            out["direction"] = direction
            out["filter"] = {"direction": direction}
        if final:
            out["filter"] = {**out.get("filter", {}), "phase": phase}
        return out

    if final:
        measures = {phase: measure(EXPENDITURE, phase) for phase in FINAL_PHASES}
        phase_dimension = {
            "phase": {
                "attributes": {"phase": {"source": "phase", "resource": resource}},
                "primaryKey": "phase",
                "dimensionType": "other",
            }
        }
    else:
        measures = {
            "amount": measure(),
            "expenditure": measure(EXPENDITURE),
            "revenue": measure(REVENUE),
        }
        phase_dimension = {}

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
        "measures": measures,
        "dimensions": {
            **phase_dimension,
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


def _package_common(year: int, *, final: bool = False) -> dict:
    return {
        "profile": PROFILE,
        "profiles": {"fiscal": "*", "tabular": "*"},
        "countryCode": "CN",
        "granularity": "aggregated",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "licenses": [LICENSE],
        "keywords": ["单位决算公开", "final accounts", "China"]
        if final
        else ["单位预算公开", "budget", "China"],
    }


def package_descriptor(snapshot: dict, contents: dict[str, bytes]) -> dict:
    """datapackage.json of one version; `contents` = resource name → its CSV bytes. A 部门预算
    (its snapshot's budget lists the member units) is titled 部门预算公开, a 决算 决算公开."""
    unit = snapshot["unit"]
    year = snapshot["year"]
    final = is_final(snapshot)
    scope = disclosure_scope(is_department=bool(snapshot.get("budget", {}).get("members")))
    if final:
        what = (
            f"{year}年{scope}决算：每条支出的年初预算（approved）、调整预算（adjusted）和"
            "决算数（executed）各一行（budget.csv）；收入见决算公开表1（table_cells.csv）。"
        )
    else:
        what = f"{year}年{scope}预算（批复数）。"
    return {
        "name": f"{'final' if final else 'budget'}-{year}-{unit['code']}-v{snapshot['version']}".lower(),
        "title": f"{unit['name']}{year}年{scope}{'决算' if final else '预算'}公开"
        f"（第{snapshot['version']}版）",
        "description": (
            f"{unit['department_name']} {unit['name']} {what}"
            "金额单位为元，精确到分。" + FORMULA_ESCAPE_NOTE
        ),
        "version": str(snapshot["version"]),
        "created": snapshot["published_at"],
        **_package_common(year, final=final),
        "resources": [
            resource_descriptor(
                name, path, title, fields, content=contents[name], primary_key=primary_key
            )
            for name, (path, title, fields, primary_key) in package_resources(snapshot).items()
        ],
        "model": fiscal_model(final=final),
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
    paths = package_resources(snapshot)
    files |= {paths[name][0]: content for name, content in contents.items()}
    return dated_zip(files, date_time=date_time)


def year_descriptor(
    *, year: int, csv_url: str, unit_count: int, updated: str, final: bool = False
) -> dict:
    """datapackage.json of a year's bulk CSV (all units' newest published versions); `final`:
    of its 决算, each line in three phases (`final_rows`)."""
    if final:
        kind, title, fields = "final", "决算支出明细", FINAL_BUDGET_FIELDS
        rows = "每条支出的年初预算（approved）、调整预算（adjusted）和决算数（executed）各一行。"
        excel = "）。"
    else:
        kind, title, fields = "budget", "预算收支明细", BUDGET_FIELDS
        rows = "每个单位的收入行之和等于其预算公开表一“收入总计”，支出行之和等于“支出总计”。"
        excel = "）或同名的 .xlsx 工作簿。"
    label = "决算" if final else "预算"
    resource = resource_descriptor(
        "budget",
        csv_url,
        f"{year}年已公开单位{title}（全部单位）",
        fields,
        primary_key=["unit_code", "row_no"],
    )
    return {
        "name": f"{kind}-{year}-all-units",
        "title": f"{year}年单位{label}公开数据（全部已公开单位）",
        "description": (
            f"{year}年全部已公开{'决算的' if final else ''}单位的最新公开版本，按单位编码排序；"
            f"共{unit_count}个单位。{rows}"
            "用 Excel 打开请用中文表头版（同一地址加 ?lang=zh：UTF-8 带 BOM，表头为各字段的"
            "中文标题，数据行与本文件完全相同" + excel + FORMULA_ESCAPE_NOTE
        ),
        "updated": updated,
        **_package_common(year, final=final),
        "resources": [resource],
        "model": fiscal_model(final=final),
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
