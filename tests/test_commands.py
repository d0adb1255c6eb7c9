"""The command-line interface: load_demo, export_tables, check_disclosure."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance.demo import demo_target_faults_fix
from tables.document.disclosure import disclosure_derive
from tables.figures.formatting import table_grid
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


def run_check(**options) -> tuple[int, str]:
    """check_disclosure's exit status (0 when it returns) and output."""
    out = io.StringIO()
    try:
        call_command("check_disclosure", unit="003", year=2025, stdout=out, **options)
    except SystemExit as exit_info:
        return exit_info.code, out.getvalue()
    return 0, out.getvalue()


def test_check_disclosure_on_demo_reports_target_errors_and_exits_one():
    """On the demo the seed's 绩效目标 faults are printed most severe first (P01 and P07 错误,
    P02 and P08 警告), then the 尾差 notices, and the exit status is 1."""
    run("load_demo")
    code, output = run_check()
    lines = output.splitlines()
    assert code == 1
    assert [line.split()[1] for line in lines] == (
        ["P01", "P07", "P07", "P02", "P08", "P08"] + ["R12"] * 6
    )
    assert lines[0].startswith("错误 P01 ") and "市人大代表联络站经费" in lines[0]
    assert all("应为 890000元 或 89万元" in line for line in lines[1:3])
    assert lines[3].startswith("警告 P02 表十二列示项目 23 个")
    assert all(line.startswith("提示 R12 ") for line in lines[6:])
    assert any("560.75" in line and "560.76" in line for line in lines)


def test_check_disclosure_json():
    """--json prints a list of findings with severity, rule id and message (exit status 1)."""
    run("load_demo")
    code, output = run_check(json=True)
    findings = json.loads(output)
    assert code == 1
    assert {f["rule_id"] for f in findings} == {"P01", "P02", "P07", "P08", "R12"}
    assert all(set(f) >= {"severity", "rule_id", "message"} for f in findings)


def test_check_disclosure_exits_zero_once_the_errors_are_corrected():
    """With the seed's target errors corrected, only 警告 and 提示 remain and the exit status is 0."""
    run("load_demo")
    demo_target_faults_fix(submission=Submission.objects.get(unit__code="003", year=2025))
    code, output = run_check()
    assert code == 0
    assert {line.split()[1] for line in output.splitlines()} == {"P08", "R12"}


def test_check_disclosure_exits_one_on_errors():
    """A line whose code belongs to another year is an 错误 and the exit status is 1."""
    run("load_demo")
    demo_target_faults_fix(submission=Submission.objects.get(unit__code="003", year=2025))
    line = BudgetLine.objects.filter(expense_kind="personnel").first()
    stale = ClassificationCode.objects.create(
        scheme=CodeScheme.FUNCTIONAL, year=2024, code=line.func_code.code, name="旧科目", level=3
    )
    BudgetLine.objects.filter(pk=line.pk).update(func_code=stale)
    code, output = run_check()
    assert code == 1
    assert [row.split()[:2] for row in output.splitlines() if row.startswith("错误")] == [
        ["错误", "R11"]
    ]
    assert "2024年的科目" in output
