"""Pages showing a submission's statutory tables; thin: select (with permission) → derive →
render."""

import re
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from tables.registry import BUILDERS
from tables.render.csv import table_csv_bytes
from tables.render.html import findings_grouped, html_table
from tables.services import disclosure_derive
from units.selectors import submission_get_for_user, submissions_visible_to


@login_required
def submission_list(request):
    submissions = submissions_visible_to(user=request.user).order_by("-year", "unit__code")
    return render(request, "tables/submission_list.html", {"submissions": submissions})


@login_required
def submission_tables(request, pk: int):
    submission = submission_get_for_user(user=request.user, pk=pk)
    derived = disclosure_derive(submission=submission)
    items = [{"table": table, "html": html_table(table)} for table in derived.tables.values()]
    return render(
        request,
        "tables/submission_tables.html",
        {
            "submission": submission,
            "unit": submission.unit,
            "items": items,
            "finding_groups": findings_grouped(derived.findings),
        },
    )


@login_required
def table_csv(request, pk: int, code: str):
    if code not in BUILDERS:
        raise Http404("没有这张公开表")
    submission = submission_get_for_user(user=request.user, pk=pk)
    table = disclosure_derive(submission=submission).tables[code]
    stem = f"{submission.unit.code}-{submission.year}-{code}"
    name = f"{stem}-{table.label}-{table.title}.csv"
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    response = HttpResponse(table_csv_bytes(table), content_type="text/csv; charset=utf-8")
    # RFC 6266: a plain ASCII name for old clients, the Chinese name (RFC 5987) for the rest.
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_stem}.csv\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response
