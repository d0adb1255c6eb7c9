"""Excel template, export and import of a submission's budget lines (`units.budget_excel` holds
the workbook layout). Admin views and commands call these; none writes budget lines itself.

Decisions:

- An import replaces **all** budget lines of the submission with the file's rows. Projects are
  matched by (项目名称, 资金批次) to the existing ones, which are updated in place (so their 绩效目标
  and ids survive); new ones are created; projects not in the file are deleted, unless a
  绩效目标 or 政府采购预算 refers to them, which is reported as an error (no data is lost silently).
  Importing the same file twice therefore gives the same lines and projects, not duplicates.
  Those project rules live in `units.budget_projects`; this module reads and checks the rows.
- Every row is checked before anything is written (codes of the submission's year and scheme,
  the rules of `units.validation.budget_line_errors`, the project columns), and one transaction
  writes everything, so a file with any error changes nothing.
- A well-formed code missing from the year's table, given as `code##name` at the level a line
  needs (功能 项, 经济 款), is an *unknown code*: reported like any missing code (so the file is
  still refused whole), but as an `UnknownCodeProblem`, and the refusal is an
  `UnknownCodesError` listing them (`UnknownCode`: scheme, code, name, rows), so the preview can
  list them and a 财政管理员 can accept them into the table
  (`units.services.classification_codes_accept`); every other row is still checked.
- A blank 政府经济科目 is filled from `EconomicMapping` for the unit's kind (行政/参公 → admin,
  事业 → institution); the name part of a `code##name` cell is ignored.
- Two rows identical in every column are refused (both named): nothing distinguishes them, so
  they are far more likely a row pasted twice than two real allocations; the user deletes one,
  merges the amounts, or says in 备注 how they differ.
- The workbook's other sheets (政府采购, 政府购买服务, 国有资产, 上年) are read, checked and written
  by `units.budget_sheets` in the same plan and transaction: a sheet present replaces its data
  (empty: clears it), a sheet missing leaves it, and the report says which were missing.
- The file itself (size, zip, XML, limits, exact numbers, formula-like text) is checked by the
  shared reader, `units.excel`, before any row is looked at.
- The template and the export carry their identity (`units.excel.identity`: the year, and for
  an export the unit code). A file of ours for another year or another unit is refused before
  its rows are judged, with one message naming the file's year or unit and the submission's:
  its codes would otherwise be reported one by one as 「不在2025年科目表中」, or another unit's
  lines would silently replace these. A file without an identity (hand-made) still imports,
  its codes checked against the year as before.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from units.budget_excel import (
    BOOL_BY_LABEL,
    EXTRA_SHEETS,
    KIND_BY_LABEL,
    KIND_LABELS,
    LINE_COLUMNS,
    NO,
    SHEET_LINES,
    SHEET_PROCUREMENT,
    YES,
    code_cell,
    read_upload,
    workbook_sheets_read,
    workbook_write,
)
from units.budget_projects import (
    ProjectMatch,
    ProjectSpec,
    project_batches,
    projects_match,
    projects_save,
)
from units.budget_sheets import (
    SheetsPlan,
    SheetsSaved,
    procurements_delete_first,
    sheets_content,
    sheets_plan,
    sheets_save,
)
from units.excel.cells import cell_amount, cell_code, cell_positive_int, cell_text
from units.excel.identity import KIND_BUDGET, identity_check
from units.excel.importing import planned_import
from units.excel.problems import Problem, problems_error
from units.excel.reader import Row
from units.models import (
    BudgetLine,
    ClassificationCode,
    CodeScheme,
    EconomicMapping,
    FundSource,
    Project,
    ProjectCategory,
    ProjectRecurrence,
    Submission,
    UnitIncomeType,
    UnitKind,
)
from units.reference import code_line_level, code_shape_problem
from units.services import budget_lines_create
from units.validation import budget_line_errors

#: Field of `budget_line_errors` → column key of the workbook.
FIELD_TO_KEY = {
    "func_code": "func",
    "dept_econ_code": "dept",
    "gov_econ_code": "gov",
    "project": "project",
    "amount": "amount",
    "income_type": "income",
}
SCHEME_BY_KEY = {
    "func": CodeScheme.FUNCTIONAL,
    "dept": CodeScheme.DEPT_ECONOMIC,
    "gov": CodeScheme.GOV_ECONOMIC,
}
LABEL_BY_KEY = {"func": "功能科目", "dept": "部门经济科目", "gov": "政府经济科目"}
SHEET_BY_KEY = {"func": "功能分类", "dept": "经济分类", "gov": "经济分类"}

FUND_BY_LABEL = {label: value for value, label in FundSource.choices}
CATEGORY_BY_LABEL = {label: value for value, label in ProjectCategory.choices}
RECURRENCE_BY_LABEL = {
    **{label: value for value, label in ProjectRecurrence.choices},
    "经常性": ProjectRecurrence.RECURRING,
    "一次性": ProjectRecurrence.ONE_OFF,
}
NAME_MAX = Project._meta.get_field("name").max_length
NOTE_MAX = BudgetLine._meta.get_field("note").max_length
SUB_ITEM_MAX = BudgetLine._meta.get_field("sub_item").max_length
INCOME_BY_LABEL = {label: value for value, label in UnitIncomeType.choices}


def mapping_kind_for(unit_kind: str) -> str:
    """The `EconomicMapping.mapping_kind` that applies to a unit of this kind."""
    return "institution" if unit_kind == UnitKind.INSTITUTION else "admin"


@dataclass
class ImportReport:
    """What `budget_import` wrote."""

    submission: str
    lines: int = 0
    replaced_lines: int = 0
    projects_created: list[str] = field(default_factory=list)
    projects_updated: list[str] = field(default_factory=list)
    projects_deleted: list[str] = field(default_factory=list)
    #: what the 政府采购, 政府购买服务, 国有资产 and 上年 sheets wrote, and which were missing
    sheets: SheetsSaved = field(default_factory=SheetsSaved)

    def summary(self) -> str:
        text = (
            f"{self.submission}：导入预算明细 {self.lines} 条（替换原有 {self.replaced_lines} 条），"
            f"项目 {len(self.projects_created) + len(self.projects_updated)} 个"
            f"（新建 {len(self.projects_created)} 个，更新 {len(self.projects_updated)} 个）"
        )
        if self.projects_deleted:
            text += f"，删除文件中没有的项目 {len(self.projects_deleted)} 个"
        if sheets := self.sheets.summary():
            text += f"；{sheets}"
        return text + "。"


@dataclass(frozen=True)
class UnknownCode:
    """A well-formed code the year's table does not hold, given in the file as `code##name`;
    `rows` are the 预算明细 rows that use it. `refusal` says why it cannot be accepted (set by the
    preview, "" when it can)."""

    scheme: str
    code: str
    name: str
    rows: tuple[int, ...] = ()
    refusal: str = ""

    @property
    def scheme_label(self) -> str:
        return CodeScheme(self.scheme).label


@dataclass(frozen=True)
class UnknownCodeProblem(Problem):
    """The problem of a cell whose code is an `UnknownCode`."""

    scheme: str = ""
    code: str = ""
    name: str = ""


class UnknownCodesError(ValidationError):
    """The import was refused and (among its problems) some codes are unknown: `unknown`."""

    def __init__(self, messages: list[str], *, unknown: list[UnknownCode]):
        super().__init__(messages)
        self.unknown = unknown


def unknown_codes_of(problems: list[Problem]) -> list[UnknownCode]:
    """The unknown codes among `problems`, each once with the rows using it, in file order."""
    found: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for problem in problems:
        if isinstance(problem, UnknownCodeProblem):
            name, rows = found.setdefault((problem.scheme, problem.code), (problem.name, []))
            if problem.row is not None and problem.row not in rows:
                rows.append(problem.row)
    return [
        UnknownCode(scheme=scheme, code=code, name=name, rows=tuple(rows))
        for (scheme, code), (name, rows) in found.items()
    ]


def unknown_codes_text(unknown: list[UnknownCode], *, year: int) -> str:
    """The unknown codes as one Chinese paragraph, for a command or a page without the preview."""
    listed = "；".join(
        f"{code.scheme_label} {code.code} {code.name}"
        f"（第{'、'.join(str(row) for row in code.rows)}行）"
        for code in unknown
    )
    return (
        f"文件中有 {len(unknown)} 个科目不在{year}年科目表中：{listed}。请财政管理员在工作台的"
        "导入预览中点“接收这些科目”（或导入该年度的正式科目表）后再导入，或改用表中已有的科目。"
    )


def _refusal(problems: list[Problem]) -> ValidationError:
    """The import's refusal, problems by sheet in the workbook's order (预算明细 first): an
    `UnknownCodesError` when some codes are unknown."""
    error = problems_error(problems, sheet_order=[SHEET_LINES, *(s.name for s in EXTRA_SHEETS)])
    unknown = unknown_codes_of(problems)
    return UnknownCodesError(error.messages, unknown=unknown) if unknown else error


# --- template and export --------------------------------------------------------------------


def _code_lists(year: int) -> dict:
    codes = list(
        ClassificationCode.objects.filter(year=year, is_active=True)
        .order_by("scheme", "code")
        .values_list("scheme", "code", "name", "level")
    )
    names = {(s, c): n for s, c, n, _ in codes}
    defaults: dict[str, dict[str, str]] = defaultdict(dict)
    for kind, dept, gov in EconomicMapping.objects.filter(year=year).values_list(
        "mapping_kind", "dept_code", "gov_code"
    ):
        defaults[kind][dept] = code_cell(gov, names.get((CodeScheme.GOV_ECONOMIC, gov), ""))
    economic = []
    for scheme in (CodeScheme.DEPT_ECONOMIC, CodeScheme.GOV_ECONOMIC):
        for s, code, name, level in codes:
            if s != scheme:
                continue
            is_dept = scheme == CodeScheme.DEPT_ECONOMIC
            economic.append(
                (
                    scheme.label,
                    code,
                    name,
                    level,
                    defaults["admin"].get(code, "") if is_dept else "",
                    defaults["institution"].get(code, "") if is_dept else "",
                )
            )
    return {
        "functional": [(c, n, lvl) for s, c, n, lvl in codes if s == CodeScheme.FUNCTIONAL],
        "economic": economic,
        "fund_labels": [label for _, label in FundSource.choices],
        "category_labels": [label for _, label in ProjectCategory.choices],
        "recurrence_labels": [label for _, label in ProjectRecurrence.choices],
    }


def budget_template_workbook(*, year: int) -> bytes:
    """The empty import template (.xlsx) with the year's code lists and the other sheets of
    the budget (政府采购, 政府购买服务, 国有资产, 上年) with their headers and items."""
    return workbook_write(lines=[], year=year, extra=sheets_content(), **_code_lists(year))


def budget_export_workbook(*, submission: Submission) -> bytes:
    """The submission's budget lines, and its other sheets, in the import layout (export →
    import gives them back).

    Basic lines come first in entry order, then project lines grouped by project in project
    order, so the projects' first appearances keep their order on re-import."""
    projects = list(Project.objects.filter(submission=submission).order_by("position", "id"))
    batches = project_batches(projects)
    order = {p.id: i for i, p in enumerate(projects)}
    by_id = {p.id: p for p in projects}
    lines = sorted(
        BudgetLine.objects.filter(submission=submission).select_related(
            "func_code", "dept_econ_code", "gov_econ_code"
        ),
        key=lambda line: (line.project_id is not None, order.get(line.project_id, -1), line.id),
    )
    kind_label = {kind: labels[0] for kind, labels in KIND_LABELS.items()}
    fund_label = dict(FundSource.choices)
    rows = []
    seen: set[int] = set()
    for line in lines:
        project = by_id.get(line.project_id)
        first = project is not None and project.id not in seen
        if project is not None:
            seen.add(project.id)
        rows.append(
            {
                "func": code_cell(line.func_code.code, line.func_code.name),
                "dept": code_cell(line.dept_econ_code.code, line.dept_econ_code.name),
                "gov": code_cell(line.gov_econ_code.code, line.gov_econ_code.name),
                "kind": kind_label.get(line.expense_kind, line.expense_kind),
                "fund": fund_label.get(line.fund_source, line.fund_source),
                "carryover": YES if line.is_carryover else NO,
                "project": project.name if project else None,
                "batch": batches[project.id] if project else None,
                "category": project.get_category_display() if first else None,
                "recurrence": project.get_recurrence_display() if first else None,
                "period": project.period_years if first else None,
                "amount": line.amount,
                "note": line.note,
                "income": line.get_income_type_display() if line.income_type else None,
                "sub_item": line.sub_item or None,
            }
        )
    return workbook_write(
        lines=rows,
        year=submission.year,
        unit_code=submission.unit.code,
        title=f"导出自：{submission}（{formats.date_format(timezone.localtime(), 'DATETIME_FORMAT')}）",
        extra=sheets_content(submission=submission),
        **_code_lists(submission.year),
    )


# --- import ---------------------------------------------------------------------------------


class _Plan:
    """Everything an import will write, built (and checked) before anything is written."""

    def __init__(self, submission: Submission, *, project_attributes_required: bool = True):
        self.submission = submission
        self.project_attributes_required = project_attributes_required
        self.year = submission.year
        self.problems: list[Problem] = []
        self.lines: list[tuple[BudgetLine, ProjectSpec | None]] = []
        self.projects: dict[tuple[str, int], ProjectSpec] = {}
        self.codes: dict[tuple[str, str], ClassificationCode] = {
            (c.scheme, c.code): c for c in ClassificationCode.objects.filter(year=self.year)
        }
        self.other_years: dict[tuple[str, str], ClassificationCode] = {}
        self.match: ProjectMatch | None = None  # set by `_plan_build`
        self.sheets = SheetsPlan()  # set by `_workbook_plan_build`
        self.mapping = dict(
            EconomicMapping.objects.filter(
                year=self.year, mapping_kind=mapping_kind_for(submission.unit.kind)
            ).values_list("dept_code", "gov_code")
        )

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def load_other_years(self, wanted: set[tuple[str, str]]) -> None:
        """Codes missing from this year's list, looked up in other years (one query), so the
        message can say "是2024年的科目" rather than "不存在"."""
        missing = {key for key in wanted if key not in self.codes}
        if not missing:
            return
        for code in ClassificationCode.objects.filter(code__in={c for _, c in missing}).order_by(
            "year"
        ):
            if (code.scheme, code.code) in missing:
                self.other_years[(code.scheme, code.code)] = code  # the latest year wins

    def code_for(self, row: Row, key: str, code: str):
        scheme = SCHEME_BY_KEY[key]
        if (scheme, code) not in self.codes and self.unknown_code(row, key, code):
            return None
        found = self.codes.get((scheme, code)) or self.other_years.get((scheme, code))
        if found is None:
            self.add(
                row.locate(
                    key,
                    f"{LABEL_BY_KEY[key]}「{code}」不在{self.year}年{CodeScheme(scheme).label}"
                    f"科目表中（见「{SHEET_BY_KEY[key]}」表）。",
                )
            )
        return found

    def unknown_code(self, row: Row, key: str, code: str) -> bool:
        """Report `code` as unknown (True) if its cell reads `code##name` with a storable name
        and the code has the length of the level a line needs; else False (an ordinary error)."""
        scheme = SCHEME_BY_KEY[key]
        text = cell_text(row.values.get(key))
        name = text.partition("##")[2].strip() if "##" in text else ""
        if not name or code_shape_problem(scheme=scheme, code=code, name=name):
            return False
        if len(code) != {1: 3, 2: 5, 3: 7}[code_line_level(scheme)]:
            return False
        problem = row.locate(
            key,
            f"{LABEL_BY_KEY[key]}「{code} {name}」不在{self.year}年{CodeScheme(scheme).label}"
            "科目表中：请财政管理员在导入预览中接收这个科目，或改用表中已有的科目"
            f"（见「{SHEET_BY_KEY[key]}」表）。",
        )
        self.add(
            UnknownCodeProblem(
                problem.sheet,
                problem.message,
                problem.row,
                problem.column,
                problem.label,
                scheme=str(scheme),
                code=code,
                name=name,
            )
        )
        return True

    def parse_codes(self, row: Row) -> dict[str, str | None]:
        """The row's codes; None where the cell is bad (already reported), "" for a blank
        政府经济科目."""
        codes: dict[str, str | None] = {}
        for key in ("func", "dept", "gov"):
            try:
                codes[key] = cell_code(row.values.get(key), LABEL_BY_KEY[key])
            except ValidationError as exc:
                self.add(row.locate(key, "；".join(exc.messages)))
                codes[key] = None
                continue
            if not codes[key] and key != "gov":
                self.add(row.locate(key, f"{LABEL_BY_KEY[key]}不能为空。"))
                codes[key] = None
        return codes

    def line_row(self, row: Row, codes: dict[str, str | None]) -> None:
        problems_before = len(self.problems)
        line = BudgetLine(submission=self.submission)
        func = self.code_for(row, "func", codes["func"]) if codes["func"] else None
        dept = self.code_for(row, "dept", codes["dept"]) if codes["dept"] else None
        gov_code = codes["gov"]
        if gov_code == "" and dept is not None:
            gov_code = self.mapping.get(dept.code, "")
            if not gov_code:
                self.add(
                    row.locate(
                        "gov",
                        f"未填写，且部门经济科目「{dept.code} {dept.name}」没有默认对应的政府经济"
                        "科目，请填写。",
                    )
                )
        gov = self.code_for(row, "gov", gov_code) if gov_code else None

        kind_text = cell_text(row.values.get("kind"))
        kind = KIND_BY_LABEL.get(kind_text)
        if kind is None:
            choices = "、".join(labels[0] for labels in KIND_LABELS.values())
            message = "支出类型不能为空。" if not kind_text else f"支出类型「{kind_text}」无效。"
            self.add(row.locate("kind", f"{message}应为 {choices} 之一。"))
        fund_text = cell_text(row.values.get("fund"))
        fund = FUND_BY_LABEL.get(fund_text) if fund_text else FundSource.GENERAL
        if fund is None:
            self.add(
                row.locate(
                    "fund", f"资金来源「{fund_text}」无效，应为 {'、'.join(FUND_BY_LABEL)} 之一。"
                )
            )
        carry_value = row.values.get("carryover")
        carry_text = cell_text(carry_value)
        carryover = carry_value if isinstance(carry_value, bool) else BOOL_BY_LABEL.get(carry_text)
        if carryover is None:
            self.add(row.locate("carryover", f"是否上年结转「{carry_text}」无效，应为 是 或 否。"))
        try:
            line.amount = cell_amount(row.values.get("amount"))
        except ValidationError as exc:
            self.add(row.locate("amount", "；".join(exc.messages)))
        note = cell_text(row.values.get("note"))
        if len(note) > NOTE_MAX:
            self.add(row.locate("note", f"备注不能超过 {NOTE_MAX} 个字（现有 {len(note)} 个）。"))

        income, sub_item = self.income_columns(row)
        if fund is not None:  # an income type beside a bad 资金来源 is judged once it is fixed
            line.fund_source, line.income_type = fund, income

        spec = self.project_columns(row, kind)

        # The shared rules, for the codes that were found (missing ones are reported above).
        found = {"func_code": func, "dept_econ_code": dept, "gov_econ_code": gov}
        for name, code in found.items():
            if code is not None:
                setattr(line, name, code)
        line.expense_kind = kind or ""
        amount, line.amount = line.amount, None  # amount problems come from cell_amount
        errors = budget_line_errors(line)
        line.amount = amount
        errors.pop("project", None)  # projects are checked by `project_columns`
        for name, messages in errors.items():
            if name in found and found[name] is None:
                continue
            key = FIELD_TO_KEY.get(name)
            for message in messages:
                if key:
                    self.add(row.locate(key, message))
                else:
                    self.add(Problem(SHEET_LINES, message, row.number))
        if len(self.problems) > problems_before:
            return
        line.fund_source = fund
        line.is_carryover = carryover
        line.note = note
        line.income_type = income
        line.sub_item = sub_item
        self.lines.append((line, spec))
        if spec is not None:
            spec.lines.append(line)

    def income_columns(self, row: Row) -> tuple[str, str]:
        """The row's 收入类型 (a `UnitIncomeType` value, "" when blank or bad: reported) and
        地方细化科目. Whether the income type fits the fund is `budget_line_errors`' rule."""
        income_text = cell_text(row.values.get("income"))
        income = INCOME_BY_LABEL.get(income_text, "") if income_text else ""
        if income_text and not income:
            self.add(
                row.locate(
                    "income",
                    f"收入类型「{income_text}」无效，应为 {'、'.join(INCOME_BY_LABEL)} 之一，"
                    "或留空（按其他收入）。",
                )
            )
        sub_item = cell_text(row.values.get("sub_item"))
        if len(sub_item) > SUB_ITEM_MAX:
            self.add(
                row.locate(
                    "sub_item",
                    f"地方细化科目不能超过 {SUB_ITEM_MAX} 个字（现有 {len(sub_item)} 个）。",
                )
            )
        return income, sub_item

    def project_columns(self, row: Row, kind) -> ProjectSpec | None:
        name = cell_text(row.values.get("project"))
        texts = {k: cell_text(row.values.get(k)) for k in ("batch", "category", "recurrence")}
        period_text = cell_text(row.values.get("period"))
        if kind in ("personnel", "public"):
            for key, text in (("project", name), *texts.items(), ("period", period_text)):
                if text:
                    self.add(
                        row.locate(
                            key, "基本支出不能填写项目信息，请清空或把支出类型改为项目支出。"
                        )
                    )
            return None
        if kind != "project":
            return None
        if not name:
            self.add(row.locate("project", "项目支出必须填写项目名称。"))
            return None
        if len(name) > NAME_MAX:
            self.add(row.locate("project", f"项目名称不能超过 {NAME_MAX} 个字。"))
            return None
        try:
            batch = cell_positive_int(row.values.get("batch"), "资金批次", 1)
        except ValidationError as exc:
            self.add(row.locate("batch", "；".join(exc.messages)))
            return None
        category = CATEGORY_BY_LABEL.get(texts["category"], "") if texts["category"] else ""
        if texts["category"] and not category:
            self.add(
                row.locate(
                    "category",
                    f"项目类别「{texts['category']}」无效，应为 {'、'.join(CATEGORY_BY_LABEL)} 之一。",
                )
            )
        recurrence = RECURRENCE_BY_LABEL.get(texts["recurrence"], "") if texts["recurrence"] else ""
        if texts["recurrence"] and not recurrence:
            self.add(
                row.locate(
                    "recurrence",
                    f"项目属性「{texts['recurrence']}」无效，应为 经常性项目、一次性项目 之一。",
                )
            )
        period = None
        if period_text:
            try:
                period = cell_positive_int(row.values.get("period"), "项目期（年）", 1)
            except ValidationError as exc:
                self.add(row.locate("period", "；".join(exc.messages)))
        spec = self.projects.get((name, batch))
        if spec is None:
            spec = self.projects[(name, batch)] = ProjectSpec(name, batch, row.number)
        for key, value in (("category", category), ("recurrence", recurrence), ("period", period)):
            if value in ("", None):
                continue
            current = getattr(spec, key)
            if current in ("", None):
                setattr(spec, key, value)
            elif current != value:
                self.add(
                    row.locate(
                        key,
                        f"与第{spec.row}行同一项目「{name}」（资金批次 {batch}）填写的不一致。",
                    )
                )
        return spec

    def check_projects(self) -> None:
        for (name, batch), spec in self.projects.items():
            missing = [
                label
                for label, value in (("项目类别", spec.category), ("项目属性", spec.recurrence))
                if not value and self.project_attributes_required
            ]
            if missing:
                self.add(
                    Problem(
                        SHEET_LINES,
                        f"项目「{name}」（资金批次 {batch}）没有填写{'、'.join(missing)}"
                        "（在该项目的任一行填写即可）。",
                        spec.row,
                    )
                )
            if batch > 1 and (name, 1) not in self.projects:
                self.add(
                    Problem(
                        SHEET_LINES,
                        f"项目「{name}」有资金批次 {batch}，但没有主批次（资金批次 1 或留空）的行。",
                        spec.row,
                    )
                )


def _duplicate_rows(plan: _Plan, rows: list[Row]) -> None:
    """Two rows identical in every column are refused, naming both: an import replaces all
    lines, so a row pasted twice would silently double an amount."""
    first: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(cell_text(row.values.get(c.key)) for c in LINE_COLUMNS)
        if key not in first:
            first[key] = row.number
            continue
        plan.add(
            Problem(
                SHEET_LINES,
                f"与第{first[key]}行完全相同（每一列都一样），可能是重复录入。请删除其中一行；"
                "如确是两笔支出，请把金额合并到一行，或在“备注”中写明区别。",
                row.number,
            )
        )


def _plan_build(
    submission: Submission,
    rows: list[Row],
    *,
    procurements_replaced: bool = False,
    project_attributes_required: bool = True,
) -> _Plan:
    plan = _Plan(submission, project_attributes_required=project_attributes_required)
    _duplicate_rows(plan, rows)
    parsed = [(row, plan.parse_codes(row)) for row in rows]
    wanted = {
        (SCHEME_BY_KEY[key], code) for _, codes in parsed for key, code in codes.items() if code
    }
    plan.load_other_years(wanted)
    for row, codes in parsed:
        plan.line_row(row, codes)
    plan.check_projects()
    if not rows and not plan.problems:
        plan.add(Problem(SHEET_LINES, "没有任何预算明细行。"))
        return plan
    plan.match = projects_match(
        submission=submission, keys=plan.projects, procurements_replaced=procurements_replaced
    )
    plan.problems.extend(plan.match.problems)
    return plan


def _workbook_plan_build(
    submission: Submission,
    sheets: dict[str, list[Row]],
    *,
    project_attributes_required: bool = True,
) -> _Plan:
    """The lines' plan and, beside it (`plan.sheets`), the other sheets' (`units.budget_sheets`),
    their problems listed together."""
    plan = _plan_build(
        submission,
        sheets[SHEET_LINES],
        procurements_replaced=SHEET_PROCUREMENT in sheets,
        project_attributes_required=project_attributes_required,
    )
    plan.sheets = sheets_plan(sheets=sheets, projects=set(plan.projects))
    plan.problems.extend(plan.sheets.problems)
    return plan


def budget_import(
    *, submission: Submission, file, project_attributes_required: bool = True
) -> ImportReport:
    """Replace the submission's budget lines (and projects) from the workbook, all or nothing.

    `file` is a path, bytes or an (uploaded) file object. Raises ValidationError listing every
    problem by sheet, row, column and reason (an `UnknownCodesError`, listing them, when some
    codes are unknown); nothing is written then. A workbook we wrote for
    another year or (an export) another unit is refused first, naming both
    (`units.excel.identity`).

    `project_attributes_required`: whether a project without 项目类别 or 项目属性 is refused.
    Only the year's table set knows whether it prints them
    (`TableSet.needs_project_attributes`), and units cannot ask it, so the tables layer passes
    it (`tables.desk.import_kinds`); the admin page and `import_budget` keep the default, the
    stricter rule.
    """
    sheets = workbook_sheets_read(
        read_upload(file),
        identity_check=functools.partial(identity_check, kind=KIND_BUDGET, submission=submission),
    )
    with planned_import(
        submission=submission,
        rows=sheets,
        reason="导入预算明细",
        plan_build=functools.partial(
            _workbook_plan_build, project_attributes_required=project_attributes_required
        ),
        refusal=_refusal,
    ) as (submission, plan):
        report = ImportReport(submission=str(submission))
        report.replaced_lines = BudgetLine.objects.filter(submission=submission).count()
        procurements_delete_first(submission=submission, plan=plan.sheets)
        saved = projects_save(submission=submission, specs=plan.projects, match=plan.match)
        report.projects_created = saved.created
        report.projects_updated = saved.updated
        report.projects_deleted = saved.deleted
        lines = [line for line, _ in plan.lines]
        report.lines = len(budget_lines_create(submission=submission, lines=lines))
        report.sheets = sheets_save(submission=submission, plan=plan.sheets)
    return report
