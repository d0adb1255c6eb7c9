"""Versioned reference data: reading classification-code files and importing them per year.

Two services, both keyword-only:

* `parse_code_file` reads a CSV or XLSX list of codes for one scheme and checks it as a whole
  (every problem of the file is reported at once, each naming its 1-based file row);
* `import_codes` brings the `ClassificationCode` rows of one (scheme, year) in line with a parsed
  list in one transaction and reports what was added, renamed, retired and reactivated. Codes
  are never deleted: a code missing from the new list is only marked inactive, so budget lines
  that use it keep it.

The bundled starter lists are loaded by `units.reference_defaults.load_default_reference`,
which reads its files with the same reader (`file_rows_read`, `row_errors_raise`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from units.excel.archive import OLE_MAGIC, ZIP_MAGIC, Limits, upload_read
from units.excel.cells import cell_text, fullwidth_digit, halfwidth_hint, normalise_code
from units.excel.problems import column_letter
from units.excel.reader import first_sheet_read
from units.formula_text import formula_text_error
from units.models import ClassificationCode, CodeScheme

#: Allowed code length → level, by scheme (功能分类: 类/款/项; 经济分类: 类/款).
LEVEL_BY_LENGTH = {
    CodeScheme.FUNCTIONAL: {3: 1, 5: 2, 7: 3},
    CodeScheme.DEPT_ECONOMIC: {3: 1, 5: 2},
    CodeScheme.GOV_ECONOMIC: {3: 1, 5: 2},
}
LEVEL_NAMES = {1: "类", 2: "款", 3: "项"}

CODE_HEADERS = frozenset({"code", "科目编码", "科目代码", "编码", "代码"})
NAME_HEADERS = frozenset({"name", "科目名称", "名称"})
LEVEL_HEADERS = frozenset({"level", "级次", "科目级次"})
PARENT_HEADERS = frozenset({"parent_code", "parent", "上级编码", "上级科目编码", "上级科目"})

#: How many leading non-empty rows may be titles above the header row.
MAX_TITLE_ROWS = 5
NAME_MAX_LENGTH = ClassificationCode._meta.get_field("name").max_length
VERSION_MAX_LENGTH = ClassificationCode._meta.get_field("version").max_length


@dataclass(frozen=True)
class ParsedCode:
    """One code read from a file; `level` and `parent_code` are derived from the code."""

    code: str
    name: str
    level: int
    parent_code: str = ""
    row: int | None = None


@dataclass
class ImportReport:
    """What an import changed (or, for a dry run, would change) in one (scheme, year)."""

    scheme: str
    year: int
    version: str = ""
    dry_run: bool = False
    total: int = 0
    added: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    retired: list[tuple[str, str]] = field(default_factory=list)
    reactivated: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.renamed or self.retired or self.reactivated)

    def summary(self) -> str:
        """The report as Chinese text: one line of counts, then every changed code."""
        label = CodeScheme(self.scheme).label
        version = f"（版本：{self.version}）" if self.version else ""
        lines = []
        if self.dry_run:
            lines.append("【试运行：以下为将发生的变化，未写入数据库】")
        lines.append(
            f"{label} {self.year}年{version}：文件共 {self.total} 个科目；"
            f"新增 {len(self.added)} 个，更名 {len(self.renamed)} 个，"
            f"停用 {len(self.retired)} 个，恢复启用 {len(self.reactivated)} 个，"
            f"未变 {self.unchanged} 个。"
        )
        if not self.has_changes:
            lines.append("科目无变化。")
        if self.added:
            lines.append("新增：")
            lines.extend(f"  {code} {name}" for code, name in self.added)
        if self.renamed:
            lines.append("更名：")
            lines.extend(f"  {code} {old} → {new}" for code, old, new in self.renamed)
        if self.retired:
            lines.append("停用（文件中已无此科目；保留历史数据，不删除）：")
            lines.extend(f"  {code} {name}" for code, name in self.retired)
        if self.reactivated:
            lines.append("恢复启用：")
            lines.extend(f"  {code} {name}" for code, name in self.reactivated)
        return "\n".join(lines)


# --- reading files -------------------------------------------------------------------------


#: Code lists are small; the same caps as every other upload otherwise (`units.excel`).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_SCANNED_ROWS = 20_000
ROLE_LABELS = {"code": "科目编码", "name": "科目名称", "level": "级次", "parent": "上级编码"}


def file_rows_read(path_or_file) -> tuple[list[list[str]], str | None]:
    """All rows of the file as lists of stripped text cells (row n at index n - 1), and the
    sheet they come from: the first worksheet of an XLSX (read by the shared hardened reader),
    None for a CSV."""
    data = upload_read(path_or_file, max_bytes=MAX_FILE_BYTES)
    if isinstance(data, bytes) and data.startswith(ZIP_MAGIC):
        limits = Limits(file_bytes=MAX_FILE_BYTES, scanned_rows=MAX_SCANNED_ROWS, columns=20)
        sheet, numbered = first_sheet_read(data, limits=limits)
        rows: list[list[str]] = [[] for _ in range(max((n for n, _ in numbered), default=0))]
        for number, cells in numbered:
            rows[number - 1] = [cell_text(cell) for cell in cells]
        return rows, sheet
    if isinstance(data, bytes) and data.startswith(OLE_MAGIC):
        raise ValidationError(
            "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 UTF-8 编码的 CSV 后再导入。"
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                "文件不是 UTF-8 编码（可能是 GBK）。请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入。"
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    try:
        return [[cell_text(cell) for cell in row] for row in csv.reader(io.StringIO(text))], None
    except csv.Error:
        raise ValidationError(
            "文件无法按 CSV 读取（含有不允许的字符，如空字符）。请用 Excel 另存为“CSV UTF-8”或 "
            ".xlsx 后再导入。"
        ) from None


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """Column index of code/name/level/parent if `cells` is a header row with a code column."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = cell.strip().lower()
        for role, names in (
            ("code", CODE_HEADERS),
            ("name", NAME_HEADERS),
            ("level", LEVEL_HEADERS),
            ("parent", PARENT_HEADERS),
        ):
            if key in names and role not in columns:
                columns[role] = index
    return columns if "code" in columns else None


def _where(row: int | None, code: str = "") -> str:
    return f"第{row}行：" if row is not None else f"科目“{code}”："


def _derive(code: str, scheme: str) -> tuple[int, str] | None:
    """(level, parent_code) implied by the code's length, or None if the length is not allowed."""
    level = LEVEL_BY_LENGTH[scheme].get(len(code)) if code.isascii() and code.isdigit() else None
    if level is None:
        return None
    parent = {1: "", 2: code[:3], 3: code[:5]}[level]
    return level, parent


def _code_errors(code: str, scheme: str) -> list[str]:
    if not code.isascii() or not code.isdigit():
        digit = fullwidth_digit(code)
        reason = halfwidth_hint(digit) if digit else "无法确定级次。"
        return [f"科目编码“{code}”不是纯数字，{reason}"]
    if _derive(code, scheme) is None:
        lengths = "、".join(
            f"{length}位（{LEVEL_NAMES[level]}）"
            for length, level in LEVEL_BY_LENGTH[scheme].items()
        )
        return [
            f"科目编码“{code}”为{len(code)}位，级次无法识别："
            f"{CodeScheme(scheme).label}只允许{lengths}。"
        ]
    return []


def _name_errors(code: str, name: str) -> list[str]:
    if not name:
        return [f"科目“{code}”的科目名称为空。"]
    if len(name) > NAME_MAX_LENGTH:
        return [f"科目“{code}”的科目名称超过{NAME_MAX_LENGTH}个字。"]
    formula = formula_text_error(name)
    if formula is not None:
        return [f"科目“{code}”的科目名称{formula}"]
    return []


def _parse_level(text: str) -> int | None:
    text = text.strip()
    if text in ("类", "款", "项"):
        return {"类": 1, "款": 2, "项": 3}[text]
    try:
        return int(float(text))
    except ValueError:
        return None


def _file_errors(codes: list[ParsedCode]) -> list[tuple[int, str]]:
    """Errors that concern the list as a whole: duplicate codes and parents missing from it."""
    errors: list[tuple[int, str]] = []
    first_seen: dict[str, ParsedCode] = {}
    for item in codes:
        earlier = first_seen.get(item.code)
        if earlier is None:
            first_seen[item.code] = item
            continue
        earlier_where = f"第{earlier.row}行" if earlier.row is not None else "前面"
        errors.append(
            (
                item.row or 0,
                f"{_where(item.row, item.code)}科目编码“{item.code}”（{item.name}）重复，"
                f"与{earlier_where}的“{earlier.code} {earlier.name}”相同。",
            )
        )
    for item in codes:
        if item.parent_code and item.parent_code not in first_seen:
            errors.append(
                (
                    item.row or 0,
                    f"{_where(item.row, item.code)}科目“{item.code} {item.name}”的上级科目"
                    f"“{item.parent_code}”不在文件中（孤立科目）。",
                )
            )
    return errors


def row_errors_raise(errors: list[tuple[int, str]]) -> None:
    """Raise one ValidationError listing every (row, message) error in row order, if any."""
    if errors:
        errors.sort(key=lambda error: error[0])
        raise ValidationError([message for _row, message in errors])


def _check_scheme(scheme: str) -> str:
    if scheme not in CodeScheme.values:
        raise ValueError(f"Unknown code scheme {scheme!r}; expected one of {CodeScheme.values}.")
    return str(scheme)


def parse_code_file(*, path_or_file, scheme: str) -> list[ParsedCode]:
    """Read a CSV/XLSX list of codes of `scheme`; raise ValidationError listing every problem.

    Accepted shapes: a header row with `code,name[,level,parent_code]` or `科目编码,科目名称`
    (up to five title rows may precede it), or a first column of `编码##名称` cells (with or
    without a header row). Whitespace inside codes is removed. Level and parent code are derived
    from the code's length; when the file gives them they must agree.
    """
    scheme = _check_scheme(scheme)
    rows, sheet = file_rows_read(path_or_file)
    numbered = [(number, cells) for number, cells in enumerate(rows, start=1) if any(cells)]
    if not numbered:
        raise ValidationError("文件中没有任何科目。")

    columns: dict[str, int] | None = None
    data_rows = numbered
    for position, (_number, cells) in enumerate(numbered[:MAX_TITLE_ROWS]):
        columns = _header_columns(cells)
        if columns is not None:
            data_rows = numbered[position + 1 :]
            break
    if columns is None:
        # `编码##名称` export: data from the first row with `##`, earlier rows are titles.
        start = next(
            (
                position
                for position, (_number, cells) in enumerate(numbered[: MAX_TITLE_ROWS + 1])
                if "##" in cells[0]
            ),
            None,
        )
        if start is None:
            raise ValidationError(
                "无法识别文件格式：需要表头为“code,name”或“科目编码,科目名称”的列，"
                "或第一列为“编码##名称”（如“2010101##行政运行”）。"
            )
        columns = {"code": 0}
        data_rows = numbered[start:]

    def cell(cells: list[str], role: str) -> str:
        index = columns.get(role)
        return cells[index] if index is not None and index < len(cells) else ""

    def where(number: int, role: str) -> str:
        """第N行： for a CSV; 「sheet」表 第N行 X列（label）： for a worksheet."""
        if sheet is None:
            return _where(number)
        place = f"「{sheet}」表 第{number}行"
        role = role if role in columns else "code"
        return place + f" {column_letter(columns[role])}列（{ROLE_LABELS[role]}）："

    errors: list[tuple[int, str]] = []
    parsed: list[ParsedCode] = []
    for number, cells in data_rows:
        raw_code, name = cell(cells, "code"), cell(cells, "name")
        if "##" in raw_code and not name:
            raw_code, _sep, name = raw_code.partition("##")
        code, name = normalise_code(raw_code), name.strip()
        if not code and not name:
            continue
        if not code:
            errors.append((number, f"{where(number, 'code')}科目编码为空（科目名称“{name}”）。"))
            continue
        code_problems = _code_errors(code, scheme)
        errors.extend((number, where(number, "code") + message) for message in code_problems)
        errors.extend(
            (number, where(number, "name") + message) for message in _name_errors(code, name)
        )
        if code_problems:
            continue
        level, parent = _derive(code, scheme)
        given_level = cell(cells, "level")
        if given_level and _parse_level(given_level) != level:
            errors.append(
                (
                    number,
                    f"{where(number, 'level')}科目“{code}”的级次填为“{given_level}”，"
                    f"但按编码长度应为{level}（{LEVEL_NAMES[level]}）。",
                )
            )
        given_parent = normalise_code(cell(cells, "parent"))
        if given_parent and given_parent != parent:
            expected = f"“{parent}”" if parent else "空（一级科目）"
            errors.append(
                (
                    number,
                    f"{where(number, 'parent')}科目“{code}”的上级编码填为“{given_parent}”，"
                    f"但按编码应为{expected}。",
                )
            )
        parsed.append(ParsedCode(code=code, name=name, level=level, parent_code=parent, row=number))

    if not parsed and not errors:
        raise ValidationError("文件中没有任何科目。")
    errors.extend(_file_errors(parsed))
    row_errors_raise(errors)
    return parsed


# --- importing -----------------------------------------------------------------------------


def _validate_rows(*, scheme: str, rows: list[ParsedCode]) -> None:
    errors: list[tuple[int, str]] = []
    for item in rows:
        where = _where(item.row, item.code)
        code_problems = _code_errors(item.code, scheme)
        errors.extend((item.row or 0, where + message) for message in code_problems)
        errors.extend(
            (item.row or 0, where + message) for message in _name_errors(item.code, item.name)
        )
        if not code_problems and _derive(item.code, scheme) != (item.level, item.parent_code):
            level, parent = _derive(item.code, scheme)
            errors.append(
                (
                    item.row or 0,
                    f"{where}科目“{item.code}”的级次/上级编码应为 {level}/“{parent}”，"
                    f"而不是 {item.level}/“{item.parent_code}”。",
                )
            )
    if not rows:
        errors.append((0, "没有任何科目可导入。"))
    errors.extend(_file_errors(rows))
    row_errors_raise(errors)


def import_codes(
    *, scheme: str, year: int, rows: list[ParsedCode], version: str = "", dry_run: bool = False
) -> ImportReport:
    """Make the codes of (scheme, year) match `rows`; retire (never delete) codes not in `rows`.

    Everything happens in one transaction; with invalid rows nothing is written and
    ValidationError lists every problem. With `dry_run` the report is computed, nothing saved.
    """
    scheme = _check_scheme(scheme)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise ValidationError(f"年度“{year}”无效。")
    version = (version or "").strip()
    if len(version) > VERSION_MAX_LENGTH:
        raise ValidationError(f"版本说明不能超过{VERSION_MAX_LENGTH}个字。")
    _validate_rows(scheme=scheme, rows=rows)

    report = ImportReport(
        scheme=scheme, year=year, version=version, dry_run=dry_run, total=len(rows)
    )
    with transaction.atomic():
        existing = {
            code.code: code
            for code in ClassificationCode.objects.select_for_update().filter(
                scheme=scheme, year=year
            )
        }
        to_create: list[ClassificationCode] = []
        to_update: list[ClassificationCode] = []
        for item in rows:
            current = existing.get(item.code)
            if current is None:
                report.added.append((item.code, item.name))
                to_create.append(
                    ClassificationCode(
                        scheme=scheme,
                        year=year,
                        code=item.code,
                        name=item.name,
                        level=item.level,
                        parent_code=item.parent_code,
                        is_active=True,
                        version=version,
                    )
                )
                continue
            changed = False
            if current.name != item.name:
                report.renamed.append((item.code, current.name, item.name))
                current.name, changed = item.name, True
            if not current.is_active:
                report.reactivated.append((item.code, item.name))
                current.is_active, changed = True, True
            if not changed:
                report.unchanged += 1
            if (current.level, current.parent_code) != (item.level, item.parent_code):
                current.level, current.parent_code, changed = item.level, item.parent_code, True
            if current.version != version:
                current.version, changed = version, True
            if changed:
                to_update.append(current)

        in_file = {item.code for item in rows}
        for code, current in sorted(existing.items()):
            if code not in in_file and current.is_active:
                report.retired.append((code, current.name))
                current.is_active = False
                to_update.append(current)

        if not dry_run:
            ClassificationCode.objects.bulk_create(to_create)
            ClassificationCode.objects.bulk_update(
                to_update, ["name", "level", "parent_code", "is_active", "version"]
            )
    return report


# --- codes accepted from an import file ----------------------------------------------------


@dataclass(frozen=True)
class CodeToAccept:
    """A code to add to one year's table, as an import file gave it (`code##name`)."""

    scheme: str
    code: str
    name: str


def code_line_level(scheme: str) -> int:
    """The level a budget line's code of `scheme` must have: 项 for 功能分类, 款 for 经济分类."""
    return 3 if scheme == CodeScheme.FUNCTIONAL else 2


def code_shape_problem(*, scheme: str, code: str, name: str) -> str:
    """Why `code` with `name` is not a well-formed code of `scheme` ("" when it is): digits of
    an allowed length and a name that may be stored."""
    problems = _code_errors(code, scheme) if scheme in CodeScheme.values else ["分类无效。"]
    if not problems:
        problems = _name_errors(code, name)
    return "".join(problems)


def codes_accept_plan(
    *, year: int, codes
) -> tuple[list[ClassificationCode], dict[tuple[str, str], str]]:
    """The rows that accepting `codes` (items with `scheme`, `code`, `name`) into `year`'s table
    would create (unsaved, level and parent derived from the code), and why each refused one
    cannot be accepted, by (scheme, code): malformed, already in the table, or its 类/款 not in
    the table (nor among `codes`). Reads the year's table once; writes nothing."""
    wanted: dict[tuple[str, str], str] = {}
    for item in codes:
        wanted.setdefault((str(item.scheme), normalise_code(item.code)), item.name.strip())
    existing = set(
        ClassificationCode.objects.filter(
            year=year, scheme__in={scheme for scheme, _ in wanted}
        ).values_list("scheme", "code")
    )
    refused: dict[tuple[str, str], str] = {}
    rows: list[ClassificationCode] = []
    # Parents first, so a 款 and its 项 accepted together are both found.
    for scheme, code in sorted(wanted, key=lambda key: (key[0], len(key[1]), key[1])):
        name = wanted[(scheme, code)]
        label = CodeScheme(scheme).label if scheme in CodeScheme.values else scheme
        problem = code_shape_problem(scheme=scheme, code=code, name=name)
        if problem:
            refused[(scheme, code)] = f"{label}“{code}”不能接收：{problem}"
            continue
        if (scheme, code) in existing:
            refused[(scheme, code)] = f"{label}“{code}”已在{year}年科目表中，无需接收。"
            continue
        level, parent = _derive(code, scheme)
        if parent and (scheme, parent) not in existing:
            refused[(scheme, code)] = (
                f"{label}“{code} {name}”不能接收：上级科目“{parent}”不在{year}年科目表中。"
                f"请先导入{year}年的正式科目表（或先接收上级科目）。"
            )
            continue
        existing.add((scheme, code))
        rows.append(
            ClassificationCode(
                scheme=scheme,
                year=year,
                code=code,
                name=name,
                level=level,
                parent_code=parent,
                is_active=True,
                version=ACCEPTED_VERSION,
            )
        )
    return rows, refused


#: Version stamped on a code accepted from an import file.
ACCEPTED_VERSION = "导入文件接收"


__all__ = [
    "ACCEPTED_VERSION",
    "CodeToAccept",
    "ImportReport",
    "ParsedCode",
    "code_line_level",
    "code_shape_problem",
    "codes_accept_plan",
    "import_codes",
    "normalise_code",
    "parse_code_file",
]
