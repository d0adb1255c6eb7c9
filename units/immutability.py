"""Published data does not change: guards on the ORM write paths.

Once a submission is 已发布, its budget data (lines, projects, items, texts, targets, …) is what
the published version was rendered from. The admin already refuses to edit it
(`units.permissions.submission_editable_by`); these guards close the other ORM paths, so that a
command, a service, a shell or a future view cannot change it either:

- `PublishedGuardedModel.save()` / `.delete()` refuse when the row as stored, or the submission
  it is being attached to, is published;
- `PublishedGuardQuerySet.update()`, `.delete()`, `.bulk_create()` (and `bulk_update()`, which
  goes through `update()`) do the same for every row they touch.

Each guarded model names the lookup paths from itself to its `Submission` in
`published_guard_paths` ("" for the Submission itself). The Submission row stays writable for
the workflow fields only (`WORKFLOW_FIELDS`): `units.services.submission_transition` opens a
correction (更正) on the same row, which makes the data editable again as the next version while
the previous version lives on as its stored snapshot (`tables.models.PublishedVersion`).

The published artifacts themselves (`tables.models.PublishedVersion`/`PublishedFile`) are
insert-only: `ImmutableModel` and `ImmutableQuerySet` refuse every update and delete.

Raw SQL is out of reach of the ORM and of these guards.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

#: `SubmissionStatus.PUBLISHED` (repeated: units.models imports this module)
PUBLISHED = "published"
#: Submission fields the workflow may still write on a published submission (更正 reopens it).
WORKFLOW_FIELDS = frozenset({"status", "version", "updated_at"})


class PublishedDataLocked(PermissionDenied):
    """A write to published data or to a stored publication was refused (a PermissionDenied, so
    a view that lets it escape answers 403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


def _locked(model) -> PublishedDataLocked:
    return PublishedDataLocked(
        f"已发布的预算公开数据不可修改（{model._meta.verbose_name}）；"
        "如需修改，请由财政管理员发起“更正”，重新审核后发布新版本。"
    )


def _status_lookup(path: str) -> str:
    return f"{path}__status" if path else "status"


def _published_q(model) -> models.Q:
    q = models.Q()
    for path in model.published_guard_paths:
        q |= models.Q(**{_status_lookup(path): PUBLISHED})
    return q


def _is_submission(model) -> bool:
    return model.published_guard_paths == ("",)


def _rows_published(model, queryset) -> bool:
    """Whether any row of `queryset` (of `model`) belongs to a published submission."""
    return queryset.filter(_published_q(model)).exists()


def _guard_fields(model) -> dict[str, models.ForeignKey]:
    """The first foreign key of each guard path, by field name ("submission", "project", …)."""
    fields = {}
    for path in model.published_guard_paths:
        if path:
            first = path.split("__", 1)[0]
            fields[first] = model._meta.get_field(first)
    return fields


def _parents_published(model, objs) -> bool:
    """Whether any of `objs` points, through a guard path, at a published submission."""
    for path in model.published_guard_paths:
        if not path:
            continue
        first, _, rest = path.partition("__")
        field = model._meta.get_field(first)
        ids = {getattr(obj, field.attname) for obj in objs} - {None}
        if ids and (
            field.related_model._base_manager.filter(
                pk__in=ids, **{_status_lookup(rest): PUBLISHED}
            ).exists()
        ):
            return True
    return False


def published_guard_save(instance, *, update_fields=None) -> None:
    """Refuse saving `instance` if it is (or would become) data of a published submission."""
    model = type(instance)
    stored = not instance._state.adding and instance.pk is not None
    if _is_submission(model):
        if not stored or (update_fields is not None and set(update_fields) <= WORKFLOW_FIELDS):
            return
        if _rows_published(model, model._base_manager.filter(pk=instance.pk)):
            raise _locked(model)
        return
    if stored and _rows_published(model, model._base_manager.filter(pk=instance.pk)):
        raise _locked(model)
    if _parents_published(model, [instance]):
        raise _locked(model)


def published_guard_delete(instance) -> None:
    model = type(instance)
    if instance.pk is not None and _rows_published(
        model, model._base_manager.filter(pk=instance.pk)
    ):
        raise _locked(model)


class PublishedGuardQuerySet(models.QuerySet):
    """Bulk writes refuse rows of published submissions (see the module docstring)."""

    def update(self, **kwargs):
        model = self.model
        if _is_submission(model) and set(kwargs) <= WORKFLOW_FIELDS:
            return super().update(**kwargs)
        moves = {model._meta.get_field(key).name for key in kwargs} & set(_guard_fields(model))
        with transaction.atomic(using=self.db):
            if _rows_published(model, self):
                raise _locked(model)
            if not moves:
                return super().update(**kwargs)
            # Rows re-attached to another submission/project: the new parents may be published.
            # The values may be expressions (bulk_update uses Case/When), so look afterwards.
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            if _rows_published(model, model._base_manager.filter(pk__in=pks)):
                raise _locked(model)  # rolls the update back
            return count

    def delete(self):
        if _rows_published(self.model, self):
            raise _locked(self.model)
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if _parents_published(self.model, objs):
            raise _locked(self.model)
        return super().bulk_create(objs, *args, **kwargs)


class PublishedGuardedModel:
    """Mixin for budget-data models: `save()` and `delete()` refuse published data.

    `published_guard_paths`: lookups from the model to its Submission ("" for Submission).
    """

    published_guard_paths: tuple[str, ...] = ("submission",)

    def save(self, *args, **kwargs):
        published_guard_save(self, update_fields=kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        published_guard_delete(self)
        return super().delete(*args, **kwargs)


# --- insert-only records ---------------------------------------------------------------------


def _immutable(model) -> PublishedDataLocked:
    return PublishedDataLocked(
        f"{model._meta.verbose_name}一经发布不可修改或删除；更正请发布新版本。"
    )


class ImmutableQuerySet(models.QuerySet):
    """Insert-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise _immutable(self.model)

    def delete(self):
        raise _immutable(self.model)

    def bulk_update(self, objs, fields, batch_size=None):
        raise _immutable(self.model)

    def update_or_create(self, *args, **kwargs):
        raise _immutable(self.model)


class ImmutableModel(models.Model):
    """A row that is written once: saving a stored row (or a new one over an existing primary
    key: the insert is forced) and deleting are refused."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _immutable(type(self))
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _immutable(type(self))
