"""情况说明: the texts a unit writes, each reason beside the computed change it explains.

One page, one form: select (with permission) → `texts_page_load` → render; a POST goes to
`units.services.submission_texts_update`, which saves every text or none. Who may not edit sees
the texts read-only with the reason why, and a POST from them answers the refusal page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from tables.desk.refusal import refusal_response
from tables.desk.texts import texts_page_load
from tables.desk.views import desk_context
from units.concurrency import TOKEN_FIELD
from units.models import SubmissionText
from units.permissions import submission_edit_refusal
from units.selectors import budget_submission_get_for_user
from units.services import (
    TEXT_MAX_LENGTHS,
    TextsConflict,
    TextsRefused,
    submission_texts_initialise,
    submission_texts_update,
)


def _render(request, submission, *, refusal, status=200, conflict="", **load):
    page = texts_page_load(submission=submission, conflict=bool(conflict), **load)
    return render(
        request,
        "desk/texts.html",
        desk_context(
            submission,
            "texts",
            page=page,
            editable=refusal is None,
            refusal=refusal,
            token_field=TOKEN_FIELD,
            conflict=conflict,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def texts(request, pk: int):
    """The reasons beside their changes, the N01 list on top and the other texts; saved in one
    POST. A refused save shows the typed texts again with each error at its field (400), or,
    when someone saved in between, with the stored text beside the typed one (409)."""
    submission = budget_submission_get_for_user(user=request.user, pk=pk)
    refusal = submission_edit_refusal(request.user, submission)
    if request.method == "GET":
        if refusal is None:
            # The form shows, and its token covers, the texts a unit starts from (last year's
            # 职责 …), not blanks that a first save would write over them.
            submission_texts_initialise(submission=submission)
        return _render(request, submission, refusal=refusal)

    back = reverse("desk:texts", kwargs={"pk": pk})
    if refusal:
        return refusal_response(request, reasons=refusal, back_url=back, back_label="返回情况说明")
    values = {name: request.POST[name] for name in TEXT_MAX_LENGTHS if name in request.POST}
    token = request.POST.get(TOKEN_FIELD, "")
    try:
        saved = submission_texts_update(
            submission=submission, user=request.user, values=values, token=token
        )
    except TextsRefused as exc:
        return refusal_response(
            request, reasons=exc.messages, back_url=back, back_label="返回情况说明"
        )
    except TextsConflict as exc:
        return _render(
            request, submission, refusal=None, status=409, posted=values, conflict=exc.messages[0]
        )
    except ValidationError as exc:
        return _render(
            request,
            submission,
            refusal=None,
            status=400,
            posted=values,
            errors=exc.message_dict,
            token=token,
        )
    if saved.changed:
        labels = "、".join(
            str(SubmissionText._meta.get_field(name).verbose_name) for name in saved.changed
        )
        messages.success(request, f"已保存：{labels}。")
    else:
        messages.info(request, "内容没有改动，无需保存。")
    return redirect(back)


urlpatterns = [path("texts/", texts, name="texts")]
