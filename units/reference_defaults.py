"""The bundled reference data: national code lists and 部门→政府 economic mappings, 2024–2026.

`load_default_reference` loads the lists bundled in `units/reference_data/` and the default
economic mappings for one year; `load_default_references` does so for every shipped year
(`SHIPPED_YEARS`). The `load_reference` command, the demo, the synthetic data and the tests call
them; running them again changes nothing. They never retire official codes: a scheme whose year
already holds an imported list is left alone, and existing mappings are never overwritten.

What is bundled, and how complete it is (also `units/reference_data/README.md`):

* 部门预算支出经济分类 类/款 and 政府预算支出经济分类 类/款: the national lists of
  《政府收支分类科目》 as in force since the 2018 reform of the economic classification, complete
  as far as we know them (a 款 we could not confirm is left out rather than guessed);
* the default 部门→政府 对照表 for 行政/参公 (``admin``) and 事业 (``institution``) units, after
  财预〔2017〕98号 附件; only pairs that the 对照表 gives one-to-one are defaults, the rest
  must be chosen on the line;
* 支出功能分类 类/款/项: every 类, and the 款 and 项 that units use most (人大、政协、政府办公厅、
  发展改革、财政、审计、党委办公厅、组织、宣传、统战、教育、社保、卫生健康、住房保障 …), not
  the whole list. A code missing from a year's table is accepted from an import file as
  ``code##name`` by a 财政管理员 (`units.services.classification_codes_accept`), or the year's
  official list is imported with `import_codes`.

We know of no difference between 2024, 2025 and 2026 in the codes bundled here, so each shipped
year loads the same files (`files_for_year` is where a year would get a file of its own).

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
    ParsedCode,
    file_rows_read,
    import_codes,
    parse_code_file,
    row_errors_raise,
)

REFERENCE_DATA_DIR = Path(__file__).resolve().parent / "reference_data"

#: Version stamped on codes loaded from the bundled files.
STARTER_VERSION = "内置初始数据"

#: The years `load_reference` loads without `--year`.
SHIPPED_YEARS = (2024, 2025, 2026)

#: Bundled code files, by scheme (the same for every shipped year, see the module docstring).
STARTER_CODE_FILES = {
    CodeScheme.FUNCTIONAL: "functional_classification.csv",
    CodeScheme.DEPT_ECONOMIC: "dept_economic_classification.csv",
    CodeScheme.GOV_ECONOMIC: "gov_economic_classification.csv",
}
STARTER_MAPPING_FILES = {
    "admin": "econ_mapping_admin.csv",
    "institution": "econ_mapping_institution.csv",
}


def files_for_year(year: int) -> tuple[dict, dict]:
    """The bundled (code files by scheme, mapping files by kind) for `year`. Every year gets the
    same files: we know of no change between the shipped years in the codes they hold."""
    return STARTER_CODE_FILES, STARTER_MAPPING_FILES


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


def _accepted_rows(*, scheme: str, year: int, bundled: set[str]) -> list[ParsedCode]:
    """Codes a 财政管理员 accepted into the year's table from an import file and the bundle does
    not hold: kept in the list loaded, so loading the bundle again never retires them."""
    return [
        ParsedCode(code=code, name=name, level=level, parent_code=parent)
        for code, name, level, parent in ClassificationCode.objects.filter(
            scheme=scheme, year=year, accepted_at__isnull=False
        )
        .exclude(code__in=bundled)
        .values_list("code", "name", "level", "parent_code")
    ]


def load_default_reference(*, year: int = 2025) -> ReferenceLoadReport:
    """Load the bundled starter code lists and economic mappings for `year`; idempotent.

    A scheme whose codes for `year` were already imported from an official list (any row with a
    version other than the starter's, not counting codes accepted from an import file) is left
    untouched, so this never retires official codes; codes accepted from an import file are kept.
    Existing economic mappings are never overwritten; only missing pairs are added.
    """
    result = ReferenceLoadReport(year=year)
    code_files, mapping_files = files_for_year(year)
    with transaction.atomic():
        for scheme, filename in code_files.items():
            official = (
                ClassificationCode.objects.filter(scheme=scheme, year=year, accepted_at=None)
                .exclude(version=STARTER_VERSION)
                .exists()
            )
            if official:
                result.skipped_schemes.append(str(scheme))
                continue
            rows = parse_code_file(path_or_file=REFERENCE_DATA_DIR / filename, scheme=scheme)
            rows += _accepted_rows(scheme=scheme, year=year, bundled={row.code for row in rows})
            result.codes[str(scheme)] = import_codes(
                scheme=scheme, year=year, rows=rows, version=STARTER_VERSION
            )
        for kind, filename in mapping_files.items():
            pairs = _parse_mapping_file(REFERENCE_DATA_DIR / filename)
            result.mappings[kind] = _load_mappings(year=year, mapping_kind=kind, pairs=pairs)
        for scheme in STARTER_CODE_FILES:
            result.code_counts[str(scheme)] = ClassificationCode.objects.filter(
                scheme=scheme, year=year
            ).count()
    return result


def load_default_references(*, years=SHIPPED_YEARS) -> list[ReferenceLoadReport]:
    """`load_default_reference` for each of `years` (by default every shipped year), in order."""
    return [load_default_reference(year=year) for year in years]


__all__ = [
    "REFERENCE_DATA_DIR",
    "SHIPPED_YEARS",
    "STARTER_VERSION",
    "MappingLoadReport",
    "ReferenceLoadReport",
    "files_for_year",
    "load_default_reference",
    "load_default_references",
]
