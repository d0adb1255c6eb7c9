"""The bundled starter reference data: code lists and 部门→政府 economic mappings.

`load_default_reference` loads the starter lists bundled in `units/reference_data/` and the
default economic mappings for a year (the `load_reference` command, the demo, the synthetic
data and the tests call it); running it again changes nothing. It never retires official codes:
a scheme whose year already holds an imported list is left alone, and existing mappings are
never overwritten.

Separate from `units.reference`, which reads and imports an official list: loading the bundle is
a one-off start-up step built on that import (the same parser and the same `import_codes`), with
rules of its own about what it may leave alone, and its own report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from units.excel.cells import normalise_code
from units.models import ClassificationCode, CodeScheme, EconomicMapping
from units.reference import (
    ImportReport,
    file_rows_read,
    import_codes,
    parse_code_file,
    row_errors_raise,
)

REFERENCE_DATA_DIR = Path(__file__).resolve().parent / "reference_data"

#: Version stamped on codes loaded from the bundled starter files.
STARTER_VERSION = "内置初始数据"

#: Bundled starter files, by scheme.
STARTER_CODE_FILES = {
    CodeScheme.FUNCTIONAL: "functional_classification_2025_starter.csv",
    CodeScheme.DEPT_ECONOMIC: "dept_economic_classification_starter.csv",
    CodeScheme.GOV_ECONOMIC: "gov_economic_classification_starter.csv",
}
STARTER_MAPPING_FILES = {
    "admin": "econ_mapping_admin_starter.csv",
    "institution": "econ_mapping_institution_starter.csv",
}


@dataclass
class MappingLoadReport:
    """Outcome of loading one bundled 部门→政府 economic mapping file."""

    mapping_kind: str
    created: int = 0
    unchanged: int = 0
    #: (dept_code, kept gov_code, bundled gov_code): existing pairs are never overwritten.
    kept_different: list[tuple[str, str, str]] = field(default_factory=list)
    #: (dept_code, gov_code): pairs not loaded because a code is not in that year's lists.
    skipped_unknown: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReferenceLoadReport:
    """Outcome of `load_default_reference`."""

    year: int
    codes: dict[str, ImportReport] = field(default_factory=dict)
    #: Schemes left alone because that year already holds an imported (non-starter) list.
    skipped_schemes: list[str] = field(default_factory=list)
    mappings: dict[str, MappingLoadReport] = field(default_factory=dict)
    #: Number of codes (active or retired) of each scheme for the year after loading.
    code_counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return any(report.has_changes for report in self.codes.values()) or any(
            report.created for report in self.mappings.values()
        )

    def summary(self) -> str:
        lines = []
        for scheme in STARTER_CODE_FILES:
            label = CodeScheme(scheme).label
            if scheme in self.skipped_schemes:
                lines.append(f"{label} {self.year}年：已导入正式科目表，跳过内置初始数据。")
            elif scheme in self.codes:
                report = self.codes[scheme]
                count = self.code_counts.get(scheme, 0)
                lines.append(
                    f"{label} {self.year}年：共 {count} 个科目；本次新增 {len(report.added)} 个，"
                    f"更名 {len(report.renamed)} 个，停用 {len(report.retired)} 个，"
                    f"恢复启用 {len(report.reactivated)} 个。"
                )
        kind_labels = dict(EconomicMapping._meta.get_field("mapping_kind").choices)
        for kind, report in self.mappings.items():
            lines.append(
                f"经济科目对应关系（{kind_labels[kind]}）{self.year}年：本次新增 {report.created} 条，"
                f"已存在 {report.unchanged + len(report.kept_different)} 条。"
            )
            lines.extend(
                f"  保留现有对应 {dept} → {kept}（内置数据为 {bundled}）"
                for dept, kept, bundled in report.kept_different
            )
            lines.extend(
                f"  未加载 {dept} → {gov}：科目不在 {self.year}年科目表中"
                for dept, gov in report.skipped_unknown
            )
        return "\n".join(lines)


def _parse_mapping_file(path: Path) -> list[tuple[str, str]]:
    rows, _sheet = file_rows_read(path)
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if "dept_econ_code" not in header or "gov_econ_code" not in header:
        raise ValidationError(f"{path.name}：表头应为 dept_econ_code,gov_econ_code。")
    dept_index, gov_index = header.index("dept_econ_code"), header.index("gov_econ_code")
    pairs: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        dept = normalise_code(cells[dept_index] if dept_index < len(cells) else "")
        gov = normalise_code(cells[gov_index] if gov_index < len(cells) else "")
        if not dept or not gov:
            errors.append((number, f"{path.name} 第{number}行：部门经济科目或政府经济科目为空。"))
        elif dept in seen:
            errors.append(
                (number, f"{path.name} 第{number}行：部门经济科目“{dept}”与第{seen[dept]}行重复。")
            )
        else:
            seen[dept] = number
            pairs.append((dept, gov))
    row_errors_raise(errors)
    return pairs


def _load_mappings(
    *, year: int, mapping_kind: str, pairs: list[tuple[str, str]]
) -> MappingLoadReport:
    report = MappingLoadReport(mapping_kind=mapping_kind)
    known = {
        (scheme, code)
        for scheme, code in ClassificationCode.objects.filter(
            year=year, scheme__in=[CodeScheme.DEPT_ECONOMIC, CodeScheme.GOV_ECONOMIC]
        ).values_list("scheme", "code")
    }
    existing = dict(
        EconomicMapping.objects.filter(year=year, mapping_kind=mapping_kind).values_list(
            "dept_code", "gov_code"
        )
    )
    to_create = []
    for dept, gov in pairs:
        if dept in existing:
            if existing[dept] == gov:
                report.unchanged += 1
            else:
                report.kept_different.append((dept, existing[dept], gov))
        elif (CodeScheme.DEPT_ECONOMIC, dept) not in known or (
            CodeScheme.GOV_ECONOMIC,
            gov,
        ) not in known:
            report.skipped_unknown.append((dept, gov))
        else:
            to_create.append(
                EconomicMapping(year=year, mapping_kind=mapping_kind, dept_code=dept, gov_code=gov)
            )
    EconomicMapping.objects.bulk_create(to_create)
    report.created = len(to_create)
    return report


def load_default_reference(*, year: int = 2025) -> ReferenceLoadReport:
    """Load the bundled starter code lists and economic mappings for `year`; idempotent.

    A scheme whose codes for `year` were already imported from an official list (any row with a
    version other than the starter's) is left untouched, so this never retires official codes.
    Existing economic mappings are never overwritten; only missing pairs are added.
    """
    result = ReferenceLoadReport(year=year)
    with transaction.atomic():
        for scheme, filename in STARTER_CODE_FILES.items():
            official = (
                ClassificationCode.objects.filter(scheme=scheme, year=year)
                .exclude(version=STARTER_VERSION)
                .exists()
            )
            if official:
                result.skipped_schemes.append(str(scheme))
                continue
            rows = parse_code_file(path_or_file=REFERENCE_DATA_DIR / filename, scheme=scheme)
            result.codes[str(scheme)] = import_codes(
                scheme=scheme, year=year, rows=rows, version=STARTER_VERSION
            )
        for kind, filename in STARTER_MAPPING_FILES.items():
            pairs = _parse_mapping_file(REFERENCE_DATA_DIR / filename)
            result.mappings[kind] = _load_mappings(year=year, mapping_kind=kind, pairs=pairs)
        for scheme in STARTER_CODE_FILES:
            result.code_counts[str(scheme)] = ClassificationCode.objects.filter(
                scheme=scheme, year=year
            ).count()
    return result


__all__ = [
    "REFERENCE_DATA_DIR",
    "STARTER_VERSION",
    "MappingLoadReport",
    "ReferenceLoadReport",
    "load_default_reference",
]
