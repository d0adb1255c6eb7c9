"""Plain, frozen data the pipeline passes around: loaded budget rows in, `Table` objects out.

Nothing here touches the database; `units.selectors` fills these from the ORM and
`tables.figures.derive` computes on them. Amounts are exact `Decimal` 元 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")

# Values of the model choices, repeated here so derivation needs no Django models
# (tests/test_types.py proves they agree with units.models).
FUND_GENERAL = "general"
FUND_GOV = "gov_fund"
FUND_STATE_CAPITAL = "state_capital"
FUND_SPECIAL_ACCOUNT = "special_account"
FUND_UNIT = "unit_funds"
FUNDS = (FUND_GENERAL, FUND_GOV, FUND_STATE_CAPITAL, FUND_SPECIAL_ACCOUNT, FUND_UNIT)
FISCAL_FUNDS = (FUND_GENERAL, FUND_GOV, FUND_STATE_CAPITAL)

KIND_PERSONNEL = "personnel"
KIND_PUBLIC = "public"
KIND_PROJECT = "project"
BASIC_KINDS = (KIND_PERSONNEL, KIND_PUBLIC)

CATEGORY_OPERATING = "operating"
CATEGORY_SPECIFIC = "specific"


@dataclass(frozen=True, slots=True)
class LineRow:
    """One budget line as loaded for derivation."""

    func_code: str
    dept_code: str
    gov_code: str
    expense_kind: str
    fund: str
    is_carryover: bool
    project_id: int | None
    amount: Decimal
    #: for 单位资金 lines, the national income type (`units.choices.UnitIncomeType`); "" = 其他收入
    income_type: str = ""
    #: 地方细化科目 under the national 部门经济科目 款, "" when none
    sub_item: str = ""
    #: the member unit a 部门预算 line comes from ("" on a unit's own disclosure)
    unit_code: str = ""

    @property
    def is_basic(self) -> bool:
        return self.expense_kind in BASIC_KINDS


@dataclass(frozen=True, slots=True)
class ProjectRow:
    id: int
    name: str
    category: str
    recurrence: str
    period_years: int
    allocation_of_id: int | None
    position: int


@dataclass(frozen=True, slots=True)
class ProcurementRow:
    kind: str
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PurchasedServiceRow:
    project_name: str
    includes_procurement: bool
    content: str
    quantity: str
    amount: Decimal
    fund_label: str
    #: on a 部门预算, the member unit that buys the service ("" = the disclosure's own unit)
    unit_name: str = ""


@dataclass(frozen=True, slots=True)
class CodeIssue:
    line_id: int
    scheme_label: str
    code: str
    problem: str


@dataclass(frozen=True, slots=True)
class UnitInfo:
    code: str
    name: str
    kind: str
    department_code: str
    department_name: str
    has_operating_costs: bool


def disclosure_scope(*, is_department: bool) -> str:
    """ "部门" for a 部门预算, "单位" for a unit's own; also for what only has the flag (a stored
    snapshot lists the members it was built from)."""
    return "部门" if is_department else "单位"


@dataclass(frozen=True)
class BudgetData:
    """Everything the 14 tables of one submission are derived from."""

    unit: UnitInfo
    year: int
    lines: tuple[LineRow, ...]
    projects: tuple[ProjectRow, ...] = ()
    procurements: tuple[ProcurementRow, ...] = ()
    purchased_services: tuple[PurchasedServiceRow, ...] = ()
    #: code → name for every classification code the lines use, at every level
    #: (functional 类/款/项, economic 类/款), keyed by scheme: {"func": {...}, ...}.
    code_names: dict[str, dict[str, str]] = field(default_factory=dict)
    #: problems with the codes lines use (wrong year, retired, wrong level), found on load
    code_issues: tuple[CodeIssue, ...] = ()
    #: on a 部门预算, every member unit of the department (本级 first, then by code); the lines
    #: carry their member's code in `LineRow.unit_code`. Empty on a unit's own disclosure.
    members: tuple[UnitInfo, ...] = ()

    @property
    def is_department(self) -> bool:
        """A 部门预算 (it adds up its member units' budgets) rather than a unit's own: the one
        test every wording that says 部门 instead of 单位 follows."""
        return bool(self.members)

    @property
    def scope(self) -> str:
        """What the disclosure speaks of: "部门" (本部门, 部门预算公开, 部门名称) or "单位"."""
        return disclosure_scope(is_department=self.is_department)

    def name(self, scheme: str, code: str) -> str:
        return self.code_names.get(scheme, {}).get(code, "")


@dataclass(frozen=True, slots=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    #: "text" or "money"
    kind: str = "money"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple
    #: 0 = total, 1 = 类 / class, 2 = 款, 3 = 项, for indentation and styling
    level: int = 0
    code: str = ""
    #: indices of the rows this row is the displayed total of (for the 尾差 rule)
    parts: tuple[int, ...] = ()
    #: which columns `parts` sums (all money columns when empty)
    part_columns: tuple[int, ...] = ()


@dataclass(frozen=True)
class Table:
    code: str  # "T01" … "T14"; "F01" … "F09" for the 决算
    number: int
    title: str
    unit_name: str
    money_unit: str  # "万元" or "元"
    header: tuple[tuple[HeaderCell, ...], ...]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    is_empty: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        """ "预算公开表N", or "决算公开表N" for a 决算 table (codes F01–F09)."""
        kind = "决算" if self.code.startswith("F") else "预算"
        return f"{kind}公开表{self.number}"

    def column_index(self, key: str) -> int:
        for i, col in enumerate(self.columns):
            if col.key == key:
                return i
        raise KeyError(key)

    def cell(self, row_label: str, column: str) -> Decimal:
        """The amount in `column` of the first row labelled `row_label` (in its first cell, or in
        its third on the two-sided 表一 and 表四); an empty cell reads as zero. The one way checks,
        the narrative and the prior-year figures read a figure off a derived table."""
        index = self.column_index(column)
        for row in self.rows:
            if row.cells[0] == row_label or (len(row.cells) > 2 and row.cells[2] == row_label):
                value = row.cells[index]
                return ZERO if value is None else value
        raise KeyError(f"{self.code} has no row {row_label}")
