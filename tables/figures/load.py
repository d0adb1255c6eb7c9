"""Loading one submission's budget for derivation: the one place the figures layer reads the
database. Returns the plain, frozen `tables.figures.types.BudgetData` the pure derivation
(`tables.figures.derive`) computes on."""

from __future__ import annotations

from tables.figures.types import (
    BudgetData,
    CodeIssue,
    LineRow,
    ProcurementRow,
    ProjectRow,
    PurchasedServiceRow,
    UnitInfo,
)
from units.models import (
    BudgetLine,
    ClassificationCode,
    CodeScheme,
    FundSource,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
)
from units.selectors import LEVEL_FOR_SCHEME

#: the line fields `lines_load` reads, in the order it unpacks them
LINE_FIELDS = (
    "id",
    "func_code_id",
    "dept_econ_code_id",
    "gov_econ_code_id",
    "expense_kind",
    "fund_source",
    "is_carryover",
    "project_id",
    "amount",
    "income_type",
    "sub_item",
    "submission_id",
)


def lines_load(
    *, submission_units: dict[int, str], year: int
) -> tuple[list[LineRow], dict[str, dict[str, str]], list[CodeIssue]]:
    """The lines of the submissions `submission_units` names (id → the member code each line
    keeps in `LineRow.unit_code`, "" for a unit's own disclosure), in id order, with the names of
    every code they use at every level and the problems of those codes for `year` (three
    queries). The one reading of lines for derivation: a unit's and a 部门's."""
    lines, code_names, issues, _ = lines_with_fields_load(
        submission_units=submission_units, year=year
    )
    return lines, code_names, issues


def lines_with_fields_load(
    *, submission_units: dict[int, str], year: int, extra_fields: tuple[str, ...] = ()
) -> tuple[list[LineRow], dict[str, dict[str, str]], list[CodeIssue], list[tuple]]:
    """`lines_load`, also reading `extra_fields` of each line in the same query (the 决算's
    `planned_amount` and `adjusted_amount`): their values come fourth, one tuple per line in
    the lines' order."""
    line_values = list(
        BudgetLine.objects.filter(submission_id__in=list(submission_units))
        .order_by("id")
        .values_list(*LINE_FIELDS, *extra_fields)
    )
    code_ids = {v for row in line_values for v in row[1:4]}
    codes = {
        c.id: c
        for c in ClassificationCode.objects.filter(id__in=code_ids).only(
            "id", "scheme", "year", "code", "name", "level", "is_active"
        )
    }
    code_names: dict[str, dict[str, str]] = {s.value: {} for s in CodeScheme}
    issues = []
    ancestors: set[tuple[str, str]] = set()
    for code in codes.values():
        code_names[code.scheme][code.code] = code.name
        if code.scheme == CodeScheme.FUNCTIONAL:
            ancestors.update({(code.scheme, code.code[:3]), (code.scheme, code.code[:5])})
        else:
            ancestors.add((code.scheme, code.code[:3]))
    for code in ClassificationCode.objects.filter(
        year=year, code__in={c for _, c in ancestors}
    ).only("scheme", "code", "name"):
        if (code.scheme, code.code) in ancestors:
            code_names[code.scheme].setdefault(code.code, code.name)

    lines = []
    for (
        line_id,
        func_id,
        dept_id,
        gov_id,
        kind,
        fund,
        carry,
        project_id,
        amount,
        income_type,
        sub_item,
        submission_id,
    ) in (values[: len(LINE_FIELDS)] for values in line_values):
        for code in (codes[func_id], codes[dept_id], codes[gov_id]):
            problem = _code_problem(code, year)
            if problem:
                issues.append(CodeIssue(line_id, CodeScheme(code.scheme).label, code.code, problem))
        lines.append(
            LineRow(
                func_code=codes[func_id].code,
                dept_code=codes[dept_id].code,
                gov_code=codes[gov_id].code,
                expense_kind=kind,
                fund=fund,
                is_carryover=carry,
                project_id=project_id,
                amount=amount,
                income_type=income_type,
                sub_item=sub_item,
                unit_code=submission_units[submission_id],
            )
        )
    extras = [values[len(LINE_FIELDS) :] for values in line_values]
    return lines, code_names, issues, extras


def budget_data_load(*, submission: Submission) -> BudgetData:
    """Load one submission's lines, projects and items for derivation (7 queries at most)."""
    lines, code_names, issues = lines_load(
        submission_units={submission.pk: ""}, year=submission.year
    )
    return budget_data_build(
        submission=submission, lines=lines, code_names=code_names, issues=issues
    )


def budget_data_build(
    *,
    submission: Submission,
    lines: list[LineRow],
    code_names: dict[str, dict[str, str]],
    issues: list[CodeIssue],
) -> BudgetData:
    """The `BudgetData` of `submission` around its loaded lines: its projects, 政府采购 and
    政府购买服务 items read here (three queries, and the unit's when not cached)."""
    unit = submission.unit
    projects = tuple(
        ProjectRow(*values)
        for values in Project.objects.filter(submission=submission).values_list(
            "id", "name", "category", "recurrence", "period_years", "allocation_of_id", "position"
        )
    )
    procurements = tuple(
        ProcurementRow(*values)
        for values in ProcurementItem.objects.filter(submission=submission).values_list(
            "kind", "name", "amount"
        )
    )
    fund_labels = dict(FundSource.choices)
    purchased = tuple(
        PurchasedServiceRow(p, inc, content, qty, amount, fund_labels.get(fund, fund))
        for p, inc, content, qty, amount, fund in PurchasedService.objects.filter(
            submission=submission
        ).values_list(
            "project_name", "includes_procurement", "content", "quantity", "amount", "fund_source"
        )
    )
    return BudgetData(
        unit=UnitInfo(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            department_code=unit.department.code,
            department_name=unit.department.name,
            has_operating_costs=unit.has_operating_costs,
        ),
        year=submission.year,
        lines=tuple(lines),
        projects=projects,
        procurements=procurements,
        purchased_services=purchased,
        code_names=code_names,
        code_issues=tuple(issues),
    )


def _code_problem(code: ClassificationCode, year: int) -> str:
    if code.year != year:
        return f"是{code.year}年的科目，不属于{year}年科目表"
    if not code.is_active:
        return "已在本年度科目表中停用"
    if code.level != LEVEL_FOR_SCHEME[CodeScheme(code.scheme)]:
        return "不是可以记账的末级科目"
    return ""
