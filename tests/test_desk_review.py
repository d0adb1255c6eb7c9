"""公开表与审核意见 (desk:review): the tables with last year's published figures, 审核意见 per row
written by the unit's 审核人 while 已提交 and marked 已处理 by its 填报人 after a return; refused
writes change nothing and answer the refusal page; the page's queries do not grow with the
budget."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tables.desk.review import header_with_columns, review_table, row_labels
from tables.desk.selectors import published_cell, published_table
from tables.document.disclosure import disclosure_derive
from tables.figures.formatting import format_amount, header_grid
from tables.publication.artifacts import table_snapshot
from tables.publication.services import submission_publish
from tests.factories import (
    approved_submission,
    budget_unit_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import ReviewComment, SubmissionStatus
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import review_comment_add, review_comment_resolve, submission_transition

pytestmark = pytest.mark.django_db

S = SubmissionStatus
ROW = "2010101 行政运行"  # a row of the demo's 表二, as the page labels it
#: what the review page may ask the database (session, user, submission, the document, last
#: year's version, comments, targets of the findings, the workflow buttons)
MAX_QUERIES = 30


class _Rows(HTMLParser):
    """The rows of each statutory table of a page: {table id: [(tr class, [cell texts])]}."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self._section = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section" and (attributes.get("id") or "").startswith("T"):
            self._section = attributes["id"]
            self.tables[self._section] = []
        elif tag == "tr" and self._section:
            self.tables[self._section].append((attributes.get("class") or "", []))
        elif tag in ("td", "th") and self._section and self.tables[self._section]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._section][-1][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response, code: str) -> list[tuple[str, list[str]]]:
    return _Rows(response.content.decode()).tables[code]


def review_url(submission) -> str:
    return reverse("desk:review", kwargs={"pk": submission.pk})


def add_url(submission) -> str:
    return reverse("desk:review_comment_add", kwargs={"pk": submission.pk})


@pytest.fixture
def submitted(demo):
    """The demo (its two 绩效目标 错误 corrected) submitted for review by its 填报人; with its
    填报人 and 审核人, a 审核人 of another unit and a 管理员."""
    from performance.demo import demo_target_faults_fix

    demo_target_faults_fix(submission=demo)
    people = {
        FILLER: user_with(FILLER, [demo.unit], name="填报人"),
        REVIEWER: user_with(REVIEWER, [demo.unit], name="审核人"),
        "other": user_with(REVIEWER, [budget_unit_create(name="别的单位")], name="别的审核人"),
        ADMIN: user_with(ADMIN, name="管理员"),
    }
    submission_transition(submission_id=demo.pk, actor=people[FILLER], to_status=S.SUBMITTED)
    demo.refresh_from_db()
    return demo, people


def comment_post(client, user, submission, **data):
    client.force_login(user)
    return client.post(add_url(submission), {"table": "T02", "row": ROW, **data})


# --- last year's published figures ----------------------------------------------------------


def test_prior_year_column_shows_last_years_published_figure(client, fast_pdf):
    """With last year's disclosure published, each table prints last year's figure of a row
    beside its main amount (表三 合计: this year's total, then last year's as published), names
    the version it comes from, and the heading names the year."""
    admin = user_with(ADMIN, name="发布人")
    last_year = approved_submission("比较单位", year=2024, seed=1, n_lines=12)
    version = submission_publish(submission_id=last_year.pk, actor=admin)
    this_year = submission_create(unit=last_year.unit, year=2025, status=S.SUBMITTED)
    synthetic_budget(this_year, 15, seed=2)
    reviewer = user_with(REVIEWER, [this_year.unit])

    client.force_login(reviewer)
    response = client.get(review_url(this_year))

    assert response.status_code == 200
    derived = disclosure_derive(submission=this_year).tables["T03"]
    published = published_cell(published_table(version, "T03"), "合计", "total")
    assert published  # last year had a total to compare with
    total_row = next(cells for _, cells in table_rows(response, "T03") if cells[0] == "合计")
    assert total_row[2:4] == [
        format_amount(derived.cell("合计", "total"), "万元"),
        format_amount(published, "万元"),
    ]
    page = response.content.decode()
    assert "2024年公开数" in page
    assert f"比较单位2024年预算公开第{version.version}版" in page


def test_without_last_years_publication_the_column_says_so(submitted, client):
    """Nothing published last year: every prior-year cell of a labelled row is "—" and the note
    says there is no published disclosure."""
    submission, people = submitted
    client.force_login(people[FILLER])
    response = client.get(review_url(submission))

    total_row = next(cells for _, cells in table_rows(response, "T03") if cells[0] == "合计")
    assert total_row[3] == "—"
    assert "2024年本单位没有已公开的预算" in response.content.decode()


def test_prior_rows_are_matched_by_code_or_label_and_missing_ones_show_a_dash(demo):
    """A published table is read row by row: a coded row by its code (even renamed), a total by
    its label; a row last year did not have shows "—"; 表一's two sides each get their own."""
    tables = disclosure_derive(submission=demo).tables
    t03 = table_snapshot(tables["T03"])
    renamed = next(r for r in t03["rows"] if r["values"][0] == "2010101")
    renamed["values"][1] = "行政运行（旧名）"
    t03["rows"] = [r for r in t03["rows"] if r["values"][0] != "2010104"]
    version = SimpleNamespace(data_json={"tables": [t03, table_snapshot(tables["T01"])]})

    t03_review = review_table(tables["T03"], prior=version, comments=[], prior_heading="上年")
    by_code = {row.cells[0].text: row for row in t03_review.rows}
    assert by_code["2010101"].cells[3].text == by_code["2010101"].cells[2].text
    assert by_code["合计"].cells[3].text == by_code["合计"].cells[2].text
    assert by_code["2010104"].cells[3].text == "—"

    t01_review = review_table(tables["T01"], prior=version, comments=[], prior_heading="上年")
    first = t01_review.rows[0].cells
    assert [c.text for c in first][:6] == [
        "一、一般公共预算",
        "1175.95",
        "1175.95",
        "一、一般公共服务支出",
        "948.37",
        "948.37",
    ]


def test_prior_column_heading_is_inserted_into_merged_headers(demo):
    """The prior-year heading sits right after each side's main amount: inside a merged group
    the group widens; every header row stays as wide as the body."""
    tables = disclosure_derive(submission=demo).tables
    for code, table in tables.items():
        reviewed = review_table(table, prior=None, comments=[], prior_heading="上年公开数")
        grid = header_grid(reviewed.header)
        assert all(len(row) == reviewed.width for row in grid), code
        assert all(len(row.cells) == reviewed.width for row in reviewed.rows), code
    t02 = header_grid(header_with_columns(tables["T02"].header, [2], "上年公开数"))
    assert t02[0][2:4] == ["本年收入", ""]  # 本年收入 now spans one more column
    assert t02[1][2:5] == ["合计", "上年公开数", "一般公共预算"]


def test_row_labels_are_unique_within_a_table(demo):
    """A comment names its row by label: repeated labels (表十三's unit row under its total)
    are told apart, codes and names are joined, 表一 joins its two sides."""
    tables = disclosure_derive(submission=demo).tables
    for table in tables.values():
        labels = row_labels(table)
        assert len(labels) == len(set(labels)), table.code
    assert ROW in row_labels(tables["T02"])
    assert row_labels(tables["T01"])[0] == "一、一般公共预算 / 一、一般公共服务支出"
    assert row_labels(tables["T13"])[1].endswith("（第2处）")


# --- writing 审核意见 ---------------------------------------------------------------------------


def test_reviewer_comment_on_a_row_appears_beside_it_for_the_filler(submitted, client):
    """The unit's 审核人 writes on a row of 表二 of a 已提交 submission: it is saved with the
    version, and the 填报人 sees it (待处理, with author) in the row right under that row."""
    submission, people = submitted
    response = comment_post(client, people[REVIEWER], submission, text="请说明行政运行增加的原因。")

    comment = ReviewComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == review_url(submission) + f"#comment-{comment.pk}"
    assert (comment.table, comment.row, comment.version) == ("T02", ROW, submission.version)
    assert comment.author == people[REVIEWER]

    client.force_login(people[FILLER])
    page = client.get(review_url(submission))
    rows = table_rows(page, "T02")
    at = next(i for i, (_, cells) in enumerate(rows) if cells[:2] == ["2010101", "行政运行"])
    assert "review-row-open" in rows[at][0]
    css, (thread,) = rows[at + 1]
    assert css == "review-thread-row"
    assert "待处理" in thread and "请说明行政运行增加的原因。" in thread and "审核人" in thread
    # the 填报人 gets no control to write comments (nor one per row)
    assert "写审核意见" not in page.content.decode()


def test_reviewer_sees_one_link_per_row_and_a_general_form(submitted, client):
    """The 审核人 gets a 写审核意见 link per row (naming the row for screen readers) and one
    form for the whole submission; the 退回 form says the comments go with the return."""
    submission, people = submitted
    client.force_login(people[REVIEWER])
    page = client.get(review_url(submission)).content.decode()

    rows = sum(len(t.rows) for t in disclosure_derive(submission=submission).tables.values())
    assert page.count('<td class="review-act">') == rows
    assert f'写审核意见<span class="visually-hidden">：{ROW}</span>' in page
    assert page.count('name="text"') == 1  # the general comment, no form per row
    assert "写整体审核意见" in page
    assert "会随退回一并交给填报人" in page
    assert 'data-action="returned"' in page and 'data-action="approved"' in page


def test_row_form_is_a_page_or_an_htmx_fragment(submitted, client):
    """写审核意见 opens the form for that row: a page of its own, or under the row for htmx."""
    submission, people = submitted
    client.force_login(people[REVIEWER])
    labels = row_labels(disclosure_derive(submission=submission).tables["T02"])
    url = reverse(
        "desk:review_comment_row",
        kwargs={"pk": submission.pk, "table": "T02", "row": labels.index(ROW)},
    )

    page = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert page.status_code == fragment.status_code == 200
    assert f'<input type="hidden" name="row" value="{ROW}">' in page.content.decode()
    assert fragment.content.decode().strip().startswith('<tr class="review-form-row">')
    assert f"审核意见：表二 · {ROW}" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert client.get(url.replace("/T02/", "/T99/")).status_code == 404


def test_general_comment_is_shown_on_top(submitted, client):
    """A comment with no table is on the whole submission, listed under 整体审核意见."""
    submission, people = submitted
    response = comment_post(client, people[REVIEWER], submission, table="", row="", text="总体可以")
    assert response.status_code == 302
    assert ReviewComment.objects.get().table == ""
    page = client.get(review_url(submission)).content.decode()
    general = page[page.index('id="review-general"') : page.index('id="review-findings"')]
    assert "总体可以" in general


@pytest.mark.parametrize(
    ("who", "data", "status"),
    [
        pytest.param(FILLER, {}, 403, id="filler"),
        pytest.param(ADMIN, {}, 403, id="admin"),
        pytest.param("other", {}, 404, id="reviewer-of-another-unit"),
        pytest.param(REVIEWER, {"text": '=HYPERLINK("http://x","y")'}, 403, id="formula"),
        pytest.param(REVIEWER, {"text": "   "}, 403, id="empty"),
        pytest.param(REVIEWER, {"table": "T99"}, 403, id="unknown-table"),
        pytest.param(REVIEWER, {"row": "行" * 201}, 403, id="row-too-long"),
        pytest.param(REVIEWER, {"text": "长" * 2001}, 403, id="text-too-long"),
    ],
)
def test_refused_comments_save_nothing(submitted, client, who, data, status):
    """Forged or unauthorised comment POSTs answer the refusal page (403) — or 404 for a
    reviewer who may not even see the unit — and save nothing."""
    submission, people = submitted
    response = comment_post(client, people[who], submission, **{"text": "请核对。", **data})

    assert response.status_code == status
    if status == 403:
        assert "操作未执行" in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_no_comment_on_a_draft(demo, client):
    """In 草稿 the unit's 审核人 may not comment (refusal page, nothing saved), gets no link to
    do so, and the service refuses too."""
    reviewer = user_with(REVIEWER, [demo.unit])
    response = comment_post(client, reviewer, demo, text="请核对。")

    assert response.status_code == 403
    assert "只有已提交的填报才能写审核意见" in response.content.decode()
    assert not ReviewComment.objects.exists()
    assert "写审核意见" not in client.get(review_url(demo)).content.decode()
    with pytest.raises(ValidationError):
        review_comment_add(submission=demo, author=reviewer, table="T01", row="", text="请核对。")


def test_service_refuses_a_reviewer_of_another_unit(submitted):
    """The service checks the author itself, whatever page called it."""
    submission, people = submitted
    with pytest.raises(ValidationError, match="无权"):
        review_comment_add(
            submission=submission, author=people["other"], table="T02", row=ROW, text="请核对。"
        )
    assert not ReviewComment.objects.exists()


# --- marking 审核意见 已处理 --------------------------------------------------------------------


def _returned_with_comment(submitted):
    submission, people = submitted
    comment = review_comment_add(
        submission=submission, author=people[REVIEWER], table="T02", row=ROW, text="请核对。"
    )
    submission_transition(
        submission_id=submission.pk,
        actor=people[REVIEWER],
        to_status=S.RETURNED,
        reason="见各行审核意见",
    )
    return submission, people, comment


def resolve_url(submission, comment) -> str:
    return reverse(
        "desk:review_comment_resolve", kwargs={"pk": submission.pk, "comment": comment.pk}
    )


def test_filler_marks_a_comment_resolved_after_the_return(submitted, client):
    """After 退回 the 填报人 sees a 处理 control beside the comment and marks it 已处理 with a
    note: who, when and the note are kept, and the row is no longer highlighted."""
    submission, people, comment = _returned_with_comment(submitted)
    client.force_login(people[FILLER])
    assert "标记为已处理" in client.get(review_url(submission)).content.decode()

    response = client.post(resolve_url(submission, comment), {"resolution": "已按批复改正。"})

    comment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.resolved_by == people[FILLER] and comment.resolved_at is not None
    assert comment.resolution == "已按批复改正。"
    rows = table_rows(client.get(review_url(submission)), "T02")
    at = next(i for i, (_, cells) in enumerate(rows) if cells[:2] == ["2010101", "行政运行"])
    assert "review-row-open" not in rows[at][0]
    assert "已处理" in rows[at + 1][1][0] and "已按批复改正。" in rows[at + 1][1][0]


@pytest.mark.parametrize("who", [REVIEWER, ADMIN])
def test_only_the_filler_resolves(submitted, client, who):
    """The 审核人 or 管理员 may not mark a comment 已处理: refusal page, unchanged."""
    submission, people, comment = _returned_with_comment(submitted)
    client.force_login(people[who])
    response = client.post(resolve_url(submission, comment), {"resolution": "好"})
    comment.refresh_from_db()
    assert response.status_code == 403 and comment.resolved_at is None


def test_resolve_is_refused_while_submitted_twice_or_as_a_formula(submitted, client):
    """While 已提交 the 填报人 may not resolve; after the return a formula note is refused, and a
    comment already resolved cannot be resolved again (the first note stays)."""
    submission, people = submitted
    comment = review_comment_add(
        submission=submission, author=people[REVIEWER], table="T02", row=ROW, text="请核对。"
    )
    client.force_login(people[FILLER])
    assert client.post(resolve_url(submission, comment)).status_code == 403

    submission_transition(
        submission_id=submission.pk, actor=people[REVIEWER], to_status=S.RETURNED, reason="改"
    )
    assert (
        client.post(resolve_url(submission, comment), {"resolution": "@SUM(1)"}).status_code == 403
    )
    comment.refresh_from_db()
    assert comment.resolved_at is None

    review_comment_resolve(comment=comment, user=people[FILLER], resolution="第一次")
    assert client.post(resolve_url(submission, comment), {"resolution": "再次"}).status_code == 403
    comment.refresh_from_db()
    assert comment.resolution == "第一次"


def test_resolving_a_comment_of_another_submission_is_refused(submitted, client):
    """A comment id from another submission, posted to this one, changes nothing."""
    submission, people, comment = _returned_with_comment(submitted)
    other = submission_create(unit=submission.unit, year=2026, status=S.RETURNED)
    client.force_login(people[FILLER])
    response = client.post(resolve_url(other, comment), {"resolution": "好"})
    comment.refresh_from_db()
    assert response.status_code == 403 and comment.resolved_at is None


# --- queries --------------------------------------------------------------------------------


def _review_setup(client, n_lines: int, seed: int):
    """A 已提交 submission of `n_lines` lines with two comments, its 审核人 logged in."""
    unit = budget_unit_create(name=f"查询单位{n_lines}")
    submission = submission_create(unit=unit, status=S.SUBMITTED)
    synthetic_budget(submission, n_lines, seed=seed)
    reviewer = user_with(REVIEWER, [unit])
    for text in ("请核对。", "请说明。"):
        ReviewComment.objects.create(
            submission=submission, table="T03", row="合计", text=text, author=reviewer
        )
    client.force_login(reviewer)
    client.get(review_url(submission))  # the session's first request
    return submission


def test_review_page_queries_are_bounded_and_do_not_grow_with_the_budget(
    client, django_assert_max_num_queries
):
    """The page reads a submission of 10 or of 120 budget lines (with comments) in the same,
    bounded number of queries."""
    counts = []
    for n_lines, seed in ((10, 3), (120, 4)):
        submission = _review_setup(client, n_lines, seed)
        with django_assert_max_num_queries(MAX_QUERIES) as queries:
            assert client.get(review_url(submission)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
