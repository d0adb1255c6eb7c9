"""Writes: creating budget lines all-or-nothing, and loading the demo submission."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from units import demo
from units.glossary import STANDARD_GLOSSARY
from units.models import (
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    GlossaryTerm,
    ProcurementItem,
    Project,
    Submission,
    SubmissionText,
    UnitKind,
)
from units.money import parse_amount
from units.validation import budget_line_errors


def budget_lines_create(*, submission: Submission, lines: list[BudgetLine]) -> list[BudgetLine]:
    """Validate every line, then save all of them in one transaction, or none.

    The ValidationError lists each bad line as "第N条" with the field and reason.
    """
    messages = []
    for number, line in enumerate(lines, start=1):
        line.submission = submission
        try:
            line.amount = parse_amount(line.amount, field_label="金额")
        except ValidationError as exc:
            messages.append(f"第{number}条 金额：{'；'.join(exc.messages)}")
            continue
        for field, errors in budget_line_errors(line).items():
            label = BudgetLine._meta.get_field(field).verbose_name
            messages += [f"第{number}条 {label}：{error}" for error in errors]
    if messages:
        raise ValidationError(messages)
    with transaction.atomic():
        return BudgetLine.objects.bulk_create(lines, batch_size=1000)


def submission_clear_content(*, submission: Submission) -> None:
    """Remove a submission's lines, projects and items (used before reloading it)."""
    submission.lines.all().delete()
    submission.procurements.all().delete()
    submission.purchased_services.all().delete()
    submission.projects.update(allocation_of=None)
    submission.projects.all().delete()
    AssetFacts.objects.filter(submission=submission).delete()


@transaction.atomic
def submission_texts_initialise(*, submission: Submission) -> SubmissionText:
    """Give a submission its texts if it has none: copied from the unit's previous year when
    that exists (职责, 机构设置, notes and 名词解释; reasons are per year and start empty), else
    from the unit's standing 职责/机构设置 and the standard glossary. Never overwrites."""
    existing = SubmissionText.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    previous = (
        Submission.objects.filter(unit=submission.unit, year=submission.year - 1)
        .select_related("texts")
        .first()
    )
    previous_texts = getattr(previous, "texts", None) if previous else None
    if previous_texts is not None:
        texts = SubmissionText.objects.create(
            submission=submission,
            duties=previous_texts.duties,
            organisation=previous_texts.organisation,
            purchased_services_note=previous_texts.purchased_services_note,
            other_notes=previous_texts.other_notes,
        )
        terms = [(t.term, t.definition) for t in previous.glossary_terms.all()]
    else:
        texts = SubmissionText.objects.create(
            submission=submission,
            duties=submission.unit.duties,
            organisation=submission.unit.organisation,
        )
        terms = list(STANDARD_GLOSSARY)
    GlossaryTerm.objects.bulk_create(
        GlossaryTerm(submission=submission, term=term, definition=definition, position=i)
        for i, (term, definition) in enumerate(terms, start=1)
    )
    return texts


@transaction.atomic
def demo_load() -> Submission:
    """Load (or reload) the seed unit 003 for 2025 as budget lines; idempotent."""
    from units.reference import load_default_reference

    load_default_reference(year=demo.YEAR)
    department, _ = Department.objects.update_or_create(
        code=demo.UNIT_CODE, defaults={"name": demo.UNIT_NAME}
    )
    unit, _ = BudgetUnit.objects.update_or_create(
        code=demo.UNIT_CODE,
        defaults={
            "name": demo.UNIT_NAME,
            "kind": UnitKind.ADMINISTRATIVE,
            "department": department,
            "internal_departments": 7,
            "subordinate_units": 0,
            "authorized_staff": 31,
            "actual_staff": 33,
            "on_payroll_staff": 33,
            "other_staff": 0,
            "duties": demo.DUTIES,
            "organisation": demo.ORGANISATION,
        },
    )
    submission, _ = Submission.objects.update_or_create(
        unit=unit, year=demo.YEAR, defaults=demo.PRIOR
    )
    submission_clear_content(submission=submission)

    codes = {(c.scheme, c.code): c for c in ClassificationCode.objects.filter(year=demo.YEAR)}

    def code(scheme, value):
        return codes[(scheme, value)]

    projects = {}
    for position, spec in enumerate(demo.PROJECTS, start=1):
        projects[spec.key] = Project.objects.create(
            submission=submission,
            name=spec.name,
            category=spec.category,
            recurrence=spec.recurrence,
            period_years=spec.period_years,
            allocation_of=projects.get(spec.allocation_of),
            position=position,
        )
    lines = [
        BudgetLine(
            func_code=code(CodeScheme.FUNCTIONAL, spec.func),
            dept_econ_code=code(CodeScheme.DEPT_ECONOMIC, spec.dept),
            gov_econ_code=code(CodeScheme.GOV_ECONOMIC, spec.gov),
            expense_kind=spec.kind,
            amount=Decimal(spec.amount),
            is_carryover=spec.carryover,
        )
        for spec in demo.BASIC_LINES
    ]
    lines += [
        BudgetLine(
            func_code=code(CodeScheme.FUNCTIONAL, spec.func),
            dept_econ_code=code(CodeScheme.DEPT_ECONOMIC, spec.dept),
            gov_econ_code=code(CodeScheme.GOV_ECONOMIC, spec.gov),
            expense_kind="project",
            project=projects[spec.key],
            amount=Decimal(spec.amount),
            is_carryover=spec.carryover,
        )
        for spec in demo.PROJECTS
    ]
    budget_lines_create(submission=submission, lines=lines)
    for kind, name, project_key, amount in demo.PROCUREMENTS:
        ProcurementItem.objects.create(
            submission=submission,
            kind=kind,
            name=name,
            project=projects.get(project_key),
            amount=Decimal(amount),
        )
    AssetFacts.objects.create(submission=submission, **demo.ASSETS)
    SubmissionText.objects.filter(submission=submission).delete()
    submission.glossary_terms.all().delete()
    submission_texts_initialise(submission=submission)
    SubmissionText.objects.filter(submission=submission).update(**demo.TEXTS)

    from performance.demo import demo_targets_load

    demo_targets_load(submission=submission)
    return submission
