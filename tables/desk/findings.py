"""The check findings of a submission as list items that lead to their fix: the table, row and
rule in plain Chinese, and a link that opens what to change — the budget lines filtered to the
row's code or project, the 绩效目标 of the named project, or the 情况说明 field to fill."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from performance.models import ProjectTarget
from tables.document.render.html import SEVERITY_CLASSES
from tables.figures.formatting import table_short_name as table_name
from tables.figures.registry import BUILDERS
from units.models import BudgetLine, Submission, SubmissionText
from units.severity import NOTICE

#: Where a rule's family is explained, in the words an accountant uses.
RULE_KINDS = {"R": "勾稽关系", "P": "绩效目标", "N": "情况说明", "J": "决算", "S": "绩效自评"}
#: on a 决算: the J rules' pages by rule (the rest lead to the 决算明细)
FINAL_RULE_PAGES = {
    "J01": ("desk:final_facts", "收支情况", "修改收支情况", "查看收支情况"),
    "J02": ("desk:final_facts", "收支情况", "修改收支情况", "查看收支情况"),
    "J05": ("desk:final_facts", "收支情况", "修改年初结转和结余", "查看收支情况"),
    "J07": ("desk:final_reasons", "决算差异原因", "填写差异原因", "查看差异原因"),
    "J08": ("desk:final_facts", "收支情况", "修改“三公”经费数量", "查看收支情况"),
    "J09": ("desk:final_facts", "收支情况", "修改政府采购", "查看收支情况"),
}


def _final_link(finding, submission: Submission, *, editable: bool) -> tuple[str, str, str]:
    """(where, url, link label) of a 决算's finding: the J rules to the page holding what to
    change (a reason's field by its key), the S rules to the 绩效自评."""
    pk = submission.pk
    if finding.rule_id.startswith("S"):
        where = "绩效自评" + (f" · {finding.table}" if finding.table else "")
        url = reverse("desk:evaluation", kwargs={"pk": pk})
        return where, url, "填写绩效自评" if editable else "查看绩效自评"
    page = FINAL_RULE_PAGES.get(finding.rule_id)
    if page is None:
        url = reverse("desk:final_lines", kwargs={"pk": pk})
        return "决算明细", url, "修改决算明细" if editable else "查看决算明细"
    name, where, fix, read = page
    url = reverse(name, kwargs={"pk": pk})
    if finding.rule_id == "J07" and finding.row:
        url += f"#reason-{finding.row}"
    return where, url, fix if editable else read


@dataclass(frozen=True)
class LinkedFinding:
    severity: str
    css: str
    rule_id: str
    rule_kind: str
    where: str  # "预算公开表二 · 20805" / "绩效目标 · 智慧人大三期项目" / "情况说明 · 收入变动原因"
    message: str
    url: str
    link_label: str


def _lines_url(submission: Submission, query: str) -> str:
    return reverse("desk:lines", kwargs={"pk": submission.pk}) + "?" + urlencode({"q": query})


def findings_linked(findings, submission: Submission, *, editable: bool) -> list[LinkedFinding]:
    """Each finding with where it is and a link: to what to change when the user may edit the
    submission now (`units.permissions.submission_editable_by`), else to where to read it — a
    reviewer, or the unit once it has submitted, is never sent to a page that refuses them."""
    targets = {
        name: pk
        for pk, name in ProjectTarget.objects.filter(project__submission=submission).values_list(
            "pk", "project__name"
        )
    }
    # main projects only: an extra 资金批次 shares its main project's name and target
    project_ids = dict(
        submission.projects.filter(allocation_of__isnull=True).values_list("name", "pk")
    )
    line_ids = [int(f.row) for f in findings if f.rule_id == "R11" and f.row.isdigit()]
    line_codes = (
        dict(
            BudgetLine.objects.filter(submission=submission, pk__in=line_ids).values_list(
                "pk", "func_code__code"
            )
        )
        if line_ids
        else {}
    )
    targets_page = reverse("performance:submission_targets", kwargs={"pk": submission.pk})
    out = []
    for finding in findings:
        table, row = finding.table, finding.row
        if submission.is_final:
            where, url, label = _final_link(finding, submission, editable=editable)
        elif finding.rule_id == "R11" and row.isdigit():  # a line whose code is no longer valid
            where = "预算明细"
            if editable:
                url = reverse("desk:line_edit", kwargs={"pk": submission.pk, "line_id": int(row)})
                label = "修改这条明细"
            else:
                url = _lines_url(submission, line_codes.get(int(row), ""))
                label = "查看这条明细"
        elif table in BUILDERS:
            where = table_name(table) + (f" · {row}" if row else "")
            if row.isdigit() or row in project_ids:
                url = _lines_url(submission, row)
                fix = editable and finding.severity != NOTICE
                label = "查看并修改相关预算明细" if fix else "查看相关预算明细"
            else:
                url = reverse("desk:review", kwargs={"pk": submission.pk}) + f"#{table}"
                label = "查看这张表"
        elif table == "绩效目标":
            where = "绩效目标" + (f" · {row}" if row else "")
            if editable and row in targets:
                url = reverse("admin:performance_projecttarget_change", args=[targets[row]])
                label = "修改这个项目的绩效目标"
            elif editable and row in project_ids:
                url = (
                    reverse("admin:performance_projecttarget_add")
                    + "?"
                    + urlencode({"project": project_ids[row]})
                )
                label = "为这个项目填写绩效目标"
            else:
                url, label = targets_page, "查看绩效目标表"
        elif table == "情况说明":
            field_label = (
                SubmissionText._meta.get_field(row).verbose_name
                if row and hasattr(SubmissionText, row)
                else ""
            )
            where = "情况说明" + (f" · {field_label}" if field_label else "")
            url = reverse("desk:texts", kwargs={"pk": submission.pk}) + (f"#{row}" if row else "")
            label = "填写变动原因" if editable else "查看变动原因"
        else:
            where = table or "整体"
            url = reverse("desk:review", kwargs={"pk": submission.pk})
            label = "查看公开表"
        out.append(
            LinkedFinding(
                severity=finding.severity,
                css=SEVERITY_CLASSES.get(finding.severity, ""),
                rule_id=finding.rule_id,
                rule_kind=RULE_KINDS.get(finding.rule_id[:1], "检查"),
                where=where,
                message=finding.message,
                url=url,
                link_label=label,
            )
        )
    return out
