"""The 绩效目标 tables as neutral grids: PURE functions from loaded `TargetData` + `BudgetData`
to `TargetSheet`s, which the HTML include (`performance/target_sheet.html`) renders today and
the PDF (WeasyPrint) and XLSX (openpyxl) renderers will render from the same cells. No database
access and no markup here; every number shown is formatted here.

Two statutory tables, laid out as the published forms (the seed):

- 县(区)级预算部门(单位)整体支出绩效目标申报表 (`unit_target_sheet`), 5 columns: a section
  label in column 0, then 部门基本信息 (counts from the unit), 部门职责, 部门战略目标,
  年度预算情况 (万元, by source beside by direction, derived from the budget lines),
  年度重点任务, 年度绩效目标 and 年度绩效指标 (一级 | 二级 | 三级 | 指标值).
- 县(区)级预算部门(单位)项目支出绩效目标表 (`project_target_sheets`, one per project target in
  表十二 order), 8 columns: a section label in column 0, the 实施期 half in columns 1–4 and the
  年度 half in columns 5–7. 项目资金 in 元 (实施期 beside 年度), the project texts, 总体目标, and
  绩效指标 with 一级 | 二级 | 三级 | 指标值 (实施期) | 二级 | 三级 | 指标值 (年度).

In both indicator blocks every 二级 category of the framework in use is shown, an empty one as
an empty row (the printed form does the same, e.g. 生态效益指标); a category block is as tall as
its longer side, and 一级/二级 cells are merged over their rows. Indicators under a category the
framework does not list are kept, in blocks after the framework's.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from performance.derive import (
    project_attribute,
    project_current_amounts,
    target_year_funds,
    unit_budget,
)
from performance.types import (
    SCOPE_PERIOD,
    SCOPE_YEAR,
    CategoryRow,
    Footer,
    FundSplit,
    IndicatorRow,
    ProjectTargetRow,
    TargetData,
)
from tables.figures.formatting import format_wan, to_display
from tables.figures.types import BudgetData, ProjectRow

LABEL = "label"  # a row heading (th scope=row, or rowgroup when it names a whole section)
HEADER = "header"  # a column heading (th scope=col)
VALUE = "value"  # text
MONEY = "money"  # an amount, already formatted

UNIT_TITLE = "县(区)级预算部门(单位)整体支出绩效目标申报表"
PROJECT_TITLE = "县(区)级预算部门(单位)项目支出绩效目标表"
UNIT_COLUMNS = 5
PROJECT_COLUMNS = 8
#: the zone the 填报日期 is printed in (as the seed prints it: YYYYMMDDHHMMSS)
FILLED_AT_ZONE = ZoneInfo("Asia/Shanghai")

#: 项目资金 rows: (实施期 label, 年度 label, FundSplit attribute)
FUND_ROWS = (
    ("实施期资金总额:", "年度资金总额:", "total"),
    ("其中:中央财政资金", "其中:中央财政资金", "central"),
    ("省级财政资金", "省级财政资金", "provincial"),
    ("市县(区)财政资金", "市县(区)财政资金", "local"),
    ("单位自筹", "单位自筹", "self_raised"),
    ("其他资金", "其他资金", "other"),
)
#: the seed prints 其他资金 blank when there is none, every other part as "0"
FUNDS_BLANK_WHEN_ZERO = {"other"}

PROJECT_TEXTS = (
    ("项目概况", "overview"),
    ("立项依据", "basis"),
    ("项目设立必要性", "necessity"),
    ("保证项目实施的制度、措施", "measures"),
    ("项目实施计划", "plan"),
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a sheet; a merged cell appears once, in the first row and column it covers."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    kind: str = VALUE
    #: a label naming its whole section (rendered th scope="rowgroup")
    group: bool = False

    @property
    def is_heading(self) -> bool:
        return self.kind in (LABEL, HEADER)

    @property
    def scope(self) -> str:
        if self.kind == HEADER:
            return "col"
        return "rowgroup" if self.group else "row"


Row = tuple[Cell, ...]


@dataclass(frozen=True)
class TargetSheet:
    """One target table: title lines, row sections (a `<tbody>` each) and the footer line."""

    key: str  # stable anchor: "unit" or "project-<project id>"
    name: str  # short name for a table of contents
    title: str
    subtitle: str
    columns: int
    sections: tuple[tuple[Row, ...], ...]
    #: 负责人 / 经办人 / 联系电话 / 填报日期 as (label, value), printed under the table
    footer: tuple[tuple[str, str], ...]

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for section in self.sections for row in section)


# Formatting ---------------------------------------------------------------------------------


def format_yuan(amount: Decimal, *, blank_zero: bool = False) -> str:
    """元 as the target tables print them: "75,000" when whole, else "75,000.50"; zero as "0"
    (or blank)."""
    if amount == 0:
        return "" if blank_zero else "0"
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{to_display(amount, '元'):,.2f}"


def format_filled_at(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(FILLED_AT_ZONE).strftime("%Y%m%d%H%M%S")


def _footer(footer: Footer) -> tuple[tuple[str, str], ...]:
    return (
        ("负责人", footer.leader),
        ("经办人", footer.handler),
        ("联系电话", footer.phone),
        ("填报日期", format_filled_at(footer.filled_at)),
    )


def label_cell(text: str, **span) -> Cell:
    """A cell of a target sheet by its kind (label, header, value, money): the four makers both
    the 绩效目标表 and the 绩效自评表 (`performance.evaluation_sheets`) build their grids with."""
    return Cell(text, kind=LABEL, **span)


def header_cell(text: str, **span) -> Cell:
    return Cell(text, kind=HEADER, **span)


def value_cell(text: str, **span) -> Cell:
    return Cell(text, kind=VALUE, **span)


def money_cell(text: str, **span) -> Cell:
    return Cell(text, kind=MONEY, **span)


# Indicator blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One 二级 category with its indicators per side (one side for the unit, two for a
    project)."""

    level1: str
    level2: str
    sides: tuple[tuple[IndicatorRow, ...], ...]

    @property
    def height(self) -> int:
        return max([1, *(len(side) for side in self.sides)])


def _blocks(
    categories: Sequence[CategoryRow], sides: Sequence[Sequence[IndicatorRow]]
) -> list[list[_Block]]:
    """The indicator blocks grouped by 一级 category, in framework order."""
    level1 = sorted((c for c in categories if c.level == 1), key=lambda c: (c.position, c.code))
    level2 = sorted((c for c in categories if c.level == 2), key=lambda c: (c.position, c.code))
    known = {c.code for c in level2}

    def pick(code: str) -> tuple[tuple[IndicatorRow, ...], ...]:
        return tuple(tuple(i for i in side if i.level2_code == code) for side in sides)

    groups = [
        [_Block(parent.name, c.name, pick(c.code)) for c in level2 if c.parent_code == parent.code]
        for parent in level1
    ]
    # Indicators under categories the framework does not list: never dropped.
    extra: dict[str, list[_Block]] = {}
    seen: set[str] = set()
    for side in sides:
        for indicator in side:
            code = indicator.level2_code
            if code in known or code in seen:
                continue
            seen.add(code)
            extra.setdefault(indicator.level1, []).append(
                _Block(indicator.level1, indicator.level2, pick(code))
            )
    return [group for group in groups if group] + list(extra.values())


def _indicator_rows(groups: list[list[_Block]], *, repeat_level2: bool) -> list[Row]:
    """Rows of 一级 | 二级 | 三级 | 指标值 [| 二级 | 三级 | 指标值 …], one group of 二级/三级/指标值
    per side; 一级 and 二级 merged over their rows."""
    rows: list[Row] = []
    for group in groups:
        group_height = sum(block.height for block in group)
        for b, block in enumerate(group):
            for r in range(block.height):
                cells: list[Cell] = []
                if b == 0 and r == 0:
                    cells.append(label_cell(block.level1, rowspan=group_height))
                for s, side in enumerate(block.sides):
                    if r == 0 and (s == 0 or repeat_level2):
                        cells.append(label_cell(block.level2, rowspan=block.height))
                    indicator = side[r] if r < len(side) else None
                    cells.append(value_cell(indicator.name if indicator else ""))
                    cells.append(value_cell(indicator.text if indicator else ""))
                rows.append(tuple(cells))
    return rows


def _indicator_section(
    label: str, headers: Sequence[str], groups: list[list[_Block]], *, repeat_level2: bool
) -> tuple[Row, ...]:
    body = _indicator_rows(groups, repeat_level2=repeat_level2)
    head = (
        label_cell(label, rowspan=len(body) + 1, group=True),
        *(header_cell(h) for h in headers),
    )
    return (head, *body)


# The unit-level table -----------------------------------------------------------------------


def unit_target_sheet(data: BudgetData, targets: TargetData) -> TargetSheet | None:
    """整体支出绩效目标申报表, or None when the submission has no unit-level target."""
    target = targets.unit_target
    if target is None:
        return None
    profile = targets.profile

    basic = (
        (
            label_cell("部门基本信息", rowspan=5, group=True),
            label_cell("部门名称"),
            value_cell(profile.department_label, colspan=3),
        ),
        (
            label_cell("内设职能部门数"),
            value_cell(f"{profile.internal_departments}个"),
            label_cell("所属预算单位数"),
            value_cell(f"{profile.subordinate_units}个"),
        ),
        (
            label_cell("核定的人员编制数", rowspan=3),
            value_cell(f"{profile.authorized_staff}人", rowspan=3),
            label_cell("实际在职人员总数"),
            value_cell(f"{profile.actual_staff}人"),
        ),
        (label_cell("其中:在编人员数"), value_cell(f"{profile.on_payroll_staff}人")),
        (label_cell("其他人员数"), value_cell(f"{profile.other_staff}人")),
    )

    budget = unit_budget(data)
    sources = [("合计", budget.total)] + [
        (("其中:" if i == 0 else "") + label, amount)
        for i, (label, amount) in enumerate(budget.by_source)
    ]
    directions = [
        ("合计", budget.total),
        ("其中:基本支出", budget.basic),
        ("项目支出", budget.project),
    ]
    budget_rows: list[Row] = [
        (
            label_cell("年度预算情况", rowspan=len(sources) + 1, group=True),
            header_cell("按资金来源划分"),
            header_cell("资金总额(万元)"),
            header_cell("按资金方向划分"),
            header_cell("资金总额(万元)"),
        )
    ]
    for i, (label, amount) in enumerate(sources):
        cells = [label_cell(label), money_cell(format_wan(amount))]
        if i < len(directions):
            cells += [label_cell(directions[i][0]), money_cell(format_wan(directions[i][1]))]
        elif i == len(directions):
            cells.append(value_cell("", colspan=2, rowspan=len(sources) - len(directions)))
        budget_rows.append(tuple(cells))

    tasks = target.key_tasks or (("", ""),)
    task_rows: list[Row] = [
        (
            label_cell("年度重点任务", rowspan=len(tasks) + 1, group=True),
            header_cell("核心职能", colspan=2),
            header_cell("重点任务", colspan=2),
        )
    ]
    task_rows += [
        (value_cell(function, colspan=2), value_cell(text, colspan=2)) for function, text in tasks
    ]

    groups = _blocks(targets.categories, [target.indicators])
    return TargetSheet(
        key="unit",
        name="整体支出绩效目标",
        title=UNIT_TITLE,
        subtitle=f"({data.year})年度",
        columns=UNIT_COLUMNS,
        sections=(
            basic,
            ((label_cell("部门职责", group=True), value_cell(profile.duties, colspan=4)),),
            (
                (
                    label_cell("部门战略目标", group=True),
                    value_cell(target.strategic_goal, colspan=4),
                ),
            ),
            tuple(budget_rows),
            tuple(task_rows),
            ((label_cell("年度绩效目标", group=True), value_cell(target.annual_goal, colspan=4)),),
            _indicator_section(
                "年度绩效指标",
                ("一级指标", "二级指标", "三级指标", "指标值"),
                groups,
                repeat_level2=False,
            ),
        ),
        footer=_footer(target.footer),
    )


# The project tables -------------------------------------------------------------------------


def _fund_rows(period: FundSplit, year: FundSplit) -> tuple[Row, ...]:
    rows = []
    for i, (period_label, year_label, part) in enumerate(FUND_ROWS):
        blank = part in FUNDS_BLANK_WHEN_ZERO
        cells = [
            label_cell(period_label, colspan=2),
            money_cell(format_yuan(getattr(period, part), blank_zero=blank), colspan=2),
            label_cell(year_label, colspan=2),
            money_cell(format_yuan(getattr(year, part), blank_zero=blank)),
        ]
        if i == 0:
            cells.insert(0, label_cell("项目资金(元)", rowspan=len(FUND_ROWS), group=True))
        rows.append(tuple(cells))
    return tuple(rows)


def project_target_sheet(
    data: BudgetData,
    targets: TargetData,
    target: ProjectTargetRow,
    project: ProjectRow,
    sums: dict[int, dict[str, Decimal]],
) -> TargetSheet:
    """项目支出绩效目标表 of one project (`sums` from `project_current_amounts(data)`)."""
    profile = targets.profile
    groups = _blocks(
        targets.categories,
        [target.indicators_for(SCOPE_PERIOD), target.indicators_for(SCOPE_YEAR)],
    )
    return TargetSheet(
        key=f"project-{project.id}",
        name=project.name,
        title=PROJECT_TITLE,
        subtitle=f"({data.year}年度)",
        columns=PROJECT_COLUMNS,
        sections=(
            (
                (label_cell("项目名称"), value_cell(project.name, colspan=7)),
                (
                    label_cell("主管部门及代码"),
                    value_cell(profile.department_label, colspan=4),
                    label_cell("实施单位"),
                    value_cell(target.implementer or profile.unit_name, colspan=2),
                ),
                (
                    label_cell("项目属性"),
                    value_cell(project_attribute(project), colspan=4),
                    label_cell("项目期"),
                    value_cell(f"{project.period_years}年", colspan=2),
                ),
            ),
            _fund_rows(target.funds_period, target_year_funds(target, sums)),
            tuple(
                (label_cell(label), value_cell(getattr(target, attribute), colspan=7))
                for label, attribute in PROJECT_TEXTS
            ),
            (
                (
                    label_cell("总体目标", rowspan=2, group=True),
                    header_cell("实施期目标", colspan=4),
                    header_cell("年度目标", colspan=3),
                ),
                (
                    value_cell(target.goal_period, colspan=4),
                    value_cell(target.goal_year, colspan=3),
                ),
            ),
            _indicator_section(
                "绩效指标",
                ("一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"),
                groups,
                repeat_level2=True,
            ),
        ),
        footer=_footer(target.footer),
    )


def project_target_sheets(data: BudgetData, targets: TargetData) -> tuple[TargetSheet, ...]:
    """One 项目支出绩效目标表 per project target, in 表十二 order (project position)."""
    projects = {p.id: p for p in data.projects}
    sums = project_current_amounts(data)
    ordered = sorted(
        (t for t in targets.project_targets if t.project_id in projects),
        key=lambda t: (projects[t.project_id].position, t.project_id),
    )
    return tuple(
        project_target_sheet(data, targets, target, projects[target.project_id], sums)
        for target in ordered
    )


def target_sheets(data: BudgetData, targets: TargetData) -> tuple[TargetSheet, ...]:
    """Every target table of a submission: the unit-level one (if any), then the projects'."""
    unit = unit_target_sheet(data, targets)
    return ((unit,) if unit else ()) + project_target_sheets(data, targets)


# Grids for exporters and tests --------------------------------------------------------------


def sheet_grid(sheet: TargetSheet, *, fill_merged: bool = False) -> list[list[str]]:
    """The sheet as a rectangle of texts. A merged cell's text sits in its top-left position;
    with `fill_merged` it is repeated in every position it covers. Raises ValueError when the
    spans do not tile the declared width (a layout bug)."""
    rows = sheet.rows
    grid: list[list[str | None]] = [[None] * sheet.columns for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < sheet.columns and grid[r][c] is not None:
                c += 1
            if c + cell.colspan > sheet.columns or r + cell.rowspan > len(rows):
                raise ValueError(f"{sheet.key}: row {r} overflows at column {c}")
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if grid[r + dr][c + dc] is not None:
                        raise ValueError(f"{sheet.key}: cells overlap at row {r + dr}")
                    grid[r + dr][c + dc] = cell.text if fill_merged else ""
            grid[r][c] = cell.text
            c += cell.colspan
    for r, row in enumerate(grid):
        if None in row:
            raise ValueError(f"{sheet.key}: row {r} is short")
    return [[text or "" for text in row] for row in grid]
