"""The `--unit CODE` / `--department CODE` choice shared by the commands that read one
disclosure: a unit's own submission, or the 部门预算 of a 主管部门 (the submission of its
部门汇总单位)."""

from django.core.management.base import CommandError

from units.models import BudgetUnit, Department, Submission, SubmissionKind
from units.selectors import department_submission_get, submission_get


def add_unit_or_department_arguments(parser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="单位编码，例如 003")
    which.add_argument("--department", help="主管部门编码：输出该部门的部门预算")
    parser.add_argument("--year", required=True, type=int, help="预算年度，例如 2025")
    add_kind_argument(parser)


def add_kind_argument(parser) -> None:
    """`--kind budget` (the default) or `--kind final`: the year's 预算 or its 决算."""
    parser.add_argument(
        "--kind",
        choices=[k.value for k in SubmissionKind],
        default=SubmissionKind.BUDGET.value,
        help="budget（预算，默认）或 final（决算）",
    )


def submission_from_unit_or_department(options) -> Submission:
    """The submission `--unit` or `--department` names for `--year` (and `--kind`); CommandError
    saying what is missing otherwise."""
    year = options["year"]
    kind = options.get("kind") or SubmissionKind.BUDGET
    label = SubmissionKind(kind).label
    if not options.get("department"):
        try:
            return submission_get(unit_code=options["unit"], year=year, kind=kind)
        except Submission.DoesNotExist:
            raise CommandError(
                f"找不到单位 {options['unit']} 的 {year} 年{label}公开填报。"
            ) from None
    code = options["department"]
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise CommandError(f"找不到主管部门 {code}。")
    try:
        return department_submission_get(department_code=code, year=year, kind=kind)
    except Submission.DoesNotExist:
        unit = BudgetUnit.objects.filter(department=department, consolidates_department=True)
        if not unit.exists():
            raise CommandError(
                f"主管部门“{department.name}”还没有部门汇总单位：请在后台“预算单位”中为该部门"
                "设置一个部门汇总单位。"
            ) from None
        raise CommandError(
            f"主管部门“{department.name}”的部门汇总单位没有 {year} 年{label}公开填报。"
        ) from None
