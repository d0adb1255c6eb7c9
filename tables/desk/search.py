"""Finding a name the way people type it: part of the Chinese name, or its pinyin — initials
("rdhkf" for 人大会刊费) or full syllables ("huikan") — as the code and project pickers offer."""

from __future__ import annotations

import re
from functools import lru_cache

_LATIN = re.compile(r"^[a-z]+$")


@lru_cache(maxsize=50_000)
def _pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full syllables) of a name, lowercase, without separators. pypinyin is
    imported on first use: its phrase dictionary takes ~0.15 s to load, and every command
    imports this module (the system checks load the URLs), most never to search."""
    from pypinyin import Style, lazy_pinyin

    return (
        "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower(),
        "".join(lazy_pinyin(name)).lower(),
    )


def name_matches(query: str, name: str) -> bool:
    """Whether `name` contains the typed text, or — for Latin letters — its pinyin initials or
    syllables contain them."""
    query = (query or "").strip()
    if not query or query in name:
        return True
    lowered = query.lower().replace(" ", "")
    if not _LATIN.match(lowered):
        return False
    initials, syllables = _pinyin_keys(name)
    return lowered in initials or lowered in syllables
