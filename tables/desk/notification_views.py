"""通知: a person's notices (newest first, unread marked), opening one, 全部标为已读, their
mail switch; and 催办, which the bureau's pages post. Thin: the reads and writes are
`units.notifications`; a redirect goes only to a path of this site."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tables.desk.refusal import refusal_response
from units.models import Notification
from units.notifications import (
    notification_email_enabled,
    notification_email_set,
    notification_open,
    notifications_of,
    notifications_read_all,
    units_urge,
)

#: notices on one page of the list
PAGE_SIZE = 50


def _same_site_path(request, url: str | None) -> str | None:
    """`url` if it is a path of this site ("/desk/12/"), else None: never another host, a
    scheme, or a protocol-relative "//host" address."""
    if not url or not url.startswith("/") or url.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return url


@login_required
@require_GET
def notifications(request):
    """The user's notices, newest first, 50 a page, with their mail switch."""
    page = Paginator(notifications_of(user=request.user).select_related("actor"), PAGE_SIZE)
    notices = page.get_page(request.GET.get("page"))
    return render(
        request,
        "desk/notifications.html",
        {
            "notices": notices,
            "email_enabled": notification_email_enabled(user=request.user),
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_GET
def notification_go(request, pk: int):
    """Open one of the user's notices: mark it read, go to its page (a path of this site; the
    list when it has none)."""
    try:
        notice = notification_open(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        return refusal_response(
            request,
            reasons="这条通知不存在，或不是发给您的。",
            back_url=reverse("desk:notifications"),
            back_label="返回通知",
        )
    return redirect(_same_site_path(request, notice.link) or reverse("desk:notifications"))


@login_required
@require_POST
def notifications_mark_read(request):
    """全部标为已读."""
    count = notifications_read_all(user=request.user)
    messages.success(request, f"已将{count}条通知标为已读。" if count else "没有未读的通知。")
    return redirect("desk:notifications")


@login_required
@require_POST
def notification_email(request):
    """Turn the user's notice mail on or off (the checkbox 接收邮件通知)."""
    enabled = request.POST.get("email_enabled") == "on"
    notification_email_set(user=request.user, enabled=enabled)
    messages.success(
        request,
        "已开启邮件通知。" if enabled else "已关闭邮件通知，通知仍会在本页显示。",
    )
    return redirect("desk:notifications")


@login_required
@require_POST
def urge(request):
    """催办: tell the 填报人 of the chosen units (`unit`, repeated) of `year` to finish, with an
    optional `message`; back to `next` (a path of this site) or 我的待办."""
    back = _same_site_path(request, request.POST.get("next")) or reverse("desk:home")
    try:
        year = int(request.POST.get("year", ""))
        unit_ids = [int(value) for value in request.POST.getlist("unit")]
    except ValueError:
        return refusal_response(
            request, reasons="催办的年度或单位无效。", back_url=back, back_label="返回"
        )
    try:
        result = units_urge(
            actor=request.user, year=year, units=unit_ids, message=request.POST.get("message", "")
        )
    except PermissionDenied as exc:
        return refusal_response(request, reasons=str(exc), back_url=back, back_label="返回")
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(back)
    if result.units_urged:
        messages.success(request, f"已向 {len(result.units_urged)} 个单位的填报人发出催办。")
    if result.units_without_filler:
        names = "、".join(unit.name for unit in result.units_without_filler)
        messages.warning(request, f"以下单位还没有填报人，未能催办：{names}。请先分配填报人。")
    return redirect(back)


urlpatterns = [
    path("notifications/", notifications, name="notifications"),
    path("notifications/<int:pk>/", notification_go, name="notification_open"),
    path("notifications/read-all/", notifications_mark_read, name="notifications_read_all"),
    path("notifications/email/", notification_email, name="notification_email"),
    path("urge/", urge, name="urge"),
]
