"""Rollup arithmetic, stored values, idempotence and the query budget of `recompute`."""

from decimal import Decimal

import pytest

from hocso.monitoring.compute import compute_one, recompute, value_of
from hocso.monitoring.models import Indicator, IndicatorValue, Unit
from hocso.monitoring.sources import SOURCES
from hocso.resources.coverage import coverage_total

from ..factories import make_school
from .conftest import EXPECTED, expected_pair

D = Decimal

# The schools (codes) under each unit of the `tree` fixture.
SCHOOLS_UNDER = {
    "84": ["84000001", "84000002", "84000003"],
    "842": ["84000001", "84000002"],
    "28432": ["84000001", "84000002"],
    "847": ["84000003"],
    "29161": ["84000003"],
    "84000001": ["84000001"],
    "84000002": ["84000002"],
    "84000003": ["84000003"],
}


def _stored(code, breakdown=""):
    rows = IndicatorValue.objects.filter(indicator__code=code, breakdown=breakdown)
    return {r.org_unit.code: (r.numerator, r.denominator) for r in rows.select_related("org_unit")}


@pytest.mark.parametrize(
    ("numerator", "denominator", "unit", "expected"),
    [
        (2, 3, Unit.PERCENT, D("66.67")),
        (1, 3, Unit.PERCENT, D("33.33")),
        (1, 8, Unit.PERCENT, D("12.50")),
        (1, 800, Unit.PERCENT, D("0.13")),  # 0.125 rounds half up
        (1, 1, Unit.PERCENT, D("100.00")),
        (7, 2, Unit.RATIO, D("3.50")),
        (10, 3, Unit.AVERAGE, D("3.33")),
        (5, 8, Unit.AVERAGE, D("0.63")),  # 0.625 rounds half up, not to even
        (6, None, Unit.COUNT, D("6")),
        (0, 0, Unit.PERCENT, None),
        (3, None, Unit.PERCENT, None),
        (3, 0, Unit.RATIO, None),
    ],
)
def test_value_of_is_exact(numerator, denominator, unit, expected):
    got = value_of(D(numerator), None if denominator is None else D(denominator), unit)
    assert got == expected
    if expected is not None:
        assert str(got) == str(expected)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_unit_holds_the_sum_of_its_schools(school_data, indicators, code):
    recompute(year=school_data.year, indicators=[indicators[code]])
    stored = _stored(code)
    assert set(stored) == set(SCHOOLS_UNDER)
    for unit, schools in SCHOOLS_UNDER.items():
        assert stored[unit] == expected_pair(code, schools), (code, unit)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_sum_of_children_is_the_whole(school_data, indicators, code):
    recompute(year=school_data.year, indicators=[indicators[code]])
    tree = school_data.tree
    stored = _stored(code)
    for parent, children in [
        (tree.province, [tree.district1, tree.district2]),
        (tree.commune1, [tree.school_a, tree.school_b]),
    ]:
        nums = sum(stored[c.code][0] for c in children)
        assert stored[parent.code][0] == nums
        if stored[parent.code][1] is not None:
            assert stored[parent.code][1] == sum(stored[c.code][1] for c in children)


def test_hand_computed_values_of_the_province(school_data, indicators):
    recompute(year=school_data.year)
    stored = _stored
    expect = {
        "learners_valid_id": D("66.67"),  # 4 of 6
        "teachers_with_record": D("75.00"),  # 3 of 4
        "facilities_managed": D("33.33"),  # 1 school of 3
        "learners_online_ready": D("50.00"),  # 3 of 6
        "schools_using_platform": D("33.33"),
        "enrollment": D("6"),
        "dropout_rate": D("14.29"),  # 1 of 7 learners enrolled in the year
        "repetition_rate": D("14.29"),
        "learner_teacher_ratio": D("2.00"),  # 6 / 3
        "average_class_size": D("2.00"),  # 6 / 3
        "khmer_share": D("33.33"),  # 2 of 6
    }
    for code, value in expect.items():
        num, den = stored(code)["84"]
        assert value_of(num, den, indicators[code].unit) == value, code


def test_breakdowns_are_stored_and_roll_up(school_data, indicators):
    recompute(year=school_data.year, indicators=[indicators["enrollment"]])
    assert _stored("enrollment", "gender:F")["84"] == (D(2), None)  # a2, b1
    assert _stored("enrollment", "gender:M")["84"] == (D(4), None)
    assert _stored("enrollment", "school_level:primary")["28432"] == (D(2), None)
    assert _stored("enrollment", "school_level:lower_secondary")["84"] == (D(4), None)


def test_per_unit_source_is_computed_for_each_unit(school_data, indicators):
    recompute(year=school_data.year, indicators=[indicators["curriculum_covered"]])
    stored = _stored("curriculum_covered")
    tree = school_data.tree
    for unit in (tree.province, tree.commune1, tree.school_c):
        topics, covered = coverage_total(org_unit=unit)
        assert stored[unit.code] == (D(covered), D(topics))


def test_recompute_is_idempotent(school_data, indicators):
    first = recompute(year=school_data.year)
    rows = sorted(
        IndicatorValue.objects.values_list(
            "indicator__code", "org_unit__code", "breakdown", "numerator", "denominator"
        )
    )
    second = recompute(year=school_data.year)
    assert first == second
    assert first.indicators == Indicator.objects.filter(source__in=list(SOURCES)).count()
    assert first.units == len(SCHOOLS_UNDER)
    assert IndicatorValue.objects.count() == first.values
    assert rows == sorted(
        IndicatorValue.objects.values_list(
            "indicator__code", "org_unit__code", "breakdown", "numerator", "denominator"
        )
    )


def test_recompute_follows_changed_data(school_data, indicators):
    recompute(year=school_data.year, indicators=[indicators["facilities_managed"]])
    from hocso.registry.services import equipment_save

    equipment_save(
        actor=None, school=school_data.tree.school_b, asset_code="MC-1", name="Máy chiếu",
        category="projector",
    )  # fmt: skip
    recompute(year=school_data.year, indicators=[indicators["facilities_managed"]])
    assert _stored("facilities_managed")["84"] == (D(2), D(3))


def test_recompute_of_a_subtree_touches_only_its_units(school_data, indicators):
    tree = school_data.tree
    summary = recompute(
        org=tree.commune1, year=school_data.year, indicators=[indicators["enrollment"]]
    )
    assert summary.units == 3  # the commune and its two schools
    assert set(_stored("enrollment")) == {"28432", "84000001", "84000002"}
    assert _stored("enrollment")["28432"] == (D(6), None)


def test_indicators_without_a_source_are_skipped(school_data, indicators):
    blank, _ = Indicator.objects.update_or_create(
        code="eservices_online",
        defaults={"name": "x", "name_en": "x", "definition": "x", "unit": "percent", "source": ""},
    )
    summary = recompute(year=school_data.year, indicators=[blank, indicators["enrollment"]])
    assert summary.indicators == 1
    assert not IndicatorValue.objects.filter(indicator=blank).exists()


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_compute_one_matches_the_stored_rollup(school_data, indicators, code):
    recompute(year=school_data.year, indicators=[indicators[code]])
    tree = school_data.tree
    for unit in (tree.province, tree.district1, tree.commune2, tree.school_a):
        assert compute_one(indicators[code], unit, school_data.year) == _stored(code)[unit.code]


def test_query_count_does_not_grow_with_the_number_of_schools(
    school_data, indicators, django_assert_max_num_queries
):
    additive = [i for code, i in indicators.items() if code != "curriculum_covered"]
    tree, year = school_data.tree, school_data.year
    with django_assert_max_num_queries(100) as small:
        recompute(year=year, indicators=additive)
    for n in range(15):
        make_school(f"8420{n:04d}", tree.commune2 if n % 2 else tree.commune1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        summary = recompute(year=year, indicators=additive)
    assert summary.units == len(SCHOOLS_UNDER) + 15


def test_a_closed_school_leaves_the_rollup(school_data, indicators):
    from datetime import timedelta

    from django.utils import timezone

    from hocso.orgs.services import orgunit_close

    tree, year = school_data.tree, school_data.year
    yesterday = timezone.localdate() - timedelta(days=1)
    orgunit_close(actor=None, unit=tree.school_b, valid_to=yesterday)
    summary = recompute(year=year, indicators=[indicators["enrollment"]])
    assert summary.units == len(SCHOOLS_UNDER) - 1
    assert _stored("enrollment")["28432"] == (D(4), None)
    assert compute_one(indicators["enrollment"], tree.commune1, year) == (D(4), None)


def test_a_school_closing_later_is_still_counted(school_data, indicators):
    from datetime import timedelta

    from django.utils import timezone

    from hocso.orgs.services import orgunit_close

    tree, year = school_data.tree, school_data.year
    orgunit_close(
        actor=None, unit=tree.school_b, valid_to=timezone.localdate() + timedelta(days=30)
    )
    recompute(year=year, indicators=[indicators["enrollment"]])
    assert _stored("enrollment")["28432"] == (D(6), None)
