"""变更记录 of one submission: every recorded change of its budget data (the submission row, its
lines, projects, items, texts, glossary, assets, targets, key tasks and indicators), newest
first, with who, when and each field before and after.

Shown to whoever may see the submission (`submission_get_for_user`: 404 otherwise, the same as
for a submission that does not exist). Wired inside the admin by `SubmissionAdmin.get_urls`
(`admin:units_submission_audit`, /admin/units/submission/<pk>/audit/), behind `admin_view`.
"""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from units.history import audit_entries_load, submission_changes_queryset
from units.models import Submission
from units.selectors import submission_get_for_user

PER_PAGE = 50


def submission_audit_view(request, pk: int, *, admin_site):
    submission = submission_get_for_user(user=request.user, pk=pk)
    paginator = Paginator(submission_changes_queryset(submission_id=submission.pk), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "admin/units/submission/audit.html",
        {
            **admin_site.each_context(request),
            "opts": Submission._meta,
            "title": f"变更记录：{submission}",
            "submission": submission,
            "entries": audit_entries_load(list(page.object_list)),
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
        },
    )
