"""benchmark_pdf prints its figures (a small case; no timing is asserted)."""

from __future__ import annotations

import re
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from performance.models import ProjectTarget
from tables.management.commands.benchmark_pdf import synthetic_targets_copy
from units.models import BudgetUnit
from units.synthetic import SYNTHETIC_UNIT_CODE, synthetic_submission_create

pytestmark = pytest.mark.django_db

NUMBER = r"\s+(\d+\.\d{2})"


def test_prints_weasyprint_and_chromium_figures_for_a_small_synthetic_unit(tmp_path):
    """A 3-project synthetic unit: a row per renderer (the site's pieces, the same after one
    edit in the same and in another process, WeasyPrint in one piece, Chromium) with pages, best/median seconds, peak memory and
    PDF size, the ratio and edit lines, and no synthetic data left behind."""
    out = StringIO()
    call_command(
        "benchmark_pdf",
        scenario=["synthetic"],
        projects=3,
        repeat=1,
        keep=str(tmp_path),
        stdout=out,
    )
    text = out.getvalue()
    renderers = ["WeasyPrint", "WeasyPrint 改一处", "WeasyPrint 改一处 另一进程", "WeasyPrint 整份"]
    renderers += ["Chromium"] if shutil.which("chromium") else []
    for renderer in renderers:
        row = re.search(
            rf"^合成 synthetic {SYNTHETIC_UNIT_CODE}\s+{renderer}\s+3\s+(\d+)"
            rf"{NUMBER}{NUMBER}\s+(\d+\.\d)\s+(\d+)\s*$",
            text,
            flags=re.MULTILINE,
        )
        assert row, f"no {renderer} row in:\n{text}"
        pages, best, median, peak, size = row.groups()
        assert int(pages) > 5 and float(best) > 0 and float(peak) > 0 and int(size) > 0
    assert "峰值内存 peak" in text and "< 300 MiB" in text
    assert re.search(r"all processes PSS \d+ MiB", text)
    assert re.search(r"分步 steps（s）HTML \d+\.\d{2}，正文分块 body pieces \d+\.\d{2}", text), text
    assert re.search(r"CPU 合计 total \d+\.\d{2} s", text)
    # the edit (十二 其他说明) lays out one piece again
    assert re.search(r"改一处后 after one edit \d+\.\d{2} s，重新排版 laid out 1 块", text), text
    # and in another process, on the file cache the first one filled: one piece too
    assert re.search(
        r"after one edit, in another warm process \d+\.\d{2} s，重新排版 laid out 1 块 pieces"
        r"（目标 goal ≤ 0.5 s：(达成 met|未达成 not met)）",
        text,
    ), text
    if shutil.which("chromium"):
        assert re.search(r"WeasyPrint / Chromium = \d+\.\d{2}×", text)
    assert (tmp_path / "synthetic.html").exists()
    for name in (
        "weasyprint",
        "weasyprint-edited",
        "weasyprint-edited-elsewhere",
        "weasyprint-whole",
    ):
        assert (tmp_path / f"synthetic-{name}.pdf").read_bytes().startswith(b"%PDF")
    assert not BudgetUnit.objects.filter(code=SYNTHETIC_UNIT_CODE).exists()


def test_synthetic_projects_get_copies_of_the_demo_targets(demo):
    """Every synthetic project gets a target table copied (cycling) from the demo's."""
    submission = synthetic_submission_create(n_lines=100)
    made = synthetic_targets_copy(submission=submission, source=demo)
    assert made == submission.projects.count() == 4
    targets = ProjectTarget.objects.filter(project__submission=submission)
    assert targets.count() == 4 and all(t.indicators.exists() for t in targets)


def test_bad_options_are_refused():
    """--repeat and --projects must be at least 1."""
    with pytest.raises(CommandError, match="--repeat"):
        call_command("benchmark_pdf", repeat=0)
    with pytest.raises(CommandError, match="--projects"):
        call_command("benchmark_pdf", projects=0)


def test_profile_prints_the_cpu_of_a_demo_publication_by_category(demo):
    """--profile: one row per category of the publication's work, a share and CPU seconds
    each, and the total CPU and peak memory."""
    out = StringIO()
    call_command("benchmark_pdf", profile=True, repeat=1, stdout=out)
    text = out.getvalue()
    categories = [
        "文档构建",
        "HTML",
        "PDF 样式计算",
        "PDF 排版",
        "PDF 绘制与写出",
        "字体子集",
        "PDF 合并",
        "XLSX",
        "JSON/CSV",
    ]
    for category in categories:
        assert re.search(
            rf"^{re.escape(category)}.*\s\d+\.\d{{2}}\s+\d+%\s+\d+\.\d{{2}}$", text, re.M
        ), f"no {category} row in:\n{text}"
    layout = re.search(r"^PDF 排版.*\s(\d+\.\d{2})$", text, re.M)
    assert float(layout.group(1)) > 0
    total = re.search(r"不加 profile 的合计 total without profiler (\d+\.\d{2}) CPU-s", text)
    assert total and float(total.group(1)) > 0, text
    assert re.search(r"峰值内存 peak RSS \d+ MiB", text)
