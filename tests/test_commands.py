"""The command-line interface: load_demo, export_tables, check_disclosure."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tables.formatting import table_grid
from tables.services import disclosure_derive
from tests.seed import normalise_row, seed_tables
from units import demo
from units.models import BudgetLine, ClassificationCode, CodeScheme, Project, Submission
from units.selectors import submission_get

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_load_demo_is_idempotent():
    """Running load_demo twice leaves one submission with the same lines and projects."""
    first = run("load_demo")
    assert "003" in first and "2025" in first
    counts = (BudgetLine.objects.count(), Project.objects.count())
    run("load_demo")
    assert Submission.objects.count() == 1
    assert (BudgetLine.objects.count(), Project.objects.count()) == counts
    assert counts == (len(demo.BASIC_LINES) + len(demo.PROJECTS), len(demo.PROJECTS))


def test_export_tables_writes_fourteen_bom_csvs(tmp_path):
    """export_tables writes T01.csv…T14.csv, UTF-8 with BOM, each the displayed grid."""
    run("load_demo")
    run("export_tables", unit="003", year=2025, out=str(tmp_path / "out"))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [f"T{n:02d}.csv" for n in range(1, 15)]
    derived = disclosure_derive(submission=submission_get(unit_code="003", year=2025))
    for code, table in derived.tables.items():
        raw = (tmp_path / "out" / f"{code}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows == table_grid(table)
    t01 = list(csv.reader(io.StringIO((tmp_path / "out" / "T01.csv").read_text("utf-8-sig"))))
    assert [normalise_row(r) for r in t01[2:]] == seed_tables()["T01"]["grid"][2:]
    assert t01[2][:2] == ["一、一般公共预算", "1175.95"]
    assert t01[3][1] == ""  # empty cells stay empty


def test_export_tables_unknown_unit_is_a_clear_error(tmp_path):
    """An unknown unit/year stops with a Chinese message naming it."""
    with pytest.raises(CommandError, match="找不到单位 999 的 2025 年"):
        run("export_tables", unit="999", year=2025, out=str(tmp_path))


def test_check_disclosure_prints_findings_and_exits_zero_without_errors():
    """On the demo only 提示 R12 (尾差) lines are printed and the command succeeds."""
    run("load_demo")
    lines = run("check_disclosure", unit="003", year=2025).splitlines()
    assert lines and all(line.startswith("提示 R12 ") for line in lines)
    assert any("560.75" in line and "560.76" in line for line in lines)


def test_check_disclosure_json():
    """--json prints a list of findings with severity, rule id and message."""
    run("load_demo")
    findings = json.loads(run("check_disclosure", unit="003", year=2025, json=True))
    assert {f["rule_id"] for f in findings} == {"R12"}
    assert all(set(f) >= {"severity", "rule_id", "message"} for f in findings)


def test_check_disclosure_exits_one_on_errors():
    """A line whose code belongs to another year is an 错误 and the exit status is 1."""
    run("load_demo")
    line = BudgetLine.objects.filter(expense_kind="personnel").first()
    stale = ClassificationCode.objects.create(
        scheme=CodeScheme.FUNCTIONAL, year=2024, code=line.func_code.code, name="旧科目", level=3
    )
    BudgetLine.objects.filter(pk=line.pk).update(func_code=stale)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_disclosure", unit="003", year=2025, stdout=out)
    assert exit_info.value.code == 1
    assert any(
        row.startswith("错误 R11 ") and "2024年的科目" in row for row in out.getvalue().splitlines()
    )
