"""The rest of the budget in the 预算明细 workbook: 政府采购, 政府购买服务, 国有资产 and 上年
(`units.budget_excel.EXTRA_SHEETS` declares the sheets). `units.budget_import` reads the lines
and calls these in the same plan and the same transaction, so the whole workbook is imported
all or nothing.

Decisions:

- A sheet the workbook lacks (an older template, a workbook built from a platform export)
  leaves its data as it is, and the report says so; a sheet present replaces its data, and a
  sheet present with nothing filled clears it. So the template and the export are the whole
  budget, and a file of lines alone still imports as before.
- 国有资产 and 上年 are one record each, written one item per row (项目 | value); items are
  found by their text (the model's field names in Chinese), in any order; an unknown or
  repeated item is refused, a missing or blank one is blank (0 for counts and areas, 上年12月31日
  for the date, 未填写 for a 上年 figure). 国有资产 with every value blank deletes the record.
- A 政府采购 item may name a project by 项目名称 (+ 资金批次); that project must be in the
  「预算明细」 sheet of the same file, since the import replaces the projects too. With the
  sheet present, the old items are deleted before the projects, so a project the file drops is
  no longer held by an item that the file drops as well.
- Unchanged records are not saved again (国有资产, 上年), so an import of the same file adds
  no audit rows for them; item lists are replaced like the lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from units.budget_excel import (
    NO,
    SHEET_ASSETS,
    SHEET_PRIOR,
    SHEET_PROCUREMENT,
    SHEET_SERVICES,
    YES,
    SheetContent,
)
from units.budget_projects import project_batches
from units.excel.cells import cell_amount, cell_count, cell_date, cell_positive_int, cell_text
from units.excel.problems import Problem
from units.excel.reader import Row, header_key
from units.history import objects_bulk_create
from units.models import (
    AssetFacts,
    FundSource,
    ProcurementItem,
    ProcurementKind,
    Project,
    PurchasedService,
    Submission,
)
from units.year_services import PRIOR_FIELDS as YEAR_PRIOR_FIELDS

#: Submission's 上年 figures (元), in the order of the sheet: the fields a new year's submission
#: is given (`units.year_services.PRIOR_FIELDS`).
PRIOR_FIELDS = YEAR_PRIOR_FIELDS
#: AssetFacts' fields, in the order of the sheet.
ASSET_FIELDS = (
    "as_of",
    "vehicles_quota",
    "vehicles_leader",
    "vehicles_confidential",
    "vehicles_emergency",
    "vehicles_law_enforcement",
    "vehicles_special",
    "vehicles_institution",
    "vehicles_other",
    "office_area_m2",
    "equipment_over_500k",
    "equipment_over_1m",
)
#: what `AssetFacts.office_area_m2` (12 digits, 2 decimals) holds
AREA_LIMIT = Decimal(10) ** 10
ASSET_NOTES = {
    "as_of": "留空为上年12月31日",
    "office_area_m2": "平方米，最多两位小数",
}
SHEET_LABELS = {
    SHEET_PROCUREMENT: ("政府采购预算", "项"),
    SHEET_SERVICES: ("政府购买服务", "项"),
    SHEET_ASSETS: ("国有资产情况", "项已填写"),
    SHEET_PRIOR: ("上年数", "项已填写"),
}

PROCUREMENT_BY_LABEL = {label: value for value, label in ProcurementKind.choices}
FUND_BY_LABEL = {label: value for value, label in FundSource.choices}


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# --- writing -----------------------------------------------------------------------------------


def sheets_content(*, submission: Submission | None = None) -> dict[str, SheetContent]:
    """The four sheets for `units.budget_excel.workbook_write`: the submission's data, or (no
    submission: the template) empty item lists and the records' items with blank values."""
    lists = {
        SHEET_PROCUREMENT: {"kind": list(PROCUREMENT_BY_LABEL)},
        SHEET_SERVICES: {"includes": [YES, NO], "fund": list(FUND_BY_LABEL)},
    }
    procurements: list[dict] = []
    services: list[dict] = []
    assets = None
    if submission is not None:
        projects = list(Project.objects.filter(submission=submission))
        batches = project_batches(projects)
        names = {p.id: p.name for p in projects}
        for item in ProcurementItem.objects.filter(submission=submission).order_by("id"):
            procurements.append(
                {
                    "kind": item.get_kind_display(),
                    "name": item.name,
                    "project": names.get(item.project_id),
                    "batch": batches.get(item.project_id) if item.project_id else None,
                    "amount": item.amount,
                }
            )
        for item in PurchasedService.objects.filter(submission=submission).order_by("id"):
            services.append(
                {
                    "project": item.project_name,
                    "includes": YES if item.includes_procurement else NO,
                    "content": item.content,
                    "quantity": item.quantity,
                    "amount": item.amount,
                    "fund": item.get_fund_source_display(),
                }
            )
        assets = AssetFacts.objects.filter(submission=submission).first()
    asset_rows = [
        {
            "item": _label(AssetFacts, name),
            "value": getattr(assets, name) if assets is not None else None,
            "note": ASSET_NOTES.get(name, "整数"),
        }
        for name in ASSET_FIELDS
    ]
    prior_rows = [
        {
            "item": _label(Submission, name),
            "value": getattr(submission, name) if submission is not None else None,
            "note": "元；留空为未填写",
        }
        for name in PRIOR_FIELDS
    ]
    return {
        SHEET_PROCUREMENT: SheetContent(procurements, lists[SHEET_PROCUREMENT]),
        SHEET_SERVICES: SheetContent(services, lists[SHEET_SERVICES]),
        SHEET_ASSETS: SheetContent(asset_rows),
        SHEET_PRIOR: SheetContent(prior_rows),
    }


# --- reading -----------------------------------------------------------------------------------


@dataclass
class SheetsPlan:
    """What the workbook's other sheets will write; a sheet the workbook lacks stays None."""

    #: (item, the file's (项目名称, 资金批次) of its project or None)
    procurements: list[tuple[ProcurementItem, tuple[str, int] | None]] | None = None
    services: list[PurchasedService] | None = None
    #: field → value; {} when every value is blank (the record is deleted)
    assets: dict[str, object] | None = None
    prior: dict[str, Decimal | None] | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def absent(self) -> list[str]:
        """The sheets the workbook lacks (their data is left as it is)."""
        return [
            name
            for name, value in (
                (SHEET_PROCUREMENT, self.procurements),
                (SHEET_SERVICES, self.services),
                (SHEET_ASSETS, self.assets),
                (SHEET_PRIOR, self.prior),
            )
            if value is None
        ]


def _cell(plan: SheetsPlan, row: Row, key: str, parse):
    """`parse()` of a cell, or None with the problem located at the cell."""
    try:
        return parse()
    except ValidationError as exc:
        plan.problems.append(row.locate(key, "；".join(exc.messages)))
        return None


def _text(plan: SheetsPlan, row: Row, key: str, label: str, limit: int, *, required: bool):
    text = cell_text(row.values.get(key))
    if required and not text:
        plan.problems.append(row.locate(key, f"{label}不能为空。"))
    elif len(text) > limit:
        plan.problems.append(
            row.locate(key, f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）。")
        )
    return text


def _choice(plan: SheetsPlan, row: Row, key: str, label: str, choices: dict, default):
    text = cell_text(row.values.get(key))
    if not text:
        if default is None:
            plan.problems.append(
                row.locate(key, f"{label}不能为空，应为 {'、'.join(choices)} 之一。")
            )
        return default
    value = choices.get(text)
    if value is None:
        plan.problems.append(
            row.locate(key, f"{label}「{text}」无效，应为 {'、'.join(choices)} 之一。")
        )
    return value


def _procurements(plan: SheetsPlan, rows: list[Row], projects: set[tuple[str, int]]) -> None:
    items = []
    for row in rows:
        before = len(plan.problems)
        kind = _choice(plan, row, "kind", "采购类别", PROCUREMENT_BY_LABEL, None)
        name = _text(plan, row, "name", "采购项目", _max(ProcurementItem, "name"), required=True)
        amount = _cell(plan, row, "amount", lambda row=row: cell_amount(row.values.get("amount")))
        project = cell_text(row.values.get("project"))
        batch = _cell(
            plan,
            row,
            "batch",
            lambda row=row: cell_positive_int(row.values.get("batch"), "资金批次", 1),
        )
        key = None
        if project and batch is not None:
            key = (project, batch)
            if key not in projects:
                batch_text = f"（资金批次 {batch}）" if batch > 1 else ""
                plan.problems.append(
                    row.locate(
                        "project",
                        f"项目「{project}」{batch_text}不在「预算明细」表中：政府采购只能对应"
                        "本文件中的项目，请核对项目名称和资金批次，或清空项目名称。",
                    )
                )
        elif not project and cell_text(row.values.get("batch")):
            plan.problems.append(row.locate("batch", "填写了资金批次，但没有填写项目名称。"))
        if len(plan.problems) == before:
            items.append((ProcurementItem(kind=kind, name=name, amount=amount), key))
    plan.procurements = items


def _services(plan: SheetsPlan, rows: list[Row]) -> None:
    items = []
    for row in rows:
        before = len(plan.problems)
        item = PurchasedService(
            project_name=_text(
                plan, row, "project", "项目", _max(PurchasedService, "project_name"), required=True
            ),
            content=_text(
                plan,
                row,
                "content",
                "政府购买服务内容",
                _max(PurchasedService, "content"),
                required=True,
            ),
            quantity=_text(
                plan,
                row,
                "quantity",
                "购买数量",
                _max(PurchasedService, "quantity"),
                required=False,
            ),
            includes_procurement=_choice(
                plan, row, "includes", "是否包含政府采购", {YES: True, NO: False}, False
            ),
            fund_source=_choice(
                plan, row, "fund", "资金来源", FUND_BY_LABEL, FundSource.GENERAL.value
            ),
            amount=_cell(
                plan,
                row,
                "amount",
                lambda row=row: cell_amount(row.values.get("amount"), "购买金额"),
            ),
        )
        if len(plan.problems) == before:
            items.append(item)
    plan.services = items


def _record(plan: SheetsPlan, rows: list[Row], model, names, parse) -> dict[str, object]:
    """The values of a one-record sheet by field: each row an item found by its text."""
    by_text = {header_key(_label(model, name)): name for name in names}
    values: dict[str, object] = {}
    seen: dict[str, int] = {}
    for row in rows:
        text = cell_text(row.values.get("item"))
        name = by_text.get(header_key(text))
        if name is None:
            message = (
                "没有填写项目名称。"
                if not text
                else f"「{text}」不是本表的项目。本表的项目为："
                + "、".join(_label(model, n) for n in names)
                + "（请使用下载的模板，不要改动项目名称）。"
            )
            plan.problems.append(row.locate("item", message))
            continue
        if name in seen:
            plan.problems.append(
                row.locate("item", f"「{text}」与第{seen[name]}行重复，每个项目只填一行。")
            )
            continue
        seen[name] = row.number
        label = _label(model, name)
        value = _cell(plan, row, "value", lambda row=row, n=name, lb=label: parse(n, row, lb))
        if value is not None:
            values[name] = value
    return values


def _asset_value(name: str, row: Row, label: str):
    value = row.values.get("value")
    if name == "as_of":
        return cell_date(value, label)
    if name == "office_area_m2":
        if not cell_text(value):
            return None
        area = cell_amount(value, label)
        if area >= AREA_LIMIT:
            raise ValidationError(f"{label}过大：{area}（应小于 {AREA_LIMIT} 平方米）。")
        return area
    return cell_count(value, label) if cell_text(value) else None


def _prior_value(name: str, row: Row, label: str):
    value = row.values.get("value")
    return cell_amount(value, label) if cell_text(value) else None


def sheets_plan(*, sheets: dict[str, list[Row]], projects: set[tuple[str, int]]) -> SheetsPlan:
    """Read and check the other sheets the workbook has (`sheets`: rows by sheet name, as
    `units.budget_excel.workbook_sheets_read` gives them); `projects` are the (项目名称,
    资金批次) of the 「预算明细」 sheet. Every problem is located; nothing is written."""
    plan = SheetsPlan()
    if SHEET_PROCUREMENT in sheets:
        _procurements(plan, sheets[SHEET_PROCUREMENT], projects)
    if SHEET_SERVICES in sheets:
        _services(plan, sheets[SHEET_SERVICES])
    if SHEET_ASSETS in sheets:
        plan.assets = _record(plan, sheets[SHEET_ASSETS], AssetFacts, ASSET_FIELDS, _asset_value)
    if SHEET_PRIOR in sheets:
        prior = _record(plan, sheets[SHEET_PRIOR], Submission, PRIOR_FIELDS, _prior_value)
        plan.prior = {name: prior.get(name) for name in PRIOR_FIELDS}
    return plan


# --- saving ------------------------------------------------------------------------------------


@dataclass
class SheetsSaved:
    """What the other sheets wrote (None: the sheet was not in the file, the data unchanged)."""

    procurements: int | None = None
    services: int | None = None
    #: "已更新", "未改变", "已清空" or "无" (an empty sheet and no record)
    assets: str | None = None
    prior: str | None = None
    absent: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What the import report adds: each sheet written, then the sheets the file lacked
        (empty for a report of nothing written)."""
        parts = []
        if self.procurements is not None:
            parts.append(f"政府采购预算 {self.procurements} 项")
        if self.services is not None:
            parts.append(f"政府购买服务 {self.services} 项")
        if self.assets is not None:
            parts.append(f"国有资产情况{self.assets}")
        if self.prior is not None:
            parts.append(f"上年数{self.prior}")
        text = "；".join(parts)
        if self.absent:
            missing = "".join(f"「{name}」" for name in self.absent)
            text += ("；" if text else "") + f"文件中没有{missing}表，这些数据保持不变"
        return text


def procurements_delete_first(*, submission: Submission, plan: SheetsPlan) -> None:
    """With a 政府采购 sheet, delete the old items before the projects are saved: the file
    replaces both, and an old item would otherwise hold a project the file drops."""
    if plan.procurements is not None:
        ProcurementItem.objects.filter(submission=submission).delete()


def sheets_save(*, submission: Submission, plan: SheetsPlan) -> SheetsSaved:
    """Write the planned sheets (after the lines and projects, in the import's transaction)."""
    saved = SheetsSaved(absent=plan.absent)
    if plan.procurements is not None:
        projects = list(Project.objects.filter(submission=submission))
        batches = project_batches(projects)
        by_key = {(p.name, batches[p.id]): p for p in projects}
        items = []
        for item, key in plan.procurements:
            item.submission = submission
            item.project = by_key[key] if key else None
            items.append(item)
        saved.procurements = len(objects_bulk_create(ProcurementItem, items))
    if plan.services is not None:
        PurchasedService.objects.filter(submission=submission).delete()
        for item in plan.services:
            item.submission = submission
        saved.services = len(objects_bulk_create(PurchasedService, plan.services))
    if plan.assets is not None:
        saved.assets = _assets_save(submission, plan.assets)
    if plan.prior is not None:
        changed = [n for n, v in plan.prior.items() if getattr(submission, n) != v]
        for name in changed:
            setattr(submission, name, plan.prior[name])
        if changed:
            submission.save(update_fields=[*changed, "updated_at"])
        saved.prior = "已更新" if changed else "未改变"
    return saved


def _assets_save(submission: Submission, values: dict[str, object]) -> str:
    current = AssetFacts.objects.filter(submission=submission).first()
    if not values:
        if current is None:
            return "无"
        current.delete()
        return "已清空"
    facts = current or AssetFacts(submission=submission)
    defaults = {name: AssetFacts._meta.get_field(name).get_default() for name in ASSET_FIELDS}
    wanted = {name: values.get(name, defaults[name]) for name in ASSET_FIELDS}
    wanted = {n: defaults[n] if v is None else v for n, v in wanted.items()}
    if current is not None and all(getattr(current, n) == v for n, v in wanted.items()):
        return "未改变"
    for name, value in wanted.items():
        setattr(facts, name, value)
    facts.save()
    return "已更新"


def sheets_counts(*, submission_id: int) -> dict[str, int]:
    """Items per other sheet, as the import preview shows them before and after (4 queries)."""
    prior = Submission.objects.filter(pk=submission_id).values_list(*PRIOR_FIELDS).first() or ()
    assets = AssetFacts.objects.filter(submission_id=submission_id).first()
    return {
        SHEET_PROCUREMENT: ProcurementItem.objects.filter(submission_id=submission_id).count(),
        SHEET_SERVICES: PurchasedService.objects.filter(submission_id=submission_id).count(),
        SHEET_ASSETS: 0
        if assets is None
        else sum(1 for name in ASSET_FIELDS if getattr(assets, name) not in (None, 0)),
        SHEET_PRIOR: sum(1 for value in prior if value is not None),
    }
