"""The 500 handler (`handler500` in budgetsite.urls): Django's own, plus the request's id.

The 500 page says the problem was recorded; the id it shows is on the traceback in the logs and
in the error mail (`budgetsite.logs`), so whoever the user tells can find it. Like Django's
handler it renders without the request (no context processors, nothing that can fail again).
"""

from __future__ import annotations

from django.http import HttpResponseServerError
from django.template import TemplateDoesNotExist, loader
from django.views.defaults import ERROR_500_TEMPLATE_NAME
from django.views.defaults import server_error as django_server_error


def server_error(request, template_name=ERROR_500_TEMPLATE_NAME):
    """The 500 page with `request_id`."""
    try:
        template = loader.get_template(template_name)
    except TemplateDoesNotExist:
        return django_server_error(request, template_name)
    return HttpResponseServerError(
        template.render({"request_id": getattr(request, "request_id", "")})
    )
