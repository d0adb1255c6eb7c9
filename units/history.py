"""Audit trail of budget data (django-simple-history), registered without touching the models.

Every change to a tracked model is a historical row: who (`history_user`, from the request
through `simple_history.middleware.HistoryRequestMiddleware`), when (`history_date`), what
(`history_type`: + 新增, ~ 修改, - 删除) and the whole row after the change; the row before is
the previous record of the same object. Outside a request (management commands, background
tasks) `history_change_reason` names where the change came from — 命令行, or 后台任务 inside
`history_source(BACKGROUND_TASK)` (the publishing task, which also records the user who started
it) — and a service may name what it is doing with `history_reason("导入预算明细")`.

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
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

import simple_history
from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from units.money import MoneyField

#: `history_change_reason` of changes made outside a web request: by a command, or by a
#: background task (`history_source`)
COMMAND_LINE = "命令行"
BACKGROUND_TASK = "后台任务"
#: `history_change_reason` of the rows that existed when the audit trail was switched on.
BASELINE = "启用变更记录时已有的数据"

_reason: ContextVar[str | None] = ContextVar("budget_history_reason", default=None)
_source: ContextVar[str] = ContextVar("budget_history_source", default=COMMAND_LINE)


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
    """Say where the changes made inside the block come from when no web request does
    (`BACKGROUND_TASK`; by default `COMMAND_LINE`)."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def _in_request() -> bool:
    return getattr(HistoricalRecords.context, "request", None) is not None


def current_change_reason() -> str | None:
    """The reason recorded with a change now: the named operation, and outside a request where
    it came from (命令行 or 后台任务)."""
    named = _reason.get()
    if _in_request():
        return named
    source = _source.get()
    return f"{named}（{source}）" if named else source


class BudgetHistoricalRecords(HistoricalRecords):
    """Records the operation (or 命令行) as the change reason when none is set on the object."""

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
#: Relations a row's label is made of.
LABEL_RELATIONS = {
    "BudgetLine": ("func_code", "dept_econ_code", "gov_econ_code"),
    "ProjectTarget": ("project",),
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
    """One recorded change: who, when, what kind, to which row, and each field before/after."""

    at: datetime.datetime
    actor: str
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


def _display(field, value, labels) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        return labels.get((field.related_model, value), f"#{value}（已删除）")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(field, MoneyField):
        return f"{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
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
    if name == "BudgetLine":
        codes = [
            labels.get((model._meta.get_field(f).related_model, getattr(record, f"{f}_id")), "")
            for f in ("func_code", "dept_econ_code", "gov_econ_code")
        ]
        codes = [c.split(" ", 1)[0] for c in codes]
        return f"{' / '.join(codes)}：{record.amount:,.2f} 元"
    if name == "ProjectTarget":
        project = model._meta.get_field("project").related_model
        return labels.get((project, record.project_id), f"#{record.project_id}")
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


def _actor(record) -> str:
    user = record.history_user
    if user is not None:
        return user.get_full_name() or user.get_username()
    reason = record.history_change_reason or ""
    return next((s for s in (COMMAND_LINE, BACKGROUND_TASK) if reason.endswith(s)), "—")


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
        entries.append(
            AuditEntry(
                at=record.history_date,
                actor=_actor(record),
                reason=record.history_change_reason or "",
                action=ACTIONS.get(record.history_type, record.history_type),
                what=str(model._meta.verbose_name),
                label=_object_label(model, record, labels),
                changes=tuple(
                    FieldChange(
                        str(field.verbose_name),
                        _display(field, old, labels),
                        _display(field, new, labels),
                    )
                    for field, old, new in diffs
                ),
            )
        )
    return entries
