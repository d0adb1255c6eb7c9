"""Loading the texts a unit entered for its disclosure (概况, 情况说明 reasons and notes,
名词解释, 国有资产 facts), for the narrative and the document."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from tables.document.narrative import AssetInfo, NarrativeTexts
from units.models import AssetFacts, GlossaryTerm, Submission, SubmissionText


@dataclass(frozen=True)
class DisclosureTexts:
    """The entered texts of one submission, loaded for the narrative and the document."""

    duties: str
    organisation: str
    narrative: NarrativeTexts
    glossary: tuple[tuple[str, str], ...]
    assets: AssetInfo


_VEHICLE_FIELDS = (
    "vehicles_leader",
    "vehicles_confidential",
    "vehicles_emergency",
    "vehicles_law_enforcement",
    "vehicles_special",
    "vehicles_institution",
    "vehicles_other",
)


def asset_date_text(*, year: int, as_of: datetime.date | None) -> str:
    """The date the 国有资产 figures are as at, as printed: the entered `AssetFacts.as_of`
    ("2025年8月31日"), else 31 December of the year before the budget year."""
    if as_of is None:
        return f"{year - 1}年12月31日"
    return f"{as_of.year}年{as_of.month}月{as_of.day}日"


def disclosure_texts_load(*, submission: Submission) -> DisclosureTexts:
    """Texts, glossary and asset facts of a submission (3 queries)."""
    texts = SubmissionText.objects.filter(submission=submission).first()
    glossary = tuple(
        GlossaryTerm.objects.filter(submission=submission).values_list("term", "definition")
    )
    facts = AssetFacts.objects.filter(submission=submission).first()
    as_of = asset_date_text(year=submission.year, as_of=facts.as_of if facts else None)
    if facts is None:
        assets = AssetInfo(
            as_of=as_of,
            vehicles=tuple(
                (AssetFacts._meta.get_field(f).verbose_name, 0) for f in _VEHICLE_FIELDS
            ),
        )
    else:
        assets = AssetInfo(
            as_of=as_of,
            vehicles_quota=facts.vehicles_quota,
            vehicles=tuple(
                (AssetFacts._meta.get_field(f).verbose_name, getattr(facts, f))
                for f in _VEHICLE_FIELDS
            ),
            office_area_m2=facts.office_area_m2,
            equipment_over_500k=facts.equipment_over_500k,
            equipment_over_1m=facts.equipment_over_1m,
        )
    narrative = NarrativeTexts(
        **{
            f.name: getattr(texts, f.name) if texts else ""
            for f in dataclasses.fields(NarrativeTexts)
        }
    )
    return DisclosureTexts(
        duties=texts.duties if texts else submission.unit.duties,
        organisation=texts.organisation if texts else submission.unit.organisation,
        narrative=narrative,
        glossary=glossary,
        assets=assets,
    )
