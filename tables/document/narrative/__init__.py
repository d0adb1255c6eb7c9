"""第三部分 情况说明: sections 一 to 十二 of the narrative, every figure derived.

Pure functions, one per section, over the derived statutory tables (表一 to 表十四), the
prior-year figures, the performance figures and the texts the unit entered (reasons, notes).
Nothing here reads the database or the budget lines: a figure the narrative prints is read off
the table that shows it (`Table.cell`), so it cannot differ from the table.

- `types`: inputs (`NarrativeInputs` …) and outputs (`Narrative`, `Section`, `Change` …)
- `wording`: amounts in 万元, percentages, changes worded by sign, the "主要原因是" frame
- `sections`: 一 to 九, from the tables; `entered_sections`: 十 to 十二, from targets and texts
- `build`: `narrative_build`, the twelve in order
- `findings`: `narrative_findings` (rule N01), with the comparisons the sentences print

Wording follows the seed's sentence patterns (see `wording`).
"""

from tables.document.narrative.build import narrative_build
from tables.document.narrative.findings import narrative_findings
from tables.document.narrative.types import (
    CHANGE_NEEDS_REASON,
    HUNDRED,
    AssetInfo,
    Block,
    Change,
    ChartSpec,
    Narrative,
    NarrativeInputs,
    NarrativeTexts,
    PriorFigures,
    ProjectTargetSummary,
    Section,
    SectionPart,
)
from tables.document.narrative.wording import (
    PCT,
    change_phrase,
    item_change_phrase,
    percent_text,
    reason_clause,
    share,
    trend_words,
    wan,
    with_reason,
)

__all__ = [
    "CHANGE_NEEDS_REASON",
    "HUNDRED",
    "PCT",
    "AssetInfo",
    "Block",
    "Change",
    "ChartSpec",
    "Narrative",
    "NarrativeInputs",
    "NarrativeTexts",
    "PriorFigures",
    "ProjectTargetSummary",
    "Section",
    "SectionPart",
    "change_phrase",
    "item_change_phrase",
    "narrative_build",
    "narrative_findings",
    "percent_text",
    "reason_clause",
    "share",
    "trend_words",
    "wan",
    "with_reason",
]
