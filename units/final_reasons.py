"""The reasons a unit gives for the differences of its 决算 from the 年初预算, saved together.

Which differences need one is decided by the comparison (`tables.figures.final.compare`); this
layer only stores what was typed, by key, all or nothing, under the submission's lock while the
user may edit it. An empty text deletes the stored reason; a placeholder ("无", "略", …) or
formula-like text is refused with the item named.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from units.models import FinalReason
from units.services import submission_lock_editable
from units.texts import reason_text_validator

#: the longest reason kept
REASON_MAX = 500


def final_reasons_update(
    *, submission, user, values: dict[str, str], labels: dict[str, str] | None = None
) -> list[str]:
    """Save the reasons in `values` (difference key → text); returns the keys that changed.
    `labels` name the items in the messages (key → 项目名称). ValidationError by key; nothing is
    saved when any is refused. Refused on a budget submission."""
    labels = labels or {}
    cleaned = {key: (text or "").strip() for key, text in values.items()}
    errors: dict[str, list[str]] = {}
    for key, text in cleaned.items():
        name = labels.get(key, key)
        if len(key) > 40:
            errors[key] = ["差异项编码过长。"]
        elif len(text) > REASON_MAX:
            errors[key] = [f"“{name}”的差异原因最多{REASON_MAX}字（现有{len(text)}字）。"]
        elif text:
            try:
                reason_text_validator(text)
            except ValidationError as exc:
                errors[key] = [f"“{name}”：{m}" for m in exc.messages]
    with transaction.atomic():
        locked = submission_lock_editable(submission.pk, user)
        if not locked.is_final:
            raise PermissionDenied("只有决算填报才有决算差异原因。")
        if errors:
            raise ValidationError(errors)
        stored = {r.key: r for r in FinalReason.objects.filter(submission=locked)}
        changed = []
        for key, text in cleaned.items():
            row = stored.get(key)
            if not text:
                if row is not None:
                    row.delete()
                    changed.append(key)
                continue
            if row is None:
                row = FinalReason(submission=locked, key=key, reason=text)
            elif row.reason == text:
                continue
            row.reason = text
            row._history_user = user if getattr(user, "pk", None) else None
            row.save()
            changed.append(key)
    return changed
