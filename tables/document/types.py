"""The assembled document every renderer takes (`DisclosureDocument`), apart from how it is
built (`tables.document.build` for a budget, `tables.document.final` for a 决算)."""

from __future__ import annotations

from dataclasses import dataclass

from performance.sheets import TargetSheet
from performance.types import TargetData
from tables.document.narrative import Narrative
from tables.document.texts import DisclosureTexts
from tables.figures.checks import Finding
from tables.figures.tablesets import SHANXI, TableSet
from tables.figures.types import BudgetData, Table


@dataclass(frozen=True)
class DisclosureDocument:
    """Everything the public reads, in order: cover (unit, year), 第一部分 概况 (texts), 第二部分
    tables 1–14, 第三部分 narrative with the target tables as attachments, 第四部分 名词解释."""

    unit_name: str
    year: int
    texts: DisclosureTexts
    narrative: Narrative
    data: BudgetData
    targets: TargetData
    tables: dict[str, Table]
    unit_target_sheet: TargetSheet | None
    project_target_sheets: tuple[TargetSheet, ...]
    #: table checks (R…), target checks (P…) and narrative checks (N…), most severe first
    findings: list[Finding]
    #: True until the disclosure is published: renderers watermark it "草稿"
    is_draft: bool = True
    #: the table set the document prints (`tables.figures.tablesets`)
    table_set: TableSet = SHANXI
    #: its tables by code, in order (None: `tables`, the 14 of shanxi-2025)
    set_tables: dict[str, Table] | None = None
    #: "预算", or "决算" for a 决算 (`tables.document.final`): 单位预算公开 / 单位决算公开
    kind_label: str = "预算"
    #: sentences printed under the cover title (the demo 决算 says it is synthetic)
    cover_notes: tuple[str, ...] = ()
    #: what the attachments are (绩效目标表, or the 决算's 绩效自评表) and after which
    #: narrative section they follow
    attachments_title: str = "绩效目标表"
    attachments_after: str = "绩效管理情况"
    #: a 决算's derivation (`tables.document.final.DerivedFinal`), None for a budget
    final: object = None

    @property
    def is_final(self) -> bool:
        return self.final is not None

    @property
    def shown_tables(self) -> dict[str, Table]:
        """The statutory tables as printed (HTML, PDF, XLSX, CSV, snapshot, open data); the
        checks and the narrative read `tables`."""
        return self.tables if self.set_tables is None else self.set_tables
