"""开启决算 for the whole county (财政管理员): every unit whose budget of the year was published gets
its 决算 (`tables.desk.final_open.finals_open`), and the page says which were opened and why the
others were not. One unit's 决算 can also be opened from its budget's overview."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from tables.desk.final_open import finals_open, finals_open_preview
from tables.desk.refusal import refusal_response
from tables.desk.year_open import year_open_refusal


@login_required
@require_http_methods(["GET", "POST"])
def finals_open_page(request):
    """GET: the years with a published budget, each with how many units have a published budget
    and how many 决算 are open; POST `year`: open the rest, then the same page with the report."""
    refusal = year_open_refusal(request.user)
    if refusal:
        return refusal_response(
            request, reasons=refusal, back_url=reverse("desk:home"), back_label="返回我的待办"
        )
    report = None
    status = 200
    if request.method == "POST":
        years = {row.year for row in finals_open_preview()}
        year = request.POST.get("year", "")
        if not year.isdigit() or int(year) not in years:
            report, status = {"error": "请选择一个已有预算公开的年度。"}, 422
        else:
            opened, skipped = finals_open(year=int(year), actor=request.user)
            report = {"year": int(year), "opened": opened, "skipped": skipped}
    return render(
        request,
        "desk/finals_open.html",
        {"rows": finals_open_preview(), "report": report},
        status=status,
    )


urlpatterns = [path("bureau/open-final/", finals_open_page, name="finals_open")]
