"""The answer to an action refused anyway (a stale page, a forged POST): a Chinese page that
says why and links back, with status 403, never a bare error page."""

from django.shortcuts import render


def refusal_response(request, *, reasons, back_url: str, back_label: str = "返回"):
    if isinstance(reasons, str):
        reasons = [reasons]
    return render(
        request,
        "desk/refused.html",
        {"reasons": list(reasons), "back_url": back_url, "back_label": back_label},
        status=403,
    )
