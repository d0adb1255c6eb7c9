"""The Swagger UI page of the open API (`/api/v1/docs`), from ninja's bundled static files.

ninja's own template already keeps its settings in a `<script type="application/json">` (data,
not run) and starts Swagger UI from a static file, which the site's Content-Security-Policy
(scripts from our origin only, never inline) allows; but it has no `lang`, no page heading and
no way back to the Chinese introduction. `templates/api/swagger.html` is that template with
those, and these settings: no deep links (see below), only GET may be tried (the API has nothing else), and no validator
badge (it would load an image from swagger.io, which the CSP refuses).
"""

from __future__ import annotations

import json

from django.shortcuts import render
from ninja.openapi.docs import DocsBase

SWAGGER_SETTINGS = {
    "layout": "BaseLayout",
    # Deep links put an <a> inside each operation's toggle button: a control nested in a
    # control, which screen readers cannot operate (axe: nested-interactive).
    "deepLinking": False,
    "validatorUrl": None,
    "supportedSubmitMethods": ["get"],
    # Plain JSON in the responses: the highlighting theme's colours are too faint to read
    # (axe: color-contrast).
    "syntaxHighlight": False,
    "defaultModelsExpandDepth": 0,
    "docExpansion": "list",
}


class ChineseSwagger(DocsBase):
    """Swagger UI in our template (see the module docstring)."""

    template = "api/swagger.html"

    def render_page(self, request, api, **kwargs):
        settings = {**SWAGGER_SETTINGS, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            self.template,
            {
                "api": api,
                # as data inside <script>: no "</script>" can end it early
                "swagger_settings": json.dumps(settings, ensure_ascii=False).replace(
                    "<", "\\u003c"
                ),
            },
        )
