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
            i for i, line in enumerate(lines)
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
