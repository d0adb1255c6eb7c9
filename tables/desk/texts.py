"""The read behind the 情况说明 page: each change the narrative compares with last year, with its
figures (derived, never typed), whether it needs a reason, the reason's text and the N01 finding
still open for it; then the other texts of the disclosure.

The figures and findings come from the document build itself (`document_build`), so the page
shows exactly what the disclosure prints and what blocks 提交.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tables.document.build import document_build
from tables.document.narrative.types import Change
from tables.figures.checks import Finding
from units.models import Submission, SubmissionText
from units.services import (
    OTHER_TEXT_FIELDS,
    TEXT_MAX_LENGTHS,
    submission_text_clean,
    submission_texts_token,
)

#: what the page says under a text field (the model's help text where it has one)
HINTS = {
    "duties": "印在第一部分“概况”中。",
    "organisation": "印在第一部分“概况”中。",
}
REASON_HINT = "只写原因本身，系统会在前面加上“主要原因是”。"


@dataclass
class TextField:
    """One textarea of the page: its field name (also its id and anchor), label and text."""

    name: str
    label: str
    value: str
    hint: str = ""
    max_length: int = 0
    errors: list[str] = field(default_factory=list)
    #: after a conflict: the text stored now, when it differs from the one typed
    saved_now: str | None = None


@dataclass
class ReasonRow:
    """A change compared with last year (元) beside the field of its reason."""

    change: Change
    text: TextField
    finding: Finding | None  # N01 while the reason is missing

    @property
    def name(self) -> str:
        return self.text.name

    @property
    def comparable(self) -> bool:
        return self.change.prior is not None

    @property
    def missing(self) -> bool:
        """A reason is required and none is stored (or only a placeholder such as "略")."""
        return self.finding is not None

    @property
    def explained(self) -> bool:
        return self.change.needs_reason and self.finding is None

    @property
    def requirement(self) -> str:
        """Whether this change needs a reason, and why, in words (never only a colour)."""
        change = self.change
        if change.prior is None:
            return "上年数未填写，无法比较，无需说明原因"
        if change.diff == 0:
            return "与上年持平，无需说明原因"
        if not change.needs_reason:
            return "增减变动不足10%，可不说明原因"
        if change.prior == 0:
            return "由0增加，必须说明原因"
        if change.current == 0:
            return "减少至0，必须说明原因"
        return "增减变动达到10%以上，必须说明原因"


@dataclass
class TextsPage:
    reasons: list[ReasonRow]
    others: list[TextField]
    #: the fingerprint of the stored texts the page was built from (`units.concurrency`)
    token: str

    @property
    def missing(self) -> list[ReasonRow]:
        return [row for row in self.reasons if row.missing]

    @property
    def required_count(self) -> int:
        return sum(1 for row in self.reasons if row.change.needs_reason)

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(field name, message) of every error, in the page's order (the error summary)."""
        fields = [row.text for row in self.reasons] + self.others
        return [(f.name, message) for f in fields for message in f.errors]


def _label(name: str) -> str:
    return str(SubmissionText._meta.get_field(name).verbose_name)


def _hint(name: str) -> str:
    help_text = SubmissionText._meta.get_field(name).help_text
    return HINTS.get(name) or (f"{help_text}。" if help_text else "")


def texts_page_load(
    *,
    submission: Submission,
    posted: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    conflict: bool = False,
    token: str | None = None,
) -> TextsPage:
    """The 情况说明 page of a submission from its document (its queries and one for the token).

    `posted`: texts typed but not saved (a refused save), shown instead of the stored ones with
    their `errors`; with `conflict`, each field also shows the stored text where it differs.
    `token`: the one the refused form carried (kept, so that correcting an error does not
    silence a conflict); by default the fingerprint of the texts stored now.
    """
    # The token first: a save made while the page is being built then shows up as a conflict
    # instead of being overwritten by texts the page never showed.
    if token is None:
        token = submission_texts_token(submission_id=submission.pk)
    document = document_build(submission=submission, is_draft=True)
    stored = {
        "duties": document.texts.duties,
        "organisation": document.texts.organisation,
        **{
            name: getattr(document.texts.narrative, name)
            for name in ("purchased_services_note", "other_notes")
        },
        **{change.reason_field: change.reason for change in document.narrative.changes},
    }
    posted = posted or {}
    errors = errors or {}

    def text_field(name: str, hint: str) -> TextField:
        value = posted.get(name, stored.get(name, ""))
        saved = stored.get(name, "")
        differs = saved != submission_text_clean(value)  # as it would be stored (CRLF, blanks)
        return TextField(
            name=name,
            label=_label(name),
            value=value,
            hint=hint,
            max_length=TEXT_MAX_LENGTHS[name],
            errors=list(errors.get(name, [])),
            saved_now=saved if conflict and name in posted and differs else None,
        )

    open_n01 = {finding.row: finding for finding in document.findings if finding.rule_id == "N01"}
    reasons = [
        ReasonRow(
            change=change,
            text=text_field(change.reason_field, REASON_HINT),
            finding=open_n01.get(change.reason_field),
        )
        for change in document.narrative.changes
    ]
    others = [text_field(name, _hint(name)) for name in OTHER_TEXT_FIELDS]
    return TextsPage(
        reasons=reasons,
        others=others,
        token=token,
    )
