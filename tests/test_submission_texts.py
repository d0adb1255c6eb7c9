"""Entered texts per submission: initialised from the unit and the standard glossary, copied from
last year, never overwritten; placeholder reasons refused in the admin form."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tests.factories import budget_unit_create, submission_create
from units.glossary import STANDARD_GLOSSARY
from units.models import GlossaryTerm, SubmissionText
from units.services import submission_texts_initialise

pytestmark = pytest.mark.django_db


def test_new_submission_starts_from_unit_texts_and_standard_glossary():
    unit = budget_unit_create()
    unit.duties, unit.organisation = "负责本县人大工作。", "设办公室一个。"
    unit.save()
    submission = submission_create(unit=unit, year=2025)
    texts = submission_texts_initialise(submission=submission)
    assert (texts.duties, texts.organisation) == ("负责本县人大工作。", "设办公室一个。")
    terms = list(submission.glossary_terms.values_list("term", "definition"))
    assert terms == list(STANDARD_GLOSSARY)


def test_copies_last_year_and_never_overwrites():
    unit = budget_unit_create()
    last = submission_create(unit=unit, year=2024)
    SubmissionText.objects.create(
        submission=last,
        duties="上年职责",
        other_notes="上年其他说明",
        revenue_change_reason="上年原因",
    )
    GlossaryTerm.objects.create(submission=last, term="自定义名词", definition="解释")
    current = submission_create(unit=unit, year=2025)
    texts = submission_texts_initialise(submission=current)
    assert (texts.duties, texts.other_notes) == ("上年职责", "上年其他说明")
    assert texts.revenue_change_reason == ""  # reasons belong to their year
    assert list(current.glossary_terms.values_list("term", flat=True)) == ["自定义名词"]

    texts.duties = "今年改过的职责"
    texts.save()
    again = submission_texts_initialise(submission=current)
    assert again.duties == "今年改过的职责"
    assert current.glossary_terms.count() == 1


def test_placeholder_reason_is_refused_by_the_model():
    submission = submission_create(unit=budget_unit_create())
    texts = SubmissionText(submission=submission, operating_costs_change_reason="主要原因是。")
    with pytest.raises(ValidationError) as exc:
        texts.full_clean()
    assert "不是有效的原因说明" in exc.value.message_dict["operating_costs_change_reason"][0]


def test_admin_submission_page_shows_the_entered_texts(client, demo):
    User.objects.create_superuser("boss", "b@example.com", "pw")
    client.login(username="boss", password="pw")
    url = f"/admin/units/submission/{demo.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "变动原因" in page.content.decode()
    assert "本年度计划开展智慧人大三期项目" in page.content.decode()
