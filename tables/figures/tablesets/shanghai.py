"""`shanghai`: the 9 tables a Shanghai unit publishes, amounts in 元 except “三公”经费 and
机关运行经费 (one table, 万元). No separate project, 政府性基金收入 or 政府购买服务 table; the
收支总表 splits each 功能分类 类 into 人员经费, 公用经费 and 项目支出, and the 基本支出 table lists
地方细化科目 under their national 款."""

from tables.figures.tablesets import builders
from tables.figures.tablesets.spec import NarrativeSpec, TableSet, TableSpec

YUAN = "元"
NO_DATA = "注：本单位无此项预算，本表为空表。"
SPLIT = ("total", "personnel", "public", "project")
BASIC_PROJECT = ("total", "basic", "project")

SHANGHAI = TableSet(
    name="shanghai",
    title="上海 单位预算公开（9张表，元）",
    tables=(
        TableSpec(
            "SH01",
            1,
            "{year}年单位财务收支预算总表",
            builders.two_sided,
            money_unit=YUAN,
            rows="func-class",
            columns=SPLIT,
        ),
        TableSpec(
            "SH02",
            2,
            "{year}年单位收入预算总表",
            builders.income_list,
            money_unit=YUAN,
            rows="income",
        ),
        TableSpec(
            "SH03",
            3,
            "{year}年单位支出预算总表",
            builders.func_tree,
            money_unit=YUAN,
            columns=BASIC_PROJECT,
        ),
        TableSpec(
            "SH04",
            4,
            "{year}年单位财政拨款收支预算总表",
            builders.two_sided,
            money_unit=YUAN,
            lines="fiscal",
            rows="func-class-fiscal",
            columns=("total", "general", "gov_fund", "state_capital"),
        ),
        TableSpec(
            "SH05",
            5,
            "{year}年单位一般公共预算支出功能分类预算表",
            builders.func_tree,
            money_unit=YUAN,
            lines="general-current",
            columns=SPLIT,
        ),
        TableSpec(
            "SH06",
            6,
            "{year}年单位一般公共预算基本支出经济分类预算表",
            builders.econ_tree,
            money_unit=YUAN,
            lines="general-current-basic",
            rows="econ",
            columns=("total", "personnel", "public"),
        ),
        TableSpec(
            "SH07",
            7,
            "{year}年单位政府性基金预算支出功能分类预算表",
            builders.func_tree,
            money_unit=YUAN,
            lines="gov_fund-current",
            columns=BASIC_PROJECT,
            empty_note=NO_DATA,
        ),
        TableSpec(
            "SH08",
            8,
            "{year}年单位国有资本经营预算支出功能分类预算表",
            builders.func_tree,
            money_unit=YUAN,
            lines="state_capital-current",
            columns=BASIC_PROJECT,
            empty_note=NO_DATA,
        ),
        TableSpec(
            "SH09",
            9,
            "{year}年单位“三公”经费和机关运行经费预算表",
            builders.sangong_operating,
            money_unit="万元",
            rows="fixed",
            empty_note=NO_DATA,
        ),
    ),
    narrative=(
        NarrativeSpec("totals", ("SH01",)),
        NarrativeSpec("revenue", ("SH02",)),
        NarrativeSpec("expenditure", ("SH03",)),
        NarrativeSpec("fiscal", ("SH04",)),
        NarrativeSpec("general_public", ("SH05",)),
        NarrativeSpec("general_basic", ("SH06",)),
        NarrativeSpec("sangong", ("SH09",)),
        NarrativeSpec("operating_costs", ("SH09",)),
        NarrativeSpec("procurement"),
        NarrativeSpec("performance"),
        NarrativeSpec("assets"),
        NarrativeSpec("other"),
    ),
)
