"""The answer to an action refused anyway (a stale page, a forged POST): a Chinese page that
says why and links back, with status 403, never a bare error page. Asked by htmx (a fragment
that would not be swapped in on a 403), the browser is sent back instead, the reasons shown as
messages there."""

from django.contrib import messages
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect


def refusal_response(request, *, reasons, back_url: str, back_label: str = "返回"):
    if isinstance(reasons, str):
        reasons = [reasons]
    if getattr(request, "htmx", False):
        for reason in reasons:
            messages.error(request, f"操作未执行：{reason}")
        return HttpResponseClientRedirect(back_url)
    return render(
        request,
        "desk/refused.html",
        {"reasons": list(reasons), "back_url": back_url, "back_label": back_label},
        status=403,
    )
