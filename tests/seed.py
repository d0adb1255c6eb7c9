"""Reads the golden seed (the real 2025 disclosure, text extracted from its PDF) into grids."""

from pathlib import Path

SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_a3c098a7b83fe533.txt"

#: Title of each table as printed above it in the seed's body (not in its 目录).
SEED_TITLES = {
    "T01": "2025年预算收支总表",
    "T02": "2025年预算收入总表",
    "T03": "2025年预算支出总表",
    "T04": "2025年财政拨款收支总表",
    "T05": "2025年一般公共预算支出预算表（不含上年结转）",
    "T06": "2025年一般公共预算安排基本支出分经济科目表（不含上年结转）",
    "T07": "2025年政府性基金预算收入表（不含上年结转）",
    "T08": "2025年政府性基金预算支出表（不含上年结转）",
    "T09": "2025年国有资本经营预算收支预算表（不含上年结转）",
    "T10": "2025年财政拨款安排“三公”经费支出预算表",
    "T11": "2025年财政拨款安排机关运行经费预算表",
    "T12": "2025年项目支出预算表（本年预算）",
    "T13": "2025年项目支出预算表（上年结转）",
    "T14": "政府购买服务支出预算表（表十四）",
}


def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


def normalise_row(cells) -> list[str]:
    """Cells without inner white space (PDF extraction splits words), trailing empties dropped."""
    out = ["".join(str(c).split()) for c in cells]
    while out and out[-1] == "":
        out.pop()
    return out


def seed_tables() -> dict[str, dict]:
    """code → {"grid": [[cell…]…] (tab-separated rows, normalised), "empty_note": bool}."""
    lines = seed_text().splitlines()
    result = {}
    for code, title in SEED_TITLES.items():
        start = next(
            i
            for i, line in enumerate(lines)
            if line.lstrip("# ").strip() == title and "...." not in line
        )
        grid, note = [], False
        for line in lines[start + 1 :]:
            stripped = line.strip()
            if stripped.startswith("注：本表无数据"):
                note = True
                break
            if "\t" in line:
                grid.append(normalise_row(line.split("\t")))
            elif grid and stripped:
                break
        result[code] = {"grid": grid, "empty_note": note}
    return result


# 绩效目标 tables (整体支出绩效目标申报表 and the 18 项目支出绩效目标表) ---------------------------

import re  # noqa: E402 - appended section; kept with the code that uses it
import unicodedata  # noqa: E402
from decimal import Decimal  # noqa: E402

#: 一级 and 二级 indicator names as the printed forms use them
TARGET_LEVEL1 = ("产出指标", "效益指标", "满意度指标")
TARGET_LEVEL2 = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)
UNIT_TARGET_TITLE = "县(区)级预算部门(单位)整体支出绩效目标申报表"
PROJECT_TARGET_TITLE = "阳城县县(区)级预算部门(单位)项目支出绩效目标表"
#: the column where the 年度 half of a project indicator row starts (二级指标 of 年度)
YEAR_HALF_COLUMN = 5
FUND_PARTS = {
    "实施期资金总额": "total",
    "年度资金总额": "total",
    "中央财政资金": "central",
    "省级财政资金": "provincial",
    "市县(区)财政资金": "local",
    "单位自筹": "self_raised",
    "其他资金": "other",
}
_FUND_RE = re.compile(
    r"(实施期资金总额|年度资金总额|中央财政资金|省级财政资金|市县\(区\)财政资金|单位自筹|其他资金)"
    r":?\|*([\d,]+(?:\.\d+)?)?"
)
_COUNT_RE = re.compile(r"\d+[个人]")
_WAN_RE = re.compile(r"\d+\.\d{2}")


def seed_clean(text: str) -> str:
    """Text as compared with the seed: NFKC (full-width ：（） become :()) and no white space,
    since the PDF extraction splits words and mixes widths."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _target_title(line: str) -> str:
    return seed_clean(line.lstrip("#"))


def seed_target_sections() -> tuple[list[str], list[list[str]]]:
    """(lines of the unit-level table, [lines of each project table, in printed order])."""
    lines = seed_text().splitlines()
    unit_start = next(i for i, line in enumerate(lines) if _target_title(line) == UNIT_TARGET_TITLE)
    starts = [
        i
        for i, line in enumerate(lines)
        if i > unit_start and _target_title(line) == PROJECT_TARGET_TITLE
    ]
    end = next(i for i in range(starts[-1], len(lines)) if lines[i].startswith("## 十一"))
    bounds = [*starts, end]
    projects = [lines[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return lines[unit_start + 1 : starts[0]], projects


def _cells(line: str) -> list[tuple[int, str]]:
    """(column, cleaned text) of the non-empty cells of a tab-separated line."""
    return [(i, seed_clean(c)) for i, c in enumerate(line.split("\t")) if seed_clean(c)]


def _between(lines, first, last) -> list[str]:
    """Lines from the one whose cleaned start is `first` up to (not including) `last`."""
    start = next(i for i, line in enumerate(lines) if seed_clean(line).startswith(first))
    stop = next(i for i in range(start + 1, len(lines)) if seed_clean(lines[i]).startswith(last))
    return lines[start:stop]


def _pairs(lines, value_re) -> list[tuple[str, str]]:
    """(label, value) for every value matching `value_re`, paired with the cell before it,
    reading row by row."""
    tokens = [text for line in lines for _, text in _cells(line)]
    return [(tokens[i - 1], t) for i, t in enumerate(tokens) if i and value_re.fullmatch(t)]


def parse_indicator_rows(lines, *, sides: int) -> list[list[tuple[str, str, str, str]]]:
    """Indicators per side ([实施期, 年度] for a project, [年度] for the unit) as
    (一级, 二级, 三级, 指标值), from the printed rows under the 一级指标… header.

    Cells are shifted by the extraction, so a row is read as a sequence: [一级] [二级] 三级 值
    [二级] [三级 值]. The second 二级 or the second name/value pair starts the 年度 half; a row
    holding only one half is placed by its column (the 年度 half starts at column 5).
    """
    level1 = ""
    level2 = [""] * sides
    out: list[list[tuple[str, str, str, str]]] = [[] for _ in range(sides)]
    for line in lines:
        cells = _cells(line)
        if cells and cells[0][1] in TARGET_LEVEL1:
            level1 = cells[0][1]
            cells = cells[1:]
        if not cells:
            continue
        side = 1 if sides == 2 and cells[0][0] >= YEAR_HALF_COLUMN else 0
        used = False  # the current half already holds a 二级 or an indicator of this row
        i = 0
        while i < len(cells):
            text = cells[i][1]
            if text in TARGET_LEVEL2:
                if used:
                    side, used = side + 1, False
                level2[side] = text
                used = True
                i += 1
                continue
            if used and i and cells[i - 1][1] not in TARGET_LEVEL2:
                side, used = side + 1, False
            value = cells[i + 1][1] if i + 1 < len(cells) else ""
            out[side].append((level1, level2[side], text, value))
            used = True
            i += 2
    return out


def parse_funds(lines) -> dict[str, dict[str, Decimal | None]]:
    """{"period": {part: 元}, "year": {...}} from the 项目资金 rows; a blank amount is None."""
    funds: dict[str, dict[str, Decimal | None]] = {"period": {}, "year": {}}
    for line in lines:
        row = "|".join(seed_clean(c) for c in line.split("\t"))
        for label, amount in _FUND_RE.findall(row):
            part = FUND_PARTS[label]
            if label == "实施期资金总额":
                scope = "period"
            elif label == "年度资金总额":
                scope = "year"
            else:
                scope = "year" if part in funds["period"] else "period"
            funds[scope][part] = Decimal(amount.replace(",", "")) if amount else None
    return funds


def seed_unit_target() -> dict:
    """The seed's 整体支出绩效目标申报表: 部门基本信息 counts and 年度预算情况 figures as
    (label, value) in reading order, and its indicators."""
    lines, _ = seed_target_sections()
    header = next(i for i, line in enumerate(lines) if seed_clean(line).startswith("年度绩效指标"))
    return {
        "department": _cells(lines[next(i for i, x in enumerate(lines) if "部门名称" in x)])[-1][1],
        "counts": _pairs(_between(lines, "部门基本信息", "部门职责"), _COUNT_RE),
        "budget": _pairs(_between(lines, "年度预算情况", "年度重点任务"), _WAN_RE),
        "indicators": parse_indicator_rows(lines[header + 1 :], sides=1)[0],
    }


def seed_project_targets() -> list[dict]:
    """Each printed 项目支出绩效目标表, in printed order: name, 项目属性, 项目期, 填报日期 (14
    digits), funds and indicators per side."""
    out = []
    for lines in seed_target_sections()[1]:
        name_line = next(line for line in lines if seed_clean(line).startswith("项目名称"))
        header = next(i for i, line in enumerate(lines) if "三级指标" in line)
        footer = next(i for i in range(header, len(lines)) if "负责人" in lines[i])
        funds_start = next(i for i, x in enumerate(lines) if seed_clean(x).startswith("项目资金"))
        funds_end = next(i for i in range(funds_start, len(lines)) if "其他资金" in lines[i])
        period, year = parse_indicator_rows(lines[header + 1 : footer], sides=2)
        attribute_line = next(x for x in lines if seed_clean(x).startswith("项目属性"))
        attribute = re.fullmatch(r"项目属性(.+?)项目(?:期|日期)(\d+年)", seed_clean(attribute_line))
        filled_at = re.search(r"\d{14}", seed_clean(lines[footer]))
        out.append(
            {
                "name": _cells(name_line)[1][1],
                "attribute": attribute[1],
                "period_years": attribute[2],
                "filled_at": filled_at[0] if filled_at else "",
                "funds": parse_funds(lines[funds_start : funds_end + 1]),
                "period": period,
                "year": year,
            }
        )
    return out
