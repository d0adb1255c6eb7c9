"""表六 一般公共预算安排基本支出分经济科目表（不含上年结转）, 万元.

Current-year 一般公共预算 基本支出. Rows: 合计; for each 部门经济分类 类 (301, 302, 303 …) a class
row, then one row per (部门经济科目 款, 政府经济科目 款) pair in code order — one 部门 code can pair
with a 机关 (501/502) and a 事业 (505) code. Columns: 合计, 人员经费, 公用经费.
"""

from collections import defaultdict

from tables.figures.derive.common import add_into, sums_by
from tables.figures.types import (
    FUND_GENERAL,
    KIND_PERSONNEL,
    ZERO,
    BudgetData,
    Column,
    HeaderCell,
    Row,
    Table,
)


def _vector(line):
    if line.expense_kind == KIND_PERSONNEL:
        return (line.amount, line.amount, ZERO)
    return (line.amount, ZERO, line.amount)


def build(data: BudgetData) -> Table:
    lines = [
        line
        for line in data.lines
        if line.fund == FUND_GENERAL and not line.is_carryover and line.is_basic
    ]
    by_pair = sums_by(lines, lambda line: (line.dept_code, line.gov_code), _vector, 3)
    classes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in sorted(by_pair):
        classes[pair[0][:3]].append(pair)
    rows = [None]
    grand = [ZERO] * 3
    class_indices = []
    for class_code in sorted(classes):
        class_index = len(rows)
        class_indices.append(class_index)
        rows.append(None)
        class_sum = [ZERO] * 3
        pair_indices = []
        for dept_code, gov_code in classes[class_code]:
            vector = by_pair[(dept_code, gov_code)]
            pair_indices.append(len(rows))
            rows.append(
                Row(
                    cells=(
                        data.name("dept_econ", dept_code),
                        data.name("gov_econ", gov_code),
                        *vector,
                    ),
                    level=2,
                    code=f"{dept_code}/{gov_code}",
                )
            )
            add_into(class_sum, vector)
        rows[class_index] = Row(
            cells=(data.name("dept_econ", class_code), "", *class_sum),
            level=1,
            code=class_code,
            parts=tuple(pair_indices),
        )
        add_into(grand, class_sum)
    rows[0] = Row(cells=("合计", "", *grand), level=0, parts=tuple(class_indices))
    return Table(
        code="T06",
        number=6,
        title=f"{data.year}年一般公共预算安排基本支出分经济科目表（不含上年结转）",
        unit_name=data.unit.name,
        money_unit="万元",
        header=(
            (
                HeaderCell("部门预算支出经济科目名称", rowspan=2),
                HeaderCell("政府预算支出经济科目名称", rowspan=2),
                HeaderCell(f"{data.year}年预算数", colspan=3),
            ),
            (HeaderCell("合计"), HeaderCell("人员经费"), HeaderCell("公用经费")),
        ),
        columns=(
            Column("dept_name", "text"),
            Column("gov_name", "text"),
            Column("total"),
            Column("personnel"),
            Column("public"),
        ),
        rows=tuple(rows),
        is_empty=not lines,
    )
