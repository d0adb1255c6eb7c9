"""The rows of the 年度总览's list (templates/desk/bureau.html), built in Python and handed to
the template as one safe string.

Why not in the template: at 400 units the template engine spent about half a millisecond a row
on its dozen cells (each variable, filter and `{% if %}` resolved through the context), most of
the page's time. Here every row is one string; every value that comes from data goes through
`escape`, and the markup is what a template would write.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tables.desk.bureau import NOT_STARTED, BureauRow
from tables.templatetags.desk import cn_date, cn_datetime
from units.models import SubmissionStatus


def days_text(row: BureauRow) -> str:
    """剩余/逾期天数 as the list says it (HTML)."""
    deadline = row.deadline
    if row.state == NOT_STARTED:
        return "—"
    if row.state == SubmissionStatus.PUBLISHED:
        return "已发布"
    if deadline.due is None:
        return "待批复"
    if deadline.overdue:
        return f'<strong class="overdue">已逾期 {row.days_overdue} 天</strong>'
    if deadline.days_left == 0:
        return "今天截止"
    return f"还剩 {deadline.days_left} 天"


def _count(row: BureauRow, value) -> str:
    if row.counts is not None:
        return str(value)
    return "检查中" if row.checking else "—"


#: A number no submission has: the desk URL is reversed once per list and filled in per row.
_PK_MARK = "2147483647"


def _row(row: BureauRow, *, is_admin: bool, urge: bool, approval_link: str, desk_url: str) -> str:
    name = escape(row.unit.name)
    cells = []
    if urge:
        pk = row.unit.pk
        cells.append(
            f'<td class="bureau-pick"><input type="checkbox" name="unit" value="{pk}" id="urge-unit-{pk}" '
            f'form="bureau-urge"><label for="urge-unit-{pk}" class="visually-hidden">'
            f"选择{name}</label></td>"
        )
    if row.submission_pk:
        url = desk_url.replace(_PK_MARK, str(row.submission_pk))
        cells.append(f'<th scope="row"><a href="{escape(url)}">{name}</a></th>')
    else:
        cells.append(f'<th scope="row">{name}</th>')
    cells.append(f'<td class="nowrap">{escape(row.unit.code)}</td>')
    cells.append(f"<td>{escape(row.unit.department.name)}</td>")
    cells.append(
        f'<td class="nowrap"><span class="status status-{row.state}">'
        f"{escape(row.state_label)}</span></td>"
    )
    if row.submission_pk:
        approval = cn_date(row.approval_date) or "未填写"
        if is_admin and row.state != SubmissionStatus.PUBLISHED:
            approval += (
                f' <a href="{approval_link}{row.unit.pk}" class="bureau-set">设置'
                f'<span class="visually-hidden">{name}的批复日期</span></a>'
            )
        cells.append(f'<td class="nowrap">{approval}</td>')
    else:
        cells.append("<td>—</td>")
    cells.append(f'<td class="nowrap">{cn_date(row.deadline.due) or "—"}</td>')
    cells.append(f'<td class="nowrap">{days_text(row)}</td>')
    if row.last:
        cells.append(
            f'<td>{cn_datetime(row.last.at)}<br><span class="byline">'
            f"{escape(row.last.actor)}：{escape(row.last.what)}</span></td>"
        )
    else:
        cells.append("<td>—</td>")
    errors = row.counts.errors if row.counts else None
    warnings = row.counts.warnings if row.counts else None
    cells.append(f'<td class="num">{_count(row, errors)}</td>')
    cells.append(f'<td class="num">{_count(row, warnings)}</td>')
    cells.append(f"<td>{escape('、'.join(row.reviewers)) or '未分配'}</td>")
    css = ' class="bureau-row-overdue"' if row.deadline.overdue else ""
    return f"<tr{css}>{''.join(cells)}</tr>"


def bureau_rows_html(rows, *, is_admin: bool, urge: bool, approval_url: str, query: str):
    """The <tr> of every row; `urge`: with the 催办 checkbox column; `approval_url` and `query`
    make each row's 设置批复日期 link (back to the same list afterwards)."""
    approval_link = escape(f"{approval_url}?{urlencode({'filters': query})}&unit=")
    desk_url = reverse("desk:submission", kwargs={"pk": int(_PK_MARK)})
    return mark_safe(  # every data value above is escaped
        "".join(
            _row(row, is_admin=is_admin, urge=urge, approval_link=approval_link, desk_url=desk_url)
            for row in rows
        )
    )
