"""Table sets as data: which statutory tables a disclosure prints, in which order, how each is
titled, numbered, grouped and in which money unit, and which narrative sections cite them.

Three ship: `shanxi-2025` (the default: the demo's 14 tables, T01 … T14), `shanghai` (9 tables
in 元, SH01 … SH09) and `mof-department` (the national 部门预算 template, 9 tables in 万元,
MF01 … MF09). Every set is computed from the same loaded `BudgetData`; the 勾稽关系 checks and
the narrative's figures always read the 14 Shanxi derivations (`tables.figures.registry`), so a
set changes what is printed, never what is checked.
"""

from tables.figures.tablesets.mof import MOF_DEPARTMENT
from tables.figures.tablesets.shanghai import SHANGHAI
from tables.figures.tablesets.shanxi import SHANXI
from tables.figures.tablesets.spec import ROW_GROUPINGS, NarrativeSpec, TableSet, TableSpec

DEFAULT_TABLE_SET = SHANXI.name
TABLE_SETS: dict[str, TableSet] = {s.name: s for s in (SHANXI, SHANGHAI, MOF_DEPARTMENT)}


def table_set_names() -> tuple[str, ...]:
    return tuple(TABLE_SETS)


def table_set_choices() -> tuple[tuple[str, str], ...]:
    """(name, Chinese title) of every set, for forms."""
    return tuple((s.name, s.title) for s in TABLE_SETS.values())


def table_set_get(name: str | None) -> TableSet:
    """The set called `name` (the default for None or ""); KeyError naming the known sets."""
    if not name:
        return TABLE_SETS[DEFAULT_TABLE_SET]
    try:
        return TABLE_SETS[name]
    except KeyError:
        raise KeyError(f"{name}（可选：{'、'.join(TABLE_SETS)}）") from None


__all__ = [
    "DEFAULT_TABLE_SET",
    "MOF_DEPARTMENT",
    "ROW_GROUPINGS",
    "SHANGHAI",
    "SHANXI",
    "TABLE_SETS",
    "NarrativeSpec",
    "TableSet",
    "TableSpec",
    "table_set_choices",
    "table_set_get",
    "table_set_names",
]
