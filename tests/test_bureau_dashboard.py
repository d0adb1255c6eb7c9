"""年度总览 (the bureau's dashboard, issue 15 parts 1–2): one row per unit with its state (未开始
to 更正中), 公开时限 and days left or overdue, last activity, check counts read from their cache
(检查中 while stale, refreshed in the background), counts by state, filters, sorting, the Excel
export, who may see it, a constant number of queries, and the 批复日期 the bureau enters (audited,
moving the due dates; 审核通过 sets none)."""

from __future__ import annotations

import datetime
import io
import re
from html.parser import HTMLParser
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tables.desk.activity import submission_fingerprint, submissions_activity
from tables.desk.bureau import approval_date_set
from tables.desk.check_counts import (
    check_counts_refresh_request,
    check_counts_refresh_task,
    submission_check_counts_refresh,
)
from tables.models import SubmissionCheckCounts
from tests.factories import (
    budget_unit_create,
    department_create,
    submission_create,
    synthetic_budget,
    user_with,
)
from units.models import BudgetLine, BudgetUnit, Submission
from units.models import SubmissionStatus as S
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import submission_transition

pytestmark = pytest.mark.django_db

YEAR = 2025
STATE_NAMES = {
    "not_started": "未开始单位",
    "draft": "草稿单位",
    "submitted": "已提交单位",
    "returned": "已退回单位",
    "approved": "已审核单位",
    "published": "已发布单位",
    "correcting": "更正中单位",
}


# --- reading the page -------------------------------------------------------------------------


class _Table(HTMLParser):
    """The list's rows as {unit name: [cell texts]} and the counts by state as {label: n}."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.order: list[str] = []
        self.counts: dict[str, int] = {}
        self._in_tbody = self._in_counts = False
        self._cells: list[str] | None = None
        self._text: list[str] | None = None
        self._count_label = None
        self._count_text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_tbody = True
        elif tag == "ul" and attrs.get("class") == "bureau-counts":
            self._in_counts = True
        elif self._in_counts and tag == "a":
            self._count_text = []
        elif self._in_tbody and tag == "tr":
            self._cells = []
        elif self._cells is not None and tag in ("td", "th"):
            # the 管理员's 催办 checkbox column is not part of the row's data
            self._text = None if "bureau-pick" in (attrs.get("class") or "") else []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        elif tag == "ul" and self._in_counts:
            self._in_counts = False
        elif tag == "a" and self._count_text is not None:
            label, number = " ".join("".join(self._count_text).split()).rsplit(" ", 1)
            self.counts[label] = int(number)
            self._count_text = None
        elif tag in ("td", "th") and self._text is not None:
            self._cells.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "tr" and self._cells is not None:
            if len(self._cells) > 1:
                self.rows[self._cells[0]] = self._cells
                self.order.append(self._cells[0])
            self._cells = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)
        if self._count_text is not None:
            self._count_text.append(data)


def _page(client, query: str = "", year: int = YEAR):
    response = client.get(reverse("desk:bureau", kwargs={"year": year}) + query)
    assert response.status_code == 200
    table = _Table()
    table.feed(response.content.decode())
    table.html = response.content.decode()
    return table


# Cells of a row (without the 催办 checkbox column): 0 单位, 1 单位编码, 2 主管部门, 3 状态,
# 4 批复日期, 5 公开截止日期, 6 剩余/逾期天数, 7 最近操作, 8 错误, 9 警告, 10 审核人
STATE, APPROVAL, DUE, DAYS, ACTIVITY, ERRORS, WARNINGS, REVIEWERS = 3, 4, 5, 6, 7, 8, 9, 10


def _cn(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- the season -------------------------------------------------------------------------------


@pytest.fixture
def season(db):
    """Seven units of 2025 under two 主管部门, one per state (the 未开始 one without a
    submission, 更正中 a draft of version 2); 甲 holds 未开始, 草稿 and 已提交 (their reviewer
    is `reviewer`), 乙 the other four. 批复日期: 草稿 5 days ago, 已提交 25 days ago (overdue by
    5), 已审核 20 days ago (due today), 已发布 30 days ago; 已退回 has none."""
    today = timezone.localdate()
    days = datetime.timedelta
    a = department_create(name="甲主管部门")
    b = department_create(name="乙主管部门")
    plan = {
        "not_started": (a, None, 1, None),
        "draft": (a, S.DRAFT, 1, today - days(5)),
        "submitted": (a, S.SUBMITTED, 1, today - days(25)),
        "returned": (b, S.RETURNED, 1, None),
        "approved": (b, S.APPROVED, 1, today - days(20)),
        "published": (b, S.PUBLISHED, 1, today - days(30)),
        "correcting": (b, S.DRAFT, 2, today - days(2)),
    }
    units, submissions = {}, {}
    for number, (key, (department, status, version, approval)) in enumerate(plan.items()):
        unit = budget_unit_create(
            code=f"S{number:02d}", name=STATE_NAMES[key], department=department
        )
        units[key] = unit
        if status:
            submissions[key] = submission_create(
                unit=unit, year=YEAR, status=status, version=version, approval_date=approval
            )
    reviewer = user_with(
        REVIEWER, [units["not_started"], units["draft"], units["submitted"]], name="审核员甲"
    )
    return SimpleNamespace(
        today=today,
        a=a,
        b=b,
        units=units,
        submissions=submissions,
        admin=user_with(ADMIN, name="管理员"),
        reviewer=reviewer,
        filler=user_with(FILLER, [units["draft"]], name="填报员"),
    )


@pytest.fixture
def admin_client(client, season):
    client.force_login(season.admin)
    return client


@pytest.fixture(autouse=True)
def _no_background_checks(monkeypatch):
    """The pages ask for a refresh of stale counts; here the request is only recorded (a test
    that wants the task to run says so)."""
    asked = []
    monkeypatch.setattr(
        "tables.desk.bureau_views.check_counts_refresh_request",
        lambda *, year: asked.append(year) or True,
    )
    return asked


# --- states, counts, deadlines ----------------------------------------------------------------


def test_one_row_per_unit_with_its_state(admin_client, season):
    """Every unit is a row, the one without a submission as 未开始 and the draft of version 2
    as 更正中; a unit with a submission links to its desk page, 未开始 links nowhere."""
    page = _page(admin_client)
    assert {name: cells[STATE] for name, cells in page.rows.items()} == {
        STATE_NAMES[key]: label
        for key, label in {
            "not_started": "未开始",
            "draft": "草稿",
            "submitted": "已提交",
            "returned": "已退回",
            "approved": "已审核",
            "published": "已发布",
            "correcting": "更正中",
        }.items()
    }
    draft = season.submissions["draft"]
    assert f'href="{reverse("desk:submission", kwargs={"pk": draft.pk})}"' in page.html
    assert f'<th scope="row">{STATE_NAMES["not_started"]}</th>' in page.html


def test_counts_per_state_link_to_the_filtered_list(admin_client):
    """The counts at the top: 全部 7 and 1 of each state; each links to the list of that state."""
    page = _page(admin_client)
    assert page.counts == {
        "全部": 7,
        "未开始": 1,
        "草稿": 1,
        "已提交": 1,
        "已退回": 1,
        "已审核": 1,
        "已发布": 1,
        "更正中": 1,
    }
    assert 'href="?state=correcting"' in page.html
    only = _page(admin_client, "?state=correcting")
    assert list(only.rows) == [STATE_NAMES["correcting"]]
    assert 'aria-current="true"><span class="bureau-count-label">更正中' in only.html


def test_due_dates_and_days_left_or_overdue(admin_client, season):
    """公开截止日期 is 批复日期 + 20 days; the list says how many days are left, 今天截止 on the
    day, 已逾期 N 天 after it; 待批复 without a 批复日期, 已发布 once published, — for 未开始."""
    today, days = season.today, datetime.timedelta
    rows = _page(admin_client).rows
    draft = rows[STATE_NAMES["draft"]]
    assert draft[APPROVAL].startswith(_cn(today - days(5)))
    assert draft[DUE] == _cn(today + days(15))
    assert draft[DAYS] == "还剩 15 天"
    assert rows[STATE_NAMES["submitted"]][DAYS] == "已逾期 5 天"
    assert rows[STATE_NAMES["approved"]][DAYS] == "今天截止"
    assert rows[STATE_NAMES["returned"]][APPROVAL].startswith("未填写")
    assert rows[STATE_NAMES["returned"]][DAYS] == "待批复"
    assert rows[STATE_NAMES["published"]][DAYS] == "已发布"
    assert rows[STATE_NAMES["not_started"]][DAYS] == "—"
    assert 'class="bureau-row-overdue"' in _page(admin_client).html


def test_last_activity_names_who_did_what(admin_client, season):
    """最近操作: the newest workflow move or recorded data change, with who made it."""
    submitted = season.submissions["submitted"]
    submission_transition(
        submission_id=submitted.pk, actor=season.reviewer, to_status=S.RETURNED, reason="请补充说明"
    )
    row = _page(admin_client).rows[STATE_NAMES["submitted"]]
    assert row[ACTIVITY].endswith("审核员甲：退回")
    assert row[STATE] == "已退回"


# --- filters and sorting ----------------------------------------------------------------------


def test_filter_by_state(admin_client):
    """状态: only the units in that state (未开始 included)."""
    assert list(_page(admin_client, "?state=not_started").rows) == [STATE_NAMES["not_started"]]
    assert list(_page(admin_client, "?state=submitted").rows) == [STATE_NAMES["submitted"]]


def test_filter_by_department_and_counts_follow_it(admin_client, season):
    """主管部门: only its units, and the counts by state are those of its units."""
    page = _page(admin_client, f"?department={season.b.pk}")
    assert set(page.rows) == {
        STATE_NAMES[k] for k in ("returned", "approved", "published", "correcting")
    }
    assert page.counts["全部"] == 4 and page.counts["未开始"] == 0 and page.counts["已退回"] == 1


def test_filter_overdue_only(admin_client):
    """只看已逾期的单位: past the due day and not published (the due day itself is not)."""
    assert list(_page(admin_client, "?overdue=on").rows) == [STATE_NAMES["submitted"]]


def test_filter_by_reviewer(admin_client, season):
    """审核人: the units assigned to that reviewer (even one not started yet)."""
    page = _page(admin_client, f"?reviewer={season.reviewer.pk}")
    assert set(page.rows) == {STATE_NAMES[k] for k in ("not_started", "draft", "submitted")}
    assert page.rows[STATE_NAMES["draft"]][REVIEWERS] == "审核员甲"


def test_filter_by_name_or_code(admin_client):
    """单位名称或编码: part of the name, or the start of the code."""
    assert list(_page(admin_client, "?q=草稿").rows) == [STATE_NAMES["draft"]]
    assert list(_page(admin_client, "?q=S06").rows) == [STATE_NAMES["correcting"]]


def test_filters_are_labelled_in_chinese(admin_client):
    """Each filter has a visible label; the list has a caption and column headers with scope."""
    html = _page(admin_client).html
    for label in ("单位名称或编码", "状态", "主管部门", "审核人", "只看已逾期的单位"):
        assert re.search(rf'<label for="id_\w+">{label}</label>', html), label
    assert "<caption>" in html and '<th scope="col"' in html and "筛选</button>" in html


def test_sorting_by_whitelisted_columns(admin_client):
    """Columns sort both ways (None last either way); an unknown key is the default order."""
    by_days = _page(admin_client, "?sort=days").order
    assert by_days[:3] == [STATE_NAMES[k] for k in ("submitted", "approved", "draft")]
    backwards = _page(admin_client, "?sort=-days").order
    assert backwards[:3] == [STATE_NAMES[k] for k in ("correcting", "draft", "approved")]
    by_state = _page(admin_client, "?sort=-state").order
    assert by_state == list(reversed(STATE_NAMES.values()))  # 更正中 … 未开始
    default = _page(admin_client).order
    assert _page(admin_client, "?sort=unit__password").order == default
    assert default == [STATE_NAMES[k] for k in STATE_NAMES]  # by unit code, S00 … S06
    html = _page(admin_client, "?sort=-due").html
    assert 'aria-sort="descending"><a href="?sort=due">公开截止日期' in html


# --- the Excel export -------------------------------------------------------------------------


def test_export_is_the_filtered_view_with_text_kept_text(admin_client, season):
    """导出当前列表: the rows of the list as filtered and sorted, dates as dates and days as
    numbers; a unit name beginning with "=" is a text cell, never a formula; the 说明 sheet says
    which filters were set."""
    from openpyxl import load_workbook

    hostile = budget_unit_create(
        code="S99", name='=HYPERLINK("http://example.com","点我")', department=season.a
    )
    submission_create(unit=hostile, year=YEAR, approval_date=season.today)
    response = admin_client.get(
        reverse("desk:bureau_export", kwargs={"year": YEAR})
        + f"?department={season.a.pk}&sort=-days"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[f"{YEAR}年度总览"]
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == [
        "单位编码",
        "单位名称",
        "主管部门",
        "状态",
        "批复日期",
        "公开截止日期",
        "剩余天数",
        "逾期天数",
    ]
    rows = [list(row) for row in sheet.iter_rows(min_row=2)]
    names = [row[1].value for row in rows]
    assert names == [
        '=HYPERLINK("http://example.com","点我")',
        STATE_NAMES["draft"],
        STATE_NAMES["submitted"],
        STATE_NAMES["not_started"],
    ]
    assert rows[0][1].data_type == "s"  # text, not a formula
    submitted = rows[2]
    assert submitted[3].value == "已提交"
    assert submitted[4].value.date() == season.today - datetime.timedelta(days=25)
    assert submitted[6].value is None and submitted[7].value == 5
    assert rows[1][6].value == 15
    about = {row[0].value: row[1].value for row in workbook["说明"].iter_rows()}
    assert about["筛选条件"] == f"主管部门：{season.a}"
    assert about["单位数"] == "4"


# --- who may see it ---------------------------------------------------------------------------


def test_reviewer_sees_only_their_units(client, season):
    """A 财政审核人 sees the units assigned to them, with counts of those only, and no
    批复日期 form; the export holds the same rows."""
    client.force_login(season.reviewer)
    page = _page(client)
    assert set(page.rows) == {STATE_NAMES[k] for k in ("not_started", "draft", "submitted")}
    assert page.counts["全部"] == 3
    assert "设置批复日期" not in page.html
    response = client.get(reverse("desk:bureau_export", kwargs={"year": YEAR}))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4


def test_filler_and_anonymous_are_refused(client, season):
    """A 单位填报人 gets the Chinese refusal page (403); an anonymous visitor is sent to log in."""
    url = reverse("desk:bureau", kwargs={"year": YEAR})
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(season.filler)
    refused = client.get(url)
    assert refused.status_code == 403
    assert "年度总览只供财政管理员和财政审核人查看" in refused.content.decode()
    assert client.get(reverse("desk:bureau_export", kwargs={"year": YEAR})).status_code == 403


def test_bureau_without_year_opens_the_newest(admin_client, season):
    """/bureau/ opens the newest year that has submissions."""
    submission_create(unit=season.units["not_started"], year=YEAR + 1)
    response = admin_client.get(reverse("desk:bureau_latest"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:bureau", kwargs={"year": YEAR + 1})


# --- queries ----------------------------------------------------------------------------------


def test_query_count_is_the_same_for_20_and_200_units(client, django_assert_max_num_queries):
    """The list's queries do not grow with the number of units (their submissions, moves,
    audit trail and check counts are read in a fixed number of queries)."""
    from tables.bench.bureau_load import bureau_units_create

    client.force_login(user_with(ADMIN))
    url = reverse("desk:bureau", kwargs={"year": 2090})
    bureau_units_create(count=20, year=2090, lines=2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    bureau_units_create(count=180, year=2090, lines=2, start=20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = _page(client, year=2090)
    assert len(page.rows) == 200
    assert "检查中" not in page.html  # the benchmark's counts are fresh


# --- check counts: cached, refreshed in the background ----------------------------------------


def test_stale_counts_show_checking_and_ask_for_a_refresh(
    admin_client, season, _no_background_checks
):
    """Counts are never computed on page load: missing or stale ones read 检查中 and the page
    asks for the year's refresh; once computed they are shown, until the data changes again."""
    submission = season.submissions["draft"]
    synthetic_budget(submission, 6)
    row = _page(admin_client).rows[STATE_NAMES["draft"]]
    assert row[ERRORS] == row[WARNINGS] == "检查中"
    assert _no_background_checks == [YEAR]
    counts = submission_check_counts_refresh(submission=submission)
    _no_background_checks.clear()
    page = _page(admin_client, f"?q={STATE_NAMES['draft']}")
    assert page.rows[STATE_NAMES["draft"]][ERRORS] == str(counts.errors)
    assert page.rows[STATE_NAMES["draft"]][WARNINGS] == str(counts.warnings)
    assert _no_background_checks == []  # nothing stale on this list
    line = BudgetLine.objects.filter(submission=submission).first()
    line.note = "改了备注"
    line.save()  # recorded in the audit trail: the counts are stale
    row = _page(admin_client, f"?q={STATE_NAMES['draft']}").rows[STATE_NAMES["draft"]]
    assert row[ERRORS] == "检查中"
    assert _no_background_checks == [YEAR]
    assert "检查结果正在后台重新计算" in _page(admin_client).html


def test_the_refresh_task_computes_missing_and_stale_counts(season):
    """The task (run at once by the tests' backend) stores counts for every submission of the
    year with its fingerprint; run again, it recomputes nothing."""
    assert check_counts_refresh_request(year=YEAR) is True
    stored = SubmissionCheckCounts.objects.filter(submission__year=YEAR)
    assert stored.count() == len(season.submissions)
    for counts in stored:
        assert counts.fingerprint == submission_fingerprint(submission_id=counts.submission_id)
    result = check_counts_refresh_task.call(year=YEAR)
    assert result == {"refreshed": 0, "fresh": len(season.submissions), "failed": []}


def test_a_waiting_refresh_is_not_queued_twice(settings, season):
    """With the database backend, a second request while the year's task still waits queues
    nothing (a page of 400 stale units is one task, however often it is loaded)."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert check_counts_refresh_request(year=YEAR) is True
    assert check_counts_refresh_request(year=YEAR) is False
    assert check_counts_refresh_request(year=YEAR + 1) is True
    assert DBTaskResult.objects.filter(task_path=check_counts_refresh_task.module_path).count() == 2


def test_refresh_command_recomputes_a_year(season):
    """`refresh_check_counts --year` recomputes every submission of the year and says so."""
    out = StringIO()
    call_command("refresh_check_counts", year=[YEAR], stdout=out)
    assert f"{YEAR}年：重新计算 {len(season.submissions)} 个填报" in out.getvalue()
    assert SubmissionCheckCounts.objects.count() == len(season.submissions)


# --- 批复日期 ---------------------------------------------------------------------------------


def test_bulk_approval_date_for_a_department_moves_due_dates_and_is_audited(admin_client, season):
    """设置批复日期 for a 主管部门: its units' dates change (the one without a submission gets
    none, and the page says so), the due dates and overdue figures follow at once, the other
    department is untouched, and the audit trail records the actor, before and after."""
    day = season.today - datetime.timedelta(days=1)
    before = season.submissions["submitted"].approval_date
    response = admin_client.post(
        reverse("desk:bureau_approval", kwargs={"year": YEAR}),
        {"date": day.isoformat(), "scope": "department", "department": season.a.pk, "filters": ""},
        follow=True,
    )
    text = response.content.decode()
    assert f"已将2个单位的批复日期设为{_cn(day)}" in text
    assert "1个单位本年度还没有填报，未设置批复日期" in text and STATE_NAMES["not_started"] in text
    submitted = Submission.objects.get(pk=season.submissions["submitted"].pk)
    assert submitted.approval_date == day
    assert Submission.objects.get(pk=season.submissions["returned"].pk).approval_date is None
    page = _page(admin_client)
    row = page.rows[STATE_NAMES["submitted"]]
    assert row[DUE] == _cn(day + datetime.timedelta(days=20)) and row[DAYS] == "还剩 19 天"
    assert list(_page(admin_client, "?overdue=on").rows) == []
    record = submitted.history.first()
    assert record.history_user == season.admin
    assert record.history_change_reason == "设置批复日期（网页）"
    assert record.prev_record.approval_date == before
    assert record.approval_date == day


def test_approval_date_for_the_year_keeps_published_and_may_fill_only_blanks(season):
    """The whole year: published submissions keep the date they were published with; with
    `only_missing` the dates already entered stay."""
    day = season.today
    year = Submission.objects.filter(year=YEAR)
    result = approval_date_set(actor=season.admin, submissions=year, date=day, only_missing=True)
    assert [s.unit.name for s in result.changed] == [STATE_NAMES["returned"]]
    assert [s.unit.name for s in result.published] == [STATE_NAMES["published"]]
    result = approval_date_set(actor=season.admin, submissions=year, date=day)
    assert {s.unit.name for s in result.changed} == {
        STATE_NAMES[k] for k in ("draft", "submitted", "approved", "correcting")
    }
    assert Submission.objects.get(pk=season.submissions["published"].pk).approval_date == (
        season.today - datetime.timedelta(days=30)
    )


def test_approval_date_only_by_admin_and_plausible(season):
    """Only a 财政管理员 may set it; a date more than a month ahead or before the year before
    the budget year is refused, and nothing is saved."""
    draft = Submission.objects.filter(pk=season.submissions["draft"].pk)
    with pytest.raises(PermissionDenied):
        approval_date_set(actor=season.reviewer, submissions=draft, date=season.today)
    with pytest.raises(ValidationError, match="批复日期不能晚于"):
        approval_date_set(
            actor=season.admin, submissions=draft, date=season.today + datetime.timedelta(days=40)
        )
    with pytest.raises(ValidationError, match=f"不能早于{YEAR - 1}年1月1日"):
        approval_date_set(
            actor=season.admin, submissions=draft, date=datetime.date(YEAR - 2, 12, 31)
        )
    assert draft.get().approval_date == season.today - datetime.timedelta(days=5)


def test_approval_page_for_one_unit_and_its_errors(admin_client, season):
    """From a row's 设置 link: the page names the unit; a refused date is listed on top with a
    link to the field, nothing changes; a good one changes that unit only."""
    unit = season.units["returned"]
    url = reverse("desk:bureau_approval", kwargs={"year": YEAR})
    page = admin_client.get(url + f"?unit={unit.pk}")
    assert f"单位：<strong>{unit.name}</strong>" in page.content.decode()
    draft = season.units["draft"]
    prefilled = admin_client.get(url + f"?unit={draft.pk}").content.decode()
    day = season.submissions["draft"].approval_date
    assert f'type="date" name="date" id="approval-date" value="{day.isoformat()}"' in prefilled
    too_late = season.today + datetime.timedelta(days=60)
    refused = admin_client.post(
        url, {"date": too_late.isoformat(), "scope": "unit", "unit": unit.pk}
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "没有设置：有 1 处需要修改" in text and 'href="#approval-date"' in text
    assert Submission.objects.get(unit=unit, year=YEAR).approval_date is None
    done = admin_client.post(
        url, {"date": season.today.isoformat(), "scope": "unit", "unit": unit.pk}
    )
    assert done.status_code == 302
    assert Submission.objects.get(unit=unit, year=YEAR).approval_date == season.today
    assert Submission.objects.exclude(unit=unit).filter(approval_date=season.today).count() == 0


def test_approval_page_refuses_a_reviewer(client, season):
    """A 财政审核人 may look at the dashboard but not set 批复日期 (403, in Chinese)."""
    client.force_login(season.reviewer)
    response = client.post(
        reverse("desk:bureau_approval", kwargs={"year": YEAR}),
        {"date": season.today.isoformat(), "scope": "year"},
    )
    assert response.status_code == 403
    assert "只有财政管理员可以设置批复日期" in response.content.decode()


def test_approval_date_changes_neither_activity_nor_fingerprint(season):
    """The bureau's 批复日期 is not the unit's activity and changes no finding: the last activity
    and the fingerprint stay as they were."""
    draft = season.submissions["draft"]
    synthetic_budget(draft, 3)
    submissions = Submission.objects.filter(pk=draft.pk)
    before = submissions_activity(submissions=submissions)[draft.pk]
    approval_date_set(actor=season.admin, submissions=submissions, date=season.today)
    after = submissions_activity(submissions=submissions)[draft.pk]
    assert after == before


def test_activity_follows_records_under_a_project(season):
    """A 项目支出绩效目标 belongs to its submission through its project (the audit trail's
    path): adding one changes the submission's fingerprint and is its last activity."""
    from performance.models import ProjectTarget
    from tests.factories import project_target_create
    from units.models import Project

    draft = season.submissions["draft"]
    submissions = Submission.objects.filter(pk=draft.pk)
    project = Project.objects.create(
        submission=draft, name="智慧项目", category="specific", recurrence="recurring"
    )
    before = submissions_activity(submissions=submissions)[draft.pk]
    assert before.last.what == "新增项目"
    target = project_target_create(project)
    target._history_user = season.filler
    target.overview = "改过的概况"
    target.save()
    after = submissions_activity(submissions=submissions)[draft.pk]
    assert after.fingerprint != before.fingerprint
    assert (after.last.what, after.last.actor) == ("修改项目支出绩效目标", "填报员")
    assert ProjectTarget.history.filter(project_id=project.pk).count() == 2


def test_approval_no_longer_sets_the_approval_date(season):
    """审核通过 is not the 批复: the submission keeps no 批复日期 (the bureau enters it)."""
    unit = budget_unit_create(name="新单位", department=season.a)
    submission = submission_create(unit=unit, year=YEAR, status=S.SUBMITTED)
    reviewer = user_with(REVIEWER, [unit])
    submission_transition(submission_id=submission.pk, actor=reviewer, to_status=S.APPROVED)
    submission.refresh_from_db()
    assert submission.status == S.APPROVED and submission.approval_date is None


# --- the 催办 slot ----------------------------------------------------------------------------


def test_urge_form_is_the_admins(admin_client, season):
    """The 管理员 gets a form posting to `desk:urge` with a labelled message box, a checkbox per
    row (name="unit", the unit's id) and the button 催办所选单位; a 审核人 does not."""
    html = _page(admin_client).html
    assert f'action="{reverse("desk:urge")}"' in html
    assert '<label for="urge-message">催办说明（可选）</label>' in html
    assert '<button type="submit" class="button">催办所选单位</button>' in html
    unit = season.units["submitted"]
    assert (
        f'<input type="checkbox" name="unit" value="{unit.pk}" id="urge-unit-{unit.pk}" '
        'form="bureau-urge">' in html
    )
    assert '<input type="hidden" name="year" value="2025">' in html
    admin_client.force_login(season.reviewer)
    assert "催办所选单位" not in _page(admin_client).html


# --- the benchmark ----------------------------------------------------------------------------


def test_benchmark_bureau_prints_its_figures():
    """`benchmark_bureau` prints time, size and queries of the dashboard for two sizes, the goal
    line and whether the queries stay the same; it leaves the database as it was."""
    out = StringIO()
    call_command("benchmark_bureau", units=25, lines=2, repeat=1, stdout=out)
    text = out.getvalue()
    for units in (20, 25):
        row = re.search(
            rf"^{units}\s+年度总览 dashboard\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+)\s*$",
            text,
            flags=re.MULTILINE,
        )
        assert row, text
        best, median, kilobytes, queries = row.groups()
        assert 0 < float(best) <= float(median) and int(queries) > 0
    assert re.search(
        r"目标 goal：25 个单位的年度总览中位耗时 ≤ 200 ms：.*(达成 met|未达成 not met)", text
    )
    assert "queries independent of units（20 与 25 个单位）：是 yes" in text
    assert not BudgetUnit.objects.filter(code__startswith="BB").exists()
    assert not get_user_model().objects.filter(username="bench-bureau-admin").exists()
