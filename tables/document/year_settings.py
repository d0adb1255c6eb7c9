"""The bureau's choice per budget year: which table set (`tables.figures.tablesets`) its
disclosures print. `table_set_for_year` reads it (the default set when the year has no row);
`year_table_set_set` changes it, for a 财政管理员 only.

Published versions are frozen files: choosing another set for a year changes the documents,
downloads and open data of that year's drafts and of versions published afterwards (a 更正
included); every version already published keeps the tables it was published with."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tables.figures.tablesets import DEFAULT_TABLE_SET, TABLE_SETS, TableSet, table_set_get
from tables.models import PublishedVersion, YearSettings
from units.models import SubmissionKind
from units.permissions import year_settings_refusal


def table_set_for_year(year: int) -> TableSet:
    """The table set chosen for `year` (shanxi-2025 when none was chosen), one query."""
    name = YearSettings.objects.filter(year=year).values_list("table_set", flat=True).first()
    return TABLE_SETS.get(name or DEFAULT_TABLE_SET, TABLE_SETS[DEFAULT_TABLE_SET])


def year_published_unit_count(year: int) -> int:
    """How many units have a published budget version of `year` (they keep the tables they
    were published with whatever set is chosen now; a 决算 is not printed in the set)."""
    return (
        PublishedVersion.objects.filter(year=year, kind=SubmissionKind.BUDGET)
        .values("submission__unit_id")
        .distinct()
        .count()
    )


def year_table_set_set(*, actor, year: int, table_set: str) -> YearSettings:
    """Choose `table_set` for `year` (财政管理员 only; PermissionDenied with the reason
    otherwise, ValidationError naming the known sets for an unknown name)."""
    refusal = year_settings_refusal(actor)
    if refusal:
        raise PermissionDenied(refusal)
    if table_set not in TABLE_SETS:
        raise ValidationError(f"没有名为“{table_set}”的公开表样式，可选：{'、'.join(TABLE_SETS)}。")
    table_set_get(table_set)
    with transaction.atomic():
        settings, _ = YearSettings.objects.select_for_update().get_or_create(
            year=year, defaults={"table_set": table_set}
        )
        if settings.table_set != table_set:
            settings.table_set = table_set
            settings.save(update_fields=["table_set"])
    return settings


#: the largest population the field stores (PositiveIntegerField on every database)
POPULATION_MAX = 2_147_483_647
POPULATION_INVALID = "常住人口应为正整数（单位：人），如 385000。"


def population_for_year(year: int) -> int | None:
    """The resident population the bureau entered for `year` (None when not entered)."""
    return YearSettings.objects.filter(year=year).values_list("population", flat=True).first()


def year_population_set(*, actor, year: int, population: int | None) -> YearSettings:
    """Enter (or, with None, clear) the county's resident population of `year`, which the
    public 公民预算 divides by (人均); 财政管理员 only (PermissionDenied with the reason),
    a positive whole number (ValidationError in Chinese otherwise)."""
    refusal = year_settings_refusal(actor)
    if refusal:
        raise PermissionDenied(refusal.replace("公开表样式", "常住人口"))
    if population is not None and (
        isinstance(population, bool)
        or not isinstance(population, int)
        or not 0 < population <= POPULATION_MAX
    ):
        raise ValidationError(POPULATION_INVALID)
    with transaction.atomic():
        settings, _ = YearSettings.objects.select_for_update().get_or_create(
            year=year, defaults={"table_set": DEFAULT_TABLE_SET}
        )
        if settings.population != population:
            settings.population = population
            settings.save(update_fields=["population", "updated_at"])
    return settings
