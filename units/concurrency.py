"""No lost updates: optimistic concurrency for the budget-data admin change forms.

A change form carries a hidden token, the SHA-256 fingerprint of the object's row and of the
rows of every inline on the page as they were when the page was rendered (no version column
is needed, and a change made by any path — another form, an import, a workflow move, a
queryset update — changes the fingerprint). On save, the form's `clean()` locks the
submission row (`select_for_update`), recomputes the fingerprint from the database and
compares. If anything changed since the page was loaded, the form is invalid with
「该记录已被他人修改（时间、修改人），请刷新后重新填写」 (time and user of the latest change, from
the audit trail) and nothing is saved, inlines included. A POST without the token is treated
the same way.

The lock is taken inside the admin's transaction (`changeform_view` is atomic) and held until
it commits, so two saves of one submission are serialised: the second waits, then sees the
first one's rows and gets the conflict. Under the same lock the submission's editability is
checked again, since a workflow transition (which locks the same row) may have committed
after the page was loaded. An add form locks the submission it adds to and checks the same.
"""

from __future__ import annotations

import hashlib
import operator

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import _get_foreign_key
from django.utils import formats, timezone

from units.history import change_actor, change_source
from units.models import Submission
from units.permissions import submission_editable_by

TOKEN_FIELD = "concurrency_token"
CONFLICT = "该记录已被他人修改（{detail}），请刷新后重新填写"
NOT_EDITABLE = "该填报当前不可编辑（可能已提交审核或已被他人处理），请刷新页面。"


class ConcurrencyTokenField(forms.CharField):
    """The hidden fingerprint; never part of the object, never "changed"."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        return False


def _fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _rows_from_db(queryset) -> list[tuple]:
    return list(queryset.order_by("pk").values_list(*_fields(queryset.model)))


def _rows_from_objects(model, objects) -> list[tuple]:
    fields = _fields(model)
    pk = fields.index(model._meta.pk.attname)
    return sorted((tuple(getattr(o, f) for f in fields) for o in objects), key=lambda r: r[pk])


def _fingerprint(state: list) -> str:
    return hashlib.sha256(repr(state).encode()).hexdigest()


class OptimisticLockMixin:
    """For a budget-data ModelAdmin whose objects belong to a submission.

    Needs `submission_attr` (the path from the object to its Submission, "" for the
    submission itself) as in `units.admin_scoping.SubmissionScopedMixin`.
    """

    change_form_template = "admin/units/concurrency_change_form.html"

    # --- the fingerprint ----------------------------------------------------------------

    def _inline_querysets(self, request, obj):
        """(model, queryset) of each inline shown for `obj`, restricted to `obj`'s rows."""
        for inline in self.get_inline_instances(request, obj):
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            yield inline.model, inline.get_queryset(request).filter(**{fk.name: obj.pk}), fk

    def concurrency_token(self, request, obj) -> str:
        """Fingerprint of the object's and its inlines' current rows in the database."""
        state = [
            (self.model._meta.label, _rows_from_db(self.model._default_manager.filter(pk=obj.pk)))
        ]
        for model, queryset, _fk in self._inline_querysets(request, obj):
            state.append((model._meta.label, _rows_from_db(queryset)))
        return _fingerprint(state)

    def concurrency_token_of_page(self, obj, inline_admin_formsets) -> str:
        """The same fingerprint from the rows a change page has just loaded (no query)."""
        state = [(self.model._meta.label, _rows_from_objects(self.model, [obj]))]
        for inline_admin_formset in inline_admin_formsets:
            formset = inline_admin_formset.formset
            state.append(
                (
                    formset.model._meta.label,
                    _rows_from_objects(formset.model, formset.get_queryset()),
                )
            )
        return _fingerprint(state)

    def concurrency_last_change(self, request, obj) -> str:
        """「时间，修改人」 of the latest recorded change of the object or its inline rows."""
        records = []
        candidates = [(self.model, {"id": obj.pk})]
        candidates += [
            (model, {fk.attname: obj.pk}) for model, _qs, fk in self._inline_querysets(request, obj)
        ]
        for model, lookup in candidates:
            history = getattr(model, "history", None)
            if history is None:
                continue
            record = (
                history.filter(**lookup)
                .select_related("history_user")
                .order_by("-history_date", "-history_id")
                .first()
            )
            if record is not None:
                records.append(record)
        if not records:
            return "时间、修改人不详"
        latest = max(records, key=operator.attrgetter("history_date"))
        when = formats.date_format(timezone.localtime(latest.history_date), "DATETIME_FORMAT")
        if latest.history_user is not None:
            return f"{when}，{change_actor(latest)}"
        # no user: where it came from (命令行, 后台任务, Excel导入)
        return f"{when}，{change_source(latest.history_change_reason)[0]}"

    # --- the check ------------------------------------------------------------------------

    def submission_id_of(self, obj=None, cleaned_data=None):
        """The submission an object (or, for an add form, its cleaned data) belongs to."""
        if not self.submission_attr:
            return getattr(obj, "pk", None)
        *parents, last = self.submission_attr.split(".")
        if obj is None:
            # An add form: the first step of the path is a form field (submission or project).
            value = (cleaned_data or {}).get((parents or [last])[0])
            if value is None:
                return None
            if not parents:
                return value.pk
            obj, parents = value, parents[1:]
        for name in parents:
            obj = getattr(obj, name)
        return getattr(obj, f"{last}_id")

    def concurrency_check(self, request, form) -> None:
        """Lock the submission row, then refuse if it is no longer editable by the user or the
        page's fingerprint no longer matches the database. Call inside a transaction."""
        instance = form.instance
        changing = instance.pk is not None and not instance._state.adding
        submission_id = self.submission_id_of(
            obj=instance if changing else None, cleaned_data=form.cleaned_data
        )
        if submission_id is None:
            return  # a new submission (管理员): nothing to lock yet
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("concurrency_check needs a transaction (the lock would end at once)")
        submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or not submission_editable_by(request.user, submission):
            raise ValidationError(NOT_EDITABLE, code="not_editable")
        if not changing:
            return
        posted = form.data.get(TOKEN_FIELD, "")
        if posted != self.concurrency_token(request, instance):
            raise ValidationError(
                CONFLICT.format(detail=self.concurrency_last_change(request, instance)),
                code="conflict",
            )

    # --- admin hooks ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class LockedForm(form):
            concurrency_token = ConcurrencyTokenField()

            def clean(self):
                cleaned_data = super().clean()
                model_admin.concurrency_check(request, self)
                return cleaned_data

        LockedForm.__name__ = form.__name__
        LockedForm.__qualname__ = form.__qualname__
        return LockedForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if change and obj is not None and not form.is_bound and TOKEN_FIELD in form.fields:
            form.fields[TOKEN_FIELD].initial = self.concurrency_token_of_page(
                obj, context["inline_admin_formsets"]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_history_view(self, request, template, context, **kwargs):
        # A version's (revert) page: its form holds the old values, the token the current ones.
        adminform = context.get("adminform")
        if adminform is not None and not adminform.form.is_bound:
            form = adminform.form
            if TOKEN_FIELD in form.fields:
                form.fields[TOKEN_FIELD].initial = self.concurrency_token(request, form.instance)
        return super().render_history_view(request, template, context, **kwargs)

    def get_fields(self, request, obj=None):
        # The token is rendered by the change form template (form_top), not as a field row.
        return [f for f in super().get_fields(request, obj) if f != TOKEN_FIELD]


# --- forms outside the admin --------------------------------------------------------------


def rows_token(queryset) -> str:
    """The fingerprint of a queryset's rows as they are in the database now: the hidden token
    of a desk form that edits those rows, compared again under the lock when it is saved."""
    return _fingerprint([(queryset.model._meta.label, _rows_from_db(queryset))])


def rows_last_change(model, **lookup) -> str:
    """「时间，修改人」 of the latest recorded change of `model`'s rows matching `lookup`, for the
    `CONFLICT` message."""
    record = (
        model.history.filter(**lookup)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return "时间、修改人不详"
    when = formats.date_format(timezone.localtime(record.history_date), "DATETIME_FORMAT")
    return f"{when}，{change_actor(record)}"
