"""勾稽关系: cross-table rules over derived tables, producing findings.

Each rule is a function `(tables, data) -> list[Finding]`, registered in `RULES` with its id;
R13 (`rule_project_attributes`) depends on the table set, so the disclosure pipeline runs it.
Comparisons are exact in 元; messages show amounts in 万元 as displayed. Severity 错误 blocks
submission, 警告 needs a reviewer's attention, 提示 is informational (e.g. 尾差).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from tables.figures.formatting import chinese_numeral, format_wan, table_short_name, to_display
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUNDS,
    KIND_PUBLIC,
    ZERO,
    BudgetData,
    Table,
)
from units.severity import ERROR, NOTICE, SEVERITY_ORDER, WARNING

TABLE_NAMES = {
    "T01": "表一",
    "T02": "表二",
    "T03": "表三",
    "T04": "表四",
    "T05": "表五",
    "T06": "表六",
    "T07": "表七",
    "T08": "表八",
    "T09": "表九",
    "T10": "表十",
    "T11": "表十一",
    "T12": "表十二",
    "T13": "表十三",
    "T14": "表十四",
    **{f"F{n:02d}": f"决算表{chinese_numeral(n)}" for n in range(1, 10)},
}


@dataclass(frozen=True)
class Finding:
    severity: str
    rule_id: str
    message: str
    table: str = ""
    row: str = ""

    def line(self) -> str:
        return f"{self.severity} {self.rule_id} {self.message}"


Tables = dict[str, Table]
Rule = Callable[[Tables, BudgetData], list[Finding]]


def _v(value) -> Decimal:
    return ZERO if value is None else value


def _total_row(table: Table):
    return table.rows[0]


def _mismatch(rule_id, table, message, left, right, severity=ERROR, row="") -> list[Finding]:
    if left == right:
        return []
    return [
        Finding(
            severity,
            rule_id,
            f"{message}：{format_wan(left)} ≠ {format_wan(right)}（万元，相差 {left - right} 元）",
            table=table,
            row=row,
        )
    ]


def rule_t1_balance(tables: Tables, data: BudgetData) -> list[Finding]:
    """R01 表一 收入总计 = 支出总计, and each expense row's 合计 = 当年预算 + 上年结转."""
    t1 = tables["T01"]
    out = _mismatch(
        "R01",
        "T01",
        "表一 收入总计与支出总计不相等",
        t1.cell("收入总计", "income"),
        t1.cell("收入总计", "expense_total"),
    )
    for row in t1.rows[:30]:
        total, current, carry = (_v(row.cells[i]) for i in (3, 4, 5))
        out += _mismatch(
            "R01",
            "T01",
            f"表一“{row.cells[2]}”合计不等于当年预算安排与上年结转安排之和",
            total,
            current + carry,
            row=row.cells[2],
        )
    return out


def rule_t1_t2_t3(tables: Tables, data: BudgetData) -> list[Finding]:
    """R02 表一 = 表二 = 表三: revenue by fund, carry-over and the grand totals agree."""
    t1, t2, t3 = tables["T01"], tables["T02"], tables["T03"]
    t2_total = _total_row(t2).cells
    out = _mismatch(
        "R02",
        "T02",
        "表一 本年收入合计与表二 本年收入合计不相等",
        t1.cell("本年收入合计", "income"),
        _v(t2_total[2]),
    )
    labels = [row.cells[0] for row in t1.rows[: len(FUNDS)]]
    for i, fund in enumerate(FUNDS):
        out += _mismatch(
            "R02",
            "T02",
            f"表一“{labels[i]}”与表二同一资金来源合计不相等",
            _v(t1.rows[i].cells[1]),
            _v(t2_total[t2.column_index(fund)]),
        )
    out += _mismatch(
        "R02",
        "T02",
        "表一 上年结转与表二 上年结转不相等",
        t1.cell("上年结转", "income"),
        _v(t2_total[t2.column_index("carryover")]),
    )
    out += _mismatch(
        "R02",
        "T03",
        "表一 支出总计与表三 合计不相等",
        t1.cell("收入总计", "expense_total"),
        _v(_total_row(t3).cells[2]),
    )
    return out


def rule_t4_fiscal(tables: Tables, data: BudgetData) -> list[Finding]:
    """R03 表四 is the 财政拨款 part of 表一 (revenue by the three fiscal sources, carry-over)."""
    t1, t4 = tables["T01"], tables["T04"]
    fiscal_income = sum((_v(t1.rows[i].cells[1]) for i in range(len(FISCAL_FUNDS))), ZERO)
    out = _mismatch(
        "R03",
        "T04",
        "表四 本年收入合计与表一 财政拨款收入之和不相等",
        t4.cell("本年收入合计", "income"),
        fiscal_income,
    )
    for i in range(len(FISCAL_FUNDS)):
        out += _mismatch(
            "R03",
            "T04",
            f"表四“{t4.rows[i].cells[0]}”与表一不相等",
            _v(t4.rows[i].cells[1]),
            _v(t1.rows[i].cells[1]),
        )
    out += _mismatch(
        "R03",
        "T04",
        "表四 收入总计与支出总计不相等",
        t4.cell("收入总计", "income"),
        t4.cell("收入总计", "expense_total"),
    )
    t2_total = _total_row(tables["T02"]).cells
    if all(line.fund in FISCAL_FUNDS for line in data.lines):
        out += _mismatch(
            "R03",
            "T04",
            "表四 上年财政拨款结转与表二 上年结转不相等",
            t4.cell("上年财政拨款结转", "income"),
            _v(t2_total[-1]),
        )
    return out


def rule_tree_sums(tables: Tables, data: BudgetData) -> list[Finding]:
    """R04 类 = Σ款 = Σ项 (and 合计 = Σ类) in exact 元, in every table with a code tree."""
    out = []
    for code in ("T02", "T03", "T05", "T06", "T08", "T10"):
        table = tables[code]
        money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
        for row in table.rows:
            if not row.parts:
                continue
            for i in money:
                parts = sum((_v(table.rows[p].cells[i]) for p in row.parts), ZERO)
                label = row.code or row.cells[0]
                out += _mismatch(
                    "R04",
                    code,
                    f"{TABLE_NAMES[code]}“{label}”“{table.columns[i].key}”列不等于下级之和",
                    _v(row.cells[i]),
                    parts,
                    row=label,
                )
    return out


def rule_t3_t5(tables: Tables, data: BudgetData) -> list[Finding]:
    """R05 表三 = 表五 + other current-year sources + 上年结转, row by row."""
    t2, t3, t5 = tables["T02"], tables["T03"], tables["T05"]
    t2_rows = {row.code or row.cells[0]: row for row in t2.rows}
    t5_rows = {row.code or row.cells[0]: row for row in t5.rows}
    general = t2.column_index(FUND_GENERAL)
    out = []
    for row in t3.rows:
        key = row.code or row.cells[0]
        r2 = t2_rows.get(key)
        expected = _v(t5_rows[key].cells[2]) if key in t5_rows else ZERO
        if r2 is not None:
            expected += _v(r2.cells[2]) - _v(r2.cells[general]) + _v(r2.cells[-1])
        out += _mismatch(
            "R05",
            "T03",
            f"表三“{key}”不等于表五与其他资金、上年结转之和",
            _v(row.cells[2]),
            expected,
            row=key,
        )
    return out


def rule_t5_t6(tables: Tables, data: BudgetData) -> list[Finding]:
    """R06 表五 基本支出 = 表六 合计; 表六 人员经费 + 公用经费 = 合计 on every row."""
    t5, t6 = tables["T05"], tables["T06"]
    out = _mismatch(
        "R06",
        "T06",
        "表五 基本支出合计与表六 合计不相等",
        _v(_total_row(t5).cells[3]),
        _v(_total_row(t6).cells[2]),
    )
    for row in t6.rows:
        out += _mismatch(
            "R06",
            "T06",
            f"表六“{row.cells[0]} {row.cells[1]}”人员经费与公用经费之和不等于合计",
            _v(row.cells[2]),
            _v(row.cells[3]) + _v(row.cells[4]),
            row=str(row.cells[0]),
        )
    return out


def rule_t6_t11(tables: Tables, data: BudgetData) -> list[Finding]:
    """R07 表六 公用经费 = 表十一 机关运行经费 (一般公共预算) for 行政 and 参公 units.

    On a 部门预算 the rule applies per member kind: 表六 adds up every member's 公用经费, 表十一
    only the 行政/参公 members', so the 事业 members' 公用经费 is taken off 表六's before comparing.
    """
    if not data.unit.has_operating_costs:
        return []
    public = _v(_total_row(tables["T06"]).cells[4])
    label = "表六 公用经费"
    if data.is_department:
        institutions = {m.code for m in data.members if not m.has_operating_costs}
        public -= sum(
            (
                line.amount
                for line in data.lines
                if line.unit_code in institutions
                and line.fund == FUND_GENERAL
                and not line.is_carryover
                and line.expense_kind == KIND_PUBLIC
            ),
            ZERO,
        )
        label = "表六 行政和参公成员单位的公用经费"
    return _mismatch(
        "R07",
        "T11",
        f"{label}与表十一 机关运行经费（一般公共预算）不相等",
        public,
        _v(tables["T11"].rows[0].cells[tables["T11"].column_index(FUND_GENERAL)]),
    )


def rule_t5_t12(tables: Tables, data: BudgetData) -> list[Finding]:
    """R08 表五 项目支出 = 表十二 一般公共预算合计."""
    t12 = tables["T12"]
    return _mismatch(
        "R08",
        "T12",
        "表五 项目支出与表十二 一般公共预算合计不相等",
        _v(_total_row(tables["T05"]).cells[4]),
        _v(t12.rows[0].cells[t12.column_index(FUND_GENERAL)]),
    )


def rule_t13_carryover(tables: Tables, data: BudgetData) -> list[Finding]:
    """R09 表十三 合计 = 项目支出的财政拨款上年结转 (表三 上年结转 of projects)."""
    expected = sum(
        (
            line.amount
            for line in data.lines
            if line.is_carryover and not line.is_basic and line.fund in FISCAL_FUNDS
        ),
        ZERO,
    )
    out = _mismatch(
        "R09",
        "T13",
        "表十三 合计与项目支出财政拨款上年结转不相等",
        _v(tables["T13"].rows[0].cells[1]),
        expected,
    )
    basic_carry = sum(
        (line.amount for line in data.lines if line.is_carryover and line.is_basic), ZERO
    )
    if basic_carry:
        out.append(
            Finding(
                WARNING,
                "R09",
                f"基本支出中有上年结转 {format_wan(basic_carry)} 万元，表十三只列示项目支出结转，请核实。",
                table="T13",
            )
        )
    return out


def rule_t10_parts(tables: Tables, data: BudgetData) -> list[Finding]:
    """R10 表十 三公: 合计 = 出国 + 接待 + 车辆, 车辆 = 购置 + 运行, 合计列 = 各资金来源之和."""
    t10 = tables["T10"]
    out = []
    for row in t10.rows:
        out += _mismatch(
            "R10",
            "T10",
            f"表十“{row.cells[0]}”合计不等于各资金来源之和",
            _v(row.cells[1]),
            sum((_v(c) for c in row.cells[2:]), ZERO),
            row=row.cells[0],
        )
    return out


def rule_codes_valid(tables: Tables, data: BudgetData) -> list[Finding]:
    """R11 every line uses codes valid (and active, 末级) for the budget year."""
    return [
        Finding(
            ERROR,
            "R11",
            f"预算明细（编号 {issue.line_id}）的{issue.scheme_label}“{issue.code}”{issue.problem}",
            row=str(issue.line_id),
        )
        for issue in data.code_issues
    ]


COLUMN_LABELS = {
    "income": "收入",
    "expense_total": "合计",
    "expense_current": "当年预算安排",
    "expense_carryover": "上年结转安排",
    "total": "合计",
    "basic": "基本支出",
    "project": "项目支出",
    "personnel": "人员经费",
    "public": "公用经费",
    "carryover": "上年结转",
    "amount": "金额",
    "general": "一般公共预算",
    "gov_fund": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    "special_account": "财政专户管理资金",
    "unit_funds": "单位资金",
}


def rule_rounding(tables: Tables, data: BudgetData) -> list[Finding]:
    """R12 尾差: a displayed total differs from the sum of its displayed parts (exact sums agree).

    One 提示 per row, naming every column where it happens. A table shown in 元 has none: its
    cells are the exact amounts, so displayed parts always add up.
    """
    out = []
    for code, table in tables.items():
        if table.money_unit == "元":
            continue
        money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
        for row in table.rows:
            if not row.parts:
                continue
            differences = []
            for i in row.part_columns or money:
                shown = to_display(_v(row.cells[i]), table.money_unit)
                parts_shown = sum(
                    (to_display(_v(table.rows[p].cells[i]), table.money_unit) for p in row.parts),
                    ZERO,
                )
                if shown != parts_shown:
                    column = COLUMN_LABELS.get(table.columns[i].key, table.columns[i].key)
                    differences.append(f"{column}列显示 {shown}，明细显示值之和 {parts_shown}")
            if differences:
                label = row.code or row.cells[0]
                out.append(
                    Finding(
                        NOTICE,
                        "R12",
                        f"{TABLE_NAMES.get(code) or table_short_name(code, table.number)}"
                        f"“{label}”存在四舍五入尾差：{'；'.join(differences)}"
                        f"（{table.money_unit}）。合计按元精确计算后再取整，属正常尾差。",
                        table=code,
                        row=str(label),
                    )
                )
    return out


RULES: dict[str, Rule] = {
    "R01": rule_t1_balance,
    "R02": rule_t1_t2_t3,
    "R03": rule_t4_fiscal,
    "R04": rule_tree_sums,
    "R05": rule_t3_t5,
    "R06": rule_t5_t6,
    "R07": rule_t6_t11,
    "R08": rule_t5_t12,
    "R09": rule_t13_carryover,
    "R10": rule_t10_parts,
    "R11": rule_codes_valid,
    "R12": rule_rounding,
}


def project_attribute_gaps(data: BudgetData) -> list[tuple[str, list[str]]]:
    """The projects without 项目类别 or 项目属性: (name, the missing labels), in order."""
    out = []
    for project in sorted(data.projects, key=lambda p: (p.position, p.id)):
        missing = [
            label
            for label, value in (("项目类别", project.category), ("项目属性", project.recurrence))
            if not value
        ]
        if missing:
            out.append((project.name, missing))
    return out


def rule_project_attributes(data: BudgetData) -> list[Finding]:
    """R13 every project has 项目类别 and 项目属性, for a table set that prints them
    (`TableSet.needs_project_attributes`). Not in `RULES`: only the set knows whether it
    applies, so `tables.document.disclosure.disclosure_derive` runs it. Entry asks for them
    then too; this catches a project that came in another way (an admin edit, an import under
    another set chosen before)."""
    return [
        Finding(
            ERROR,
            "R13",
            f"项目「{name}」没有填写{'、'.join(missing)}：本年度公开表（表十二、表十三）需要列示，"
            "请在填报工作台的“项目”页或导入的预算明细中补填。",
            row=name,
        )
        for name, missing in project_attribute_gaps(data)
    ]


def run_checks(tables: Tables, data: BudgetData) -> list[Finding]:
    """All findings, most severe first."""
    findings = [f for rule in RULES.values() for f in rule(tables, data)]
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2)
