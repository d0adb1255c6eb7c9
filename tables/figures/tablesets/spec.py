"""What a table set is: plain data. A `TableSet` names its tables in publication order; each
`TableSpec` says its code, number, title pattern, money unit, which lines it reads, how its rows
are grouped, its columns and the note it prints when empty; `NarrativeSpec` pairs a narrative
section with the tables it cites. The pure builders (`tables.figures.tablesets.builders`) read a
spec and the loaded `BudgetData`; nothing here touches the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tables.figures.types import BudgetData, Table

#: how a table's rows are grouped (`TableSpec.rows`), in words for the README and the tests
ROW_GROUPINGS = {
    "func": "支出功能分类 类/款/项",
    "func-class": "收支两栏：左为收入类型，右为支出功能分类 类",
    "func-class-fiscal": "收支两栏：左为财政拨款来源，右为支出功能分类 类",
    "econ": "部门预算支出经济分类 类/款，地方细化科目列于其款下",
    "income": "收入类型",
    "fixed": "固定行（表样规定）",
}


@dataclass(frozen=True)
class TableSpec:
    """One table of a set. `build(spec, data)` computes it; `title` is a pattern with
    `{year}`; `columns` are keys of `tables.figures.tablesets.columns.COLUMN_LABELS` (the
    builders of the data-driven sets read them; Shanxi's own builders fix theirs)."""

    code: str
    number: int
    title: str
    build: Callable[[TableSpec, BudgetData], Table]
    money_unit: str = "万元"
    #: which lines the table reads (`columns.LINE_FILTERS`)
    lines: str = "all"
    #: row grouping (`ROW_GROUPINGS`)
    rows: str = "func"
    columns: tuple[str, ...] = ()
    #: what an empty table prints under it ("" = nothing)
    empty_note: str = ""

    def title_for(self, year: int) -> str:
        return self.title.format(year=year)

    def finish(self, table: Table, year: int) -> Table:
        """`table` as this spec names and labels it (code, number, title, money unit, and the
        empty note unless the builder wrote a note of its own)."""
        note = table.note or (self.empty_note if table.is_empty else "")
        return replace(
            table,
            code=self.code,
            number=self.number,
            title=self.title_for(year),
            money_unit=self.money_unit,
            note=note,
        )


@dataclass(frozen=True)
class NarrativeSpec:
    """A section of the 情况说明 the set keeps (`tables.document.narrative.build.SECTION_KEYS`)
    and the codes of the tables it cites."""

    key: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSet:
    name: str
    title: str
    tables: tuple[TableSpec, ...]
    narrative: tuple[NarrativeSpec, ...]
    #: print "详见表N《…》。" under the sections that cite tables (the Shanxi narrative, as
    #: published, does not)
    cite_in_text: bool = True
    #: whether the set prints 项目类别 and 项目属性 (Shanxi's 表十二/表十三 do); when it does,
    #: entry requires them and a project without them is an 错误 finding (R13); other sets
    #: leave them optional
    needs_project_attributes: bool = False

    def derive(self, data: BudgetData) -> dict[str, Table]:
        """Every table of the set for one submission, keyed by code, in order."""
        return {spec.code: spec.finish(spec.build(spec, data), data.year) for spec in self.tables}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.tables)

    def spec(self, code: str) -> TableSpec:
        for spec in self.tables:
            if spec.code == code:
                return spec
        raise KeyError(code)
