"""Display of amounts: the one place where 元 become 万元 and rounding happens.

Sums are always taken on exact 元; only the displayed cell is rounded (half-up, 2 places).
A displayed total may therefore differ by a cent or two from the sum of its displayed parts
(尾差); the checks report that as a 提示 rather than forcing parts to add up.
"""

from decimal import ROUND_HALF_UP, Decimal

from tables.figures.types import HeaderCell, Table

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)


def to_display(amount: Decimal, unit: str) -> Decimal:
    """Exact 元 → the displayed value in `unit` (万元 or 元), rounded half-up to 2 places."""
    if unit == "万元":
        return (amount / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal | None, unit: str) -> str:
    """Cell text: empty for no amount or an exact zero, else e.g. "1175.95"."""
    if amount is None or amount == 0:
        return ""
    return f"{to_display(amount, unit):.2f}"


def format_wan(amount: Decimal) -> str:
    """An amount as 万元 text with 2 places, zero included (for narrative sentences)."""
    return f"{to_display(amount, '万元'):.2f}"


def format_wan_grouped(amount: Decimal) -> str:
    """An amount as 万元 text for sentences and desk pages: "1,180.89" (2 places, half-up,
    thousands separators)."""
    return f"{to_display(amount, '万元'):,.2f}"


def format_yuan(amount: Decimal) -> str:
    """An amount in 元 as a person reads it: "1,234,567.80" (2 places, thousands separators)."""
    return f"{to_display(amount, '元'):,.2f}"


NUMERALS = "一二三四五六七八九十"


def chinese_numeral(number: int) -> str:
    """1–99 as written in the form names: 一, 十, 十四, 二十一."""
    tens, units = divmod(number, 10)
    if not 0 < number < 100:
        return str(number)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[units - 1] if units else "")


def table_short_name(code: str, number: int | None = None) -> str:
    """ "T02" → "表二", as the findings and the printed tables name a statutory table; a 决算
    table "F05" → "决算表五"; a table of another set ("SH03") by its `number` when given (other
    labels unchanged)."""
    if isinstance(code, str) and code[:1] == "T" and code[1:].isdigit():
        return f"表{chinese_numeral(int(code[1:]))}"
    if isinstance(code, str) and code[:1] == "F" and code[1:].isdigit():
        return f"决算表{chinese_numeral(int(code[1:]))}"
    if number is not None:
        return f"表{chinese_numeral(number)}"
    return code


def header_grid(header: tuple[tuple[HeaderCell, ...], ...]) -> list[list[str]]:
    """Expand merged header cells into a rectangular grid; a merged label sits in its top-left cell."""
    width = sum(cell.colspan for cell in header[0]) if header else 0
    grid: list[list[str | None]] = [[None] * width for _ in header]
    for r, header_row in enumerate(header):
        c = 0
        for cell in header_row:
            while c < width and grid[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    grid[r + dr][c + dc] = ""
            grid[r][c] = cell.text
            c += cell.colspan
    return [[text or "" for text in row] for row in grid]


def body_grid(table: Table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        out = []
        for value, column in zip(row.cells, table.columns, strict=True):
            if column.kind == "money":
                out.append(format_amount(value, table.money_unit))
            else:
                out.append("" if value is None else str(value))
        rows.append(out)
    return rows


def table_grid(table: Table) -> list[list[str]]:
    """The table exactly as displayed: header rows, then body rows (CSV, HTML and tests use it)."""
    return header_grid(table.header) + body_grid(table)
