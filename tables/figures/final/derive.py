"""The nine tables of the 财政部 部门决算公开 template (公开01表–公开09表), codes F01–F09, 万元.

Pure: each builder takes a `tables.figures.final.types.FinalData` and returns a
`tables.figures.types.Table` (label "决算公开表N"). Expenditure is read off the 决算 lines
(`FinalData.actual`, 上年结转 included: a 决算 counts every 元 spent, whatever year's money it
was), the 年初预算 and 调整预算 off the same lines (`planned`, `adjusted`); income, 年初/年末结转和结余
and the expenditure outside the lines (上缴上级支出, 经营支出, 对附属单位补助支出) off the entered
`FinalFacts`, which hold them per fund or per source, never per 功能分类: where the template
breaks such a figure down by 功能分类 it is printed on the 合计 row only.

An empty table (no amount at all) is `is_empty` with the template's note "本单位无…，故本表为空表。"
(本部门 on a 部门决算).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from tables.figures.derive.common import (
    FISCAL_FUND_LABELS,
    add_into,
    basic_project_vector,
    fiscal_vector,
    functional_tree_rows,
    sums_by,
    total,
)
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
    summary_expense_rows,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.final.compare import completion_rate, final_lines
from tables.figures.final.types import FUND_KEYS, FinalData
from tables.figures.formatting import chinese_numeral
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUND_GOV,
    FUND_STATE_CAPITAL,
    KIND_PERSONNEL,
    ZERO,
    Column,
    HeaderCell,
    LineRow,
    Row,
    Table,
)

MONEY_UNIT = "万元"


def _table(data: FinalData, code: str, title: str, *, empty: str, columns, rows, **fields):
    """A 决算 table F0N of `data`'s unit. It is empty when no money cell holds an amount; its
    note then says the unit has no `empty`."""
    money = [i for i, column in enumerate(columns) if column.kind == "money"]
    is_empty = not any(row.cells[i] for row in rows for i in money)
    return Table(
        code=code,
        number=int(code[1:]),
        title=f"{data.year}年{title}",
        unit_name=data.unit.name,
        money_unit=MONEY_UNIT,
        columns=columns,
        rows=tuple(rows),
        is_empty=is_empty,
        note=f"注：本{data.actual.scope}无{empty}，故本表为空表。" if is_empty else "",
        **fields,
    )


# F01 收入支出决算总表 -----------------------------------------------------------------------

INCOME_ROWS = (
    ("一般公共预算财政拨款收入", "income_general"),
    ("政府性基金预算财政拨款收入", "income_gov_fund"),
    ("国有资本经营预算财政拨款收入", "income_state_capital"),
    ("上级补助收入", "income_superior"),
    ("事业收入", "income_business"),
    ("经营收入", "income_operating"),
    ("附属单位上缴收入", "income_subordinate"),
    ("其他收入", "income_other"),
)
#: the expenditure outside the lines, as F01 lists it after the 功能分类 类
OTHER_EXPENSE_ROWS = (
    ("上缴上级支出", "expense_to_superior"),
    ("经营支出", "expense_operating"),
    ("对附属单位补助支出", "expense_subsidiary"),
)


def income_total(data: FinalData) -> Decimal:
    """本年收入合计: every income source of the facts."""
    return sum((getattr(data.facts, field) for _, field in INCOME_ROWS), ZERO)


def other_expense_total(data: FinalData) -> Decimal:
    """上缴上级支出 + 经营支出 + 对附属单位补助支出 (entered, not lines)."""
    return sum((getattr(data.facts, field) for _, field in OTHER_EXPENSE_ROWS), ZERO)


def balance_total(data: FinalData, side: str) -> Decimal:
    """年初 ("opening") or 年末 ("closing") 结转和结余 over all four funds."""
    return sum((getattr(data.facts, f"{side}_{fund}") for fund in FUND_KEYS), ZERO)


def build_f01(data: FinalData) -> Table:
    """F01 收入支出决算总表 (公开01表), two-sided like 表一.

    Left (收入): 一、一般公共预算财政拨款收入 … 八、其他收入 (the facts), then 本年收入合计,
    年初结转和结余 (all four funds) and 总计. Right (支出): the 30 功能分类 类 of 表一 (决算 lines,
    every fund, 上年结转 included; blank where none), 三十一、上缴上级支出, 三十二、经营支出,
    三十三、对附属单位补助支出 (facts), then 本年支出合计, 年末结转和结余 and 总计. Columns: 项目,
    决算数 on each side. The sides balance when 年初 + 收入 − 支出 = 年末 (rule J01).
    """
    by_class = sums_by(
        data.actual.lines, lambda line: line.func_code[:3], lambda line: (line.amount,), 1
    )
    expenses = [
        (label, by_class[code][0] if code in by_class else None)
        for label, code in summary_expense_rows()
    ]
    start = len(expenses) + 1
    expenses += [
        (f"{chinese_numeral(start + i)}、{label}", getattr(data.facts, field))
        for i, (label, field) in enumerate(OTHER_EXPENSE_ROWS)
    ]
    incomes = [
        (f"{chinese_numeral(i)}、{label}", getattr(data.facts, field))
        for i, (label, field) in enumerate(INCOME_ROWS, start=1)
    ]
    rows = []
    for i, (label, amount) in enumerate(expenses):
        left = incomes[i] if i < len(incomes) else ("", None)
        rows.append(Row(cells=(*left, label, amount), level=1))
    n = len(rows)
    income = income_total(data)
    expense = total(data.actual.lines) + other_expense_total(data)
    opening = balance_total(data, "opening")
    closing = balance_total(data, "closing")
    rows += [
        Row(
            cells=("本年收入合计", income, "本年支出合计", expense),
            parts=tuple(range(n)),
            part_columns=(3,),
        ),
        Row(cells=("年初结转和结余", opening, "年末结转和结余", closing)),
        Row(
            cells=("总计", income + opening, "总计", expense + closing),
            parts=(n, n + 1),
            part_columns=(1, 3),
        ),
    ]
    return _table(
        data,
        "F01",
        "收入支出决算总表",
        empty="收入和支出",
        header=(
            (HeaderCell("收入", colspan=2), HeaderCell("支出", colspan=2)),
            tuple(HeaderCell(t) for t in ("项目", "决算数", "项目", "决算数")),
        ),
        columns=(
            Column("income_item", "text"),
            Column("income"),
            Column("expense_item", "text"),
            Column("expense"),
        ),
        rows=tuple(rows),
    )


# F02 收入决算表 ---------------------------------------------------------------------------

F02_SOURCES = (
    ("fiscal", "财政拨款收入"),
    ("superior", "上级补助收入"),
    ("business", "事业收入"),
    ("operating", "经营收入"),
    ("subordinate", "附属单位上缴收入"),
    ("other", "其他收入"),
)


def build_f02(data: FinalData) -> Table:
    """F02 收入决算表 (公开02表).

    The template's columns: 科目编码, 科目名称, 本年收入合计, 财政拨款收入 (the three funds
    together), 上级补助收入, 事业收入, 经营收入, 附属单位上缴收入, 其他收入. The template breaks
    income down by 功能分类 类/款/项 under a 合计 row; income is entered per source only
    (`FinalFacts`), and spreading it over the 功能分类 of the expenditure would be invented, so
    the table prints the 合计 row alone — the figures of F01's left side.
    """
    facts = data.facts
    values = {
        "fiscal": facts.income_general + facts.income_gov_fund + facts.income_state_capital,
        "superior": facts.income_superior,
        "business": facts.income_business,
        "operating": facts.income_operating,
        "subordinate": facts.income_subordinate,
        "other": facts.income_other,
    }
    rows = (Row(cells=("合计", "", income_total(data), *values.values())),)
    return _table(
        data,
        "F02",
        "收入决算表",
        empty="本年收入",
        header=(
            (
                HeaderCell("项目", colspan=2),
                *(HeaderCell(t, rowspan=2) for t in ("本年收入合计", *dict(F02_SOURCES).values())),
            ),
            (HeaderCell("科目编码"), HeaderCell("科目名称")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("total"),
            *(Column(key) for key, _ in F02_SOURCES),
        ),
        rows=rows,
    )


# F03 支出决算表 ---------------------------------------------------------------------------


def build_f03(data: FinalData) -> Table:
    """F03 支出决算表 (公开03表).

    Rows: 合计, then 功能分类 类/款/项 of the 决算 lines (every fund, 上年结转 included).
    Columns: 科目编码, 科目名称, 本年支出合计, 基本支出, 项目支出, 上缴上级支出, 经营支出,
    对附属单位补助支出. The last three are entered as totals (`FinalFacts`), so they fill the 合计
    row only, which alone adds them into its 本年支出合计; the 类/款/项 rows' 本年支出合计 is
    基本支出 + 项目支出.
    """
    tree = functional_tree_rows(data.actual, data.actual.lines, basic_project_vector, 3)
    others = tuple(getattr(data.facts, field) for _, field in OTHER_EXPENSE_ROWS)
    top = tree[0]
    rows = [
        Row(
            cells=(*top.cells[:2], top.cells[2] + sum(others, ZERO), *top.cells[3:], *others),
            parts=top.parts,
            part_columns=(3, 4),
        ),
        *(
            Row(
                cells=(*row.cells, None, None, None),
                level=row.level,
                code=row.code,
                parts=row.parts,
                part_columns=(2, 3, 4),
            )
            for row in tree[1:]
        ),
    ]
    return _table(
        data,
        "F03",
        "支出决算表",
        empty="本年支出",
        header=(
            (
                HeaderCell("项目", colspan=2),
                *(
                    HeaderCell(t, rowspan=2)
                    for t in (
                        "本年支出合计",
                        "基本支出",
                        "项目支出",
                        "上缴上级支出",
                        "经营支出",
                        "对附属单位补助支出",
                    )
                ),
            ),
            (HeaderCell("科目编码"), HeaderCell("科目名称")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("total"),
            Column("basic"),
            Column("project"),
            *(Column(field.removeprefix("expense_")) for _, field in OTHER_EXPENSE_ROWS),
        ),
        rows=tuple(rows),
    )


# F04 财政拨款收入支出决算总表 ---------------------------------------------------------------

F04_SOURCE_LABELS = (
    "一、一般公共预算财政拨款",
    "二、政府性基金预算财政拨款",
    "三、国有资本经营预算财政拨款",
)


def build_f04(data: FinalData) -> Table:
    """F04 财政拨款收入支出决算总表 (公开04表), two-sided like 表四.

    Left: 一、一般公共预算财政拨款 … 三、国有资本经营预算财政拨款 (收入, facts), 本年收入合计,
    年初财政拨款结转和结余 with its three funds below it, 总计. Right: the 30 功能分类 类 of the
    财政拨款 决算 lines (上年结转 included) in columns 合计, 一般公共预算, 政府性基金预算,
    国有资本经营预算, then 本年支出合计, 年末财政拨款结转和结余 (per fund, facts) and 总计.
    """
    facts = data.facts
    fiscal = [line for line in data.actual.lines if line.fund in FISCAL_FUNDS]
    by_class = sums_by(fiscal, lambda line: line.func_code[:3], fiscal_vector, 4)
    incomes = [
        (label, getattr(facts, f"income_{fund}"))
        for label, fund in zip(F04_SOURCE_LABELS, FISCAL_FUNDS, strict=True)
    ]
    rows = []
    for i, (label, code) in enumerate(summary_expense_rows()):
        left = incomes[i] if i < len(incomes) else ("", None)
        rows.append(Row(cells=(*left, label, *by_class.get(code, (None,) * 4)), level=1))
    n = len(rows)
    expense = [ZERO] * 4
    for vector in by_class.values():
        add_into(expense, vector)
    income = sum((amount for _, amount in incomes), ZERO)
    openings = [facts.opening(fund) for fund in FISCAL_FUNDS]
    closings = [facts.closing(fund) for fund in FISCAL_FUNDS]
    closing = [sum(closings, ZERO), *closings]
    rows.append(
        Row(
            cells=("本年收入合计", income, "本年支出合计", *expense),
            parts=tuple(range(n)),
            part_columns=(3, 4, 5, 6),
        )
    )
    rows.append(
        Row(
            cells=(
                "年初财政拨款结转和结余",
                sum(openings, ZERO),
                "年末财政拨款结转和结余",
                *closing,
            ),
            parts=(n + 2, n + 3, n + 4),
            part_columns=(1,),
        )
    )
    for label, amount in zip(FISCAL_FUND_LABELS, openings, strict=True):
        rows.append(Row(cells=(label, amount, "", None, None, None, None), level=2))
    rows.append(
        Row(
            cells=(
                "总计",
                income + sum(openings, ZERO),
                "总计",
                *(a + b for a, b in zip(expense, closing, strict=True)),
            ),
            parts=(n, n + 1),
            part_columns=(1, 3, 4, 5, 6),
        )
    )
    return _table(
        data,
        "F04",
        "财政拨款收入支出决算总表",
        empty="财政拨款收入和支出",
        header=(
            (HeaderCell("收入", colspan=2), HeaderCell("支出", colspan=5)),
            (
                HeaderCell("项目", rowspan=2),
                HeaderCell("决算数", rowspan=2),
                HeaderCell("项目", rowspan=2),
                HeaderCell("决算数", colspan=4),
            ),
            (HeaderCell("合计"), *(HeaderCell(f"{t}财政拨款") for t in FISCAL_FUND_LABELS)),
        ),
        columns=(
            Column("income_item", "text"),
            Column("income"),
            Column("expense_item", "text"),
            Column("expense_total"),
            *(Column(f) for f in FISCAL_FUNDS),
        ),
        rows=tuple(rows),
    )


# F05, F07, F08: 功能分类 trees of one 财政拨款 fund ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Trio:
    """One line seen as 决算数, 年初预算 and 调整预算, keyed by its 功能分类 like a `LineRow` (so
    the 类/款/项 tree of `functional_tree_rows` adds it up)."""

    func_code: str
    actual: LineRow
    planned: LineRow
    adjusted: LineRow


def _fund_tree(data: FinalData, fund: str, values: Callable[[_Trio], tuple], width: int):
    trios = [
        _Trio(actual.func_code, actual, planned, adjusted)
        for actual, planned, adjusted in final_lines(data, lambda line: line.fund == fund)
    ]
    return functional_tree_rows(data.actual, trios, values, width)


def _planned_adjusted_actual(trio: _Trio) -> tuple:
    return (trio.planned.amount, trio.adjusted.amount, *basic_project_vector(trio.actual))


def build_f05(data: FinalData) -> Table:
    """F05 一般公共预算财政拨款支出决算表 (公开05表).

    Rows: 合计, then 功能分类 类/款/项 of the 一般公共预算 决算 lines (上年结转 included).
    Columns: 科目编码, 科目名称, 年初预算, 调整预算, 决算数 (合计, 基本支出, 项目支出), 完成率 (%)
    = 决算数合计 / 年初预算 × 100 (2 places half-up, blank where the 年初预算 is 0;
    `units.final_balance.completion_rate`).
    """
    tree = _fund_tree(data, FUND_GENERAL, _planned_adjusted_actual, 5)
    rows = tuple(
        Row(
            cells=(*row.cells, completion_rate(row.cells[2], row.cells[4])),
            level=row.level,
            code=row.code,
            parts=row.parts,
        )
        for row in tree
    )
    return _table(
        data,
        "F05",
        "一般公共预算财政拨款支出决算表",
        empty="一般公共预算财政拨款支出",
        header=(
            (
                HeaderCell("项目", colspan=2),
                HeaderCell("年初预算", rowspan=2),
                HeaderCell("调整预算", rowspan=2),
                HeaderCell("决算数", colspan=3),
                HeaderCell("完成率（%）", rowspan=2),
            ),
            tuple(HeaderCell(t) for t in ("科目编码", "科目名称", "合计", "基本支出", "项目支出")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("planned"),
            Column("adjusted"),
            Column("total"),
            Column("basic"),
            Column("project"),
            Column("rate", "text"),
        ),
        rows=rows,
    )


# F06 一般公共预算财政拨款基本支出决算明细表 ---------------------------------------------------


def _personnel_public(line: LineRow) -> tuple:
    if line.expense_kind == KIND_PERSONNEL:
        return (line.amount, line.amount, ZERO)
    return (line.amount, ZERO, line.amount)


def build_f06(data: FinalData) -> Table:
    """F06 一般公共预算财政拨款基本支出决算明细表 (公开06表).

    一般公共预算 基本支出 决算 lines (上年结转 included) by 部门预算支出经济分类. Rows: 合计, each
    类 (301 工资福利支出, 302 商品和服务支出, 303 对个人和家庭的补助 …) and its 款 in code order.
    Columns: 科目编码, 科目名称, 决算数 (合计, 人员经费, 公用经费).
    """
    lines = [line for line in data.actual.lines if line.fund == FUND_GENERAL and line.is_basic]
    by_item = sums_by(lines, lambda line: line.dept_code, _personnel_public, 3)
    classes: dict[str, list[str]] = {}
    for item in sorted(by_item):
        classes.setdefault(item[:3], []).append(item)
    rows: list[Row | None] = [None]
    grand = [ZERO] * 3
    class_indices = []
    for class_code, items in classes.items():
        class_index = len(rows)
        class_indices.append(class_index)
        rows.append(None)
        class_sum = [ZERO] * 3
        item_indices = []
        for item in items:
            item_indices.append(len(rows))
            rows.append(
                Row(
                    cells=(item, data.actual.name("dept_econ", item), *by_item[item]),
                    level=2,
                    code=item,
                )
            )
            add_into(class_sum, by_item[item])
        rows[class_index] = Row(
            cells=(class_code, data.actual.name("dept_econ", class_code), *class_sum),
            level=1,
            code=class_code,
            parts=tuple(item_indices),
        )
        add_into(grand, class_sum)
    rows[0] = Row(cells=("合计", "", *grand), level=0, parts=tuple(class_indices))
    return _table(
        data,
        "F06",
        "一般公共预算财政拨款基本支出决算明细表",
        empty="一般公共预算财政拨款基本支出",
        header=(
            (HeaderCell("项目", colspan=2), HeaderCell("决算数", colspan=3)),
            tuple(HeaderCell(t) for t in ("科目编码", "科目名称", "合计", "人员经费", "公用经费")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("total"),
            Column("personnel"),
            Column("public"),
        ),
        rows=tuple(rows),
    )


# F07 政府性基金预算财政拨款收入支出决算表 ------------------------------------------------------


def build_f07(data: FinalData) -> Table:
    """F07 政府性基金预算财政拨款收入支出决算表 (公开07表).

    Rows: 合计, then 功能分类 类/款/项 of the 政府性基金预算 决算 lines (上年结转 included).
    Columns: 科目编码, 科目名称, 年初结转和结余, 本年收入, 本年支出 (合计, 基本支出, 项目支出),
    年末结转和结余. 年初/年末结转和结余 and 本年收入 are entered per fund, not per 功能分类, so
    they fill the 合计 row only.
    """
    facts = data.facts
    tree = _fund_tree(data, FUND_GOV, lambda trio: basic_project_vector(trio.actual), 3)
    rows = []
    for i, row in enumerate(tree):
        if i == 0:
            cells = (
                *row.cells[:2],
                facts.opening_gov_fund,
                facts.income_gov_fund,
                *row.cells[2:],
                facts.closing_gov_fund,
            )
        else:
            cells = (*row.cells[:2], None, None, *row.cells[2:], None)
        rows.append(
            Row(
                cells=cells, level=row.level, code=row.code, parts=row.parts, part_columns=(4, 5, 6)
            )
        )
    return _table(
        data,
        "F07",
        "政府性基金预算财政拨款收入支出决算表",
        empty="政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出",
        header=(
            (
                HeaderCell("项目", colspan=2),
                HeaderCell("年初结转和结余", rowspan=2),
                HeaderCell("本年收入", rowspan=2),
                HeaderCell("本年支出", colspan=3),
                HeaderCell("年末结转和结余", rowspan=2),
            ),
            tuple(HeaderCell(t) for t in ("科目编码", "科目名称", "小计", "基本支出", "项目支出")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("opening"),
            Column("income"),
            Column("total"),
            Column("basic"),
            Column("project"),
            Column("closing"),
        ),
        rows=tuple(rows),
    )


# F08 国有资本经营预算财政拨款支出决算表 --------------------------------------------------------


def build_f08(data: FinalData) -> Table:
    """F08 国有资本经营预算财政拨款支出决算表 (公开08表).

    Rows: 合计, then 功能分类 类/款/项 of the 国有资本经营预算 决算 lines (上年结转 included).
    Columns: 科目编码, 科目名称, 年初预算, 决算数 (合计, 基本支出, 项目支出).
    """
    tree = _fund_tree(
        data,
        FUND_STATE_CAPITAL,
        lambda trio: (trio.planned.amount, *basic_project_vector(trio.actual)),
        4,
    )
    rows = tuple(tree)
    return _table(
        data,
        "F08",
        "国有资本经营预算财政拨款支出决算表",
        empty="国有资本经营预算财政拨款支出",
        header=(
            (
                HeaderCell("项目", colspan=2),
                HeaderCell("年初预算", rowspan=2),
                HeaderCell("决算数", colspan=3),
            ),
            tuple(HeaderCell(t) for t in ("科目编码", "科目名称", "合计", "基本支出", "项目支出")),
        ),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            Column("planned"),
            Column("total"),
            Column("basic"),
            Column("project"),
        ),
        rows=rows,
    )


# F09 财政拨款“三公”经费支出决算表 -------------------------------------------------------------

#: F09's column keys after the prefix "budget_" / "final_", in print order
SANGONG_COLUMNS = (
    "total",
    "outbound",
    "vehicle",
    "vehicle_purchase",
    "vehicle_operation",
    "reception",
)


def sangong_vector(sums: dict[str, list]) -> tuple[Decimal, ...]:
    """`sangong_sums` (合计 column) as F09 prints one side: 合计, 因公出国（境）费,
    公务用车购置及运行费 (小计, 购置费, 运行维护费), 公务接待费."""
    outbound = sums[SANGONG_OUTBOUND][0]
    purchase = sums[SANGONG_VEHICLE_PURCHASE][0]
    operation = sums[SANGONG_VEHICLE_OPERATION][0]
    reception = sums[SANGONG_RECEPTION][0]
    vehicle = purchase + operation
    return (outbound + vehicle + reception, outbound, vehicle, purchase, operation, reception)


def build_f09(data: FinalData) -> Table:
    """F09 财政拨款“三公”经费支出决算表 (公开09表).

    One row, no label column, as the template prints it. Columns: 预算数 then 决算数, each
    合计, 因公出国（境）费, 公务用车购置及运行费 (小计, 公务用车购置费, 公务用车运行维护费),
    公务接待费 — 表十's derivation (current-year 财政拨款 lines with a 三公 部门经济科目) on the
    年初预算 and on the 决算数.
    """
    planned = sangong_vector(sangong_sums(data.planned))
    actual = sangong_vector(sangong_sums(data.actual))
    rows = (Row(cells=(*planned, *actual)),)
    side = (
        HeaderCell("合计", rowspan=2),
        HeaderCell("因公出国（境）费", rowspan=2),
        HeaderCell("公务用车购置及运行费", colspan=3),
        HeaderCell("公务接待费", rowspan=2),
    )
    vehicle = (HeaderCell("小计"), HeaderCell("公务用车购置费"), HeaderCell("公务用车运行维护费"))
    return _table(
        data,
        "F09",
        "财政拨款“三公”经费支出决算表",
        empty="财政拨款“三公”经费支出",
        header=(
            (HeaderCell("预算数", colspan=6), HeaderCell("决算数", colspan=6)),
            (*side, *side),
            (*vehicle, *vehicle),
        ),
        columns=tuple(
            Column(f"{prefix}_{key}") for prefix in ("budget", "final") for key in SANGONG_COLUMNS
        ),
        rows=rows,
    )


FINAL_BUILDERS: dict[str, Callable[[FinalData], Table]] = {
    "F01": build_f01,
    "F02": build_f02,
    "F03": build_f03,
    "F04": build_f04,
    "F05": build_f05,
    "F06": build_f06,
    "F07": build_f07,
    "F08": build_f08,
    "F09": build_f09,
}


def derive_final(data: FinalData) -> dict[str, Table]:
    """The nine 决算 tables of `data`, keyed F01 … F09 in publication order."""
    return {code: build(data) for code, build in FINAL_BUILDERS.items()}
