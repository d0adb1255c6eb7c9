"""Template context shared by every page."""

from django.conf import settings


def product(request):
    """`PRODUCT_NAME`: the one name of the product in titles and headers."""
    return {"PRODUCT_NAME": settings.PRODUCT_NAME}
