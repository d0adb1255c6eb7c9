"""The 绩效自评表 of a 决算 as neutral grids: PURE functions from `EvaluationData` and the 决算's
money to `performance.sheets.TargetSheet`s, so the renderers of the target tables (the HTML
include `performance/target_sheet.html`, and the PDF and XLSX built from the same cells) print
them unchanged. No database access and no markup here; every number shown is formatted here.

One sheet per target (the unit's overall target first, then the projects in 表十二 order), laid
out as the 项目支出绩效自评表, 9 columns (a section label in column 0):

- 项目名称 (for the overall target 部门(单位)名称); 主管部门 | 实施单位.
- 项目资金(元): 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 of 预算执行率. 全年预算数
  and 全年执行数 are the (planned, actual) of `execution`, the 执行率 their ratio; 年初预算数 comes
  from `initial` when the caller gives it (blank otherwise).
- 年度总体目标: 预期目标 (the target's 年度目标) | 实际完成情况 (the unit's summary).
- 绩效指标: 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |
  偏差原因分析及改进措施, 一级/二级 merged over their rows.
- 总分: the sum of the 分值 (100 when filled correctly), the total score, and the 等级.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from performance.evaluation import (
    UNIT_KEY,
    EvaluationData,
    Execution,
    IndicatorEvaluation,
    TargetEvaluationRow,
    evaluation_score,
    plain_number,
    with_execution,
)
from performance.sheets import (
    Cell,
    Row,
    TargetSheet,
    format_yuan,
    header_cell,
    label_cell,
    money_cell,
    value_cell,
)

PROJECT_TITLE = "项目支出绩效自评表"
UNIT_TITLE = "部门整体支出绩效自评表"
COLUMNS = 9
INDICATOR_HEADERS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
)


def _amount(amount: Decimal | None) -> str:
    return "" if amount is None else format_yuan(amount)


def _score(score: Decimal) -> str:
    return f"{score:.2f}"


def _deviation(indicator: IndicatorEvaluation) -> str:
    parts = []
    if indicator.deviation_reason:
        parts.append(f"偏差原因：{indicator.deviation_reason}")
    if indicator.improvement:
        parts.append(f"改进措施：{indicator.improvement}")
    return "\n".join(parts)


def _indicator_rows(target: TargetEvaluationRow, scores: tuple[Decimal, ...]) -> list[Row]:
    indicators = target.indicators
    if not indicators:
        return [tuple(value_cell("") for _ in INDICATOR_HEADERS)]
    rows: list[Row] = []
    for i, indicator in enumerate(indicators):
        cells: list[Cell] = []
        if i == 0 or indicators[i - 1].level1 != indicator.level1:
            span = 1
            while i + span < len(indicators) and indicators[i + span].level1 == indicator.level1:
                span += 1
            cells.append(label_cell(indicator.level1, rowspan=span))
        same_level2 = (
            i > 0
            and indicators[i - 1].level1 == indicator.level1
            and indicators[i - 1].level2 == indicator.level2
        )
        if not same_level2:
            span = 1
            while (
                i + span < len(indicators)
                and indicators[i + span].level1 == indicator.level1
                and indicators[i + span].level2 == indicator.level2
            ):
                span += 1
            cells.append(label_cell(indicator.level2, rowspan=span))
        cells += [
            value_cell(indicator.name),
            value_cell(indicator.text),
            value_cell(indicator.actual),
            value_cell(plain_number(indicator.weight)),
            money_cell(_score(scores[i])),
            value_cell(_deviation(indicator)),
        ]
        rows.append(tuple(cells))
    return rows


def evaluation_sheet(
    data: EvaluationData, target: TargetEvaluationRow, initial: Decimal | None = None
) -> TargetSheet:
    """The 绩效自评表 of one target (with `planned`/`actual` filled by `with_execution`)."""
    score = evaluation_score(target, data.bands)
    is_unit = target.key == UNIT_KEY
    rate = "" if score.execution_rate is None else f"{score.execution_rate:.2f}%"
    indicator_rows = _indicator_rows(target, score.indicator_scores)
    return TargetSheet(
        key=f"evaluation-{target.key}" if is_unit else f"evaluation-project-{target.key}",
        name=target.name,
        title=UNIT_TITLE if is_unit else PROJECT_TITLE,
        subtitle=f"({data.year}年度)",
        columns=COLUMNS,
        sections=(
            (
                (
                    label_cell("部门(单位)名称" if is_unit else "项目名称"),
                    value_cell(data.unit_name if is_unit else target.name, colspan=8),
                ),
                (
                    label_cell("主管部门"),
                    value_cell(data.department_label, colspan=4),
                    label_cell("实施单位"),
                    value_cell(target.implementer, colspan=3),
                ),
            ),
            (
                (
                    label_cell("项目资金(元)", rowspan=2, group=True),
                    header_cell("", colspan=2),
                    *(
                        header_cell(h)
                        for h in (
                            "年初预算数",
                            "全年预算数",
                            "全年执行数",
                            "分值",
                            "执行率",
                            "得分",
                        )
                    ),
                ),
                (
                    label_cell("年度资金总额", colspan=2),
                    money_cell(_amount(initial)),
                    money_cell(_amount(target.planned)),
                    money_cell(_amount(target.actual)),
                    value_cell(plain_number(target.execution_weight)),
                    value_cell(rate),
                    money_cell(_score(score.execution_score)),
                ),
            ),
            (
                (
                    label_cell("年度总体目标", rowspan=2, group=True),
                    header_cell("预期目标", colspan=4),
                    header_cell("实际完成情况", colspan=4),
                ),
                (value_cell(target.goal, colspan=4), value_cell(target.summary, colspan=4)),
            ),
            (
                (
                    label_cell("绩效指标", rowspan=len(indicator_rows) + 1, group=True),
                    *(header_cell(h) for h in INDICATOR_HEADERS),
                ),
                *indicator_rows,
            ),
            (
                (
                    label_cell("总分", colspan=6),
                    value_cell(plain_number(target.weight_total)),
                    money_cell(_score(score.total)),
                    value_cell(f"等级：{score.grade}"),
                ),
            ),
        ),
        footer=target.footer,
    )


def evaluation_sheets(
    data: EvaluationData,
    execution: Execution,
    *,
    initial: Mapping[int | None, Decimal] | None = None,
) -> tuple[TargetSheet, ...]:
    """One 绩效自评表 per target of the 决算. `execution` maps project id (None for the unit's
    overall target) → (全年预算数, 全年执行数) 元; `initial`, when given, the same keys → 年初预算数."""
    data = with_execution(data, execution)
    initial = initial or {}
    return tuple(
        evaluation_sheet(data, target, initial.get(target.execution_key)) for target in data.targets
    )
