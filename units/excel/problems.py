"""Where a fault of an uploaded workbook is: 「sheet」表 第N行 X列（header）, and how a list of
them becomes one ValidationError."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

#: At most this many problems are listed; the rest are counted.
MAX_LISTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One fault of an uploaded workbook, located by sheet, row and column."""

    sheet: str
    message: str
    row: int | None = None
    column: str = ""  # letter, e.g. "F"
    label: str = ""  # the column header

    def __str__(self) -> str:
        where = f"「{self.sheet}」表"
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" {self.column}列"
        if self.label:
            where += f"（{self.label}）"
        return f"{where}：{self.message}"


def problems_error(problems: list[Problem], *, sheet_order=()) -> ValidationError:
    """One ValidationError listing the problems by sheet (in `sheet_order`, others first), row
    and column (A … Z before AA), at most `MAX_LISTED_PROBLEMS` of them."""
    order = {sheet: index for index, sheet in enumerate(sheet_order)}
    ordered = sorted(
        problems,
        key=lambda p: (order.get(p.sheet, -1), p.row or 0, len(p.column), p.column),
    )
    messages = [str(p) for p in ordered[:MAX_LISTED_PROBLEMS]]
    if len(ordered) > MAX_LISTED_PROBLEMS:
        messages.append(f"另有 {len(ordered) - MAX_LISTED_PROBLEMS} 处错误未列出。")
    return ValidationError(messages)


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel letters → 1-based column number (A → 1, AA → 27)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number
