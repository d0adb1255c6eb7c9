"""The world of the audit-trail tests (`tests/test_audit.py`, `tests/test_audit_page.py`): two
units' submissions with synthetic lines, a 填报人 and a 审核人 of the first, a 填报人 of the second
(whose unit's name must never show to the first's users)."""

from decimal import Decimal

from tests.factories import budget_unit_create, submission_create, synthetic_budget, user_with
from units.permissions import FILLER, REVIEWER

B_NAME = "乙单位独有名称XYZ"


def audit_world() -> dict:
    """{"sub": {"A": …, "B": …}, "users": {FILLER: …, REVIEWER: …, "B": …}}."""
    unit_a = budget_unit_create(name="甲单位")
    unit_b = budget_unit_create(name=B_NAME)
    sub_a = submission_create(unit=unit_a)
    sub_b = submission_create(unit=unit_b)
    synthetic_budget(sub_a, 6)
    synthetic_budget(sub_b, 6, seed=1)
    users = {}
    for role in (FILLER, REVIEWER):
        users[role] = user_with(role, [unit_a], name=role)
    users["B"] = user_with(FILLER, [unit_b], name="乙填报人")
    return {"sub": {"A": sub_a, "B": sub_b}, "users": users}


def line_with_history(submission, amount="77.00"):
    """The submission's first line saved with `amount`, and its newest history record."""
    line = submission.lines.first()
    line.amount = Decimal(amount)
    line.save()
    return line, line.history.latest()
