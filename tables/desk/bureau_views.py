"""年度总览 (the bureau's dashboard), its Excel export and the 批复日期 form; thin: permission →
selectors (`tables.desk.bureau`) → render, and one POST through `approval_date_set`.

Included under `bureau/` by `tables.desk.urls` (names in the `desk` namespace)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from tables.desk.bureau import (
    STATE_LABELS,
    approval_date_set,
    approval_targets,
    bureau_overview,
    bureau_refusal,
    bureau_submissions,
    bureau_units,
    bureau_years,
    stale_submission_ids,
)
from tables.desk.bureau_export import bureau_workbook
from tables.desk.bureau_forms import (
    DEPARTMENT,
    FILTERED,
    UNIT,
    ApprovalDateForm,
    BureauFilter,
)
from tables.desk.bureau_rows import bureau_rows_html
from tables.desk.check_counts import check_counts_refresh_request
from tables.desk.refusal import refusal_response
from tables.templatetags.desk import cn_date
from units.permissions import ADMIN, user_roles
from units.workflow import due_date

#: Years outside this range are no budget year (404, not an empty page).
YEARS = range(2000, 2101)

#: The list's columns: (label, sort key or None). The sort keys are `bureau.SORT_KEYS`.
COLUMNS = [
    ("单位", None),
    ("单位编码", "code"),
    ("主管部门", "department"),
    ("状态", "state"),
    ("批复日期", "approval"),
    ("公开截止日期", "due"),
    ("剩余/逾期天数", "days"),
    ("最近操作", "activity"),
    ("错误", "errors"),
    ("警告", "warnings"),
    ("审核人", None),
]


def _refused(request):
    refusal = bureau_refusal(request.user)
    if refusal:
        return refusal_response(
            request, reasons=refusal, back_url=reverse("desk:home"), back_label="返回我的待办"
        )
    return None


def _year(year: int) -> int:
    if year not in YEARS:
        raise Http404("没有这个预算年度")
    return year


def _filtered(request, year: int, data):
    """The filter set of the list over the units the user oversees, and today."""
    today = timezone.localdate()
    units = bureau_units(user=request.user, year=year)
    return BureauFilter(data or None, queryset=units, user=request.user, today=today), today


def _overview(request, year: int):
    """The list as the query string asks for it: (its filter set, `bureau.BureauOverview`)."""
    filterset, today = _filtered(request, year, request.GET)
    overview = bureau_overview(
        units=filterset.qs,
        others=filterset.qs_ignoring("state"),
        submissions=bureau_submissions(user=request.user, year=year),
        year=year,
        sort=request.GET.get("sort"),
        today=today,
    )
    return filterset, overview


def _query(params: QueryDict, **changes) -> str:
    """The query string of `params` with `changes` (None removes a key)."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


def _columns(params: QueryDict, sort: tuple[str, bool]) -> list[dict]:
    """Each column's header: its label, the link that sorts by it (the other direction when it
    is the current order), and its aria-sort."""
    current, descending = sort
    out = []
    for label, key in COLUMNS:
        column = {"label": label, "url": None, "aria_sort": None, "key": key}
        if key is not None:
            is_current = key == current
            reverse_it = is_current and not descending
            column["url"] = "?" + _query(params, sort=f"-{key}" if reverse_it else key)
            if is_current:
                column["aria_sort"] = "descending" if descending else "ascending"
        out.append(column)
    return out


def _filters_shown(filterset) -> list[tuple[str, str]]:
    """The filters set, as (label, value) a person reads (for the export's 说明 sheet)."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    shown = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", False):
            continue
        field = filterset.form.fields[name]
        if name == "state":
            value = STATE_LABELS.get(value, value)
        elif name == "overdue":
            value = "是"
        elif hasattr(field, "label_from_instance"):
            value = field.label_from_instance(value)
        shown.append((str(field.label), str(value)))
    return shown


def _urge_url() -> str:
    """Where the 催办 form posts (`desk:urge`, issue 15 part 3), or "" while it does not exist:
    the form and the list's checkbox column are shown only when it does."""
    try:
        return reverse("desk:urge")
    except NoReverseMatch:
        return ""


@login_required
def bureau_latest(request):
    """/bureau/ → the newest year's 年度总览."""
    return redirect("desk:bureau", year=bureau_years()[0])


@login_required
def bureau(request, year: int):
    """年度总览: every unit the user oversees with its state, 批复日期, 公开时限, last activity
    and check counts; counts by state, filters, sortable columns. Counts missing or stale are
    shown as 检查中 and computed again in the background."""
    year = _year(year)
    if refused := _refused(request):
        return refused
    filterset, overview = _overview(request, year)
    if stale_submission_ids(overview):
        check_counts_refresh_request(year=year)
    params = request.GET.copy()
    is_admin = ADMIN in user_roles(request.user)
    urge_url = _urge_url() if is_admin else ""
    approval_url = reverse("desk:bureau_approval", kwargs={"year": year})
    context = {
        "year": year,
        "years": bureau_years(),
        "overview": overview,
        "rows": overview.rows,
        "filterset": filterset,
        "columns": _columns(params, overview.sort),
        "state_links": [
            {
                "label": count.label,
                "count": count.count,
                "key": count.key,
                "url": "?" + _query(params, state=count.key),
                "current": params.get("state") == count.key,
            }
            for count in overview.state_counts
        ],
        "all_url": "?" + _query(params, state=None),
        "query": params.urlencode(),
        "sort": params.get("sort", ""),
        "is_admin": is_admin,
        "approval_form": ApprovalDateForm(initial={"filters": params.urlencode()})
        if is_admin
        else None,
        "approval_url": approval_url,
        "urge_url": urge_url,
        "next_url": request.get_full_path(),
        "rows_html": bureau_rows_html(
            overview.rows,
            is_admin=is_admin,
            urge=bool(urge_url),
            approval_url=approval_url,
            query=params.urlencode(),
        ),
    }
    return render(request, "desk/bureau.html", context)


@login_required
def bureau_export(request, year: int):
    """The list as shown (same filters and order) as an Excel workbook."""
    year = _year(year)
    if refused := _refused(request):
        return refused
    filterset, overview = _overview(request, year)
    response = HttpResponse(
        bureau_workbook(overview, filters=_filters_shown(filterset)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"年度总览-{year}年.xlsx"
    )
    return response


def _chosen_units(request, year: int, data: dict):
    """The units a 批复日期 form is for (within those the user oversees)."""
    units = bureau_units(user=request.user, year=year)
    scope = data["scope"]
    if scope == FILTERED:
        filterset, _ = _filtered(request, year, QueryDict(data.get("filters") or ""))
        return filterset.qs
    if scope == DEPARTMENT:
        return units.filter(department=data["department"])
    if scope == UNIT:
        return units.filter(pk=data["unit"].pk)
    return units


def _names(units, limit: int = 10) -> str:
    names = "、".join(unit.name for unit in units[:limit])
    return names + (f"等{len(units)}个单位" if len(units) > limit else "")


@login_required
def bureau_approval(request, year: int):
    """设置批复日期 (财政管理员): for one unit (GET ?unit=), the units of the list, a 主管部门 or
    the whole year; back on the 年度总览 with what changed and what was left, and why."""
    year = _year(year)
    back_to = reverse("desk:bureau", kwargs={"year": year})
    if ADMIN not in user_roles(request.user):
        return refusal_response(
            request,
            reasons="只有财政管理员可以设置批复日期。",
            back_url=back_to if not bureau_refusal(request.user) else reverse("desk:home"),
        )
    data = request.POST if request.method == "POST" else request.GET
    unit = None  # the one unit the form is for (from its row's 设置 link)
    if data.get("unit", "").isdigit() and data.get("scope", UNIT) == UNIT:
        unit = bureau_units(user=request.user, year=year).filter(pk=data["unit"]).first()
    if request.method == "POST":
        form = ApprovalDateForm(request.POST)
    else:
        initial = {"filters": request.GET.get("filters", "")}
        if unit is not None:
            initial |= {"scope": UNIT, "unit": unit.pk, "date": unit.approval_date}
        form = ApprovalDateForm(initial=initial)
    filters = form["filters"].value() or ""
    back = back_to + (f"?{filters}" if filters else "")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        targets = approval_targets(units=_chosen_units(request, year, data), year=year)
        try:
            result = approval_date_set(
                actor=request.user,
                submissions=targets.submissions,
                date=data["date"],
                only_missing=data["only_missing"],
            )
        except PermissionDenied as exc:
            return refusal_response(request, reasons=str(exc), back_url=back)
        except ValidationError as exc:
            form.add_error("date", exc)
        else:
            _approval_messages(request, result, targets)
            return redirect(back)
    return render(
        request,
        "desk/bureau_approval.html",
        {
            "year": year,
            "form": form,
            "unit": unit,
            "back_url": back,
            "approval_url": reverse("desk:bureau_approval", kwargs={"year": year}),
        },
        status=400 if form.is_bound else 200,
    )


def _approval_messages(request, result, targets) -> None:
    date = cn_date(result.date)
    if result.changed:
        messages.success(
            request,
            f"已将{len(result.changed)}个单位的批复日期设为{date}，"
            f"公开截止日期相应为{cn_date(due_date(result.date))}。",
        )
    else:
        messages.info(request, "没有单位的批复日期被改动。")
    if result.unchanged:
        messages.info(
            request,
            f"{len(result.unchanged)}个单位未改动（已是这个日期，或已有批复日期且选择了只填写空白）："
            f"{_names([s.unit for s in result.unchanged])}。",
        )
    if result.published:
        messages.info(
            request,
            f"{len(result.published)}个单位已发布，批复日期保持发布时的日期："
            f"{_names([s.unit for s in result.published])}。",
        )
    if targets.without_submission:
        messages.warning(
            request,
            f"{len(targets.without_submission)}个单位本年度还没有填报，未设置批复日期（批复日期记在填报上，"
            f"建立填报后再设置）：{_names(targets.without_submission)}。",
        )


urlpatterns = [
    path("", bureau_latest, name="bureau_latest"),
    path("<int:year>/", bureau, name="bureau"),
    path("<int:year>/export.xlsx", bureau_export, name="bureau_export"),
    path("<int:year>/approval/", bureau_approval, name="bureau_approval"),
]
