"""The --table-set option of export_tables and export_disclosure."""

from django.core.management.base import CommandError

from tables.figures.tablesets import TABLE_SETS, TableSet


def add_table_set_argument(parser) -> None:
    parser.add_argument(
        "--table-set",
        dest="table_set",
        default=None,
        help=f"公开表样式（{'、'.join(TABLE_SETS)}）；默认为该年度选定的样式",
    )


def table_set_from_options(options) -> TableSet | None:
    """The set named by --table-set (None: the year's chosen set); CommandError listing the
    known names for any other name."""
    name = options.get("table_set")
    if not name:
        return None
    if name not in TABLE_SETS:
        raise CommandError(f"没有名为“{name}”的公开表样式，可选：{'、'.join(TABLE_SETS)}")
    return TABLE_SETS[name]
