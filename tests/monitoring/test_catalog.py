"""The seeded indicator catalog (migration 0002) and the target that applies to a school year."""

import importlib
import unicodedata
from decimal import Decimal

import pytest
from django.apps import apps as global_apps

from hocso.monitoring.models import Indicator, IndicatorValue, Target
from hocso.monitoring.selectors import indicators_catalog, target_for

from ..factories import make_year

seed = importlib.import_module("hocso.monitoring.migrations.0002_seed_indicators")
# 0004 adds learning_results and the new disaggregations on top of 0002's seed.
breakdowns = importlib.import_module("hocso.monitoring.migrations.0004_learning_results_breakdowns")


def _seed():
    seed.seed_indicators(global_apps, None)
    breakdowns.forwards(global_apps, None)


def _unseed():
    breakdowns.backwards(global_apps, None)
    seed.unseed_indicators(global_apps, None)


LIVE = {
    "learners_valid_id", "teachers_with_record", "facilities_managed", "learners_online_ready",
    "schools_using_platform", "enrollment", "dropout_rate", "repetition_rate",
    "learner_teacher_ratio", "average_class_size", "khmer_share", "curriculum_covered",
    "learning_results",
}  # fmt: skip
NO_SOURCE = {"online_curriculum_share", "eservices_online"}
PLAN_TARGETS = {
    "learners_valid_id": {2025: 100},
    "teachers_with_record": {2025: 100},
    "facilities_managed": {2025: 80, 2030: 100},
    "learners_online_ready": {2025: 50, 2030: 100},
    "curriculum_covered": {2025: 50, 2030: 100},
    "schools_using_platform": {2025: 100},
}


def _targets() -> dict[str, dict[int, Decimal]]:
    found: dict[str, dict[int, Decimal]] = {}
    for target in Target.objects.select_related("indicator"):
        found.setdefault(target.indicator.code, {})[target.year] = target.value
    return found


def _snapshot() -> list[tuple]:
    fields = [f.name for f in Indicator._meta.concrete_fields if f.name != "id"]
    return sorted(tuple(row) for row in Indicator.objects.values_list(*fields))


@pytest.mark.django_db
def test_the_catalog_holds_every_source_key_and_the_two_without_a_source():
    indicators = {i.code: i for i in Indicator.objects.all()}
    assert set(indicators) == LIVE | NO_SOURCE
    for code in LIVE:
        assert indicators[code].source == code
        assert indicators[code].has_source
    for code in NO_SOURCE:
        assert indicators[code].source == ""
        assert indicators[code].in_plan


@pytest.mark.django_db
def test_the_plan_indicators_carry_their_2025_and_2030_targets_and_statistics_none():
    assert _targets() == {
        code: {year: Decimal(value) for year, value in by_year.items()}
        for code, by_year in PLAN_TARGETS.items()
    }
    assert set(Indicator.objects.filter(in_plan=True).values_list("code", flat=True)) == (
        set(PLAN_TARGETS) | NO_SOURCE
    )


@pytest.mark.django_db
def test_every_seeded_indicator_has_vietnamese_and_english_names_and_a_definition():
    for indicator in Indicator.objects.all():
        indicator.full_clean()
        for text in (indicator.name, indicator.definition):
            assert text and unicodedata.is_normalized("NFC", text)
        assert indicator.name_en.isascii() and indicator.name_en
    orders = list(indicators_catalog().values_list("order", flat=True))
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


@pytest.mark.django_db
def test_units_match_what_the_indicator_counts():
    units = dict(Indicator.objects.values_list("code", "unit"))
    assert units["enrollment"] == "count"
    assert units["learner_teacher_ratio"] == "ratio"
    assert units["average_class_size"] == "average"
    assert {units[code] for code in PLAN_TARGETS} == {"percent"}
    lower_is_better = set(
        Indicator.objects.filter(higher_is_better=False).values_list("code", flat=True)
    )
    assert {"dropout_rate", "repetition_rate"} <= lower_is_better


@pytest.mark.django_db
def test_the_catalog_names_only_sources_and_breakdowns_the_engine_has():
    sources = pytest.importorskip("hocso.monitoring.sources")
    for indicator in Indicator.objects.exclude(source=""):
        assert indicator.source in sources.SOURCES, indicator.code
        breakdowns = sources.SOURCES[indicator.source].breakdowns
        assert set(indicator.disaggregations) <= set(breakdowns), indicator.code


@pytest.mark.django_db
def test_running_the_seed_again_changes_nothing_and_duplicates_nothing():
    before, targets = _snapshot(), _targets()
    _seed()
    _seed()
    assert _snapshot() == before
    assert _targets() == targets
    assert Target.objects.count() == sum(len(t) for t in PLAN_TARGETS.values())


@pytest.mark.django_db
def test_the_seed_restores_the_plans_wording_and_targets_in_place():
    indicator = Indicator.objects.get(code="facilities_managed")
    indicator.name = "sửa tay"
    indicator.save()
    Target.objects.filter(indicator=indicator, year=2025).update(value=Decimal(10))
    seed.seed_indicators(global_apps, None)
    again = Indicator.objects.get(code="facilities_managed")
    assert again.pk == indicator.pk
    assert again.name.startswith("Tỉ lệ cơ sở giáo dục")
    assert _targets()["facilities_managed"] == {2025: Decimal(80), 2030: Decimal(100)}


@pytest.mark.django_db
def test_reversing_the_seed_removes_it_and_applying_it_again_restores_it(tree, year):
    before, targets = _snapshot(), _targets()
    indicator = Indicator.objects.get(code="enrollment")
    IndicatorValue.objects.create(
        indicator=indicator, org_unit=tree.school_a, year=year, numerator=3,
        computed_at="2026-01-01T00:00Z",
    )  # fmt: skip
    _unseed()
    assert not Indicator.objects.exists()
    assert not Target.objects.exists()
    assert not IndicatorValue.objects.exists()  # derived data: recompute rebuilds it
    _seed()
    assert _snapshot() == before
    assert _targets() == targets


@pytest.mark.django_db
def test_reversing_keeps_indicators_the_seed_did_not_create():
    Indicator.objects.create(
        code="local_extra", name="Chỉ tiêu riêng", name_en="Local", definition="x", unit="count"
    )
    _unseed()
    assert list(Indicator.objects.values_list("code", flat=True)) == ["local_extra"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "school_year", "expected"),
    [
        # 2024-2025 ends in 2025: the 2025 target.
        ("facilities_managed", "2024-2025", Decimal(80)),
        # 2025-2026 ends in 2026: no 2026 target, the next one is 2030.
        ("facilities_managed", "2025-2026", Decimal(100)),
        ("facilities_managed", "2029-2030", Decimal(100)),
        # Past the last target year the last target stays in force ("100% by 2025").
        ("facilities_managed", "2030-2031", Decimal(100)),
        ("learners_valid_id", "2025-2026", Decimal(100)),
        # None set at all: no target.
        ("enrollment", "2024-2025", None),
    ],
)
def test_the_target_of_a_school_year_is_its_end_year_the_next_or_the_last_target_year(
    code, school_year, expected
):
    indicator = indicators_catalog().get(code=code)
    assert target_for(indicator, make_year(school_year)) == expected


@pytest.mark.django_db
def test_an_edited_target_year_in_between_is_the_one_that_applies():
    indicator = Indicator.objects.get(code="learners_online_ready")
    Target.objects.create(indicator=indicator, year=2027, value=Decimal("70.5"))
    assert target_for(indicator, make_year("2025-2026")) == Decimal("70.5")
    assert target_for(indicator, make_year("2027-2028")) == Decimal(100)
