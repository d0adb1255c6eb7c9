"""The 2025 performance targets transcribed from the seed (performance/demo_data/targets_2025.json)."""

import json
import re
from functools import cache
from pathlib import Path

import pytest

from tests.seed import seed_text

DATA_PATH = Path(__file__).resolve().parents[1] / "performance" / "demo_data" / "targets_2025.json"

LEVEL1 = {"产出指标", "效益指标", "满意度指标"}
LEVEL2 = {
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
}
CJK_GAP = re.compile(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")
FUND_KEYS = {"total", "central", "provincial", "city_county", "self_raised", "other"}


@cache
def data():
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


def project(name):
    return next(p for p in data()["project_targets"] if p["name"] == name)


def rows(indicators):
    return {(r["level1"], r["level2"], r["name"], r["value"]) for r in indicators}


def seed_indicator_tokens(name):
    """Names and values printed in one project table's indicator block of the seed, white space removed."""
    lines = seed_text().splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("项目名称") and "".join(line.split()) == "项目名称" + name
    )
    header = next(i for i in range(start, len(lines)) if "三级指标" in lines[i])
    end = next(i for i in range(header, len(lines)) if "填报日期" in lines[i])
    tokens = set()
    for line in lines[header + 1 : end]:
        for cell in line.split("\t"):
            cell = "".join(cell.split())
            if cell and cell not in LEVEL1 | LEVEL2:
                tokens.add(cell)
    return tokens


def test_eighteen_project_targets():
    """The seed publishes 18 project target tables, all transcribed."""
    names = [p["name"] for p in data()["project_targets"]]
    assert len(names) == 18
    assert len(set(names)) == 18
    assert names[0] == "2025年度人大代表联络站经费"
    assert names[-1] == "智慧人大三期项目"


def test_smart_congress_phase_three_cost_kept_as_printed():
    """智慧人大三期项目 keeps the seed's "890000万元" cost value in both indicator sets."""
    p = project("智慧人大三期项目")
    for key in ("indicators_period", "indicators_year"):
        assert ("产出指标", "成本指标", "智慧人大三期系统费用", "890000万元") in rows(p[key])
    assert p["funds_year"]["total"] == 890000


def test_transport_allowance_value_kept_as_printed():
    """代表交通和通讯补贴 keeps the printed "200元/人/年" standard."""
    p = project("代表交通和通讯补贴")
    assert "200元/人/年" in {r["value"] for r in p["indicators_year"]}
    assert "200元/人/年" in {r["value"] for r in p["indicators_period"]}


def test_city_deputy_activity_funds():
    """2025年度市人大代表活动经费 has 63,566 元 this year, all from city/county finance."""
    funds = project("2025年度市人大代表活动经费")["funds_year"]
    assert funds["total"] == 63566
    assert funds["city_county"] == 63566
    assert funds["other"] is None


def test_funds_are_integers_and_add_up():
    """Every funds block has integer 元 amounts whose sources add up to the total."""
    for p in data()["project_targets"]:
        for key in ("funds_period", "funds_year"):
            funds = p[key]
            assert set(funds) == FUND_KEYS
            parts = [funds[k] or 0 for k in FUND_KEYS - {"total"}]
            assert all(isinstance(v, int) for v in parts), p["name"]
            assert sum(parts) == funds["total"], (p["name"], key)


def test_project_header_fields():
    """Each project has a department code, implementer, attribute, period and footer date."""
    for p in data()["project_targets"]:
        assert p["department"].startswith("003-阳城县人民代表大会常务委员会")
        assert p["implementer"].startswith("阳城县人民代表大会常务委员会")
        assert (p["attribute"], p["period"]) in {
            ("一次性项目(1年结束)", "1年"),
            ("经常性项目(长期开展)", "99年"),
        }
        assert len(p["footer"]["填报日期"]) == 14 and p["footer"]["填报日期"].isdigit()
        for key in ("overview", "basis", "necessity", "measures", "plan", "goal_period"):
            assert p[key] and not CJK_GAP.search(p[key]), (p["name"], key)


def test_every_indicator_has_known_levels():
    """Every indicator row of every table has a known level1 and level2."""
    sets = [data()["unit_target"]["indicators"]]
    for p in data()["project_targets"]:
        sets += [p["indicators_period"], p["indicators_year"]]
    for indicators in sets:
        assert indicators
        for r in indicators:
            assert r["level1"] in LEVEL1
            assert r["level2"] in LEVEL2
            assert (r["name"] == "") == (r["value"] == "")


def test_unit_target_indicators():
    """The unit-level table has ≥ 20 indicators, including the meeting count ≥13次."""
    unit = data()["unit_target"]
    assert len(unit["indicators"]) >= 20
    assert ("产出指标", "数量指标", "召开人代会、常委会、主任会议次数", "≥13次") in rows(
        unit["indicators"]
    )
    assert ("产出指标", "时效指标", "工资发放时间", "按月发放") in rows(unit["indicators"])
    assert unit["authorized_staff"] == 31
    assert unit["actual_staff"] == 33
    assert unit["budget_by_direction"]["项目支出"] == "560.75"


LIAISON_STATION_ROWS = {
    ("产出指标", "数量指标", "代表联络站个数", "15个"),
    ("产出指标", "质量指标", "联络站工作安排合理性", "合理"),
    ("产出指标", "时效指标", "代表联络站活动时间", "全年"),
    ("产出指标", "成本指标", "联络站经费标准", "5000元/个/年"),
    ("效益指标", "经济效益指标", "", ""),
    ("效益指标", "社会效益指标", "提升人大代表联络站建设", "提升"),
    ("效益指标", "生态效益指标", "", ""),
    ("效益指标", "可持续影响指标", "", ""),
    ("满意度指标", "服务对象满意度指标", "联络站工作人员满意度", "≥95%"),
}


def test_liaison_station_rows_as_published():
    """2025年度人大代表联络站经费 carries exactly the published rows in both sets."""
    p = project("2025年度人大代表联络站经费")
    assert rows(p["indicators_period"]) == LIAISON_STATION_ROWS
    assert rows(p["indicators_year"]) == LIAISON_STATION_ROWS
    assert seed_indicator_tokens(p["name"]) >= {"代表联络站个数", "15个", "5000元/个/年", "≥95%"}


def test_asymmetric_tables_keep_each_set():
    """Tables whose period and year columns differ keep each column's own rows."""
    p = project("无固定收入代表履职补贴")
    assert len(p["indicators_period"]) == 13
    assert len(p["indicators_year"]) == 12
    assert ("产出指标", "数量指标", "无固定收入人大代表数", "1082人") in rows(
        p["indicators_period"]
    )
    assert "无固定收入人大代表数" not in {r["name"] for r in p["indicators_year"]}
    p = project("乡镇代表活动经费")
    assert ("产出指标", "时效指标", "活动开展时间", "每月") in rows(p["indicators_year"])
    assert "活动开展时间" not in {r["name"] for r in p["indicators_period"]}
    p = project("临时人员工资及各类保险")
    assert ("产出指标", "成本指标", "编外人员工资及各类保险费用", "25万元/年") in rows(
        p["indicators_period"]
    )
    assert ("产出指标", "成本指标", "编外人员工资及各类保险费用", "≤25万元/年") in rows(
        p["indicators_year"]
    )


@pytest.mark.parametrize(
    "name",
    [
        "2025年度人大代表联络站经费",
        "2025年度市人大代表活动经费",
        "代表交通和通讯补贴",
        "无固定收入代表履职补贴",
        "乡镇代表活动经费",
        "智慧人大二期项目",
        "智慧人大三期项目",
    ],
)
def test_indicator_cells_match_seed(name):
    """Every name/value cell printed in the seed's table is in the JSON, and nothing else is."""
    p = project(name)
    ours = set()
    for r in p["indicators_period"] + p["indicators_year"]:
        ours |= {r["name"], r["value"]} - {""}
    assert ours == seed_indicator_tokens(name)


def test_all_tables_cells_match_seed():
    """For all 18 tables the JSON's indicator names and values are exactly the seed's cells."""
    for p in data()["project_targets"]:
        ours = set()
        for r in p["indicators_period"] + p["indicators_year"]:
            ours |= {r["name"], r["value"]} - {""}
        assert ours == seed_indicator_tokens(p["name"]), p["name"]
