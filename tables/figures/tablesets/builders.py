"""Pure builders of the data-driven table sets: each reads a `TableSpec` (lines, rows, columns)
and the loaded `BudgetData`, sums exact 元 with the helpers of `tables.figures.derive.common`
and returns a `Table` (code, title and money unit are set by `TableSpec.finish`)."""

from __future__ import annotations

from collections import defaultdict

from tables.figures.derive.common import (
    add_into,
    code_tree_header,
    functional_tree_rows,
    sums_by,
    total,
)
from tables.figures.derive.income import INCOME_TYPES, income_by_type
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.tablesets.columns import COLUMN_LABELS, lines_for, vector_fn
from tables.figures.tablesets.spec import TableSpec
from tables.figures.types import (
    FISCAL_FUNDS,
    ZERO,
    BudgetData,
    Column,
    HeaderCell,
    Row,
    Table,
)

FISCAL_INCOME_LABELS = (
    "一般公共预算拨款收入",
    "政府性基金预算拨款收入",
    "国有资本经营预算拨款收入",
)


def _table(spec: TableSpec, data: BudgetData, *, header, columns, rows, is_empty) -> Table:
    return Table(
        code=spec.code,
        number=spec.number,
        title=spec.title_for(data.year),
        unit_name=data.unit.name,
        money_unit=spec.money_unit,
        header=header,
        columns=columns,
        rows=tuple(rows),
        is_empty=is_empty,
    )


def _labels(spec: TableSpec) -> tuple[str, ...]:
    return tuple(COLUMN_LABELS[key] for key in spec.columns)


def func_tree(spec: TableSpec, data: BudgetData) -> Table:
    """合计, then 功能分类 类/款/项 of the spec's lines; one money column per `spec.columns`."""
    lines = lines_for(spec.lines, data.lines)
    return _table(
        spec,
        data,
        header=code_tree_header(data.year, _labels(spec)),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            *(Column(key) for key in spec.columns),
        ),
        rows=functional_tree_rows(data, lines, vector_fn(spec.columns), len(spec.columns)),
        is_empty=not lines,
    )


def econ_tree(spec: TableSpec, data: BudgetData) -> Table:
    """合计, then each 部门经济分类 类, its 款, and under a 款 each 地方细化科目 (`sub_item`) as a
    named row of its own. A 款 is the sum of all its lines, with or without a sub-item, so every
    national figure stays whole; the sub-item rows are its parts only when they cover it."""
    lines = lines_for(spec.lines, data.lines)
    width = len(spec.columns)
    values = vector_fn(spec.columns)
    by_section = sums_by(lines, lambda line: line.dept_code[:5], values, width)
    by_sub = sums_by(
        (line for line in lines if line.sub_item),
        lambda line: (line.dept_code[:5], line.sub_item),
        values,
        width,
    )
    subs: dict[str, list[str]] = defaultdict(list)
    for section, sub in sorted(by_sub):
        subs[section].append(sub)
    classes: dict[str, list[str]] = defaultdict(list)
    for section in sorted(by_section):
        classes[section[:3]].append(section)
    rows: list[Row | None] = [None]
    grand = [ZERO] * width
    class_indices = []
    for class_code in sorted(classes):
        class_index = len(rows)
        class_indices.append(class_index)
        rows.append(None)
        class_sum = [ZERO] * width
        section_indices = []
        for section in classes[class_code]:
            section_index = len(rows)
            section_indices.append(section_index)
            rows.append(None)
            sub_indices = []
            covered = [ZERO] * width
            for sub in subs.get(section, ()):
                sub_indices.append(len(rows))
                vector = by_sub[(section, sub)]
                add_into(covered, vector)
                rows.append(Row(cells=("", sub, *vector), level=3, code=f"{section}/{sub}"))
            vector = by_section[section]
            whole = sub_indices and covered == list(vector)
            rows[section_index] = Row(
                cells=(section, data.name("dept_econ", section), *vector),
                level=2,
                code=section,
                parts=tuple(sub_indices) if whole else (),
            )
            add_into(class_sum, vector)
        rows[class_index] = Row(
            cells=(class_code, data.name("dept_econ", class_code), *class_sum),
            level=1,
            code=class_code,
            parts=tuple(section_indices),
        )
        add_into(grand, class_sum)
    rows[0] = Row(cells=("合计", "", *grand), level=0, parts=tuple(class_indices))
    return _table(
        spec,
        data,
        header=code_tree_header(data.year, _labels(spec)),
        columns=(
            Column("code", "text"),
            Column("name", "text"),
            *(Column(key) for key in spec.columns),
        ),
        rows=rows,
        is_empty=not lines,
    )


def income_list(spec: TableSpec, data: BudgetData) -> Table:
    """合计, then every income type of the national 收入 list (`income_by_type`), one amount."""
    sums = income_by_type(data.lines)
    rows = [Row(cells=("合计", total(data.lines)), level=0, parts=tuple(range(1, 11)))]
    rows += [Row(cells=(label, sums[key]), level=1, code=key) for key, label in INCOME_TYPES]
    return _table(
        spec,
        data,
        header=((HeaderCell("项目"), HeaderCell(f"{data.year}年预算数")),),
        columns=(Column("item", "text"), Column("total")),
        rows=rows,
        is_empty=not data.lines,
    )


def _left_side(spec: TableSpec, data: BudgetData, lines) -> tuple[list, object, object]:
    """(本年 income rows (label, amount), 本年收入合计, 上年结转) of a two-sided summary."""
    if spec.rows == "func-class-fiscal":
        current = [line for line in lines if not line.is_carryover]
        left = [
            (label, sum((line.amount for line in current if line.fund == fund), ZERO))
            for label, fund in zip(FISCAL_INCOME_LABELS, FISCAL_FUNDS, strict=True)
        ]
        return left, total(current), total(line for line in lines if line.is_carryover)
    sums = income_by_type(lines)
    left = [(label, sums[key]) for key, label in INCOME_TYPES if key != "carryover"]
    return left, sum((amount for _, amount in left), ZERO), sums["carryover"]


def two_sided(spec: TableSpec, data: BudgetData) -> Table:
    """收支总表: left, 本年 income by type (or by 财政拨款 source), 本年收入合计, 上年结转结余,
    收入总计; right, each 功能分类 类 with `spec.columns` (e.g. 合计 = 人员经费 + 公用经费 +
    项目支出), 本年支出合计, 年终结转结余, 支出总计 (carry-over spending included, so the two
    totals balance)."""
    lines = lines_for(spec.lines, data.lines)
    width = len(spec.columns)
    by_class = sums_by(lines, lambda line: line.func_code[:3], vector_fn(spec.columns), width)
    right = [(data.name("func", code) or code, code, by_class[code]) for code in sorted(by_class)]
    left, income_total, carry = _left_side(spec, data, lines)
    rows = []
    for i in range(max(len(left), len(right))):
        income = left[i] if i < len(left) else ("", None)
        if i < len(right):
            label, code, vector = right[i]
            expense = (label, *vector)
        else:
            code, expense = "", ("", *([None] * width))
        rows.append(Row(cells=(*income, *expense), level=1, code=code))
    n = len(rows)
    expense_total = [ZERO] * width
    for vector in by_class.values():
        add_into(expense_total, vector)
    money_right = tuple(range(3, 3 + width))
    rows += [
        Row(
            cells=("本年收入合计", income_total, "本年支出合计", *expense_total),
            parts=tuple(range(len(right))),
            part_columns=money_right,
        ),
        Row(cells=("上年结转结余", carry, "年终结转结余", *([None] * width))),
        Row(
            cells=("收入总计", income_total + carry, "支出总计", *expense_total),
            parts=(n, n + 1),
            part_columns=(1,),
        ),
    ]
    labels = _labels(spec)
    header = (
        (HeaderCell("收入", colspan=2), HeaderCell("支出", colspan=1 + width)),
        (
            HeaderCell("项目"),
            HeaderCell("预算数"),
            HeaderCell("项目"),
            *(HeaderCell(label) for label in labels),
        ),
    )
    return _table(
        spec,
        data,
        header=header,
        columns=(
            Column("income_item", "text"),
            Column("income"),
            Column("expense_item", "text"),
            *(Column(key) for key in spec.columns),
        ),
        rows=rows,
        is_empty=not lines,
    )


def sangong_operating(spec: TableSpec, data: BudgetData) -> Table:
    """“三公”经费 (财政拨款, current year: the items of 表十 and their 合计) and 机关运行经费 (as
    表十一 defines it) in one table, one amount column."""
    sums = {key: vector[0] for key, vector in sangong_sums(data).items()}
    vehicles = sums[SANGONG_VEHICLE_PURCHASE] + sums[SANGONG_VEHICLE_OPERATION]
    grand = sums[SANGONG_OUTBOUND] + sums[SANGONG_RECEPTION] + vehicles
    operating = operating_cost_vector(data)[0]
    rows = (
        Row(cells=("“三公”经费合计", grand), level=0, parts=(1, 2, 5)),
        Row(cells=(SANGONG_OUTBOUND, sums[SANGONG_OUTBOUND]), level=1),
        Row(cells=("公务用车购置及运行费", vehicles), level=1, parts=(3, 4)),
        Row(cells=("其中：公务用车购置费", sums[SANGONG_VEHICLE_PURCHASE]), level=2),
        Row(cells=("公务用车运行维护费", sums[SANGONG_VEHICLE_OPERATION]), level=2),
        Row(cells=(SANGONG_RECEPTION, sums[SANGONG_RECEPTION]), level=1),
        Row(cells=("机关运行经费", operating), level=0),
    )
    return _table(
        spec,
        data,
        header=((HeaderCell("项目"), HeaderCell(f"{data.year}年预算数")),),
        columns=(Column("item", "text"), Column("total")),
        rows=rows,
        is_empty=grand == 0 and operating == 0,
    )


def sangong_general(spec: TableSpec, data: BudgetData) -> Table:
    """一般公共预算“三公”经费支出表 (the national template): one row for the unit, columns 合计,
    因公出国（境）费, 公务用车购置及运行费 (小计, 购置费, 运行费), 公务接待费."""
    sums = {key: vector[1] for key, vector in sangong_sums(data).items()}
    vehicles = sums[SANGONG_VEHICLE_PURCHASE] + sums[SANGONG_VEHICLE_OPERATION]
    grand = sums[SANGONG_OUTBOUND] + sums[SANGONG_RECEPTION] + vehicles
    cells = (
        data.unit.name,
        grand,
        sums[SANGONG_OUTBOUND],
        vehicles,
        sums[SANGONG_VEHICLE_PURCHASE],
        sums[SANGONG_VEHICLE_OPERATION],
        sums[SANGONG_RECEPTION],
    )
    return _table(
        spec,
        data,
        header=(
            (
                HeaderCell("单位名称", rowspan=2),
                HeaderCell("合计", rowspan=2),
                HeaderCell(SANGONG_OUTBOUND, rowspan=2),
                HeaderCell("公务用车购置及运行费", colspan=3),
                HeaderCell(SANGONG_RECEPTION, rowspan=2),
            ),
            (HeaderCell("小计"), HeaderCell("公务用车购置费"), HeaderCell("公务用车运行费")),
        ),
        columns=(
            Column("unit", "text"),
            Column("total"),
            Column("outbound"),
            Column("vehicles"),
            Column("vehicle_purchase"),
            Column("vehicle_operation"),
            Column("reception"),
        ),
        rows=(Row(cells=cells, level=1),),
        is_empty=grand == 0,
    )
