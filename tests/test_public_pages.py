"""The public pages, no login: the anonymous access matrix (only published versions are ever
visible), search and filters of the list, pagination and its query count, the version page with
its downloads and version history, the files' headers, and escaping of unit names."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tables.models import FileKind, PublishedFile, PublishedVersion
from tables.public.views import PER_PAGE
from tables.publication.artifacts import ARTIFACTS, file_stem
from tables.publication.search import search_entry_create
from tables.publication.services import submission_publish
from tests.factories import (
    budget_unit_create,
    department_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import BudgetLine, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import submission_transition

pytestmark = pytest.mark.django_db

S = SubmissionStatus
User = get_user_model()
DEMO_NAME = "阳城县人民代表大会常务委员会办公室"


@pytest.fixture
def admin_user():
    return user_with(ADMIN, name="publisher")


@pytest.fixture
def published(admin_user):
    """A small synthetic unit, approved and published as version 1 through the real service."""
    unit = budget_unit_create(name="测试预算单位")
    submission = submission_create(unit=unit, status=S.APPROVED)
    synthetic_budget(submission, 12)
    version = submission_publish(submission_id=submission.pk, actor=admin_user)
    return submission, version


_clock = iter(range(1, 100_000))


def stored_version(*, name="某某单位", year=2025, department=None, published_at=None, version=1):
    """A published version inserted directly, with five tiny files: fast rows for the list's
    filters, pages and query counts (the real service renders a PDF each time)."""
    unit = budget_unit_create(name=name, department=department)
    submission = submission_create(unit=unit, year=year, status=S.PUBLISHED)
    when = published_at or (
        datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        + datetime.timedelta(minutes=next(_clock))
    )
    row = PublishedVersion.objects.create(
        submission=submission,
        version=version,
        published_at=when,
        year=year,
        unit_code=unit.code,
        unit_name=name,
        department_code=unit.department.code,
        department_name=unit.department.name,
        approval_date=datetime.date(year, 1, 20),
        data_json={"schema": "budget-disclosure-snapshot/1"},
    )
    search_entry_create(row)  # as publishing writes it
    for kind, (content_type, suffix) in ARTIFACTS.items():
        content = f"{name}:{kind}".encode()
        PublishedFile.objects.create(
            version=row,
            kind=kind,
            file_name=file_stem(unit_name=name, year=year, version=version) + suffix,
            content_type=content_type,
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    return row


def stored_correction(previous, *, version: int, reason: str, **fields) -> PublishedVersion:
    """Version n of `previous`'s submission, inserted directly (metadata only, no files)."""
    values = {
        "year": previous.year,
        "unit_code": previous.unit_code,
        "unit_name": previous.unit_name,
        "department_code": previous.department_code,
        "department_name": previous.department_name,
        "data_json": {},
        **fields,
    }
    row = PublishedVersion.objects.create(
        submission=previous.submission, version=version, reason=reason, **values
    )
    search_entry_create(row)
    return row


def list_url(**params):
    from urllib.parse import urlencode

    return reverse("public:list") + ("?" + urlencode(params) if params else "")


def detail_url(version):
    return reverse("public:disclosure", kwargs={"version_id": version.pk})


def file_url(file):
    return reverse("public:file", kwargs={"file_id": file.pk, "file_name": file.file_name})


def names_listed(response) -> list[str]:
    return [v.unit_name for v in response.context["page"].object_list]


# --- the anonymous access matrix ---------------------------------------------------------------


def test_published_pages_and_files_answer_200_without_login(published, client):
    """An anonymous visitor opens the list, the version page, its stable unit-year address, the
    HTML disclosure and every stored file of a published version."""
    submission, version = published
    assert client.get(list_url()).status_code == 200
    page = client.get(detail_url(version))
    assert page.status_code == 200
    latest = client.get(reverse("public:latest", args=[submission.unit.code, submission.year]))
    assert latest.status_code == 302 and latest["Location"] == detail_url(version)
    html = client.get(reverse("public:disclosure_html", args=[version.pk]))
    assert html.status_code == 200 and html["Content-Disposition"] == "inline"
    assert "default-src 'none'" in html["Content-Security-Policy"]
    assert "script-src" not in html["Content-Security-Policy"]
    for file in version.files.all():
        response = client.get(file_url(file))
        assert response.status_code == 200, file.kind
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == file.sha256


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED])
def test_unpublished_submissions_answer_404(status, client):
    """A submission that was never published is in no list and its unit-year address answers
    404, whatever its state."""
    stored_version(name="已公开单位")
    submission = submission_create(unit=budget_unit_create(name="未公开单位"), status=status)
    synthetic_budget(submission, 4)
    assert "未公开单位" not in client.get(list_url()).content.decode()
    assert "未公开单位" not in client.get(list_url(q="未公开")).content.decode()
    url = reverse("public:latest", args=[submission.unit.code, submission.year])
    assert client.get(url).status_code == 404
    # its submission id is no version id
    assert not PublishedVersion.objects.filter(pk=submission.pk).exists()
    assert client.get(reverse("public:disclosure", args=[submission.pk])).status_code == 404


def test_guessed_ids_answer_404(client):
    """Unknown version and file ids, a file under another name, another year, and the HTML of a
    version that does not exist all answer 404."""
    version = stored_version(name="甲单位")
    file = version.files.get(kind=FileKind.PDF)
    beyond_version = PublishedVersion.objects.order_by("-pk").first().pk + 1
    beyond_file = PublishedFile.objects.order_by("-pk").first().pk + 1
    for url in (
        reverse("public:disclosure", args=[beyond_version]),
        reverse("public:disclosure_html", args=[beyond_version]),
        reverse("public:file", args=[beyond_file, file.file_name]),
        reverse("public:file", args=[file.pk, "其他单位2025年单位预算公开.pdf"]),
        reverse("public:latest", args=[version.unit_code, version.year + 1]),
        reverse("public:latest", args=["不存在", version.year]),
        "/public/d/abc/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(file_url(file)).status_code == 200


# --- the list ----------------------------------------------------------------------------------


def test_search_by_part_of_the_chinese_name(client):
    """Part of a unit's Chinese name finds it, and only it."""
    stored_version(name="阳城县人民代表大会常务委员会办公室")
    stored_version(name="阳城县教育局")
    stored_version(name="沁水县财政局")
    assert names_listed(client.get(list_url(q="人民代表"))) == [
        "阳城县人民代表大会常务委员会办公室"
    ]
    assert sorted(names_listed(client.get(list_url(q="阳城县")))) == sorted(
        ["阳城县人民代表大会常务委员会办公室", "阳城县教育局"]
    )
    assert names_listed(client.get(list_url(q="不存在的单位"))) == []
    assert "没有符合条件的单位预算" in client.get(list_url(q="不存在的单位")).content.decode()


def test_year_and_department_filters(client):
    """The year and 主管部门 filters narrow the list, and combine with each other and the search;
    the form offers only years and 主管部门 that have a disclosure."""
    education = department_create(name="教育局")
    finance = department_create(name="财政局")
    stored_version(name="一中", year=2025, department=education)
    stored_version(name="二中", year=2024, department=education)
    stored_version(name="国库中心", year=2025, department=finance)

    assert sorted(names_listed(client.get(list_url(year=2025)))) == ["一中", "国库中心"]
    by_department = client.get(list_url(department=education.code))
    assert sorted(names_listed(by_department)) == ["一中", "二中"]
    assert names_listed(client.get(list_url(department=education.code, year=2024))) == ["二中"]
    assert names_listed(client.get(list_url(q="中", department=finance.code))) == ["国库中心"]
    assert names_listed(client.get(list_url(year="不是年份"))) != []  # ignored, not an error
    assert by_department.context["years"] == [2025, 2024]
    assert (education.code, "教育局") in by_department.context["departments"]


def test_newest_first_and_latest_version_only(client):
    """Sorted by publication date, newest first; a corrected disclosure appears once, as its
    newest version."""
    base = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    stored_version(name="早单位", published_at=base)
    later = stored_version(name="晚单位", published_at=base + datetime.timedelta(days=2))
    stored_correction(
        later,
        version=2,
        reason="更正",
        published_at=base - datetime.timedelta(days=1),  # an odd clock: version still decides
        unit_name="晚单位（更名）",
    )
    stored_version(name="中单位", published_at=base + datetime.timedelta(days=1))
    assert names_listed(client.get(list_url())) == ["中单位", "早单位", "晚单位（更名）"]


def test_pagination(client):
    """20 per page, with links to the next and previous page that keep the filters; a page past
    the end shows the last one."""
    for i in range(PER_PAGE + 5):
        stored_version(name=f"分页单位{i:02d}")
    first = client.get(list_url(q="分页"))
    assert len(first.context["page"].object_list) == PER_PAGE
    text = first.content.decode()
    assert "page=2" in text and "q=%E5%88%86%E9%A1%B5" in text and "上一页" not in text
    second = client.get(list_url(q="分页", page=2))
    assert len(second.context["page"].object_list) == 5 and "上一页" in second.content.decode()
    assert set(names_listed(first)).isdisjoint(names_listed(second))
    assert client.get(list_url(q="分页", page=99)).context["page"].number == 2


@pytest.mark.parametrize("count", [3, PER_PAGE + 5])
def test_list_query_count_does_not_grow(count, client, django_assert_max_num_queries):
    """Rendered afresh, the list takes the same five queries (publication generation, count,
    page, years, 主管部门) for a few rows and for a full page."""
    for i in range(count):
        stored_version(name=f"单位{i}")
    with django_assert_max_num_queries(5):
        response = client.get(list_url())
    assert len(response.context["page"].object_list) == min(count, PER_PAGE)


def test_detail_query_count_does_not_grow(client, django_assert_max_num_queries):
    """Rendered afresh, the version page takes four queries (publication generation, version,
    history, files) with one version and with several."""
    v1 = stored_version(name="多版本单位")
    with django_assert_max_num_queries(4):
        assert client.get(detail_url(v1)).status_code == 200
    for n in (2, 3, 4):
        stored_correction(v1, version=n, reason=f"第{n}次更正")
    with django_assert_max_num_queries(4):
        text = client.get(detail_url(v1)).content.decode()
    assert "第4次更正" in text


def test_unit_names_are_escaped(client):
    """A unit name with markup is shown as text on the list and the version page."""
    name = '<script>alert("x")</script>单位'
    version = stored_version(name=name)
    for url in (list_url(), detail_url(version)):
        text = client.get(url).content.decode()
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;单位" in text


# --- the version page and its files -------------------------------------------------------------


def test_version_page_shows_metadata_and_downloads(client):
    """The version page shows the publication date, 批复日期 and 主管部门, and links the PDF,
    XLSX, JSON and CSV downloads with their size and SHA-256."""
    version = stored_version(name="下载单位")
    text = client.get(detail_url(version)).content.decode()
    assert version.published_at.strftime("%Y-%m-%d") in text
    assert "批复日期" in text and "2025-01-20" in text and version.department_name in text
    for kind in (FileKind.PDF, FileKind.XLSX, FileKind.JSON, FileKind.CSV):
        file = version.files.get(kind=kind)
        assert file_url(file) in text and file.sha256 in text and f"{file.size} 字节" in text
    assert reverse("public:disclosure_html", args=[version.pk]) in text


def test_file_download_headers(published, client):
    """A stored file goes out with its content type, an attachment with the Chinese name
    (RFC 5987), ETag = SHA-256, long public immutable caching, and 304 on If-None-Match."""
    _, version = published
    file = version.files.get(kind=FileKind.PDF)
    response = client.get(file_url(file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(file.size)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote(file.file_name, safe="")
    )
    assert (
        "%E6%B5%8B%E8%AF%95%E9%A2%84%E7%AE%97%E5%8D%95%E4%BD%8D" in response["Content-Disposition"]
    )  # 测试预算单位
    assert response["ETag"] == f'"{file.sha256}"'
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(file_url(file), HTTP_IF_NONE_MATCH=f'"{file.sha256}"')
    assert again.status_code == 304 and again["ETag"] == f'"{file.sha256}"'
    xlsx = client.get(file_url(version.files.get(kind=FileKind.XLSX)))
    assert xlsx["Content-Type"] == ARTIFACTS[FileKind.XLSX][0]
    assert client.get(file_url(version.files.get(kind=FileKind.JSON)))["Content-Type"] == (
        "application/json"
    )


def test_correction_lists_both_versions_with_the_reason(demo_approved, client, fast_pdf):
    """Publish v1, 更正 with a reason, re-approve, publish v2: both version pages list both
    versions and the reason, the list shows v2 only, and the files of both versions download
    with their stored SHA-256."""
    submission, people = demo_approved
    v1 = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    submission_transition(
        submission_id=submission.pk,
        actor=people[ADMIN],
        to_status=S.DRAFT,
        reason="公用经费金额录入有误",
    )
    line = BudgetLine.objects.filter(submission=submission, expense_kind="public").first()
    line.amount += Decimal("10000.00")
    line.save()
    submission_transition(submission_id=submission.pk, actor=people[FILLER], to_status=S.SUBMITTED)
    submission_transition(submission_id=submission.pk, actor=people[REVIEWER], to_status=S.APPROVED)
    v2 = submission_publish(submission_id=submission.pk, actor=people[ADMIN])
    client.logout()

    listed = client.get(list_url(q="人民代表大会"))
    assert [v.pk for v in listed.context["page"].object_list] == [v2.pk]
    for version in (v1, v2):
        page = client.get(detail_url(version))
        assert page.status_code == 200
        text = page.content.decode()
        assert "第1版" in text and "第2版" in text and "公用经费金额录入有误" in text
        for file in version.files.all():
            response = client.get(file_url(file))
            assert response.status_code == 200
            body = b"".join(response.streaming_content)
            assert hashlib.sha256(body).hexdigest() == file.sha256
    assert "已被更正" in client.get(detail_url(v1)).content.decode()
    assert "已被更正" not in client.get(detail_url(v2)).content.decode()
    assert v2.files.get(kind="pdf").file_name == f"{DEMO_NAME}2025年单位预算公开（第2版）.pdf"


# --- accessible markup --------------------------------------------------------------------------


class _Markup(HTMLParser):
    """The elements of a page as (tag, attributes) in document order, plus the text of inline
    scripts; enough to check the markup rules below without a browser."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        self._in_script = tag == "script" and "src" not in attributes

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def find(self, tag=None, **attrs) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.elements
            if (tag is None or t == tag) and all(a.get(k) == v for k, v in attrs.items())
        ]


def assert_accessible_markup(text: str) -> _Markup:
    """The rules every public page keeps: Chinese language, one h1 and no skipped heading level,
    a skip link to the main landmark, every form control labelled, every table captioned, and
    nothing inline that a strict CSP would refuse (scripts, handlers) or that we avoid (styles)."""
    markup = _Markup(text)
    assert markup.find("html") == [{"lang": "zh-hans"}]
    assert markup.find("meta", name="viewport")
    headings = [int(t[1]) for t, _ in markup.elements if re.fullmatch(r"h[1-6]", t)]
    assert headings.count(1) == 1 and headings[0] == 1, headings
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings
    skip = markup.find("a", **{"class": "skip-link"})
    assert skip and skip[0]["href"] == "#main"
    assert markup.find("main", id="main")
    labels = {a["for"] for a in markup.find("label") if "for" in a}
    for tag in ("input", "select", "textarea"):
        for control in markup.find(tag):
            if control.get("type") in ("hidden", "submit"):
                continue
            assert control.get("id") in labels or control.get("aria-label"), control
    tables = [t for t, _ in markup.elements if t == "table"]
    assert len(markup.find("caption")) == len(tables)
    assert markup.inline_scripts == []
    for tag, attributes in markup.elements:
        assert "style" not in attributes, tag
        assert not [a for a in attributes if a.startswith("on")], (tag, attributes)
    for region in markup.find("div", **{"class": "table-scroll"}):
        # a scrolling region is reachable by keyboard and named
        assert region.get("tabindex") == "0" and region.get("aria-labelledby"), region
    return markup


def test_list_page_markup_is_accessible(client):
    """The list page, with results, without results and on a later page: Chinese, one h1, a
    labelled search form, a captioned table, the current page marked in the pagination and in
    the site navigation."""
    for i in range(PER_PAGE + 1):
        stored_version(name=f"无障碍单位{i:02d}")
    first = assert_accessible_markup(client.get(list_url()).content.decode())
    assert first.find("form", role="search")
    assert {a["for"] for a in first.find("label")} >= {"id_q", "id_year", "id_department"}
    assert first.find("a", href=reverse("public:list"), **{"aria-current": "page"})
    assert first.find("nav", **{"aria-label": "分页"})
    assert first.find("span", **{"aria-current": "page"})
    assert first.find("a", rel="next") and not first.find("a", rel="prev")
    second = assert_accessible_markup(client.get(list_url(page=2)).content.decode())
    assert second.find("a", rel="prev")
    empty = client.get(list_url(q="没有这个单位")).content.decode()
    assert "没有符合条件的单位预算" in empty and "清除条件" in empty
    assert_accessible_markup(empty)


def test_version_page_markup_is_accessible(client):
    """The version page of a corrected disclosure: one h1, breadcrumbs and version history mark
    the current page, every download link carries the `download` attribute with the stored file
    name, and the HTML disclosure is one prominent link away."""
    v1 = stored_version(name="无障碍单位")
    v2 = stored_correction(v1, version=2, reason="更正金额")
    markup = assert_accessible_markup(client.get(detail_url(v1)).content.decode())
    assert markup.find("nav", **{"aria-label": "导航路径"})
    assert len(markup.find(**{"aria-current": "page"})) == 2  # breadcrumb, history row
    assert markup.find("a", href=detail_url(v2))  # the notice and the history both link v2
    for file in v1.files.all():
        links = markup.find("a", href=file_url(file))
        assert links and links[0].get("download") == file.file_name, file.kind
    html_links = markup.find("a", href=reverse("public:disclosure_html", args=[v1.pk]))
    assert html_links and "button" in html_links[0].get("class", "")
    assert_accessible_markup(client.get(detail_url(v2)).content.decode())
