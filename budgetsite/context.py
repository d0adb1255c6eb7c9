"""Template context shared by every page."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from units.notifications import notifications_unread_count


def product(request):
    """`PRODUCT_NAME`: the one name of the product in titles and headers."""
    return {"PRODUCT_NAME": settings.PRODUCT_NAME}


def notifications(request):
    """`notifications_unread`: the logged-in user's unread notices, for the header's 通知 link.
    Lazy: counted (one query) only when a page shows it, once per page."""
    return {
        "notifications_unread": SimpleLazyObject(
            lambda: notifications_unread_count(user=getattr(request, "user", None))
        )
    }
