"""The review page's view model: this year's statutory tables as printed, each with a column of
last year's published figure beside its main amount, and the 审核意见 beside the rows they name.

A table is cut into *sides*: 表一, 表四 and 表九 print an income side and an expenditure side in
one row, the others one side. A side is its text columns (code, names) and its money columns;
its *main* amount is its first money column (合计, 金额, 2025年 …), and the prior-year column is
inserted right after it, in the body and in the merged header.

Last year's figure of a row is read off the newest published version of the unit's previous
year (`tables.desk.selectors.prior_published_versions`), in the snapshot as it was published,
never re-derived. A row is found there by its key on each side: its level and its texts, or its
classification code alone when the side begins with one (a code's name may be reworded in a
new year's code list). "—" says last year had no such row, or nothing was published.

An 审核意见 names its row by the row's label (`row_labels`): the side's texts joined, the sides
joined by " / ", made unique within the table. The page renders these rows with its own
template rather than django-tables2 (as `tables.document.render.html` does for the document):
each row here is followed by its comments and carries a control to write one, which the
one-record-one-row tables2 model does not hold. Cell texts still come from
`tables.figures.formatting`, the one place amounts are formatted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from tables.desk.selectors import CommentThread, published_table
from tables.figures.formatting import body_grid, format_amount
from tables.figures.formatting import table_short_name as table_name
from tables.figures.types import HeaderCell, Table
from tables.models import PublishedVersion
from units.models import ReviewComment, Submission

#: columns that number the rows (表十四's 序号): they neither identify nor label a row
SERIAL_COLUMNS = frozenset({"no"})
#: columns that label a row, where not all of a side's texts (表十四: the project and content)
LABEL_COLUMNS = {"T14": ("project", "content")}
#: the longest row label stored with a comment (ReviewComment.row)
ROW_LABEL_MAX = ReviewComment._meta.get_field("row").max_length
NO_PRIOR = "—"


@dataclass(frozen=True)
class Side:
    texts: tuple[int, ...]  # indices of the side's text columns (serial numbers left out)
    main: int  # index of its main amount column


def table_sides(columns) -> list[Side]:
    """The sides of a table from its columns as (key, kind) pairs: a text column after a money
    column starts a new side; a side without money columns is left out."""
    groups: list[list[tuple[int, str, str]]] = []
    previous = None
    for index, (key, kind) in enumerate(columns):
        if not groups or (kind == "text" and previous == "money"):
            groups.append([])
        groups[-1].append((index, key, kind))
        previous = kind
    sides = []
    for group in groups:
        money = [index for index, _, kind in group if kind == "money"]
        if money:
            texts = tuple(
                i for i, key, kind in group if kind == "text" and key not in SERIAL_COLUMNS
            )
            sides.append(Side(texts=texts, main=money[0]))
    return sides


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def side_key(level: int, values, side: Side) -> tuple | None:
    """How a row is found on one side in another year's table: by level and texts, or by the
    classification code the side begins with; None for a side left blank in this row."""
    texts = tuple(_text(values[i]) for i in side.texts)
    if not any(texts):
        return None
    if texts[0].isdigit():
        return (texts[0],)
    return (level, texts)


def header_with_columns(header, after: list[int], text: str) -> tuple[tuple[HeaderCell, ...], ...]:
    """`header` with a new column of heading `text` right after each column in `after`: a
    merged cell that goes on past the column widens by one; in the first row where the column
    ends a cell, the new heading is placed after it, spanning the rows below."""
    rows = [list(row) for row in header]
    for column in sorted(after, reverse=True):  # from the right: indices on the left hold
        starts = _header_starts(rows)
        for r, row in enumerate(rows):
            hit = next(
                (
                    i
                    for i, cell in enumerate(row)
                    if starts[r][i] <= column < starts[r][i] + cell.colspan
                ),
                None,
            )
            if hit is None:  # under a cell of a row above, already widened
                continue
            cell = row[hit]
            if starts[r][hit] + cell.colspan - 1 > column:
                row[hit] = replace(cell, colspan=cell.colspan + 1)
                continue
            row.insert(hit + 1, HeaderCell(text, rowspan=len(rows) - r))
            break
    return tuple(tuple(row) for row in rows)


def _header_starts(rows) -> list[list[int]]:
    """The first column of each header cell (cells of rows above reach down by rowspan)."""
    width = sum(cell.colspan for cell in rows[0]) if rows else 0
    taken = [[False] * width for _ in rows]
    starts = []
    for r, row in enumerate(rows):
        c, out = 0, []
        for cell in row:
            while c < width and taken[r][c]:
                c += 1
            out.append(c)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < len(rows) and c + dc < width:
                        taken[r + dr][c + dc] = True
            c += cell.colspan
        starts.append(out)
    return starts


def row_labels(table: Table) -> list[str]:
    """Each row's label as a comment names it: the texts of each side (or of LABEL_COLUMNS),
    sides joined by " / "; a label repeated in the table gets "（第2处）" …, so it is unique."""
    keys = [column.key for column in table.columns]
    wanted = LABEL_COLUMNS.get(table.code)
    sides = table_sides((c.key, c.kind) for c in table.columns)
    seen: dict[str, int] = defaultdict(int)
    labels = []
    for row in table.rows:
        parts = []
        for side in sides:
            indices = [keys.index(k) for k in wanted] if wanted else side.texts
            words = [_text(row.cells[i]) for i in indices]
            if any(words):
                parts.append(" ".join(w for w in words if w))
            if wanted:
                break
        label = " / ".join(parts) or "（空行）"
        seen[label] += 1
        if seen[label] > 1:
            label = f"{label}（第{seen[label]}处）"
        labels.append(label[:ROW_LABEL_MAX])
    return labels


@dataclass(frozen=True)
class Cell:
    text: str
    css: str


@dataclass
class ReviewRow:
    index: int
    label: str
    level: int
    cells: list[Cell]
    comments: list[ReviewComment] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.comments if c.resolved_at is None)


@dataclass
class ReviewTable:
    code: str
    name: str  # 表一
    title: str
    unit_name: str
    money_unit: str
    note: str
    is_empty: bool
    header: tuple[tuple[HeaderCell, ...], ...]
    rows: list[ReviewRow]
    width: int  # columns printed, the prior-year ones included
    #: comments naming a row this year's table no longer has (renamed, deleted)
    stray: list[ReviewComment] = field(default_factory=list)

    @property
    def comments(self) -> list[ReviewComment]:
        return [c for row in self.rows for c in row.comments] + self.stray

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.comments if c.resolved_at is None)


def review_table(
    table: Table,
    *,
    prior: PublishedVersion | None,
    comments: list[ReviewComment],
    prior_heading: str | None,
) -> ReviewTable:
    """One statutory table for the review page: its rows as printed with the prior-year column
    after each side's main amount (none when `prior_heading` is None: a 决算, whose tables
    compare 年初预算 and 决算数 themselves), and the given comments (of this table) beside
    their rows."""
    columns = [(c.key, c.kind) for c in table.columns]
    sides = table_sides(columns) if prior_heading is not None else []
    mains = {side.main: side for side in sides}
    published = _published_values(published_table(prior, table.code))
    indent = _indent_index(table)
    labels = row_labels(table)
    by_label: dict[str, list[ReviewComment]] = defaultdict(list)
    for comment in comments:
        by_label[comment.row].append(comment)
    rows = []
    for index, (row, shown) in enumerate(zip(table.rows, body_grid(table), strict=True)):
        cells = []
        for i, ((key, kind), text) in enumerate(zip(columns, shown, strict=True)):
            css = "num" if kind == "money" else ("text indent" if i == indent else "text")
            # an empty cell needs no class (its column takes alignment and width from others):
            # a tenth of the page's weight
            cells.append(Cell(text, css if text else ""))
            if i in mains:
                cells.append(
                    Cell(_prior_text(published, key, row, mains[i], table.money_unit), "num prior")
                )
        rows.append(
            ReviewRow(
                index=index,
                label=labels[index],
                level=row.level,
                cells=cells,
                comments=by_label.pop(labels[index], []),
            )
        )
    return ReviewTable(
        code=table.code,
        name=table_name(table.code),
        title=table.title,
        unit_name=table.unit_name,
        money_unit=table.money_unit,
        note=table.note,
        is_empty=table.is_empty,
        header=header_with_columns(table.header, sorted(mains), prior_heading),
        rows=rows,
        width=len(columns) + len(mains),
        stray=[c for stray in by_label.values() for c in stray],
    )


def _published_values(published: dict | None) -> dict | None:
    """{(main column key, row key): exact 元} of a published table, each side by its own
    columns; the first row with a key wins (None: nothing published)."""
    if published is None:
        return None
    columns = [(c["key"], c["kind"]) for c in published["columns"]]
    sides = table_sides(columns)
    found: dict = {}
    for row in published["rows"]:
        values = row["values"]
        for side in sides:
            key = side_key(row["level"], values, side)
            if key is not None:
                found.setdefault((columns[side.main][0], key), values[side.main])
    return found


def _prior_text(published: dict | None, main_key: str, row, side: Side, unit: str) -> str:
    key = side_key(row.level, row.cells, side)
    if key is None:
        return ""  # this side of the row is blank: nothing to compare
    if published is None or (main_key, key) not in published:
        return NO_PRIOR
    value = published[(main_key, key)]
    return format_amount(Decimal(value) if value not in (None, "") else None, unit)


def _indent_index(table: Table) -> int:
    """The column indented by row level, as the document indents it: the name beside a code
    column, else the first (tables.document.render.html)."""
    keys = [column.key for column in table.columns]
    if "name" in keys and keys.index("name") > 0:
        return keys.index("name")
    return 0


@dataclass
class ReviewPage:
    tables: list[ReviewTable]
    prior: PublishedVersion | None
    prior_year: int
    #: comments of this version on the whole submission, or naming no table we print
    general: list[ReviewComment]
    #: comments of earlier versions (before a 更正), kept for the record
    earlier: list[ReviewComment]

    @property
    def open_count(self) -> int:
        return sum(t.open_count for t in self.tables) + sum(
            1 for c in self.general if c.resolved_at is None
        )

    @property
    def return_note(self) -> str:
        """What the 退回 form tells the reviewer goes with the return."""
        return (
            f"本版待处理的审核意见 {self.open_count} 条会随退回一并交给填报人：填报人在各表对应的行旁"
            "看到它们，修改后逐条标记已处理。这里请概括退回的主要原因。"
        )


def review_prior_heading(submission: Submission) -> str | None:
    """The heading of the prior-year column of a budget's review tables; None for a 决算."""
    return None if submission.is_final else f"{submission.year - 1}年公开数"


def review_page(
    *,
    submission: Submission,
    tables: dict[str, Table],
    prior: PublishedVersion | None,
    thread: CommentThread,
) -> ReviewPage:
    """The tables of `submission` with last year's published figures (`prior`, None when
    nothing was published; a 决算's without that column, `review_prior_heading`) and the
    comments of its current version beside their rows."""
    current = [c for c in thread.all if c.version == submission.version]
    by_table: dict[str, list[ReviewComment]] = defaultdict(list)
    for comment in current:
        by_table[comment.table].append(comment)
    heading = review_prior_heading(submission)
    review_tables = [
        review_table(table, prior=prior, comments=by_table.pop(code, []), prior_heading=heading)
        for code, table in tables.items()
    ]
    return ReviewPage(
        tables=review_tables,
        prior=prior,
        prior_year=submission.year - 1,
        general=[c for comments in by_table.values() for c in comments],
        earlier=[c for c in thread.all if c.version != submission.version],
    )
