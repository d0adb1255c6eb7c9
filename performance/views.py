"""Pages showing a submission's 绩效目标 tables; thin: select (with permission) → load → render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from performance.derive import performance_figures
from performance.selectors import target_data_load
from performance.sheets import target_sheets
from tables.figures.load import budget_data_load
from units.selectors import budget_submission_get_for_user


@login_required
def submission_targets(request, pk: int):
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    data = budget_data_load(submission=submission)
    targets = target_data_load(submission=submission)
    return render(
        request,
        "performance/submission_targets.html",
        {
            "submission": submission,
            "unit": submission.unit,
            "sheets": target_sheets(data, targets),
            "has_unit_target": targets.unit_target is not None,
            # 表十二 projects with money but no target table: shown, never silently left out
            "missing": performance_figures(data, targets).missing,
        },
    )
