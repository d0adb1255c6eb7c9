"""What a published version consists of: the data snapshot and the files rendered once from the
same document.

The files of version n (`ARTIFACTS`):

- html: the whole disclosure, one self-contained page (`tables.document.render.document.document_html`);
- pdf: the same printed by WeasyPrint (`tables.document.render.pdf.document_pdf`);
- xlsx: the statutory tables of the year's table set (tables 1–14 of shanxi-2025) and the target
  tables (`tables.document.render.xlsx.disclosure_workbook`);
- json: the data snapshot (`publication_snapshot`, schema `SNAPSHOT_SCHEMA`, with the name of
  the table set its tables follow), UTF-8;
- csv: a zip of one CSV per table named by its code (T01.csv … T14.csv; SH01.csv …, MF01.csv …
  for the other sets), each the displayed grid of one table in UTF-8 with BOM (the
  same bytes as the table CSV downloads), dated with the publication time so equal data gives
  equal bytes. One CSV per table: the tables have different columns;
- opendata: the Fiscal Data Package (datapackage.json + budget, table-cell and narrative-figure
  CSVs, `tables.publication.opendata.opendata_package`), a zip;
- datacsv: its budget.csv alone (`tables.publication.opendata.budget_csv`), plain UTF-8: the bulk CSV of a
  year concatenates these stored bytes (`tables.public.opendata_views`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tables.models import FileKind

SNAPSHOT_SCHEMA = "budget-disclosure-snapshot/1"

#: kind → (content type, file-name suffix)
ARTIFACTS = {
    FileKind.HTML: ("text/html; charset=utf-8", ".html"),
    FileKind.PDF: ("application/pdf", ".pdf"),
    FileKind.XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    FileKind.JSON: ("application/json", "（数据）.json"),
    FileKind.CSV: ("application/zip", "（表格CSV）.zip"),
    FileKind.OPENDATA: ("application/zip", "（开放数据包）.zip"),
    FileKind.DATA_CSV: ("text/csv; charset=utf-8", "（预算数据）.csv"),
}
#: a 决算's data CSV is named for what it holds
FINAL_DATA_CSV_SUFFIX = "（决算数据）.csv"
#: characters not allowed in a downloaded file name (Windows and POSIX), and control characters
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


# --- the snapshot -----------------------------------------------------------------------------


def to_jsonable(value):
    """Plain JSON values from the pipeline's dataclasses: Decimal → exact string ("1234.50"),
    dates → ISO 8601, tuples → lists, dataclasses → objects of their fields."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return value


def table_snapshot(table) -> dict:
    """A table as published: header and body as displayed, and each body cell typed (money in
    exact 元 as a decimal string, text as text)."""
    from tables.figures.formatting import body_grid, header_grid

    display = body_grid(table)
    return {
        "code": table.code,
        "number": table.number,
        "label": table.label,
        "title": table.title,
        "unit_name": table.unit_name,
        "money_unit": table.money_unit,
        "note": table.note,
        "is_empty": table.is_empty,
        "columns": [{"key": c.key, "kind": c.kind} for c in table.columns],
        "header": header_grid(table.header),
        "rows": [
            {
                "level": row.level,
                "code": row.code,
                "values": [to_jsonable(cell) for cell in row.cells],
                "display": shown,
            }
            for row, shown in zip(table.rows, display, strict=True)
        ],
    }


def publication_snapshot(
    *, document, submission, version: int, published_at: datetime.datetime, reason: str
) -> dict:
    """Everything version n shows, as plain JSON: enough to rebuild its numbers after a
    correction has changed the submission's rows.

    Amounts are strings of exact decimals in 元 (JSON numbers would be read as binary floats);
    `tables[].rows[].display` are the cells as printed (万元 or 元, 2 places)."""
    from performance.sheets import sheet_grid

    unit = submission.unit
    return {
        "schema": SNAPSHOT_SCHEMA,
        "unit": {
            "code": unit.code,
            "name": document.unit_name,
            "kind": unit.kind,
            "department_code": unit.department.code,
            "department_name": unit.department.name,
        },
        "year": document.year,
        "version": version,
        "published_at": published_at.isoformat(),
        "approval_date": to_jsonable(submission.approval_date),
        "reason": reason,
        "table_set": document.table_set.name,
        "tables": [
            table_snapshot(t)
            for t in sorted(document.shown_tables.values(), key=lambda t: t.number)
        ],
        "narrative": to_jsonable(document.narrative),
        "texts": to_jsonable(document.texts),
        "budget": to_jsonable(document.data),
        "targets": to_jsonable(document.targets),
        "target_tables": [
            {"key": sheet.key, "title": sheet.title, "grid": sheet_grid(sheet)}
            for sheet in (
                ((document.unit_target_sheet,) if document.unit_target_sheet else ())
                + document.project_target_sheets
            )
        ],
        "findings": to_jsonable(document.findings),
        "kind": "final" if document.is_final else "budget",
        **({"final": final_snapshot(document.final)} if document.is_final else {}),
        # Another set prints other tables; the 14 statutory ones the checks read are kept too,
        # so next year's 上年数 and the review's comparison can read them (T01 … T14).
        **(
            {}
            if document.shown_tables is document.tables
            else {
                "statutory_tables": [
                    table_snapshot(t)
                    for code, t in sorted(document.tables.items())
                    if code.startswith("T")
                ]
            }
        ),
    }


def final_snapshot(derived) -> dict:
    """What a 决算 adds to its snapshot: the entered facts (next year's 年初结转和结余 is read
    from them), the 年初预算 and 调整预算 of each line beside its 决算数 (`budget.lines`), and
    the comparison with the 年初预算 as printed."""
    data = derived.data
    budget = derived.budget_version
    return {
        # the budget version whose 年初预算 the 决算 was held to (J06), as published
        "budget_version": (
            {"id": budget.pk, "version": budget.version} if budget is not None else None
        ),
        "facts": to_jsonable(data.facts),
        "planned_amounts": [to_jsonable(line.amount) for line in data.planned.lines],
        "adjusted_amounts": [to_jsonable(line.amount) for line in data.adjusted.lines],
        "differences": to_jsonable(derived.differences),
    }


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    kind: str
    file_name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def file_stem(
    *, unit_name: str, year: int, version: int, scope: str = "单位", kind: str = "预算"
) -> str:
    """ "阳城县人民代表大会常务委员会办公室2025年单位预算公开", "…（第2版）" from version 2 on;
    "…部门预算公开" with `scope` "部门" (`BudgetData.scope`); "…单位决算公开" with `kind` 决算."""
    stem = _UNSAFE_NAME.sub("_", f"{unit_name}{year}年{scope}{kind}公开")
    return stem if version == 1 else f"{stem}（第{version}版）"


def tables_csv_zip(tables, *, date_time: datetime.datetime) -> bytes:
    """<code>.csv of every table (T01.csv … T14.csv for shanxi-2025) in one zip (see the module
    docstring)."""
    from tables.document.render.archive import dated_zip
    from tables.document.render.csv import table_csv_bytes

    files = {
        f"{table.code}.csv": table_csv_bytes(table)
        for table in sorted(tables.values(), key=lambda t: t.number)
    }
    return dated_zip(files, date_time=timezone.localtime(date_time))


def publication_render(*, document, snapshot: dict, stem: str, published_at) -> list[Artifact]:
    """The files of a version, each rendered once from the same document (the open data from
    its snapshot)."""
    from tables.document.render import pdf as pdf_render
    from tables.document.render.document import document_html
    from tables.document.render.xlsx import disclosure_workbook
    from tables.publication import opendata

    contents = {
        FileKind.HTML: document_html(document).encode("utf-8"),
        # through the shared PDF cache: its entries are keyed by the SHA-256 of all that
        # decides them, and the merged PDF is the same bytes with or without them; a batch
        # lays out the page layer once, and a document previewed after its last edit not at all
        FileKind.PDF: pdf_render.document_pdf(document),
        FileKind.XLSX: disclosure_workbook(document),
        FileKind.JSON: json.dumps(snapshot, ensure_ascii=False, indent=1).encode("utf-8"),
        FileKind.CSV: tables_csv_zip(document.shown_tables, date_time=published_at),
        FileKind.OPENDATA: opendata.opendata_package(
            snapshot, date_time=timezone.localtime(published_at)
        ),
        FileKind.DATA_CSV: opendata.budget_csv(snapshot),
    }
    suffixes = {kind: suffix for kind, (_, suffix) in ARTIFACTS.items()}
    if document.is_final:
        suffixes[FileKind.DATA_CSV] = FINAL_DATA_CSV_SUFFIX
    return [
        Artifact(
            kind=kind,
            file_name=stem + suffixes[kind],
            content_type=ARTIFACTS[kind][0],
            content=content,
        )
        for kind, content in contents.items()
    ]


def publication_build(*, submission, published_at, reason: str):
    """(document, snapshot, files) of publishing `submission` now: the document built as
    published (no draft marks), its snapshot and every file rendered from them. Stores
    nothing: `tables.publication.services.submission_publish` saves them, the benchmarks time
    them."""
    from tables.document.build import document_build

    document = document_build(submission=submission, is_draft=False)
    snapshot = publication_snapshot(
        document=document,
        submission=submission,
        version=submission.version,
        published_at=published_at,
        reason=reason,
    )
    stem = file_stem(
        unit_name=document.unit_name,
        year=document.year,
        version=submission.version,
        scope=document.data.scope,
        kind=document.kind_label,
    )
    files = publication_render(
        document=document, snapshot=snapshot, stem=stem, published_at=published_at
    )
    return document, snapshot, files
