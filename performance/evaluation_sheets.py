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
from performance.sheets import HEADER, LABEL, MONEY, VALUE, Cell, Row, TargetSheet, format_yuan

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


def _label(text: str, **span) -> Cell:
    return Cell(text, kind=LABEL, **span)


def _header(text: str, **span) -> Cell:
    return Cell(text, kind=HEADER, **span)


def _value(text: str, **span) -> Cell:
    return Cell(text, kind=VALUE, **span)


def _money(text: str, **span) -> Cell:
    return Cell(text, kind=MONEY, **span)


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
        return [tuple(_value("") for _ in INDICATOR_HEADERS)]
    rows: list[Row] = []
    for i, indicator in enumerate(indicators):
        cells: list[Cell] = []
        if i == 0 or indicators[i - 1].level1 != indicator.level1:
            span = 1
            while i + span < len(indicators) and indicators[i + span].level1 == indicator.level1:
                span += 1
            cells.append(_label(indicator.level1, rowspan=span))
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
            cells.append(_label(indicator.level2, rowspan=span))
        cells += [
            _value(indicator.name),
            _value(indicator.text),
            _value(indicator.actual),
            _value(plain_number(indicator.weight)),
            _money(_score(scores[i])),
            _value(_deviation(indicator)),
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
                    _label("部门(单位)名称" if is_unit else "项目名称"),
                    _value(data.unit_name if is_unit else target.name, colspan=8),
                ),
                (
                    _label("主管部门"),
                    _value(data.department_label, colspan=4),
                    _label("实施单位"),
                    _value(target.implementer, colspan=3),
                ),
            ),
            (
                (
                    _label("项目资金(元)", rowspan=2, group=True),
                    _header("", colspan=2),
                    *(
                        _header(h)
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
                    _label("年度资金总额", colspan=2),
                    _money(_amount(initial)),
                    _money(_amount(target.planned)),
                    _money(_amount(target.actual)),
                    _value(plain_number(target.execution_weight)),
                    _value(rate),
                    _money(_score(score.execution_score)),
                ),
            ),
            (
                (
                    _label("年度总体目标", rowspan=2, group=True),
                    _header("预期目标", colspan=4),
                    _header("实际完成情况", colspan=4),
                ),
                (_value(target.goal, colspan=4), _value(target.summary, colspan=4)),
            ),
            (
                (
                    _label("绩效指标", rowspan=len(indicator_rows) + 1, group=True),
                    *(_header(h) for h in INDICATOR_HEADERS),
                ),
                *indicator_rows,
            ),
            (
                (
                    _label("总分", colspan=6),
                    _value(plain_number(target.weight_total)),
                    _money(_score(score.total)),
                    _value(f"等级：{score.grade}"),
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
