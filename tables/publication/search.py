"""What the public search matches: each published version's search text.

People search a unit by the name they use, not the name printed: 人大 for 人民代表大会, 常委会
for 常务委员会, the unit code, or pinyin initials typed without switching the input method
(`ycxrd` for 阳城县人大…). The bureau keeps the short forms (`tables.models.SearchAlias`);
`search_text` writes, for one version, its code, its name, every variant of the name with the
aliases applied (full → short and short → full, longest first), and the pinyin initials and
whole pinyin of each variant, lower-case, one per line. The search itself is a substring match
on that text (`PublishedSearchEntry.text`), the same on SQLite and PostgreSQL (where a pg_trgm
index serves it), so a misspelling finds nothing rather than everything.

The entries are written when a version is published and rebuilt when the aliases change.
"""

from __future__ import annotations

from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

#: variants of one name at most (a name with many aliases would otherwise multiply)
MAX_VARIANTS = 16


def name_variants(name: str, aliases: Iterable[tuple[str, str]]) -> list[str]:
    """`name`, then each form with an alias applied (the full form shortened, the short form
    written out), longest alias first, without repeats."""
    pairs = sorted(aliases, key=lambda pair: len(pair[1]), reverse=True)
    variants = [name]
    for short, full in pairs:
        for variant in list(variants):
            for old, new in ((full, short), (short, full)):
                if old and old in variant and not (old == short and full in variant):
                    changed = variant.replace(old, new)
                    if changed not in variants and len(variants) < MAX_VARIANTS:
                        variants.append(changed)
    return variants


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, whole pinyin) of `text`, lower-case, letters only."""
    return (
        "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower(),
        "".join(lazy_pinyin(text)).lower(),
    )


def search_text(*, code: str, name: str, aliases: Iterable[tuple[str, str]]) -> str:
    """The text a version is found by (see the module docstring)."""
    keys = [code.lower()]
    for variant in name_variants(name, aliases):
        keys.append(variant.lower())
        keys.extend(pinyin_keys(variant))
    return "\n".join(dict.fromkeys(keys))


def search_query_normal(query: str) -> str:
    """What a typed query is matched as: lower-case, without spaces."""
    return "".join(query.split()).lower()


def search_aliases() -> list[tuple[str, str]]:
    """The bureau's (short, full) pairs."""
    from tables.models import SearchAlias

    return list(SearchAlias.objects.values_list("short", "full"))


def search_entry_create(version, *, aliases: list[tuple[str, str]] | None = None) -> None:
    """Write the search entry of a version just published."""
    from tables.models import PublishedSearchEntry

    text = search_text(
        code=version.unit_code,
        name=version.unit_name,
        aliases=search_aliases() if aliases is None else aliases,
    )
    PublishedSearchEntry.objects.update_or_create(version=version, defaults={"text": text})


def search_entries_rebuild() -> int:
    """Rewrite every version's search entry (after the aliases changed); returns how many."""
    from tables.models import PublishedSearchEntry, PublishedVersion

    aliases = search_aliases()
    entries = [
        PublishedSearchEntry(version_id=pk, text=search_text(code=code, name=name, aliases=aliases))
        for pk, code, name in PublishedVersion.objects.values_list("pk", "unit_code", "unit_name")
    ]
    PublishedSearchEntry.objects.all().delete()
    PublishedSearchEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
