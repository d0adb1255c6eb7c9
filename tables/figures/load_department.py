"""Loading a 部门预算 for derivation: the consolidating unit's submission of a year stands for
its whole 主管部门, and its budget is the union of its member units' budgets of that year.

A member counts once its own submission is 已审核 or 已发布 (what the department publishes must
have been reviewed unit by unit); a member still in 草稿, 已提交 or 已退回, or without a
submission, contributes nothing yet — and the department cannot be submitted
(`units.decisions.submission_action_refusal` names those members). Every member is still listed in
`BudgetData.members`, so the 分单位 table shows it.

Each line keeps its member's code in `LineRow.unit_code`; projects, 政府采购 and 政府购买服务 of
all counted members are taken as they are (project ids are unique across submissions, so lines
still find their projects). Eight queries whatever the number of members and lines.
"""

from __future__ import annotations

from tables.figures.load import _code_problem
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
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    FundSource,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
)
from units.selectors import MEMBER_READY_STATUSES, department_member_submissions


def _unit_info(unit: BudgetUnit, *, has_operating_costs: bool | None = None) -> UnitInfo:
    return UnitInfo(
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        department_code=unit.department.code,
        department_name=unit.department.name,
        has_operating_costs=(
            unit.has_operating_costs if has_operating_costs is None else has_operating_costs
        ),
    )


def department_budget_load(*, submission: Submission) -> BudgetData:
    """Load the 部门预算 of a consolidating unit's submission: its members' approved lines,
    projects and items of the same year, and every member in order (eight queries)."""
    pairs = department_member_submissions(unit=submission.unit, year=submission.year)
    members = tuple(_unit_info(member) for member, _ in pairs)
    counted = {
        s.pk: member.code
        for member, s in pairs
        if s is not None and s.status in MEMBER_READY_STATUSES
    }
    line_values = list(
        BudgetLine.objects.filter(submission_id__in=counted)
        .order_by("id")
        .values_list(
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
    )
    code_ids = {v for row in line_values for v in row[1:4]}
    codes = {
        c.id: c
        for c in ClassificationCode.objects.filter(id__in=code_ids).only(
            "id", "scheme", "year", "code", "name", "level", "is_active"
        )
    }
    code_names: dict[str, dict[str, str]] = {s.value: {} for s in CodeScheme}
    ancestors: set[tuple[str, str]] = set()
    for code in codes.values():
        code_names[code.scheme][code.code] = code.name
        if code.scheme == CodeScheme.FUNCTIONAL:
            ancestors.update({(code.scheme, code.code[:3]), (code.scheme, code.code[:5])})
        else:
            ancestors.add((code.scheme, code.code[:3]))
    if ancestors:
        for code in ClassificationCode.objects.filter(
            year=submission.year, code__in={c for _, c in ancestors}
        ).only("scheme", "code", "name"):
            if (code.scheme, code.code) in ancestors:
                code_names[code.scheme].setdefault(code.code, code.name)

    lines, issues = [], []
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
    ) in line_values:
        for code in (codes[func_id], codes[dept_id], codes[gov_id]):
            problem = _code_problem(code, submission.year)
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
                unit_code=counted[submission_id],
            )
        )
    # 本级 first, then by code: the members' order, so the department's 表十二 lists projects
    # unit by unit as the 分单位 table does
    order = {code: i for i, code in enumerate(m.code for m in members)}
    lines.sort(key=lambda line: order[line.unit_code])
    rank = {s_id: order[code] for s_id, code in counted.items()}
    position_base = {s_id: rank[s_id] * 100_000 for s_id in counted}
    projects = tuple(
        ProjectRow(pk, name, category, recurrence, years, allocation_of, position_base[s] + pos)
        for pk, name, category, recurrence, years, allocation_of, pos, s in Project.objects.filter(
            submission_id__in=counted
        ).values_list(
            "id",
            "name",
            "category",
            "recurrence",
            "period_years",
            "allocation_of_id",
            "position",
            "submission_id",
        )
    )
    procurements = tuple(
        ProcurementRow(kind, name, amount)
        for _, _, kind, name, amount in sorted(
            (rank[s], pk, kind, name, amount)
            for s, pk, kind, name, amount in ProcurementItem.objects.filter(
                submission_id__in=counted
            ).values_list("submission_id", "id", "kind", "name", "amount")
        )
    )
    fund_labels = dict(FundSource.choices)
    names = {m.code: m.name for m in members}
    purchased_values = sorted(
        PurchasedService.objects.filter(submission_id__in=counted).values_list(
            "submission_id",
            "id",
            "project_name",
            "includes_procurement",
            "content",
            "quantity",
            "amount",
            "fund_source",
        ),
        key=lambda values: (rank[values[0]], values[1]),
    )
    purchased = tuple(
        PurchasedServiceRow(
            p, inc, content, qty, amount, fund_labels.get(fund, fund), names[counted[s]]
        )
        for s, _, p, inc, content, qty, amount, fund in purchased_values
    )
    return BudgetData(
        unit=_unit_info(
            submission.unit,
            has_operating_costs=any(m.has_operating_costs for m in members),
        ),
        year=submission.year,
        lines=tuple(lines),
        projects=projects,
        procurements=procurements,
        purchased_services=purchased,
        code_names=code_names,
        code_issues=tuple(issues),
        members=members,
    )
