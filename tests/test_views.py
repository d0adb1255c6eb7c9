import csv
import io
import re

import pytest
from django.urls import reverse

from tables.document.disclosure import disclosure_derive
from tables.figures.formatting import table_grid
from tables.figures.registry import BUILDERS
from units.models import BudgetUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("reviewer", password="x")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def tables_url(submission):
    return reverse("tables:submission_tables", kwargs={"pk": submission.pk})


def csv_url(submission, code):
    return reverse("tables:table_csv", kwargs={"pk": submission.pk, "code": code})


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    "url",
    [
        tables_url,
        lambda s: csv_url(s, "T01"),
    ],
)
def test_anonymous_is_redirected_to_login(client, demo, url):
    """Every page sends an anonymous visitor to the admin login, with a return address."""
    target = url(demo)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert "next=" in response.url


def test_anonymous_home_is_the_public_list(client):
    """A citizen opening the site's address lands on the published disclosures, not a login."""
    response = client.get(reverse("desk:home"))
    assert response.status_code == 302
    assert response.url == reverse("public:list")


def test_list_links_visible_submissions(staff_client, demo):
    """A 管理员 (here the superuser) sees every submission on 我的待办, linked to its desk."""
    response = staff_client.get(reverse("desk:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert demo.unit.name in content
    assert f'href="{reverse("desk:submission", kwargs={"pk": demo.pk})}"' in content


def test_list_is_empty_for_non_staff(client, demo, django_user_model):
    """A user without access sees no submissions on the list."""
    client.force_login(django_user_model.objects.create_user("clerk", password="x"))
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200
    assert demo.unit.name not in response.content.decode()
    assert "暂无可查看的填报" in response.content.decode()


def test_tables_page_shows_all_tables_and_published_cells(staff_client, demo):
    """The page shows all 14 table titles and the published demo amounts."""
    response = staff_client.get(tables_url(demo))
    assert response.status_code == 200
    content = response.content.decode()
    derived = disclosure_derive(submission=demo)
    assert len(derived.tables) == 14
    for table in derived.tables.values():
        assert f'<span class="caption-title">{table.title}</span>' in content
        assert f'href="{csv_url(demo, table.code)}"' in content
    for cell in ("1175.95", "560.75", "943.43"):
        assert re.search(rf'<td class="num">\s*{re.escape(cell)}\s*</td>', content), cell
    assert "单位名称：阳城县人民代表大会常务委员会办公室" in content
    assert "单位：万元" in content and "单位：元" in content
    assert "注：本表无数据" in content


def test_tables_page_renders_merged_header(staff_client, demo):
    """Multi-row headers keep their merged cells as colspan/rowspan on scoped th cells."""
    content = staff_client.get(tables_url(demo)).content.decode()
    assert '<th scope="col" colspan="2">收入</th>' in content
    assert '<th scope="col" colspan="4">支出</th>' in content
    assert '<th scope="col" rowspan="2">上年结转</th>' in content
    assert '<th scope="col" colspan="3">2025年财政拨款</th>' in content


def test_tables_page_marks_row_levels_and_money_columns(staff_client, demo):
    """Rows carry their level as a class and amounts sit in right-aligned money cells."""
    content = staff_client.get(tables_url(demo)).content.decode()
    assert re.search(r'<tr class="level-0 (even|odd)">', content)
    assert re.search(r'<tr class="level-3 (even|odd)">', content)
    assert re.search(r'<td class="[^"]*\bindent\b[^"]*">行政运行</td>', content)
    # Empty cells stay blank rather than django-tables2's default dash.
    assert "—</td>" not in content


def test_tables_page_lists_findings_with_their_place_and_fix(staff_client, demo):
    """The demo's rounding notices (提示 R12) and the seed's target faults (P01 missing target,
    P07 890000万元) are list items naming table, row and rule, each linking to its fix."""
    content = staff_client.get(tables_url(demo)).content.decode()
    assert content.count('class="finding finding-notice"') == 6
    assert "表二</span>" not in content  # the row is named with the table
    assert '<span class="finding-where">表二 · 20805</span>' in content
    assert "（勾稽关系规则 R12）" in content
    assert "存在四舍五入尾差" in content
    assert content.count('class="finding finding-error"') == 3
    assert '<span class="finding-where">绩效目标 · 市人大代表联络站经费</span>' in content
    assert "（绩效目标规则 P01）" in content and "（绩效目标规则 P07）" in content
    assert "为这个项目填写绩效目标" in content
    assert f"/desk/{demo.pk}/lines/?q=20805" in content


def test_tables_page_escapes_user_text(staff_client, demo):
    """Names entered by users are escaped, never rendered as markup."""
    BudgetUnit.objects.filter(pk=demo.unit_id).update(name="<b>办公室</b>")
    content = staff_client.get(tables_url(demo)).content.decode()
    assert "<b>办公室</b>" not in content
    assert "&lt;b&gt;办公室&lt;/b&gt;" in content


def test_tables_page_query_count_is_bounded(staff_client, demo, django_assert_max_num_queries):
    """Rendering all 14 tables and the checks takes a small fixed number of queries (the
    header's unread 通知 count among them)."""
    with django_assert_max_num_queries(18):
        response = staff_client.get(tables_url(demo))
    assert response.status_code == 200


def test_non_staff_gets_404(client, demo, django_user_model):
    """A logged-in user without access cannot tell the submission exists."""
    client.force_login(django_user_model.objects.create_user("clerk", password="x"))
    assert client.get(tables_url(demo)).status_code == 404
    assert client.get(csv_url(demo, "T01")).status_code == 404


def test_unknown_submission_gives_404(staff_client, demo):
    """A submission id that does not exist is a 404."""
    response = staff_client.get(reverse("tables:submission_tables", kwargs={"pk": 999999}))
    assert response.status_code == 404


@pytest.mark.parametrize("code", sorted(BUILDERS))
def test_csv_rows_equal_table_grid(staff_client, demo, code):
    """Each CSV download is UTF-8 with BOM and its rows are exactly the table's grid."""
    response = staff_client.get(csv_url(demo, code))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    table = disclosure_derive(submission=demo).tables[code]
    assert read_csv(response) == table_grid(table)


def test_csv_filename_is_ascii_with_chinese_alternative(staff_client, demo):
    """The attachment has an ASCII filename plus an RFC 5987 UTF-8 Chinese one."""
    response = staff_client.get(csv_url(demo, "T01"))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="003-2025-T01.csv"; ')
    assert "filename*=UTF-8''003-2025-T01-" in disposition
    assert "%E9%A2%84%E7%AE%97%E5%85%AC%E5%BC%80%E8%A1%A81" in disposition  # 预算公开表1
    disposition.encode("ascii")


def test_csv_unknown_code_gives_404(staff_client, demo):
    """A table code outside T01–T14 is a 404."""
    assert staff_client.get(csv_url(demo, "T15")).status_code == 404
    assert staff_client.get(csv_url(demo, "t01")).status_code == 404
