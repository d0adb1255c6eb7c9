"""The demo 部门 that `load_demo --department` adds for trying 部门预算 in the browser."""

import io

import pytest
from django.core.management import call_command

from performance.demo_department import DEMO_MEMBERS, demo_department_load
from tables.document.disclosure import disclosure_derive
from tests.factories import user_with
from units.decisions import submission_action_refusal
from units.models import BudgetLine, BudgetUnit, Submission, SubmissionStatus
from units.permissions import FILLER
from units.reference_defaults import load_default_reference
from units.severity import ERROR

pytestmark = pytest.mark.django_db


def test_demo_department_adds_up_its_members_and_loads_once():
    """Four approved members and a draft 部门 whose 收入总计 is theirs; a second load creates
    nothing twice and leaves a changed member as it is."""
    load_default_reference(year=2025)
    summary = demo_department_load()
    members = Submission.objects.filter(unit__code__in=[m[0] for m in DEMO_MEMBERS])
    assert members.count() == 4
    assert set(members.values_list("status", flat=True)) == {SubmissionStatus.APPROVED}
    assert summary.status == SubmissionStatus.DRAFT and summary.unit.consolidates_department
    derived = disclosure_derive(submission=summary)
    member_total = sum(
        disclosure_derive(submission=m).tables["T01"].cell("收入总计", "income") for m in members
    )
    assert derived.tables["T01"].cell("收入总计", "income") == member_total > 0
    assert [row.cells[0] for row in derived.tables["U01"].rows[1:]][:1] == ["演示街道办事处本级"]
    lines = BudgetLine.objects.count()
    demo_department_load()
    assert BudgetLine.objects.count() == lines
    assert BudgetUnit.objects.filter(code__startswith="901").count() == 5
    filler = user_with(FILLER, [summary.unit])
    assert submission_action_refusal(filler, summary, SubmissionStatus.SUBMITTED) is None
    assert not [f for f in derived.findings if f.severity == ERROR], derived.findings


def test_load_demo_takes_the_department_option():
    call_command("load_reference", verbosity=0)
    out = io.StringIO()
    call_command("load_demo", "--department", stdout=out)
    assert "已载入演示部门：901000 演示街道办事处（部门汇总）" in out.getvalue()
