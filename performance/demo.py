"""The seed's 18 project targets and its unit-level target, loaded from their published content
(`demo_data/targets_2025.json`, transcribed from the seed: text and indicators as published,
including the faults the checks must catch).

Target tables are matched to 表十二 rows by project name, with one exception: the table titled
"人大会议费" (100,000 元, 会刊印刷) belongs to 表十二's "人大会刊费" — the seed names the same
project two ways. 市人大代表联络站经费 (表十二, 1.30万元) has no target table in the seed.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from performance.framework import default_framework
from performance.models import Indicator, KeyTask, ProjectTarget, Scope, UnitTarget
from units.models import Project, Submission

DEMO_TARGETS_FILE = Path(__file__).parent / "demo_data" / "targets_2025.json"
#: target table title → 表十二 project name, where the seed names them differently
TITLE_TO_PROJECT = {"人大会议费": "人大会刊费"}


def _filled_at(text: str) -> datetime.datetime | None:
    if not text:
        return None
    naive = datetime.datetime.strptime(text, "%Y%m%d%H%M%S")  # noqa: DTZ007 - zone added next
    return naive.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _footer(footer: dict) -> dict:
    return {
        "leader": footer.get("负责人", ""),
        "handler": footer.get("经办人", ""),
        "phone": footer.get("联系电话", ""),
        "filled_at": _filled_at(footer.get("填报日期", "")),
    }


def _money(value) -> Decimal:
    return Decimal(str(value or 0))


def _indicators(items, categories, scope, **owner) -> list[Indicator]:
    out = []
    for position, item in enumerate(items, start=1):
        if not item["name"]:
            continue  # an empty 二级 row of the printed form, not an indicator
        indicator = Indicator(
            scope=scope,
            category=categories[(item["level1"], item["level2"])],
            name=item["name"],
            text=item["value"],
            position=position,
            **owner,
        )
        indicator.clean()  # validates and parses the value text
        out.append(indicator)
    return out


@transaction.atomic
def demo_targets_load(*, submission: Submission) -> None:
    """Replace the submission's targets with the seed's (idempotent)."""
    spec = json.loads(DEMO_TARGETS_FILE.read_text(encoding="utf-8"))
    framework = default_framework()
    categories = {
        (c.parent.name, c.name): c
        for c in framework.categories.filter(level=2).select_related("parent")
    }
    UnitTarget.objects.filter(submission=submission).delete()
    ProjectTarget.objects.filter(project__submission=submission).delete()

    unit_spec = spec["unit_target"]
    unit_target = UnitTarget.objects.create(
        submission=submission,
        strategic_goal=unit_spec["strategic_goal"],
        annual_goal=unit_spec["annual_goal"],
    )
    KeyTask.objects.bulk_create(
        KeyTask(unit_target=unit_target, function=t["function"], tasks=t["tasks"], position=i)
        for i, t in enumerate(unit_spec["key_tasks"], start=1)
    )
    indicators = _indicators(
        unit_spec["indicators"], categories, Scope.YEAR, unit_target=unit_target
    )

    projects = {
        p.name: p for p in Project.objects.filter(submission=submission, allocation_of=None)
    }
    for target_spec in spec["project_targets"]:
        project = projects[TITLE_TO_PROJECT.get(target_spec["name"], target_spec["name"])]
        period, year = target_spec["funds_period"], target_spec["funds_year"]
        target = ProjectTarget.objects.create(
            project=project,
            implementer=(
                ""
                if target_spec["implementer"] == submission.unit.name
                else target_spec["implementer"]
            ),
            overview=target_spec["overview"],
            basis=target_spec["basis"],
            necessity=target_spec["necessity"],
            measures=target_spec["measures"],
            plan=target_spec["plan"],
            goal_period=target_spec["goal_period"],
            goal_year=target_spec["goal_year"],
            period_central=_money(period["central"]),
            period_provincial=_money(period["provincial"]),
            period_local=_money(period["city_county"]),
            period_self_raised=_money(period["self_raised"]),
            period_other=_money(period["other"]),
            year_central=_money(year["central"]),
            year_provincial=_money(year["provincial"]),
            year_other=_money(year["other"]),
            **_footer(target_spec["footer"]),
        )
        indicators += _indicators(
            target_spec["indicators_period"], categories, Scope.PERIOD, project_target=target
        )
        indicators += _indicators(
            target_spec["indicators_year"], categories, Scope.YEAR, project_target=target
        )
    Indicator.objects.bulk_create(indicators)


def demo_target_faults_fix(*, submission: Submission) -> None:
    """Correct the seed's two 绩效目标 错误 in `submission` (the demo) the way the P01/P07
    findings suggest: give 市人大代表联络站经费 a target (1.30万元) and write 智慧人大三期's cost
    as 89万元 instead of 890000万元. For the tests and the demo publication (scripts/
    demo_publish.py); `load_demo` restores the faults."""
    from performance.models import IndicatorCategory

    for indicator in Indicator.objects.filter(
        project_target__project__submission=submission, text="890000万元"
    ):
        indicator.text = "89万元"
        indicator.save()
    categories = {
        c.name: c for c in IndicatorCategory.objects.filter(framework=default_framework(), level=2)
    }
    # Every text a 项目支出绩效目标表 requires is filled (the model requires them, and the Excel
    # export of the corrected demo must import back), in the seed's register.
    target = ProjectTarget.objects.create(
        project=Project.objects.get(submission=submission, name="市人大代表联络站经费"),
        overview="市人大代表联络站运行",
        basis="《中华人民共和国全国人民代表大会和地方各级人民代表大会代表法》；"
        "关于加强人大代表联络站建设的相关要求",
        necessity="为市人大代表联系群众、开展履职活动提供场所和保障",
        measures="严格执行单位财务管理制度，专款专用",
        plan="全年保障联络站日常运行，定期组织代表接待群众活动",
        goal_period="保障市人大代表联络站正常运行，密切代表与群众的联系",
        goal_year="保障市人大代表联络站正常运行，密切代表与群众的联系",
        period_local=Decimal("13000"),
        filled_at=_filled_at("20250116160658"),
    )
    for category, name, text in (
        ("数量指标", "联络站个数", "1个"),
        ("质量指标", "活动完成率", "100%"),
        ("时效指标", "活动时间", "全年"),
        ("成本指标", "联络站经费", "1.3万元"),
        ("社会效益指标", "密切代表与群众联系", "提升"),
        ("服务对象满意度指标", "代表满意度", "≥95%"),
    ):
        Indicator.objects.create(
            project_target=target, category=categories[category], name=name, text=text
        )


@transaction.atomic
def demo_load() -> Submission:
    """Load (or reload) the seed unit 003 for 2025, budget lines and 绩效目标; idempotent."""
    from units.history import history_reason, submission_history_backfill
    from units.services import demo_budget_load

    with history_reason("载入演示数据"):
        submission = demo_budget_load()
        demo_targets_load(submission=submission)
        # The demo's targets are bulk-inserted; give them their "+" records.
        submission_history_backfill(submission_id=submission.pk)
    return submission
