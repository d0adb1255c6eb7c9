from importlib import import_module

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def roles_ensure(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Recreate the role groups of migration `units/0004_roles` when none exists.

    `flush` (also run between transactional tests) empties every table but keeps the schema, so
    the groups that migration wrote are gone while the migration counts as applied. Groups that
    exist are left alone: an administrator's changes to a role's permissions are never undone.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    tables = connections[using].introspection.table_names()
    if not all(m._meta.db_table in tables for m in (Group, Permission, ContentType)):
        return  # a partial migrate that has not created the auth tables yet
    roles = import_module("units.migrations.0004_roles")
    if Group.objects.using(using).filter(name__in=list(roles.ROLE_PERMISSIONS)).exists():
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for name, codes in roles.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.using(using).get(content_type__app_label=app, codename=codename)
                for app, codename in codes
            )
        )


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "预算单位与预算数据"

    def ready(self):
        from units import history

        history.register()
        post_migrate.connect(roles_ensure, dispatch_uid="units_roles_ensure")
