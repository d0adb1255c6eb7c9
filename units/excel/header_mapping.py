"""Reading a line-level Excel file of any layout (e.g. an export of the 一体化 platform) by its
header row, and turning it into the rows of the 预算明细 template.

Units already hold their lines in files of their own: one row per line, a header row above, and
columns named 功能科目 / 功能分类科目 / 支出功能分类, 部门经济科目 / 部门预算支出经济分类, 资金性质,
金额（万元）… This module, pure apart from the shared reader, does four things:

- **reads** the first worksheet through the hardened reader (`units.excel.reader`: size, zip,
  XML bombs, exact numbers) and **finds the header row**: the first of the first
  `HEADER_SCAN_ROWS` rows in which at least `HEADER_MIN_FIELDS` cells name a field by one of
  its aliases (or a header of the saved mapping being used);
- **suggests a mapping** — field key → the header text of its column — from the aliases, or
  from a saved mapping where its headers are present;
- **detects the amount unit** (元 or 万元) from the amount column's header ("金额（万元）") or a
  line above the header ("单位：万元"), else the unit chosen;
- **converts** each data row to a template row (`Conversion.lines`, keyed like the template's
  columns): codes from `code##name`, `code name` or the bare code; 资金来源, 支出类型 and 是否
  上年结转 from their Chinese names and common variants; amounts exactly, 万元 × 10000 (more
  than 6 decimals of 万元 is less than a 分 and refused, never rounded). Every fault names the
  source file's row and column header: 「Sheet1」表 第12行 F列“金额（万元）”：…

Rows keep their numbers: template row N is source row N (blank rows in between), so what the
budget import says about row 12 is about row 12 of the user's own file, and
`source_message` only has to swap the sheet and column names (`Conversion.locations`).

Decisions:

- Only the first worksheet is read; a 合计/小计/总计 row (no code in the code columns) is
  skipped and listed.
- 支出类型 may be missing or say only 基本支出: a row with a project name is 项目支出; a basic row
  is 人员经费 when its 部门经济科目 is of class 301 or 303 (工资福利, 对个人和家庭的补助), else
  公用经费. A 基本支出 row's project name (the platform files 人员类/运转类 项目) is not kept: in
  our model basic spending has no project.
- 资金来源 given as an income type of 单位资金 (事业收入, 上级补助收入 …) is 单位资金 with that
  income type.
- The template column keys (`Field.template_key`) are the format of `units.budget_excel`; this
  module does not import it (it sits below it), a test checks that every key exists there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from units.choices import ExpenseKind, UnitIncomeType
from units.excel.archive import Limits
from units.excel.cells import cell_text, fullwidth_digit, halfwidth_hint
from units.excel.problems import column_letter
from units.excel.reader import first_sheet_read
from units.models import FundSource, ProjectCategory, ProjectRecurrence
from units.money import parse_amount, parse_amount_text

YUAN, WAN = "元", "万元"
AMOUNT_UNITS = (YUAN, WAN)
HEADER_SCAN_ROWS = 10
HEADER_MIN_FIELDS = 3

#: The caps of a source file: as the template's, but a platform export may be wide.
MAX_FILE_BYTES = 10 * 1024 * 1024
SOURCE_LIMITS = Limits(
    file_bytes=MAX_FILE_BYTES,
    inflated_bytes=200 * 1024 * 1024,
    members=1_000,
    scanned_rows=51_000,
    columns=100,
)
MAX_DATA_ROWS = 50_000


@dataclass(frozen=True)
class Field:
    """A budget-line field a column of the file may hold."""

    key: str
    label: str
    #: the column key of the 预算明细 template (`units.budget_excel.LINE_COLUMNS`)
    template_key: str
    aliases: tuple[str, ...]
    required: bool = False
    is_code: bool = False
    help: str = ""


FIELDS = (
    Field(
        "func_code",
        "功能科目",
        "func",
        (
            "功能科目",
            "功能分类科目",
            "支出功能分类",
            "支出功能分类科目",
            "功能分类",
            "功能科目编码",
            "功能分类科目编码",
            "支出功能分类科目编码",
            "功能分类编码",
            "功能科目代码",
        ),
        required=True,
        is_code=True,
        help="项级编码，可写 2010101、2010101##行政运行 或 2010101 行政运行",
    ),
    Field(
        "dept_econ_code",
        "部门经济科目",
        "dept",
        (
            "部门经济科目",
            "部门经济分类",
            "部门经济分类科目",
            "部门预算支出经济分类",
            "部门预算支出经济分类科目",
            "部门支出经济分类",
            "部门经济科目编码",
            "部门经济分类编码",
            "部门经济分类科目编码",
            "经济分类科目",
            "经济科目",
        ),
        required=True,
        is_code=True,
        help="款级编码，如 30101",
    ),
    Field(
        "gov_econ_code",
        "政府经济科目",
        "gov",
        (
            "政府经济科目",
            "政府经济分类",
            "政府经济分类科目",
            "政府预算支出经济分类",
            "政府预算支出经济分类科目",
            "政府支出经济分类",
            "政府经济科目编码",
            "政府经济分类编码",
            "政府经济分类科目编码",
        ),
        is_code=True,
        help="可不选：按本单位类型的默认对应关系填入",
    ),
    Field(
        "expense_kind",
        "支出类型",
        "kind",
        (
            "支出类型",
            "支出类别",
            "支出性质",
            "基本支出/项目支出",
            "经费类型",
            "经费类别",
            "支出分类",
        ),
        help="可不选：有项目名称的行为项目支出，其余按经济科目分人员经费、公用经费",
    ),
    Field(
        "fund_source",
        "资金来源",
        "fund",
        ("资金来源", "资金性质", "资金类型", "资金性质名称", "预算资金来源", "经费来源"),
        help="可不选：一般公共预算",
    ),
    Field(
        "is_carryover",
        "是否上年结转",
        "carryover",
        ("是否上年结转", "上年结转", "是否结转", "结转", "是否结转资金"),
        help="可不选：否",
    ),
    Field(
        "project",
        "项目名称",
        "project",
        ("项目名称", "项目", "预算项目", "预算项目名称", "项目全称"),
        help="项目支出必填",
    ),
    Field("project_batch", "资金批次", "batch", ("资金批次", "批次")),
    Field("project_category", "项目类别", "category", ("项目类别", "项目分类", "项目类型")),
    Field("project_recurrence", "项目属性", "recurrence", ("项目属性", "项目性质")),
    Field("project_period", "项目期（年）", "period", ("项目期（年）", "项目期", "项目周期")),
    Field(
        "amount",
        "金额",
        "amount",
        (
            "金额",
            "预算金额",
            "预算数",
            "本年预算",
            "本年预算数",
            "年初预算数",
            "预算额",
            "支出金额",
            "合计金额",
            "金额合计",
        ),
        required=True,
        help="元或万元，见下方“金额单位”",
    ),
    Field(
        "income_type",
        "收入类型",
        "income",
        ("收入类型", "收入种类", "收入分类", "单位资金收入类型"),
        help="仅单位资金：事业收入、上级补助收入等",
    ),
    Field(
        "sub_item",
        "地方细化科目",
        "sub_item",
        ("地方细化科目", "细化科目", "明细科目", "细化经济科目"),
    ),
    Field("note", "备注", "note", ("备注", "说明", "备注说明")),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}

_UNIT_SUFFIX = re.compile(r"\((?:单位[:：]?)?(?:人民币)?(万元|元)\)$")
_UNIT_LINE = re.compile(r"单位[:：]\s*(?:人民币)?\s*(万元|元)")


def text_norm(text) -> str:
    """Text as compared: NFKC (full-width letters and brackets folded), no white space, ( ) for
    （ ）, no leading * (a required-column mark)."""
    if text is None:
        return ""
    normal = unicodedata.normalize("NFKC", cell_text(text))
    return "".join(normal.split()).lstrip("*").replace("（", "(").replace("）", ")")


def header_norm(text) -> str:
    """A header as matched against the aliases: `text_norm` without a trailing unit such as
    (元), (万元) or (单位：万元)."""
    return _UNIT_SUFFIX.sub("", text_norm(text))


_ALIASES = {header_norm(alias): f.key for f in FIELDS for alias in f.aliases}
#: aliases long enough to be looked for inside a longer header, longest first
_CONTAINED = sorted(
    ((header_norm(alias), f) for f in FIELDS for alias in f.aliases if len(alias) >= 4),
    key=lambda pair: -len(pair[0]),
)


def header_field(text) -> str | None:
    """The field a header names: an alias exactly, else the longest alias it contains (a code
    field never from a header of names, e.g. 功能科目名称; nothing from a 上年… header)."""
    normal = header_norm(text)
    if not normal:
        return None
    if normal in _ALIASES:
        return _ALIASES[normal]
    if normal.startswith("上年"):
        return None  # 上年预算数 beside 本年预算数: never the amount of this year
    for alias, f in _CONTAINED:
        if alias in normal and not (f.is_code and "名称" in normal):
            return f.key
    return None


# --- the file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceSheet:
    """The first worksheet of an uploaded file, split at its header row."""

    name: str
    header_row: int
    #: column number (1-based) → header text, non-empty headers only, in column order
    headers: dict[int, str]
    #: (row number, {column number: value}) of the rows below the header
    rows: tuple[tuple[int, dict[int, object]], ...]
    #: the texts above the header (a title, "单位：万元")
    preamble: tuple[str, ...] = ()

    def column_of(self, header: str) -> int | None:
        """The first column whose header reads as `header` (white space and brackets aside)."""
        wanted = text_norm(header)
        return next((n for n, h in self.headers.items() if text_norm(h) == wanted), None)

    @property
    def header_texts(self) -> list[str]:
        """The distinct header texts, in column order (what the page offers per field)."""
        seen: dict[str, str] = {}
        for text in self.headers.values():
            seen.setdefault(text_norm(text), text)
        return list(seen.values())


def _row_score(cells: list, known: set[str]) -> int:
    fields = {header_field(v) for v in cells if v is not None} - {None}
    extra = {text_norm(v) for v in cells if v is not None} & known
    return len(fields) + len(extra)


def header_row_find(rows, *, known_headers=()) -> int | None:
    """The index in `rows` (lists of cell values) of the header row: the first of the first
    `HEADER_SCAN_ROWS` whose cells name at least `HEADER_MIN_FIELDS` fields (by alias, or as
    one of `known_headers`, the headers of a saved mapping); None when none does."""
    known = {text_norm(h) for h in known_headers if h}
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _row_score(cells, known) >= HEADER_MIN_FIELDS:
            return index
    return None


def source_read(data: bytes, *, known_headers=()) -> SourceSheet:
    """The first worksheet of `data` split at its header row; ValidationError (in Chinese) when
    the file is not a readable workbook or no header row is found."""
    name, raw = first_sheet_read(data, limits=SOURCE_LIMITS)
    filled = [(n, cells) for n, cells in raw if any(cell_text(v) for v in cells)]
    index = header_row_find([cells for _, cells in filled], known_headers=known_headers)
    if index is None:
        examples = "、".join(f.label for f in FIELDS if f.required)
        raise ValidationError(
            f"在「{name}」表的前 {HEADER_SCAN_ROWS} 行中没有找到表头：表头行至少要有 "
            f"{HEADER_MIN_FIELDS} 个能识别的列名（如 {examples}、资金性质）。请确认预算明细在"
            "第一个工作表，或把表头改为这些名称后重新上传。"
        )
    header_number, header_cells = filled[index]
    headers = {n: cell_text(v) for n, v in enumerate(header_cells, start=1) if cell_text(v)}
    rows = tuple(
        (n, {c: v for c, v in enumerate(cells, start=1) if v is not None})
        for n, cells in filled[index + 1 :]
    )
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError(f"「{name}」表的数据超过 {MAX_DATA_ROWS} 行，请分开导入。")
    preamble = tuple(
        " ".join(cell_text(v) for v in cells if cell_text(v)) for _, cells in filled[:index]
    )
    return SourceSheet(name, header_number, headers, rows, preamble)


# --- the mapping ----------------------------------------------------------------------------


def mapping_suggest(sheet: SourceSheet, saved: dict[str, str] | None = None) -> dict[str, str]:
    """Field key → header text of the file: a saved mapping's header where the file has it,
    else the first column (not already taken) whose header is an alias of the field. Fields
    without a column are left out."""
    mapping: dict[str, str] = {}
    for key, header in (saved or {}).items():
        number = sheet.column_of(header) if key in FIELDS_BY_KEY and header else None
        if number is not None:
            mapping[key] = sheet.headers[number]
    taken = {text_norm(h) for h in mapping.values()}
    for header in sheet.headers.values():
        key = header_field(header)
        if key and key not in mapping and text_norm(header) not in taken:
            mapping[key] = header
            taken.add(text_norm(header))
    return mapping


def saved_headers_missing(sheet: SourceSheet, saved: dict[str, str]) -> list[str]:
    """The headers of a saved mapping that the file does not have."""
    return [h for k, h in saved.items() if h and k in FIELDS_BY_KEY and sheet.column_of(h) is None]


def amount_unit_detect(sheet: SourceSheet, amount_header: str | None) -> str | None:
    """元 or 万元 as the file says it: in the amount column's header ("金额（万元）"), else in a
    line above the header row ("单位：万元"); None when it does not say."""
    if amount_header:
        found = _UNIT_SUFFIX.search(text_norm(amount_header))
        if found:
            return found.group(1)
        if "万元" in amount_header:
            return WAN
    for line in sheet.preamble:
        found = _UNIT_LINE.search(unicodedata.normalize("NFKC", line))
        if found:
            return found.group(1)
    return None


# --- values -----------------------------------------------------------------------------------

_CODE_AND_NAME = re.compile(
    r"\[?([0-9][0-9 ]*)\]?(?:\s*(?:##|[-—－:：、.])?\s*([^\s0-9.．\-—－:：、].*))?", re.S
)


def code_value(value, label: str) -> str:
    """The template's `code##name` (or the bare code) from `2010101##行政运行`, `2010101 行政
    运行`, `[2010101]行政运行`, `201 01 01` or a number cell; "" when blank. ValidationError
    (the message without location) when it is not a code."""
    text = cell_text(value)
    if not text:
        return ""
    digit = fullwidth_digit(text)
    if digit is not None:
        raise ValidationError(f"{label}「{text}」{halfwidth_hint(digit)}")
    if "##" in text:
        code, name = text.split("##", 1)
    else:
        found = _CODE_AND_NAME.fullmatch(text)
        if found is None:
            raise ValidationError(
                f"「{text}」不是科目编码，应为 2010101、2010101##行政运行 或 2010101 行政运行。"
            )
        code, name = found.group(1), found.group(2) or ""
    code = "".join(code.split())
    if not code.isdigit() or not code.isascii():
        raise ValidationError(
            f"「{text}」不是科目编码，应为 2010101、2010101##行政运行 或 2010101 行政运行。"
        )
    name = name.strip()
    return f"{code}##{name}" if name else code


def _number_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace(",", "")


def amount_value(value, unit: str) -> Decimal:
    """An amount in 元, exactly: in 元 as `units.money.parse_amount_text` reads it; in 万元 the
    same number × 10000, refused when it has more than 6 decimals (less than a 分). Negative
    amounts and blanks are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("金额不能为空。")
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValidationError(f"「{cell_text(value)}」不是金额。")
    if unit == YUAN:
        if isinstance(value, str):
            text = _number_text(value)
            if text.endswith("万元"):
                raise ValidationError(
                    f"「{value.strip()}」写的是万元，而金额单位选的是元：请把金额单位改为万元。"
                )
            amount = parse_amount_text(value)
        else:
            amount = parse_amount(value)
    else:
        if isinstance(value, str):
            text = _number_text(value).removesuffix("万元")
            if text.endswith("元"):
                raise ValidationError(
                    f"「{value.strip()}」写的是元，而金额单位选的是万元：请把金额单位改为元。"
                )
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValidationError(f"「{value.strip()}」不是金额。") from None
        else:
            number = Decimal(value)
        if not number.is_finite():
            raise ValidationError(f"「{cell_text(value)}」不是金额。")
        yuan = number.scaleb(4)
        if yuan != yuan.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
            raise ValidationError(
                f"以万元填写的金额最多 6 位小数（即精确到分），「{cell_text(value)}」万元不是"
                "整分，不能导入（不会四舍五入）。"
            )
        amount = parse_amount(yuan)
    if amount < 0:
        raise ValidationError(f"金额不能为负数：{cell_text(value)}")
    return amount


def _variants(pairs) -> dict[str, object]:
    return {text_norm(label): value for label, value in pairs}


_GENERAL, _GOV, _CAPITAL = FundSource.GENERAL, FundSource.GOV_FUND, FundSource.STATE_CAPITAL
_SPECIAL, _UNIT = FundSource.SPECIAL_ACCOUNT, FundSource.UNIT_FUNDS
#: 资金来源 as files write it → (fund, income type of 单位资金 or "")
FUND_VARIANTS = _variants(
    [
        *((label, (value, "")) for value, label in FundSource.choices),
        *(
            (label, (_GENERAL, ""))
            for label in (
                "一般公共预算拨款",
                "一般公共预算资金",
                "一般公共预算财政拨款",
                "财政拨款(一般公共预算)",
                "财政拨款（一般公共预算拨款）",
                "一般公共预算拨款收入",
                "公共财政预算",
                "公共预算",
                "一般预算",
                "财政拨款",
                "财政拨款资金",
            )
        ),
        *(
            (label, (_GOV, ""))
            for label in (
                "政府性基金",
                "政府性基金预算拨款",
                "政府性基金预算资金",
                "政府性基金拨款",
                "财政拨款(政府性基金预算)",
                "政府性基金预算拨款收入",
            )
        ),
        *(
            (label, (_CAPITAL, ""))
            for label in (
                "国有资本经营",
                "国有资本经营预算拨款",
                "国有资本经营预算资金",
                "财政拨款(国有资本经营预算)",
                "国有资本经营预算拨款收入",
            )
        ),
        *(
            (label, (_SPECIAL, ""))
            for label in ("财政专户", "财政专户资金", "财政专户管理资金收入", "专户资金")
        ),
        *(
            (label, (_UNIT, ""))
            for label in ("其他资金", "自有资金", "单位自有资金", "单位资金收入", "非财政拨款")
        ),
        *((label, (_UNIT, value)) for value, label in UnitIncomeType.choices),
        ("经营收入", (_UNIT, UnitIncomeType.OPERATING)),
        ("事业单位经营收入", (_UNIT, UnitIncomeType.OPERATING)),
        ("其他收入", (_UNIT, UnitIncomeType.OTHER)),
    ]
)
INCOME_VARIANTS = _variants(
    [
        *((label, value) for value, label in UnitIncomeType.choices),
        ("经营收入", UnitIncomeType.OPERATING),
        ("附属单位上缴", UnitIncomeType.AFFILIATED),
        ("上级补助", UnitIncomeType.SUPERIOR),
    ]
)
_PERSONNEL, _PUBLIC, _PROJECT = ExpenseKind.PERSONNEL, ExpenseKind.PUBLIC, ExpenseKind.PROJECT
#: 支出类型 as files write it → kind; "basic" = 基本支出, split by the economic class
KIND_VARIANTS = _variants(
    [
        *((label, value) for value, label in ExpenseKind.choices),
        *(
            (label, _PERSONNEL)
            for label in (
                "基本支出-人员",
                "人员经费",
                "人员支出",
                "人员类",
                "人员类项目",
                "基本支出(人员经费)",
                "基本支出—人员经费",
            )
        ),
        *(
            (label, _PUBLIC)
            for label in (
                "基本支出-公用",
                "公用经费",
                "公用支出",
                "日常公用经费",
                "公用经费类",
                "运转类",
                "公用经费项目",
                "基本支出(公用经费)",
                "基本支出—公用经费",
            )
        ),
        *((label, _PROJECT) for label in ("项目", "项目经费", "项目支出类", "特定目标类")),
        *((label, "basic") for label in ("基本支出", "基本", "基本经费")),
    ]
)
#: 部门经济科目 classes of 人员经费 (the others of a 基本支出 are 公用经费)
PERSONNEL_CLASSES = ("301", "303")
YES_TEXTS = {text_norm(t) for t in ("是", "Y", "YES", "TRUE", "1", "结转", "上年结转", "√")}
NO_TEXTS = {text_norm(t) for t in ("否", "N", "NO", "FALSE", "0", "当年", "本年", "新增", "")}


def fund_value(value) -> tuple[str, str]:
    """(fund label as the template writes it, income type label or "") of a 资金来源 cell; a
    blank cell is 一般公共预算 (the template's default)."""
    text = text_norm(value)
    if not text:
        return "", ""
    found = FUND_VARIANTS.get(text) or FUND_VARIANTS.get(text.removesuffix("资金"))
    if found is None:
        known = "、".join(label for _, label in FundSource.choices)
        raise ValidationError(f"资金来源「{cell_text(value)}」无法识别，应为 {known} 之一。")
    fund, income = found
    income_label = UnitIncomeType(income).label if income else ""
    return FundSource(fund).label, income_label


def kind_value(value, *, project: str, dept_code: str) -> str:
    """The template's 支出类型 label of a row: as written, or from the project name and the
    部门经济科目 class where the file says only 基本支出 or nothing."""
    text = text_norm(value)
    kind = KIND_VARIANTS.get(text) if text else None
    if text and kind is None:
        raise ValidationError(
            f"支出类型「{cell_text(value)}」无法识别，应为 人员经费、公用经费、项目支出 或 基本支出。"
        )
    if kind is None:
        kind = _PROJECT if project else "basic"
    if kind == "basic":
        kind = _PERSONNEL if dept_code[:3] in PERSONNEL_CLASSES else _PUBLIC
    return ExpenseKind(kind).label


def carryover_value(value) -> str:
    """是 or 否 of a 是否上年结转 cell (blank: 否)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    text = text_norm(value).upper()
    if text in YES_TEXTS:
        return "是"
    if text in NO_TEXTS:
        return "否"
    raise ValidationError(f"是否上年结转「{cell_text(value)}」无法识别，应为 是 或 否。")


def income_value(value) -> str:
    text = text_norm(value)
    if not text:
        return ""
    found = INCOME_VARIANTS.get(text)
    if found is None:
        known = "、".join(label for _, label in UnitIncomeType.choices)
        raise ValidationError(f"收入类型「{cell_text(value)}」无法识别，应为 {known} 之一。")
    return UnitIncomeType(found).label


_CATEGORY_VARIANTS = _variants(
    [*((label, label) for _, label in ProjectCategory.choices), ("运转类", "其他运转类")]
)
_RECURRENCE_VARIANTS = _variants(
    [
        *((label, label) for _, label in ProjectRecurrence.choices),
        ("经常性", "经常性项目"),
        ("一次性", "一次性项目"),
    ]
)


# --- conversion -------------------------------------------------------------------------------

SUMMARY_WORDS = ("合计", "小计", "总计")
_CODE_START = re.compile(r"\s*\[?[0-9]")


def _has_code(value) -> bool:
    """Whether a code cell begins like a code (a 合计 row writes words there, or nothing)."""
    return bool(_CODE_START.match(cell_text(value)))


@dataclass
class Conversion:
    """The file's rows as template rows, or the problems that stop it."""

    sheet: str
    #: template rows by position: `lines[i]` is row i + 2 (= the source row), {} for a gap
    lines: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: rows skipped as totals (合计/小计/总计 without codes)
    skipped: list[int] = field(default_factory=list)
    #: 基本支出 rows whose project name was not kept (basic spending has no project here)
    unprojected: list[int] = field(default_factory=list)
    #: template column key → (letter, header) of the source column it came from
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)
    count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.count > 0


def _where(sheet: str, row: int, location: tuple[str, str]) -> str:
    letter, header = location
    return f"「{sheet}」表 第{row}行 {letter}列“{header}”"


def mapping_problems(columns: dict[str, str]) -> list[str]:
    """What is wrong with a mapping itself: a required field without a column, or one column
    chosen for two fields."""
    problems = [
        f"请为“{f.label}”选择文件中的列（必选）。"
        for f in FIELDS
        if f.required and not columns.get(f.key)
    ]
    seen: dict[str, str] = {}
    for f in FIELDS:
        header = columns.get(f.key)
        if not header:
            continue
        normal = text_norm(header)
        if normal in seen:
            problems.append(f"列“{header}”同时选给了“{seen[normal]}”和“{f.label}”，请只选一次。")
        else:
            seen[normal] = f.label
    return problems


def convert(sheet: SourceSheet, *, columns: dict[str, str], unit: str) -> Conversion:
    """The template rows of the file's data rows under `columns` (field key → header text) with
    amounts in `unit`; every problem located in the source file."""
    result = Conversion(sheet=sheet.name)
    if unit not in AMOUNT_UNITS:
        result.problems.append("请选择金额单位：元 或 万元。")
    result.problems.extend(mapping_problems(columns))
    numbers: dict[str, int] = {}
    for key, header in columns.items():
        if key not in FIELDS_BY_KEY or not header:
            continue
        number = sheet.column_of(header)
        if number is None:
            result.problems.append(f"文件的表头（第{sheet.header_row}行）中没有列“{header}”。")
            continue
        numbers[key] = number
        location = (column_letter(number - 1), sheet.headers[number])
        result.locations[FIELDS_BY_KEY[key].template_key] = location
    if result.problems:
        return result
    lines: dict[int, dict] = {}
    for row_number, cells in sheet.rows:
        values = {key: cells.get(number) for key, number in numbers.items()}
        if not any(cell_text(v) for v in values.values()):
            continue
        if not _has_code(values.get("func_code")) and not _has_code(values.get("dept_econ_code")):
            texts = " ".join(cell_text(v) for v in cells.values())
            if any(word in texts for word in SUMMARY_WORDS):
                result.skipped.append(row_number)
                continue
        line = _line(sheet, row_number, values, unit, result)
        if line is not None:
            lines[row_number] = line
    result.count = len(lines)
    if not lines and not result.problems:
        result.problems.append(
            f"「{sheet.name}」表第{sheet.header_row}行表头之下没有任何预算明细行。"
        )
    if lines:
        result.lines = [lines.get(n, {}) for n in range(2, max(lines) + 1)]
    return result


def _line(sheet, row_number, values, unit, result) -> dict | None:
    problems_before = len(result.problems)
    line: dict[str, object] = {}

    def located(key, message):
        location = result.locations[FIELDS_BY_KEY[key].template_key]
        result.problems.append(f"{_where(sheet.name, row_number, location)}：{message}")

    def take(key, parse):
        if key not in values:
            return ""
        try:
            return parse(values[key])
        except ValidationError as exc:
            located(key, "；".join(exc.messages))
            return None

    for key in ("func_code", "dept_econ_code", "gov_econ_code"):
        f = FIELDS_BY_KEY[key]
        code = take(key, lambda v, label=f.label: code_value(v, label))
        if code == "" and f.required:
            located(key, f"{f.label}不能为空。")
        line[f.template_key] = code or ""
    project = cell_text(values.get("project"))
    dept = str(line["dept"]).split("##", 1)[0]
    kind = take("expense_kind", lambda v: kind_value(v, project=project, dept_code=dept))
    if kind == "":  # no 支出类型 column
        kind = kind_value(None, project=project, dept_code=dept)
    line["kind"] = kind
    fund = take("fund_source", fund_value)
    line["fund"], fund_income = fund if isinstance(fund, tuple) else ("", "")
    line["carryover"] = take("is_carryover", carryover_value) or "否"
    income = take("income_type", income_value)
    line["income"] = income or fund_income
    if project and kind != ExpenseKind.PROJECT.label:
        result.unprojected.append(row_number)
    if kind == ExpenseKind.PROJECT.label:
        line["project"] = project
        line["batch"] = cell_text(values.get("project_batch"))
        for key, variants, template_key in (
            ("project_category", _CATEGORY_VARIANTS, "category"),
            ("project_recurrence", _RECURRENCE_VARIANTS, "recurrence"),
        ):
            text = cell_text(values.get(key))
            line[template_key] = variants.get(text_norm(text), text) if text else ""
        line["period"] = cell_text(values.get("project_period"))
    if "amount" in values:
        amount = take("amount", lambda v: amount_value(v, unit))
        line["amount"] = amount
    line["sub_item"] = cell_text(values.get("sub_item"))
    line["note"] = cell_text(values.get("note"))
    return line if len(result.problems) == problems_before else None


def source_message(
    message: str,
    *,
    sheet: str,
    locations: dict[str, tuple[str, str]],
    template_sheet: str,
    template_columns: list[tuple[str, str, str]],
) -> str:
    """A message of the budget import about the converted workbook, said of the source file:
    「预算明细」表 第12行 L列（金额（元））→ 「Sheet1」表 第12行 F列“金额（万元）”. Rows need no
    change (they keep their numbers); `template_columns` lists the template's (key, letter,
    header), `locations` the source column of each template key."""
    prefix = f"「{template_sheet}」表"
    if not message.startswith(prefix):
        return message
    rest = message[len(prefix) :]
    for key, letter, header in template_columns:
        old = f" {letter}列（{header}）"
        if rest.find(old) != -1 and rest.find(old) < rest.find("："):
            if key in locations:
                source_letter, source_header = locations[key]
                new = f" {source_letter}列“{source_header}”"
            else:
                new = f"（{header}：文件中没有对应的列）"
            rest = rest.replace(old, new, 1)
            break
    return f"「{sheet}」表{rest}"
