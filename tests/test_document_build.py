"""The assembled disclosure: all parts present, findings from tables, targets and narrative,
queries bounded."""

import pytest

from tables.document.build import document_build
from units.models import SubmissionText
from units.selectors import submission_get

pytestmark = pytest.mark.django_db


def test_demo_document_has_every_part(django_assert_max_num_queries, demo):
    submission = submission_get(unit_code="003", year=2025)
    with django_assert_max_num_queries(20):
        document = document_build(submission=submission)
    assert list(document.tables) == [f"T{n:02d}" for n in range(1, 15)]
    assert [s.number for s in document.narrative.sections] == [
        "一",
        "二",
        "三",
        "四",
        "五",
        "六",
        "七",
        "八",
        "九",
        "十",
        "十一",
        "十二",
    ]
    assert document.unit_target_sheet is not None
    assert len(document.project_target_sheets) == 18
    assert len(document.texts.glossary) == 12
    assert document.texts.duties.startswith("（一）对全国、省、市人大常委会")
    assert {f.rule_id for f in document.findings} >= {"P01", "P07", "R12"}
    assert "N01" not in {f.rule_id for f in document.findings}
    assert document.is_draft


def test_missing_reason_for_a_big_change_is_a_finding(demo):
    SubmissionText.objects.filter(submission=demo).update(operating_costs_change_reason="")
    document = document_build(submission=submission_get(unit_code="003", year=2025))
    n01 = [f for f in document.findings if f.rule_id == "N01"]
    assert [f.row for f in n01] == ["operating_costs_change_reason"]
    assert "机关运行经费60.95万元，比上年下降11.55%" in n01[0].message


@pytest.mark.django_db(transaction=True)
def test_check_disclosure_reports_narrative_findings(capsys, demo):
    from django.core.management import call_command

    SubmissionText.objects.filter(submission=demo).update(reception_change_reason="XX")
    with pytest.raises(SystemExit) as exc:
        call_command("check_disclosure", "--unit", "003", "--year", "2025")
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "错误 N01 公务接待费2.00万元，比上年下降60.00%" in out
