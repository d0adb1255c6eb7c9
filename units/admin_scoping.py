"""The scoping every admin of the project is built on: who may see, change and revert what.

* `SubmissionScopedMixin` applies the object-level permissions (`units.permissions`) to a
  budget-data admin or inline: querysets are limited to visible submissions, change/add/delete
  to editable ones (填报人 of the unit, 草稿/已退回 only), and foreign-key choices to editable
  submissions and their projects, so a forged POST naming another unit's ids is refused by form
  validation (`ScopedRawIdWidget` keeps the raw-id input from naming such an id either).
* `ScopedHistoryAdmin` gives the audit trail's history pages the same scope: shown only for
  objects the user may see, revert only when the user may edit, workflow fields never
  reverted; their changes read like the 变更记录 (`units.history.value_display`).
* `BudgetDataAdmin` is the base of every budget-data admin (here, in `units.admin` and in
  `performance.admin`): the two above plus optimistic locking of the change form
  (`units.concurrency`).
* `PermissionBeforeLookupMixin` and `UnitScopedMixin` do the same for the other admins (codes,
  units, people): refuse before looking an object up, and show units by assignment.

Kept apart from the page definitions (`units.admin`, `units.admin_people`, `performance.admin`)
because all of them build on it: the permission rules of the admin are read and reviewed in one
place, and the page modules only say what each page lists and edits.
"""

import operator

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from units.concurrency import OptimisticLockMixin
from units.history import value_display
from units.models import Project, Submission
from units.permissions import (
    submission_editable_by,
    submission_visible_by,
    user_sees_all_units,
    user_unit_ids,
)
from units.selectors import submissions_editable_by, submissions_visible_to


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the current value only when it is one of the field's choices.

    Django's widget looks the value up through the model's default manager, so a re-rendered
    form with a forged id (another unit's project) would print that object's name.
    """

    def __init__(self, rel, admin_site, choices, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.choices_queryset = choices

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            allowed = self.choices_queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            allowed = False
        return super().label_and_url_for_value(value) if allowed else ("", "")


class SubmissionScopedMixin:
    """Scope a ModelAdmin or inline to the submissions the user may see and edit.

    `submission_attr` is the dotted path from the admin's object (for an inline: from its parent
    object) to its Submission; "" when the object is the Submission itself.
    """

    submission_attr = "submission"

    def submission_of(self, obj):
        if not self.submission_attr:
            return obj
        return operator.attrgetter(self.submission_attr)(obj)

    def _is_inline(self):
        return isinstance(self, admin.options.InlineModelAdmin)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._is_inline():
            return qs  # the parent's queryset is already scoped
        lookup = (
            f"{self.submission_attr.replace('.', '__')}__in" if self.submission_attr else "pk__in"
        )
        return qs.filter(**{lookup: submissions_visible_to(user=request.user).values("pk")})

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or submission_visible_by(request.user, self.submission_of(obj))

    def _may_edit(self, request, obj):
        if obj is None or getattr(obj, "pk", None) is None:
            return True
        return submission_editable_by(request.user, self.submission_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def has_add_permission(self, request, *args):
        if not super().has_add_permission(request, *args):
            return False
        if self._is_inline():
            return self._may_edit(request, args[0] if args else None)
        if self.submission_attr == "":
            return True  # a new, empty submission (管理员)
        return submissions_editable_by(user=request.user).exists()

    #: Rows an inline shows and accepts in one POST: a forged TOTAL_FORMS cannot make the
    #: server build and render thousands of forms (Django's own limit is max_num + 1000, i.e.
    #: 2000). Larger units use the Excel import.
    max_num = 500
    absolute_max = 500

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.absolute_max)
        formset = super().get_formset(request, obj, **kwargs)
        if self.submission_attr == "" and obj is not None:
            # Rows on a submission's page may name only that submission's projects.
            for field in formset.form.base_fields.values():
                queryset = getattr(field, "queryset", None)
                if queryset is not None and queryset.model is Project:
                    field.queryset = queryset.filter(submission=obj)
                    # Read once: every row's <select> would otherwise query again.
                    field.choices = list(field.choices)
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        editable = submissions_editable_by(user=request.user)
        if model is Submission:
            kwargs["queryset"] = editable.select_related("unit")
        elif model is Project:
            kwargs["queryset"] = Project.objects.filter(submission__in=editable.values("pk"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, ForeignKeyRawIdWidget):
            field.widget = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, field.queryset, using=kwargs.get("using")
            )
        return field


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """The audit trail's history list, detail and revert pages, scoped like the change page.

    simple-history's own views look the object up in the history table (so an object of a unit
    the user may not see would answer 403 instead of "not found") and let anyone who may *view*
    an object POST a revert. Here the object must be in the admin's scoped queryset (otherwise
    the same redirect as a missing object), the version must belong to it, a revert needs the
    change permission (editable submission), and a revert restores only the fields of the form:
    workflow fields (状态, 版本), unit and year keep their current values.
    """

    object_history_form_template = "admin/units/object_history_form.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableRecordContextHelper(self.model, historical_record)

    def _visible_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, str(obj.pk), extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not str(version_id).isdigit() or not (
            self.model.history.filter(id=obj.pk, history_id=int(version_id)).exists()
        ):
            raise Http404("没有这个版本")
        if request.method == "POST":
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
            request._history_revert_current = obj
            with transaction.atomic():
                return super().history_form_view(request, str(obj.pk), version_id, extra_context)
        return super().history_form_view(request, str(obj.pk), version_id, extra_context)

    def save_form(self, request, form, change):
        new_object = super().save_form(request, form, change)
        current = getattr(request, "_history_revert_current", None)
        if current is not None and current.pk == new_object.pk:
            for field in self.model._meta.concrete_fields:
                if field.name not in form.fields and not field.primary_key:
                    setattr(new_object, field.attname, getattr(current, field.attname))
        return new_object


class ReadableRecordContextHelper(HistoricalRecordContextHelper):
    """The changes on an object's history page as the 变更记录 shows them: states by their
    labels, 是/否, money in 元, dates as 2026年3月5日, （空） for nothing (never "None"), a
    related row by its name (第N号（已删除） once deleted)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        if field.is_relation and value is not None:
            if isinstance(value, DeletedObject):
                return f"第{value.pk}号（已删除）"
            return str(value)
        return value_display(field, value)


class BudgetDataAdmin(OptimisticLockMixin, SubmissionScopedMixin, ScopedHistoryAdmin):
    """Base of the budget-data ModelAdmins: scoped to the user's submissions, with the audit
    trail's history pages and optimistic locking of the change form."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            submission_id = self.submission_id_of(obj)
            if submission_id is not None:
                context["audit_url"] = reverse("admin:units_submission_audit", args=[submission_id])
        return super().render_change_form(request, context, add, change, form_url, obj)


class PermissionBeforeLookupMixin:
    """Refuse the history page before looking the object up when the user may not view the
    model at all. Django's `history_view` looks first, so an id that exists answered 403 and
    one that does not answered "not found": a user without the permission could tell which
    assignments, users or groups exist."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


class UnitScopedMixin(PermissionBeforeLookupMixin):
    """Units and departments: 管理员 see all; 填报人/审核人 only their assigned units'."""

    unit_lookup = "pk"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if user_sees_all_units(request.user):
            return qs
        return qs.filter(**{f"{self.unit_lookup}__in": user_unit_ids(request.user)}).distinct()
