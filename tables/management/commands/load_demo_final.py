"""load_demo_final: the demo unit's 2025 决算 with synthetic actuals
(`tables.desk.demo_final.demo_final_load`); also run by `load_demo --final`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tables.desk.demo_final import demo_final_load


class Command(BaseCommand):
    help = (
        "载入演示决算：按演示单位已公开的2025年预算开启决算，并填入合成的决算数、收支情况、差异原因和"
        "绩效自评（标注为演示数据）；未发布的演示决算会重新生成，已发布的不改动。需先发布演示预算。"
    )

    def handle(self, *args, **options):
        try:
            final = demo_final_load()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            f"已载入演示决算：{final.unit.code} {final.unit.name} {final.year}年，"
            f"明细 {final.lines.count()} 条，差异原因 {final.final_reasons.count()} 条"
            f"（{final.get_status_display()}）。"
        )
