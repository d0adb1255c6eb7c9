"""The disclosure pipeline reads a submission in a fixed number of queries, whatever its size."""

import pytest

from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, KeyTask, ProjectTarget, UnitTarget
from tables.document.disclosure import disclosure_derive
from tests.factories import synthetic_submission
from units.models import Project
from units.selectors import submission_get

pytestmark = pytest.mark.django_db

#: Budget: lines, codes, ancestor codes (类/款 names), projects, procurements, purchased services.
BUDGET_QUERIES = 6
#: Targets: framework, categories, indicators, unit target, its key tasks, project targets.
TARGET_QUERIES = 6
#: Without a unit-level target there are no key tasks to read.
TARGET_QUERIES_WITHOUT_UNIT_TARGET = TARGET_QUERIES - 1


def targets_create(submission, *, indicators_per_target: int) -> int:
    """A unit target with a key task, and a target with indicators for every main project."""
    categories = list(IndicatorCategory.objects.filter(framework=default_framework(), level=2))
    unit_target = UnitTarget.objects.create(
        submission=submission, strategic_goal="战略目标", annual_goal="年度目标"
    )
    KeyTask.objects.create(unit_target=unit_target, function="核心职能", tasks="重点任务")
    targets = ProjectTarget.objects.bulk_create(
        ProjectTarget(project=project, overview="概况")
        for project in Project.objects.filter(submission=submission, allocation_of=None)
    )
    # bulk_create skips Indicator.save(), so the parsed fields are given as save() would set them.
    Indicator.objects.bulk_create(
        Indicator(
            project_target=target,
            category=categories[i % len(categories)],
            name=f"指标{i}",
            text="≥1次",
            comparator="≥",
            value=1,
            unit="次",
            position=i,
        )
        for target in targets
        for i in range(indicators_per_target)
    )
    return len(targets)


@pytest.mark.parametrize("n_lines", [20, 2_000])
def test_disclosure_derive_query_count_does_not_grow(django_assert_num_queries, n_lines):
    """Loading, deriving and checking all 14 tables and the (absent) targets takes the same
    11 queries for 20 or 2,000 lines."""
    created = synthetic_submission(n_lines, seed=n_lines)
    submission = submission_get(unit_code=created.unit.code, year=created.year)
    with django_assert_num_queries(BUDGET_QUERIES + TARGET_QUERIES_WITHOUT_UNIT_TARGET):
        result = disclosure_derive(submission=submission)
    assert len(result.data.lines) == n_lines
    assert len(result.tables) == 14
    assert result.targets.project_targets == ()


@pytest.mark.parametrize(("n_lines", "per_target"), [(20, 2), (2_000, 20)])
def test_disclosure_derive_with_targets_query_count_does_not_grow(
    django_assert_num_queries, n_lines, per_target
):
    """With a unit target and a target per project, the pipeline takes 12 queries whether there
    are 2 projects × 2 indicators or 200 projects × 20 indicators."""
    created = synthetic_submission(n_lines, seed=n_lines)
    n_targets = targets_create(created, indicators_per_target=per_target)
    submission = submission_get(unit_code=created.unit.code, year=created.year)
    with django_assert_num_queries(BUDGET_QUERIES + TARGET_QUERIES):
        result = disclosure_derive(submission=submission)
    assert len(result.targets.project_targets) == n_targets
    assert sum(len(t.indicators) for t in result.targets.project_targets) == n_targets * per_target
    assert any(f.rule_id.startswith("P") for f in result.findings)
