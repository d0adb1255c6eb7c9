"""The three roles as Django groups with their model permissions (see `units.permissions`).

Model permissions only say what kind of object a role may touch; which units and which
workflow states are decided per object by `units.permissions` and `units.workflow`.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FILLER = "单位填报人"
REVIEWER = "财政审核人"
ADMIN = "财政管理员"

BUDGET_DATA = [
    ("units", "budgetline"),
    ("units", "project"),
    ("units", "procurementitem"),
    ("units", "purchasedservice"),
    ("units", "assetfacts"),
    ("units", "submissiontext"),
    ("units", "glossaryterm"),
    ("performance", "unittarget"),
    ("performance", "keytask"),
    ("performance", "projecttarget"),
    ("performance", "indicator"),
]
REFERENCE = [
    ("units", "classificationcode"),
    ("units", "economicmapping"),
    ("units", "department"),
    ("units", "budgetunit"),
    ("performance", "indicatorframework"),
    ("performance", "indicatorcategory"),
]
PEOPLE = [("units", "unitassignment"), ("auth", "user"), ("auth", "group")]


def _codes(models, actions):
    return [(app, f"{action}_{model}") for app, model in models for action in actions]


ROLE_PERMISSIONS = {
    FILLER: [
        ("units", "view_submission"),
        ("units", "change_submission"),
        ("units", "view_statuschange"),
        *_codes(BUDGET_DATA, ["view", "add", "change", "delete"]),
        *_codes(REFERENCE, ["view"]),
    ],
    REVIEWER: [
        ("units", "view_submission"),
        ("units", "view_statuschange"),
        *_codes(BUDGET_DATA, ["view"]),
        *_codes(REFERENCE, ["view"]),
    ],
    ADMIN: [
        ("units", "view_submission"),
        ("units", "add_submission"),
        ("units", "view_statuschange"),
        *_codes(BUDGET_DATA, ["view"]),
        *_codes(REFERENCE + PEOPLE, ["view", "add", "change", "delete"]),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in codes
        ]
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_workflow"),
        ("performance", "0002_default_indicator_framework"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
