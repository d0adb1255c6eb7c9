"""benchmark_publish --like-demo: copies of the demo are published by separate db_worker
processes, and each worker count is reported on one line of a fixed form."""

from __future__ import annotations

import io
import json
import re
import sqlite3

from django.core.management import call_command

from performance.demo import DEMO_TARGETS_FILE
from tables.management.commands.benchmark_publish import (
    SQLITE_OPTIONS,
    Measurement,
    measurement_line,
    speedup_lines,
)
from units import demo

LINE = re.compile(
    r"workers=(\d+) units=(\d+) wall_s=\d+\.\d cpu_s_per_doc=\d+\.\d\d "
    r"docs_per_min=\d+\.\d peak_mib=(\d+)"
)


def test_like_demo_publishes_copies_of_the_demo_and_prints_one_line_per_worker_count(tmp_path):
    """Two copies of the demo, one worker, in a SQLite file of the test's own (--database-url
    is never dropped, so its rows can be read afterwards): both published, each with the
    demo's budget lines and target tables, and the line in its exact form."""
    path = tmp_path / "bench.sqlite3"
    out = io.StringIO()
    call_command(
        "benchmark_publish",
        like_demo=True,
        units=2,
        workers=[1],
        database_url=f"sqlite:///{path}?{SQLITE_OPTIONS}",
        stdout=out,
    )
    lines = [m for line in out.getvalue().splitlines() if (m := LINE.fullmatch(line))]
    assert len(lines) == 1, out.getvalue()
    assert lines[0].group(1, 2) == ("1", "2")
    assert int(lines[0].group(3)) > 0  # the worker's peak memory was measured
    assert "speed-up workers=1 vs workers=1: 1.00x" in out.getvalue()

    db = sqlite3.connect(path)
    published = db.execute(
        "SELECT unit_code, unit_name, version FROM tables_publishedversion ORDER BY unit_code"
    ).fetchall()
    assert published == [("D0001", "演示单位0001", 1), ("D0002", "演示单位0002", 1)]

    def per_unit(sql):
        return dict(db.execute(sql).fetchall())

    budget_lines = per_unit(
        "SELECT u.code, COUNT(*) FROM units_budgetline l"
        " JOIN units_submission s ON s.id = l.submission_id"
        " JOIN units_budgetunit u ON u.id = s.unit_id GROUP BY u.code"
    )
    target_tables = per_unit(
        "SELECT u.code, COUNT(*) FROM performance_projecttarget t"
        " JOIN units_project p ON p.id = t.project_id"
        " JOIN units_submission s ON s.id = p.submission_id"
        " JOIN units_budgetunit u ON u.id = s.unit_id GROUP BY u.code"
    )
    n_lines = len(demo.BASIC_LINES) + len(demo.PROJECTS)
    n_targets = len(json.loads(DEMO_TARGETS_FILE.read_text("utf-8"))["project_targets"])
    # the demo itself (loaded once, never published) and its two copies
    assert budget_lines == {demo.UNIT_CODE: n_lines, "D0001": n_lines, "D0002": n_lines}
    assert target_tables == {demo.UNIT_CODE: n_targets, "D0001": n_targets, "D0002": n_targets}
    db.close()


def test_measurement_line_has_the_documented_form():
    """wall_s 1 decimal, CPU-s per document 2, documents per minute 1, peak MiB an integer."""
    m = Measurement(workers=2, units=300, wall_s=512.34, cpu_s=813.0, docs=300, peak_kib=245_760)
    assert measurement_line(m) == (
        "workers=2 units=300 wall_s=512.3 cpu_s_per_doc=2.71 docs_per_min=35.1 peak_mib=240"
    )
    assert LINE.fullmatch(measurement_line(m))


def test_speed_up_is_against_one_worker():
    """Each count's documents per minute over 1 worker's, whatever order they ran in."""
    runs = [
        Measurement(workers=2, units=10, wall_s=30.0, cpu_s=50.0, docs=10, peak_kib=1024),
        Measurement(workers=1, units=10, wall_s=60.0, cpu_s=45.0, docs=10, peak_kib=1024),
    ]
    assert speedup_lines(runs) == [
        "speed-up workers=2 vs workers=1: 2.00x",
        "speed-up workers=1 vs workers=1: 1.00x",
    ]
