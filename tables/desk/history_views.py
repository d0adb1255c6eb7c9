"""变更记录 of a submission on its desk: the admin's page (`units.audit_views`) for anyone who
may see the submission, from the same loader and with the same table."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from tables.desk.views import desk_context
from units.history import submission_audit_page
from units.selectors import submission_get_for_user


@login_required
def history(request, pk: int):
    """Every recorded change of the submission's data, newest first, 50 a page (?p=N)."""
    submission = submission_get_for_user(user=request.user, pk=pk)
    audit = submission_audit_page(submission_id=submission.pk, number=request.GET.get("p"))
    return render(request, "desk/history.html", desk_context(submission, "history", audit=audit))


urlpatterns = [path("history/", history, name="history")]
