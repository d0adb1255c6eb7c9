"""The world and the expected answers of the admin permission matrix.

Two units, A and B, each with a submission, budget lines, projects, 绩效目标, texts, a
published version and file, and a 填报人; a 审核人 and a 管理员 of A; B's names are distinctive
(`B_STRINGS`) so a page that leaks them is caught. `expected` states the documented status of
every admin URL of A's objects for each role, and `url_of` builds those URLs.

Shared by `tests/test_permissions_admin_urls.py` (every admin URL and autocomplete, read) and
`tests/test_permissions_admin_forms.py` (forged form posts and the choices forms offer), which
test the same world from both sides.
"""

import json

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from performance.framework import default_framework
from performance.models import Indicator, KeyTask, UnitTarget
from tables.models import PublicationBatch, PublishedFile, PublishedVersion, SearchAlias
from tests.factories import (
    budget_unit_create,
    department_create,
    project_target_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import (
    ClassificationCode,
    EconomicMapping,
    GlossaryTerm,
    Submission,
    SubmissionStatus,
    SubmissionText,
    UnitAssignment,
)
from units.permissions import ADMIN, FILLER, REVIEWER

B_NAME = "乙单位独有名称XYZ"
B_PROJECT = "乙项目独有名称QWE"
B_DEPARTMENT = "乙主管部门独有RST"
B_STRINGS = (B_NAME, B_PROJECT, B_DEPARTMENT)
MISSING = 987654321
ROLES = [FILLER, REVIEWER, ADMIN, "anonymous"]
STATES = [
    SubmissionStatus.DRAFT,
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.APPROVED,
    SubmissionStatus.PUBLISHED,
]

BUDGET = {
    "units.submission",
    "units.budgetline",
    "performance.unittarget",
    "performance.projecttarget",
}
UNIT_REFERENCE = {"units.budgetunit", "units.department"}
REFERENCE = {"units.classificationcode", "units.economicmapping", "units.importheadermapping"}
PEOPLE = {"units.unitassignment", "auth.user", "auth.group"}
AUDIT = {"units.accesschange"}  # read only, for 管理员
PUBLICATION = {"tables.publishedversion", "tables.publishedfile", "tables.publicationbatch"}
TASKS = {"django_tasks_database.dbtaskresult"}
SEARCH = {"tables.searchalias"}  # 检索简称 of the public search: 财政管理员 only
#: the bureau's settings (自评等级划分): 财政管理员 only, as the 检索简称
SETTINGS = {"performance.gradebands"}


# --- the world ------------------------------------------------------------------------------


def _side(name, department_name, project_name, seed):
    unit = budget_unit_create(name=name, department=department_create(name=department_name))
    submission = submission_create(unit=unit, approval_date=None)
    synthetic_budget(submission, 4, seed=seed)
    project = submission.projects.filter(allocation_of=None).first()
    project.name = project_name
    project.save()
    line = submission.lines.filter(project=project).first() or submission.lines.first()
    category = default_framework().categories.filter(level=2).first()
    unit_target = UnitTarget.objects.create(submission=submission, strategic_goal="战略")
    KeyTask.objects.create(unit_target=unit_target, function="职能", tasks="任务")
    Indicator.objects.create(
        unit_target=unit_target, scope="year", category=category, name="整体指标", text="≥1个"
    )
    project_target = project_target_create(project)
    Indicator.objects.create(
        project_target=project_target, scope="year", category=category, name="项目指标", text="≥2个"
    )
    SubmissionText.objects.create(submission=submission, duties=f"{name}职责")
    GlossaryTerm.objects.create(submission=submission, term="名词", definition="解释")
    for obj in (submission, line, unit_target, project_target):
        obj.save()  # a history record to reach through the version URLs
    return {
        "unit": unit,
        "department": unit.department,
        "submission": submission,
        "project": project,
        "line": line,
        "unit_target": unit_target,
        "project_target": project_target,
        "indicator": project_target.indicators.get(),
        "unit_indicator": unit_target.indicators.get(),
        "key_task": unit_target.key_tasks.get(),
        "glossary": submission.glossary_terms.get(),
    }


def build_world(state):
    a = _side("甲单位", "甲主管部门", "甲项目", seed=0)
    b = _side(B_NAME, B_DEPARTMENT, B_PROJECT, seed=1)
    users = {}
    for role, units in [(FILLER, [a["unit"]]), (REVIEWER, [a["unit"]]), (ADMIN, [])]:
        users[role] = user_with(role, units, name=f"user-{role}")
    users["anonymous"] = None
    users["B"] = user_with(FILLER, [b["unit"]], name="user-b")
    for side, user in ((a, users[FILLER]), (b, users["B"])):
        side["assignment"] = UnitAssignment.objects.get(user=user)
        side["user"] = user
        version = PublishedVersion.objects.create(
            submission=side["submission"],
            version=1,
            published_by=users[ADMIN],
            year=side["submission"].year,
            unit_code=side["unit"].code,
            unit_name=side["unit"].name,
            department_code=side["department"].code,
            department_name=side["department"].name,
            data_json={},
        )
        side["published_version"] = version
        side["published_file"] = PublishedFile.objects.create(
            version=version,
            kind="json",
            file_name=f"{side['unit'].name}.json",
            content_type="application/json",
            content=b"{}",
            size=2,
            sha256="0" * 64,
        )
    batch = PublicationBatch.objects.create(year=a["submission"].year, started_by=users[ADMIN])
    alias = SearchAlias.objects.create(short="甲简称", full="甲单位全称")
    Submission.objects.filter(pk__in=[a["submission"].pk, b["submission"].pk]).update(status=state)
    return {"A": a, "B": b, "users": users, "state": state, "batch": batch, "alias": alias}


def objects_of(world, label):
    """(A's object, B's object or None) of a registered model."""
    a, b = world["A"], world["B"]
    code = ClassificationCode.objects.first()
    mapping = EconomicMapping.objects.first()
    pairs = {
        "units.submission": (a["submission"], b["submission"]),
        "units.budgetline": (a["line"], b["line"]),
        "performance.unittarget": (a["unit_target"], b["unit_target"]),
        "performance.projecttarget": (a["project_target"], b["project_target"]),
        "units.budgetunit": (a["unit"], b["unit"]),
        "units.department": (a["department"], b["department"]),
        "units.unitassignment": (a["assignment"], b["assignment"]),
        "auth.user": (a["user"], b["user"]),
        "auth.group": (Group.objects.get(name=FILLER), None),
        "units.classificationcode": (code, None),
        "units.economicmapping": (mapping, None),
        "tables.publishedversion": (a["published_version"], b["published_version"]),
        "tables.publishedfile": (a["published_file"], b["published_file"]),
        "tables.publicationbatch": (world["batch"], None),
        "tables.searchalias": (world["alias"], None),
    }
    return pairs.get(label, (None, None))


# --- expected statuses ----------------------------------------------------------------------


def expected(role, label, kind, state):
    """The documented status of an admin URL of A's object (or of the model) for a role.

    200 = page shown (a change page the user may not edit is a read-only view); 302 = sent to
    the login page (anonymous); 403 = refused; 404 = no such page (`/admin/r/`: no model has a
    public URL).
    """
    if role == "anonymous":
        return 302
    if kind == "r":
        return 404
    editable = state in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
    read = {"changelist", "popup", "change", "history", "version"}
    if label in BUDGET:
        if kind in read:
            return 200
        if role == ADMIN:
            return 200 if (kind == "add" and label == "units.submission") else 403
        if role == FILLER and label != "units.submission" and editable:
            return 200
        return 403
    if label in UNIT_REFERENCE | REFERENCE:
        if role == ADMIN or kind in read:
            return 200
        return 403
    if label in PEOPLE:
        # 管理员 see people; changing them needs 用户管理 (units.permissions), which no role has
        if role != ADMIN or kind in ("add", "delete"):
            return 403
        return 200
    if label in AUDIT:
        return 200 if role == ADMIN and kind in read else 403
    if label in PUBLICATION:
        if label == "tables.publicationbatch" and kind == "change":
            return 302  # the batch's page is its progress page (which checks the role)
        return 200 if role == ADMIN and kind in read else 403
    if label in SEARCH | SETTINGS:
        return 200 if role == ADMIN else 403
    return 403  # TASKS and anything else: superusers only


def url_of(model, kind, pk=None, version=None):
    """The admin URL of one `kind` (as in `expected`) for the model or one of its objects."""
    info = f"{model._meta.app_label}_{model._meta.model_name}"
    if kind in ("changelist", "add"):
        return reverse(f"admin:{info}_{kind}")
    if kind == "popup":
        return reverse(f"admin:{info}_changelist") + "?_popup=1&_to_field=id"
    if kind == "version":
        return reverse(f"admin:{info}_simple_history", args=[pk, version])
    if kind == "r":
        content_type = ContentType.objects.get_for_model(model)
        return reverse("admin:view_on_site", args=[content_type.pk, pk])
    return reverse(f"admin:{info}_{kind}", args=[pk])


def missing_pk(model):
    """A primary key no row has (UUID-shaped for UUID keys: Django's /admin/r/ view answers
    a malformed UUID with a 500, a flaw of its own outside this matrix)."""
    if isinstance(model._meta.pk, models.UUIDField):
        return "00000000-0000-0000-0000-000000000000"
    return MISSING


def latest_version(obj) -> int:
    """The history id of the object's latest version (for the version/revert URL)."""
    return obj.history.latest().history_id


def response_body(response) -> str:
    """The text of a response to search for B's names (JSON decoded, so no escapes hide them)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def login_as(client, user):
    """The client logged in as `user` (None: anonymous)."""
    client.logout()
    if user is not None:
        client.force_login(user)
    return client
