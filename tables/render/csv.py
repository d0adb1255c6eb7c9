"""CSV of one table: the displayed grid, UTF-8 with BOM (Excel opens it correctly)."""

import csv
import io

from tables.formatting import table_grid
from tables.types import Table


def table_csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(table_grid(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
