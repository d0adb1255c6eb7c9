"""The figures of a published version, summed once from its snapshot: what the public
comparisons over years, the county overview, the citizens' summary and the API add up.

`snapshot_figures(snapshot)` is pure over the stored JSON snapshot (the same dict the version
keeps in `data_json`), so a version published before these figures existed gets the same rows
from its snapshot (migration `tables.0009`), and the rows never depend on anything that changed
after publication. 三公 and 机关运行经费 are computed by the statutory derivation itself
(`tables.figures.derive.t10_sangong`, `t11_operating_costs`) over the snapshot's lines, so they
are the figures 表十 and 表十一 printed.

Dimensions (`tables.models.FigureDimension`), amounts in exact 元 here and in 分 when stored:

- total: `expenditure` 支出合计 (every line, 本年 and 上年结转), `fiscal` 财政拨款 (一般公共预算,
  政府性基金, 国有资本经营 lines), `carryover` 上年结转;
- revenue: where the money comes from — each fund's 本年收入 (code = fund), and `carryover`
  上年结转结余;
- fund: 支出 by fund (本年 and 上年结转 together);
- function: 支出 by 支出功能分类 at 类 (level 1), 款 (2) and 项 (3);
- economic: 支出 by 部门经济分类 at 类 (1) and 款 (2);
- kind: `basic` 基本支出 (1), under it `personnel` 人员经费 and `public` 公用经费 (2), and
  `project` 项目支出 (1);
- sangong: the four 三公 items of 表十 by their names, and `total`;
- operating: `total` 机关运行经费 (表十一's 合计; zero for a unit that reports none).

A 部门预算's figures are its members' figures added up (its snapshot's lines are theirs); the
county overview therefore leaves 部门预算 out, as the bulk open data does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.snapshot import snapshot_budget_data
from tables.figures.types import (
    FISCAL_FUNDS,
    FUNDS,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
)
from tables.publication.opendata_fields import FUND_NAMES

ZERO = Decimal(0)
#: (code, name) of the `kind` dimension's rows, with their level
KIND_ROWS = (
    ("basic", "基本支出", 1),
    (KIND_PERSONNEL, "人员经费", 2),
    (KIND_PUBLIC, "公用经费", 2),
    (KIND_PROJECT, "项目支出", 1),
)
TOTAL_ROWS = (
    ("expenditure", "支出合计"),
    ("fiscal", "财政拨款"),
    ("carryover", "上年结转"),
)
SANGONG_ITEMS = (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_PURCHASE,
    SANGONG_VEHICLE_OPERATION,
)
CARRYOVER_NAME = "上年结转结余"
#: the order 表一 prints where the money comes from: each fund, then 上年结转结余 (`carryover`)
REVENUE_ORDER = (*FUNDS, "carryover")


def revenue_order(code: str) -> tuple[int, str]:
    """Sort key of a `revenue` (or `fund`) code: `REVENUE_ORDER`, any other code after them
    by code. The one order of the 资金来源 wherever they are listed."""
    index = REVENUE_ORDER.index(code) if code in REVENUE_ORDER else len(REVENUE_ORDER)
    return (index, code)


@dataclass(frozen=True, slots=True)
class Figure:
    dimension: str
    code: str
    name: str
    level: int
    amount: Decimal  # exact 元


def snapshot_figures(snapshot: dict) -> list[Figure]:
    """Every figure of one published snapshot (see the module docstring), in a stable order."""
    data = snapshot_budget_data(snapshot)
    lines = data.lines
    figures: list[Figure] = []

    def add(dimension: str, sums: dict, names: dict, levels: dict | None = None) -> None:
        for code in sorted(sums):
            figures.append(
                Figure(
                    dimension, code, names.get(code, ""), (levels or {}).get(code, 1), sums[code]
                )
            )

    totals = {
        "expenditure": sum((line.amount for line in lines), ZERO),
        "fiscal": sum((line.amount for line in lines if line.fund in FISCAL_FUNDS), ZERO),
        "carryover": sum((line.amount for line in lines if line.is_carryover), ZERO),
    }
    figures += [Figure("total", code, name, 1, totals[code]) for code, name in TOTAL_ROWS]

    revenue: dict[str, Decimal] = defaultdict(Decimal)
    funds: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        revenue["carryover" if line.is_carryover else line.fund] += line.amount
        funds[line.fund] += line.amount
    for code in sorted(revenue, key=revenue_order):
        name = CARRYOVER_NAME if code == "carryover" else FUND_NAMES.get(code, code)
        figures.append(Figure("revenue", code, name, 1, revenue[code]))
    for code in sorted(funds, key=revenue_order):
        figures.append(Figure("fund", code, FUND_NAMES.get(code, code), 1, funds[code]))

    function: dict[str, Decimal] = defaultdict(Decimal)
    economic: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        for length in (3, 5, 7):
            if len(line.func_code) >= length:
                function[line.func_code[:length]] += line.amount
        for length in (3, 5):
            if len(line.dept_code) >= length:
                economic[line.dept_code[:length]] += line.amount
    add(
        "function",
        function,
        data.code_names.get("func", {}),
        {code: {3: 1, 5: 2, 7: 3}[len(code)] for code in function},
    )
    add(
        "economic",
        economic,
        data.code_names.get("dept_econ", {}),
        {code: 1 if len(code) == 3 else 2 for code in economic},
    )

    kinds: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        kinds[line.expense_kind] += line.amount
        if line.is_basic:
            kinds["basic"] += line.amount
    figures += [
        Figure("kind", code, name, level, kinds.get(code, ZERO)) for code, name, level in KIND_ROWS
    ]

    sangong = sangong_sums(data)
    for item in SANGONG_ITEMS:
        figures.append(Figure("sangong", item, item, 1, sangong[item][0]))
    figures.append(
        Figure(
            "sangong",
            "total",
            "“三公”经费合计",
            1,
            sum((sangong[i][0] for i in SANGONG_ITEMS), ZERO),
        )
    )
    figures.append(Figure("operating", "total", "机关运行经费", 1, operating_cost_vector(data)[0]))
    return figures


def figure_rows(version, snapshot: dict, *, model=None) -> list:
    """The unsaved `PublishedFigure` rows (or rows of `model`, the historical model a migration
    passes) of `version` from `snapshot`, amounts in 分."""
    from units.money import yuan_to_cents

    if model is None:
        from tables.models import PublishedFigure as model
    return [
        model(
            version=version,
            dimension=figure.dimension,
            code=figure.code,
            name=figure.name[:100],
            level=figure.level,
            amount=yuan_to_cents(figure.amount),
        )
        for figure in snapshot_figures(snapshot)
    ]


def figures_create(version) -> None:
    """Store the figures of a version just created, from its own snapshot (inside the
    publishing transaction)."""
    from tables.models import PublishedFigure

    PublishedFigure.objects.bulk_create(figure_rows(version, version.data_json))
