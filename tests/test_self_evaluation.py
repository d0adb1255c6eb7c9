"""绩效自评 of a 决算: comparing 实际完成值 with 指标值, scores and grades (pure), the S findings,
the save service (weights, permissions, all or nothing), the 绩效自评表 sheets and the desk page."""

from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from performance.evaluation import (
    EMPTY,
    INCOMPARABLE,
    MISSED,
    PARTLY,
    Bands,
    evaluation_score,
    execution_score,
    grade,
    indicator_met,
    indicator_outcome,
    indicator_score,
    with_execution,
)
from performance.evaluation_selectors import (
    evaluation_data_load,
    evaluation_execution_load,
    evaluation_findings,
)
from performance.evaluation_services import EvaluationRefused, evaluation_save
from performance.evaluation_sheets import evaluation_sheets
from performance.models import GradeBands, IndicatorResult, TargetEvaluation
from performance.sheets import sheet_grid
from performance.values import parse_indicator_value
from tests.factories import (
    evaluation_create,
    final_submission_create,
    indicator_create,
    project_create,
    project_target_create,
    submission_create,
    synthetic_budget,
    unit_target_create,
    user_with,
)
from units.models import BudgetLine, SubmissionStatus
from units.permissions import FILLER, REVIEWER

D = Decimal


# --- comparisons (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "actual", "met"),
    [
        ("≥13次", "15次", True),
        ("≥13次", "13", True),
        ("≥13次", "12次", False),
        ("≤5000元/个/年", "4,800元/个/年", True),
        ("≤5000元/个/年", "5200元/个/年", False),
        ("100%", "100%", True),
        ("100%", "98%", False),
        ("＝5个", "=5个", True),
        ("＞0人", "0人", False),
        ("＜3天", "2天", True),
        ("按月发放", "达到", True),
        ("按月发放", "已完成。", True),
        ("按月发放", "未达到", False),
        ("按月发放", "否", False),
        ("按月发放", "部分达到", False),
        ("≥13次", "", None),
        ("按月发放", "  ", None),
    ],
)
def test_indicator_met_compares_parsed_values(text, actual, met):
    """≥ ≤ ＝ ＞ ＜ compare the numbers, 定性 reads the words; an empty actual is None."""
    assert indicator_met(parse_indicator_value(text), actual) is met


def test_partly_met_is_its_own_outcome():
    """部分达到 of a 定性 target is neither met nor missed."""
    assert indicator_outcome(parse_indicator_value("按月发放"), "部分达到") == PARTLY
    assert indicator_outcome(parse_indicator_value("按月发放"), "未完成") == MISSED
    assert indicator_outcome(parse_indicator_value("≥13次"), "") == EMPTY


@pytest.mark.parametrize(
    ("text", "actual"),
    [
        ("≥13次", "15人"),  # another unit
        ("95%", "95次"),
        ("≥13次", "达到"),  # a word for a number
        ("按月发放", "12次"),  # a number for a 定性 target
        ("按月发放", "基本上做到了"),
    ],
)
def test_values_that_cannot_be_compared(text, actual):
    """A unit that differs from the target's, or the wrong kind of value, is not comparable."""
    target = parse_indicator_value(text)
    assert indicator_outcome(target, actual) == INCOMPARABLE
    assert indicator_met(target, actual) is None
    assert indicator_score(target, actual, D(20)) == D("0.00")


def test_fullwidth_percent_is_the_same_unit():
    """％ and % are the same unit."""
    assert indicator_met(parse_indicator_value("≥90%"), "95％") is True


def test_scores_of_missed_targets():
    """≥: weight × actual/target; ≤: weight × target/actual; ＝ missed: 0; 部分达到: half."""
    p = parse_indicator_value
    assert indicator_score(p("≥100人次"), "90人次", D(30)) == D("27.00")
    assert indicator_score(p("≤500元"), "600元", D(20)) == D("16.67")  # 20×500/600
    assert indicator_score(p("100%"), "99%", D(20)) == D("0.00")
    assert indicator_score(p("按期完成"), "部分达到", D(15)) == D("7.50")
    assert indicator_score(p("按期完成"), "未达到", D(15)) == D("0.00")
    assert indicator_score(p("≥100人次"), "120人次", D(30)) == D("30.00")


def test_execution_score():
    """预算执行率 earns weight × min(actual/planned, 1); nothing planned → full weight."""
    assert execution_score(D(10), D(100000), D(85000)) == D("8.50")
    assert execution_score(D(10), D(100000), D(120000)) == D("10.00")
    assert execution_score(D(10), D(0), D(0)) == D("10.00")
    assert execution_score(D(10), None, None) == D("0.00")


def test_grade_bands():
    """优/良/中/差 at 90/80/60 by default, or at the given bands."""
    assert [grade(D(x)) for x in (90, "89.99", 80, 60, "59.99")] == ["优", "良", "良", "中", "差"]
    assert grade(D("85.5"), Bands(D(95), D(86), D(70))) == "中"


# --- the fixture: one 决算 with one project target ------------------------------------------


@pytest.fixture
def final(db):
    """A 决算 (草稿) with the unit's target (one indicator) and one project target with four
    年度 indicators (and a 实施期 one, which is not evaluated); its 填报人 and 审核人."""
    submission = final_submission_create(year=2025)
    unit_target = unit_target_create(submission)
    unit_indicator = indicator_create(unit_target, "重点工作完成率", "100%", level2="质量指标")
    project = project_create(submission, "培训项目")
    target = project_target_create(project, goal_year="培训100人次")
    indicators = {
        "count": indicator_create(target, "培训人次", "≥100人次"),
        "cost": indicator_create(target, "人均成本", "≤500元", level2="成本指标"),
        "time": indicator_create(target, "按期完成", "按期完成", level2="时效指标"),
        "satisfaction": indicator_create(target, "学员满意度", "≥90%", level2="服务对象满意度指标"),
    }
    indicator_create(target, "三年培训人次", "≥300人次", scope="period")
    return {
        "submission": submission,
        "unit_target": unit_target,
        "unit_indicator": unit_indicator,
        "project": project,
        "target": target,
        "indicators": indicators,
        FILLER: user_with(FILLER, [submission.unit]),
        REVIEWER: user_with(REVIEWER, [submission.unit]),
    }


def _evaluate(final, **overrides):
    i = final["indicators"]
    results = {
        "count": (i["count"], "90人次", 30, "报名人数不足", "提前宣传"),
        "cost": (i["cost"], "400元", 20),
        "time": (i["time"], "部分达到", 20, "场地延误", "提前预订"),
        "satisfaction": (i["satisfaction"], "95%", 20),
    }
    results.update(overrides)
    evaluation_create(final["target"], execution_weight=10, results=results.values())


def test_score_and_grade_of_a_target_by_hand(final):
    """The fixture's project target scores 85.50 (良), computed by hand:
    预算执行率 10 × 85,000/100,000 = 8.50; 培训人次 ≥100 actual 90: 30 × 90/100 = 27.00;
    人均成本 ≤500 actual 400: met, 20.00; 按期完成 部分达到: 20/2 = 10.00; 满意度 ≥90% actual 95%:
    met, 20.00; total 8.50 + 27 + 20 + 10 + 20 = 85.50 → 良 (80 ≤ 85.50 < 90).
    With the year's bands set to 95/86/70 the same total is 中."""
    _evaluate(final)
    project_id = final["project"].pk
    data = with_execution(
        evaluation_data_load(submission=final["submission"]),
        {project_id: (D(100000), D(85000))},
    )
    target = next(t for t in data.targets if t.key == project_id)
    assert [i.name for i in target.indicators] == ["培训人次", "按期完成", "人均成本", "学员满意度"]
    score = evaluation_score(target, data.bands)
    assert score.execution_rate == D("85.00")
    assert score.execution_score == D("8.50")
    assert sorted(score.indicator_scores) == [D("10.00"), D("20.00"), D("20.00"), D("27.00")]
    assert (score.total, score.grade) == (D("85.50"), "良")

    GradeBands.objects.create(year=2025, excellent=95, good=86, fair=70)
    data = evaluation_data_load(submission=final["submission"])
    assert (
        evaluation_score(
            with_execution(data, {project_id: (D(100000), D(85000))}).targets[1], data.bands
        ).grade
        == "中"
    )


def test_sheets_print_the_self_evaluation(final):
    """The 项目支出绩效自评表 tiles its 9 columns and shows the scores, total and grade."""
    _evaluate(final)
    data = evaluation_data_load(submission=final["submission"])
    sheets = evaluation_sheets(
        data, {final["project"].pk: (D(100000), D(85000))}, initial={final["project"].pk: D(90000)}
    )
    assert [s.title for s in sheets] == ["部门整体支出绩效自评表", "项目支出绩效自评表"]
    grid = sheet_grid(sheets[1])
    flat = [cell for row in grid for cell in row]
    assert grid[0][:2] == ["项目名称", "培训项目"]
    funds = next(row for row in grid if row[1] == "年度资金总额")
    assert funds[3:] == ["90,000", "100,000", "85,000", "10", "85.00%", "8.50"]
    row = next(row for row in grid if row[3] == "培训人次")
    assert row[4:] == [
        "≥100人次",
        "90人次",
        "30",
        "27.00",
        "偏差原因：报名人数不足\n改进措施：提前宣传",
    ]
    assert grid[-1][6:] == ["100", "85.50", "等级：良"]
    assert "三年培训人次" not in flat  # 实施期 indicators are not evaluated
    sheet_grid(sheets[0])  # the unit's sheet tiles too
    html = render_to_string("performance/target_sheet.html", {"sheet": sheets[1]})
    assert "项目支出绩效自评表" in html and '<td class="money">85.50</td>' in html


def test_data_load_queries_do_not_grow(final, django_assert_num_queries):
    """evaluation_data_load takes 5 queries whatever the number of targets and indicators."""
    with django_assert_num_queries(5):
        evaluation_data_load(submission=final["submission"])
    for n in range(3):
        project = project_create(final["submission"], f"项目{n}")
        target = project_target_create(project)
        evaluation_create(target, results=[(indicator_create(target, "数量", "≥1个"), "1个", 90)])
    with django_assert_num_queries(5):
        data = evaluation_data_load(submission=final["submission"])
    assert len(data.targets) == 5


def test_execution_from_the_final_lines(db):
    """全年预算数 is the 调整预算 (else the 年初预算), 全年执行数 the 决算数; None is the whole unit."""
    submission = final_submission_create(year=2025)
    lines = synthetic_budget(submission, 8)
    BudgetLine.objects.filter(submission=submission).update(planned_amount=D(1000))
    first = BudgetLine.objects.filter(submission=submission).order_by("pk").first()
    BudgetLine.objects.filter(pk=first.pk).update(adjusted_amount=D(1500))
    execution, initial = evaluation_execution_load(submission=submission)
    assert execution[None] == (
        D(1000) * (len(lines) - 1) + D(1500),
        sum(line.amount for line in lines),
    )
    assert initial[None] == D(1000) * len(lines)


# --- the S findings --------------------------------------------------------------------------


def _findings(final, execution=None):
    return evaluation_findings(submission=final["submission"], execution=execution or {})


def test_missed_target_without_reason_is_S03(final):
    """A missed indicator without 偏差原因 is an error naming it, its target and its actual."""
    i = final["indicators"]
    _evaluate(final, count=(i["count"], "90人次", 30, "", "提前宣传"))
    s03 = [f for f in _findings(final) if f.rule_id == "S03"]
    assert len(s03) == 1
    assert s03[0].severity == "错误"
    assert "培训人次" in s03[0].message and "≥100人次" in s03[0].message
    assert "90人次" in s03[0].message and "偏差原因" in s03[0].message
    assert "改进措施" not in s03[0].message


def test_evaluated_target_with_reasons_has_no_project_findings(final):
    """With every value written and every miss explained, the project target has no finding."""
    _evaluate(final)
    assert [f for f in _findings(final) if f.row == "培训项目"] == []


def test_unevaluated_target_and_wrong_sums(final):
    """S01: a target without evaluation, or weights not adding to 100; S02: an empty actual;
    S04: a value in another unit, with how to write it."""
    i = final["indicators"]
    _evaluate(
        final,
        cost=(i["cost"], "", 15),
        satisfaction=(i["satisfaction"], "95分", 20),
    )
    by_rule = {}
    for finding in _findings(final):
        by_rule.setdefault(finding.rule_id, []).append(finding)
    assert {f.row for f in by_rule["S01"]} == {"整体支出绩效目标", "培训项目"}
    assert any("当前为95" in f.message for f in by_rule["S01"])
    assert "人均成本" in by_rule["S02"][0].message
    assert "95分" in by_rule["S04"][0].message and "（%）" in by_rule["S04"][0].message


def test_budget_submission_has_no_evaluation_findings(db):
    """The S rules concern 决算 only."""
    submission = submission_create(year=2025)
    unit_target_create(submission)
    assert evaluation_findings(submission=submission, execution={}) == []


# --- the save service ------------------------------------------------------------------------


def _results(final, **overrides):
    i = final["indicators"]
    rows = {
        "count": {"actual": "90人次", "weight": "30", "deviation_reason": "人数不足"},
        "cost": {"actual": "400元", "weight": "20"},
        "time": {"actual": "达到", "weight": "20"},
        "satisfaction": {"actual": "95%", "weight": "20"},
    }
    for key, values in overrides.items():
        rows[key] = {**rows[key], **values}
    return [{"indicator": i[key].pk, **values} for key, values in rows.items()]


def _save(final, *, actor=None, weight="10", **overrides):
    return evaluation_save(
        submission=final["submission"],
        actor=actor or final[FILLER],
        target_key=final["project"].pk,
        execution_weight=weight,
        summary="基本完成",
        results=_results(final, **overrides),
    )


def test_save_writes_evaluation_and_results(final):
    """A filler saves the target's evaluation and every indicator's result."""
    evaluation = _save(final)
    assert evaluation.execution_weight == D(10) and evaluation.summary == "基本完成"
    result = IndicatorResult.objects.get(indicator=final["indicators"]["count"])
    assert (result.actual, result.weight, result.deviation_reason) == ("90人次", D(30), "人数不足")
    _save(final, count={"actual": "100人次"})
    result.refresh_from_db()
    assert result.actual == "100人次"
    assert TargetEvaluation.objects.count() == 1


def test_the_history_names_each_result_by_its_indicator(final):
    """The 变更记录 names an indicator's 完成情况 by the indicator, not by the model's name."""
    from units.history import submission_audit_page

    _save(final)
    entries = submission_audit_page(submission_id=final["submission"].pk).entries
    results = [e for e in entries if e.what == "指标完成情况"]
    assert results, [e.what for e in entries]
    named = str(final["indicators"]["count"])
    assert named in {e.label for e in results}
    assert all(e.label != "指标完成情况" for e in results)


def test_weights_not_100_are_refused_and_nothing_saved(final):
    """分值合计 ≠ 100 is refused with the sum; no evaluation or result is written."""
    with pytest.raises(ValidationError) as caught:
        _save(final, cost={"weight": "15"})
    assert "分值合计须为100，当前为95" in caught.value.message_dict[NON_FIELD_ERRORS][0]
    assert not TargetEvaluation.objects.exists()
    assert not IndicatorResult.objects.exists()


def test_weight_errors_name_the_indicator(final):
    """A weight outside 0–100 or not a number is refused at its field, naming the indicator."""
    count = final["indicators"]["count"].pk
    cost = final["indicators"]["cost"].pk
    with pytest.raises(ValidationError) as caught:
        _save(final, count={"weight": "120"}, cost={"weight": "二十"})
    errors = caught.value.message_dict
    assert "培训人次" in errors[f"weight-{count}"][0] and "0–100" in errors[f"weight-{count}"][0]
    assert "人均成本" in errors[f"weight-{cost}"][0] and "不是数字" in errors[f"weight-{cost}"][0]
    assert not IndicatorResult.objects.exists()


def test_save_refused_to_reviewer_budget_and_submitted(final):
    """Only the unit's 填报人, only on a 决算 in 草稿/已退回."""
    with pytest.raises(EvaluationRefused, match="审核人"):
        _save(final, actor=final[REVIEWER])
    final["submission"].status = SubmissionStatus.SUBMITTED
    final["submission"].save(update_fields=["status"])
    with pytest.raises(EvaluationRefused, match="已提交审核"):
        _save(final)
    budget = submission_create(unit=final["submission"].unit, year=2025)
    target = unit_target_create(budget)
    with pytest.raises(EvaluationRefused, match="决算"):
        evaluation_save(
            submission=budget,
            actor=final[FILLER],
            target_key="unit",
            execution_weight="100",
            summary="",
            results=[],
        )
    assert not TargetEvaluation.objects.filter(unit_target=target).exists()
    assert not TargetEvaluation.objects.exists()


# --- the desk page ---------------------------------------------------------------------------


def _url(submission):
    return reverse("desk:evaluation", kwargs={"pk": submission.pk})


def _post_data(final, **overrides):
    data = {"target": str(final["project"].pk), "execution_weight": "10", "summary": "完成"}
    for row in _results(final, **overrides):
        for name in ("actual", "weight", "deviation_reason", "improvement"):
            data[f"{name}-{row['indicator']}"] = row.get(name, "")
    return data


def test_filler_sees_and_saves_the_page(client, final):
    """A 填报人 gets a form per target, saves one, and sees 得分, 未达到, total and grade."""
    client.force_login(final[FILLER])
    page = client.get(_url(final["submission"]))
    assert page.status_code == 200
    body = page.content.decode()
    count = final["indicators"]["count"].pk
    assert f'name="actual-{count}"' in body and "尚未填写自评" in body
    response = client.post(_url(final["submission"]), _post_data(final))
    assert response.status_code == 302
    assert IndicatorResult.objects.get(indicator_id=count).actual == "90人次"
    body = client.get(response["Location"]).content.decode()
    # 30×90/100 = 27; 人均成本, 按期完成 (达到), 满意度 met: 20 each; 预算执行率: no 决算 lines
    # (planned and actual 0) → full 10; total 27 + 60 + 10 = 97 → 优
    assert "27.00" in body and "未达到" in body
    assert "总分 <strong>97.00</strong>，等级 <strong>优</strong>" in body


def test_filler_post_with_wrong_sum_shows_error(client, final):
    """A wrong sum answers 400 with the Chinese message; nothing is saved; typed values stay."""
    client.force_login(final[FILLER])
    response = client.post(_url(final["submission"]), _post_data(final, cost={"weight": "15"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "分值合计须为100，当前为95" in body and 'value="15"' in body
    assert not IndicatorResult.objects.exists()


def test_reviewer_reads_but_cannot_save(client, final):
    """A 审核人 sees the page read-only (no inputs); a POST is refused (403), nothing saved."""
    client.force_login(final[REVIEWER])
    page = client.get(_url(final["submission"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "只能查看" in body and "<input" not in body.split("绩效自评检查结果")[1]
    response = client.post(_url(final["submission"]), _post_data(final))
    assert response.status_code == 403
    assert not TargetEvaluation.objects.exists()


def test_budget_submission_has_no_evaluation_page(client, final):
    """A budget submission's evaluation URL is 404, for its 填报人 too."""
    budget = submission_create(unit=final["submission"].unit, year=2024)
    client.force_login(final[FILLER])
    assert client.get(_url(budget)).status_code == 404
    assert client.post(_url(budget), {"target": "unit"}).status_code == 404
