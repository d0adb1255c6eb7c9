"""Shared option handling for commands that act on one unit's submission for one year."""

from django.core.management.base import CommandError

from units.models import Submission
from units.selectors import submission_get


def add_submission_arguments(parser) -> None:
    parser.add_argument("--unit", required=True, help="单位编码，例如 003")
    parser.add_argument("--year", required=True, type=int, help="预算年度，例如 2025")


def submission_from_options(options) -> Submission:
    try:
        return submission_get(unit_code=options["unit"], year=options["year"])
    except Submission.DoesNotExist:
        raise CommandError(
            f"找不到单位 {options['unit']} 的 {options['year']} 年预算公开填报。"
        ) from None
