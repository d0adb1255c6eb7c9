"""Targets at the model level: values parsed on every save path, bad input refused in Chinese,
framework reference data present, demo targets loaded."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from performance.demo import demo_load
from performance.framework import default_framework
from performance.models import Indicator, IndicatorCategory, ProjectTarget, Scope
from units.models import Project
from units.selectors import submission_get

pytestmark = pytest.mark.django_db


def _category(level1, level2):
    return IndicatorCategory.objects.get(
        framework=default_framework(), name=level2, parent__name=level1
    )


def test_default_framework_is_loaded_by_migration():
    framework = default_framework()
    level1 = list(framework.categories.filter(level=1).values_list("name", flat=True))
    assert level1 == ["产出指标", "效益指标", "满意度指标"]
    assert framework.categories.get(name="成本指标").parent.name == "产出指标"
    assert framework.categories.filter(level=2).count() == 9


def test_demo_loads_the_seed_targets(demo):
    targets = ProjectTarget.objects.filter(project__submission=demo)
    assert targets.count() == 18
    assert not targets.filter(project__allocation_of__isnull=False).exists()
    assert demo.unit_target.key_tasks.count() == 4
    cost = Indicator.objects.get(
        project_target__project__name="智慧人大三期项目", scope="year", category__name="成本指标"
    )
    assert (cost.text, cost.comparator, cost.value, cost.unit) == (
        "890000万元",
        "＝",
        Decimal(890000),
        "万元",
    )


def test_save_keeps_parsed_fields_in_step(demo):
    indicator = Indicator.objects.filter(project_target__project__submission=demo).first()
    indicator.text = "≥35人"
    indicator.save()
    indicator.refresh_from_db()
    assert (indicator.comparator, indicator.value, indicator.unit) == ("≥", Decimal(35), "人")


def test_unparsable_value_is_refused_on_every_path_and_nothing_saved(demo):
    target = ProjectTarget.objects.filter(project__submission=demo).first()
    before = Indicator.objects.count()
    indicator = Indicator(
        project_target=target,
        scope=Scope.YEAR,
        category=_category("满意度指标", "服务对象满意度指标"),
        name="满意度",
        text="≥很高",
    )
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "比较符「≥」后必须是数字" in str(exc.value)
    with pytest.raises(ValidationError):
        indicator.save()
    indicator.text = "120%"
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "百分比必须在0–100之间" in str(exc.value)
    assert Indicator.objects.count() == before


def test_level1_category_and_unit_target_period_scope_are_refused(demo):
    level1 = IndicatorCategory.objects.get(framework=default_framework(), name="产出指标")
    indicator = Indicator(
        unit_target=demo.unit_target, scope=Scope.PERIOD, category=level1, name="x", text="1次"
    )
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert set(exc.value.message_dict) == {"category", "scope"}


def test_indicator_needs_exactly_one_owner(demo):
    target = ProjectTarget.objects.filter(project__submission=demo).first()
    category = _category("产出指标", "数量指标")
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(
            unit_target=demo.unit_target,
            project_target=target,
            category=category,
            name="x",
            text="1次",
        )


def test_negative_money_and_allocation_targets_are_refused(demo):
    target = ProjectTarget.objects.filter(project__submission=demo).first()
    target.year_central = Decimal("-1.00")
    with pytest.raises(ValidationError) as exc:
        target.full_clean()
    assert "year_central" in exc.value.message_dict
    allocation = Project.objects.filter(submission=demo, allocation_of__isnull=False).first()
    extra = ProjectTarget(
        project=allocation,
        overview="x",
        basis="x",
        necessity="x",
        measures="x",
        plan="x",
        goal_period="x",
        goal_year="x",
    )
    with pytest.raises(ValidationError) as exc:
        extra.full_clean()
    assert "追加资金批次" in exc.value.message_dict["project"][0]


def test_demo_reload_is_idempotent(demo):
    demo_load()
    submission = submission_get(unit_code="003", year=2025)
    assert ProjectTarget.objects.filter(project__submission=submission).count() == 18
    assert Indicator.objects.filter(unit_target__submission=submission).count() == 24
