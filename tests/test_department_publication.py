"""Publishing a 部门预算: every member approved at each move, and what the public pages and the
year's open data keep of it."""

import csv
import io

import pytest
from django.urls import reverse

from tables.models import PublishedVersion
from tables.publication.services import submission_publish
from tests.factories import department_budget_create, user_with
from units.models import BudgetUnit, SubmissionStatus
from units.permissions import ADMIN, REVIEWER
from units.services import TransitionRefused, submission_transition

pytestmark = pytest.mark.django_db
S = SubmissionStatus


def _members_published(members, admin):
    for member in members:
        submission_publish(submission_id=member.pk, actor=admin)


def test_a_member_returned_after_submitting_holds_back_approval_and_publication():
    """A member reopened after the 部门 was submitted (and after it was approved) stops the
    审核通过 and the 发布 of the 部门, naming the member; once it is approved again both go on."""
    consolidating, members = department_budget_create(n_lines=6)
    unit = consolidating.unit
    reviewer = user_with(REVIEWER, [unit, members[1].unit], name="dept-reviewer")
    admin = user_with(ADMIN, name="dept-admin")
    # submitted with every member approved (its own 提交 is refused for the members' missing
    # targets here: tests/test_department_budget.py covers the 提交 rule)
    consolidating.status = S.SUBMITTED
    consolidating.save(update_fields=["status"])
    submission_transition(
        submission_id=members[1].pk, actor=reviewer, to_status=S.RETURNED, reason="金额需要更正"
    )
    with pytest.raises(TransitionRefused, match="测试街道综合执法队"):
        submission_transition(submission_id=consolidating.pk, actor=reviewer, to_status=S.APPROVED)
    members[1].status = S.APPROVED
    members[1].save(update_fields=["status"])
    submission_transition(submission_id=consolidating.pk, actor=reviewer, to_status=S.APPROVED)
    members[1].status = S.DRAFT
    members[1].save(update_fields=["status"])
    with pytest.raises(TransitionRefused, match="测试街道综合执法队"):
        submission_publish(submission_id=consolidating.pk, actor=admin)
    consolidating.refresh_from_db()
    assert consolidating.status == S.APPROVED and not PublishedVersion.objects.exists()
    members[1].status = S.APPROVED
    members[1].save(update_fields=["status"])
    assert submission_publish(submission_id=consolidating.pk, actor=admin).is_department


def test_public_pages_keep_what_the_unit_was_when_published(client, fast_pdf):
    """The version records that it is a 部门预算 (and which member is 本级): switching the unit's
    flags later changes neither the list's label nor the member links."""
    consolidating, members = department_budget_create(n_lines=6)
    admin = user_with(ADMIN, name="dept-admin")
    _members_published(members, admin)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    version = submission_publish(submission_id=consolidating.pk, actor=admin)
    BudgetUnit.objects.filter(pk=consolidating.unit_id).update(consolidates_department=False)
    BudgetUnit.objects.filter(pk=members[0].unit_id).update(is_headquarters=False)
    listing = client.get(reverse("public:list")).content.decode()
    assert "测试街道（部门预算）" in listing
    page = client.get(reverse("public:disclosure", kwargs={"version_id": version.pk}))
    assert [v.unit_name for v in page.context["members"]] == [m.unit.name for m in members]
    assert "（部门本级）" in page.content.decode()


def test_the_years_open_data_counts_each_line_once(client, fast_pdf):
    """The year's bulk CSV holds the members' lines and leaves the 部门预算 out, so its amounts
    add up to the county's budget once."""
    consolidating, members = department_budget_create(n_lines=6)
    admin = user_with(ADMIN, name="dept-admin")
    _members_published(members, admin)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    submission_publish(submission_id=consolidating.pk, actor=admin)
    response = client.get(reverse("public:year_csv", kwargs={"year": 2025}))
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    units = {row["unit_code"] for row in rows}
    assert units == {m.unit.code for m in members}
    assert consolidating.unit.code not in units


def test_a_members_change_moves_the_departments_fingerprint():
    """The 部门汇总单位's fingerprint (which keys its cached 错误/警告 counts) changes when a
    member's line changes, though nothing of its own was recorded; one unit's does not."""
    from tables.desk.activity import submission_fingerprint, submissions_activity
    from units.models import BudgetLine, Submission

    consolidating, members = department_budget_create(n_lines=6)
    before = submission_fingerprint(submission_id=consolidating.pk)
    member_before = submission_fingerprint(submission_id=members[0].pk)
    assert (
        submissions_activity(submissions=Submission.objects.filter(pk=consolidating.pk))[
            consolidating.pk
        ].fingerprint
        == before
    )
    line = BudgetLine.objects.filter(submission=members[0]).first()
    line.note = "改动"
    line.save()  # a history record, as every save path writes
    assert submission_fingerprint(submission_id=consolidating.pk) != before
    assert submission_fingerprint(submission_id=members[0].pk) != member_before


def _all_money(table: dict):
    """Every money column of a published table's rows added up, exactly (snapshot values are
    decimal strings in 元)."""
    from decimal import Decimal

    money = [i for i, c in enumerate(table["columns"]) if c["kind"] == "money"]
    sums = [Decimal("0")] * len(money)
    for row in table["rows"]:
        for n, i in enumerate(money):
            if row["values"][i] is not None:
                sums[n] += Decimal(row["values"][i])
    return sums


def test_published_department_tables_add_up_from_the_members_published_files(fast_pdf):
    """Read back from the stored JSON snapshots (what anyone downloads): each statutory table of
    the 部门 (but 表十一, which counts 行政/参公 members only) holds, column by column, the sum
    of its members' published tables to the cent."""
    import json

    from tables.models import FileKind, PublishedFile

    consolidating, members = department_budget_create(n_lines=10)
    admin = user_with(ADMIN, name="dept-admin")
    _members_published(members, admin)
    consolidating.status = S.APPROVED
    consolidating.save(update_fields=["status"])
    submission_publish(submission_id=consolidating.pk, actor=admin)

    def snapshot(submission):
        stored = PublishedFile.objects.get(
            version__submission=submission, kind=FileKind.JSON
        ).content
        return {t["code"]: t for t in json.loads(bytes(stored))["tables"]}

    department = snapshot(consolidating)
    own = [snapshot(m) for m in members]
    for code in [f"T{n:02d}" for n in range(1, 15) if n != 11]:
        expected = [sum(column) for column in zip(*(_all_money(t[code]) for t in own), strict=True)]
        assert _all_money(department[code]) == expected, code
    assert any(_all_money(department["T01"]))
