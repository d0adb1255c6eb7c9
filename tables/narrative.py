"""第三部分 情况说明: sections 一 to 十二 of the narrative, every figure derived.

Pure functions over the loaded budget (`BudgetData`), the prior-year figures, the performance
figures and the texts the unit entered (reasons, notes). Nothing here reads the database.

Wording follows the seed's sentence patterns. Amounts are printed in 万元 with 2 places and
thousands separators ("1,180.89万元"), percentages to 0.01% of exact 元 ratios, both rounded
half-up by `tables.figures.formatting.to_display`. A change is worded by its sign: 增加/增长,
减少/下降, or 与上年持平; a change from or to zero has no percentage.

`narrative_findings` reports the changes of 10% or more (or from/to zero) that have no reason
entered (rule N01), using the same comparisons the sentences print.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tables.figures.checks import ERROR, Finding
from tables.figures.derive.layout import (
    SANGONG_OUTBOUND,
    SANGONG_RECEPTION,
    SANGONG_VEHICLE_OPERATION,
    SANGONG_VEHICLE_PURCHASE,
)
from tables.figures.derive.t10_sangong import sangong_sums
from tables.figures.derive.t11_operating_costs import operating_cost_vector
from tables.figures.formatting import to_display
from tables.figures.types import (
    FISCAL_FUNDS,
    FUND_GENERAL,
    FUND_GOV,
    FUND_SPECIAL_ACCOUNT,
    FUND_STATE_CAPITAL,
    FUND_UNIT,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
    ZERO,
    BudgetData,
)
from units.texts import reason_text_is_placeholder, reason_text_normalise

CHANGE_NEEDS_REASON = Decimal(10)  # percent
HUNDRED = Decimal(100)
PCT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True)
class NarrativeTexts:
    """What the unit typed (reasons are stored without the "主要原因是" frame)."""

    revenue_change_reason: str = ""
    expense_change_reason: str = ""
    general_public_change_reason: str = ""
    sangong_change_reason: str = ""
    outbound_change_reason: str = ""
    reception_change_reason: str = ""
    vehicle_change_reason: str = ""
    vehicle_purchase_change_reason: str = ""
    vehicle_operation_change_reason: str = ""
    operating_costs_change_reason: str = ""
    purchased_services_note: str = ""
    other_notes: str = ""


@dataclass(frozen=True)
class AssetInfo:
    as_of: str  # "2024年12月31日"
    vehicles_quota: int = 0
    vehicles: tuple[tuple[str, int], ...] = ()  # (用车类别, 辆)
    office_area_m2: Decimal = ZERO
    equipment_over_500k: int = 0
    equipment_over_1m: int = 0

    @property
    def vehicles_total(self) -> int:
        return sum(n for _, n in self.vehicles)


@dataclass(frozen=True)
class PriorFigures:
    """Last year's figures in 元 (None when unknown); see tables.document.disclosure.prior_year_figures."""

    total: Decimal | None = None
    general_current: Decimal | None = None
    outbound: Decimal | None = None
    reception: Decimal | None = None
    vehicle_purchase: Decimal | None = None
    vehicle_operation: Decimal | None = None
    operating_costs: Decimal | None = None


@dataclass(frozen=True)
class ProjectTargetSummary:
    """Section 十's inputs, from `performance.derive.performance_figures`."""

    unit_target_amount: Decimal
    has_unit_target: bool
    managed_count: int
    managed_amount: Decimal
    managed_by_category: tuple[tuple[str, int, Decimal], ...]  # (label, count, amount)
    disclosed_count: int
    disclosed_amount: Decimal
    disclosed_by_category: tuple[tuple[str, int, Decimal], ...]


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    items: tuple[tuple[str, Decimal], ...]  # (label, 元)


@dataclass(frozen=True)
class Block:
    """A paragraph of text, or a chart placed in the flow."""

    text: str = ""
    chart: ChartSpec | None = None


@dataclass(frozen=True)
class Section:
    number: str  # "一" … "十二", or "（一）" for subsections
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()

    @property
    def heading(self) -> str:
        sep = "" if self.number.startswith("（") or self.number.endswith("、") else "、"
        return f"{self.number}{sep}{self.title}"


@dataclass(frozen=True)
class Change:
    """A comparison with last year, in 元."""

    label: str
    current: Decimal
    prior: Decimal | None
    reason: str = ""
    reason_field: str = ""

    @property
    def diff(self) -> Decimal | None:
        return None if self.prior is None else self.current - self.prior

    @property
    def percent(self) -> Decimal | None:
        if self.prior is None or self.prior == 0:
            return None
        return (self.current - self.prior) / self.prior * HUNDRED

    @property
    def needs_reason(self) -> bool:
        if self.prior is None or self.diff == 0:
            return False
        if self.prior == 0 or self.current == 0:
            return True
        return abs(self.percent) >= CHANGE_NEEDS_REASON


@dataclass(frozen=True)
class Narrative:
    sections: tuple[Section, ...]
    charts: tuple[ChartSpec, ...]
    changes: tuple[Change, ...]
    #: every figure the sentences print, by name, in exact 元 (open data, tests)
    figures: dict[str, Decimal] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Formatting


def wan(amount: Decimal) -> str:
    """元 → "1,180.89" (万元, half-up, thousands separators)."""
    return f"{to_display(amount, '万元'):,.2f}"


def share(part: Decimal, whole: Decimal) -> str:
    """Percentage of exact amounts to 0.01, e.g. "52.10"; "0.00" for an empty whole."""
    if not whole:
        return "0.00"
    return f"{(part / whole * HUNDRED).quantize(PCT, rounding=ROUND_HALF_UP):.2f}"


def change_phrase(change: Change, *, reference: str = "上年") -> str:
    """比上年增加X万元，增长Y% / 比上年减少X万元，下降Y% / 与上年持平 (empty when unknown)."""
    diff = change.diff
    if diff is None:
        return ""
    if diff == 0:
        return f"与{reference}持平"
    word, trend = ("增加", "增长") if diff > 0 else ("减少", "下降")
    text = f"比{reference}{word}{wan(abs(diff))}万元"
    if change.percent is not None:
        pct = abs(change.percent).quantize(PCT, rounding=ROUND_HALF_UP)
        text += f"，{trend}{pct:.2f}%"
    return text


def item_change_phrase(change: Change) -> str:
    """三公 items: 与上年预算数相同 / 与上年相比预算数增加(减少)X万元."""
    diff = change.diff
    if diff is None:
        return ""
    if diff == 0:
        return "与上年预算数相同"
    word = "增加" if diff > 0 else "减少"
    return f"与上年相比预算数{word}{wan(abs(diff))}万元"


def reason_clause(change: Change) -> str:
    reason = reason_text_normalise(change.reason)
    if not reason or change.diff in (None, ZERO):
        return ""
    return f"，主要原因是{reason}"


# ---------------------------------------------------------------------------------------------
# Figures


def _sum(lines) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def _by_class(lines, data: BudgetData) -> list[tuple[str, Decimal]]:
    """(类 name, amount) in code order, non-zero only."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[line.func_code[:3]] += line.amount
    return [(data.name("func", code), sums[code]) for code in sorted(sums) if sums[code]]


def _econ_names(lines, data: BudgetData) -> list[str]:
    """款 names of the economic codes used, largest amount first."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[line.dept_code] += line.amount
    ordered = sorted((code for code in sums if sums[code]), key=lambda c: (-sums[c], c))
    return [data.name("dept_econ", code) for code in ordered]


@dataclass(frozen=True)
class NarrativeInputs:
    data: BudgetData
    prior: PriorFigures
    texts: NarrativeTexts
    targets: ProjectTargetSummary | None
    assets: AssetInfo
    procurement: dict[str, Decimal]  # 货物/工程/服务 → 元


def narrative_build(inputs: NarrativeInputs) -> Narrative:
    data, prior, texts = inputs.data, inputs.prior, inputs.texts
    unit, year = data.unit.name, data.year
    lines = data.lines
    current = [line for line in lines if not line.is_carryover]
    carry = [line for line in lines if line.is_carryover]
    total, current_total, carry_total = _sum(lines), _sum(current), _sum(carry)
    figures: dict[str, Decimal] = {
        "收入总计": total,
        "本年收入": current_total,
        "上年结转": carry_total,
    }
    sections: list[Section] = []
    changes: list[Change] = []

    # 一 收支数据变动
    revenue = Change(
        "预算收入总计", total, prior.total, texts.revenue_change_reason, "revenue_change_reason"
    )
    expense = Change(
        "预算支出总计", total, prior.total, texts.expense_change_reason, "expense_change_reason"
    )
    changes += [revenue, expense]

    def _total_sentence(kind: str, change: Change, current_word: str) -> str:
        phrase = change_phrase(change)
        text = (
            f"{year}年度{unit}{kind}总计{wan(total)}万元，其中：{current_word}{wan(current_total)}"
            f"万元，上年结转{wan(carry_total)}万元"
        )
        if phrase:
            text += f"，{phrase}{reason_clause(change)}"
        return text

    sections.append(
        Section(
            "一",
            "单位预算收支数据变动情况及原因",
            (
                Block(
                    _total_sentence("预算收入", revenue, "本年收入")
                    + "；"
                    + _total_sentence("单位预算支出", expense, "本年预算安排").replace(
                        f"{year}年度{unit}", "本年"
                    )
                    + "。"
                ),
            ),
        )
    )
    if prior.total is not None:
        figures["上年预算收支总计"] = prior.total
        figures["收支总计比上年增减"] = total - prior.total

    # 二 收入预算
    fund_sums = defaultdict(lambda: ZERO)
    for line in current:
        fund_sums[line.fund] += line.amount
    revenue_parts = (
        ("一般公共预算拨款收入", fund_sums[FUND_GENERAL]),
        ("政府性基金预算拨款收入", fund_sums[FUND_GOV]),
        ("国有资本经营预算拨款收入", fund_sums[FUND_STATE_CAPITAL]),
        ("财政专户管理资金收入", fund_sums[FUND_SPECIAL_ACCOUNT]),
        ("单位资金", fund_sums[FUND_UNIT]),
        ("上年结转", carry_total),
    )
    figures.update({f"收入:{label}": amount for label, amount in revenue_parts})
    parts = "；".join(
        f"{label}{wan(amount)}万元，占{share(amount, total)}%" for label, amount in revenue_parts
    )
    sections.append(
        Section(
            "二",
            "收入预算情况说明",
            (Block(f"{year}年度{unit}预算收入{wan(total)}万元，主要包括{parts}。"),),
        )
    )

    # 三 支出预算
    basic = _sum(line for line in lines if line.expense_kind != KIND_PROJECT)
    project = _sum(line for line in lines if line.expense_kind == KIND_PROJECT)
    figures.update({"基本支出": basic, "项目支出": project})
    sections.append(
        Section(
            "三",
            "支出预算情况说明",
            (
                Block(
                    f"{year}年度{unit}支出预算{wan(total)}万元，其中：基本支出{wan(basic)}万元，"
                    f"占{share(basic, total)}%；项目支出{wan(project)}万元，"
                    f"占{share(project, total)}%。"
                ),
            ),
        )
    )

    # 四 财政拨款收支总体
    fiscal = [line for line in lines if line.fund in FISCAL_FUNDS]
    fiscal_total = _sum(fiscal)
    fiscal_by_fund = {f: _sum(line for line in fiscal if line.fund == f) for f in FISCAL_FUNDS}
    fiscal_current = _sum(line for line in fiscal if not line.is_carryover)
    fiscal_carry = fiscal_total - fiscal_current
    fiscal_classes = _by_class(fiscal, data)
    figures.update(
        {
            "财政拨款收支总预算": fiscal_total,
            "财政拨款当年拨款收入": fiscal_current,
            "财政拨款上年结转收入": fiscal_carry,
        }
    )
    classes_text = "、".join(f"{name}{wan(amount)}万元" for name, amount in fiscal_classes)
    sections.append(
        Section(
            "四",
            "财政拨款收支预算总体情况说明",
            (
                Block(
                    f"{year}年度{unit}财政拨款收支总预算{wan(fiscal_total)}万元。其中：一般公共预算"
                    f"拨款{wan(fiscal_by_fund[FUND_GENERAL])}万元，政府性基金预算拨款"
                    f"{wan(fiscal_by_fund[FUND_GOV])}万元，国有资本经营预算拨款"
                    f"{wan(fiscal_by_fund[FUND_STATE_CAPITAL])}万元。其中：当年拨款收入"
                    f"{wan(fiscal_current)}万元，上年结转收入{wan(fiscal_carry)}万元。"
                    + (f"支出包括：{classes_text}等。" if classes_text else "")
                ),
            ),
        )
    )

    # 五 一般公共预算支出 (当年)
    general = [line for line in current if line.fund == FUND_GENERAL]
    general_total = _sum(general)
    general_change = Change(
        "一般公共预算当年支出",
        general_total,
        prior.general_current,
        texts.general_public_change_reason,
        "general_public_change_reason",
    )
    changes.append(general_change)
    figures["一般公共预算当年支出"] = general_total
    phrase = change_phrase(general_change)
    scale = f"{year}年度{unit}一般公共预算当年支出{wan(general_total)}万元"
    scale += f"，{phrase}{reason_clause(general_change)}。" if phrase else "。"
    general_classes = _by_class(general, data)
    structure = "；".join(
        f"{name}{wan(amount)}万元，占{share(amount, general_total)}%"
        for name, amount in general_classes
    )
    structure_chart = ChartSpec(
        "general_public_structure", "一般公共预算当年拨款结构图", tuple(general_classes)
    )
    sections.append(
        Section(
            "五",
            "一般公共预算支出情况说明",
            subsections=(
                Section("（一）", "一般公共预算当年支出规模变化情况", (Block(scale),)),
                Section(
                    "（二）",
                    "一般公共预算当年支出结构情况",
                    (
                        Block(
                            f"{year}年度{unit}一般公共预算当年支出{wan(general_total)}万元，"
                            f"主要用于以下方面：{structure}等。"
                            if structure
                            else f"{year}年度{unit}无一般公共预算当年支出。"
                        ),
                        Block(chart=structure_chart),
                    ),
                ),
            ),
        )
    )

    # 六 一般公共预算基本支出
    general_basic = [line for line in general if line.expense_kind != KIND_PROJECT]
    personnel = [line for line in general_basic if line.expense_kind == KIND_PERSONNEL]
    public = [line for line in general_basic if line.expense_kind == KIND_PUBLIC]
    figures.update(
        {
            "一般公共预算基本支出": _sum(general_basic),
            "人员经费": _sum(personnel),
            "公用经费": _sum(public),
        }
    )
    blocks = [
        Block(f"{year}年度{unit}一般公共预算安排基本支出{wan(_sum(general_basic))}万元，其中：")
    ]
    for label, group, end in (("人员经费", personnel, "；"), ("公用经费", public, "。")):
        names = "、".join(_econ_names(group, data))
        blocks.append(
            Block(
                f"{label}{wan(_sum(group))}万元" + (f"，主要包括：{names}等{end}" if names else end)
            )
        )
    sections.append(Section("六", "一般公共预算基本支出情况说明", tuple(blocks)))

    # 七 三公
    sangong = {key: vector[0] for key, vector in sangong_sums(data).items()}
    vehicle = sangong[SANGONG_VEHICLE_PURCHASE] + sangong[SANGONG_VEHICLE_OPERATION]
    sangong_total = sangong[SANGONG_OUTBOUND] + sangong[SANGONG_RECEPTION] + vehicle
    prior_vehicle = (
        None
        if prior.vehicle_purchase is None or prior.vehicle_operation is None
        else prior.vehicle_purchase + prior.vehicle_operation
    )
    prior_sangong = (
        None
        if prior.outbound is None or prior.reception is None or prior_vehicle is None
        else prior.outbound + prior.reception + prior_vehicle
    )
    total_change = Change(
        "“三公”经费",
        sangong_total,
        prior_sangong,
        texts.sangong_change_reason,
        "sangong_change_reason",
    )
    items = (
        Change(
            "因公出国(境)费",
            sangong[SANGONG_OUTBOUND],
            prior.outbound,
            texts.outbound_change_reason,
            "outbound_change_reason",
        ),
        Change(
            "公务接待费",
            sangong[SANGONG_RECEPTION],
            prior.reception,
            texts.reception_change_reason,
            "reception_change_reason",
        ),
        Change(
            "公务用车购置及运行费",
            vehicle,
            prior_vehicle,
            texts.vehicle_change_reason,
            "vehicle_change_reason",
        ),
        Change(
            "公务用车运行维护费",
            sangong[SANGONG_VEHICLE_OPERATION],
            prior.vehicle_operation,
            texts.vehicle_operation_change_reason,
            "vehicle_operation_change_reason",
        ),
        Change(
            "公务用车购置费",
            sangong[SANGONG_VEHICLE_PURCHASE],
            prior.vehicle_purchase,
            texts.vehicle_purchase_change_reason,
            "vehicle_purchase_change_reason",
        ),
    )
    changes += [total_change, *items]
    figures["“三公”经费"] = sangong_total
    figures.update({f"三公:{c.label}": c.current for c in items})
    head = f"{year}年{unit}财政拨款安排的“三公”经费预算{wan(sangong_total)}万元"
    phrase = change_phrase(total_change, reference=f"{year - 1}年")
    head += f"，{phrase}{reason_clause(total_change)}。" if phrase else "。"
    details = []
    for change in items:
        text = f"{change.label}{wan(change.current)}万元"
        item_phrase = item_change_phrase(change)
        if item_phrase:
            text += f"，{item_phrase}{reason_clause(change)}"
        details.append(text)
    sangong_chart = ChartSpec(
        "sangong_distribution",
        "三公经费分布图",
        (
            ("因公出国(境)费", sangong[SANGONG_OUTBOUND]),
            ("公务接待费", sangong[SANGONG_RECEPTION]),
            ("公务用车购置费", sangong[SANGONG_VEHICLE_PURCHASE]),
            ("公务用车运行维护费", sangong[SANGONG_VEHICLE_OPERATION]),
        ),
    )
    sections.append(
        Section(
            "七",
            "“三公”经费增减变动原因说明",
            (
                Block(head),
                Block("其中：" + "；".join(details[:3]) + "。" + "；".join(details[3:]) + "。"),
                Block(chart=sangong_chart),
            ),
        )
    )

    # 八 机关运行经费
    operating = operating_cost_vector(data)[0]
    operating_change = Change(
        "机关运行经费",
        operating,
        prior.operating_costs,
        texts.operating_costs_change_reason,
        "operating_costs_change_reason",
    )
    changes.append(operating_change)
    figures["机关运行经费"] = operating
    if data.unit.has_operating_costs:
        text = f"本单位{year}年机关运行经费财政拨款预算{wan(operating)}万元"
        phrase = change_phrase(operating_change, reference=f"{year - 1}年预算")
        text += f"，{phrase}{reason_clause(operating_change)}。" if phrase else "。"
    else:
        text = "本单位为事业单位，不涉及机关运行经费。"
    sections.append(Section("八", "机关运行经费增减变动原因说明", (Block(text),)))

    # 九 政府采购
    goods, works, services = (inputs.procurement.get(k, ZERO) for k in ("货物", "工程", "服务"))
    procurement_total = goods + works + services
    figures.update(
        {
            "政府采购": procurement_total,
            "政府采购:货物": goods,
            "政府采购:工程": works,
            "政府采购:服务": services,
        }
    )
    sections.append(
        Section(
            "九",
            "政府采购情况",
            (
                Block(
                    f"{year}年{unit}政府采购预算总额{wan(procurement_total)}万元。其中：政府采购货物"
                    f"预算{wan(goods)}万元、政府采购工程预算{wan(works)}万元、政府采购服务预算"
                    f"{wan(services)}万元。"
                ),
            ),
        )
    )

    # 十 绩效管理
    sections.append(_performance_section(year, unit, inputs.targets, figures))

    # 十一 国有资产
    assets = inputs.assets
    vehicle_kinds = "，".join(f"{label}{n}辆" for label, n in assets.vehicles)
    sections.append(
        Section(
            "十一",
            "国有资产占有使用情况",
            subsections=(
                Section(
                    "1、",
                    "车辆情况",
                    (
                        Block(
                            f"截至{assets.as_of}，{unit}共有公务用车编制{assets.vehicles_quota}辆，"
                            f"实有{assets.vehicles_total}辆"
                            + (f"，其中：{vehicle_kinds}。" if vehicle_kinds else "。")
                        ),
                    ),
                ),
                Section(
                    "2、",
                    "房屋情况",
                    (
                        Block(
                            f"截至{assets.as_of}，{unit}使用的办公用房建筑总面积"
                            f"{assets.office_area_m2:.2f}平方米。"
                        ),
                    ),
                ),
                Section(
                    "3、",
                    "其他国有资产占有使用情况",
                    (
                        Block(
                            f"截至{assets.as_of}，{unit}占有使用价值50万元（原值）以上的通用设备"
                            f"{assets.equipment_over_500k}台（套）；{unit}占有使用价值100万元"
                            f"（原值）以上的通用设备{assets.equipment_over_1m}台（套）。"
                        ),
                    ),
                ),
            ),
        )
    )

    # 十二 其他说明
    sections.append(
        Section(
            "十二",
            "其他说明",
            subsections=(
                Section(
                    "（一）",
                    "政府购买服务指导性目录",
                    (Block(texts.purchased_services_note.strip() or "无"),),
                ),
                Section("（二）", "其他", (Block(texts.other_notes.strip() or "无"),)),
            ),
        )
    )
    return Narrative(
        sections=tuple(sections),
        charts=(structure_chart, sangong_chart),
        changes=tuple(changes),
        figures=figures,
    )


def _performance_section(year, unit, targets: ProjectTargetSummary | None, figures) -> Section:
    if targets is None:
        return Section("十", "绩效管理情况", (Block("本单位未编报绩效目标。"),))
    figures.update(
        {
            "整体绩效目标资金": targets.unit_target_amount,
            "纳入绩效目标管理项目金额": targets.managed_amount,
            "公开项目绩效目标金额": targets.disclosed_amount,
        }
    )

    def categories(rows, noun: str) -> str:
        return "；".join(
            f"{label}项目{count}个，涉及{noun}{wan(amount)}万元" for label, count, amount in rows
        )

    unit_text = (
        f"{year}年编报单位整体绩效目标，涉及资金{wan(targets.unit_target_amount)}万元。"
        "（部门（单位）整体目标表公开情况见附件）"
        if targets.has_unit_target
        else f"{year}年未编报单位整体绩效目标。"
    )
    project_text = (
        f"{year}年{unit}纳入绩效目标管理的二级项目{targets.managed_count}个，共计金额"
        f"{wan(targets.managed_amount)}万元。其中：{categories(targets.managed_by_category, '金额')}。"
        f"公开项目绩效目标{targets.disclosed_count}个，涉及项目金额{wan(targets.disclosed_amount)}"
        f"万元，占部门（单位）项目支出总额的{share(targets.disclosed_amount, targets.managed_amount)}%。"
        f"其中：{categories(targets.disclosed_by_category, '项目金额')}。"
    )
    return Section(
        "十",
        "绩效管理情况",
        subsections=(
            Section("1、", "整体绩效目标", (Block(unit_text),)),
            Section(
                "2、",
                "项目绩效目标",
                (Block(project_text), Block("（项目绩效目标表公开情况见附件）")),
            ),
        ),
    )


def narrative_findings(narrative: Narrative) -> list[Finding]:
    """N01: a change of 10% or more (or from/to zero) needs a reason; placeholders do not count."""
    out = []
    for change in narrative.changes:
        if change.needs_reason and reason_text_is_placeholder(change.reason):
            percent = change.percent
            how = (
                f"{'增长' if change.diff > 0 else '下降'}"
                f"{abs(percent).quantize(PCT, rounding=ROUND_HALF_UP):.2f}%"
                if percent is not None
                else ("由0增加" if change.prior == 0 else "减少至0")
            )
            out.append(
                Finding(
                    ERROR,
                    "N01",
                    f"{change.label}{wan(change.current)}万元，比上年{how}"
                    f"（上年{wan(change.prior)}万元），请填写变动原因。",
                    table="情况说明",
                    row=change.reason_field,
                )
            )
    return out
