"""Text that a spreadsheet would run as a formula (CSV/formula injection).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets strip before looking) is evaluated by Excel, WPS and LibreOffice when a CSV is
opened: ``=HYPERLINK("http://x","y")`` in a project name becomes a live link in every download.

Two defences, both defined here so that entry, imports and every CSV writer agree:

- at entry and in every import, free text may not *begin* with ``=``, ``+``, ``@``, a tab or a
  carriage return (`formula_text_error`, `validate_not_formula`). A leading ``-`` is allowed at
  entry: "-" and "—" begin ordinary Chinese text and negative figures are never typed as text;
- every CSV meant for spreadsheets prefixes a cell that begins with any of ``=``, ``+``, ``-``,
  ``@``, tab or CR with an apostrophe (`csv_cell_neutralise`), which spreadsheets show as text
  and do not evaluate. Data entered before the rule, or written by code that bypasses entry,
  therefore still comes out inert. The product's one CSV writer (`tables.document.render.csv`) applies
  it to every cell; the open-data descriptors tell readers to drop the apostrophe.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

#: first characters refused in entered and imported text
ENTRY_REFUSED_PREFIXES = ("=", "+", "@", "\t", "\r")
#: first characters a spreadsheet CSV cell is neutralised for
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_PREFIX_NAMES = {"\t": "制表符", "\r": "回车符"}
#: a plain decimal number ("-12.50"): a spreadsheet reads it as a number, never as a formula
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # ASCII digits only, not any \d


def formula_text_error(value) -> str | None:
    """The Chinese reason why `value` may not be stored as text, or None when it may."""
    if not isinstance(value, str) or not value.startswith(ENTRY_REFUSED_PREFIXES):
        return None
    first = _PREFIX_NAMES.get(value[0], f"“{value[0]}”")
    return (
        f"不能以{first}开头（电子表格会把它当作公式执行）；请删除开头的符号，或在前面加上文字说明。"
    )


def validate_not_formula(value) -> None:
    """Django validator for free-text model and form fields (see `formula_text_error`)."""
    error = formula_text_error(value)
    if error is not None:
        raise ValidationError(error, code="formula_text")


def csv_cell_neutralise(value):
    """A CSV cell as a spreadsheet may safely open it: text beginning with ``=``, ``+``, ``-``,
    ``@``, tab or CR gets a leading apostrophe, unless it is a plain decimal number such as
    "-12.50"; anything else is unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(CSV_FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value
