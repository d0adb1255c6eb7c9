"""Publish the demo once, so /public/ has something to show (run by scripts/serve.sh through
`manage.py shell`, after the demo superuser exists; a development convenience, not a command).

The demo reproduces the seed's own 绩效目标 faults, two of them 错误 that block 提交审核. The
first time, this script corrects those two the way the checks suggest (a target for
市人大代表联络站经费; 智慧人大三期's cost 89万元, not 890000万元), then takes the demo through the
real workflow: 提交审核 by a 填报人, 审核通过 by a 审核人, 发布 by the superuser `admin`
(services, checks, audit rows and stored files all as in production). It then opens a 更正
(草稿, version 2), so `load_demo`, which serve.sh runs next, can restore the seed's data
— faults included — for trying out entry and review, while version 1 stays on the public pages.

Later runs change nothing, except that a demo left 已发布 (a later version published in the
admin) is reopened as a 更正 so `load_demo` can run.
"""

from django.contrib.auth import get_user_model

from performance.demo import demo_load, demo_target_faults_fix
from tables.models import PublishedVersion
from tables.publication.services import submission_publish
from units import demo
from units.models import Submission, SubmissionStatus
from units.permissions import FILLER, REVIEWER
from units.services import submission_transition, user_role_assign

S = SubmissionStatus
User = get_user_model()
REOPEN_REASON = "演示：发布后重新打开为草稿，便于试用填报与审核（公开页面保留已发布版本）"


def demo_user(username: str, role: str, unit):
    """A workflow account of the demo, without a usable password (it only acts here)."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    user_role_assign(user=user, role=role, units=[unit])
    return user


def main() -> None:
    admin = User.objects.get(username="admin")
    published = PublishedVersion.objects.filter(
        unit_code=demo.UNIT_CODE, year=demo.YEAR, kind="budget"
    ).exists()
    if not published:
        submission = demo_load()
        demo_target_faults_fix(submission=submission)
        filler = demo_user("demo-filler", FILLER, submission.unit)
        reviewer = demo_user("demo-reviewer", REVIEWER, submission.unit)
        # From wherever an earlier session left it in the workflow.
        if submission.status in (S.DRAFT, S.RETURNED):
            submission_transition(submission_id=submission.pk, actor=filler, to_status=S.SUBMITTED)
            submission.refresh_from_db()
        if submission.status == S.SUBMITTED:
            submission_transition(submission_id=submission.pk, actor=reviewer, to_status=S.APPROVED)
        version = submission_publish(submission_id=submission.pk, actor=admin)
        print(f"已发布演示数据第{version.version}版（/public/d/{version.pk}/）")
    submission = Submission.objects.get(unit__code=demo.UNIT_CODE, year=demo.YEAR, kind="budget")
    if submission.status == S.PUBLISHED:
        submission_transition(
            submission_id=submission.pk, actor=admin, to_status=S.DRAFT, reason=REOPEN_REASON
        )
        print("已将演示数据重新打开为草稿（更正），公开页面保留已发布版本")


main()
