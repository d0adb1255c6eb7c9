"""What the public search matches: each published version's search text.

People search a unit by the name they use, not the name printed: 人大 for 人民代表大会, 常委会
for 常务委员会, the unit code, or pinyin initials typed without switching the input method
(`ycxrd` for 阳城县人大…). The bureau keeps the short forms (`tables.models.SearchAlias`);
`search_text` writes, for one version, its code, its name, every variant of the name with the
aliases applied (all short or all full, never mixed: `name_variants`), and the pinyin
initials and whole pinyin of each variant, lower-case and without spaces, one per line, the
code first. The search itself is a substring match on that text (`PublishedSearchEntry.text`,
`search_filter`), the same on SQLite and PostgreSQL (where a pg_trgm index serves it), so a
misspelling finds nothing rather than everything; the exact code ranks first, then a line
starting with the query.

The entries are written when a version is published and rebuilt when the aliases change.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

#: variants of one name at most (a name with many aliases would otherwise multiply)
MAX_VARIANTS = 16
#: alias occurrences in one name considered at most (the longest), to bound the enumeration
MAX_OCCURRENCES = 12


@dataclass(frozen=True)
class _Occurrence:
    """A form of an alias found in a name: [start, end), with its short and full form."""

    start: int
    end: int
    short: str
    full: str

    def overlaps(self, other: _Occurrence) -> bool:
        return self.start < other.end and other.start < self.end

    def covers(self, other: _Occurrence) -> bool:
        return self.start <= other.start and other.end <= self.end


def _occurrences(name: str, aliases: Iterable[tuple[str, str]]) -> list[_Occurrence]:
    """Every place where the short or the full form of an alias occurs in `name`."""
    found = set()
    for short, full in aliases:
        if not short or not full or short == full:
            continue
        for form in (short, full):
            start = name.find(form)
            while start != -1:
                found.add(_Occurrence(start, start + len(form), short, full))
                start = name.find(form, start + 1)
    longest = sorted(found, key=lambda o: o.start - o.end)[:MAX_OCCURRENCES]
    return sorted(longest, key=lambda o: (o.start, o.end))


def _readings(name: str, occurrences: list[_Occurrence]) -> list[tuple[_Occurrence, ...]]:
    """The ways to read `name` as alias forms and plain text: non-overlapping occurrences that
    leave no other occurrence wholly in the plain text (人民代表大会常务委员会 is read as one
    piece, or as 人民代表大会 + 常务委员会, never as 人民代表大会 + plain 常务委员会, which
    written short would give the mixed 人大常务委员会), and no short form read inside a longer
    form (人大 inside 人大办, 团县委 inside 共青团县委员会: a part of an abbreviation, or letters
    that happen to spell one). A full form may be read inside a longer full form (人民代表大会
    常务委员会 inside 人民代表大会常务委员会办公室 = 人大办), so each alias is used. Readings
    covering the most text come first."""
    readings = []

    def valid(chosen: tuple[_Occurrence, ...]) -> bool:
        left = [o for o in occurrences if o not in chosen]
        return all(any(c.overlaps(o) for c in chosen) for o in left) and not any(
            o.covers(c) and name[c.start : c.end] == c.short for c in chosen for o in left
        )

    def walk(index: int, chosen: tuple[_Occurrence, ...]) -> None:
        if index == len(occurrences):
            if chosen and valid(chosen):
                readings.append(chosen)
            return
        candidate = occurrences[index]
        if not any(candidate.overlaps(c) for c in chosen):
            walk(index + 1, (*chosen, candidate))
        walk(index + 1, chosen)

    walk(0, ())
    return sorted(readings, key=lambda r: (-sum(o.end - o.start for o in r), len(r)))


def name_variants(name: str, aliases: Iterable[tuple[str, str]]) -> list[str]:
    """`name`, then the name written with the aliases applied: for each way of reading it as
    alias forms (`_readings`), every form written short, then every form written full (never
    some short and some full), at most `MAX_VARIANTS` in all. 阳城县人民代表大会常务委员会办公室
    gives 阳城县人大常委会办公室 but no half-shortened 阳城县人大常务委员会办公室, so that a
    mixed spelling such as 人大常务 finds nothing."""

    def written(reading: tuple[_Occurrence, ...], short: bool) -> str:
        parts, position = [], 0
        for occurrence in reading:
            parts += [
                name[position : occurrence.start],
                occurrence.short if short else occurrence.full,
            ]
            position = occurrence.end
        return "".join(parts) + name[position:]

    readings = _readings(name, _occurrences(name, aliases))
    variants = [name]
    for short in (True, False):
        for reading in readings:
            variant = written(reading, short)
            if variant not in variants:
                variants.append(variant)
    return variants[:MAX_VARIANTS]


#: marks what pypinyin leaves as it is (letters, digits, brackets), so it is kept whole
_AS_IS = "\x00"


@functools.lru_cache(maxsize=8192)
def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, whole pinyin) of `text`, lower-case, without spaces; what is not Chinese is
    kept as it is in both. One pypinyin reading (by phrase, so 行长 is hang zhang), cached: a
    rebuild meets the same names in every year and version of a unit. pypinyin is imported
    here, not with the module: its phrase dictionary takes ~0.15 s to load, and every process
    (a PDF export, a web worker) imports this module at start-up, most never to search."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(text, errors=lambda chunk: [_AS_IS + chunk])
    initials = "".join(s[1:] if s.startswith(_AS_IS) else s[:1] for s in syllables)
    whole = "".join(s.removeprefix(_AS_IS) for s in syllables)
    return search_query_normal(initials), search_query_normal(whole)


def search_text(*, code: str, name: str, aliases: Iterable[tuple[str, str]]) -> str:
    """The text a version is found by (see the module docstring)."""
    keys = [search_query_normal(code)]
    for variant in name_variants(name, aliases):
        keys.append(search_query_normal(variant))
        keys.extend(pinyin_keys(variant))
    return "\n".join(dict.fromkeys(keys))


def search_query_normal(query: str) -> str:
    """What a typed query is matched as: lower-case, without spaces."""
    return "".join(query.split()).lower()


#: ranks of a match (`search_filter`): the exact unit code, a line (name, variant or pinyin)
#: starting with the query, anything else
RANK_CODE, RANK_PREFIX, RANK_OTHER = 0, 1, 2


def search_filter(versions: QuerySet, *, query: str) -> QuerySet:
    """`versions` whose search text contains the query (`search_query_normal`), annotated with
    `search_rank` (`RANK_CODE`, `RANK_PREFIX` or `RANK_OTHER`) for the caller to order by.

    Plain `contains`, not `icontains`: the text and the query are lower-case already, and on
    PostgreSQL the trigram index serves `LIKE '%q%'` (SQLite's LIKE ignores ASCII case, which
    changes nothing here). The code is the text's first line, so "text starts with q + newline"
    is the exact code, the same on both databases."""
    normal = search_query_normal(query)
    if not normal:
        return versions
    text = "search_entry__text"
    return versions.filter(**{f"{text}__contains": normal}).annotate(
        search_rank=Case(
            When(**{f"{text}__startswith": normal + "\n"}, then=Value(RANK_CODE)),
            When(
                Q(**{f"{text}__startswith": normal}) | Q(**{f"{text}__contains": "\n" + normal}),
                then=Value(RANK_PREFIX),
            ),
            default=Value(RANK_OTHER),
            output_field=IntegerField(),
        )
    )


def search_aliases() -> list[tuple[str, str]]:
    """The bureau's (short, full) pairs."""
    from tables.models import SearchAlias

    return list(SearchAlias.objects.values_list("short", "full"))


def search_entry_create(version, *, aliases: list[tuple[str, str]] | None = None) -> None:
    """Write the search entry of a version just published."""
    search_entries_write([version], aliases=aliases)


def search_entries_write(versions, *, aliases: list[tuple[str, str]] | None = None) -> int:
    """Write (insert or replace) the search entries of `versions` (objects with `pk`,
    `unit_code` and `unit_name`) in one statement per thousand; returns how many.

    An upsert rather than delete-and-insert, so that two rebuilds at once, or a rebuild beside a
    publication, never leave a version without its entry nor collide on its key."""
    from tables.models import PublishedSearchEntry

    aliases = search_aliases() if aliases is None else aliases
    entries = [
        PublishedSearchEntry(
            version_id=version.pk,
            text=search_text(code=version.unit_code, name=version.unit_name, aliases=aliases),
        )
        for version in versions
    ]
    PublishedSearchEntry.objects.bulk_create(
        entries,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["version"],
        update_fields=["text"],
    )
    return len(entries)


def search_entries_rebuild() -> int:
    """Rewrite every published budget version's search entry (after the aliases changed; a
    决算 version has none); returns how many were written."""
    from tables.models import PublishedVersion
    from units.models import SubmissionKind

    versions = (
        PublishedVersion.objects.filter(kind=SubmissionKind.BUDGET)
        .only("pk", "unit_code", "unit_name")
        .order_by("pk")
    )
    return search_entries_write(versions.iterator(chunk_size=2000))
