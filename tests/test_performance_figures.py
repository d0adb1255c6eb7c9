"""Section 十 (绩效管理情况) figures derived from the demo, against the seed's sentence."""

import re
from decimal import Decimal

import pytest

from performance.demo import demo_load
from performance.derive import performance_figures, project_current_amounts, target_year_funds
from performance.selectors import target_data_load
from tables.figures.formatting import format_wan
from tables.figures.load import budget_data_load
from tests.seed import SEED_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        submission = demo_load()
        data = budget_data_load(submission=submission)
        targets = target_data_load(submission=submission)
        yield data, targets
        transaction.set_rollback(True)


def _seed_sentence():
    text = SEED_PATH.read_text(encoding="utf-8")
    return re.search(
        r"纳入绩效目标管理的二级项目(\d+)个，共计金额([\d.]+)万元。其中：其他运转类项目"
        r"(\d+)个，涉及金额([\d.]+)万元；特定目标类项目(\d+)个，涉及金额([\d.]+)万元",
        text,
    )


def test_managed_projects_match_the_seed_sentence(loaded):
    data, targets = loaded
    figures = performance_figures(data, targets)
    seed = _seed_sentence().groups()
    operating = figures.managed_by_category["operating"]
    specific = figures.managed_by_category["specific"]
    assert (
        str(figures.managed.count),
        format_wan(figures.managed.amount),
        str(operating.count),
        format_wan(operating.amount),
        str(specific.count),
        format_wan(specific.amount),
    ) == seed


def test_disclosed_figures_never_claim_more_than_exist(loaded):
    data, targets = loaded
    figures = performance_figures(data, targets)
    assert figures.target_tables == len(targets.project_targets) == 18
    assert [p.name for p in figures.missing] == ["市人大代表联络站经费"]
    assert figures.disclosed.count == figures.managed.count - 1
    assert figures.managed.amount - figures.disclosed.amount == Decimal("13000.00")
    assert figures.disclosed_share < 100
    assert figures.unit_target_amount == Decimal("11759498.00")


def test_year_funds_come_from_the_budget_lines(loaded):
    data, targets = loaded
    sums = project_current_amounts(data)
    names = {p.id: p.name for p in data.projects}
    funds = {names[t.project_id]: target_year_funds(t, sums) for t in targets.project_targets}
    # 无固定收入代表履职补贴: the target covers its main row (40.00万元), not the extra allocation.
    assert funds["无固定收入代表履职补贴"].local == Decimal("400000.00")
    assert funds["无固定收入代表履职补贴"].total == Decimal("400000.00")
    assert funds["智慧人大三期项目"].total == Decimal("890000.00")
    assert all(f.central == f.provincial == f.self_raised == 0 for f in funds.values())
