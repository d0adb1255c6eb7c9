"""情况说明 on the work desk (/desk/<pk>/texts/): each change the narrative computes, with its
figures as the narrative has them, beside the textarea of its reason; the N01 list on top; one
form saved all or nothing by `units.services.submission_texts_update` (formula-like text,
placeholders and lengths refused with the field named); read-only with the reason why for who
may not edit, and a forged POST refused with nothing changed; two tabs cannot silently overwrite
each other; a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tables.document.build import document_build, submission_findings
from tables.templatetags.desk import percent, signed_wan, wan
from tests.factories import synthetic_submission, user_with
from tests.test_document_html import by_id, parse, text_of
from units.models import Submission, SubmissionStatus, SubmissionText
from units.permissions import ADMIN, FILLER, REVIEWER
from units.services import TextsRefused, submission_texts_update

pytestmark = pytest.mark.django_db

CONFLICT = "该记录已被他人修改"


def url_of(submission) -> str:
    return reverse("desk:texts", kwargs={"pk": submission.pk})


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def filler(demo):
    return user_with(FILLER, [demo.unit], name="张三")


def texts_set(submission, **values) -> None:
    texts = SubmissionText.objects.get(submission=submission)
    for name, value in values.items():
        setattr(texts, name, value)
    texts.save()


def texts_of(submission) -> dict:
    return SubmissionText.objects.filter(submission=submission).values().get()


def form_data(client, submission) -> dict:
    """What the page's form would post unchanged: every textarea and the hidden token."""
    root = parse(client.get(url_of(submission)).content.decode())
    form = next(f for f in root.iter("form") if f.get("class") == "texts-form")
    data = {t.get("name"): "".join(t.itertext()) for t in form.iter("textarea")}
    data.update({i.get("name"): i.get("value") for i in form.iter("input") if i.get("name")})
    return data


def field_block(root, name: str):
    """The block of one text field: its label, hint, errors, textarea and stored text."""
    for div in root.iter("div"):
        if "texts-field" in (div.get("class") or "").split() and any(
            t.get("id") == name for t in div.iter("textarea")
        ):
            return div
    raise AssertionError(f"no field block for {name}")


def missing_links(response) -> list[str]:
    root = parse(response.content.decode())
    lists = [u for u in root.iter("ul") if u.get("class") == "texts-missing"]
    return [a.get("href") for u in lists for a in u.iter("a")]


def n01_rows(submission) -> list[str]:
    return [f.row for f in submission_findings(submission=submission) if f.rule_id == "N01"]


# --- the page -------------------------------------------------------------------------------


def test_each_change_shows_the_narratives_figures_beside_its_labelled_reason(client, demo, filler):
    """For every comparison the narrative makes, the block shows 本年, 上年, 增减额 and 增减率
    exactly as the narrative computes them (万元), and the textarea of its reason has the field
    name as id, a <label> and the stored reason."""
    changes = document_build(submission=demo).narrative.changes
    assert len(changes) == 10
    root = parse(logged_in(client, filler).get(url_of(demo)).content.decode())
    labels = {label.get("for"): text_of(label) for label in root.iter("label")}
    for change in changes:
        block = by_id(root, f"change-{change.reason_field}")
        shown = {dd.get("data-figure"): text_of(dd) for dd in block.iter("dd")}
        assert shown == {
            "current": f"{wan(change.current)}万元",
            "prior": f"{wan(change.prior)}万元",
            "diff": f"{signed_wan(change.diff)}万元",
            "percent": percent(change.percent) if change.percent is not None else "—",
        }, change.label
        assert change.label in text_of(block)
        textarea = by_id(root, change.reason_field)
        assert textarea.tag == "textarea" and textarea.get("name") == change.reason_field
        assert "".join(textarea.itertext()) == change.reason
        field = SubmissionText._meta.get_field(change.reason_field)
        assert labels[change.reason_field] == field.verbose_name
        words = text_of(block)
        if change.needs_reason:
            assert "必须说明原因" in words and "已说明" in words
        else:
            assert "必须说明原因" not in words
    # the seed's 三公 fell by 13.04%: a reason is required, and the figures are the seed's
    sangong = by_id(root, "change-sangong_change_reason")
    assert "20.00万元" in text_of(sangong) and "−13.04%" in text_of(sangong)
    for name in ("duties", "organisation", "purchased_services_note", "other_notes"):
        assert by_id(root, name).tag == "textarea" and name in labels


def test_the_demo_has_every_required_reason(client, demo, filler):
    """The seed explains each change of 10% or more: no N01 list, a clear all-done message."""
    response = logged_in(client, filler).get(url_of(demo))
    content = response.content.decode()
    assert response.status_code == 200
    assert n01_rows(demo) == []
    assert missing_links(response) == []
    assert "增减变动原因已全部说明" in content
    assert "需要说明原因的 3 项增减变动都已填写原因" in content


def test_the_list_names_exactly_the_changes_without_a_reason(client, demo, filler):
    """With 三公's reason emptied and 接待费's a placeholder ("略"), the list on top counts 2 and
    links to exactly those two fields, the rows of the N01 findings; each block says 尚未说明."""
    texts_set(demo, sangong_change_reason="", reception_change_reason="略")
    response = logged_in(client, filler).get(url_of(demo))
    content = response.content.decode()
    assert "还有 2 项增减变动达到10%以上尚未说明原因" in content
    assert missing_links(response) == ["#sangong_change_reason", "#reception_change_reason"]
    assert n01_rows(demo) == ["sangong_change_reason", "reception_change_reason"]
    root = parse(content)
    for name in ("sangong_change_reason", "reception_change_reason"):
        assert "尚未说明" in text_of(by_id(root, f"change-{name}"))
        assert by_id(root, name).tag == "textarea"  # the anchor the link and findings use
    assert "尚未说明" not in text_of(by_id(root, "change-operating_costs_change_reason"))


# --- saving ---------------------------------------------------------------------------------


def test_saving_a_reason_removes_it_from_the_list_and_the_n01_finding(client, demo, filler):
    """Filling the missing reason and saving the form: the page answers with a redirect and a
    message, the reason is stored (trimmed, CRLF as LF), the N01 finding is gone, the list is
    gone, and the audit trail records the filler as the one who changed it."""
    texts_set(demo, sangong_change_reason="")
    client = logged_in(client, filler)
    data = form_data(client, demo)
    data["sangong_change_reason"] = "  严控一般性支出，\r\n压减公务接待  "
    response = client.post(url_of(demo), data)
    assert response.status_code == 302 and response["Location"] == url_of(demo)
    assert texts_of(demo)["sangong_change_reason"] == "严控一般性支出，\n压减公务接待"
    assert n01_rows(demo) == []
    page = client.get(url_of(demo))
    assert missing_links(page) == []
    assert "已保存：“三公”经费变动原因。" in page.content.decode()
    record = SubmissionText.history.filter(submission_id=demo.pk).latest("history_id")
    assert record.history_user == filler
    assert record.sangong_change_reason == "严控一般性支出，\n压减公务接待"


def test_saving_unchanged_texts_writes_nothing(client, demo, filler):
    """Saving the form as loaded changes no row and records no history."""
    client = logged_in(client, filler)
    data = form_data(client, demo)
    before = SubmissionText.history.count()
    response = client.post(url_of(demo), data, follow=True)
    assert "内容没有改动" in response.content.decode()
    assert SubmissionText.history.count() == before


def test_formula_text_is_refused_with_the_field_named_and_nothing_saved(client, demo, filler):
    """One formula-like reason refuses the whole form: 400, an error summary whose item names the
    field and links to it, the field marked invalid and still holding what was typed; neither it
    nor the valid change typed beside it is saved."""
    client = logged_in(client, filler)
    before = texts_of(demo)
    data = form_data(client, demo)
    data["duties"] = "新的职责"
    data["reception_change_reason"] = '=HYPERLINK("http://x","y")'
    response = client.post(url_of(demo), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "没有保存：有 1 处需要修改" in content
    root = parse(content)
    summary = [a for a in root.iter("a") if a.get("href") == "#reception_change_reason"]
    assert summary and text_of(summary[0]).startswith("公务接待费变动原因：不能以“=”开头")
    textarea = by_id(root, "reception_change_reason")
    assert textarea.get("aria-invalid") == "true"
    assert "reception_change_reason-error" in textarea.get("aria-describedby")
    assert "".join(textarea.itertext()) == '=HYPERLINK("http://x","y")'
    assert "".join(by_id(root, "duties").itertext()) == "新的职责"
    assert texts_of(demo) == before


def test_placeholders_and_overlong_texts_are_refused_each_at_its_field(client, demo, filler):
    """A placeholder reason ("待补充") and a 其他说明 over 5000 characters: both named, nothing
    saved."""
    client = logged_in(client, filler)
    before = texts_of(demo)
    data = form_data(client, demo)
    data["sangong_change_reason"] = "待补充"
    data["other_notes"] = "字" * 5001
    response = client.post(url_of(demo), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "“三公”经费变动原因：「待补充」不是有效的原因说明" in content
    assert "其他说明：最多5000字，现有5001字" in content
    assert "没有保存：有 2 处需要修改" in content
    assert texts_of(demo) == before


def test_the_service_saves_all_or_nothing_and_creates_missing_texts(draft_world):
    """`submission_texts_update` creates the texts of a submission that has none, saves valid
    values together, and with one invalid value raises naming it and saves none."""
    side = draft_world["A"]
    submission, user = side["submission"], side["user"]
    SubmissionText.objects.filter(submission=submission).delete()
    saved = submission_texts_update(
        submission=submission, user=user, values={"other_notes": "无其他说明事项"}
    )
    assert saved.changed == ["other_notes"]
    assert texts_of(submission)["other_notes"] == "无其他说明事项"
    with pytest.raises(ValidationError) as exc:
        submission_texts_update(
            submission=submission,
            user=user,
            values={"duties": "新职责", "organisation": "@SUM(A1)"},
        )
    assert exc.value.message_dict == {
        "organisation": [
            "机构设置情况：不能以“@”开头（电子表格会把它当作公式执行）；"
            "请删除开头的符号，或在前面加上文字说明。"
        ]
    }
    assert texts_of(submission)["duties"] != "新职责"


def test_the_service_itself_refuses_who_may_not_edit(draft_world):
    """Called directly (not through the page), the service still refuses a 审核人 and a
    submitted submission under the row lock, saving nothing."""
    side = draft_world["A"]
    submission = side["submission"]
    before = texts_of(submission)
    with pytest.raises(TextsRefused, match="财政审核人只能查看"):
        submission_texts_update(
            submission=submission, user=draft_world["users"][REVIEWER], values={"duties": "x"}
        )
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.APPROVED)
    with pytest.raises(TextsRefused, match="已审核通过"):
        submission_texts_update(submission=submission, user=side["user"], values={"duties": "x"})
    assert texts_of(submission) == before


# --- who may edit ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [REVIEWER, ADMIN])
def test_reviewer_and_admin_see_the_texts_read_only_and_a_forged_post_changes_nothing(
    client, draft_world, role
):
    """审核人 and 管理员 see every text without a form, told why; their POST answers the refusal
    page (403) and nothing is saved."""
    submission = draft_world["A"]["submission"]
    client = logged_in(client, draft_world["users"][role])
    page = client.get(url_of(submission))
    content = page.content.decode()
    assert page.status_code == 200
    assert "<textarea" not in content and "texts-form" not in content
    assert "只能查看" in content and "甲单位职责" in content
    root = parse(content)
    assert text_of(by_id(root, "duties")) == "本单位职责"  # the anchor exists read-only too
    before = texts_of(submission)
    response = client.post(url_of(submission), {"duties": "审核人改的", "other_notes": "x"})
    assert response.status_code == 403
    assert "操作未执行" in response.content.decode()
    assert texts_of(submission) == before


def test_a_filler_of_another_unit_cannot_see_or_change_the_texts(client, draft_world):
    """B's 填报人 gets 404 for A's page (no existence leak) and A's texts are unchanged."""
    submission = draft_world["A"]["submission"]
    client = logged_in(client, draft_world["users"]["B"])
    before = texts_of(submission)
    assert client.get(url_of(submission)).status_code == 404
    assert client.post(url_of(submission), {"duties": "乙改的"}).status_code == 404
    assert texts_of(submission) == before


def test_a_submitted_submission_is_read_only_for_its_filler(client, draft_world):
    """Once 已提交 the filler sees the texts read-only with the reason, and a POST (a page loaded
    before 提交) answers the refusal page with that reason; nothing is saved."""
    side = draft_world["A"]
    submission = side["submission"]
    client = logged_in(client, side["user"])
    data = form_data(client, submission)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.SUBMITTED)
    page = client.get(url_of(submission)).content.decode()
    assert "<textarea" not in page and "已提交审核，审核期间不能修改" in page
    before = texts_of(submission)
    data["duties"] = "提交后改的"
    response = client.post(url_of(submission), data)
    assert response.status_code == 403
    assert "已提交审核，审核期间不能修改" in response.content.decode()
    assert texts_of(submission) == before


def test_opening_the_page_gives_a_submission_without_texts_its_texts(client, draft_world):
    """A filler opening the page of a submission without texts gets them initialised (from the
    unit); a reviewer's visit creates nothing."""
    side = draft_world["A"]
    submission = side["submission"]
    SubmissionText.objects.filter(submission=submission).delete()
    logged_in(client, draft_world["users"][REVIEWER]).get(url_of(submission))
    assert not SubmissionText.objects.filter(submission=submission).exists()
    logged_in(client, side["user"]).get(url_of(submission))
    assert SubmissionText.objects.filter(submission=submission).exists()


# --- two tabs -------------------------------------------------------------------------------


def test_a_second_tab_cannot_overwrite_the_first_ones_save(client, demo, filler):
    """Two tabs load the page; the first saves 职责. The second's save is refused (409) naming
    who changed the texts, none of its texts is saved, it keeps what was typed and shows the
    stored 职责 beside it; saving that page again (now knowingly) goes through."""
    client = logged_in(client, filler)
    first, second = form_data(client, demo), form_data(client, demo)
    first["duties"] = "第一个标签页的职责"
    assert client.post(url_of(demo), first).status_code == 302
    second["other_notes"] = "第二个标签页的说明"
    second["organisation"] += "\r\n"  # as a browser posts it: the same text as stored
    response = client.post(url_of(demo), second)
    assert response.status_code == 409
    content = response.content.decode()
    assert CONFLICT in content and "，张三）" in content
    assert texts_of(demo)["other_notes"] == ""
    assert texts_of(demo)["duties"] == "第一个标签页的职责"
    root = parse(content)
    assert "".join(by_id(root, "other_notes").itertext()) == "第二个标签页的说明"
    duties = field_block(root, "duties")
    assert "当前已保存的内容" in text_of(duties) and "第一个标签页的职责" in text_of(duties)
    assert "当前已保存的内容" not in text_of(field_block(root, "organisation"))  # unchanged
    again = form_data_of(content)
    assert client.post(url_of(demo), again).status_code == 302
    assert texts_of(demo)["other_notes"] == "第二个标签页的说明"


def form_data_of(content: str) -> dict:
    root = parse(content)
    form = next(f for f in root.iter("form") if f.get("class") == "texts-form")
    data = {t.get("name"): "".join(t.itertext()) for t in form.iter("textarea")}
    data.update({i.get("name"): i.get("value") for i in form.iter("input") if i.get("name")})
    return data


def test_a_post_without_the_token_is_a_conflict(client, demo, filler):
    """A form without its token (a hand-made POST) is refused like a stale page."""
    client = logged_in(client, filler)
    data = form_data(client, demo)
    del data["concurrency_token"]
    data["other_notes"] = "无令牌"
    assert client.post(url_of(demo), data).status_code == 409
    assert texts_of(demo)["other_notes"] == ""


def test_correcting_an_error_does_not_hide_a_conflict(client, demo, filler):
    """A refused save keeps the token of the page it came from: if someone saved meanwhile, the
    corrected save is still a conflict, not an overwrite."""
    client = logged_in(client, filler)
    mine, theirs = form_data(client, demo), form_data(client, demo)
    mine["other_notes"] = "=1+1"
    refused = client.post(url_of(demo), mine)
    assert refused.status_code == 400
    theirs["duties"] = "别人先保存的职责"
    assert client.post(url_of(demo), theirs).status_code == 302
    corrected = form_data_of(refused.content.decode())
    corrected["other_notes"] = "改正后的说明"
    assert client.post(url_of(demo), corrected).status_code == 409
    assert texts_of(demo)["duties"] == "别人先保存的职责"
    assert texts_of(demo)["other_notes"] == ""


# --- queries --------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_page_runs_a_bounded_number_of_queries(
    client, demo, filler, django_assert_max_num_queries
):
    """The demo's page and its save stay within a fixed number of queries, and a submission
    with 16 times the lines needs no more than one with few."""
    client = logged_in(client, filler)
    data = form_data(client, demo)
    with django_assert_max_num_queries(30):
        client.get(url_of(demo))
    data["other_notes"] = "有其他说明"
    with django_assert_max_num_queries(20):
        assert client.post(url_of(demo), data).status_code == 302

    counts = []
    for n_lines in (5, 80):
        submission = synthetic_submission(n_lines, seed=n_lines)
        user = user_with(FILLER, [submission.unit])
        client.force_login(user)
        client.get(url_of(submission))  # the first visit creates the texts
        counts.append(_queries(client, url_of(submission)))
    assert counts[0] == counts[1]
