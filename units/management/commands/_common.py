"""Shared option handling of the commands: one unit's submission for one year, the acting user,
and running an all-or-nothing workbook import with its errors listed."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from units.models import Submission
from units.selectors import submission_get


def add_submission_arguments(parser) -> None:
    parser.add_argument("--unit", required=True, help="单位编码，例如 003")
    parser.add_argument("--year", required=True, type=int, help="预算年度，例如 2025")


def submission_from_options(options, *, kind: str = "budget") -> Submission:
    try:
        return submission_get(unit_code=options["unit"], year=options["year"], kind=kind)
    except Submission.DoesNotExist:
        what = "决算" if kind == "final" else "预算公开填报"
        raise CommandError(
            f"找不到单位 {options['unit']} 的 {options['year']} 年{what}。"
        ) from None


def actor_from_options(options):
    """The user named by `--user` (None: the command line acts)."""
    if not options.get("user"):
        return None
    actor = get_user_model().objects.filter(username=options["user"]).first()
    if actor is None:
        raise CommandError(f"找不到用户 {options['user']}。")
    return actor


def workbook_import_run(command, file: str, run, *, nothing: str):
    """Import the workbook at `file` with `run(path)`; on refusal print every located problem
    to stderr and fail with "<file> 有 N 处错误，未导入任何<nothing>。" (nothing was written)."""
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}")
    try:
        return run(path)
    except ValidationError as exc:
        for message in exc.messages:
            command.stderr.write(message)
        raise CommandError(
            f"{path.name} 有 {len(exc.messages)} 处错误，未导入任何{nothing}。"
        ) from None
