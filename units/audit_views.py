"""变更记录 of one submission: every recorded change of its budget data (the submission row, its
lines, projects, items, texts, glossary, assets, targets, key tasks and indicators), newest
first, with who, when and each field before and after.

Shown to whoever may see the submission (`submission_get_for_user`: 404 otherwise, the same as
for a submission that does not exist). Wired inside the admin by `SubmissionAdmin.get_urls`
(`admin:units_submission_audit`, /admin/units/submission/<pk>/audit/), behind `admin_view`.

The desk shows the same page (`tables.desk.history_views`), from the same loader
(`units.history.submission_audit_page`) and the same table (templates/includes/audit_entries.html).
"""

from django.template.response import TemplateResponse

from units.history import submission_audit_page
from units.models import Submission
from units.selectors import submission_get_for_user


def submission_audit_view(request, pk: int, *, admin_site):
    submission = submission_get_for_user(user=request.user, pk=pk)
    audit = submission_audit_page(submission_id=submission.pk, number=request.GET.get("p"))
    return TemplateResponse(
        request,
        "admin/units/submission/audit.html",
        {
            **admin_site.each_context(request),
            "opts": Submission._meta,
            "title": f"变更记录：{submission}",
            "submission": submission,
            "audit": audit,
        },
    )
