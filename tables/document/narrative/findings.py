"""Rule N01 over the narrative: a change of 10% or more (or from or to zero) needs a reason."""

from __future__ import annotations

from tables.document.narrative.types import Narrative
from tables.document.narrative.wording import percent_text, trend_words, wan
from tables.figures.checks import ERROR, Finding
from units.texts import reason_text_is_placeholder


def narrative_findings(narrative: Narrative) -> list[Finding]:
    """N01: a change of 10% or more (or from/to zero) needs a reason; placeholders do not count.

    The comparisons are the ones the sentences word, so a finding names the figure as printed.
    """
    out = []
    for change in narrative.changes:
        if change.needs_reason and reason_text_is_placeholder(change.reason):
            percent = change.percent
            how = (
                f"{trend_words(change.diff)[1]}{percent_text(abs(percent))}%"
                if percent is not None
                else ("由0增加" if change.prior == 0 else "减少至0")
            )
            out.append(
                Finding(
                    ERROR,
                    "N01",
                    f"{change.label}{wan(change.current)}万元，比上年{how}"
                    f"（上年{wan(change.prior)}万元），请填写变动原因。",
                    table="情况说明",
                    row=change.reason_field,
                )
            )
    return out
