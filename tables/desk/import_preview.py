"""What an Excel import would change, shown before anything is saved (GOV.UK's *check your
answers*): the budget lines added, removed and changed, the projects created and deleted, the
totals of 表一 and the check results before and after; for 绩效目标 the targets and indicators
added, changed and removed by project.

How: the real import service runs inside `transaction.atomic()`, the new state is read and
derived there, and a private exception then rolls everything back (the audit trail's rows
included). So the preview is exactly what 确认导入 would write — the same checks, limits and
project rules — without a second implementation of them that could drift. The submission row
is locked for the duration, as the import itself locks it, so the "before" and the "after" are
read against the same data; `submission_data_digest` of that "before" is kept with the pending
import, and 确认导入 is refused when the data no longer has it (`tables.desk.import_services`).

Lives in tables.desk, not in units or performance: it reads the derived 表一 and the document's
findings, which those layers may not import.

Matching budget lines: a line's key is (功能科目, 部门经济科目, 政府经济科目, 支出类型, 资金来源,
收入类型, 地方细化科目, 上年结转, 项目名称 + 资金批次, 备注). Lines with equal keys are matched as multisets: equal
amounts are unchanged; the remaining ones of a key present on both sides pair up, in order of
amount, as changed (old → new amount); what is left over is added or removed.

The workbook's other sheets (政府采购, 政府购买服务, 国有资产, 上年) are shown as their counts
before and after, and the sheets the file lacks as left unchanged.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q

from performance.excel import PROJECT_COLUMNS
from performance.models import Indicator, ProjectTarget
from tables.desk.import_kinds import BUDGET, KINDS, TARGETS
from tables.desk.selectors import findings_count
from tables.document.build import document_build
from units.budget_import import UnknownCode, UnknownCodesError
from units.budget_projects import project_batches
from units.budget_sheets import PRIOR_FIELDS, SHEET_LABELS, sheets_counts
from units.models import (
    AssetFacts,
    BudgetLine,
    ClassificationCode,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
)
from units.reference import codes_accept_plan
from units.selectors import submission_queryset


class _Rollback(Exception):
    """Raised inside the preview's transaction to undo the import, carrying what was read."""

    def __init__(self, result):
        super().__init__("preview rolled back")
        self.result = result


# --- the data a confirmation must still find -------------------------------------------------


def year_codes_stamp(year: int) -> str:
    """What changes whenever codes are added to, accepted into or retired from the year's
    table: part of the key a computed preview is kept under, so a preview made before codes
    were accepted is not shown after (1 query)."""
    rows = ClassificationCode.objects.filter(year=year).aggregate(
        n=Count("id"),
        last=Max("id"),
        accepted=Max("accepted_at"),
        active=Count("id", filter=Q(is_active=True)),
    )
    text = f"{rows['n']}-{rows['last']}-{rows['accepted']}-{rows['active']}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def submission_data_digest(submission_id: int) -> str:
    """SHA-256 of every row an import reads or writes (budget lines, projects, project targets
    and their indicators, the budget workbook's other sheets: 政府采购, 政府购买服务, 国有资产
    and the 上年 figures), ids included: any change by any path changes it (8 queries)."""
    querysets = (
        BudgetLine.objects.filter(submission_id=submission_id),
        Project.objects.filter(submission_id=submission_id),
        ProjectTarget.objects.filter(project__submission_id=submission_id),
        Indicator.objects.filter(project_target__project__submission_id=submission_id),
        ProcurementItem.objects.filter(submission_id=submission_id),
        PurchasedService.objects.filter(submission_id=submission_id),
        AssetFacts.objects.filter(submission_id=submission_id),
    )
    state = []
    for queryset in querysets:
        model = queryset.model
        fields = [f.attname for f in model._meta.concrete_fields]
        state.append((model._meta.label, list(queryset.order_by("pk").values_list(*fields))))
    prior = Submission.objects.filter(pk=submission_id).values_list(*PRIOR_FIELDS)
    state.append(("prior", list(prior)))
    return hashlib.sha256(repr(state).encode()).hexdigest()


# --- totals and findings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """表一's 收入总计 and 支出总计 (元), and the number of 错误 and 警告 of the checks."""

    income: Decimal
    expense: Decimal
    errors: int
    warnings: int


def _totals(submission_id: int) -> Totals:
    document = document_build(submission=submission_queryset().get(pk=submission_id))
    t01 = document.tables["T01"]
    counts = findings_count(document.findings)
    return Totals(
        income=t01.cell("收入总计", "income"),
        expense=t01.cell("支出总计", "expense_total"),
        errors=counts.errors,
        warnings=counts.warnings,
    )


# --- budget lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    """A budget line as the workbook names it: codes with names, labels, 元."""

    func: str
    dept: str
    gov: str
    kind: str
    fund: str
    carryover: bool
    project: str
    batch: int | None
    note: str
    amount: Decimal
    income: str = ""  # 收入类型 of a 单位资金 line, "" when blank
    sub_item: str = ""

    @property
    def key(self) -> tuple:
        return (
            self.func.split(" ", 1)[0],
            self.dept.split(" ", 1)[0],
            self.gov.split(" ", 1)[0],
            self.kind,
            self.fund,
            self.income,
            self.sub_item,
            self.carryover,
            self.project,
            self.batch,
            self.note,
        )


@dataclass(frozen=True)
class LineChange:
    """A line whose key is on both sides with another amount."""

    before: LineView
    after: LineView

    @property
    def delta(self) -> Decimal:
        return self.after.amount - self.before.amount


@dataclass(frozen=True)
class ProjectView:
    name: str
    batch: int
    category: str
    recurrence: str
    period: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.batch)


@dataclass(frozen=True)
class ProjectChange:
    before: ProjectView
    after: ProjectView

    @property
    def fields(self) -> list[tuple[str, object, object]]:
        """(label, before, after) of each attribute that changes."""
        return [
            (label, getattr(self.before, name), getattr(self.after, name))
            for name, label in (
                ("category", "项目类别"),
                ("recurrence", "项目属性"),
                ("period", "项目期（年）"),
            )
            if getattr(self.before, name) != getattr(self.after, name)
        ]


def budget_state(submission_id: int) -> tuple[list[LineView], list[ProjectView]]:
    """The submission's lines (in entry order) and projects (in order) as the preview compares
    them (2 queries)."""
    projects = list(Project.objects.filter(submission_id=submission_id).order_by("position", "id"))
    batches = project_batches(projects)
    by_id = {p.id: p for p in projects}
    lines = []
    for line in (
        BudgetLine.objects.filter(submission_id=submission_id)
        .select_related("func_code", "dept_econ_code", "gov_econ_code")
        .order_by("id")
    ):
        project = by_id.get(line.project_id)
        lines.append(
            LineView(
                func=str(line.func_code),
                dept=str(line.dept_econ_code),
                gov=str(line.gov_econ_code),
                kind=line.get_expense_kind_display(),
                fund=line.get_fund_source_display(),
                carryover=line.is_carryover,
                project=project.name if project else "",
                batch=batches[project.id] if project else None,
                note=line.note,
                amount=line.amount,
                income=line.get_income_type_display() if line.income_type else "",
                sub_item=line.sub_item,
            )
        )
    views = [
        ProjectView(
            name=p.name,
            batch=batches[p.id],
            category=p.get_category_display() or "项目类别未填",
            recurrence=p.get_recurrence_display() or "项目属性未填",
            period=p.period_years,
        )
        for p in projects
    ]
    return lines, views


@dataclass
class LinesDiff:
    added: list[LineView] = field(default_factory=list)
    removed: list[LineView] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    unchanged: int = 0


def lines_diff(before: list[LineView], after: list[LineView]) -> LinesDiff:
    """Added, removed and changed lines, matching equal keys as multisets (module docstring).
    Added and changed lines are listed in the file's order, removed ones in the old order."""
    old: dict[tuple, list[LineView]] = defaultdict(list)
    new: dict[tuple, list[LineView]] = defaultdict(list)
    for line in before:
        old[line.key].append(line)
    for line in after:
        new[line.key].append(line)
    diff = LinesDiff()
    added: set[int] = set()  # ids of the LineView objects (positions kept below)
    removed: set[int] = set()
    changes: dict[int, LineChange] = {}  # id of the new line → change
    for key in old.keys() | new.keys():
        olds, news = old.get(key, []), new.get(key, [])
        common = Counter(line.amount for line in olds) & Counter(line.amount for line in news)
        diff.unchanged += sum(common.values())
        rest_old = _without(olds, common)
        rest_new = _without(news, common)
        rest_old.sort(key=lambda line: line.amount)
        rest_new.sort(key=lambda line: line.amount)
        for before_line, after_line in zip(rest_old, rest_new, strict=False):
            changes[id(after_line)] = LineChange(before_line, after_line)
        added.update(id(line) for line in rest_new[len(rest_old) :])
        removed.update(id(line) for line in rest_old[len(rest_new) :])
    diff.added = [line for line in after if id(line) in added]
    diff.removed = [line for line in before if id(line) in removed]
    diff.changed = [changes[id(line)] for line in after if id(line) in changes]
    return diff


def _without(lines: list[LineView], common: Counter) -> list[LineView]:
    """`lines` less one line per amount counted in `common`."""
    left = Counter(common)
    rest = []
    for line in lines:
        if left[line.amount] > 0:
            left[line.amount] -= 1
        else:
            rest.append(line)
    return rest


@dataclass(frozen=True)
class SheetCount:
    """One of the workbook's other sheets in the preview: its items before and after (`unit`:
    项 or 项已填写), or `kept` when the file lacks the sheet and its data stays as it is."""

    sheet: str
    label: str
    unit: str
    before: int
    after: int
    kept: bool


def sheet_counts(before: dict[str, int], after: dict[str, int], absent) -> list[SheetCount]:
    """The other sheets' counts, in the workbook's order."""
    return [
        SheetCount(name, label, unit, before[name], after[name], name in absent)
        for name, (label, unit) in SHEET_LABELS.items()
    ]


@dataclass
class BudgetPreview:
    """What importing a 预算明细 workbook would do; `errors` when it would be refused."""

    errors: list[str] = field(default_factory=list)
    digest: str = ""
    lines_before: int = 0
    lines_after: int = 0
    diff: LinesDiff = field(default_factory=LinesDiff)
    projects_created: list[ProjectView] = field(default_factory=list)
    projects_deleted: list[ProjectView] = field(default_factory=list)
    projects_changed: list[ProjectChange] = field(default_factory=list)
    before: Totals | None = None
    after: Totals | None = None
    kind: str = BUDGET
    #: 政府采购, 政府购买服务, 国有资产 and 上年 before and after
    sheets: list[SheetCount] = field(default_factory=list)
    #: Codes the year's table does not hold, given as `code##name` (`units.budget_import`); the
    #: rest (errors or changes) is what the file gives with those that may be accepted in place.
    unknown_codes: list[UnknownCode] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether 确认导入 may apply the file: no errors and no unknown codes."""
        return not self.errors and not self.unknown_codes

    @property
    def acceptable_codes(self) -> list[UnknownCode]:
        """The unknown codes a 财政管理员 may accept into the year's table."""
        return [code for code in self.unknown_codes if not code.refusal]

    @property
    def previewed(self) -> bool:
        """Whether the changes were computed (no other error than unknown codes)."""
        return not self.errors and self.after is not None

    @property
    def has_changes(self) -> bool:
        d = self.diff
        return bool(
            d.added
            or d.removed
            or d.changed
            or self.projects_created
            or self.projects_deleted
            or self.projects_changed
        )

    @property
    def income_change(self) -> Decimal:
        return self.after.income - self.before.income if self.after and self.before else Decimal(0)

    @property
    def expense_change(self) -> Decimal:
        return (
            self.after.expense - self.before.expense if self.after and self.before else Decimal(0)
        )


def _projects_diff(before: list[ProjectView], after: list[ProjectView]):
    old = {p.key: p for p in before}
    new = {p.key: p for p in after}
    created = [p for p in after if p.key not in old]
    deleted = [p for p in before if p.key not in new]
    changed = [
        ProjectChange(old[p.key], p)
        for p in after
        if p.key in old and ProjectChange(old[p.key], p).fields
    ]
    return created, deleted, changed


def _rolled_back(read):
    """`read()` inside a transaction that is then rolled back; its result. A ValidationError of
    the import inside passes through (the transaction rolled back as well)."""
    try:
        with transaction.atomic():
            raise _Rollback(read())
    except _Rollback as done:
        return done.result


def _lock(submission: Submission) -> None:
    """Lock the submission row as the import will, so "before" and "after" read the same data."""
    list(Submission.objects.select_for_update().filter(pk=submission.pk).values_list("pk"))


def _codes_in_place(submission: Submission, unknown: list[UnknownCode]) -> list[UnknownCode]:
    """Create, inside the preview's transaction (rolled back with it), the unknown codes that a
    财政管理员 could accept, so the rest of the file is checked and previewed as it would be
    after accepting them; the unknown codes with why each other one cannot be accepted."""
    rows, refused = codes_accept_plan(year=submission.year, codes=unknown)
    # A code someone accepts meanwhile is simply there already.
    ClassificationCode.objects.bulk_create(rows, ignore_conflicts=True)
    return [replace(code, refusal=refused.get((code.scheme, code.code), "")) for code in unknown]


def budget_import_preview(*, submission: Submission, data: bytes) -> BudgetPreview:
    """Run the 预算明细 import of `data` and roll it back; what it would change, or its errors.

    When codes are unknown (`code##name` not in the year's table), the import is run once more
    with those that may be accepted put in place (and rolled back too): the preview lists the
    unknown codes and shows the rest of the file — its other errors, or what it would change
    once the codes are accepted. Such a preview cannot be confirmed (`ok` is False)."""

    def run():
        _lock(submission)
        before = (submission_data_digest(submission.pk), budget_state(submission.pk))
        totals_before = _totals(submission.pk)
        counts_before = sheets_counts(submission_id=submission.pk)
        unknown: list[UnknownCode] = []
        try:
            report = KINDS[BUDGET].run(submission=submission, file=data)
        except UnknownCodesError as exc:
            unknown = _codes_in_place(submission, exc.unknown)
            try:
                report = KINDS[BUDGET].run(submission=submission, file=data)
            except ValidationError as again:
                raise UnknownCodesError(again.messages, unknown=unknown) from None
        sheets = sheet_counts(
            counts_before, sheets_counts(submission_id=submission.pk), report.sheets.absent
        )
        after = (budget_state(submission.pk), _totals(submission.pk), sheets)
        return unknown, before, totals_before, *after

    try:
        (
            unknown,
            (digest, (lines_before, projects_before)),
            totals_before,
            after,
            totals_after,
            sheets,
        ) = _rolled_back(run)
    except UnknownCodesError as exc:
        return BudgetPreview(errors=exc.messages, unknown_codes=exc.unknown)
    except ValidationError as exc:
        return BudgetPreview(errors=exc.messages)
    lines_after, projects_after = after
    created, deleted, changed = _projects_diff(projects_before, projects_after)
    return BudgetPreview(
        # Not confirmable while codes are unknown: no digest, so 确认导入 is refused.
        digest="" if unknown else digest,
        lines_before=len(lines_before),
        lines_after=len(lines_after),
        diff=lines_diff(lines_before, lines_after),
        projects_created=created,
        projects_deleted=deleted,
        projects_changed=changed,
        before=totals_before,
        after=totals_after,
        sheets=sheets,
        unknown_codes=unknown,
    )


# --- 绩效目标 ----------------------------------------------------------------------------------

#: The compared fields of a project target: (field, label, kind) from the workbook's columns.
TARGET_FIELDS = tuple((c.key, c.header, c.kind) for c in PROJECT_COLUMNS if c.key != "project")


@dataclass(frozen=True)
class IndicatorView:
    """A 三级 indicator as the workbook names it."""

    scope: str
    level1: str
    level2: str
    name: str
    text: str

    @property
    def slot(self) -> tuple[str, str, str, str]:
        """Everything but the value: an indicator whose value alone changes is "changed"."""
        return (self.scope, self.level1, self.level2, self.name)


@dataclass(frozen=True)
class TargetView:
    """A project's target: its project name, fields (by field name) and indicators in order."""

    project: str
    values: dict
    indicators: tuple[IndicatorView, ...]


@dataclass(frozen=True)
class FieldChange:
    label: str
    kind: str  # "text", "money" or "datetime" (how the page shows it)
    before: object
    after: object


@dataclass
class TargetChange:
    """What changes in the target of one project present before and after."""

    project: str
    fields: list[FieldChange] = field(default_factory=list)
    indicators_added: list[IndicatorView] = field(default_factory=list)
    indicators_removed: list[IndicatorView] = field(default_factory=list)
    #: (before, after) of indicators whose value alone changes
    indicators_changed: list[tuple[IndicatorView, IndicatorView]] = field(default_factory=list)
    reordered: bool = False  # the same indicators in another order

    @property
    def changes(self) -> bool:
        return bool(
            self.fields
            or self.indicators_added
            or self.indicators_removed
            or self.indicators_changed
            or self.reordered
        )


def _targets_state(submission_id: int) -> dict[int, TargetView]:
    """The submission's project targets by project id, in project order (2 queries)."""
    targets = list(
        ProjectTarget.objects.filter(project__submission_id=submission_id)
        .select_related("project")
        .order_by("project__position", "project_id")
    )
    indicators: dict[int, list[IndicatorView]] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(project_target__project__submission_id=submission_id)
        .select_related("category__parent")
        .order_by("project_target_id", "scope", "position", "id")
    ):
        category = indicator.category
        indicators[indicator.project_target_id].append(
            IndicatorView(
                scope=indicator.get_scope_display(),
                level1=category.parent.name if category and category.parent else "",
                level2=category.name if category else "",
                name=indicator.name,
                text=indicator.text,
            )
        )
    return {
        target.project_id: TargetView(
            project=target.project.name,
            values={name: getattr(target, name) for name, _, _ in TARGET_FIELDS},
            indicators=tuple(indicators[target.pk]),
        )
        for target in targets
    }


def target_change(before: TargetView, after: TargetView) -> TargetChange:
    """The fields that change (label, old, new); the indicators added and removed (as
    multisets), those of the two with the same 目标期, 一级, 二级 and 三级指标 paired as a
    changed 指标值; or only the indicators' order."""
    change = TargetChange(project=after.project)
    for name, label, kind in TARGET_FIELDS:
        old, new = before.values[name], after.values[name]
        if old != new:
            change.fields.append(FieldChange(label, kind, old, new))
    old_counts, new_counts = Counter(before.indicators), Counter(after.indicators)
    added = _multiset_ordered(after.indicators, new_counts - old_counts)
    removed = _multiset_ordered(before.indicators, old_counts - new_counts)
    for old_indicator in list(removed):
        new_indicator = next((i for i in added if i.slot == old_indicator.slot), None)
        if new_indicator is not None:
            change.indicators_changed.append((old_indicator, new_indicator))
            removed.remove(old_indicator)
            added.remove(new_indicator)
    change.indicators_added, change.indicators_removed = added, removed
    change.reordered = old_counts == new_counts and before.indicators != after.indicators
    return change


def _multiset_ordered(items, counts: Counter) -> list:
    """The elements of `counts`, in the order they first appear in `items`."""
    left = Counter(counts)
    chosen = []
    for item in items:
        if left[item] > 0:
            left[item] -= 1
            chosen.append(item)
    return chosen


@dataclass
class TargetsPreview:
    """What importing a 绩效目标 workbook would do; `errors` when it would be refused."""

    errors: list[str] = field(default_factory=list)
    digest: str = ""
    created: list[TargetView] = field(default_factory=list)
    removed: list[TargetView] = field(default_factory=list)
    changed: list[TargetChange] = field(default_factory=list)
    unchanged: int = 0
    targets_before: int = 0
    targets_after: int = 0
    kind: str = TARGETS

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.removed or self.changed)

    @property
    def indicators_added(self) -> int:
        return sum(len(t.indicators) for t in self.created) + sum(
            len(c.indicators_added) for c in self.changed
        )

    @property
    def indicators_changed(self) -> int:
        return sum(len(c.indicators_changed) for c in self.changed)

    @property
    def indicators_removed(self) -> int:
        return sum(len(t.indicators) for t in self.removed) + sum(
            len(c.indicators_removed) for c in self.changed
        )

    @property
    def changed_with_removals(self) -> list[TargetChange]:
        return [c for c in self.changed if c.indicators_removed]

    @property
    def changed_with_additions(self) -> list[TargetChange]:
        return [c for c in self.changed if c.indicators_added]

    @property
    def changed_in_place(self) -> list[TargetChange]:
        return [c for c in self.changed if c.fields or c.indicators_changed or c.reordered]


def targets_import_preview(*, submission: Submission, data: bytes) -> TargetsPreview:
    """Run the 绩效目标 import of `data` and roll it back; what it would change, or its errors."""

    def run():
        _lock(submission)
        before = (submission_data_digest(submission.pk), _targets_state(submission.pk))
        KINDS[TARGETS].run(submission=submission, file=data)
        return before, _targets_state(submission.pk)

    try:
        (digest, before), after = _rolled_back(run)
    except ValidationError as exc:
        return TargetsPreview(errors=exc.messages)
    preview = TargetsPreview(digest=digest, targets_before=len(before), targets_after=len(after))
    for project_id, target in after.items():
        if project_id not in before:
            preview.created.append(target)
            continue
        change = target_change(before[project_id], target)
        if change.changes:
            preview.changed.append(change)
        else:
            preview.unchanged += 1
    preview.removed = [t for project_id, t in before.items() if project_id not in after]
    return preview


PREVIEWS = {BUDGET: budget_import_preview, TARGETS: targets_import_preview}


def import_preview(*, kind: str, submission: Submission, data: bytes):
    """The preview of an import of `kind` (`tables.desk.import_kinds.KINDS`)."""
    return PREVIEWS[kind](submission=submission, data=data)
