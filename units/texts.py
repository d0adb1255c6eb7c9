"""Rules for the texts a unit types into its disclosure: reasons for changes must say something.

A reason is refused when, after removing the sentence frame ("主要原因是", punctuation and
spaces), nothing real is left: empty, only placeholders such as "XX", "××", "…", "略", "无",
"待补充". The narrative adds "主要原因是" itself, so it is stripped from the start if typed. Like
all typed text, a reason may not begin as a spreadsheet formula (`units.formula_text`).
"""

import re

from django.core.exceptions import ValidationError

from units.formula_text import validate_not_formula

_FRAME = re.compile(r"^(主要)?(原因(是|为|：|:))")
_PUNCTUATION = re.compile(r"[\s，,。.；;：:、！!？?…—\-_（）()“”\"'《》]+")
_PLACEHOLDERS = re.compile(
    r"^(x+|×+|＊+|\*+|略|无|暂无|待补充|待定|原因|主要原因|同上|tbd|todo)$", re.I
)


def reason_text_normalise(text: str) -> str:
    """The reason as the narrative prints it: trimmed, without a leading "主要原因是"."""
    text = (text or "").strip()
    text = _FRAME.sub("", text).strip()
    return text.rstrip("。.；;，, ")


def reason_text_is_placeholder(text: str) -> bool:
    core = _PUNCTUATION.sub("", reason_text_normalise(text))
    return not core or bool(_PLACEHOLDERS.match(core))


def reason_text_validator(text: str) -> None:
    """Refuse formula-like text and placeholder reasons; empty is allowed at entry (the checks
    ask for a reason where a change of 10% or more needs one)."""
    validate_not_formula(text)
    if text and text.strip() and reason_text_is_placeholder(text):
        raise ValidationError(f"「{text.strip()}」不是有效的原因说明，请写明增减变动的具体原因。")
