"""Admin of people and their access: users, groups, unit assignments and the access audit.

财政管理员 see these pages; adding, changing and deleting need the 用户管理 permission
(`units.permissions.user_may_manage_access`), never for one's own account or a superuser's —
and 用户管理 alone (without a role) is enough to see and manage them,
and every change of access is written to the access audit (`AccessChange`). Django's own user
and group admins are replaced here, with the history page refused before the lookup like the
project's other admins.

Kept apart from the budget-data admins (`units.admin`) because it is a different audience and a
different risk: who may log in and act on which unit, rather than what a unit reports. It is
imported by `units.admin`, so its registrations happen when Django autodiscovers the admin.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from units.admin_scoping import PermissionBeforeLookupMixin
from units.models import AccessChange, UnitAssignment
from units.permissions import ADMIN, ROLES, user_may_manage_access, user_roles
from units.services import user_access_record, user_access_snapshot, user_role_check


class AccessManagedMixin(PermissionBeforeLookupMixin):
    """People admins: anyone with the model's view permission (财政管理员) may look; adding,
    changing and deleting need `units.permissions.user_may_manage_access` — a superuser, or
    the 用户管理 permission, never for one's own account or a superuser's. Every change of
    access is written to the access audit (`AccessChange`)."""

    def _access_target(self, obj):
        return obj

    # 用户管理 is the right to manage people: its holder needs no model permission besides it
    # (a superuser may grant it to someone who holds no role, e.g. the bureau's IT officer).

    def has_module_permission(self, request):
        return user_may_manage_access(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return user_may_manage_access(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return user_may_manage_access(request.user)

    def has_change_permission(self, request, obj=None):
        target = self._access_target(obj) if obj is not None else None
        return user_may_manage_access(request.user, target)

    def has_delete_permission(self, request, obj=None):
        target = self._access_target(obj) if obj is not None else None
        return user_may_manage_access(request.user, target)


@admin.register(UnitAssignment)
class UnitAssignmentAdmin(AccessManagedMixin, admin.ModelAdmin):
    """Who works on which unit. Saving also sets `is_staff` (needed to log in to the admin)."""

    list_display = ["user", "unit"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "unit__code", "unit__name"]

    def _access_target(self, obj):
        return obj.user

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class AccessCheckedForm(form):
            def clean(self):
                data = super().clean()
                user = data.get("user")
                if user is not None and not user_may_manage_access(actor, user):
                    raise ValidationError(
                        "不能更改自己或超级用户的负责单位：请由另一位有用户管理权限的人操作。"
                    )
                return data

        return AccessCheckedForm

    def save_model(self, request, obj, form, change):
        users = {obj.user_id}
        if change and form.initial.get("user"):
            users.add(form.initial["user"])
        befores = {pk: user_access_snapshot(get_user_model()(pk=pk)) for pk in users}
        super().save_model(request, obj, form, change)
        if not obj.user.is_staff:
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])
        for pk, before in befores.items():
            user = get_user_model().objects.get(pk=pk)
            user_access_record(actor=request.user, user=user, before=before)

    def delete_model(self, request, obj):
        before = user_access_snapshot(obj.user)
        super().delete_model(request, obj)
        user_access_record(actor=request.user, user=obj.user, before=before)

    def delete_queryset(self, request, queryset):
        users = {a.user for a in queryset.select_related("user")}
        befores = {u.pk: user_access_snapshot(u) for u in users}
        super().delete_queryset(request, queryset)
        for user in users:
            user_access_record(actor=request.user, user=user, before=befores[user.pk])


@admin.register(AccessChange)
class AccessChangeAdmin(PermissionBeforeLookupMixin, admin.ModelAdmin):
    """The access audit: read only, for 财政管理员, holders of 用户管理 and superusers."""

    list_display = ["at", "username", "change", "actor"]
    list_select_related = ["actor"]
    list_filter = ["at"]
    search_fields = ["username", "change"]

    def has_view_permission(self, request, obj=None):
        return ADMIN in user_roles(request.user) or user_may_manage_access(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Users and groups (财政管理员): Django's own admins, with the history page refused before the
# lookup like the others here.


class BudgetUserAdmin(AccessManagedMixin, UserAdmin):
    """Users: 财政管理员 see them; changing roles, units, groups, flags or permissions needs
    `user_may_manage_access` (a superuser, or 用户管理 for other ordinary accounts). Only a
    superuser grants superuser status or single permissions; a user holds at most one role;
    every change is audited."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            # the three roles only: any other group could carry permissions (用户管理 too)
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class OneRoleForm(form):
            def clean(self):
                data = super().clean()
                groups = data.get("groups")
                if groups is not None:
                    try:
                        user_role_check(user=self.instance, groups=list(groups))
                    except ValidationError as exc:
                        self.add_error("groups", exc)
                return data

        return OneRoleForm

    def save_model(self, request, obj, form, change):
        request._access_before = user_access_snapshot(obj) if change and obj.pk else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_access_record(
            actor=request.user,
            user=form.instance,
            before=getattr(request, "_access_before", {}),
        )


class BudgetGroupAdmin(PermissionBeforeLookupMixin, GroupAdmin):
    """Groups carry permissions, so only a superuser adds, changes or deletes them (anyone else
    could put 用户管理 or more into their own group)."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


for _model, _model_admin in ((get_user_model(), BudgetUserAdmin), (Group, BudgetGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
