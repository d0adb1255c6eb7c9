"""Reads. The only pipeline code that touches the ORM for derivation: one submission is loaded
into plain `tables.types` dataclasses in a fixed number of queries, whatever its size."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tables.narrative import AssetInfo, NarrativeTexts
from tables.types import (
    BudgetData,
    CodeIssue,
    LineRow,
    ProcurementRow,
    ProjectRow,
    PurchasedServiceRow,
    UnitInfo,
)
from units.models import (
    AssetFacts,
    BudgetLine,
    ClassificationCode,
    CodeScheme,
    FundSource,
    GlossaryTerm,
    ProcurementItem,
    Project,
    PurchasedService,
    Submission,
    SubmissionText,
)
from units.permissions import ADMIN, EDITABLE_STATUSES, FILLER, user_roles, user_unit_ids
from units.workflow import DISCLOSURE_DAYS, UNPUBLISHED

LEVEL_FOR_SCHEME = {
    CodeScheme.FUNCTIONAL: 3,
    CodeScheme.DEPT_ECONOMIC: 2,
    CodeScheme.GOV_ECONOMIC: 2,
}


def submission_queryset() -> QuerySet[Submission]:
    return Submission.objects.select_related("unit", "unit__department")


def submission_get(*, unit_code: str, year: int) -> Submission:
    """The submission of a unit (by code) for a year, or Submission.DoesNotExist."""
    return submission_queryset().get(unit__code=unit_code, year=year)


def submissions_visible_to(*, user) -> QuerySet[Submission]:
    """Submissions a user may see: 管理员 (and superusers) all; 填报人 and 审核人 those of their
    assigned units; anyone else none (see `units.permissions`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    if user.is_superuser:  # treated as 管理员, without a query for the groups
        return submission_queryset()
    roles = user_roles(user)
    if ADMIN in roles:
        return submission_queryset()
    if not roles:
        return Submission.objects.none()
    return submission_queryset().filter(unit_id__in=user_unit_ids(user))


def submissions_editable_by(*, user) -> QuerySet[Submission]:
    """Submissions whose budget data the user may change (the queryset twin of
    `units.permissions.submission_editable_by`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Submission.objects.none()
    editable = submission_queryset().filter(status__in=EDITABLE_STATUSES)
    if user.is_superuser:
        return editable
    if FILLER not in user_roles(user):
        return Submission.objects.none()
    return editable.filter(unit_id__in=user_unit_ids(user))


def submissions_overdue(*, today: datetime.date | None = None) -> QuerySet[Submission]:
    """Submissions past their 公开时限 (批复日期 + 20 days) and not yet published, oldest first."""
    today = today or timezone.localdate()
    last_approval = today - datetime.timedelta(days=DISCLOSURE_DAYS)
    return (
        submission_queryset()
        .filter(status__in=UNPUBLISHED, approval_date__lt=last_approval)
        .order_by("approval_date", "unit__code")
    )


def submission_get_for_user(*, user, pk: int) -> Submission:
    """One submission if the user may see it; 404 otherwise (no existence leak)."""
    if not user.is_authenticated:
        raise PermissionDenied
    try:
        return submissions_visible_to(user=user).get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404("填报不存在或无权查看") from None


def budget_data_load(*, submission: Submission) -> BudgetData:
    """Load one submission's lines, projects and items for derivation (7 queries at most)."""
    unit = submission.unit
    line_values = list(
        BudgetLine.objects.filter(submission=submission)
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
    issues = []
    ancestors: set[tuple[str, str]] = set()
    for code in codes.values():
        code_names[code.scheme][code.code] = code.name
        if code.scheme == CodeScheme.FUNCTIONAL:
            ancestors.update({(code.scheme, code.code[:3]), (code.scheme, code.code[:5])})
        else:
            ancestors.add((code.scheme, code.code[:3]))
    for code in ClassificationCode.objects.filter(
        year=submission.year, code__in={c for _, c in ancestors}
    ).only("scheme", "code", "name"):
        if (code.scheme, code.code) in ancestors:
            code_names[code.scheme].setdefault(code.code, code.name)

    lines = []
    for line_id, func_id, dept_id, gov_id, kind, fund, carry, project_id, amount in line_values:
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
            )
        )
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


@dataclass(frozen=True)
class DisclosureTexts:
    """The entered texts of one submission, loaded for the narrative and the document."""

    duties: str
    organisation: str
    narrative: NarrativeTexts
    glossary: tuple[tuple[str, str], ...]
    assets: AssetInfo


_VEHICLE_FIELDS = (
    "vehicles_leader",
    "vehicles_confidential",
    "vehicles_emergency",
    "vehicles_law_enforcement",
    "vehicles_special",
    "vehicles_institution",
    "vehicles_other",
)


def disclosure_texts_load(*, submission: Submission) -> DisclosureTexts:
    """Texts, glossary and asset facts of a submission (3 queries)."""
    texts = SubmissionText.objects.filter(submission=submission).first()
    glossary = tuple(
        GlossaryTerm.objects.filter(submission=submission).values_list("term", "definition")
    )
    facts = AssetFacts.objects.filter(submission=submission).first()
    as_of = f"{submission.year - 1}年12月31日"
    if facts is None:
        assets = AssetInfo(
            as_of=as_of,
            vehicles=tuple(
                (AssetFacts._meta.get_field(f).verbose_name, 0) for f in _VEHICLE_FIELDS
            ),
        )
    else:
        assets = AssetInfo(
            as_of=as_of,
            vehicles_quota=facts.vehicles_quota,
            vehicles=tuple(
                (AssetFacts._meta.get_field(f).verbose_name, getattr(facts, f))
                for f in _VEHICLE_FIELDS
            ),
            office_area_m2=facts.office_area_m2,
            equipment_over_500k=facts.equipment_over_500k,
            equipment_over_1m=facts.equipment_over_1m,
        )
    narrative = NarrativeTexts(
        **{
            f.name: getattr(texts, f.name) if texts else ""
            for f in dataclasses.fields(NarrativeTexts)
        }
    )
    return DisclosureTexts(
        duties=texts.duties if texts else submission.unit.duties,
        organisation=texts.organisation if texts else submission.unit.organisation,
        narrative=narrative,
        glossary=glossary,
        assets=assets,
    )
