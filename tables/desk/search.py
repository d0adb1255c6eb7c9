"""Finding a name the way people type it: part of the Chinese name, or its pinyin — initials
("rdhkf" for 人大会刊费) or full syllables ("huikan") — as the code and project pickers offer.
The pinyin is the public search's (`tables.publication.search.pinyin_keys`): one reading of a
name, wherever it is searched."""

from __future__ import annotations

import re

from tables.publication.search import pinyin_keys, search_query_normal

_LATIN = re.compile(r"^[a-z]+$")


def name_matches(query: str, name: str) -> bool:
    """Whether `name` contains the typed text, or — for Latin letters — its pinyin initials or
    syllables contain them."""
    query = (query or "").strip()
    if not query or query in name:
        return True
    lowered = search_query_normal(query)
    if not _LATIN.match(lowered):
        return False
    initials, syllables = pinyin_keys(name)
    return lowered in initials or lowered in syllables
