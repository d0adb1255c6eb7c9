"""The public search (/public/?q=…): a unit is found by any part of its name, by the bureau's
简称 (人大 ↔ 人民代表大会 …), by its code and by pinyin initials, ranked exact code → a name
(or variant, or pinyin) starting with the query → the rest, newest publication within a rank;
a misspelling finds nothing. The 检索简称 admin (财政管理员 only) rebuilds the search entries,
and so does the command `search_index_rebuild`.

Data: the demo unit (003, 阳城县人民代表大会常务委员会办公室) published FIRST, so that it is
the oldest publication and "first" in a result is the ranking's doing, never the date's; then
two other units published through the same service. The file runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tables.models import PublishedSearchEntry, PublishedVersion, SearchAlias
from tables.public.cache import public_pages_clear
from tables.public.views import PER_PAGE
from tables.publication.search import (
    RANK_CODE,
    RANK_OTHER,
    RANK_PREFIX,
    name_variants,
    search_aliases,
    search_query_normal,
    search_text,
)
from tables.publication.services import submission_publish
from tests.factories import (
    approved_submission,
    budget_unit_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from tests.test_public_pages import stored_version
from units.models import SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER

DEMO_NAME = "阳城县人民代表大会常务委员会办公室"
DEMO_CODE = "003"
OTHER_NAMES = ("阳城县人民政府办公室", "阳城县发展和改革局")
ADD_URL = "admin:tables_searchalias_add"


def _publish(submission, actor) -> PublishedVersion:
    return submission_publish(submission_id=submission.pk, actor=actor)


def _publish_unit(actor, *, name: str, code: str | None = None) -> PublishedVersion:
    """A unit named `name` (with `code`, if given) approved with synthetic lines, published."""
    submission = submission_create(
        unit=budget_unit_create(name=name, code=code), status=SubmissionStatus.APPROVED
    )
    synthetic_budget(submission, 6)
    return _publish(submission, actor)


@pytest.fixture
def world(seeded_aliases, demo_approved, fast_pdf):
    """The demo published first, then two other units (newer publications)."""
    submission, people = demo_approved
    admin = people[ADMIN]
    demo = _publish(submission, admin)
    others = [_publish(approved_submission(name, n_lines=6), admin) for name in OTHER_NAMES]
    return {"demo": demo, "others": others, "admin": admin, "people": people}


#: a result's name on the list page (read from the HTML: a cached page has no context)
ROW_NAME = re.compile(r'<th scope="row" class="unit-name"><a href="[^"]+">([^<]+)</a></th>')


def _found(client, q: str, **params) -> list[str]:
    """The names the list shows for the search `q`, in order."""
    response = client.get(reverse("public:list"), {"q": q, **params})
    assert response.status_code == 200
    return [html.unescape(name) for name in ROW_NAME.findall(response.content.decode())]


def _rank(version: PublishedVersion, q: str) -> int:
    """The rank a result should have, computed here from its stored text (not by the query)."""
    text = version.search_entry.text
    normal = search_query_normal(q)
    if text.split("\n")[0] == normal:
        return RANK_CODE
    if any(line.startswith(normal) for line in text.split("\n")):
        return RANK_PREFIX
    return RANK_OTHER


# --- what finds the demo ----------------------------------------------------------------------


def test_abbreviations_code_and_pinyin_find_the_demo_first_and_misspellings_nothing(world, client):
    """人大, 人大常委, 003, ycxrd, 常委会办公室 (and the full words, a part of the name, the
    whole pinyin, capitals and spaces) each list the demo unit first, although it is the oldest
    publication; words only its name holds find only it, a word in several names finds each.
    A mixed or wrong spelling, and LIKE's wildcards typed as such, find nothing (rather than
    everything) and the page says so. The search narrows within the year filter."""
    assert _found(client, "")[-1] == DEMO_NAME  # newest first without a search: the demo last
    for q in (
        "人大",
        "人大常委",
        DEMO_CODE,
        "ycxrd",
        "常委会办公室",
        "人民代表大会",
        "代表大会常务",
        "阳城县人大常委会办公室",
        "YCXRD",
        " 人大 常委 ",
        "rendachangwei",
    ):
        found = _found(client, q)
        assert found and found[0] == DEMO_NAME, (q, found)
    for q in ("人大", "人大常委", "ycxrd", "常委会办公室"):
        assert _found(client, q) == [DEMO_NAME], q
    assert sorted(_found(client, "办公室")) == sorted([DEMO_NAME, "阳城县人民政府办公室"])
    assert _found(client, "发改局") == ["阳城县发展和改革局"]  # 发改局 = 发展和改革局
    assert _found(client, "ycxfgj") == ["阳城县发展和改革局"]

    for q in ("人大常务", "ycxzz", "人大常务委员会", "阳城县人大政府", "%", "_"):
        text = client.get(reverse("public:list"), {"q": q}).content.decode()
        assert "共 0 个单位预算" in text and "没有符合条件的单位预算" in text, q

    assert _found(client, "人大", year=2025) == [DEMO_NAME]
    assert _found(client, "人大", year=2024) == []


# --- ranking -----------------------------------------------------------------------------------


def test_ranking_exact_code_then_prefix_then_other(world, client):
    """For 003: the demo (code 003, published first) before a unit whose code starts with 003,
    before a unit whose name merely contains 003, each published later; for 人大: a name
    starting with 人大 before the demo, where it only occurs inside; within a rank, newest
    publication first."""
    prefix = _publish_unit(world["admin"], name="编码相近的单位", code="0030")
    later = prefix.published_at + datetime.timedelta(minutes=1)
    starts = stored_version(name="人大代表联络服务中心", published_at=later)
    other = stored_version(
        name="第003号测试单位", published_at=later + datetime.timedelta(minutes=2)
    )

    by_code = _found(client, DEMO_CODE)
    assert by_code[:3] == [DEMO_NAME, prefix.unit_name, other.unit_name]
    assert _found(client, "人大") == [starts.unit_name, DEMO_NAME]

    # Every result, for a few queries: ranks never decrease, and within one, newest first.
    for q in (DEMO_CODE, "人大", "阳城县", "办公室", "ycx", "00"):
        public_pages_clear()  # rendered afresh, with its context
        page = client.get(reverse("public:list"), {"q": q}).context["page"]
        versions = list(PublishedVersion.objects.filter(pk__in=[v.pk for v in page.object_list]))
        order = {v.pk: i for i, v in enumerate(page.object_list)}
        versions.sort(key=lambda v: order[v.pk])
        keys = [(_rank(v, q), -v.published_at.timestamp(), -v.pk) for v in versions]
        assert keys == sorted(keys), q
        assert [v.search_rank for v in page.object_list] == [k[0] for k in keys], q


def test_list_query_count_is_bounded_with_a_search(db, client, django_assert_max_num_queries):
    """With a search, the list takes the same four queries (publication generation, count, page,
    filter choices) for a few matches and for more than a page."""
    for count in (3, PER_PAGE + 5):
        for i in range(count):
            stored_version(name=f"阳城县人大第{count}组单位{i}")
        with django_assert_max_num_queries(4):
            response = client.get(reverse("public:list"), {"q": f"人大第{count}组"})
        assert response.context["page"].paginator.count == count
        assert len(response.context["page"].object_list) == min(count, PER_PAGE)


# --- the search text ---------------------------------------------------------------------------


def test_variants_are_all_short_or_all_full_never_mixed(seeded_aliases):
    """The seeded 简称 (migration 0009) give the demo its short name and never a half-shortened
    one; a short form inside a longer form is not expanded; two overlapping 简称 are both used."""
    aliases = search_aliases()
    assert ("人大", "人民代表大会") in aliases and ("常委会", "常务委员会") in aliases
    variants = name_variants(DEMO_NAME, aliases)
    assert variants[0] == DEMO_NAME and "阳城县人大常委会办公室" in variants
    assert not any("人大常务" in v or "人民代表大会常委会" in v for v in variants), variants

    assert name_variants("阳城县团县委", aliases) == ["阳城县团县委", "阳城县共青团县委员会"]
    assert name_variants("共青团阳城县委员会", aliases) == ["共青团阳城县委员会"]
    assert name_variants(
        "阳城县人大办", [*aliases, ("人大办", "人民代表大会常务委员会办公室")]
    ) == [
        "阳城县人大办",
        "阳城县人民代表大会常务委员会办公室",
    ]
    overlapping = name_variants(DEMO_NAME, [*aliases, ("常委办", "常务委员会办公室")])
    assert {"阳城县人大常委会办公室", "阳城县人大常委办"} <= set(overlapping)

    text = search_text(code="AB-7", name="阳城 县人大", aliases=aliases).split("\n")
    assert text[0] == "ab-7"  # the code first, lower-case: the exact-code rank reads it
    assert "阳城县人大" in text and "ycxrd" in text and "yangchengxianrenda" in text
    assert all(line == line.lower() and " " not in line for line in text)


# --- the admin of 检索简称 ----------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_alias_added_in_the_admin_finds_the_unit(
    world, client, django_capture_on_commit_callbacks
):
    """A 财政管理员 adds 常委办 = 常务委员会办公室 through the admin's add form: every published
    version's entry is rebuilt (the message says how many), the cached public pages are
    dropped, and 常委办 (and its pinyin) now find the demo."""
    reader = Client()
    assert _found(reader, "人大常委办") == []  # cached now, as an anonymous page
    admin_client = Client()
    admin_client.force_login(world["admin"])
    add = reverse(ADD_URL)
    assert admin_client.get(add).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            add, {"short": "常委办", "full": "常务委员会办公室"}, follow=True
        )
    assert response.status_code == 200
    assert SearchAlias.objects.filter(short="常委办", full="常务委员会办公室").exists()
    total = PublishedVersion.objects.count()
    assert f"已按新的检索简称重建 {total} 个已公开版本的检索条目。" in _messages(response)
    assert PublishedSearchEntry.objects.count() == total
    assert _found(reader, "人大常委办") == [DEMO_NAME]
    assert _found(reader, "rdcwb") == [DEMO_NAME]
    assert _found(reader, "人大常委")[0] == DEMO_NAME  # the seeded 简称 still work


def test_an_alias_deleted_in_the_admin_no_longer_finds(
    seeded_aliases, client, django_capture_on_commit_callbacks
):
    """Deleting 发改局 and 发改 in the admin rebuilds the entries: 发改局 finds nothing any more,
    the full name still does."""
    stored_version(name="阳城县发展和改革局")
    assert _found(client, "发改局") == ["阳城县发展和改革局"]
    admin_client = Client()
    admin_client.force_login(user_with(ADMIN))
    for short in ("发改局", "发改"):
        alias = SearchAlias.objects.get(short=short)
        url = reverse("admin:tables_searchalias_delete", args=[alias.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(url, {"post": "yes"}, follow=True)
        assert any(
            re.fullmatch(r"已按新的检索简称重建 \d+ 个已公开版本的检索条目。", m)
            for m in _messages(response)
        )
    assert not SearchAlias.objects.filter(short__in=["发改局", "发改"]).exists()
    assert _found(client, "发改局") == []
    assert _found(client, "发展和改革局") == ["阳城县发展和改革局"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"short": "人大", "full": "人大"}, "full", "全称与简称相同"),
        ({"short": "=1+1", "full": "人民代表大会"}, "short", "公式"),
        ({"short": "人 大", "full": "人民代表大会"}, "short", "不能包含空格"),
        ({"short": "  ", "full": "人民代表大会"}, "short", "这个字段是必填项"),
        ({"short": "人大", "full": "人民代表大会"}, "short", "已存在"),  # the seeded one
    ],
)
def test_the_alias_form_refuses_bad_input(seeded_aliases, client, data, field, message):
    """Empty, equal, formula-like, spaced and duplicate 简称 are refused with a message on the
    field; nothing is saved."""
    client.force_login(user_with(ADMIN))
    before = SearchAlias.objects.count()
    response = client.post(reverse(ADD_URL), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert SearchAlias.objects.count() == before


@pytest.mark.parametrize("role", [FILLER, REVIEWER, None])
def test_only_the_bureau_admin_edits_aliases(seeded_aliases, client, role):
    """A 填报人, a 审核人 or a logged-in user without a role cannot list, add, change, delete or
    read the history of 检索简称 (403, nothing changed); an anonymous visitor is sent to log in."""
    alias = SearchAlias.objects.get(short="人大")
    urls = [
        reverse("admin:tables_searchalias_changelist"),
        reverse(ADD_URL),
        reverse("admin:tables_searchalias_change", args=[alias.pk]),
        reverse("admin:tables_searchalias_delete", args=[alias.pk]),
        reverse("admin:tables_searchalias_history", args=[alias.pk]),
        reverse("admin:tables_searchalias_history", args=[999_999]),
    ]
    anonymous = Client()
    for url in urls:
        assert anonymous.get(url).status_code == 302, url
    user = user_with(role) if role else user_with(FILLER, name="no-role")
    if role is None:
        user.groups.clear()
    client.force_login(user)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse(ADD_URL), {"short": "人大会", "full": "人大"}).status_code == 403
    change = reverse("admin:tables_searchalias_change", args=[alias.pk])
    assert client.post(change, {"short": "人大", "full": "别的"}).status_code == 403
    delete = reverse("admin:tables_searchalias_delete", args=[alias.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    alias.refresh_from_db()
    assert alias.full == "人民代表大会" and not SearchAlias.objects.filter(short="人大会").exists()


# --- the command -------------------------------------------------------------------------------


def test_search_index_rebuild_command(db, client):
    """After 简称 changed outside the admin, the command rewrites every published version's
    entry and says how many, in Chinese; the new 简称 then finds the unit."""
    stored_version(name=DEMO_NAME)
    SearchAlias.objects.create(short="阳人办", full="阳城县人民代表大会常务委员会办公室")
    assert _found(client, "阳人办") == []
    out = StringIO()
    call_command("search_index_rebuild", stdout=out)
    total = PublishedVersion.objects.count()
    assert out.getvalue().strip() == f"已重建 {total} 个已公开版本的检索条目。"
    assert PublishedSearchEntry.objects.count() == total
    assert _found(client, "阳人办") == [DEMO_NAME]  # the cached page was dropped
