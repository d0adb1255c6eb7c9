"""Golden tests: the demo's rendered 绩效目标 tables carry what the seed publishes.

The seed's tables are parsed from the seed text itself (`tests.seed`), never from the demo's
transcription. Seed project tables are matched to rendered sheets by project name through
`performance.demo.TITLE_TO_PROJECT`: the seed titles one table "人大会议费" although it is the
表十二 project "人大会刊费" (100,000 元, 会刊印刷); every other title is the project's name.
Text is compared after `seed_clean` (NFKC, no white space), because the PDF extraction splits
words and mixes full- and half-width punctuation. The last tests cover render rules the seed does
not exercise, on hand-built data.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from performance.demo import TITLE_TO_PROJECT, demo_load
from performance.selectors import target_data_load
from performance.sheets import (
    PROJECT_COLUMNS,
    UNIT_COLUMNS,
    format_filled_at,
    format_yuan,
    project_target_sheets,
    sheet_grid,
    target_sheets,
    unit_target_sheet,
)
from performance.types import (
    CategoryRow,
    Footer,
    FundSplit,
    IndicatorRow,
    ProjectTargetRow,
    TargetData,
    UnitProfile,
    UnitTargetRow,
)
from tables.figures.load import budget_data_load
from tables.figures.types import BudgetData, ProjectRow, UnitInfo
from tests.seed import (
    TARGET_LEVEL2,
    seed_clean,
    seed_project_targets,
    seed_unit_target,
)

pytestmark = pytest.mark.django_db

SEED_PROJECTS = seed_project_targets()
SEED_NAMES = [p["name"] for p in SEED_PROJECTS]
#: test ids: the table's position in the seed (pytest would escape the Chinese names)
SEED_IDS = [f"seed-{i:02d}" for i in range(1, len(SEED_PROJECTS) + 1)]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """BudgetData and TargetData of the demo, loaded once and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        submission = demo_load()
        result = budget_data_load(submission=submission), target_data_load(submission=submission)
        transaction.set_rollback(True)
    return result


@pytest.fixture(scope="module")
def project_sheets(loaded):
    return project_target_sheets(*loaded)


@pytest.fixture(scope="module")
def unit_sheet(loaded):
    return unit_target_sheet(*loaded)


def sheet_for(sheets, seed_name):
    project = TITLE_TO_PROJECT.get(seed_name, seed_name)
    (sheet,) = [s for s in sheets if seed_clean(s.name) == seed_clean(project)]
    return sheet


def clean_rows(rows):
    return [tuple(seed_clean(c) for c in row) for row in rows]


def section(sheet, label, *, fill_merged=True):
    """The grid rows of the sheet's section labelled `label`; with `fill_merged` a merged cell's
    text is repeated in every row and column it covers, so columns can be read directly."""
    grid = sheet_grid(sheet, fill_merged=fill_merged)
    start = 0
    for rows in sheet.sections:
        if rows[0][0].text == label:
            return grid[start : start + len(rows)]
        start += len(rows)
    raise AssertionError(f"no section {label}")


def project_indicators(sheet):
    """(实施期, 年度) indicators read by column from a project sheet: (一级, 二级, 三级, 值)."""
    rows = section(sheet, "绩效指标")[1:]
    period = [(r[1], r[2], r[3], r[4]) for r in rows if r[3]]
    year = [(r[1], r[5], r[6], r[7]) for r in rows if r[6]]
    return period, year


def project_funds(sheet):
    """{"period"/"year": [(label, printed amount)]} read by column from a project sheet."""
    rows = section(sheet, "项目资金(元)")
    return {
        "period": [(r[1], r[3]) for r in rows],
        "year": [(r[5], r[7]) for r in rows],
    }


def pairs(rows):
    """Non-empty cells of a section after its label column, row by row, paired label → value."""
    tokens = [cell for row in rows for cell in row[1:] if cell]
    return list(zip(tokens[::2], tokens[1::2], strict=True))


def test_eighteen_project_sheets_in_table12_order(loaded, project_sheets):
    """One sheet per seed table (18), in 表十二 order, named as 表十二 names the projects."""
    data, _ = loaded
    assert len(SEED_PROJECTS) == len(project_sheets) == 18
    # Extra allocations (追加批次) are 表十二 rows of their own but share their project's table.
    main = [p for p in data.projects if p.allocation_of_id is None]
    table12 = [p.name for p in sorted(main, key=lambda p: (p.position, p.id))]
    names = [s.name for s in project_sheets]
    assert names == [n for n in table12 if n in names]
    assert sorted(seed_clean(TITLE_TO_PROJECT.get(n, n)) for n in SEED_NAMES) == sorted(
        seed_clean(n) for n in names
    )
    assert "人大会刊费" in names and "人大会议费" not in names


def test_all_sheets_tile_their_width(loaded):
    """Every row of every sheet spans exactly the declared columns (PDF/XLSX rely on it)."""
    sheets = target_sheets(*loaded)
    assert [s.columns for s in sheets] == [UNIT_COLUMNS] + [PROJECT_COLUMNS] * 18
    for sheet in sheets:
        grid = sheet_grid(sheet)
        assert len(grid) == len(sheet.rows)
        assert {len(row) for row in grid} == {sheet.columns}


@pytest.mark.parametrize("index", range(len(SEED_PROJECTS)), ids=SEED_IDS)
def test_project_indicators_equal_seed(project_sheets, index):
    """Every printed indicator (一级, 二级, 三级, 指标值) of the seed, in order, 实施期 and 年度."""
    seed = SEED_PROJECTS[index]
    period, year = project_indicators(sheet_for(project_sheets, seed["name"]))
    assert clean_rows(period) == clean_rows(seed["period"])
    assert clean_rows(year) == clean_rows(seed["year"])


@pytest.mark.parametrize("index", range(len(SEED_PROJECTS)), ids=SEED_IDS)
def test_project_funds_equal_seed(project_sheets, index):
    """项目资金: 实施期 and 年度 总额 and every part print as the seed prints them."""
    seed = SEED_PROJECTS[index]
    funds = project_funds(sheet_for(project_sheets, seed["name"]))
    parts = ("total", "central", "provincial", "local", "self_raised", "other")
    for scope in ("period", "year"):
        expected = [seed["funds"][scope][part] for part in parts]
        assert None not in expected[:5]  # only 其他资金 is printed blank
        printed = [amount for _, amount in funds[scope]]
        assert printed == ["" if a is None else f"{a:,}" for a in expected], scope
        assert Decimal(printed[0].replace(",", "")) == sum(
            Decimal(a.replace(",", "") or 0) for a in printed[1:]
        )


@pytest.mark.parametrize("index", range(len(SEED_PROJECTS)), ids=SEED_IDS)
def test_project_header_and_footer_equal_seed(project_sheets, index):
    """项目属性, 项目期 and 填报日期 (Asia/Shanghai, YYYYMMDDHHMMSS) as the seed prints them."""
    seed = SEED_PROJECTS[index]
    sheet = sheet_for(project_sheets, seed["name"])
    (attribute_row,) = [r for r in sheet_grid(sheet, fill_merged=True) if r[0] == "项目属性"]
    assert seed_clean(attribute_row[1]) == seed["attribute"]
    assert attribute_row[5] == "项目期" and attribute_row[6] == seed["period_years"]
    assert dict(sheet.footer)["填报日期"] == seed["filled_at"]


def test_project_sheets_show_every_category_on_both_sides(project_sheets):
    """Each project sheet lists all nine 二级 categories on both halves, empty ones included."""
    for sheet in project_sheets:
        rows = section(sheet, "绩效指标")[1:]
        assert list(dict.fromkeys(r[2] for r in rows)) == list(TARGET_LEVEL2), sheet.name
        assert [r[2] for r in rows] == [r[5] for r in rows]
        assert ("效益指标", "生态效益指标", "", "") in [(r[1], r[2], r[3], r[4]) for r in rows]


def test_unit_basic_counts_equal_seed(unit_sheet):
    """部门基本信息: 部门名称 and the six counts as the seed prints them, in its order."""
    seed = seed_unit_target()
    rows = section(unit_sheet, "部门基本信息", fill_merged=False)
    assert seed_clean(rows[0][2]) == seed["department"]
    assert [(seed_clean(a), b) for a, b in pairs(rows[1:])] == seed["counts"]


def test_unit_budget_equals_seed(unit_sheet):
    """年度预算情况 (万元): by source and by direction, as the seed prints them, in its order."""
    seed = seed_unit_target()["budget"]
    rows = section(unit_sheet, "年度预算情况", fill_merged=False)[1:]
    ours = [(seed_clean(a), b) for a, b in pairs(rows)]
    assert ours == seed
    assert ("其中:基本支出", "615.20") in seed and ("项目支出", "560.75") in seed
    assert seed.count(("合计", "1175.95")) == 2


def test_unit_indicators_equal_seed(unit_sheet):
    """The unit table's indicators (一级, 二级, 三级, 指标值) equal the seed's, in order."""
    rows = section(unit_sheet, "年度绩效指标")[1:]
    ours = [(r[1], r[2], r[3], r[4]) for r in rows if r[3]]
    assert clean_rows(ours) == clean_rows(seed_unit_target()["indicators"])


def test_unit_empty_categories_are_empty_rows(unit_sheet):
    """生态效益指标 and 可持续影响指标 have no unit indicators and show as empty rows."""
    rows = section(unit_sheet, "年度绩效指标")[1:]
    assert ("效益指标", "生态效益指标", "", "") in [tuple(r[1:]) for r in rows]
    assert ("效益指标", "可持续影响指标", "", "") in [tuple(r[1:]) for r in rows]
    assert list(dict.fromkeys(r[2] for r in rows)) == list(TARGET_LEVEL2)


# Render rules the seed does not exercise (pure: no database) --------------------------------


def indicator(scope, code, name, *, level1="产出指标", level2="数量指标"):
    return IndicatorRow(scope, level1, level2, code, name, "1次", "＝", Decimal(1), "次", 0)


def small_data(indicators, *, key_tasks=()):
    """BudgetData and TargetData of one project with the given indicators, built by hand."""
    budget = BudgetData(
        unit=UnitInfo("U1", "单位", "administrative", "D1", "部门", True),
        year=2026,
        lines=(),
        projects=(ProjectRow(7, "项目甲", "operating", "one_off", 2, None, 1),),
    )
    categories = (
        CategoryRow("1", "产出指标", 1, "", 1),
        CategoryRow("11", "数量指标", 2, "1", 2),
        CategoryRow("12", "质量指标", 2, "1", 3),
    )
    target = ProjectTargetRow(
        id=1,
        project_id=7,
        implementer="",
        overview="",
        basis="",
        necessity="",
        measures="",
        plan="",
        goal_period="",
        goal_year="",
        funds_period=FundSplit(local=Decimal("1234.5"), other=Decimal("10")),
        year_central=Decimal(0),
        year_provincial=Decimal(0),
        year_other=Decimal(0),
        indicators=tuple(indicators),
        footer=Footer(),
    )
    profile = UnitProfile("D1-部门", "单位", 0, 0, 0, 0, 0, 0, "")
    unit = UnitTargetRow("", "", tuple(key_tasks), (), Footer())
    return budget, TargetData(profile, unit, (target,), categories)


def test_yuan_and_filled_at_formats():
    """元: thousands separators, 2 places only when not whole, zero "0" or blank; 填报日期 in
    Asia/Shanghai."""
    assert format_yuan(Decimal("75000.00")) == "75,000"
    assert format_yuan(Decimal("1234.5")) == "1,234.50"
    assert format_yuan(Decimal("0.00")) == "0"
    assert format_yuan(Decimal("0.00"), blank_zero=True) == ""
    utc = datetime.datetime(2025, 1, 16, 8, 6, 58, tzinfo=datetime.UTC)
    assert format_filled_at(utc) == "20250116160658"
    assert format_filled_at(None) == ""


def test_category_block_is_as_tall_as_its_longer_side():
    """Two 实施期 and one 年度 indicator share a two-row block; the 年度 side's second row is
    empty; 质量指标 with none is one empty row."""
    budget, targets = small_data(
        [
            indicator("period", "11", "甲"),
            indicator("period", "11", "乙"),
            indicator("year", "11", "丙"),
        ]
    )
    (sheet,) = project_target_sheets(budget, targets)
    rows = section(sheet, "绩效指标")[1:]
    assert [r[1:] for r in rows] == [
        ["产出指标", "数量指标", "甲", "1次", "数量指标", "丙", "1次"],
        ["产出指标", "数量指标", "乙", "1次", "数量指标", "", ""],
        ["产出指标", "质量指标", "", "", "质量指标", "", ""],
    ]
    funds = project_funds(sheet)["period"]
    assert funds[0] == ("实施期资金总额:", "1,244.50")
    assert funds[-1] == ("其他资金", "10")
    assert sheet.subtitle == "(2026年度)"
    assert [r[6] for r in sheet_grid(sheet) if r[5] == "项目期"] == ["2年"]


def test_indicator_outside_the_framework_is_kept():
    """An indicator under a 二级 category the framework does not list is shown after it."""
    budget, targets = small_data(
        [indicator("year", "99", "旧指标", level1="旧一级", level2="旧二级")]
    )
    (sheet,) = project_target_sheets(budget, targets)
    rows = section(sheet, "绩效指标")[1:]
    assert [r[2] for r in rows] == ["数量指标", "质量指标", "旧二级"]
    assert rows[-1][1:] == ["旧一级", "旧二级", "", "", "旧二级", "旧指标", "1次"]


def test_unit_sheet_without_key_tasks_or_target():
    """No key tasks: one empty task row; no unit-level target: no unit sheet at all."""
    budget, targets = small_data([])
    sheet = unit_target_sheet(budget, targets)
    tasks = section(sheet, "年度重点任务", fill_merged=False)
    assert len(tasks) == 2 and tasks[1] == ["", "", "", "", ""]
    assert sheet.subtitle == "(2026)年度"
    no_unit = TargetData(targets.profile, None, targets.project_targets, targets.categories)
    assert unit_target_sheet(budget, no_unit) is None
    assert [s.key for s in target_sheets(budget, no_unit)] == ["project-7"]
