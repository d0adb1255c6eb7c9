"""Every CSV the product writes goes through this one writer, which neutralises formula-like
cells (CSV/formula injection, `units.formula_text`).

A spreadsheet that opens a CSV evaluates a cell beginning with ``=``, ``+``, ``-``, ``@``, tab
or CR: ``=HYPERLINK("http://x","y")`` in a project name would become a live link in every
download. Entry refuses such text, but data entered before the rule, or written by code that
bypasses entry, must still come out inert, so every cell passes through `csv_cell_neutralise`
(a leading apostrophe, which spreadsheets show as text; plain numbers such as "-12.50" are left
alone). Ordinary data is written byte for byte as `csv.writer` writes it: comma, minimal
quoting, CRLF line ends (RFC 4180).

- `table_csv_bytes`: one statutory table as displayed, UTF-8 with BOM (Excel opens it
  correctly); downloads, the published T01…T14 zip and the `export_tables` command.
- `csv_bytes`: rows (lists, or dicts under a header of field names), UTF-8; the open-data
  resources (`tables.publication.opendata`).
- `csv_neutralised`: a CSV written earlier (stored published bytes, which are immutable) as
  this writer would write it now; the public bulk CSV of a year streams its stored files
  through it, so a file stored before the rule is neutralised on the way out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from tables.figures.formatting import table_grid
from tables.figures.types import Table
from units.formula_text import csv_cell_neutralise

LINE_TERMINATOR = "\r\n"
BOM = "\ufeff"

#: where a cell of a CSV written by `csv.writer` may begin with a character that needs the
#: apostrophe: at the start or after a delimiter or line end, unquoted or just inside a quote
#: (an unquoted cell never holds a CR: the writer quotes it). A match may be a false alarm
#: (inside a quoted cell, a plain negative number); it only costs a re-write.
_MAY_NEED_NEUTRALISING = re.compile(rb'(?:\A|[,\r\n])(?:"[=+\-@\t\r]|[=+\-@\t])')


class CsvWriter:
    """`csv.writer` (comma, minimal quoting, CRLF) whose every cell is neutralised.

    With `fieldnames`, rows may be dicts (as `csv.DictWriter`: a missing key is written empty,
    an unknown key is an error) and `writeheader` writes the names."""

    def __init__(self, stream, *, fieldnames: Sequence[str] | None = None):
        self._writer = csv.writer(stream, lineterminator=LINE_TERMINATOR)
        self.fieldnames = list(fieldnames) if fieldnames is not None else None

    def writeheader(self) -> None:
        if self.fieldnames is None:
            raise ValueError("CsvWriter.writeheader needs fieldnames")
        self.writerow(self.fieldnames)

    def writerow(self, row) -> None:
        if isinstance(row, Mapping):
            if self.fieldnames is None:
                raise ValueError("CsvWriter needs fieldnames to write a dict row")
            unknown = row.keys() - set(self.fieldnames)
            if unknown:
                raise ValueError(f"fields not in fieldnames: {', '.join(sorted(unknown))}")
            row = [row.get(name, "") for name in self.fieldnames]
        self._writer.writerow([csv_cell_neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(rows: Iterable, *, fieldnames: Sequence[str] | None = None, bom=False) -> bytes:
    """`rows` as CSV in UTF-8 (with a BOM if asked), the field names first when given."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, fieldnames=fieldnames)
    if fieldnames is not None:
        writer.writeheader()
    writer.writerows(rows)
    return ((BOM if bom else "") + buffer.getvalue()).encode("utf-8")


def table_csv_bytes(table: Table) -> bytes:
    """CSV of one table: the displayed grid, UTF-8 with BOM."""
    return csv_bytes(table_grid(table), bom=True)


def csv_neutralised(content: bytes) -> bytes:
    """A UTF-8 CSV (CRLF, as `csv.writer` writes it) with every cell neutralised: the same bytes
    when no cell needs it (the usual case, checked by a scan), else its rows re-written."""
    content = bytes(content)
    bom = content.startswith(BOM.encode("utf-8"))
    body = content[3:] if bom else content
    if not _MAY_NEED_NEUTRALISING.search(body):
        return content
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    return csv_bytes(rows, bom=bom)
