"""The narrative is worded from the derived tables, section by section, never from the lines."""

import ast
import dataclasses
from decimal import Decimal
from pathlib import Path

from tables.document.narrative import (
    AssetInfo,
    NarrativeInputs,
    NarrativeTexts,
    PriorFigures,
    narrative_build,
)
from tables.figures.registry import derive_all
from tables.figures.types import (
    FUND_GENERAL,
    FUND_UNIT,
    KIND_PERSONNEL,
    KIND_PROJECT,
    KIND_PUBLIC,
    BudgetData,
    LineRow,
    ProjectRow,
    UnitInfo,
)

D = Decimal
NARRATIVE_DIR = Path(__file__).resolve().parent.parent / "tables" / "narrative"

DATA = BudgetData(
    unit=UnitInfo("U1", "测试单位", "administrative", "D1", "测试部门", True),
    year=2025,
    lines=(
        LineRow(
            "2010101", "30101", "50101", KIND_PERSONNEL, FUND_GENERAL, False, None, D("300.00")
        ),
        LineRow("2010101", "30212", "50201", KIND_PUBLIC, FUND_GENERAL, False, None, D("50.00")),
        LineRow("2010102", "30201", "50201", KIND_PROJECT, FUND_GENERAL, False, 1, D("100.00")),
        LineRow("2010102", "30201", "50201", KIND_PROJECT, FUND_GENERAL, True, 1, D("20.00")),
        LineRow("2080101", "30201", "50201", KIND_PROJECT, FUND_UNIT, False, 1, D("30.00")),
    ),
    projects=(ProjectRow(1, "项目1", "operating", "recurring", 1, None, 0),),
    code_names={"func": {"201": "一般公共服务支出", "208": "社会保障和就业支出"}},
)


def _inputs(**changes) -> NarrativeInputs:
    inputs = NarrativeInputs(
        data=DATA,
        prior=PriorFigures(),
        texts=NarrativeTexts(),
        targets=None,
        assets=AssetInfo(as_of="2024年12月31日"),
        procurement={},
    )
    return dataclasses.replace(inputs, **changes)


def test_figures_are_read_off_the_tables_given():
    """Given tables derived from other lines, every budget figure is theirs, not the lines'."""
    tripled = dataclasses.replace(
        DATA, lines=tuple(dataclasses.replace(line, amount=line.amount * 3) for line in DATA.lines)
    )
    tables = derive_all(tripled)
    figures = narrative_build(_inputs(tables=tables)).figures
    assert figures["收入总计"] == tables["T01"].cell("收入总计", "income") == D("1500.00")
    assert figures["基本支出"] == tables["T03"].cell("合计", "basic") == D("1050.00")
    assert figures["财政拨款收支总预算"] == tables["T04"].cell("收入总计", "income")
    assert figures["一般公共预算当年支出"] == tables["T05"].cell("合计", "total")
    assert figures["人员经费"] == tables["T06"].cell("合计", "personnel") == D("900.00")
    assert figures["三公:因公出国(境)费"] == tables["T10"].cell("因公出国（境）费", "total")
    assert figures["机关运行经费"] == tables["T11"].cell("部门合计", "total") == D("150.00")


def test_tables_are_derived_from_the_data_when_not_given():
    """Without `tables` the narrative is the one worded from `derive_all(data)`."""
    assert narrative_build(_inputs()) == narrative_build(_inputs(tables=derive_all(DATA)))


def test_narrative_modules_never_read_budget_lines():
    """No module of tables/narrative touches `.lines`: lines are the derivation's business."""
    offenders = [
        f"{path.name}:{node.lineno}"
        for path in sorted(NARRATIVE_DIR.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "lines"
    ]
    assert offenders == []


def test_reasons_are_printed_as_typed():
    """A reason naming the year and the unit is printed as typed in section 一, not shortened."""
    reason = "2025年度测试单位新增项目"
    narrative = narrative_build(
        _inputs(
            prior=PriorFigures(total=D("1.00")),
            texts=NarrativeTexts(revenue_change_reason=reason, expense_change_reason=reason),
        )
    )
    text = narrative.sections[0].blocks[0].text
    assert text.startswith("2025年度测试单位预算收入总计0.05万元")
    assert "；本年单位预算支出总计0.05万元" in text
    assert text.count(f"主要原因是{reason}") == 2
