"""Writes: creating budget lines all-or-nothing, loading the demo submission, roles and
assignments, and the one workflow transition service."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from units import demo
from units.concurrency import CONFLICT, NOT_EDITABLE, rows_last_change, rows_token
from units.decisions import review_comment_refusal, review_comment_resolve_refusal
from units.formula_text import formula_text_error
from units.glossary import STANDARD_GLOSSARY
from units.history import (
    objects_bulk_create,
    objects_bulk_update,
)
from units.models import (
    AccessChange,
    AssetFacts,
    BudgetLine,
    BudgetUnit,
    ClassificationCode,
    CodeScheme,
    Department,
    GlossaryTerm,
    ProcurementItem,
    Project,
    ReviewComment,
    StatusChange,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionText,
    UnitAssignment,
    UnitKind,
)
from units.money import parse_amount
from units.permissions import (
    submission_editable_by,
)
from units.validation import CONSOLIDATING_NO_LINES, budget_line_errors


def budget_lines_create(*, submission: Submission, lines: list[BudgetLine]) -> list[BudgetLine]:
    """Validate every line, then save all of them in one transaction, or none.

    The ValidationError lists each bad line as "第N条" with the field and reason.
    """
    if lines and submission.unit.consolidates_department:
        raise ValidationError([CONSOLIDATING_NO_LINES])
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
        return objects_bulk_create(BudgetLine, lines, batch_size=1000)


# --- entry in the browser -------------------------------------------------------------------


def submission_lock(submission_id: int) -> Submission | None:
    """The submission row, locked until the transaction ends (with its unit and department):
    every write that checks a state or a permission checks it under this lock, so a workflow
    move that committed meanwhile is seen."""
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__department")
        .filter(pk=submission_id)
        .first()
    )


def submission_lock_editable(submission_id: int, user) -> Submission:
    """The submission locked, if `user` may change its data now; PermissionDenied otherwise."""
    locked = submission_lock(submission_id)
    if locked is None or not submission_editable_by(user, locked):
        raise PermissionDenied(NOT_EDITABLE)
    if locked.unit.consolidates_department:
        raise PermissionDenied(CONSOLIDATING_NO_LINES)
    return locked


def _stale(model, queryset, token: str | None) -> None:
    """Refuse a save whose page showed other rows than the database holds now, naming who
    changed them and when (as the 情况说明 and the admin forms do)."""
    if token != rows_token(queryset):
        pks = list(queryset.values_list("pk", flat=True))
        raise ValidationError(
            CONFLICT.format(detail=rows_last_change(model, id__in=pks)) + "（您的修改没有保存）。"
        )


@transaction.atomic
def budget_line_save(
    *,
    submission_id: int,
    user,
    line: BudgetLine,
    token: str | None = None,
    new_project: Project | None = None,
):
    """Create one budget line typed in the browser (`line.pk` None) or change it (`token`: the
    line's fingerprint when the page was loaded, so a change made meanwhile is not overwritten),
    with the project created beside it if `new_project` is given — all or nothing. Checked by
    `budget_line_errors`; raises ValidationError by field, PermissionDenied when the user may
    not edit the submission (now)."""
    locked = submission_lock_editable(submission_id, user)
    if new_project is not None:
        line.project = project_save(submission_id=submission_id, user=user, project=new_project)
    if line.pk is not None:
        current = BudgetLine.objects.filter(pk=line.pk, submission=locked)
        if not current.exists():
            raise ValidationError("这条明细已不存在（可能已被他人删除或导入替换），请刷新页面。")
        _stale(BudgetLine, current, token)
    line.submission = locked
    line.amount = parse_amount(line.amount, field_label="金额")
    errors = budget_line_errors(line)
    if errors:
        raise ValidationError(errors)
    line._history_user = user
    line.save()
    return line


@transaction.atomic
def budget_line_delete(*, submission_id: int, user, line_id: int, token: str | None) -> None:
    """Delete one budget line (refused when it changed since the page was loaded)."""
    locked = submission_lock_editable(submission_id, user)
    current = BudgetLine.objects.filter(pk=line_id, submission=locked)
    if not current.exists():
        raise ValidationError("这条明细已不存在（可能已被他人删除或导入替换），请刷新页面。")
    _stale(BudgetLine, current, token)
    line = current.get()
    line._history_user = user
    line.delete()


@transaction.atomic
def project_save(*, submission_id: int, user, project: Project) -> Project:
    """Create or change a project typed in the browser: a name (no formula-like text), unique
    among the submission's main projects (an extra 资金批次 is made by import or the admin)."""
    locked = submission_lock_editable(submission_id, user)
    project.submission = locked
    project.name = (project.name or "").strip()
    errors: dict[str, list[str]] = {}
    if not project.name:
        errors["name"] = ["请填写项目名称。"]
    elif error := formula_text_error(project.name):
        errors["name"] = [f"项目名称{error}"]
    elif (
        Project.objects.filter(submission=locked, name=project.name, allocation_of__isnull=True)
        .exclude(pk=project.pk)
        .exists()
    ):
        errors["name"] = [f"已有名为「{project.name}」的项目，请直接选择它，或换一个名称。"]
    if project.pk is None and not project.position:
        project.position = (
            Project.objects.filter(submission=locked).aggregate(m=Max("position"))["m"] or 0
        ) + 1
    if errors:
        raise ValidationError(errors)
    try:
        project.full_clean(exclude=["submission", "allocation_of"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    project._history_user = user
    project.save()
    return project


def submission_clear_content(*, submission: Submission) -> None:
    """Remove a submission's lines, projects and items (used before reloading it)."""
    submission.lines.all().delete()
    submission.procurements.all().delete()
    submission.purchased_services.all().delete()
    # Through the audit trail (a queryset update() would not be recorded).
    extra = list(submission.projects.filter(allocation_of__isnull=False))
    for project in extra:
        project.allocation_of = None
    objects_bulk_update(Project, extra, ["allocation_of"])
    submission.projects.all().delete()
    AssetFacts.objects.filter(submission=submission).delete()


@transaction.atomic
def submission_texts_initialise(*, submission: Submission) -> SubmissionText:
    """Give a submission its texts if it has none: copied from the unit's previous year when
    that exists (职责, 机构设置, notes and 名词解释; reasons are per year and start empty), else
    from the unit's standing 职责/机构设置 and the standard glossary. Never overwrites; two
    first visits at once create them once (the submission row is locked first)."""
    submission_lock(submission.pk)
    existing = SubmissionText.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    # the previous year's submission of the same kind: a budget's texts come from last year's
    # budget, never from a 决算 of that year
    previous = (
        Submission.objects.filter(
            unit=submission.unit, year=submission.year - 1, kind=submission.kind
        )
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
    objects_bulk_create(
        GlossaryTerm,
        (
            GlossaryTerm(submission=submission, term=term, definition=definition, position=i)
            for i, (term, definition) in enumerate(terms, start=1)
        ),
    )
    return texts


def demo_budget_load() -> Submission:
    """The budget part of the demo (`performance.demo.demo_load` adds its targets): the seed
    unit 003 for 2025 as budget lines, with its texts and assets; idempotent. Call it inside
    a transaction and a `history_reason`, as `demo_load` does."""
    from units.reference_defaults import load_default_reference

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
        unit=unit, year=demo.YEAR, kind=SubmissionKind.BUDGET, defaults=demo.PRIOR
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
    texts = SubmissionText.objects.get(submission=submission)
    for name, value in demo.TEXTS.items():
        setattr(texts, name, value)
    texts.save()
    return submission


# --- roles and assignments ------------------------------------------------------------------


def user_access_snapshot(user) -> dict[str, object]:
    """What a user may do, as comparable values (for the access audit): role, units, flags,
    single permissions."""
    from units.permissions import ROLES

    user = type(user).objects.get(pk=user.pk)
    return {
        "角色": sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True)),
        "其他用户组": sorted(user.groups.exclude(name__in=ROLES).values_list("name", flat=True)),
        "负责单位": sorted(
            f"{code} {name}"
            for code, name in UnitAssignment.objects.filter(user=user).values_list(
                "unit__code", "unit__name"
            )
        ),
        "启用": user.is_active,
        "可登录管理后台": user.is_staff,
        "超级用户": user.is_superuser,
        "单项权限": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def _shown(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "、".join(value) if value else "（无）"


def user_access_record(*, actor, user, before: dict[str, object]) -> list[AccessChange]:
    """Write one AccessChange per aspect of `user`'s access that differs from `before`."""
    after = user_access_snapshot(user)
    changes = [
        AccessChange(
            actor=actor if getattr(actor, "pk", None) else None,
            user=user,
            username=user.get_username(),
            change=f"{label}：{_shown(before.get(label, []))} → {_shown(value)}",
        )
        for label, value in after.items()
        if before.get(label) != value
    ]
    return AccessChange.objects.bulk_create(changes)


def user_role_check(*, user, groups) -> None:
    """A user holds at most one role: refuse `groups` (the user's groups to be) holding two."""
    from units.permissions import ROLES

    roles = sorted({g.name for g in groups if g.name in ROLES})
    if len(roles) > 1:
        raise ValidationError(
            f"「{user.get_username()}」不能同时担任{'和'.join(roles)}：一个用户只能担任一种角色"
            "（填报、审核、发布须由不同的人完成）。请只保留一个角色，另一角色请用另一个账户。"
        )


@transaction.atomic
def user_role_assign(*, user, role: str, units=(), actor=None) -> list[UnitAssignment]:
    """Put a user in a role's group, assign them units (填报人/审核人; 管理员 needs none) and set
    `is_staff` so they can log in to the admin; audited. Idempotent. Refused when the user
    holds another role (roles are exclusive) or when `actor` (if given) may not manage this
    user's access."""
    from units.permissions import ROLES, user_may_manage_access

    if role not in ROLES:
        raise ValidationError(f"未知角色：{role}")
    if actor is not None and not user_may_manage_access(actor, user):
        raise ValidationError(
            "无权更改该用户的角色或负责单位（需要用户管理权限，且不能更改自己的）。"
        )
    group = Group.objects.get(name=role)
    user_role_check(user=user, groups=[*user.groups.all(), group])
    before = user_access_snapshot(user) if user.pk else {}
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    assignments = [UnitAssignment.objects.get_or_create(user=user, unit=unit)[0] for unit in units]
    for cached in ("_budget_roles", "_budget_unit_ids"):
        user.__dict__.pop(cached, None)
    user_access_record(actor=actor, user=user, before=before)
    return assignments


# --- workflow -------------------------------------------------------------------------------


class TransitionRefused(ValidationError):
    """A workflow move was refused; `messages` say why in Chinese (and list blocking findings)."""


@dataclass
class TransitionResult:
    submission: Submission
    change: StatusChange
    #: 警告 findings at submission, listed for the reviewer
    warnings: list[str] = dataclasses.field(default_factory=list)


def submission_transition(
    *, submission_id: int, actor, to_status: str, reason: str = "", publishing: bool = False
) -> TransitionResult:
    """Move a submission to `to_status` if the workflow table, the actor's role and unit
    assignment and the check findings allow it; lock the row, write a StatusChange.

    已发布 is reached only through the publication service (`publishing=True`), which stores the
    version's files in the same transaction: a bare move would leave a "published" submission
    with nothing published.

    Concurrent or repeated requests make exactly one move: the row is locked, so the second
    request sees the new status and is refused (`TransitionRefused`).
    """
    from units.decisions import submission_action_refusal
    from units.notifications import submission_moved_notify
    from units.severity import ERROR, WARNING
    from units.workflow import submission_findings, transition_for

    reason = (reason or "").strip()
    if error := formula_text_error(reason):  # the reason is typed text (退回, 更正)
        raise TransitionRefused(f"原因{error}")
    target = SubmissionStatus(to_status)
    if target == SubmissionStatus.PUBLISHED and not publishing:
        raise TransitionRefused("发布须由发布功能完成（生成并保存公开文件），不能只改状态。")
    with transaction.atomic():
        submission = submission_lock(submission_id)
        if submission is None:
            raise TransitionRefused("填报不存在。")
        current = submission.status
        name = f"{submission.unit.name} {submission.year}年"
        refusal = submission_action_refusal(actor, submission, target)
        if refusal:
            raise TransitionRefused(refusal)
        move = transition_for(current, target)
        if move.reason_required and not reason:
            raise TransitionRefused(f"“{move.action}”必须填写原因。")
        warnings = []
        if move.blocks_on_errors:
            findings = submission_findings(submission)
            errors = [f.line() for f in findings if f.severity == ERROR]
            if errors:
                raise TransitionRefused(
                    [f"「{name}」仍有{len(errors)}项错误，修正后才能{move.action}：", *errors]
                )
            warnings = [f.line() for f in findings if f.severity == WARNING]
        submission.status = target
        # 批复日期 is the bureau's to enter (tables.desk.bureau.approval_date_set): 审核通过 is
        # not the 批复, so it leaves the date, and with it the 公开时限, as it is.
        update = ["status", "updated_at"]
        if move.new_version:
            submission.version += 1
            update.append("version")
        submission._history_user = actor if getattr(actor, "pk", None) else None
        submission.save(update_fields=update)
        if warnings and not reason:
            reason = "提交时的警告：\n" + "\n".join(warnings)
        change = StatusChange.objects.create(
            submission=submission,
            from_status=current,
            to_status=target,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            version=submission.version,
        )
        # The unit's people are told in this transaction (mail after the commit).
        submission_moved_notify(submission=submission, change=change, actor=actor)
    return TransitionResult(submission=submission, change=change, warnings=warnings)


# --- texts ----------------------------------------------------------------------------------
# The 情况说明 page of the work desk (`tables.desk.texts_views`) saves what a unit types here:
# all of a page's texts in one transaction, or none of them.

#: The reasons of the 情况说明, one per change the narrative compares with last year.
REASON_TEXT_FIELDS = (
    "revenue_change_reason",
    "expense_change_reason",
    "general_public_change_reason",
    "sangong_change_reason",
    "outbound_change_reason",
    "reception_change_reason",
    "vehicle_change_reason",
    "vehicle_purchase_change_reason",
    "vehicle_operation_change_reason",
    "operating_costs_change_reason",
)
#: The other texts: 第一部分 概况 and the notes of 十二、其他说明.
OTHER_TEXT_FIELDS = ("duties", "organisation", "purchased_services_note", "other_notes")
#: The most characters each text may hold: a reason is one clause of a printed sentence
#: (“主要原因是…”), 职责 and 机构设置 are paragraphs of the 概况.
TEXT_MAX_LENGTHS = {
    **dict.fromkeys(REASON_TEXT_FIELDS, 1000),
    "duties": 5000,
    "organisation": 5000,
    "purchased_services_note": 2000,
    "other_notes": 5000,
}


class TextsRefused(ValidationError):
    """The user may not change the submission's texts now (its state, their role or unit)."""


class TextsConflict(ValidationError):
    """The texts changed after the page was loaded (another tab, another person, an import)."""


@dataclass
class TextsSaved:
    texts: SubmissionText
    #: the fields whose text changed, in the order given
    changed: list[str]


def submission_texts_token(*, submission_id: int) -> str:
    """The fingerprint of a submission's texts as stored now: a texts page carries it, and
    `submission_texts_update` compares it under the lock (`units.concurrency`)."""
    from units.concurrency import rows_token

    return rows_token(SubmissionText.objects.filter(submission_id=submission_id))


def submission_text_clean(value) -> str:
    """A typed text as stored: line breaks as \\n, no surrounding blanks."""
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def submission_text_errors(values: dict[str, str]) -> dict[str, list[str]]:
    """The Chinese errors of each text, each naming its field: formula-like text, placeholder
    reasons (the model's validators) and lengths."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = SubmissionText._meta.get_field(name)
        messages = []
        limit = TEXT_MAX_LENGTHS[name]
        if len(value) > limit:
            messages.append(f"最多{limit}字，现有{len(value)}字，请精简。")
        try:
            field.run_validators(value)
        except ValidationError as exc:
            messages += exc.messages
        if messages:
            errors[name] = [f"{field.verbose_name}：{message}" for message in messages]
    return errors


def submission_texts_update(
    *, submission: Submission, user, values: dict[str, str], token: str | None = None
) -> TextsSaved:
    """Save the texts in `values` (field name → text; fields not given stay as they are) all
    together or none: only while `user` may edit the submission (checked under the row lock),
    only when every text is valid (`ValidationError` by field), and, given the `token` of the
    page they were typed on, only when nobody changed the texts since (`TextsConflict`, naming
    who did and when). Creates the texts first if the submission has none.

    Saved with the model's `save()`, so the audit trail records the change and its user.
    """
    from units.permissions import submission_edit_refusal

    unknown = sorted(set(values) - set(TEXT_MAX_LENGTHS))
    if unknown:
        raise ValueError(f"not a text of the 情况说明: {', '.join(unknown)}")
    cleaned = {name: submission_text_clean(value) for name, value in values.items()}
    with transaction.atomic():
        locked = submission_lock(submission.pk)
        if locked is None:
            raise TextsRefused("填报不存在。")
        refusal = submission_edit_refusal(user, locked)
        if refusal:
            raise TextsRefused(refusal)
        if token is not None and token != submission_texts_token(submission_id=locked.pk):
            raise TextsConflict(
                CONFLICT.format(detail=rows_last_change(SubmissionText, submission_id=locked.pk)),
                code="conflict",
            )
        errors = submission_text_errors(cleaned)
        if errors:
            raise ValidationError(errors)
        texts = submission_texts_initialise(submission=locked)
        changed = [name for name, value in cleaned.items() if getattr(texts, name) != value]
        if changed:
            for name in changed:
                setattr(texts, name, cleaned[name])
            texts._history_user = user if getattr(user, "pk", None) else None
            texts.save(update_fields=changed)
    return TextsSaved(texts=texts, changed=changed)


# --- review comments --------------------------------------------------------------------------

#: the statutory tables a 审核意见 may name ("" for a comment on the whole submission): a
#: budget's 表一–表十四, a 决算's 决算公开表1–9; the figures layer (tables.figures.registry)
#: defines them, but `units` may not import it
REVIEW_TABLES = frozenset(f"T{number:02d}" for number in range(1, 15))
FINAL_REVIEW_TABLES = frozenset(f"F{number:02d}" for number in range(1, 10))
#: longest 审核意见 or 处理说明 kept: enough for a paragraph, not for a pasted document
REVIEW_TEXT_MAX = 2000


def _review_text(value, what: str, *, required: bool) -> str:
    """Typed text of a comment, stripped; refused when empty (if required), too long or a
    formula."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"请填写{what}。")
    if len(text) > REVIEW_TEXT_MAX:
        raise ValidationError(f"{what}最多{REVIEW_TEXT_MAX}字（现有{len(text)}字）。")
    if error := formula_text_error(text):
        raise ValidationError(f"{what}{error}")
    return text


def review_comment_add(*, submission, author, table: str, row: str, text: str) -> ReviewComment:
    """Write an 审核意见 on one row of one statutory table (`table` "T01"…"T14", a 决算's
    "F01"…"F09", `row` its label as shown) or, with table "", on the whole submission; tied to
    the submission's version.

    The submission row is locked, so the state checked is the state written under: a comment
    never lands on a submission another request has just returned or approved. Raises
    ValidationError (Chinese) and writes nothing when refused."""
    table = (table or "").strip()
    row = (row or "").strip()
    with transaction.atomic():
        locked = submission_lock(submission.pk)
        refusal = review_comment_refusal(author, locked)
        if refusal:
            raise ValidationError(refusal)
        if table and table not in (FINAL_REVIEW_TABLES if locked.is_final else REVIEW_TABLES):
            raise ValidationError("审核意见所指的公开表不存在。")
        if not table and row:
            raise ValidationError("整体审核意见不能指定行。")
        max_row = ReviewComment._meta.get_field("row").max_length
        if len(row) > max_row:
            raise ValidationError(f"审核意见所指的行名称过长（最多{max_row}字）。")
        if error := formula_text_error(row):
            raise ValidationError(f"审核意见所指的行名称{error}")
        return ReviewComment.objects.create(
            submission=locked,
            version=locked.version,
            table=table,
            row=row,
            text=_review_text(text, "审核意见", required=True),
            author=author,
        )


def review_comment_resolve(*, comment, user, resolution: str = "") -> ReviewComment:
    """Mark an 审核意见 已处理 by the unit's 填报人, with an optional note of what was done.

    The submission and the comment are locked (in that order, as every writer of a submission
    locks it first), so two clicks record one resolution. Raises ValidationError (Chinese) and
    changes nothing when refused."""
    with transaction.atomic():
        locked = submission_lock(comment.submission_id)
        current = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        refusal = review_comment_resolve_refusal(user, locked, current)
        if refusal:
            raise ValidationError(refusal)
        current.resolution = _review_text(resolution, "处理说明", required=False)
        current.resolved_at = timezone.now()
        current.resolved_by = user
        current.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return current


# --- codes accepted from an import file -------------------------------------------------------


def classification_codes_accept(*, year: int, codes, user) -> list[ClassificationCode]:
    """Accept codes an import file gave as `code##name` into `year`'s table, by a 财政管理员.

    `codes` are items with `scheme`, `code` and `name` (e.g. `units.budget_import.UnknownCode`).
    Level and parent come from the code's length; each created row records who accepted it and
    when (`accepted_by`, `accepted_at`). All or nothing: raises ValidationError (Chinese, one
    message per refused code) and creates nothing when the user may not accept codes or any code
    is malformed, already in the table, or under a 类/款 the table does not hold."""
    # Imported here so this appended section leaves the module's import block as it was.
    from units.decisions import code_accept_refusal
    from units.reference import codes_accept_plan

    refusal = code_accept_refusal(user)
    if refusal:
        raise ValidationError(refusal)
    codes = list(codes)
    if not codes:
        raise ValidationError("没有要接收的科目。")
    with transaction.atomic():
        # One accepting at a time per year: the plan reads the table it then adds to.
        list(
            ClassificationCode.objects.select_for_update()
            .filter(year=year, level=1)
            .values_list("pk")
        )
        rows, refused = codes_accept_plan(year=year, codes=codes)
        if refused:
            raise ValidationError(list(refused.values()))
        now = timezone.now()
        for row in rows:
            row.accepted_by, row.accepted_at = user, now
        return ClassificationCode.objects.bulk_create(rows)
