"""绩效目标 on the desk: what is filled and what is missing (the unit's 整体支出 target and a
target for every project with money in 表十二), each with the link to fill it in, the target
findings; the sheets as they will print are one link away (`performance:submission_targets`)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse

from performance.derive import performance_figures, project_amount, project_current_amounts
from performance.models import ProjectTarget, UnitTarget
from tables.desk.findings import findings_linked
from tables.desk.views import desk_context
from tables.document.disclosure import disclosure_derive
from units.permissions import submission_editable_by
from units.selectors import budget_submission_get_for_user


def _unit_target_link(submission, editable: bool) -> str:
    target = UnitTarget.objects.filter(submission=submission).values_list("pk", flat=True).first()
    if target:
        return reverse("admin:performance_unittarget_change", args=[target])
    if editable:
        return reverse("admin:performance_unittarget_add") + f"?submission={submission.pk}"
    return ""


@login_required
def targets(request, pk: int):
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    editable = submission_editable_by(request.user, submission)
    derived = disclosure_derive(submission=submission)
    figures = performance_figures(derived.data, derived.targets)
    target_ids = dict(
        ProjectTarget.objects.filter(project__submission=submission).values_list("project_id", "pk")
    )
    amounts = _money_by_project(derived.data)
    rows = []
    for project in sorted(derived.data.projects, key=lambda p: (p.position, p.id)):
        if project.allocation_of_id or project.id not in amounts:
            continue
        target = target_ids.get(project.id)
        if target:
            link = reverse("admin:performance_projecttarget_change", args=[target])
        elif editable:
            link = reverse("admin:performance_projecttarget_add") + f"?project={project.id}"
        else:
            link = ""
        rows.append(
            {"project": project, "amount": amounts[project.id], "has": bool(target), "link": link}
        )
    findings = [f for f in derived.findings if f.rule_id.startswith("P")]
    return render(
        request,
        "desk/targets.html",
        desk_context(
            submission,
            "targets",
            editable=editable,
            rows=rows,
            figures=figures,
            unit_target_link=_unit_target_link(submission, editable),
            findings=findings_linked(findings, submission, editable=editable),
        ),
    )


def _money_by_project(data) -> dict:
    """Main project id → this year's 表十二 amount, its extra allocations included."""
    sums = project_current_amounts(data)
    amounts: dict[int, Decimal] = {}
    for project in data.projects:
        if project.id in sums:
            owner = project.allocation_of_id or project.id
            amounts[owner] = amounts.get(owner, Decimal(0)) + project_amount(sums, project.id)
    return amounts


urlpatterns = [path("targets/", targets, name="targets")]
