"""Permission matrix over every admin URL of every registered model.

Units A and B × roles 填报人(A), 审核人(A), 管理员 and anonymous × workflow states (草稿, 已提交,
已审核, 已发布) over changelist, raw-id popup, add, change, delete, history, history version
(revert page), autocomplete and `/admin/r/…`: the documented status for A's objects (and for
管理员, B's); for A's users, every URL naming one of B's objects answers exactly like the same
URL naming an object that does not exist, and B's distinctive names never appear. The code
autocomplete offers only the year's active bottom-level codes.

The world and the expected statuses are in `tests/admin_url_matrix.py`; forged POSTs are in
`tests/test_permissions_admin_forms.py`.
"""

import json

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.admin_url_matrix import (
    B_STRINGS,
    BUDGET,
    MISSING,
    PEOPLE,
    PUBLICATION,
    REFERENCE,
    ROLES,
    STATES,
    TASKS,
    UNIT_REFERENCE,
    build_world,
    expected,
    latest_version,
    login_as,
    missing_pk,
    objects_of,
    response_body,
    url_of,
)
from units.history import TRACKED
from units.models import ClassificationCode, CodeScheme, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER

pytestmark = pytest.mark.django_db


@pytest.fixture(params=STATES, ids=[s.value for s in STATES])
def world(request):
    return build_world(request.param)


def _kinds(model):
    kinds = ["changelist", "popup", "add", "change", "delete", "history", "r"]
    try:
        reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[1, 1]
        )
    except NoReverseMatch:
        return kinds
    return [*kinds, "version"]


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_of_every_model(client, world, role):
    """Each registered model's admin URLs answer as documented; for A's users B's objects are
    indistinguishable from missing ones and B's names never appear."""
    state = world["state"]
    login_as(client, world["users"][role])
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
                    versions = {"A": latest_version(obj_a), "B": obj_b and latest_version(obj_b)}
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
                body = response_body(response)
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
    login_as(client, draft_world["users"][FILLER])
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
    login_as(client, draft_world["users"][role])
    a, b = draft_world["A"], draft_world["B"]
    for key in ("line", "submission", "unit_target", "project_target"):
        obj_a, obj_b = a[key], b[key]
        url = url_of(type(obj_a), "version", obj_a.pk, latest_version(obj_b))
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
    login_as(client, draft_world["users"][role])
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
            if any(s in response_body(response) for s in B_STRINGS):
                problems.append(f"{url}: B's name offered")
    assert not problems, "\n".join(problems)


def test_code_autocomplete_offers_the_years_active_bottom_level_codes(client, draft_world):
    """The budget line's 功能科目 autocomplete lists only active level-3 functional codes of the
    filler's submission year (and of the edited line's year when called from its page)."""
    user = draft_world["users"][FILLER]
    login_as(client, user)
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
