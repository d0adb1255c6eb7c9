"""`mof-department`: the national 部门预算 template's 9 tables (财政部), in 万元."""

from tables.figures.derive.income import INCOME_TYPES
from tables.figures.tablesets import builders
from tables.figures.tablesets.columns import INCOME_PREFIX
from tables.figures.tablesets.spec import NarrativeSpec, TableSet, TableSpec

NO_DATA = "注：本部门无此项预算，本表为空表。"
BASIC_PROJECT = ("total", "basic", "project")

MOF_DEPARTMENT = TableSet(
    name="mof-department",
    title="财政部 部门预算公开（9张表，万元）",
    tables=(
        TableSpec(
            "MF01",
            1,
            "{year}年部门收支总表",
            builders.two_sided,
            rows="func-class",
            columns=("total",),
        ),
        TableSpec(
            "MF02",
            2,
            "{year}年部门收入总表",
            builders.func_tree,
            columns=("total", *(INCOME_PREFIX + key for key, _ in INCOME_TYPES)),
        ),
        TableSpec("MF03", 3, "{year}年部门支出总表", builders.func_tree, columns=BASIC_PROJECT),
        TableSpec(
            "MF04",
            4,
            "{year}年财政拨款收支总表",
            builders.two_sided,
            lines="fiscal",
            rows="func-class-fiscal",
            columns=("total", "general", "gov_fund", "state_capital"),
        ),
        TableSpec(
            "MF05",
            5,
            "{year}年一般公共预算支出表",
            builders.func_tree,
            lines="general-current",
            columns=BASIC_PROJECT,
        ),
        TableSpec(
            "MF06",
            6,
            "{year}年一般公共预算基本支出表",
            builders.econ_tree,
            lines="general-current-basic",
            rows="econ",
            columns=("total", "personnel", "public"),
        ),
        TableSpec(
            "MF07",
            7,
            "{year}年一般公共预算“三公”经费支出表",
            builders.sangong_general,
            rows="fixed",
            empty_note=NO_DATA,
        ),
        TableSpec(
            "MF08",
            8,
            "{year}年政府性基金预算支出表",
            builders.func_tree,
            lines="gov_fund-current",
            columns=BASIC_PROJECT,
            empty_note=NO_DATA,
        ),
        TableSpec(
            "MF09",
            9,
            "{year}年国有资本经营预算支出表",
            builders.func_tree,
            lines="state_capital-current",
            columns=BASIC_PROJECT,
            empty_note=NO_DATA,
        ),
    ),
    narrative=(
        NarrativeSpec("totals", ("MF01",)),
        NarrativeSpec("revenue", ("MF02",)),
        NarrativeSpec("expenditure", ("MF03",)),
        NarrativeSpec("fiscal", ("MF04",)),
        NarrativeSpec("general_public", ("MF05",)),
        NarrativeSpec("general_basic", ("MF06",)),
        NarrativeSpec("sangong", ("MF07",)),
        NarrativeSpec("operating_costs"),
        NarrativeSpec("procurement"),
        NarrativeSpec("performance"),
        NarrativeSpec("assets"),
        NarrativeSpec("other"),
    ),
)
