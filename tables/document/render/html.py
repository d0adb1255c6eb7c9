"""HTML rendering of statutory tables with django-tables2.

Each `Table` becomes a django-tables2 table built on the fly: one non-orderable column per
table column, fed the rows of `body_grid` as dicts so that amounts are formatted in exactly one
place (`tables.figures.formatting`). Multi-row merged headers do not fit django-tables2's one-row
header, so `tables/statutory_table.html` overrides the `thead` block and renders `Table.header`
with colspan/rowspan itself.
"""

from __future__ import annotations

import django_tables2 as tables2

from tables.figures.checks import ERROR, NOTICE, WARNING
from tables.figures.formatting import body_grid
from tables.figures.types import Table

#: severity → CSS modifier, in the order findings are shown
SEVERITY_CLASSES = {ERROR: "error", WARNING: "warning", NOTICE: "notice"}

LEVEL_KEY = "_level"


def _row_class(record: dict) -> str:
    return f"level-{record[LEVEL_KEY]}"


class StatutoryHtmlTable(tables2.Table):
    """Base for the per-table classes `html_table` builds; never paginated or ordered."""

    class Meta:
        template_name = "tables/statutory_table.html"
        orderable = False
        # tables2 would show "—" for empty cells; a statutory table shows them blank.
        default = ""
        attrs = {"class": "statutory"}
        row_attrs = {"class": _row_class}
        empty_text = "本表无数据"

    def __init__(self, table: Table, *, name_label: str = "单位名称"):
        super().__init__(_records(table))
        #: the source table, for the caption, merged header and note in the template
        self.statutory = table
        #: the caption's "单位名称" (a 部门预算's: "部门名称", see `BudgetData.scope`)
        self.name_label = name_label


def _column_name(index: int) -> str:
    # Positional names: table column keys need not be valid or unique tables2 accessors.
    return f"c{index}"


def _indent_index(table: Table) -> int:
    """The column indented by row level: the name beside a code column, else the first."""
    keys = [column.key for column in table.columns]
    if "name" in keys and keys.index("name") > 0:
        return keys.index("name")
    return 0


def _records(table: Table) -> list[dict]:
    return [
        {**{_column_name(i): text for i, text in enumerate(cells)}, LEVEL_KEY: row.level}
        for row, cells in zip(table.rows, body_grid(table), strict=True)
    ]


def html_table(table: Table, *, name_label: str = "单位名称") -> StatutoryHtmlTable:
    """A django-tables2 table showing `table` as published, its caption naming the unit under
    `name_label` (单位名称, or 部门名称 on a 部门预算)."""
    indent = _indent_index(table)
    columns = {}
    for i, column in enumerate(table.columns):
        css = ["num"] if column.kind == "money" else ["text"]
        if i == indent:
            css.append("indent")
        columns[_column_name(i)] = tables2.Column(
            orderable=False, attrs={"td": {"class": " ".join(css)}}
        )
    attrs = {**columns, "Meta": type("Meta", (StatutoryHtmlTable.Meta,), {})}
    return type(f"{table.code}HtmlTable", (StatutoryHtmlTable,), attrs)(
        table, name_label=name_label
    )
