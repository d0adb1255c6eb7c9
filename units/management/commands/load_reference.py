"""Load the bundled classification codes and economic mappings (idempotent): every shipped year
(2024–2026) by default, one year with `--year`."""

from django.core.management.base import BaseCommand

from units.reference_defaults import SHIPPED_YEARS, load_default_references


class Command(BaseCommand):
    help = (
        "加载内置的分类科目和经济科目对应关系（默认加载 "
        f"{SHIPPED_YEARS[0]}–{SHIPPED_YEARS[-1]} 各年度）；重复运行不会改变已有数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help=f"只加载这一年度（默认加载 {'、'.join(map(str, SHIPPED_YEARS))} 各年度）",
        )

    def handle(self, *args, **options):
        years = (options["year"],) if options["year"] is not None else SHIPPED_YEARS
        results = load_default_references(years=years)
        for result in results:
            self.stdout.write(result.summary())
        if not any(result.has_changes for result in results):
            self.stdout.write("无变化：内置数据均已加载。")
