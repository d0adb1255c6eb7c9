"""Helpers shared by the table modules: sums over lines and the 类/款/项 tree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from tables.figures.types import FISCAL_FUNDS, ZERO, BudgetData, HeaderCell, LineRow, Row

ValueFn = Callable[[LineRow], Sequence[Decimal]]


def total(lines: Iterable[LineRow]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def add_into(acc: list[Decimal], values: Sequence[Decimal]) -> None:
    for i, value in enumerate(values):
        acc[i] += value


def sums_by(
    lines: Iterable[LineRow], key: Callable[[LineRow], object], values: ValueFn, width: int
):
    """Group lines by `key` and add up the value vectors `values(line)` exactly."""
    acc: dict[object, list[Decimal]] = defaultdict(lambda: [ZERO] * width)
    for line in lines:
        add_into(acc[key(line)], values(line))
    return acc


def functional_tree_rows(
    data: BudgetData,
    lines: Iterable[LineRow],
    values: ValueFn,
    width: int,
    *,
    total_label: str = "合计",
    first_row_index: int = 0,
) -> list[Row]:
    """合计, then each 类, its 款 and their 项 (code order), each with exact subtotals.

    Cells are `[code, name, *values]`. Only 项 with at least one line appear. `parts` link each
    total to the rows it adds up, for the 尾差 rule.
    """
    by_item = sums_by(lines, lambda line: line.func_code, values, width)
    grand = [ZERO] * width
    tree: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in sorted(by_item):
        tree[item[:3]][item[:5]].append(item)
        add_into(grand, by_item[item])

    rows: list[Row] = [Row(cells=(total_label, "", *grand), level=0)]
    class_indices = []
    for class_code in sorted(tree):
        class_index = len(rows)
        class_indices.append(first_row_index + class_index)
        rows.append(None)  # placeholder, filled once its 款 are known
        class_sum = [ZERO] * width
        section_indices = []
        for section_code in sorted(tree[class_code]):
            section_index = len(rows)
            section_indices.append(first_row_index + section_index)
            rows.append(None)
            section_sum = [ZERO] * width
            item_indices = []
            for item in tree[class_code][section_code]:
                item_indices.append(first_row_index + len(rows))
                rows.append(
                    Row(
                        cells=(item, data.name("func", item), *by_item[item]),
                        level=3,
                        code=item,
                    )
                )
                add_into(section_sum, by_item[item])
            rows[section_index] = Row(
                cells=(section_code, data.name("func", section_code), *section_sum),
                level=2,
                code=section_code,
                parts=tuple(item_indices),
            )
            add_into(class_sum, section_sum)
        rows[class_index] = Row(
            cells=(class_code, data.name("func", class_code), *class_sum),
            level=1,
            code=class_code,
            parts=tuple(section_indices),
        )
    rows[0] = Row(cells=rows[0].cells, level=0, parts=tuple(class_indices))
    return rows


FISCAL_FUND_LABELS = ("一般公共预算", "政府性基金预算", "国有资本经营预算")


def code_tree_header(year: int, last: tuple[str, ...]) -> tuple:
    """The usual two-row header: 项目 (科目编码, 科目名称) then a year group over `last`."""
    return (
        (HeaderCell("项目", colspan=2), HeaderCell(f"{year}年预算数", colspan=len(last))),
        (HeaderCell("科目编码"), HeaderCell("科目名称"), *(HeaderCell(t) for t in last)),
    )


def fund_vector(line: LineRow, funds: Sequence[str]) -> tuple[Decimal, ...]:
    """(total, per fund…) for one line over `funds`."""
    return (line.amount, *(line.amount if line.fund == f else ZERO for f in funds))


def fiscal_vector(line: LineRow) -> tuple[Decimal, ...]:
    """(合计, 一般公共预算, 政府性基金预算, 国有资本经营预算) for one line."""
    return fund_vector(line, FISCAL_FUNDS)


def basic_project_vector(line: LineRow) -> tuple[Decimal, Decimal, Decimal]:
    """[合计, 基本支出, 项目支出] for one line."""
    if line.is_basic:
        return (line.amount, line.amount, ZERO)
    return (line.amount, ZERO, line.amount)


def fiscal_amount_header(first: str, year: int) -> tuple:
    """`first` beside a year group of 合计 and the three 财政拨款 sources (表十, 表十一)."""
    return (
        (HeaderCell(first, rowspan=2), HeaderCell(f"{year}年预算数", colspan=4)),
        tuple(HeaderCell(t) for t in ("合计", *FISCAL_FUND_LABELS)),
    )
