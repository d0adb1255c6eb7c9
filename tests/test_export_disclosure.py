"""export_disclosure writes the whole document as HTML, PDF or XLSX, and refuses clearly."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def export(fmt: str, path) -> str:
    out = io.StringIO()
    call_command(
        "export_disclosure", unit="003", year=2025, format=fmt, output=str(path), stdout=out
    )
    return out.getvalue()


def test_exports_self_contained_html(demo, tmp_path):
    """--format html writes the page, CSS inlined and no stylesheet link or script."""
    path = tmp_path / "公开.html"
    message = export("html", path)
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "@page" in html and "<link" not in html and "<script" not in html
    assert demo.unit.name in html and "草稿" in html
    assert "已导出" in message and str(path) in message


def test_exports_pdf(demo, tmp_path):
    """--format pdf writes a PDF."""
    path = tmp_path / "公开.pdf"
    export("pdf", path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_exports_xlsx(demo, tmp_path):
    """--format xlsx writes the workbook, one sheet per table and target table."""
    import openpyxl

    path = tmp_path / "公开.xlsx"
    export("xlsx", path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0].startswith("表一")
    assert len(workbook.sheetnames) >= 14
    # every number is stored as its exact decimal (never a binary float's 746.0700000000001)
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        values = [
            value
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
            for value in re.findall(rb'<c [^>]*t="n"[^>]*><v>([^<]*)</v>', archive.read(name))
        ]
    assert values and all(re.fullmatch(rb"-?\d+(\.\d{1,2})?", value) for value in values), [
        value for value in values if not re.fullmatch(rb"-?\d+(\.\d{1,2})?", value)
    ][:5]


def test_unknown_unit_or_year_is_refused_in_chinese(demo, tmp_path):
    """An unknown unit or year is a CommandError naming them; no file is written."""
    for unit, year in (("999", 2025), ("003", 2019)):
        path = tmp_path / "x.pdf"
        with pytest.raises(CommandError, match=f"找不到单位 {unit} 的 {year} 年"):
            call_command("export_disclosure", unit=unit, year=year, format="pdf", output=str(path))
        assert not path.exists()


def test_unknown_format_and_missing_directory_are_refused(demo, tmp_path):
    """Only html, pdf and xlsx are accepted, and the output directory must exist."""
    with pytest.raises(CommandError, match="doc"):
        call_command(
            "export_disclosure", "--unit", "003", "--year", "2025", "--format", "doc", "-o", "x"
        )
    with pytest.raises(CommandError, match="输出目录不存在"):
        export("html", tmp_path / "missing" / "x.html")
