"""Fixed report-template rows (not classification data): the 30 expense rows of 收支总表 and
the 三公 items, read once from `tables/data/`."""

import csv
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def summary_expense_rows() -> tuple[tuple[str, str], ...]:
    """(row label, 类 code) of the 30 expense rows of 表一 and 表四, in order."""
    with open(DATA_DIR / "summary_expense_rows.csv", encoding="utf-8") as f:
        return tuple((r["row_label"], r["func_code"]) for r in csv.DictReader(f))


SANGONG_OUTBOUND = "因公出国（境）费"
SANGONG_RECEPTION = "公务接待费"
SANGONG_VEHICLE_PURCHASE = "公务用车购置费"
SANGONG_VEHICLE_OPERATION = "公务用车运行维护费"


@cache
def sangong_items_by_dept_code() -> dict[str, str]:
    """部门经济科目 code → 三公 item."""
    with open(DATA_DIR / "sangong_econ_codes.csv", encoding="utf-8") as f:
        return {r["dept_econ_code"]: r["sangong_item"] for r in csv.DictReader(f)}
