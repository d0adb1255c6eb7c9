"""Sections 一 to 九 of the 情况说明: the budget's figures in words, one function per section.

Each function reads the derived statutory tables (`tables.figures.registry.derive_all`) through
`Table.cell` and their rows, never the budget lines, so every figure the narrative prints is the
figure a table shows. Last year's figures and the unit's reasons come in as `PriorFigures` and
`NarrativeTexts`; 政府采购 (in no table) from `tables.figures.derive.procurement`. Each returns a
`SectionPart`: the section, the comparisons it words and the figures it prints.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tables.document.narrative.types import (
    Block,
    Change,
    ChartSpec,
    NarrativeTexts,
    PriorFigures,
    Section,
    SectionPart,
)
from tables.document.narrative.wording import (
    change_phrase,
    item_change_phrase,
    share,
    wan,
    with_reason,
)
from tables.figures.checks import Tables
from tables.figures.derive.layout import SANGONG_OUTBOUND, SANGONG_RECEPTION, summary_expense_rows
from tables.figures.derive.t01_summary import INCOME_LABELS
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUND_GOV,
    FUND_STATE_CAPITAL,
    ZERO,
    Table,
)

#: how section 二 names 表一's five sources of 本年收入, in 表一's order
REVENUE_LABELS = (
    "一般公共预算拨款收入",
    "政府性基金预算拨款收入",
    "国有资本经营预算拨款收入",
    "财政专户管理资金收入",
    "单位资金",
)


# ---------------------------------------------------------------------------------------------
# Reading rows of the derived tables


def _change(
    label: str, current: Decimal, prior: Decimal | None, texts: NarrativeTexts, reason_field: str
) -> Change:
    """A comparison with last year, carrying the unit's reason typed in `reason_field`."""
    return Change(label, current, prior, getattr(texts, reason_field), reason_field)


def _prior_sum(first: Decimal | None, *others: Decimal | None) -> Decimal | None:
    """The sum of last year's figures, unknown when any of them is."""
    if first is None or None in others:
        return None
    return sum(others, first)


def class_amounts(table: Table, column: str) -> list[tuple[str, Decimal]]:
    """(类 name, amount in `column`) of a code-tree table's 类 rows, in code order, non-zero."""
    index = table.column_index(column)
    return [
        (row.cells[1], row.cells[index])
        for row in table.rows
        if row.level == 1 and row.cells[index]
    ]


def fiscal_class_amounts(t4: Table, t3: Table) -> list[tuple[str, Decimal]]:
    """(类 name, 财政拨款 amount) of 表四's expense rows, in their order, non-zero; names as 表三
    gives them (the classification's names rather than 表四's numbered row labels)."""
    names = {row.code: row.cells[1] for row in t3.rows if row.level == 1}
    amounts = ((code, t4.cell(label, "expense_total")) for label, code in summary_expense_rows())
    return [(names.get(code, ""), amount) for code, amount in amounts if amount]


def economic_names(t6: Table, column: str) -> list[str]:
    """款 names of the 部门经济科目 with an amount in `column` of 表六, largest first (code order
    among equals); a 款 paired with several 政府经济科目 counts once, with their sum."""
    index = t6.column_index(column)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    names: dict[str, str] = {}
    for row in t6.rows:
        if row.level == 2:
            dept_code = row.code.split("/")[0]
            sums[dept_code] += row.cells[index]
            names[dept_code] = row.cells[0]
    ordered = sorted((code for code in sums if sums[code]), key=lambda c: (-sums[c], c))
    return [names[code] for code in ordered]


# ---------------------------------------------------------------------------------------------
# 一 to 九


def totals_change_section(
    tables: Tables,
    *,
    year: int,
    unit: str,
    prior: PriorFigures,
    texts: NarrativeTexts,
    scope: str = "单位",
) -> SectionPart:
    """一 收支数据变动: 表一's 收入总计 (本年收入 and 上年结转) against last year's total, worded
    for revenue and again for expenditure (表一 balances), each with its own reason; `scope`
    ("单位" or "部门") names the budget."""
    t1 = tables["T01"]
    total = t1.cell("收入总计", "income")
    current = t1.cell("本年收入合计", "income")
    carry = t1.cell("上年结转", "income")
    revenue = _change("预算收入总计", total, prior.total, texts, "revenue_change_reason")
    expense = _change("预算支出总计", total, prior.total, texts, "expense_change_reason")

    def sentence(subject: str, change: Change, current_word: str) -> str:
        return (
            f"{subject}总计{wan(total)}万元，其中：{current_word}{wan(current)}"
            f"万元，上年结转{wan(carry)}万元" + with_reason(change_phrase(change), change)
        )

    text = (
        sentence(f"{year}年度{unit}预算收入", revenue, "本年收入")
        + "；"
        + sentence(f"本年{scope}预算支出", expense, "本年预算安排")
        + "。"
    )
    figures = {"收入总计": total, "本年收入": current, "上年结转": carry}
    if prior.total is not None:
        figures["上年预算收支总计"] = prior.total
        figures["收支总计比上年增减"] = total - prior.total
    return SectionPart(
        Section("一", f"{scope}预算收支数据变动情况及原因", (Block(text),)),
        changes=(revenue, expense),
        figures=figures,
    )


def revenue_section(tables: Tables, *, year: int, unit: str) -> SectionPart:
    """二 收入预算: 表一's 本年收入 by source and 上年结转, each with its share of 收入总计."""
    t1 = tables["T01"]
    total = t1.cell("收入总计", "income")
    parts = (
        *zip(REVENUE_LABELS, (t1.cell(label, "income") for label in INCOME_LABELS), strict=True),
        ("上年结转", t1.cell("上年结转", "income")),
    )
    listed = "；".join(
        f"{label}{wan(amount)}万元，占{share(amount, total)}%" for label, amount in parts
    )
    return SectionPart(
        Section(
            "二",
            "收入预算情况说明",
            (Block(f"{year}年度{unit}预算收入{wan(total)}万元，主要包括{listed}。"),),
        ),
        figures={f"收入:{label}": amount for label, amount in parts},
    )


def expenditure_section(tables: Tables, *, year: int, unit: str) -> SectionPart:
    """三 支出预算: 表三's 合计, 基本支出 and 项目支出 (all sources, carry-over included)."""
    t3 = tables["T03"]
    total, basic, project = (t3.cell("合计", column) for column in ("total", "basic", "project"))
    text = (
        f"{year}年度{unit}支出预算{wan(total)}万元，其中：基本支出{wan(basic)}万元，"
        f"占{share(basic, total)}%；项目支出{wan(project)}万元，占{share(project, total)}%。"
    )
    return SectionPart(
        Section("三", "支出预算情况说明", (Block(text),)),
        figures={"基本支出": basic, "项目支出": project},
    )


def fiscal_section(tables: Tables, *, year: int, unit: str) -> SectionPart:
    """四 财政拨款收支总体: 表四's 收入总计, its three sources (carry-over included), 本年 and
    上年结转 revenue, and its expense rows by 类."""
    t4 = tables["T04"]
    total = t4.cell("收入总计", "income")
    by_fund = {fund: t4.cell("本年支出合计", fund) for fund in FISCAL_FUNDS}
    current = t4.cell("本年收入合计", "income")
    carry = t4.cell("上年财政拨款结转", "income")
    classes = "、".join(
        f"{name}{wan(amount)}万元" for name, amount in fiscal_class_amounts(t4, tables["T03"])
    )
    text = (
        f"{year}年度{unit}财政拨款收支总预算{wan(total)}万元。其中：一般公共预算"
        f"拨款{wan(by_fund[FUND_GENERAL])}万元，政府性基金预算拨款"
        f"{wan(by_fund[FUND_GOV])}万元，国有资本经营预算拨款"
        f"{wan(by_fund[FUND_STATE_CAPITAL])}万元。其中：当年拨款收入"
        f"{wan(current)}万元，上年结转收入{wan(carry)}万元。"
        + (f"支出包括：{classes}等。" if classes else "")
    )
    return SectionPart(
        Section("四", "财政拨款收支预算总体情况说明", (Block(text),)),
        figures={
            "财政拨款收支总预算": total,
            "财政拨款当年拨款收入": current,
            "财政拨款上年结转收入": carry,
        },
    )


def general_public_section(
    tables: Tables, *, year: int, unit: str, prior: PriorFigures, texts: NarrativeTexts
) -> SectionPart:
    """五 一般公共预算支出: 表五's 合计 against last year's, and its 类 with their shares (and a
    chart of them)."""
    t5 = tables["T05"]
    total = t5.cell("合计", "total")
    change = _change(
        "一般公共预算当年支出", total, prior.general_current, texts, "general_public_change_reason"
    )
    scale = (
        f"{year}年度{unit}一般公共预算当年支出{wan(total)}万元"
        + with_reason(change_phrase(change), change)
        + "。"
    )
    classes = class_amounts(t5, "total")
    structure = "；".join(
        f"{name}{wan(amount)}万元，占{share(amount, total)}%" for name, amount in classes
    )
    chart = ChartSpec("general_public_structure", "一般公共预算当年拨款结构图", tuple(classes))
    uses = (
        f"{year}年度{unit}一般公共预算当年支出{wan(total)}万元，主要用于以下方面：{structure}等。"
        if structure
        else f"{year}年度{unit}无一般公共预算当年支出。"
    )
    return SectionPart(
        Section(
            "五",
            "一般公共预算支出情况说明",
            subsections=(
                Section("（一）", "一般公共预算当年支出规模变化情况", (Block(scale),)),
                Section(
                    "（二）",
                    "一般公共预算当年支出结构情况",
                    (Block(uses), Block(chart=chart)),
                ),
            ),
        ),
        changes=(change,),
        figures={"一般公共预算当年支出": total},
    )


def general_basic_section(tables: Tables, *, year: int, unit: str) -> SectionPart:
    """六 一般公共预算基本支出: 表六's 合计, 人员经费 and 公用经费, each with the names of its
    经济科目 款, largest first."""
    t6 = tables["T06"]
    total, personnel, public = (
        t6.cell("合计", column) for column in ("total", "personnel", "public")
    )
    blocks = [Block(f"{year}年度{unit}一般公共预算安排基本支出{wan(total)}万元，其中：")]
    for label, column, amount, end in (
        ("人员经费", "personnel", personnel, "；"),
        ("公用经费", "public", public, "。"),
    ):
        names = "、".join(economic_names(t6, column))
        blocks.append(
            Block(f"{label}{wan(amount)}万元" + (f"，主要包括：{names}等{end}" if names else end))
        )
    return SectionPart(
        Section("六", "一般公共预算基本支出情况说明", tuple(blocks)),
        figures={"一般公共预算基本支出": total, "人员经费": personnel, "公用经费": public},
    )


def sangong_section(
    tables: Tables, *, year: int, unit: str, prior: PriorFigures, texts: NarrativeTexts
) -> SectionPart:
    """七 “三公”经费: 表十's 合计 against last year's, then each item against its own (with a
    chart of the four items)."""
    t10 = tables["T10"]
    outbound = t10.cell(SANGONG_OUTBOUND, "total")
    reception = t10.cell(SANGONG_RECEPTION, "total")
    vehicle = t10.cell("公务用车购置及运行费", "total")
    purchase = t10.cell("①公务用车购置费", "total")
    operation = t10.cell("②公务用车运行维护费", "total")
    total = t10.cell("合计", "total")
    prior_vehicle = _prior_sum(prior.vehicle_purchase, prior.vehicle_operation)
    prior_total = _prior_sum(prior.outbound, prior.reception, prior_vehicle)
    total_change = _change("“三公”经费", total, prior_total, texts, "sangong_change_reason")
    items = (
        _change("因公出国(境)费", outbound, prior.outbound, texts, "outbound_change_reason"),
        _change("公务接待费", reception, prior.reception, texts, "reception_change_reason"),
        _change("公务用车购置及运行费", vehicle, prior_vehicle, texts, "vehicle_change_reason"),
        _change(
            "公务用车运行维护费",
            operation,
            prior.vehicle_operation,
            texts,
            "vehicle_operation_change_reason",
        ),
        _change(
            "公务用车购置费",
            purchase,
            prior.vehicle_purchase,
            texts,
            "vehicle_purchase_change_reason",
        ),
    )
    head = (
        f"{year}年{unit}财政拨款安排的“三公”经费预算{wan(total)}万元"
        + with_reason(change_phrase(total_change, reference=f"{year - 1}年"), total_change)
        + "。"
    )
    details = [
        f"{item.label}{wan(item.current)}万元" + with_reason(item_change_phrase(item), item)
        for item in items
    ]
    chart = ChartSpec(
        "sangong_distribution",
        "三公经费分布图",
        (
            ("因公出国(境)费", outbound),
            ("公务接待费", reception),
            ("公务用车购置费", purchase),
            ("公务用车运行维护费", operation),
        ),
    )
    return SectionPart(
        Section(
            "七",
            "“三公”经费增减变动原因说明",
            (
                Block(head),
                Block("其中：" + "；".join(details[:3]) + "。" + "；".join(details[3:]) + "。"),
                Block(chart=chart),
            ),
        ),
        changes=(total_change, *items),
        figures={"“三公”经费": total, **{f"三公:{item.label}": item.current for item in items}},
    )


def operating_costs_section(
    tables: Tables,
    *,
    year: int,
    has_operating_costs: bool,
    prior: PriorFigures,
    texts: NarrativeTexts,
    scope: str = "单位",
) -> SectionPart:
    """八 机关运行经费: 表十一's 部门合计 against last year's; a 事业单位 has none to report, nor a
    部门 (`scope`) whose members are all 事业单位."""
    amount = tables["T11"].cell("部门合计", "total")
    change = _change(
        "机关运行经费", amount, prior.operating_costs, texts, "operating_costs_change_reason"
    )
    if has_operating_costs:
        text = (
            f"本{scope}{year}年机关运行经费财政拨款预算{wan(amount)}万元"
            + with_reason(change_phrase(change, reference=f"{year - 1}年预算"), change)
            + "。"
        )
    else:
        text = (
            "本部门没有行政单位和参公事业单位，不涉及机关运行经费。"
            if scope == "部门"
            else "本单位为事业单位，不涉及机关运行经费。"
        )
    return SectionPart(
        Section("八", "机关运行经费增减变动原因说明", (Block(text),)),
        changes=(change,),
        figures={"机关运行经费": amount},
    )


def procurement_section(*, year: int, unit: str, procurement: dict[str, Decimal]) -> SectionPart:
    """九 政府采购: the 货物, 工程 and 服务 budgets and their total."""
    goods, works, services = (procurement.get(kind, ZERO) for kind in ("货物", "工程", "服务"))
    total = goods + works + services
    text = (
        f"{year}年{unit}政府采购预算总额{wan(total)}万元。其中：政府采购货物"
        f"预算{wan(goods)}万元、政府采购工程预算{wan(works)}万元、政府采购服务预算"
        f"{wan(services)}万元。"
    )
    return SectionPart(
        Section("九", "政府采购情况", (Block(text),)),
        figures={
            "政府采购": total,
            "政府采购:货物": goods,
            "政府采购:工程": works,
            "政府采购:服务": services,
        },
    )
