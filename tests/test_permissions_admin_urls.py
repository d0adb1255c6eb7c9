"""Permission matrix over every admin URL of every registered model.

Units A and B × roles 填报人(A), 审核人(A), 管理员 and anonymous × workflow states (草稿, 已提交,
已审核, 已发布) over changelist, raw-id popup, add, change, delete, history, history version
(revert page), autocomplete and `/admin/r/…`: the documented status for A's objects (and for
管理员, B's); for A's users, every URL naming one of B's objects answers exactly like the same
URL naming an object that does not exist, and B's distinctive names never appear.

Then forged POSTs — another unit's ids in FK fields, in inline rows and in the formset
management data, workflow fields in the form data, admin actions with B's ids, reverts of B's
versions — change nothing (database compared before and after), and the code autocomplete
offers only the year's active bottom-level codes.
"""

import json
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse

from performance.framework import default_framework
from performance.models import Indicator, KeyTask, ProjectTarget, UnitTarget
from tables.models import PublicationBatch, PublishedFile, PublishedVersion
from tests.admin_forms import change_form_data, posted, prefix_of
from tests.factories import (
    budget_unit_create,
    department_create,
    project_target_create,
    submission_create,
    synthetic_budget,
)
from units.history import TRACKED, submission_history_filter
from units.models import (
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    EconomicMapping,
    GlossaryTerm,
    Project,
    Submission,
    SubmissionStatus,
    SubmissionText,
    UnitAssignment,
)
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import user_role_assign

pytestmark = pytest.mark.django_db

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
REFERENCE = {"units.classificationcode", "units.economicmapping"}
PEOPLE = {"units.unitassignment", "auth.user", "auth.group"}
AUDIT = {"units.accesschange"}  # read only, for 管理员
PUBLICATION = {"tables.publishedversion", "tables.publishedfile", "tables.publicationbatch"}
TASKS = {"django_tasks_database.dbtaskresult"}


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
    User = get_user_model()
    users = {}
    for role, units in [(FILLER, [a["unit"]]), (REVIEWER, [a["unit"]]), (ADMIN, [])]:
        users[role] = User.objects.create_user(f"user-{role}")
        user_role_assign(user=users[role], role=role, units=units)
    users["anonymous"] = None
    users["B"] = User.objects.create_user("user-b")
    user_role_assign(user=users["B"], role=FILLER, units=[b["unit"]])
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
    Submission.objects.filter(pk__in=[a["submission"].pk, b["submission"].pk]).update(status=state)
    return {"A": a, "B": b, "users": users, "state": state, "batch": batch}


@pytest.fixture(params=STATES, ids=[s.value for s in STATES])
def world(request):
    return build_world(request.param)


@pytest.fixture
def draft_world():
    return build_world(SubmissionStatus.DRAFT)


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
    return 403  # TASKS and anything else: superusers only


def url_of(model, kind, pk=None, version=None):
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


def _latest_version(obj) -> int:
    return obj.history.latest().history_id


def _kinds(model):
    kinds = ["changelist", "popup", "add", "change", "delete", "history", "r"]
    try:
        reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[1, 1]
        )
    except NoReverseMatch:
        return kinds
    return [*kinds, "version"]


def _body(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def _login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_of_every_model(client, world, role):
    """Each registered model's admin URLs answer as documented; for A's users B's objects are
    indistinguishable from missing ones and B's names never appear."""
    state = world["state"]
    _login(client, world["users"][role])
    problems = []
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in BUDGET and state != SubmissionStatus.DRAFT:
            continue  # no state dependence outside budget data: checked once
        obj_a, obj_b = objects_of(world, label)
        for kind in _kinds(model):
            object_kind = kind not in ("changelist", "popup", "add")
            missing = missing_pk(model)
            if object_kind and obj_a is None:
                targets = [("missing", missing, MISSING)]
            elif object_kind:
                versions = {"A": None, "B": None}
                if kind == "version":
                    versions = {"A": _latest_version(obj_a), "B": obj_b and _latest_version(obj_b)}
                targets = [("A", obj_a.pk, versions["A"]), ("missing", missing, MISSING)]
                if obj_b is not None:
                    targets.append(("B", obj_b.pk, versions["B"]))
            else:
                targets = [("A", None, None)]
            answers = {}
            for which, pk, version in targets:
                url = url_of(model, kind, pk, version)
                response = client.get(url)
                answers[which] = (response.status_code, response.get("Location"))
                body = _body(response)
                if role in (FILLER, REVIEWER):
                    for secret in B_STRINGS:
                        if secret in body:
                            problems.append(f"{url}: {secret} shown to {role}")
                if which == "A" or (which == "missing" and obj_a is None):
                    want = expected(role, label, kind, state)
                    if which == "missing" and (want == 200 or label in TASKS):
                        # A missing object: only compared with B's answer below. (Task results
                        # have random UUID keys; their admin is a third party's.)
                        want = None
                    if want is not None and response.status_code != want:
                        problems.append(f"{url}: {response.status_code}, expected {want}")
            if "B" in answers and role != "anonymous":
                if role == ADMIN:
                    if answers["B"][0] != expected(role, label, kind, state):
                        problems.append(f"{label} {kind} B: {answers['B']} for 管理员")
                elif answers["B"] != answers["missing"]:
                    problems.append(
                        f"{label} {kind}: B answers {answers['B']}, missing {answers['missing']}"
                    )
    assert not problems, "\n".join(problems)


def test_publication_history_hides_existence(client, draft_world):
    """A 填报人 cannot tell B's published versions and files from missing ones by their history
    page."""
    _login(client, draft_world["users"][FILLER])
    for key in ("published_version", "published_file"):
        obj = draft_world["B"][key]
        answers = [client.get(url_of(type(obj), "history", pk)) for pk in (obj.pk, MISSING)]
        assert [(r.status_code, r.get("Location")) for r in answers][0] == (
            answers[1].status_code,
            answers[1].get("Location"),
        )


@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_guessed_version_ids_of_b_are_not_found(client, draft_world, role):
    """A's object with the history id of B's version (or of another A object) is 404."""
    _login(client, draft_world["users"][role])
    a, b = draft_world["A"], draft_world["B"]
    for key in ("line", "submission", "unit_target", "project_target"):
        obj_a, obj_b = a[key], b[key]
        url = url_of(type(obj_a), "version", obj_a.pk, _latest_version(obj_b))
        assert client.get(url).status_code == 404, url


# --- autocomplete -----------------------------------------------------------------------------

VIEWABLE = {
    FILLER: BUDGET | UNIT_REFERENCE | REFERENCE,
    REVIEWER: BUDGET | UNIT_REFERENCE | REFERENCE,
    ADMIN: BUDGET | UNIT_REFERENCE | REFERENCE | PEOPLE | PUBLICATION,
}


def _relation_fields():
    """(source model, field) of every FK/M2M of the registered and the historical models."""
    sources = list(admin.site._registry) + [t.model.history.model for t in TRACKED]
    for model in sources:
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and (field.many_to_one or field.many_to_many):
                yield model, field


@pytest.mark.parametrize("role", ROLES)
def test_autocomplete_of_every_relation(client, draft_world, role):
    """`/admin/autocomplete/` for every relation of every registered (and historical) model:
    allowed where the user may view the related model, refused otherwise; A's users never get
    B's objects."""
    _login(client, draft_world["users"][role])
    b_ids = {
        type(obj)._meta.label_lower: str(obj.pk)
        for obj in (
            draft_world["B"]["submission"],
            draft_world["B"]["unit"],
            draft_world["B"]["department"],
            draft_world["B"]["line"],
            draft_world["B"]["unit_target"],
            draft_world["B"]["project_target"],
            draft_world["B"]["published_version"],
        )
    }
    problems = []
    for model, field in _relation_fields():
        remote = field.remote_field.model
        remote_label = remote._meta.label_lower
        url = (
            f"{reverse('admin:autocomplete')}?app_label={model._meta.app_label}"
            f"&model_name={model._meta.model_name}&field_name={field.name}&term="
        )
        response = client.get(url)
        registered = remote in admin.site._registry and admin.site._registry[remote].search_fields
        if role == "anonymous":
            want = 302
        elif registered and remote_label in VIEWABLE[role]:
            want = 200
        else:
            want = 403
        if response.status_code != want:
            problems.append(f"{url}: {response.status_code}, expected {want}")
        if response.status_code == 200 and role in (FILLER, REVIEWER):
            results = json.loads(response.content)["results"]
            if b_ids.get(remote_label) in {r["id"] for r in results}:
                problems.append(f"{url}: B's {remote_label} offered")
            if any(s in _body(response) for s in B_STRINGS):
                problems.append(f"{url}: B's name offered")
    assert not problems, "\n".join(problems)


def test_code_autocomplete_offers_the_years_active_bottom_level_codes(client, draft_world):
    """The budget line's 功能科目 autocomplete lists only active level-3 functional codes of the
    filler's submission year (and of the edited line's year when called from its page)."""
    user = draft_world["users"][FILLER]
    _login(client, user)
    year = draft_world["A"]["submission"].year
    retired = ClassificationCode.objects.filter(
        scheme=CodeScheme.FUNCTIONAL, year=year, level=3
    ).first()
    retired.is_active = False
    retired.save()
    other_year = ClassificationCode.objects.create(
        scheme=CodeScheme.FUNCTIONAL, year=year - 1, code=retired.code, name="上年的科目", level=3
    )
    url = (
        f"{reverse('admin:autocomplete')}?app_label=units&model_name=budgetline"
        "&field_name=func_code&term="
    )
    ids = set()
    page = 1
    while True:
        data = client.get(f"{url}&page={page}").json()
        ids |= {int(r["id"]) for r in data["results"]}
        if not data["pagination"]["more"]:
            break
        page += 1
    expected_ids = set(
        ClassificationCode.objects.filter(
            scheme=CodeScheme.FUNCTIONAL, year=year, level=3, is_active=True
        ).values_list("pk", flat=True)
    )
    assert ids == expected_ids
    assert retired.pk not in ids and other_year.pk not in ids
    line = draft_world["A"]["line"]
    referer = "http://testserver" + reverse("admin:units_budgetline_change", args=[line.pk])
    data = client.get(url + "&term=" + retired.code[:3], HTTP_REFERER=referer).json()
    assert data["results"]
    assert {
        c.year for c in ClassificationCode.objects.filter(pk__in=[r["id"] for r in data["results"]])
    } == {year}


# --- forged POSTs -----------------------------------------------------------------------------


def snapshot():
    """Every row of every budget-data table, and the number of history records of B's data.

    A forged inline row is dropped by Django (an id outside the formset's rows gives an empty
    form) while the rest of the page — A's own object, unchanged — may be saved again: so
    `updated_at` and the history of A's data are left out; the rows themselves must be equal.
    """
    state = {}
    b_submission = Submission.objects.get(unit__name=B_NAME).pk
    for tracked in TRACKED:
        model = tracked.model
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
        state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
        state[f"{model._meta.label} history of B"] = model.history.filter(
            submission_history_filter(tracked, b_submission)
        ).count()
    return state


def assert_refused(response, before):
    assert response.status_code in (200, 302, 403, 404)
    assert snapshot() == before
    assert not any(secret in _body(response) for secret in B_STRINGS)


@pytest.fixture
def filler(client, draft_world):
    return _login(client, draft_world["users"][FILLER])


def test_forged_fk_ids_of_b_in_line_and_target_forms(filler, draft_world):
    """B's submission or project in a line, B's submission in a unit target, B's project in a
    project target — on add and change — are refused; B's project name is not echoed back by
    the raw-id widget."""
    a, b = draft_world["A"], draft_world["B"]
    before = snapshot()
    line_url = url_of(BudgetLine, "change", a["line"].pk)
    data = change_form_data(filler, line_url)
    assert_refused(filler.post(line_url, {**data, "project": b["project"].pk}), before)
    assert_refused(filler.post(line_url, {**data, "submission": b["submission"].pk}), before)
    add_data = {k: v for k, v in data.items() if k != "concurrency_token"}
    assert_refused(
        filler.post(url_of(BudgetLine, "add"), {**add_data, "submission": b["submission"].pk}),
        before,
    )
    assert_refused(
        filler.post(url_of(BudgetLine, "add"), {**add_data, "project": b["project"].pk}), before
    )
    # saving as new from A's page with B's submission is an add, refused the same way
    assert_refused(
        filler.post(line_url, {**data, "_saveasnew": "1", "submission": b["submission"].pk}),
        before,
    )
    UnitTarget.objects.filter(pk=a["unit_target"].pk).delete()
    before = snapshot()
    assert_refused(
        filler.post(
            url_of(UnitTarget, "add"),
            {
                "submission": b["submission"].pk,
                "strategic_goal": "伪造",
                "annual_goal": "伪造",
                "key_tasks-TOTAL_FORMS": "0",
                "key_tasks-INITIAL_FORMS": "0",
                "indicators-TOTAL_FORMS": "0",
                "indicators-INITIAL_FORMS": "0",
            },
        ),
        before,
    )
    new_project = Project.objects.create(
        submission=a["submission"], name="甲新项目", category="operating", recurrence="recurring"
    )
    before = snapshot()
    target_data = change_form_data(filler, url_of(ProjectTarget, "add"))
    target_data.update(
        project=b["project"].pk,
        overview="伪造",
        basis="伪造",
        necessity="伪造",
        measures="伪造",
        plan="伪造",
        goal_period="伪造",
        goal_year="伪造",
    )
    assert_refused(filler.post(url_of(ProjectTarget, "add"), target_data), before)
    assert new_project.pk  # A's own project stays available, untouched


def test_forged_inline_rows_pointing_at_b(filler, draft_world):
    """Inline rows whose id is one of B's rows (a project on the submission page, an indicator
    and a key task on the target pages), or whose parent key is B's target, change nothing."""
    a, b = draft_world["A"], draft_world["B"]
    before = snapshot()
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(filler, url)
    projects = prefix_of(data, "projects")
    forged = {**data, f"{projects}-0-id": b["project"].pk, f"{projects}-0-name": "伪造项目名"}
    assert_refused(filler.post(url, forged), before)
    glossary = prefix_of(data, "glossary_terms")
    forged = {**data, f"{glossary}-0-id": b["glossary"].pk, f"{glossary}-0-DELETE": "on"}
    assert_refused(filler.post(url, forged), before)

    url = url_of(ProjectTarget, "change", a["project_target"].pk)
    data = change_form_data(filler, url)
    for prefix in [k.removesuffix("-TOTAL_FORMS") for k in data if k.endswith("-TOTAL_FORMS")]:
        for forged in (
            {f"{prefix}-0-id": b["indicator"].pk, f"{prefix}-0-text": "≥99个"},
            {f"{prefix}-0-id": b["indicator"].pk, f"{prefix}-0-DELETE": "on"},
            {f"{prefix}-0-project_target": b["project_target"].pk, f"{prefix}-0-text": "≥98个"},
        ):
            if f"{prefix}-0-id" in data or "project_target" in str(forged):
                assert_refused(filler.post(url, {**data, **forged}), before)

    url = url_of(UnitTarget, "change", a["unit_target"].pk)
    data = change_form_data(filler, url)
    tasks = prefix_of(data, "key_tasks")
    forged = {**data, f"{tasks}-0-id": b["key_task"].pk, f"{tasks}-0-tasks": "伪造任务"}
    assert_refused(filler.post(url, forged), before)
    indicators = prefix_of(data, "indicators")
    forged = {**data, f"{indicators}-0-id": b["unit_indicator"].pk, f"{indicators}-0-DELETE": "on"}
    assert_refused(filler.post(url, forged), before)


def test_tampered_management_forms(filler, draft_world):
    """TOTAL_FORMS larger than the rows sent, INITIAL_FORMS claiming rows without ids or with
    B's ids, and an absurd TOTAL_FORMS save nothing foreign and never fail with a 500."""
    a, b = draft_world["A"], draft_world["B"]
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(filler, url)
    projects = prefix_of(data, "projects")
    count = int(data[f"{projects}-TOTAL_FORMS"])
    before = snapshot()
    # More forms announced than sent: refused (the missing fields differ from the defaults).
    assert_refused(filler.post(url, {**data, f"{projects}-TOTAL_FORMS": str(count + 5)}), before)
    # Initial rows claimed beyond those sent (no id) and one with B's id.
    forged = {
        **data,
        f"{projects}-INITIAL_FORMS": str(count + 1),
        f"{projects}-TOTAL_FORMS": str(count + 1),
        f"{projects}-{count}-id": b["project"].pk,
        f"{projects}-{count}-name": "伪造",
    }
    assert_refused(filler.post(url, forged), before)
    forged = {
        **data,
        f"{projects}-INITIAL_FORMS": str(count + 3),
        f"{projects}-TOTAL_FORMS": str(count + 3),
    }
    assert_refused(filler.post(url, forged), before)
    forged = {**data, f"{projects}-TOTAL_FORMS": "100000"}
    assert_refused(filler.post(url, forged), before)


def test_workflow_fields_in_form_data_are_ignored(client, draft_world):
    """`status`, `version`, `approval_date`, `unit` and `year` posted with the submission page
    change none of them (批复日期 starts the unit's own 公开时限, so the unit cannot set it)."""
    a, b = draft_world["A"], draft_world["B"]
    _login(client, draft_world["users"][FILLER])
    url = url_of(Submission, "change", a["submission"].pk)
    data = change_form_data(client, url)
    assert "approval_date" not in data
    data.update(
        status=SubmissionStatus.PUBLISHED,
        version="7",
        approval_date="2020-01-01",
        unit=b["unit"].pk,
        year="1999",
        prior_total="12.00",
    )
    assert client.post(url, data).status_code == 302
    submission = Submission.objects.get(pk=a["submission"].pk)
    assert submission.prior_total == Decimal("12.00")  # the legitimate field was saved
    assert (submission.status, submission.version, submission.approval_date) == ("draft", 1, None)
    assert (submission.unit_id, submission.year) == (a["unit"].pk, a["submission"].year)


@pytest.mark.parametrize("state", STATES[1:], ids=[s.value for s in STATES[1:]])
@pytest.mark.parametrize("role", [FILLER, REVIEWER])
def test_non_editable_states_refuse_every_write(client, role, state):
    """In 已提交/已审核/已发布, change, delete and revert POSTs of A's data are refused."""
    world = build_world(state)
    _login(client, world["users"][role])
    a = world["A"]
    before = snapshot()
    for model, obj in (
        (Submission, a["submission"]),
        (BudgetLine, a["line"]),
        (UnitTarget, a["unit_target"]),
        (ProjectTarget, a["project_target"]),
    ):
        change = url_of(model, "change", obj.pk)
        data = change_form_data(client, change)
        data.update(approval_date="2020-01-01", status=SubmissionStatus.DRAFT, note="伪造")
        assert client.post(change, data).status_code == 403, change
        assert client.post(url_of(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        version = url_of(model, "version", obj.pk, _latest_version(obj))
        assert client.post(version, data).status_code == 403
    assert snapshot() == before


def test_actions_with_b_ids_change_nothing(client, draft_world):
    """Every admin action posted with B's ids in `_selected_action` leaves the data (and the
    audit trail) exactly as it was."""
    b = draft_world["B"]
    Submission.objects.filter(pk=b["submission"].pk).update(status=SubmissionStatus.SUBMITTED)
    cases = [
        (FILLER, Submission, b["submission"], ["submit_for_review", "initialise_texts"]),
        (REVIEWER, Submission, b["submission"], ["approve", "return_to_unit"]),
        (FILLER, BudgetLine, b["line"], ["delete_selected"]),
        (FILLER, UnitTarget, b["unit_target"], ["copy_previous_year", "delete_selected"]),
        (FILLER, ProjectTarget, b["project_target"], ["copy_previous_year", "delete_selected"]),
    ]
    before = snapshot()
    for role, model, obj, actions in cases:
        _login(client, draft_world["users"][role])
        for action in actions:
            response = client.post(
                url_of(model, "changelist"),
                {
                    "action": action,
                    ACTION_CHECKBOX_NAME: [obj.pk],
                    "post": "yes",
                    "reason": "伪造的退回原因",
                },
            )
            assert_refused(response, before)
    assert Submission.objects.get(pk=b["submission"].pk).status == SubmissionStatus.SUBMITTED


def test_delete_and_revert_posts_for_b_objects_change_nothing(filler, draft_world):
    """Delete and revert POSTs naming B's objects answer like missing objects; nothing changes."""
    b = draft_world["B"]
    before = snapshot()
    for model, obj in (
        (BudgetLine, b["line"]),
        (UnitTarget, b["unit_target"]),
        (ProjectTarget, b["project_target"]),
        (Submission, b["submission"]),
    ):
        for kind in ("delete", "change"):
            url = url_of(model, kind, obj.pk)
            missing = url_of(model, kind, MISSING)
            response = filler.post(url, {"post": "yes"})
            other = filler.post(missing, {"post": "yes"})
            assert (response.status_code, response.get("Location")) == (
                other.status_code,
                other.get("Location"),
            )
            assert_refused(response, before)
        version = url_of(model, "version", obj.pk, _latest_version(obj))
        assert_refused(filler.post(version, {"post": "yes"}), before)
    assert BudgetUnit.objects.filter(pk=b["unit"].pk).exists()
    assert Department.objects.filter(pk=b["department"].pk).exists()


def test_custom_admin_views_with_b_ids(client, draft_world):
    """The 变更记录 page, the target Excel export and template, the copy page and the budget
    import/template views given B's submission answer like a missing one for A's users."""
    b = draft_world["B"]
    for role in (FILLER, REVIEWER):
        _login(client, draft_world["users"][role])
        pairs = [
            (
                reverse("admin:units_submission_audit", args=[b["submission"].pk]),
                reverse("admin:units_submission_audit", args=[MISSING]),
            ),
            (
                reverse("admin:performance_projecttarget_export")
                + f"?submission={b['submission'].pk}",
                reverse("admin:performance_projecttarget_export") + f"?submission={MISSING}",
            ),
            (
                reverse("admin:performance_projecttarget_template")
                + f"?submission={b['submission'].pk}",
                reverse("admin:performance_projecttarget_template") + f"?submission={MISSING}",
            ),
            (
                reverse("units_budget_template") + f"?submission={b['submission'].pk}",
                reverse("units_budget_template") + f"?submission={MISSING}",
            ),
        ]
        for url, missing in pairs:
            response, other = client.get(url), client.get(missing)
            assert response.status_code == other.status_code, url
            assert not any(s in _body(response) for s in B_STRINGS), url
        before = snapshot()
        for url in (
            reverse("admin:performance_projecttarget_copy"),
            reverse("units_budget_import"),
        ):
            assert_refused(client.post(url, {"submission": b["submission"].pk}), before)


def test_popups_list_only_visible_objects(client, draft_world):
    """Raw-id popups (`?_popup=1&_to_field=id`) of submissions, units and lines list A's rows
    only for A's users."""
    for role in (FILLER, REVIEWER):
        _login(client, draft_world["users"][role])
        for model in (Submission, BudgetUnit, Department, BudgetLine, UnitTarget, ProjectTarget):
            response = client.get(url_of(model, "popup"))
            assert response.status_code == 200
            shown = {obj.pk for obj in response.context["cl"].result_list}
            a_obj, b_obj = objects_of(draft_world, model._meta.label_lower)
            assert a_obj.pk in shown and b_obj.pk not in shown
            assert not any(s in _body(response) for s in B_STRINGS)


def test_every_field_relation_of_budget_forms_is_scoped(client, draft_world):
    """On A's change pages every foreign-key <select> offers no row of B (projects, submissions,
    targets), so B's names are never listed."""
    _login(client, draft_world["users"][FILLER])
    a = draft_world["A"]
    for model, obj in (
        (Submission, a["submission"]),
        (BudgetLine, a["line"]),
        (UnitTarget, a["unit_target"]),
        (ProjectTarget, a["project_target"]),
    ):
        response = client.get(url_of(model, "change", obj.pk))
        forms = [response.context["adminform"].form]
        for inline in response.context["inline_admin_formsets"]:
            forms += list(inline.formset.forms) + [inline.formset.empty_form]
        for form in forms:
            for name, field in form.fields.items():
                queryset = getattr(field, "queryset", None)
                if queryset is None or field.widget.is_hidden:
                    continue  # row ids: never rendered as choices
                rows = {str(o) for o in queryset[:500]}
                assert not any(s in row for row in rows for s in B_STRINGS), (model, name)


def test_admin_role_cannot_become_superuser(client, draft_world):
    """A 财政管理员 editing users cannot grant superuser status or single permissions (to
    themselves or anyone), nor change or delete a superuser's account or password."""
    manager = draft_world["users"][ADMIN]
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw-123456")
    _login(client, manager)
    url = reverse("admin:auth_user_change", args=[manager.pk])
    response = client.get(url)
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    data = {
        name: posted(form[name].value())
        for name in form.fields
        if form[name].value() is not False and not isinstance(form[name].value(), list)
    }
    data.update(is_superuser="on", is_staff="on", is_active="on")
    data["groups"] = [g.pk for g in manager.groups.all()]
    client.post(url, data)
    manager.refresh_from_db()
    assert not manager.is_superuser
    for kind in ("change", "delete"):
        assert (
            client.post(reverse(f"admin:auth_user_{kind}", args=[root.pk]), {}).status_code == 403
        )
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert (
        client.post(
            password_url, {"password1": "x-98765432", "password2": "x-98765432"}
        ).status_code
        == 403
    )
    root.refresh_from_db()
    assert root.check_password("pw-123456")


def test_inline_project_choices_are_the_submissions_own(client, draft_world):
    """On a submission's page, 政府采购 rows and 追加批次 offer only that submission's projects,
    even when the 填报人 edits several submissions."""
    a = draft_world["A"]
    other = submission_create(unit=a["unit"], year=a["submission"].year + 1)
    Project.objects.create(
        submission=other, name="另一年度的项目", category="operating", recurrence="recurring"
    )
    _login(client, draft_world["users"][FILLER])
    response = client.get(url_of(Submission, "change", a["submission"].pk))
    own = set(Project.objects.filter(submission=a["submission"]).values_list("pk", flat=True))
    checked = 0
    for inline in response.context["inline_admin_formsets"]:
        form = inline.formset.empty_form
        for name in ("project", "allocation_of"):
            if name in form.fields:
                assert set(form.fields[name].queryset.values_list("pk", flat=True)) <= own
                checked += 1
    assert checked == 2


def test_submission_page_queries_do_not_grow_with_rows(client, draft_world):
    """The submission page (its project choices scoped and read once, the locking token taken
    from the rows already loaded) runs as many queries with 30 more projects and items."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from units.models import ProcurementItem

    submission = draft_world["A"]["submission"]
    _login(client, draft_world["users"][FILLER])
    url = url_of(Submission, "change", submission.pk)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    ProcurementItem.objects.create(
        submission=submission, kind="goods", name="采购", amount=Decimal("1.00")
    )
    count()  # warm the per-process caches (content types, session)
    before = count()
    for n in range(30):
        project = Project.objects.create(
            submission=submission, name=f"项目{n}", category="operating", recurrence="recurring"
        )
        ProcurementItem.objects.create(
            submission=submission, kind="goods", name=f"采购{n}", project=project, amount=1
        )
    assert count() == before
