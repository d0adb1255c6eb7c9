"""开放接口说明 (`/api/`): the open API introduced in Chinese for people who will write a
program against it, with each operation, its parameters and links to the Swagger page and the
OpenAPI schema. The list is read from the API's own schema, so it cannot drift from the API."""

from __future__ import annotations

import functools

from django.http import JsonResponse
from django.shortcuts import render

from tables.api.caching import conditional
from tables.api.endpoints import MAX_PAGE_SIZE, PAGE_SIZE
from tables.api.errors import NOT_FOUND
from tables.api.main import api


@functools.cache
def api_operations() -> list[dict]:
    """(path, summary, description, parameters) of every GET operation, in schema order (the
    schema is fixed for the life of the process: read once)."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        operations.append(
            {
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [
                    {
                        "name": p["name"],
                        "where": "路径" if p["in"] == "path" else "查询",
                        "required": p.get("required", False),
                        "description": p.get("description")
                        or p.get("schema", {}).get("description", ""),
                    }
                    for p in operation.get("parameters", ())
                ],
            }
        )
    return operations


@conditional
def api_intro(request):
    """开放接口说明."""
    return render(
        request,
        "api/intro.html",
        {
            "operations": api_operations(),
            "page_size": PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
        },
    )


def api_not_found(request, url: str):
    """Any other path under /api/v1/: a 404 in the API's Chinese JSON, not an HTML page."""
    return JsonResponse(
        {"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
    )
