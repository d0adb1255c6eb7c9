"""`benchmark_desk` prints time, size and queries of the desk's pages for the demo and two
synthetic units, and leaves the database as it was."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from units.models import BudgetUnit, Submission
from units.synthetic import SYNTHETIC_UNIT_CODE

pytestmark = pytest.mark.django_db


def test_benchmark_desk_prints_pages_and_goals(demo):
    out = StringIO()
    call_command("benchmark_desk", lines=40, repeat=1, stdout=out)
    text = out.getvalue()
    for scenario in ("演示 demo 003", "合成 synthetic 20 行", "合成 synthetic 40 行"):
        for page in (
            "我的待办（填报人）",
            "我的待办（审核人）",
            "概况 overview",
            "预算明细 entry",
            "审核 review",
        ):
            row = re.search(
                rf"^{scenario}\s+{re.escape(page)}\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+)\s*$",
                text,
                flags=re.MULTILINE,
            )
            assert row, f"no {scenario} {page} row in:\n{text}"
            best, median, kilobytes, queries = row.groups()
            assert 0 < float(best) <= float(median)
            assert float(kilobytes) > 0 and int(queries) > 0
    assert re.search(
        r"目标 goal：演示单位 demo 页面中位耗时 ≤ 150 ms：.*(达成 met|未达成 not met)", text
    )
    assert re.search(
        r"目标 goal：演示单位 demo 页面 HTML ≤ 120 KB：.*(达成 met|未达成 not met)", text
    )
    assert "queries independent of lines（合成 20 行 与 40 行）：是 yes" in text
    # rolled back: no synthetic unit, no benchmark user, the demo still a draft
    assert not BudgetUnit.objects.filter(code=SYNTHETIC_UNIT_CODE).exists()
    assert not get_user_model().objects.filter(username__startswith="bench-desk").exists()
    assert Submission.objects.get(pk=demo.pk).status == demo.status
