"""The 决算 情况说明: the year's actual income and expenditure in words, against the 年初预算.

Pure over `FinalData` (the three views of the 决算 lines and the entered facts), the nine derived
决算 tables and the comparison (`tables.figures.final.compare`): each difference of 10% or more
from the 年初预算 is printed with its 完成率 and the unit's reason (J07 refuses a 决算 whose
reason is missing or a placeholder, so the document never prints an empty reason).
Amounts in 万元 and percentages are worded by `tables.document.narrative.wording`, as in the
budget's narrative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tables.document.narrative.types import Block, Narrative, Section
from tables.document.narrative.wording import percent_text, share, wan
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.final.compare import Difference, change_phrase
from tables.figures.final.derive import INCOME_ROWS as INCOME_SOURCES
from tables.figures.final.types import FinalData
from tables.figures.types import FISCAL_FUNDS, ZERO, Table

#: the section after which the 绩效自评表 are attached
EVALUATION_SECTION = "预算绩效管理情况说明"


@dataclass(frozen=True)
class EvaluationSummary:
    """One target's 绩效自评 result as the narrative cites it."""

    name: str
    score: Decimal
    grade: str


def _sum(values) -> Decimal:
    return sum(values, ZERO)


def income_total(data: FinalData) -> Decimal:
    return _sum(getattr(data.facts, field) for _, field in INCOME_SOURCES)


def expense_total(data: FinalData) -> Decimal:
    """本年支出合计: the lines' 决算数 and the expenditure outside them."""
    facts = data.facts
    return (
        _sum(line.amount for line in data.actual.lines)
        + facts.expense_to_superior
        + facts.expense_operating
        + facts.expense_subsidiary
    )


def _rate_words(item: Difference, *, planned_words: str = "年初预算") -> str:
    """ "完成年初预算的98.50%" (or, with no 年初预算, "年初未安排预算"). Every sentence using it
    has already given the 决算数 and the 年初预算."""
    if item.rate is None:
        return "年初未安排预算"
    return f"完成{planned_words}的{percent_text(item.rate)}%"


def _with_reason(item: Difference) -> str:
    """The difference worded by its sign with the unit's reason where one is needed."""
    phrase = change_phrase(item.planned, item.actual)
    if phrase == "持平" or not item.needs_reason:
        return ""
    more = "大于" if item.actual > item.planned else "小于"
    reason = item.reason.strip().rstrip("。") if item.reason else ""
    if not reason:
        return ""
    return f"决算数{more}年初预算数的主要原因是：{reason}。"


def overall_section(data: FinalData, *, unit: str) -> Section:
    facts = data.facts
    opening = _sum(facts.opening(f) for f in ("general", "gov_fund", "state_capital", "other"))
    closing = _sum(facts.closing(f) for f in ("general", "gov_fund", "state_capital", "other"))
    income = income_total(data)
    expense = expense_total(data)
    text = (
        f"{data.year}年度{unit}收入总计{wan(income + opening)}万元，其中本年收入{wan(income)}万元、"
        f"年初结转和结余{wan(opening)}万元；支出总计{wan(expense + closing)}万元，其中本年支出"
        f"{wan(expense)}万元、年末结转和结余{wan(closing)}万元。"
    )
    return Section("一", "收入支出决算总体情况说明", (Block(text),))


def income_section(data: FinalData, *, unit: str) -> Section:
    total = income_total(data)
    parts = [
        f"{label}{wan(getattr(data.facts, field))}万元，占{share(getattr(data.facts, field), total)}%"
        for label, field in INCOME_SOURCES
        if getattr(data.facts, field)
    ]
    text = f"{data.year}年度{unit}本年收入合计{wan(total)}万元" + (
        "，其中：" + "；".join(parts) + "。" if parts else "。"
    )
    return Section("二", "收入决算情况说明", (Block(text),))


def expense_section(data: FinalData, *, unit: str) -> Section:
    total = expense_total(data)
    basic = _sum(line.amount for line in data.actual.lines if line.is_basic)
    project = _sum(line.amount for line in data.actual.lines if not line.is_basic)
    facts = data.facts
    parts = [f"基本支出{wan(basic)}万元，占{share(basic, total)}%"]
    parts.append(f"项目支出{wan(project)}万元，占{share(project, total)}%")
    for label, amount in (
        ("上缴上级支出", facts.expense_to_superior),
        ("经营支出", facts.expense_operating),
        ("对附属单位补助支出", facts.expense_subsidiary),
    ):
        if amount:
            parts.append(f"{label}{wan(amount)}万元，占{share(amount, total)}%")
    text = f"{data.year}年度{unit}本年支出合计{wan(total)}万元，其中：" + "；".join(parts) + "。"
    return Section("三", "支出决算情况说明", (Block(text),))


def fiscal_section(data: FinalData, differences: dict[str, Difference], *, unit: str) -> Section:
    total = differences["total"]
    text = (
        f"{data.year}年度{unit}财政拨款支出决算{wan(total.actual)}万元，年初预算"
        f"{wan(total.planned)}万元，{_rate_words(total)}。{_with_reason(total)}"
    )
    return Section("四", "财政拨款收入支出决算总体情况说明", (Block(text),))


def general_public_section(data: FinalData, differences: list[Difference], *, unit: str) -> Section:
    """五 by 功能分类 项: 年初预算, 决算数, 完成率 and, for a difference of 10% or more, why."""
    items = [d for d in differences if d.key.startswith("func:")]
    planned = _sum(d.planned for d in items)
    actual = _sum(d.actual for d in items)
    rate = f"完成年初预算的{share(actual, planned)}%" if planned else "年初未安排预算"
    blocks = [
        Block(
            f"{data.year}年度{unit}一般公共预算财政拨款支出决算{wan(actual)}万元，"
            f"年初预算{wan(planned)}万元，{rate}。"
        )
    ]
    for number, item in enumerate(items, start=1):
        blocks.append(
            Block(
                f"{number}. {item.label}：年初预算为{wan(item.planned)}万元，支出决算为"
                f"{wan(item.actual)}万元，{_rate_words(item)}。{_with_reason(item)}"
            )
        )
    return Section("五", "一般公共预算财政拨款支出决算情况说明", tuple(blocks))


def general_basic_section(data: FinalData, tables: dict[str, Table], *, unit: str) -> Section:
    """六: F06's 合计 row (上年结转 included, as the table prints it)."""
    _, _, _, personnel, public = tables["F06"].rows[0].cells
    personnel, public = personnel or ZERO, public or ZERO
    text = (
        f"{data.year}年度{unit}一般公共预算财政拨款基本支出决算{wan(personnel + public)}万元，"
        f"其中：人员经费{wan(personnel)}万元，公用经费{wan(public)}万元。"
    )
    return Section("六", "一般公共预算财政拨款基本支出决算情况说明", (Block(text),))


def sangong_section(data: FinalData, differences: dict[str, Difference], *, unit: str) -> Section:
    """七 三公: the 决算 against the 预算 of each item, with the counts the unit entered."""
    planned = sangong_sums(data.planned)
    actual = sangong_sums(data.actual)
    planned_total = _sum(v[0] for v in planned.values())
    actual_total = _sum(v[0] for v in actual.values())
    facts = data.facts
    rate = f"完成预算的{share(actual_total, planned_total)}%" if planned_total else "年初未安排预算"
    blocks = [
        Block(
            f"{data.year}年度{unit}财政拨款“三公”经费支出年初预算{wan(planned_total)}万元，"
            f"支出决算{wan(actual_total)}万元，{rate}。"
        )
    ]
    counts = {
        "sangong:outbound": f"全年因公出国（境）团组{facts.outbound_groups}个、"
        f"{facts.outbound_persons}人次",
        "sangong:vehicle_purchase": f"全年购置公务用车{facts.vehicles_purchased}辆",
        "sangong:vehicle_operation": f"年末公务用车保有量{facts.vehicles_held}辆",
        "sangong:reception": f"全年国内公务接待{facts.reception_batches}批次、"
        f"{facts.reception_persons}人次",
    }
    for key, count in counts.items():
        item = differences.get(key)
        if item is None:
            continue
        blocks.append(
            Block(
                f"{item.label}支出决算{wan(item.actual)}万元，年初预算{wan(item.planned)}万元，"
                f"{_rate_words(item, planned_words='预算')}；{count}。{_with_reason(item)}"
            )
        )
    return Section("七", "财政拨款“三公”经费支出决算情况说明", tuple(blocks))


def other_funds_section(data: FinalData, *, unit: str) -> Section:
    texts = []
    for fund, name in (("gov_fund", "政府性基金预算"), ("state_capital", "国有资本经营预算")):
        amount = _sum(line.amount for line in data.actual.lines if line.fund == fund)
        if amount:
            texts.append(f"{data.year}年度{unit}{name}财政拨款支出决算{wan(amount)}万元。")
        else:
            texts.append(f"{data.year}年度{unit}无{name}财政拨款收入和支出。")
    return Section(
        "八",
        "政府性基金预算和国有资本经营预算财政拨款支出决算情况说明",
        tuple(Block(t) for t in texts),
    )


def operating_costs_section(
    data: FinalData, differences: dict[str, Difference], *, unit: str
) -> Section:
    item = differences.get("operating_costs")
    if not data.unit.has_operating_costs or item is None:
        text = f"本{data.actual.scope}为事业单位，不涉及机关运行经费。"
    else:
        text = (
            f"{data.year}年度{unit}机关运行经费支出{wan(item.actual)}万元，年初预算"
            f"{wan(item.planned)}万元，{_rate_words(item, planned_words='预算')}。"
            f"{_with_reason(item)}"
        )
    return Section("九", "机关运行经费支出情况说明", (Block(text),))


def procurement_section(data: FinalData, *, unit: str) -> Section:
    facts = data.facts
    total = facts.procurement_goods + facts.procurement_works + facts.procurement_services
    text = (
        f"{data.year}年度{unit}政府采购支出总额{wan(total)}万元，其中：政府采购货物支出"
        f"{wan(facts.procurement_goods)}万元、政府采购工程支出{wan(facts.procurement_works)}万元、"
        f"政府采购服务支出{wan(facts.procurement_services)}万元。授予中小企业合同金额"
        f"{wan(facts.procurement_sme)}万元，占政府采购支出总额的{share(facts.procurement_sme, total)}%。"
    )
    return Section("十", "政府采购支出情况说明", (Block(text),))


def assets_section(data: FinalData, *, unit: str) -> Section:
    facts = data.facts
    text = (
        f"截至{data.year}年12月31日，{unit}共有车辆{facts.vehicles_total}辆；单价50万元以上通用设备"
        f"{facts.equipment_over_500k}台（套），单价100万元以上专用设备"
        f"{facts.special_equipment_over_1m}台（套）。"
    )
    return Section("十一", "国有资产占用情况说明", (Block(text),))


def evaluation_section(
    data: FinalData, evaluations: tuple[EvaluationSummary, ...], *, unit: str
) -> Section:
    if not evaluations:
        text = f"{data.year}年度{unit}无需开展绩效自评的项目。"
        return Section("十二", EVALUATION_SECTION, (Block(text),))
    head = (
        f"{unit}对{data.year}年度整体支出和项目支出开展了绩效自评，共自评"
        f"{len(evaluations)}项，结果见附件绩效自评表。"
    )
    details = "；".join(f"{e.name}自评得分{e.score}分，等级为“{e.grade}”" for e in evaluations)
    return Section("十二", EVALUATION_SECTION, (Block(head), Block(details + "。")))


def final_narrative_build(
    data: FinalData,
    differences: list[Difference],
    tables: dict[str, Table],
    *,
    evaluations: tuple[EvaluationSummary, ...] = (),
) -> Narrative:
    """The 决算's 情况说明, sections 一 to 十二 (六 reads F06, the rest the comparison and the
    facts)."""
    unit = f"本{data.actual.scope}"
    by_key = {d.key: d for d in differences}
    sections = (
        overall_section(data, unit=unit),
        income_section(data, unit=unit),
        expense_section(data, unit=unit),
        fiscal_section(data, by_key, unit=unit),
        general_public_section(data, differences, unit=unit),
        general_basic_section(data, tables, unit=unit),
        sangong_section(data, by_key, unit=unit),
        other_funds_section(data, unit=unit),
        operating_costs_section(data, by_key, unit=unit),
        procurement_section(data, unit=unit),
        assets_section(data, unit=unit),
        evaluation_section(data, evaluations, unit=unit),
    )
    fiscal_actual = _sum(line.amount for line in data.actual.lines if line.fund in FISCAL_FUNDS)
    figures = {
        "本年收入合计": income_total(data),
        "本年支出合计": expense_total(data),
        "财政拨款支出决算": fiscal_actual,
        "机关运行经费决算": operating_cost_vector(data.actual)[0],
        **{f"决算:{d.key}": d.actual for d in differences},
        **{f"年初预算:{d.key}": d.planned for d in differences},
    }
    return Narrative(sections=sections, charts=(), changes=(), figures=figures)
