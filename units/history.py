"""Audit trail of budget data (django-simple-history), registered without touching the models.

Every change to a tracked model is a historical row: who (`history_user`, from the request
through `simple_history.middleware.HistoryRequestMiddleware`), when (`history_date`), what
(`history_type`: + 新增, ~ 修改, - 删除) and the whole row after the change; the row before is
the previous record of the same object. `history_change_reason` says where the change came
from, one of `SOURCES`: 网页 (a web request), Excel导入 (any import, inside
`history_source(EXCEL_IMPORT)`: `units.excel.importing.planned_import`), 命令行 (a management
command, the default outside a request) or 后台任务 (inside `history_source(BACKGROUND_TASK)`:
the publishing task, which also records the user who started it). A service may name what it is
doing with `history_reason("导入预算明细")`, stored as 「导入预算明细（Excel导入）」.

Which ORM paths are recorded:

- `save()`, `create()` and `delete()` of an instance: by the post_save/post_delete signals.
- `queryset.delete()`: also recorded. A model with post_delete listeners is never
  fast-deleted; Django's collector loads the rows and sends post_delete for each (cascades
  included), so every deleted row gets its "-" record.
- `bulk_create()`/`bulk_update()` send no signals: write them with `objects_bulk_create` /
  `objects_bulk_update` below. `queryset.update()` sends none either and is not used on
  tracked models by the budget-data services.

`submission_history_filter` and `TRACKED` tie each tracked model to its submission, on the
historical tables themselves, so the changes of rows deleted long ago are still found.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

import simple_history
from django.core.paginator import Paginator
from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.utils import formats, timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from units.money import MoneyField

#: Where a change came from, stored in `history_change_reason` (alone, or after the named
#: operation in full-width brackets): a web request, an import (`history_source`), a command
#: (outside a request, by default) or a background task (`history_source`).
WEB = "网页"
EXCEL_IMPORT = "Excel导入"
COMMAND_LINE = "命令行"
BACKGROUND_TASK = "后台任务"
SOURCES = (WEB, EXCEL_IMPORT, COMMAND_LINE, BACKGROUND_TASK)
#: The actor shown for a change without a user (a command, an import run from the command line).
SYSTEM_ACTOR = "系统"
#: `history_change_reason` of the rows that existed when the audit trail was switched on.
BASELINE = "启用变更记录时已有的数据"

_reason: ContextVar[str | None] = ContextVar("budget_history_reason", default=None)
_source: ContextVar[str | None] = ContextVar("budget_history_source", default=None)


@contextlib.contextmanager
def history_reason(reason: str):
    """Name the changes made inside the block (e.g. "导入预算明细") in their history records."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


@contextlib.contextmanager
def history_source(source: str):
    """Say where the changes made inside the block come from (`EXCEL_IMPORT`,
    `BACKGROUND_TASK`), whether or not a web request runs them; otherwise a request's changes
    are `WEB` and the others `COMMAND_LINE`."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def _in_request() -> bool:
    return getattr(HistoricalRecords.context, "request", None) is not None


def current_source() -> str:
    """Where a change made now comes from: the innermost `history_source`, else 网页 inside a
    web request and 命令行 outside one."""
    return _source.get() or (WEB if _in_request() else COMMAND_LINE)


def current_change_reason() -> str:
    """The reason recorded with a change now: where it came from, after the named operation if
    any (「导入预算明细（Excel导入）」, 「网页」)."""
    named = _reason.get()
    source = current_source()
    return f"{named}（{source}）" if named else source


_SOURCE_SUFFIX = re.compile(r"^(?P<named>.*)（(?P<source>" + "|".join(SOURCES) + r")）$", re.S)


def change_source(reason: str | None) -> tuple[str, str]:
    """(source, named operation) of a stored `history_change_reason`.

    Records written before every change stored its source (a web request stored only the
    operation's name, or nothing) are read as 网页, or Excel导入 for an import's name."""
    reason = reason or ""
    if reason in SOURCES:
        return reason, ""
    match = _SOURCE_SUFFIX.match(reason)
    if match:
        return match["source"], match["named"]
    return (EXCEL_IMPORT if reason.startswith("导入") else WEB), reason


def change_actor(record) -> str:
    """Who made a recorded change: the user's full name or user name, else 系统."""
    user = record.history_user
    if user is not None:
        return user.get_full_name() or user.get_username()
    return SYSTEM_ACTOR


class BudgetHistoricalRecords(HistoricalRecords):
    """Records the operation and its source as the change reason when none is set on the
    object."""

    def get_change_reason_for_object(self, instance, history_type, using):
        explicit = super().get_change_reason_for_object(instance, history_type, using)
        return explicit or current_change_reason()


@dataclass(frozen=True)
class Tracked:
    """A model with an audit trail and the lookups from it to its Submission ("" for the
    submission itself; several when it may hang under either of two parents)."""

    model: type
    paths: tuple[str, ...]


#: Every tracked model, in the order the audit page names them.
TRACKED: list[Tracked] = []


def track(model, *paths: str, app: str) -> None:
    """Register `model` for history (once) and note how it belongs to a submission."""
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        simple_history.register(
            model,
            app=app,
            records_class=BudgetHistoricalRecords,
            verbose_name=f"{model._meta.verbose_name}变更记录",
            verbose_name_plural=f"{model._meta.verbose_name}变更记录",
        )
    if all(t.model is not model for t in TRACKED):
        TRACKED.append(Tracked(model, paths))


def register() -> None:
    """Called from `UnitsConfig.ready()`."""
    from units.models import (
        AssetFacts,
        BudgetLine,
        FinalFacts,
        FinalReason,
        GlossaryTerm,
        ProcurementItem,
        Project,
        PurchasedService,
        Submission,
        SubmissionText,
    )

    track(Submission, "", app="units")
    for model in (
        SubmissionText,
        Project,
        BudgetLine,
        ProcurementItem,
        PurchasedService,
        AssetFacts,
        GlossaryTerm,
        FinalFacts,
        FinalReason,
    ):
        track(model, "submission", app="units")


def is_tracked(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


# --- writes that send no signals ------------------------------------------------------------


def objects_bulk_create(model, objs, *, batch_size: int | None = None) -> list:
    """`bulk_create` plus one "+" history record per object (same transaction)."""
    objs = list(objs)
    if not objs:
        return []
    return bulk_create_with_history(
        objs, model, batch_size=batch_size, default_change_reason=current_change_reason()
    )


def objects_bulk_update(model, objs, fields: list[str], *, batch_size: int | None = None) -> int:
    """`bulk_update` plus one "~" history record per object (same transaction)."""
    objs = list(objs)
    if not objs:
        return 0
    return bulk_update_with_history(
        objs, model, fields, batch_size=batch_size, default_change_reason=current_change_reason()
    )


# --- which history belongs to a submission --------------------------------------------------


def _history_q(model, path: str, submission_id: int) -> Q:
    """Rows of `model`'s history table that belong to the submission, following `path` through
    the historical tables of the parents (so deleted parents still count)."""
    if not path:
        return Q(id=submission_id)
    head, _, rest = path.partition("__")
    field = model._meta.get_field(head)
    if not rest:
        return Q(**{field.attname: submission_id})
    parent = field.related_model
    parents = parent.history.filter(_history_q(parent, rest, submission_id)).values("id")
    return Q(**{f"{field.attname}__in": parents})


def submission_history_filter(tracked: Tracked, submission_id: int) -> Q:
    """Q over `tracked.model.history` selecting the records of one submission's data."""
    return reduce(
        lambda a, b: a | b, (_history_q(tracked.model, p, submission_id) for p in tracked.paths)
    )


def submission_live_filter(tracked: Tracked, submission_id: int) -> Q:
    """Q over `tracked.model.objects` selecting the current rows of one submission."""
    return reduce(
        lambda a, b: a | b,
        (Q(**{f"{p}__pk" if p else "pk": submission_id}) for p in tracked.paths),
    )


def submission_history_backfill(*, submission_id: int) -> int:
    """Give every current row of the submission that has no history record a "+" record.

    For writers outside this module's control that bulk-insert (the demo's targets); returns
    the number of records created.
    """
    created = 0
    for tracked in TRACKED:
        model = tracked.model
        missing = model.objects.filter(submission_live_filter(tracked, submission_id)).exclude(
            pk__in=model.history.values("id")
        )
        records = model.history.bulk_history_create(
            list(missing), default_change_reason=current_change_reason()
        )
        created += len(records or [])
    return created


# --- reads: the 变更记录 of one submission --------------------------------------------------

ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
#: Columns not worth showing in a change (the row id, automatic timestamps).
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})
#: The field that names a row of each model in the list (others: see `_object_label`).
LABEL_FIELDS = {
    "Project": "name",
    "ProcurementItem": "name",
    "PurchasedService": "content",
    "GlossaryTerm": "term",
    "KeyTask": "function",
    "Indicator": "name",
}
#: a 差异原因's key (`tables.figures.final.compare`) as the 决算's pages name it
FINAL_REASON_LABELS = {
    "total": "财政拨款支出合计",
    "operating_costs": "机关运行经费",
    "sangong:outbound": "因公出国（境）费",
    "sangong:reception": "公务接待费",
    "sangong:vehicle_purchase": "公务用车购置费",
    "sangong:vehicle_operation": "公务用车运行维护费",
}
#: Relations a row's label is made of.
LABEL_RELATIONS = {
    "BudgetLine": ("func_code", "dept_econ_code", "gov_econ_code"),
    "ProjectTarget": ("project",),
    "IndicatorResult": ("indicator",),
}
#: Related objects loaded with these joins when their labels are shown.
LABEL_JOINS = {
    "Submission": ["unit"],
    "IndicatorCategory": ["parent"],
    "ProjectTarget": ["project"],
    "UnitTarget": ["submission__unit"],
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: who, when, from where (`SOURCES`), which named operation (or ""),
    what kind, to which row, and each field before/after as a person reads it."""

    at: datetime.datetime
    actor: str
    source: str
    reason: str
    action: str
    what: str
    label: str
    changes: tuple[FieldChange, ...]


def submission_changes_queryset(*, submission_id: int):
    """(kind index, history_id, history_date) of every recorded change of the submission's data,
    newest first, as one UNION over the history tables (rows of the baseline left out)."""
    parts = [
        tracked.model.history.filter(submission_history_filter(tracked, submission_id))
        .exclude(history_change_reason=BASELINE)
        .annotate(audit_kind=Value(index, output_field=IntegerField()))
        .values_list("audit_kind", "history_id", "history_date")
        .order_by()
        for index, tracked in enumerate(TRACKED)
    ]
    return parts[0].union(*parts[1:], all=True).order_by("-history_date", "-history_id")


#: How an empty value (None, "") is shown.
EMPTY = "（空）"


def value_display(field, value, labels=None) -> str:
    """A field's value as a person reads it: the choice's label (已提交), 是/否, money in 元
    with thousands separators (12,345.60 元), dates as 2026年3月5日 (and 14:05), a related row
    by its label from `labels` ({(model, pk): label}), （空） for nothing."""
    if value is None or value == "":
        return EMPTY
    if field.is_relation:
        return (labels or {}).get((field.related_model, value), f"第{value}号（已删除）")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(field, MoneyField):
        return f"{Decimal(value):,.2f} 元"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _shown_fields(model):
    return [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _related_labels(wanted: dict[type, set]) -> dict[tuple[type, object], str]:
    """Labels of related rows, one query per related model; deleted projects are named from
    their last history record."""
    labels: dict[tuple[type, object], str] = {}
    for model, ids in wanted.items():
        if not ids:
            continue
        queryset = model._default_manager.filter(pk__in=ids)
        joins = LABEL_JOINS.get(model.__name__)
        if joins:
            queryset = queryset.select_related(*joins)
        for obj in queryset:
            labels[(model, obj.pk)] = str(obj)
        missing = ids - {pk for (m, pk) in labels if m is model}
        if missing and model.__name__ == "Project" and is_tracked(model):
            for record in model.history.filter(id__in=missing).order_by("id", "-history_id"):
                labels.setdefault((model, record.id), f"{record.name}（已删除）")
    return labels


def _object_label(model, record, labels) -> str:
    name = model.__name__
    if name in LABEL_FIELDS:
        return getattr(record, LABEL_FIELDS[name])
    if name == "FinalReason":
        key = record.key
        if key.startswith("func:"):
            return f"功能分类 {key.removeprefix('func:')}"
        return FINAL_REASON_LABELS.get(key, key)
    if name == "BudgetLine":
        codes = [
            labels.get((model._meta.get_field(f).related_model, getattr(record, f"{f}_id")), "")
            for f in ("func_code", "dept_econ_code", "gov_econ_code")
        ]
        codes = [c.split(" ", 1)[0] for c in codes]
        return f"{' / '.join(codes)}：{record.amount:,.2f} 元"
    if name in ("ProjectTarget", "IndicatorResult"):  # named by the one row they belong to
        (relation,) = LABEL_RELATIONS[name]
        related = model._meta.get_field(relation).related_model
        pk = getattr(record, f"{relation}_id")
        return labels.get((related, pk), f"第{pk}号（已删除）")
    if name == "Submission":  # the page is the submission's own: its year and version say which
        return f"{record.year}年第{record.version}版"
    return str(model._meta.verbose_name)


def _diffs(model, record, before):
    """(field, before, after) of each shown field that the record changed."""
    for field in _shown_fields(model):
        new = getattr(record, field.attname)
        if record.history_type == "-":
            if new not in (None, ""):
                yield field, new, None
        elif before is None:
            if new not in (None, ""):
                yield field, None, new
        elif getattr(before, field.attname) != new:
            yield field, getattr(before, field.attname), new


def audit_entries_load(rows) -> list[AuditEntry]:
    """Entries for rows of `submission_changes_queryset` (one page): two queries per kind of
    row on the page, one per kind of related object named, whatever the history's size."""
    by_kind: dict[int, list[int]] = {}
    for kind, history_id, _at in rows:
        by_kind.setdefault(kind, []).append(history_id)
    records, previous = {}, {}
    for kind, ids in by_kind.items():
        history = TRACKED[kind].model.history
        earlier = history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        for record in (
            history.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(
                previous_id=Subquery(earlier.order_by("-history_id").values("history_id")[:1])
            )
        ):
            records[(kind, record.history_id)] = record
        wanted = [r.previous_id for (k, _), r in records.items() if k == kind and r.previous_id]
        for record in history.filter(history_id__in=wanted):
            previous[(kind, record.history_id)] = record

    wanted: dict[type, set] = {}
    plans = []
    for kind, history_id, _at in rows:
        record = records[(kind, history_id)]
        model = TRACKED[kind].model
        before = previous.get((kind, record.previous_id)) if record.previous_id else None
        diffs = list(_diffs(model, record, before))
        named = [(f, v) for f, old, new in diffs for v in (old, new) if f.is_relation]
        # The label of a budget line names its codes, that of a project target its project.
        named += [
            (model._meta.get_field(name), getattr(record, f"{name}_id"))
            for name in LABEL_RELATIONS.get(model.__name__, ())
        ]
        for field, value in named:
            if value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
        plans.append((model, record, diffs))
    labels = _related_labels(wanted)

    entries = []
    for model, record, diffs in plans:
        source, reason = change_source(record.history_change_reason)
        entries.append(
            AuditEntry(
                at=record.history_date,
                actor=change_actor(record),
                source=source,
                reason=reason,
                action=ACTIONS.get(record.history_type, record.history_type),
                what=str(model._meta.verbose_name),
                label=_object_label(model, record, labels),
                changes=tuple(
                    FieldChange(
                        str(field.verbose_name),
                        value_display(field, old, labels),
                        value_display(field, new, labels),
                    )
                    for field, old, new in diffs
                ),
            )
        )
    return entries


@dataclass(frozen=True)
class AuditPage:
    """One page of a submission's 变更记录, newest first: its entries, the paginator's page and
    the page numbers to link (elided)."""

    entries: list[AuditEntry]
    page: object
    page_range: list


#: Entries per page of the 变更记录.
AUDIT_PER_PAGE = 50


def submission_audit_page(*, submission_id: int, number=None) -> AuditPage:
    """Page `number` (a query-string value; invalid or out of range: the nearest page) of the
    submission's 变更记录: what the admin's and the desk's 变更记录 pages show."""
    paginator = Paginator(submission_changes_queryset(submission_id=submission_id), AUDIT_PER_PAGE)
    page = paginator.get_page(number)
    return AuditPage(
        entries=audit_entries_load(list(page.object_list)),
        page=page,
        page_range=list(paginator.get_elided_page_range(page.number)),
    )
