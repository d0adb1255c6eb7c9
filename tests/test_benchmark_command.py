"""The benchmark command prints its figures and leaves no synthetic data behind."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from units.models import BudgetLine, BudgetUnit, Project
from units.synthetic import SYNTHETIC_UNIT_CODE, synthetic_submission_create, synthetic_unit_delete

pytestmark = pytest.mark.django_db


def test_benchmark_prints_figures_for_demo_and_synthetic_unit():
    """Both scenarios get best/median rows with stage times, query count and peak memory."""
    out = StringIO()
    call_command("benchmark", lines=200, repeat=1, stdout=out)
    text = out.getvalue()
    for label in (
        "读取 load",
        "推导 derive",
        "校验 check",
        "合计 total",
        "查询 queries",
        "峰值内存 peak MiB",
        "最佳 best",
        "中位 median",
        "目标 goal",
    ):
        assert label in text
    number = r"\s+(\d+\.\d{2})"
    for scenario, lines in (
        ("演示 demo 003", r"\d+"),
        (f"合成 synthetic {SYNTHETIC_UNIT_CODE}", "200"),
    ):
        for stat in ("最佳 best", "中位 median"):
            row = re.search(
                rf"^{scenario}\s+{stat}\s+{lines}{number * 4}\s+(\d+){number}\s*$",
                text,
                flags=re.MULTILINE,
            )
            assert row, f"no {scenario} {stat} row in:\n{text}"
            load, derive, check, total, queries, peak = row.groups()
            assert float(total) >= float(load) and float(total) >= float(derive)
            assert int(queries) == 6
            assert float(peak) > 0
    assert re.search(r"校验结果 findings（演示 demo 003）：错误 0，警告 0，提示 \d+", text)
    assert not BudgetUnit.objects.filter(code=SYNTHETIC_UNIT_CODE).exists()


def test_synthetic_unit_is_refilled_not_duplicated_and_can_be_deleted():
    """Creating the BENCH unit twice leaves one copy of the lines; deleting removes everything."""
    synthetic_submission_create(n_lines=30, seed=1)
    submission = synthetic_submission_create(n_lines=50, seed=2)
    assert BudgetLine.objects.filter(submission__unit__code=SYNTHETIC_UNIT_CODE).count() == 50
    assert submission.lines.count() == 50
    synthetic_unit_delete()
    assert not BudgetUnit.objects.filter(code=SYNTHETIC_UNIT_CODE).exists()
    assert not Project.objects.filter(submission__unit__code=SYNTHETIC_UNIT_CODE).exists()


@pytest.mark.parametrize("lines", [40, 200])
def test_benchmark_prints_the_final_pipeline_with_constant_queries(lines):
    """The synthetic unit's 决算 (load → derive → check) gets its rows, findings and goal line,
    with the same 8 queries at any size."""
    out = StringIO()
    call_command("benchmark", lines=lines, repeat=1, stdout=out)
    text = out.getvalue()
    number = r"\s+(\d+\.\d{2})"
    for stat in ("最佳 best", "中位 median"):
        row = re.search(
            rf"^决算 final {SYNTHETIC_UNIT_CODE}\s+{stat}\s+{lines}{number * 4}\s+(\d+){number}\s*$",
            text,
            flags=re.MULTILINE,
        )
        assert row, f"no 决算 {stat} row in:\n{text}"
        assert int(row.group(5)) == 8
    assert re.search(rf"校验结果 findings（决算 final {SYNTHETIC_UNIT_CODE}）：错误 \d+", text)
    assert re.search(
        r"目标 goal：合成单位决算 synthetic final 合计中位数 .*ms，(达成 met|未达成)", text
    )
    assert not BudgetUnit.objects.filter(code=SYNTHETIC_UNIT_CODE).exists()
