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

from tables.figures.load import lines_load
from tables.figures.types import (
    BudgetData,
    ProcurementRow,
    ProjectRow,
    PurchasedServiceRow,
    UnitInfo,
)
from units.models import (
    BudgetUnit,
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
    lines, code_names, issues = lines_load(submission_units=counted, year=submission.year)
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
