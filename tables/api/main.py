"""The open API instance, mounted by the site's URLconf at `api/v1/` (`api.urls`, namespace
`api`): its operations (`tables.api.endpoints`), Chinese errors, ETag/304 on every successful
GET, the anonymous rate limit, and the Swagger page at `docs` with the schema at
`openapi.json`."""

from __future__ import annotations

from django.conf import settings
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from tables.api.caching import conditional, conditional_response
from tables.api.docs import ChineseSwagger
from tables.api.endpoints import router
from tables.api.errors import error_handlers_install
from tables.api.throttling import ClientAnonRateThrottle

DESCRIPTION = """\
本接口以 JSON 提供本网站已公开的单位预算，与公开页面所示完全一致：只读、无需登录。

- 只包含已发布的版本；每个单位每个年度取最新版本（更正后，此前版本仍可按版本编号查阅）。
- 金额一律为“元”的精确小数字符串（如 `"12345.67"`），不是浮点数。
- 列表分页：参数 `page`（页码）与 `page_size`（每页条数，最多 100）。
- 每个成功的响应带 `ETag`：再次请求时以 `If-None-Match` 带上，内容未变则返回 304。
- 匿名访问有频率限制；超过时返回 429 与 `Retry-After`（秒）。
- 错误以中文 JSON 返回：`{"detail": "…"}`。
"""


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese written as itself (UTF-8), not as \\u escapes: readable in a browser
    and half the bytes."""

    json_dumps_params = {"ensure_ascii": False}


class OpenApi(NinjaAPI):
    """A NinjaAPI whose successful GET responses carry ETag and Cache-Control (and answer 304
    to a matching If-None-Match: `tables.api.caching`)."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return conditional_response(request, response)


api = OpenApi(
    title=f"{settings.PRODUCT_NAME}开放接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=ChineseSwagger(),
    docs_decorator=conditional,
    throttle=[ClientAnonRateThrottle()],
    renderer=ChineseJSONRenderer(),
)
error_handlers_install(api)
api.add_router("", router)
