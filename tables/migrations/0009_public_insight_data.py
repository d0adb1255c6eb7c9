"""Fill what the public insight pages read for versions published before they existed: the
bureau's starting list of search aliases, each version's figures (from its own snapshot,
`tables.publication.figures.snapshot_figures`) and search entry; and on PostgreSQL a pg_trgm
GIN index over the search text (the substring search reads it for queries of three characters
or more)."""

from django.db import migrations

INDEX = "tables_search_text_trgm"

#: common short forms in the names of a county's budget units (the bureau edits the list)
DEFAULT_ALIASES = [
    ("人大常委会", "人民代表大会常务委员会"),
    ("人大", "人民代表大会"),
    ("常委会", "常务委员会"),
    ("政协", "政治协商会议"),
    ("发改", "发展和改革"),
    ("发改局", "发展和改革局"),
    ("人社", "人力资源和社会保障"),
    ("住建", "住房和城乡建设"),
    ("卫健", "卫生健康"),
    ("市监", "市场监督管理"),
    ("纪委监委", "纪律检查委员会监察委员会"),
    ("纪委", "纪律检查委员会"),
    ("应急局", "应急管理局"),
    ("医保局", "医疗保障局"),
    ("退役军人局", "退役军人事务局"),
    ("文旅", "文化和旅游"),
    ("工信", "工业和信息化"),
    ("规自", "规划和自然资源"),
    ("教科局", "教育科技局"),
    ("团县委", "共青团县委员会"),
    ("妇联", "妇女联合会"),
    ("残联", "残疾人联合会"),
    ("科协", "科学技术协会"),
    ("工商联", "工商业联合会"),
]


def fill(apps, schema_editor):
    from tables.publication.figures import figure_rows
    from tables.publication.search import search_text

    SearchAlias = apps.get_model("tables", "SearchAlias")
    PublishedVersion = apps.get_model("tables", "PublishedVersion")
    PublishedFigure = apps.get_model("tables", "PublishedFigure")
    PublishedSearchEntry = apps.get_model("tables", "PublishedSearchEntry")
    SearchAlias.objects.bulk_create(
        [SearchAlias(short=s, full=f) for s, f in DEFAULT_ALIASES if s != f],
        ignore_conflicts=True,
    )
    aliases = list(SearchAlias.objects.values_list("short", "full"))
    for version in PublishedVersion.objects.all().iterator(chunk_size=100):
        if "budget" in version.data_json and not PublishedFigure.objects.filter(
            version=version
        ).exists():
            PublishedFigure.objects.bulk_create(
                figure_rows(version, version.data_json, model=PublishedFigure)
            )
        PublishedSearchEntry.objects.update_or_create(
            version=version,
            defaults={
                "text": search_text(
                    code=version.unit_code, name=version.unit_name, aliases=aliases
                )
            },
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON tables_publishedsearchentry "
            "USING gin (text gin_trgm_ops)"
        )


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("tables", "0008_public_insight"),
        ("units", "0011_project_attributes_optional"),
    ]

    operations = [migrations.RunPython(fill, unfill, elidable=False)]
