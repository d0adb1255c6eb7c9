"""Test helper: the POST data an admin change page would send back unchanged."""

from django.forms.widgets import MultiWidget


def posted(value) -> str:
    """A form value as posted text."""
    return "" if value is None else str(value)


def change_form_data(client, url) -> dict:
    """The POST data the admin change page would send unchanged (inlines and token included)."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}

    def add(bound):
        if isinstance(bound.field.widget, MultiWidget):
            for index, part in enumerate(bound.field.widget.decompress(bound.value())):
                data[f"{bound.html_name}_{index}"] = posted(part)
        elif bound.value() is not False:
            data[bound.html_name] = posted(bound.value())

    form = response.context["adminform"].form
    for name in form.fields:
        add(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = posted(formset.management_form[name].value())
        for inline_form in formset.forms:
            for name in inline_form.fields:
                add(inline_form[name])
    return data


def prefix_of(data, start: str) -> str:
    """The formset prefix of the inline whose management form key starts with `start`."""
    return next(
        key.removesuffix("-TOTAL_FORMS")
        for key in data
        if key.startswith(start) and key.endswith("-TOTAL_FORMS")
    )
