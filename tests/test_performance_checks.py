"""绩效目标 checks (performance/checks.py): each rule fires on a crafted fault and stays silent on
the correct case; on the demo the findings are exactly the seed's known target faults.

Rule tests build `BudgetData`/`TargetData` directly (no database); the demo tests go through
`disclosure_derive`.
"""

from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from performance.checks import RULES, TABLE, UNIT_TARGET_ROW, run_target_checks
from performance.demo import demo_load
from performance.types import (
    SCOPE_PERIOD,
    SCOPE_YEAR,
    Footer,
    FundSplit,
    IndicatorRow,
    ProjectTargetRow,
    TargetData,
    UnitProfile,
    UnitTargetRow,
)
from performance.values import QUALITATIVE, parse_indicator_value
from tables.document.disclosure import disclosure_derive
from tables.figures.checks import ERROR, NOTICE, WARNING
from tables.figures.types import (
    FUND_GENERAL,
    KIND_PROJECT,
    BudgetData,
    LineRow,
    ProjectRow,
    UnitInfo,
)

SCOPES = (SCOPE_PERIOD, SCOPE_YEAR)
LEVEL1 = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "社会效益指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
}


# --- builders ------------------------------------------------------------------------------


def ind(level2, name, text, scope=SCOPE_YEAR, level1=None) -> IndicatorRow:
    """An indicator row as the selector loads it (parsed like `Indicator.save`)."""
    try:
        parsed = parse_indicator_value(text)
        comparator, number, unit = parsed.comparator, parsed.number, parsed.unit
    except ValidationError:  # legacy data: stored without a valid parse
        comparator, number, unit = QUALITATIVE, None, ""
    return IndicatorRow(
        scope=scope,
        level1=level1 if level1 is not None else LEVEL1[level2],
        level2=level2,
        level2_code="",
        name=name,
        text=text,
        comparator=comparator,
        number=number,
        unit=unit,
        position=0,
    )


def complete_set(scope, *, cost=("项目经费", "10万元"), quantity=("会议次数", "2次")):
    """One indicator of each required kind."""
    return (
        ind("数量指标", *quantity, scope=scope),
        ind("质量指标", "完成率", "100%", scope=scope),
        ind("时效指标", "完成时间", "年底前", scope=scope),
        ind("成本指标", *cost, scope=scope),
        ind("社会效益指标", "保障工作开展", "保障", scope=scope),
        ind("服务对象满意度指标", "满意度", "≥95%", scope=scope),
    )


def both_scopes(**kwargs):
    return tuple(i for scope in SCOPES for i in complete_set(scope, **kwargs))


def project(pid, name, *, allocation_of=None) -> ProjectRow:
    return ProjectRow(pid, name, "specific", "recurring", 99, allocation_of, pid)


def line(pid, amount, *, carryover=False) -> LineRow:
    return LineRow(
        "2010108", "30299", "50299", KIND_PROJECT, FUND_GENERAL, carryover, pid, Decimal(amount)
    )


def target(pid, indicators, *, period, central="0", provincial="0", other="0"):
    return ProjectTargetRow(
        id=pid,
        project_id=pid,
        implementer="",
        overview="",
        basis="",
        necessity="",
        measures="",
        plan="",
        goal_period="",
        goal_year="",
        funds_period=FundSplit(local=Decimal(period)),
        year_central=Decimal(central),
        year_provincial=Decimal(provincial),
        year_other=Decimal(other),
        indicators=tuple(indicators),
        footer=Footer(),
    )


UNIT = UnitInfo("T01", "测试单位", "administrative", "T", "测试部门", True)
PROFILE = UnitProfile("T-测试部门", "测试单位", 1, 0, 10, 10, 10, 0, "")
UNIT_TARGET = UnitTargetRow("战略目标", "年度目标", (), complete_set(SCOPE_YEAR), Footer())

#: A correct submission: 会议费 (100,000 元) with a 10万元 cost; 交通补贴 (516,000 元) whose
#: standard 200元/人/月 × 215人 × 12 matches, plus an extra allocation (33,600 元) of the same name
#: that shares its target; 培训费 only carried over from last year (not a 表十二 row).
MEETING = target(1, both_scopes(), period="100000")
ALLOWANCE = target(
    2,
    both_scopes(cost=("补贴标准", "200元/人/月"), quantity=("代表人数", "215人")),
    period="516000",
)
PROJECTS = (
    project(1, "会议费"),
    project(2, "交通补贴"),
    project(3, "交通补贴", allocation_of=2),
    project(4, "培训费"),
)
LINES = (line(1, "100000"), line(2, "516000"), line(3, "33600"), line(4, "5000", carryover=True))


def budget(projects=PROJECTS, lines=LINES) -> BudgetData:
    return BudgetData(unit=UNIT, year=2025, lines=tuple(lines), projects=tuple(projects))


def targets(project_targets=(MEETING, ALLOWANCE), unit_target=UNIT_TARGET) -> TargetData:
    return TargetData(
        profile=PROFILE,
        unit_target=unit_target,
        project_targets=tuple(project_targets),
        categories=(),
    )


def check(rule_id, data=None, target_data=None):
    return RULES[rule_id](data or budget(), target_data or targets())


def with_indicator(t: ProjectTargetRow, name: str, text: str, scope=None) -> ProjectTargetRow:
    """The target with the value of indicator `name` replaced (in one scope or both)."""
    return replace(
        t,
        indicators=tuple(
            ind(i.level2, i.name, text, scope=i.scope, level1=i.level1)
            if i.name == name and scope in (None, i.scope)
            else i
            for i in t.indicators
        ),
    )


def allowance_standard(text, quantity="215人") -> ProjectTargetRow:
    """交通补贴's target (516,000 元) with the given standard and number of deputies."""
    return target(
        2,
        both_scopes(cost=("补贴标准", text), quantity=("代表人数", quantity)),
        period="516000",
    )


# --- the correct case ----------------------------------------------------------------------


def test_correct_submission_has_no_target_findings():
    """A submission whose every 表十二 row is covered and every target is consistent is silent,
    including an extra allocation that shares its project's target and a carry-over-only project."""
    assert run_target_checks(budget(), targets()) == []


def test_findings_are_sorted_most_severe_first_and_carry_table_and_row():
    """错误 before 警告; every finding names the 绩效目标 table."""
    data = budget(
        projects=(*PROJECTS, project(5, "会议费")), lines=(*LINES, line(5, "1000"))
    )  # P01 (错误) and P02/P09 (警告)
    findings = run_target_checks(data, targets())
    assert [f.severity for f in findings] == [ERROR, WARNING, WARNING]
    assert [f.rule_id for f in findings] == ["P01", "P02", "P09"]
    assert {f.table for f in findings} == {TABLE}


# --- P01 -----------------------------------------------------------------------------------


def test_p01_project_without_target_is_an_error():
    """A 表十二 row with money and no target is a 错误 naming the project and its amount."""
    (finding,) = check("P01", target_data=targets(project_targets=(ALLOWANCE,)))
    assert (finding.severity, finding.rule_id, finding.row) == (ERROR, "P01", "会议费")
    assert "「会议费」（10.00万元）没有项目支出绩效目标表" in finding.message


def test_p01_allocation_is_missing_when_its_main_project_has_no_target():
    """Without the main project's target, its extra allocation is missing too, and says whose."""
    findings = check("P01", target_data=targets(project_targets=(MEETING,)))
    assert [f.row for f in findings] == ["交通补贴", "交通补贴"]
    assert "追加资金，3.36万元）所属项目「交通补贴」" in findings[1].message


def test_p01_silent_for_allocations_and_carryover_only_projects():
    """An allocation shares its main target; a project with only carried-over money is no row."""
    assert check("P01") == []


# --- P02 -----------------------------------------------------------------------------------


def test_p02_reports_coverage_when_some_rows_have_no_target():
    """The aggregate names rows, tables and covered rows with amounts and the share."""
    (finding,) = check("P02", target_data=targets(project_targets=(ALLOWANCE,)))
    assert (finding.severity, finding.row) == (WARNING, "")
    assert finding.message.startswith(
        "表十二列示项目 3 个（64.96万元），公开项目绩效目标表 1 张，"
        "覆盖项目 2 个（54.96万元，占 84.61%）"
    )


def test_p02_silent_when_every_row_is_covered():
    """Three 表十二 rows, two target tables: allocations sharing a target are covered."""
    assert check("P02") == []


# --- P03 -----------------------------------------------------------------------------------


def test_p03_entered_money_outside_the_budget_lines_is_an_error():
    """中央 money entered in the 年度 block makes the total differ from 表十二."""
    data = targets(project_targets=(replace(MEETING, year_central=Decimal("20000")), ALLOWANCE))
    (finding,) = check("P03", target_data=data)
    assert (finding.severity, finding.row) == (ERROR, "会议费")
    assert "年度资金总额 120,000 元与表十二本项目 100,000 元不一致（相差 20,000 元）" in (
        finding.message
    )
    assert "中央、省级、其他资金共 20,000 元" in finding.message


def test_p03_accepts_the_main_row_alone_or_with_its_allocations():
    """The target may cover the main row only (516,000) or main + allocation (549,600)."""
    assert check("P03") == []
    whole = replace(
        ALLOWANCE, year_other=Decimal("33600"), funds_period=FundSplit(local=Decimal("549600"))
    )
    assert check("P03", target_data=targets(project_targets=(MEETING, whole))) == []


def test_p03_a_partial_allocation_does_not_match():
    """Entered money that is neither zero nor the allocations' sum is flagged, showing both."""
    partial = replace(ALLOWANCE, year_other=Decimal("1000"))
    (finding,) = check("P03", target_data=targets(project_targets=(MEETING, partial)))
    assert "（含追加资金共 549,600 元）" in finding.message


# --- P04 -----------------------------------------------------------------------------------


def test_p04_period_money_below_year_money_is_an_error():
    """实施期 80,000 元 against 年度 100,000 元."""
    short = replace(MEETING, funds_period=FundSplit(local=Decimal("80000")))
    (finding,) = check("P04", target_data=targets(project_targets=(short, ALLOWANCE)))
    assert (finding.severity, finding.row) == (ERROR, "会议费")
    assert "实施期资金总额 80,000 元小于年度资金总额 100,000 元（相差 20,000 元）" in (
        finding.message
    )


def test_p04_silent_when_period_covers_year():
    """Equal or larger 实施期 money is fine."""
    larger = replace(MEETING, funds_period=FundSplit(local=Decimal("300000")))
    assert check("P04", target_data=targets(project_targets=(larger, ALLOWANCE))) == []


# --- P05 -----------------------------------------------------------------------------------


def test_p05_lists_the_missing_kinds_per_scope():
    """A 年度 set without 成本 and 满意度 indicators names both, with the scope."""
    kept = tuple(
        i
        for i in MEETING.indicators
        if not (i.scope == SCOPE_YEAR and i.level2 in ("成本指标", "服务对象满意度指标"))
    )
    (finding,) = check(
        "P05", target_data=targets(project_targets=(replace(MEETING, indicators=kept), ALLOWANCE))
    )
    assert (finding.severity, finding.row) == (ERROR, "会议费")
    assert finding.message == "「会议费」年度绩效指标缺少成本指标、满意度指标（每类至少一项）。"


def test_p05_year_set_must_exist_period_set_only_when_filled():
    """No 年度 indicators at all lists every kind; an empty 实施期 set is not checked."""
    period_only = replace(MEETING, indicators=complete_set(SCOPE_PERIOD))
    year_only = replace(ALLOWANCE, indicators=ALLOWANCE.indicators_for(SCOPE_YEAR))
    findings = check("P05", target_data=targets(project_targets=(period_only, year_only)))
    assert [f.row for f in findings] == ["会议费"]
    assert "年度绩效指标缺少数量指标、质量指标、时效指标、成本指标、效益指标、满意度指标" in (
        findings[0].message
    )


def test_p05_unit_target_is_checked():
    """The unit-level target needs every kind too."""
    bare = replace(UNIT_TARGET, indicators=UNIT_TARGET.indicators[:3])
    (finding,) = check("P05", target_data=targets(unit_target=bare))
    assert finding.row == UNIT_TARGET_ROW
    assert "整体支出绩效目标的绩效指标缺少成本指标、效益指标、满意度指标" in finding.message


def test_p05_matches_kinds_by_name_at_either_level():
    """A framework with 成本指标 as a 一级 indicator (二级 经济成本指标) satisfies 成本."""
    regional = tuple(
        ind("经济成本指标", i.name, i.text, scope=i.scope, level1="成本指标")
        if i.level2 == "成本指标"
        else i
        for i in MEETING.indicators
    )
    assert (
        check(
            "P05",
            target_data=targets(project_targets=(replace(MEETING, indicators=regional), ALLOWANCE)),
        )
        == []
    )


# --- P06 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("≥", "比较符「≥」后必须是数字"),
        ("120%", "百分比必须在0–100之间"),
        ("", "指标值不能为空"),
    ],
)
def test_p06_unparseable_or_out_of_range_values_are_errors(text, expected):
    """Values re-parsed from their text: missing numbers, percentages above 100, empty text."""
    bad = with_indicator(MEETING, "完成率", text, scope=SCOPE_PERIOD)
    (finding,) = check("P06", target_data=targets(project_targets=(bad, ALLOWANCE)))
    assert (finding.severity, finding.row) == (ERROR, "会议费")
    assert finding.message.startswith("「会议费」实施期指标「完成率」的指标值有误：")
    assert expected in finding.message


def test_p06_checks_the_unit_target():
    """The unit-level target's values are re-parsed too."""
    bad = replace(
        UNIT_TARGET, indicators=(*UNIT_TARGET.indicators, ind("质量指标", "出席率", "≥190%"))
    )
    (finding,) = check("P06", target_data=targets(unit_target=bad))
    assert finding.row == UNIT_TARGET_ROW


def test_p06_silent_for_valid_values():
    """Qualitative values, 100% and ≥ comparisons parse."""
    fine = with_indicator(MEETING, "完成时间", "按月发放")
    fine = with_indicator(fine, "满意度", "≥100%")
    assert check("P06", target_data=targets(project_targets=(fine, ALLOWANCE))) == []


# --- P07 -----------------------------------------------------------------------------------


def test_p07_cost_in_the_wrong_money_unit_is_an_error_suggesting_the_unit():
    """890000万元 against 890,000 元 (智慧人大三期's slip) in the 年度 block only."""
    data = budget(projects=(project(1, "智慧人大三期项目"),), lines=(line(1, "890000"),))
    t = with_indicator(
        target(1, both_scopes(cost=("系统费用", "89万元")), period="890000"),
        "系统费用",
        "890000万元",
        scope=SCOPE_YEAR,
    )
    (finding,) = check("P07", data, targets(project_targets=(t,)))
    assert (finding.severity, finding.row) == (ERROR, "智慧人大三期项目")
    assert finding.message == (
        "「智慧人大三期项目」年度成本指标「系统费用」为 890000万元（8,900,000,000 元），"
        "与年度资金总额 890,000 元相差约 10,000 倍，金额单位可能有误：应为 890000元 或 89万元。"
    )


def test_p07_too_small_and_per_year_units_and_period_money():
    """89元/年 against 890,000 元 fires in both scopes (实施期 compared with 实施期 money)."""
    data = budget(projects=(project(1, "系统"),), lines=(line(1, "890000"),))
    t = target(1, both_scopes(cost=("系统费用", "89元/年")), period="1780000")
    findings = check("P07", data, targets(project_targets=(t,)))
    assert [f.message.split("成本指标")[0] for f in findings] == ["「系统」实施期", "「系统」年度"]
    assert "与实施期资金总额 1,780,000 元相差约 20,000 倍" in findings[0].message
    assert findings[1].message.endswith("应为 890000元/年 或 89万元/年。")


def test_p07_suggests_the_scope_money_when_no_unit_fits():
    """0.5元 is wrong in 元 and in 万元 (5,000 元): the suggestion is the 年度 money itself."""
    data = budget(projects=(project(1, "系统"),), lines=(line(1, "890000"),))
    t = target(1, complete_set(SCOPE_YEAR, cost=("系统费用", "0.5元")), period="890000")
    (finding,) = check("P07", data, targets(project_targets=(t,)))
    assert finding.message.endswith("应为 890000元 或 89万元。")


def test_p07_silent_for_right_magnitudes_and_non_totals():
    """≤20万元 for 200,000 元, a partial cost within 100×, and per-entity standards are fine."""
    data = budget(projects=(project(1, "设备"),), lines=(line(1, "200000"),))
    for cost in ("≤20万元", "200000元", "2500元", "20万元/年", "1000元/人/年"):
        t = target(1, both_scopes(cost=("项目资金", cost)), period="200000")
        assert check("P07", data, targets(project_targets=(t,))) == [], cost


# --- P08 -----------------------------------------------------------------------------------


def test_p08_standard_times_quantity_off_suggests_the_period():
    """200元/人/年 × 215人 = 43,000 元 against 516,000 元; 元/人/月 would match."""
    wrong = allowance_standard("200元/人/年")
    findings = check("P08", target_data=targets(project_targets=(MEETING, wrong)))
    assert [(f.severity, f.row) for f in findings] == [(WARNING, "交通补贴")] * 2
    assert findings[1].message == (
        "「交通补贴」年度：成本指标「补贴标准」200元/人/年 × 数量指标「代表人数」215人 = "
        "43,000 元，与年度资金 516,000 元不一致（相差 473,000 元）。"
        "按 元/人/月 计算为 516,000 元，与年度资金一致，指标单位可能应为「元/人/月」。"
    )
    assert findings[0].message.startswith("「交通补贴」实施期：")


def test_p08_without_a_matching_period_no_suggestion():
    """A standard off by another factor is flagged without a unit suggestion; × 12 is shown."""
    wrong = allowance_standard("150元/人/月")
    (first, _) = check("P08", target_data=targets(project_targets=(MEETING, wrong)))
    assert "150元/人/月 × 数量指标「代表人数」215人 × 12（月） = 387,000 元" in first.message
    assert "可能应为" not in first.message


def test_p08_silent_within_one_percent():
    """200元/人/月 × 215人 × 12 = 516,000 exactly; 201元 (0.5% off) is still fine."""
    assert check("P08") == []
    near = allowance_standard("201元/人/月")
    assert check("P08", target_data=targets(project_targets=(MEETING, near))) == []


def test_p08_skips_ambiguous_cases():
    """Two standards, per-day standards, standards without a period, quantities in another
    entity, two matching quantities, and the unit-level target are not checked."""
    wrong = allowance_standard("200元/人/年")
    two_standards = replace(
        wrong,
        indicators=wrong.indicators
        + tuple(ind("成本指标", "另一标准", "5000元/人/年", scope=s) for s in SCOPES),
    )
    per_day = allowance_standard("100元/人/天")
    no_period = allowance_standard("100元/人")
    other_entity = allowance_standard("200元/人/年", quantity="15个")
    two_quantities = replace(
        wrong,
        indicators=wrong.indicators
        + tuple(ind("数量指标", "列席人数", "30人", scope=s) for s in SCOPES),
    )
    for case in (two_standards, per_day, no_period, other_entity, two_quantities):
        assert check("P08", target_data=targets(project_targets=(MEETING, case))) == []
    unit_wrong = replace(
        UNIT_TARGET,
        indicators=(ind("成本指标", "补贴", "200元/人/年"), ind("数量指标", "人数", "215人")),
    )
    assert check("P08", target_data=targets(unit_target=unit_wrong)) == []


# --- P09 -----------------------------------------------------------------------------------


def test_p09_same_name_twice_without_allocation_is_a_warning():
    """Two independent 表十二 rows called 会议费."""
    data = budget(projects=(*PROJECTS, project(5, "会议费")), lines=(*LINES, line(5, "1000")))
    (finding,) = check("P09", data)
    assert (finding.severity, finding.row) == (WARNING, "会议费")
    assert "表十二项目名称「会议费」出现 2 次（10.00万元、0.10万元）" in finding.message


def test_p09_allocations_of_different_projects_sharing_a_name_are_flagged():
    """Same-named rows are fine only as one main row and its own allocations."""
    projects = (*PROJECTS, project(5, "交通补贴"), project(6, "交通补贴", allocation_of=5))
    lines = (*LINES, line(5, "1000"), line(6, "1000"))
    (finding,) = check("P09", budget(projects, lines))
    assert "出现 4 次" in finding.message


def test_p09_silent_for_a_project_and_its_allocations_or_rows_without_money():
    """交通补贴 and its allocation are one project; a same-named row without money is no row."""
    assert check("P09") == []
    data = budget(projects=(*PROJECTS, project(5, "会议费")))
    assert check("P09", data) == []


# --- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_derived(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = disclosure_derive(submission=demo_load())
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_demo_target_findings_are_exactly_the_seed_faults(demo_derived):
    """On the seed: P01 联络站经费 without a target, P02 23 rows vs 18 tables, P07 智慧人大三期's
    890000万元 and P08 交通和通讯补贴's 200元/人/年 (each in both its 实施期 and 年度 blocks)."""
    target_findings = [f for f in demo_derived.findings if f.rule_id.startswith("P")]
    assert Counter((f.severity, f.rule_id, f.row) for f in target_findings) == {
        (ERROR, "P01", "市人大代表联络站经费"): 1,
        (ERROR, "P07", "智慧人大三期项目"): 2,
        (WARNING, "P02", ""): 1,
        (WARNING, "P08", "代表交通和通讯补贴"): 2,
    }
    by_rule = {f.rule_id: f for f in target_findings}
    assert "表十二列示项目 23 个（560.75万元），公开项目绩效目标表 18 张，覆盖项目 22 个" in (
        by_rule["P02"].message
    )
    p07 = [f.message for f in target_findings if f.rule_id == "P07"]
    assert [m.split("成本指标")[0] for m in p07] == [
        "「智慧人大三期项目」实施期",
        "「智慧人大三期项目」年度",
    ]
    assert all("应为 890000元 或 89万元" in m for m in p07)
    assert "可能应为「元/人/月」" in by_rule["P08"].message


@pytest.mark.django_db
def test_demo_findings_keep_severity_order_and_targets_are_returned(demo_derived):
    """Table and target findings are merged most severe first; the loaded targets come along."""
    order = {ERROR: 0, WARNING: 1, NOTICE: 2}
    severities = [order[f.severity] for f in demo_derived.findings]
    assert severities == sorted(severities)
    assert len(demo_derived.targets.project_targets) == 18
    assert demo_derived.targets.unit_target is not None
