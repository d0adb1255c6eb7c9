"""Load the bundled default 绩效指标体系 so every database starts with one."""

import csv
from pathlib import Path

from django.db import migrations

FRAMEWORK_FILE = Path(__file__).resolve().parent.parent / "indicator_framework_default.csv"


def load(apps, schema_editor):
    Framework = apps.get_model("performance", "IndicatorFramework")
    Category = apps.get_model("performance", "IndicatorCategory")
    if Framework.objects.filter(code="default").exists():
        return
    framework = Framework.objects.create(
        code="default", name="通用绩效指标体系（产出/效益/满意度）", is_default=True
    )
    with open(FRAMEWORK_FILE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {}
    for position, row in enumerate(rows, start=1):
        by_code[row["code"]] = Category.objects.create(
            framework=framework,
            code=row["code"],
            name=row["name"],
            level=int(row["level"]),
            parent=by_code.get(row["parent_code"] or None),
            position=position,
        )


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
