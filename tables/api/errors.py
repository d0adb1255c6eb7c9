"""The open API's errors as Chinese JSON: `{"detail": "…"}`, plus the parameters at fault for a
422 and the seconds to wait for a 429. Pydantic's own messages are English; each error type a
query or path parameter can produce gets a Chinese sentence here, anything else a general one."""

from __future__ import annotations

import math

from django.http import Http404
from ninja.errors import HttpError, Throttled, ValidationError

NOT_FOUND = "没有找到所请求的内容。"
INVALID = "请求参数有误。"
THROTTLED = "请求过于频繁，请稍后再试。"
#: HTTP statuses ninja raises itself (HttpError), in Chinese
STATUS_DETAILS = {
    400: "请求无效。",
    401: "需要登录。",
    403: "没有权限。",
    404: NOT_FOUND,
    405: "不支持该请求方法。",
    429: THROTTLED,
}
#: pydantic error type → a Chinese sentence (`{…}` filled from the error's context)
VALIDATION_MESSAGES = {
    "missing": "缺少必填参数。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "bool_parsing": "应为 true 或 false。",
    "bool_type": "应为 true 或 false。",
    "string_type": "应为文字。",
    "greater_than_equal": "不能小于 {ge}。",
    "greater_than": "应大于 {gt}。",
    "less_than_equal": "不能大于 {le}。",
    "less_than": "应小于 {lt}。",
    "string_too_long": "不能超过 {max_length} 个字符。",
    "string_too_short": "至少 {min_length} 个字符。",
    "enum": "应为以下之一：{expected}。",
    "literal_error": "应为以下之一：{expected}。",
    "string_pattern_mismatch": "格式不正确。",
}


def validation_message(error: dict) -> str:
    """A pydantic error in Chinese."""
    template = VALIDATION_MESSAGES.get(error.get("type", ""), "参数无效。")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return "参数无效。"


def not_found(request, exc, *, api):
    """404: the Chinese message of our own Http404s (they say what is missing), else a general
    one; never an internal detail."""
    message = str(exc) if exc.args and _is_chinese(str(exc)) else NOT_FOUND
    return api.create_response(request, {"detail": message}, status=404)


def invalid(request, exc: ValidationError, *, api):
    """422: which parameters are wrong and why, in Chinese; the value sent is not echoed."""
    errors = [
        {
            "loc": [part for part in error.get("loc", ()) if isinstance(part, (str, int))],
            "type": str(error.get("type", "")),
            "msg": validation_message(error),
        }
        for error in exc.errors
        if isinstance(error, dict)
    ]
    return api.create_response(request, {"detail": INVALID, "errors": errors}, status=422)


def throttled(request, exc: Throttled, *, api):
    """429: ninja adds the `Retry-After` header with the same seconds."""
    wait = None if exc.wait is None else math.ceil(exc.wait)
    return api.create_response(request, {"detail": THROTTLED, "retry_after": wait}, status=429)


def http_error(request, exc: HttpError, *, api):
    detail = STATUS_DETAILS.get(exc.status_code, "请求未能完成。")
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def error_handlers_install(api) -> None:
    """Replace ninja's English error bodies by ours (the most specific class wins)."""
    from functools import partial

    api.add_exception_handler(Http404, partial(not_found, api=api))
    api.add_exception_handler(ValidationError, partial(invalid, api=api))
    api.add_exception_handler(Throttled, partial(throttled, api=api))
    api.add_exception_handler(HttpError, partial(http_error, api=api))
