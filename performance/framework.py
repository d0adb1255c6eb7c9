"""Load a 绩效指标体系 (indicator framework) from CSV `code,name,level,parent_code`."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from performance.models import IndicatorCategory, IndicatorFramework

DEFAULT_FRAMEWORK_FILE = Path(__file__).with_name("indicator_framework_default.csv")
DEFAULT_FRAMEWORK_CODE = "default"
DEFAULT_FRAMEWORK_NAME = "通用绩效指标体系（产出/效益/满意度）"


def framework_rows_parse(path) -> list[dict]:
    """Read and validate the CSV; ValidationError naming the row on any fault."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen: dict[str, int] = {}
    errors = []
    for number, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        level = (row.get("level") or "").strip()
        parent = (row.get("parent_code") or "").strip()
        if not code or not name:
            errors.append(f"第{number}行：编码和名称不能为空。")
            continue
        if level not in ("1", "2"):
            errors.append(
                f"第{number}行：级次必须是 1（一级指标）或 2（二级指标），而不是「{level}」。"
            )
            continue
        if code in seen:
            errors.append(f"第{number}行：编码 {code} 与第{seen[code]}行重复。")
            continue
        if level == "1" and parent:
            errors.append(f"第{number}行：一级指标不能有上级编码。")
        if level == "2" and parent not in seen:
            errors.append(f"第{number}行：上级编码「{parent}」不存在（须先列出一级指标）。")
        seen[code] = number
        row.update(code=code, name=name, level=int(level), parent_code=parent)
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def framework_load(
    *,
    path=DEFAULT_FRAMEWORK_FILE,
    code=DEFAULT_FRAMEWORK_CODE,
    name=DEFAULT_FRAMEWORK_NAME,
    make_default: bool = False,
) -> IndicatorFramework:
    """Create or update a framework; categories are upserted by code, never deleted (indicators
    entered under them keep their meaning)."""
    rows = framework_rows_parse(path)
    framework, _ = IndicatorFramework.objects.update_or_create(code=code, defaults={"name": name})
    if make_default or not IndicatorFramework.objects.filter(is_default=True).exists():
        IndicatorFramework.objects.filter(is_default=True).exclude(pk=framework.pk).update(
            is_default=False
        )
        framework.is_default = True
        framework.save(update_fields=["is_default"])
    by_code = {}
    for position, row in enumerate(rows, start=1):
        category, _ = IndicatorCategory.objects.update_or_create(
            framework=framework,
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": by_code.get(row["parent_code"]),
                "position": position,
            },
        )
        by_code[row["code"]] = category
    return framework


def default_framework() -> IndicatorFramework:
    """The default framework, loading the bundled one on first use."""
    framework = IndicatorFramework.objects.filter(is_default=True).first()
    return framework or framework_load()
