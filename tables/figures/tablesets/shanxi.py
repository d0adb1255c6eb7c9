"""`shanxi-2025`: the 14 tables of the Shanxi 单位预算公开 (the demo's layout), each computed by
its own module in `tables.figures.derive` (表一 … 表十四, T01 … T14)."""

import functools

from tables.figures.registry import BUILDERS
from tables.figures.tablesets.spec import NarrativeSpec, TableSet, TableSpec

NO_DATA = "注：本表无数据"


def _module_build(build, spec, data):
    return build(data)


def _own(code):
    """A Shanxi table: its registered module's `build` (`tables.figures.registry`) decides rows
    and columns itself (a partial of module-level functions, so a document holding its set can
    be pickled for the PDF pieces)."""
    return functools.partial(_module_build, BUILDERS[code])


_TABLES = (
    ("T01", "{year}年预算收支总表", "万元", "func-class", ""),
    ("T02", "{year}年预算收入总表", "万元", "func", ""),
    ("T03", "{year}年预算支出总表", "万元", "func", ""),
    ("T04", "{year}年财政拨款收支总表", "万元", "func-class-fiscal", ""),
    (
        "T05",
        "{year}年一般公共预算支出预算表（不含上年结转）",
        "万元",
        "func",
        "",
    ),
    (
        "T06",
        "{year}年一般公共预算安排基本支出分经济科目表（不含上年结转）",
        "万元",
        "econ",
        "",
    ),
    (
        "T07",
        "{year}年政府性基金预算收入表（不含上年结转）",
        "万元",
        "func",
        NO_DATA,
    ),
    (
        "T08",
        "{year}年政府性基金预算支出表（不含上年结转）",
        "万元",
        "func",
        NO_DATA,
    ),
    (
        "T09",
        "{year}年国有资本经营预算收支预算表（不含上年结转）",
        "万元",
        "func",
        NO_DATA,
    ),
    ("T10", "{year}年财政拨款安排“三公”经费支出预算表", "万元", "fixed", ""),
    ("T11", "{year}年财政拨款安排机关运行经费预算表", "万元", "fixed", ""),
    ("T12", "{year}年项目支出预算表（本年预算）", "万元", "fixed", NO_DATA),
    ("T13", "{year}年项目支出预算表（上年结转）", "万元", "fixed", NO_DATA),
    ("T14", "政府购买服务支出预算表", "元", "fixed", ""),
)

SHANXI = TableSet(
    name="shanxi-2025",
    title="山西 单位预算公开（14张表）",
    needs_project_attributes=True,
    tables=tuple(
        TableSpec(
            code=code,
            number=i,
            title=title,
            build=_own(code),
            money_unit=unit,
            rows=rows,
            empty_note=note,
        )
        for i, (code, title, unit, rows, note) in enumerate(_TABLES, start=1)
    ),
    narrative=(
        NarrativeSpec("totals", ("T01",)),
        NarrativeSpec("revenue", ("T01",)),
        NarrativeSpec("expenditure", ("T03",)),
        NarrativeSpec("fiscal", ("T04",)),
        NarrativeSpec("general_public", ("T05",)),
        NarrativeSpec("general_basic", ("T06",)),
        NarrativeSpec("sangong", ("T10",)),
        NarrativeSpec("operating_costs", ("T11",)),
        NarrativeSpec("procurement"),
        NarrativeSpec("performance"),
        NarrativeSpec("assets"),
        NarrativeSpec("other"),
    ),
    # the published Shanxi narrative names no table numbers
    cite_in_text=False,
)
