"""The bureau's pages for a new season: 开启新年度 (a draft for every unit, with what carries over
from last year) and 单位和用户导入 (units, 主管部门, users and their assignments from one Excel
list), and the year's 公开表样式 (`tables.document.year_settings`). Thin: the permission decision first (refusal page otherwise), then the service
(`tables.desk.year_open`, `units.people_import`) or the reads, and a render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables.desk.import_selectors import year_codes
from tables.desk.refusal import refusal_response
from tables.desk.year_forms import PeopleImportForm, YearOpenForm, YearPopulationForm
from tables.desk.year_open import (
    year_check,
    year_open,
    year_open_default,
    year_open_preview,
    year_open_refusal,
    year_open_rows,
)
from tables.document.year_settings import (
    population_for_year,
    table_set_for_year,
    year_population_set,
    year_published_unit_count,
    year_table_set_set,
)
from tables.figures.tablesets import table_set_choices
from units.models import BudgetUnit, Department
from units.people_excel import people_template_workbook
from units.people_import import people_import, people_import_rights

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOME_LABEL = "返回我的待办"
#: the id of the unit list's fieldset (a list of checkboxes has no one input to link to)
UNITS_ANCHOR = "year-open-units"
PEOPLE_REFUSED = "只有财政管理员或有“用户管理”权限的人可以导入单位和用户。"


def _home(request, reason: str):
    return refusal_response(
        request, reasons=reason, back_url=reverse("desk:home"), back_label=HOME_LABEL
    )


def _department(value) -> Department | None:
    """The 主管部门 of the filter (None: all, or a value that names none)."""
    if not value or not str(value).isdigit():
        return None
    return Department.objects.filter(pk=int(value)).first()


def _anchor(form, name: str) -> str:
    """Where an error of field `name` links to ("" for an error of the whole form)."""
    if name == "unit":
        return UNITS_ANCHOR
    return form[name].id_for_label if name in form.fields else ""


def _year(value) -> int:
    try:
        return year_check(value)
    except ValidationError:
        return year_open_default()


@login_required
@require_http_methods(["GET", "POST"])
def year_open_page(request):
    """开启新年度: the year (default: the newest year + 1), the units to open (all ticked, or
    those of one 主管部门), a preview count, and 开启年度, which opens it and says what was done.
    “更新预览” counts again for the year and the units ticked, writing nothing."""
    refusal = year_open_refusal(request.user)
    if refusal:
        return _home(request, refusal)
    data = request.POST if request.method == "POST" else request.GET
    department = _department(data.get("department"))
    units = BudgetUnit.objects.all()
    if department is not None:
        units = units.filter(department=department)
    report = None
    if request.method == "POST":
        form = YearOpenForm(request.POST, units=units)
        year = _year(request.POST.get("year"))
        chosen = {v for v in request.POST.getlist("unit") if v.isdigit()}
        if form.is_valid() and request.POST.get("action") == "open":
            year = form.cleaned_data["year"]
            try:
                report = year_open(
                    actor=request.user,
                    year=year,
                    units=list(form.cleaned_data["unit"]),
                    copy_targets=form.cleaned_data["copy_targets"],
                )
            except PermissionDenied as exc:
                return _home(request, str(exc))
    else:
        year = _year(request.GET.get("year"))
        chosen = {str(pk) for pk in units.values_list("pk", flat=True)}
        form = YearOpenForm(units=units, initial={"year": year})
    rows = year_open_rows(year=year, department_id=department.pk if department else None)
    return render(
        request,
        "desk/year_open.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "chosen": chosen,
            "preview": year_open_preview(
                year=year, rows=[r for r in rows if str(r.unit.pk) in chosen]
            ),
            "department": department,
            "departments": Department.objects.order_by("code"),
            "report": report,
            "codes": year_codes(year),
            "table_set": table_set_for_year(year),
            "table_sets": table_set_choices(),
            "population_form": YearPopulationForm(
                initial={"population": population_for_year(year)}
            ),
            "published_units": year_published_unit_count(year),
            "errors": [
                (_anchor(form, name), error)
                for name, errors in form.errors.items()
                for error in errors
            ],
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def year_table_set_page(request):
    """公开表样式 of a year (the form on 开启新年度): the 财政管理员 picks the set its
    disclosures print; back to 开启新年度 of that year, saying what was set."""
    try:
        year = year_check(request.POST.get("year"))
        settings = year_table_set_set(
            actor=request.user, year=year, table_set=request.POST.get("table_set", "")
        )
    except PermissionDenied as exc:
        return _home(request, str(exc))
    except ValidationError as exc:
        return _home(request, "；".join(exc.messages))
    title = dict(table_set_choices())[settings.table_set]
    messages.success(
        request,
        f"已将{year}年度的公开表样式设为“{title}”。尚未发布的公开文件按此样式生成；"
        "已发布的版本保持发布时的表格不变。",
    )
    return redirect(f"{reverse('desk:year_open')}?year={year}")


@login_required
@require_POST
def year_population_page(request):
    """常住人口 of a year (the form on 开启新年度): the 财政管理员 enters it for the public
    人均 figures; back to 开启新年度 of that year, saying what was set or what is wrong."""
    try:
        year = year_check(request.POST.get("year"))
    except ValidationError as exc:
        return _home(request, "；".join(exc.messages))
    back = f"{reverse('desk:year_open')}?year={year}#year-population"
    form = YearPopulationForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("population", []):
            messages.error(request, error)
        return redirect(back)
    population = form.cleaned_data["population"]
    try:
        year_population_set(actor=request.user, year=year, population=population)
    except PermissionDenied as exc:
        return _home(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    if population:
        messages.success(
            request, f"已将{year}年度的常住人口设为 {population} 人，公开页面将显示人均数。"
        )
    else:
        messages.success(request, f"已清除{year}年度的常住人口，公开页面不再显示人均数。")
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def people_import_page(request):
    """单位和用户导入: what this user may import, the template, the upload; an upload is
    imported at once, all or nothing, and the page lists what was done or every located
    error."""
    may_units, may_users = people_import_rights(request.user)
    if not (may_units or may_users):
        return _home(request, PEOPLE_REFUSED)
    report, problems = None, []
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = people_import(file=form.cleaned_data["file"], actor=request.user)
            except ValidationError as exc:
                problems = exc.messages
            else:
                form = PeopleImportForm()
    else:
        form = PeopleImportForm()
    status = 400 if (problems or form.errors) else 200
    return render(
        request,
        "desk/people_import.html",
        {
            "form": form,
            "may_units": may_units,
            "may_users": may_users,
            "report": report,
            "problems": problems,
        },
        status=status,
    )


@login_required
@require_GET
def people_template(request):
    """The empty 单位和用户 workbook."""
    may_units, may_users = people_import_rights(request.user)
    if not (may_units or may_users):
        return _home(request, PEOPLE_REFUSED)
    response = HttpResponse(people_template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "单位和用户导入模板.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("bureau/open-year/", year_open_page, name="year_open"),
    path("bureau/year-settings/", year_table_set_page, name="year_table_set"),
    path("bureau/year-population/", year_population_page, name="year_population"),
    path("bureau/people/", people_import_page, name="people_import"),
    path("bureau/people/template/", people_template, name="people_template"),
]
