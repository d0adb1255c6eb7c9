"""Sections 十 to 十二 of the 情况说明, worded from what is not in the budget tables: the
performance targets' figures (十), the unit's asset facts (十一) and its notes (十二). One function
per section, each returning a `SectionPart`."""

from __future__ import annotations

from tables.document.narrative.types import (
    AssetInfo,
    Block,
    NarrativeTexts,
    ProjectTargetSummary,
    Section,
    SectionPart,
)
from tables.document.narrative.wording import share, wan


def _by_category(rows: tuple[tuple[str, int, object], ...], noun: str) -> str:
    return "；".join(
        f"{label}项目{count}个，涉及{noun}{wan(amount)}万元" for label, count, amount in rows
    )


def _of_which(rows: tuple[tuple[str, int, object], ...], noun: str) -> str:
    """「其中：…。」 by 项目类别, or nothing when no project has one (a set that does not print
    项目类别 may leave it blank)."""
    return f"其中：{_by_category(rows, noun)}。" if rows else ""


def performance_section(
    *, year: int, unit: str, targets: ProjectTargetSummary | None, scope: str = "单位"
) -> SectionPart:
    """十 绩效管理: the unit's (or 部门's: `scope`) overall target and the projects under target
    management, and the share of them whose targets are published."""
    if targets is None:
        return SectionPart(Section("十", "绩效管理情况", (Block(f"本{scope}未编报绩效目标。"),)))
    unit_text = (
        f"{year}年编报{scope}整体绩效目标，涉及资金{wan(targets.unit_target_amount)}万元。"
        "（部门（单位）整体目标表公开情况见附件）"
        if targets.has_unit_target
        else f"{year}年未编报{scope}整体绩效目标。"
    )
    project_text = (
        f"{year}年{unit}纳入绩效目标管理的二级项目{targets.managed_count}个，共计金额"
        f"{wan(targets.managed_amount)}万元。"
        f"{_of_which(targets.managed_by_category, '金额')}"
        f"公开项目绩效目标{targets.disclosed_count}个，涉及项目金额{wan(targets.disclosed_amount)}"
        f"万元，占部门（单位）项目支出总额的{share(targets.disclosed_amount, targets.managed_amount)}%。"
        f"{_of_which(targets.disclosed_by_category, '项目金额')}"
    )
    return SectionPart(
        Section(
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
        ),
        figures={
            "整体绩效目标资金": targets.unit_target_amount,
            "纳入绩效目标管理项目金额": targets.managed_amount,
            "公开项目绩效目标金额": targets.disclosed_amount,
        },
    )


def assets_section(*, unit: str, assets: AssetInfo) -> SectionPart:
    """十一 国有资产占有使用情况: vehicles, office space and large equipment, as entered."""
    vehicle_kinds = "，".join(f"{label}{n}辆" for label, n in assets.vehicles)
    vehicles = (
        f"截至{assets.as_of}，{unit}共有公务用车编制{assets.vehicles_quota}辆，"
        f"实有{assets.vehicles_total}辆" + (f"，其中：{vehicle_kinds}。" if vehicle_kinds else "。")
    )
    office = (
        f"截至{assets.as_of}，{unit}使用的办公用房建筑总面积{assets.office_area_m2:.2f}平方米。"
    )
    equipment = (
        f"截至{assets.as_of}，{unit}占有使用价值50万元（原值）以上的通用设备"
        f"{assets.equipment_over_500k}台（套）；{unit}占有使用价值100万元"
        f"（原值）以上的通用设备{assets.equipment_over_1m}台（套）。"
    )
    return SectionPart(
        Section(
            "十一",
            "国有资产占有使用情况",
            subsections=(
                Section("1、", "车辆情况", (Block(vehicles),)),
                Section("2、", "房屋情况", (Block(office),)),
                Section("3、", "其他国有资产占有使用情况", (Block(equipment),)),
            ),
        )
    )


def other_section(*, texts: NarrativeTexts) -> SectionPart:
    """十二 其他说明: the unit's notes on 政府购买服务 and anything else ("无" when empty)."""
    return SectionPart(
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
