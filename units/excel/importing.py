"""How every import writes: all or nothing, in one transaction, with the submission's row locked
(a second import of the same submission waits for the first) and the audit trail's reason and
source set (Excel导入, from a web page or a command alike), after every row has been checked.
Reading the upload is `units.excel.reader`'s; what a plan is and how it is saved is each
import's own (budget lines, 绩效目标)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from units.excel.problems import problems_error
from units.history import EXCEL_IMPORT, history_reason, history_source
from units.models import Submission


@contextmanager
def planned_import(
    *,
    submission: Submission,
    rows,
    reason: str,
    plan_build: Callable,
    refusal: Callable = problems_error,
) -> Iterator[tuple[Submission, object]]:
    """Lock the submission, build the import's plan from the rows read (`plan_build(submission,
    rows)`, whose result has `problems`), and refuse with every problem located
    (`refusal(problems)`, a ValidationError; nothing written) or yield `(submission, plan)` to
    save inside the same transaction."""
    with transaction.atomic(), history_reason(reason), history_source(EXCEL_IMPORT):
        locked = Submission.objects.select_for_update().select_related("unit").get(pk=submission.pk)
        plan = plan_build(locked, rows)
        if plan.problems:
            raise refusal(plan.problems)
        yield locked, plan
