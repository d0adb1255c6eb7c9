"""Load the bundled starter classification codes and economic mappings (idempotent)."""

from django.core.management.base import BaseCommand

from units.reference_defaults import load_default_reference


class Command(BaseCommand):
    help = "加载内置的分类科目初始数据和经济科目对应关系；重复运行不会改变已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2025, help="年度（默认 2025）")

    def handle(self, *args, **options):
        result = load_default_reference(year=options["year"])
        self.stdout.write(result.summary())
        if not result.has_changes:
            self.stdout.write("无变化：内置数据均已加载。")
