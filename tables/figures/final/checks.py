"""The 决算's rules (J01…): balances, table identities, the 年初预算 against the published budget,
reasons for differences and the plausibility of entered counts.

Each rule is a function `(tables, data) -> list[Finding]` with its id in `FINAL_RULES`, like the
budget's R rules (`tables.figures.checks`): comparisons are exact in 元, messages show 万元 as
displayed and say what to correct. 错误 blocks 提交, 警告 is for the reviewer.

Pure but for `units.texts` (the placeholder test of a reason, shared with the budget's N01),
which brings Django's ValidationError with it; no database, no models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from tables.figures.checks import TABLE_NAMES, Finding
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.final.compare import final_differences
from tables.figures.final.derive import balance_total, income_total
from tables.figures.final.types import FUND_KEYS, FinalData
from tables.figures.formatting import format_wan
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUND_GOV,
    FUND_STATE_CAPITAL,
    ZERO,
    Table,
)
from units.severity import ERROR, SEVERITY_ORDER, WARNING
from units.texts import reason_text_is_placeholder

Tables = dict[str, Table]
FinalRule = Callable[[Tables, FinalData], list[Finding]]

#: how a message names the 年初/年末结转和结余 and income of each fund
FUND_NAMES = {
    FUND_GENERAL: "一般公共预算财政拨款",
    FUND_GOV: "政府性基金预算财政拨款",
    FUND_STATE_CAPITAL: "国有资本经营预算财政拨款",
    "other": "其他资金",
}
#: the 资金来源 a 决算 line of each 财政拨款 fund shows
FUND_SOURCE_LABELS = {
    FUND_GENERAL: "一般公共预算",
    FUND_GOV: "政府性基金预算",
    FUND_STATE_CAPITAL: "国有资本经营预算",
}


def _wan(amount: Decimal) -> str:
    return f"{format_wan(amount)} 万元"


def _gap(left: Decimal, right: Decimal) -> str:
    return f"相差 {left - right} 元"


def _v(value) -> Decimal:
    return ZERO if value is None else value


def _total(table: Table, column: str) -> Decimal:
    """The 合计 (first) row's amount in `column`, zero when blank."""
    return _v(table.rows[0].cells[table.column_index(column)])


def rule_balance(tables: Tables, data: FinalData) -> list[Finding]:
    """J01 决算表一 收入总计 = 支出总计: 年初结转和结余 + 本年收入 − 本年支出 = 年末结转和结余,
    over every fund and the expenditure outside the lines."""
    f01 = tables["F01"]
    income, expense = f01.cell("总计", "income"), f01.cell("总计", "expense")
    if income == expense:
        return []
    spent = f01.cell("本年支出合计", "expense")
    return [
        Finding(
            ERROR,
            "J01",
            f"决算表一 收入总计 {_wan(income)}（本年收入 {_wan(income_total(data))} + 年初结转和结余 "
            f"{_wan(balance_total(data, 'opening'))}）与支出总计 {_wan(expense)}（本年支出 "
            f"{_wan(spent)} + 年末结转和结余 {_wan(balance_total(data, 'closing'))}）不相等，"
            f"{_gap(income, expense)}。请核对“收支情况”中的本年收入、上缴上级支出等其他支出和"
            "年初、年末结转和结余，或决算明细的支出。",
            table="F01",
            row="总计",
        )
    ]


def fund_spending(data: FinalData) -> dict[str, Decimal]:
    """财政拨款 fund → the 决算 lines' total of that fund (上年结转 included)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in data.actual.lines:
        out[line.fund] += line.amount
    return {fund: out[fund] for fund in FISCAL_FUNDS}


def rule_fund_balance(tables: Tables, data: FinalData) -> list[Finding]:
    """J02 per 财政拨款 fund: 年初结转和结余 + 本年财政拨款收入 − 本年财政拨款支出 (the 决算 lines of
    the fund) = 年末结转和结余."""
    out = []
    facts = data.facts
    for fund, spent in fund_spending(data).items():
        opening = facts.opening(fund)
        income = getattr(facts, f"income_{fund}")
        expected = opening + income - spent
        closing = facts.closing(fund)
        if expected == closing:
            continue
        name = FUND_NAMES[fund]
        out.append(
            Finding(
                ERROR,
                "J02",
                f"{name}：年初结转和结余 {_wan(opening)} + 本年收入 {_wan(income)} − 本年支出 "
                f"{_wan(spent)} = {_wan(expected)}，与填报的年末结转和结余 {_wan(closing)}"
                f"不相等，{_gap(expected, closing)}。请核对“收支情况”中{name}的收入和年初、"
                f"年末结转和结余，或决算明细中资金来源为{FUND_SOURCE_LABELS[fund]}的支出。",
                table="F04",
                row=name,
            )
        )
    return out


#: the fund table whose 合计 each 财政拨款 column of 决算表四 must equal
FUND_TABLES = {FUND_GENERAL: "F05", FUND_GOV: "F07", FUND_STATE_CAPITAL: "F08"}


def rule_fiscal_tables(tables: Tables, data: FinalData) -> list[Finding]:
    """J03 决算表四 本年支出合计 = 决算表五 + 决算表七 (本年支出) + 决算表八, fund by fund and in
    total."""
    f04 = tables["F04"]
    row = next(r for r in f04.rows if r.cells[2] == "本年支出合计")
    out = []
    parts = ZERO
    for fund, code in FUND_TABLES.items():
        part = _total(tables[code], "total")
        parts += part
        shown = _v(row.cells[f04.column_index(fund)])
        if shown != part:
            out.append(
                Finding(
                    ERROR,
                    "J03",
                    f"决算表四 本年支出合计的{FUND_NAMES[fund]} {_wan(shown)}与"
                    f"{TABLE_NAMES[code]} 合计 {_wan(part)}不相等，"
                    f"{_gap(shown, part)}。两表取自同一决算明细，请重新生成公开表。",
                    table="F04",
                    row="本年支出合计",
                )
            )
    total = _v(row.cells[f04.column_index("expense_total")])
    if total != parts:
        out.append(
            Finding(
                ERROR,
                "J03",
                f"决算表四 本年支出合计 {_wan(total)}不等于决算表五、表七、表八 合计之和 "
                f"{_wan(parts)}，{_gap(total, parts)}。请重新生成公开表。",
                table="F04",
                row="本年支出合计",
            )
        )
    return out


def rule_basic_detail(tables: Tables, data: FinalData) -> list[Finding]:
    """J04 决算表五 基本支出合计 = 决算表六 合计 (人员经费 + 公用经费)."""
    basic, detail = _total(tables["F05"], "basic"), _total(tables["F06"], "total")
    if basic == detail:
        return []
    return [
        Finding(
            ERROR,
            "J04",
            f"决算表五 基本支出合计 {_wan(basic)}与决算表六 合计 {_wan(detail)}不相等，"
            f"{_gap(basic, detail)}。两表取自同一决算明细，请重新生成公开表。",
            table="F06",
            row="合计",
        )
    ]


def rule_opening_is_prior_closing(tables: Tables, data: FinalData) -> list[Finding]:
    """J05 each fund's 年初结转和结余 = last year's 决算 年末结转和结余 (when last year's 决算 is
    published)."""
    if data.prior_closing is None:
        return []
    out = []
    for fund in FUND_KEYS:
        opening = data.facts.opening(fund)
        prior = data.prior_closing.get(fund, ZERO)
        if opening == prior:
            continue
        out.append(
            Finding(
                ERROR,
                "J05",
                f"{FUND_NAMES[fund]}年初结转和结余 {_wan(opening)}与{data.year - 1}年决算的年末"
                f"结转和结余 {_wan(prior)}不一致，{_gap(opening, prior)}。请按上年决算填写年初数。",
                table="F01",
                row=FUND_NAMES[fund],
            )
        )
    return out


def rule_planned_is_published(tables: Tables, data: FinalData) -> list[Finding]:
    """J06 决算表五's 年初预算 = the published budget's 一般公共预算 (上年结转 included), to the cent,
    功能分类 项 by 项. Without a published budget: one 警告 that it cannot be checked."""
    if data.published_budget is None:
        return [
            Finding(
                WARNING,
                "J06",
                f"{data.year}年预算尚未公开，无法核对决算表五的年初预算。请先公开本年度预算。",
                table="F05",
            )
        ]
    published: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in data.published_budget.lines:
        if line.fund == FUND_GENERAL:
            published[line.func_code] += line.amount
    f05 = tables["F05"]
    planned_column = f05.column_index("planned")
    planned = {row.code: _v(row.cells[planned_column]) for row in f05.rows if row.level == 3}
    out = []
    for code in sorted(published.keys() | planned.keys()):
        ours, theirs = planned.get(code, ZERO), published.get(code, ZERO)
        if ours == theirs:
            continue
        name = data.actual.name("func", code) or data.published_budget.name("func", code)
        out.append(
            Finding(
                ERROR,
                "J06",
                f"决算表五“{code} {name}”的年初预算 {_wan(ours)}与已公开预算的一般公共预算 "
                f"{_wan(theirs)}不一致，{_gap(ours, theirs)}。年初预算取自公开的预算，请核对决算"
                "明细中该科目的功能分类和资金来源是否与预算一致。",
                table="F05",
                row=code,
            )
        )
    return out


def rule_reasons(tables: Tables, data: FinalData) -> list[Finding]:
    """J07 every difference of 10% or more between 决算数 and 年初预算 (`final_differences`) has a
    reason that says something (not empty, not a placeholder such as "无" or "XX")."""
    out = []
    for d in final_differences(data):
        if not d.needs_reason or not reason_text_is_placeholder(d.reason):
            continue
        rate = "年初预算为0" if d.rate is None else f"完成率 {d.rate}%"
        out.append(
            Finding(
                ERROR,
                "J07",
                f"“{d.label}”决算数 {_wan(d.actual)}，年初预算 {_wan(d.planned)}，{rate}，"
                f"比年初预算{d.phrase} {_wan(abs(d.diff))}，差异达到10%以上。请在“差异原因”中"
                "写明具体原因（如政策调整、项目实施进度、人员变动），不能留空或填写“无”。",
                table="F05" if d.key.startswith("func:") else "",
                row=d.key,
            )
        )
    return out


def rule_sangong_counts(tables: Tables, data: FinalData) -> list[Finding]:
    """J08 三公 counts agree with 三公 spending: 因公出国（境）费 with 团组数 (and at least as many
    人次 as 团组), 公务用车购置费 with 购置数, 公务用车运行维护费 with a 保有量, 公务接待费 with 批次
    (and at least as many 人次 as 批次)."""
    sums = sangong_sums(data.actual)
    facts = data.facts
    out = []

    def spend_needs_count(item, count, count_label):
        spend = sums[item][0]
        if spend and not count:
            out.append(f"{item}决算数 {_wan(spend)}，但{count_label}为0，请填写{count_label}")
        elif count and not spend:
            out.append(
                f"{count_label}为{count}，但{item}决算数为0，请核对{count_label}或决算明细中"
                f"{item}的经济科目"
            )

    def persons_cover_groups(persons, groups, what):
        if groups and persons < groups:
            out.append(f"{what}人次（{persons}）少于{what}批次或团组数（{groups}），请核对")

    spend_needs_count(SANGONG_OUTBOUND, facts.outbound_groups, "因公出国（境）团组数")
    persons_cover_groups(facts.outbound_persons, facts.outbound_groups, "因公出国（境）")
    spend_needs_count(SANGONG_VEHICLE_PURCHASE, facts.vehicles_purchased, "公务用车购置数")
    operation = sums[SANGONG_VEHICLE_OPERATION][0]
    if operation and not facts.vehicles_held:
        out.append(
            f"{SANGONG_VEHICLE_OPERATION}决算数 {_wan(operation)}，但公务用车保有量为0，"
            "请填写公务用车保有量"
        )
    spend_needs_count(SANGONG_RECEPTION, facts.reception_batches, "国内公务接待批次")
    persons_cover_groups(facts.reception_persons, facts.reception_batches, "国内公务接待")
    return [Finding(ERROR, "J08", f"“三公”经费：{text}。", table="F09", row="三公") for text in out]


def rule_procurement_sme(tables: Tables, data: FinalData) -> list[Finding]:
    """J09 授予中小企业合同金额 ≤ 政府采购 (货物 + 工程 + 服务) 支出总额."""
    facts = data.facts
    procured = facts.procurement_goods + facts.procurement_works + facts.procurement_services
    if facts.procurement_sme <= procured:
        return []
    return [
        Finding(
            ERROR,
            "J09",
            f"授予中小企业合同金额 {_wan(facts.procurement_sme)}超过政府采购支出总额 "
            f"{_wan(procured)}（货物、工程、服务之和）。请核对“收支情况”中的政府采购数。",
            row="政府采购",
        )
    ]


def rule_codes_valid(tables: Tables, data: FinalData) -> list[Finding]:
    """J10 every 决算 line uses codes valid (active, 末级) for the year, as the budget's R11."""
    return [
        Finding(
            ERROR,
            "J10",
            f"决算明细（编号 {issue.line_id}）的{issue.scheme_label}“{issue.code}”{issue.problem}，"
            "请在决算明细中改用本年度科目表的末级科目。",
            row=str(issue.line_id),
        )
        for issue in data.actual.code_issues
    ]


FINAL_RULES: dict[str, FinalRule] = {
    "J01": rule_balance,
    "J02": rule_fund_balance,
    "J03": rule_fiscal_tables,
    "J04": rule_basic_detail,
    "J05": rule_opening_is_prior_closing,
    "J06": rule_planned_is_published,
    "J07": rule_reasons,
    "J08": rule_sangong_counts,
    "J09": rule_procurement_sme,
    "J10": rule_codes_valid,
}


def run_final_checks(tables: Tables, data: FinalData) -> list[Finding]:
    """All findings of the 决算 rules over its tables (`derive_final(data)`), most severe first."""
    findings = [f for rule in FINAL_RULES.values() for f in rule(tables, data)]
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
