"""The catalog's disaggregations (issue 7): school level, ownership, urban/rural, gender,
ethnicity, and the learning-result distribution — on the hand-counted `school_data` fixture.

On top of `school_data` (conftest.py): commune 28432 (Phường 1) is urban, commune 29161 rural;
school B (84000002) is private and itself rural (its own area wins over its commune's).
Ethnicity: a1, a5 Kinh ("01", the factory's), a2, a3 Khmer ("05"); b1, b2 Kinh.
Year learning results (school A, grades 6–7): a1 Tốt, a2 Khá, a3 Chưa đạt, a5 none decided yet
(level NULL) but Đạt for term 1 (not the year); b1 (grade 1) Tốt — primary, not counted.
So learning_results at A = 2 / 3: good 1, fair 1, pass 0, fail 1 (each over 3).
"""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.assessment.models import LearningResult, Level, Period
from hocso.monitoring import compute
from hocso.monitoring.dashboard import breakdown_label
from hocso.monitoring.models import Indicator, IndicatorValue
from hocso.monitoring.sources import (
    SCHOOL_ATTRIBUTES,
    SOURCES,
    attribute_units,
    school_attributes,
)
from hocso.monitoring.suppression import learners_behind
from hocso.orgs.models import Area, OrgUnit, Ownership
from hocso.registry.services import class_create

from ..factories import make_school, make_unit
from .conftest import add_learner

D = Decimal
m0004 = importlib.import_module("hocso.monitoring.migrations.0004_learning_results_breakdowns")

ADDITIVE = sorted(k for k, s in SOURCES.items() if s.additive)
LEARNER_SOURCES = [k for k in ADDITIVE if "gender" in SOURCES[k].breakdowns]


def _result(learner, school_class, level, term=Period.YEAR):
    return LearningResult.objects.create(
        school=school_class.school, year=school_class.year, term=term, student=learner,
        school_class=school_class, level=level,
    )  # fmt: skip


@pytest.fixture
def data(school_data):
    tree = school_data.tree
    OrgUnit.objects.filter(pk=tree.commune1.pk).update(area=Area.URBAN)
    OrgUnit.objects.filter(pk=tree.commune2.pk).update(area=Area.RURAL)
    OrgUnit.objects.filter(pk=tree.school_b.pk).update(ownership=Ownership.PRIVATE, area=Area.RURAL)
    a6, a7, b1c = school_data.classes
    learners = school_data.learners
    _result(learners.a1, a6, Level.GOOD)
    _result(learners.a2, a6, Level.FAIR)
    _result(learners.a3, a7, Level.FAIL)
    _result(learners.a5, a7, None)
    _result(learners.a5, a7, Level.PASS, term=Period.FIRST)
    _result(learners.b1, b1c, Level.GOOD)
    return school_data


def _stored(code, unit, year):
    rows = IndicatorValue.objects.filter(indicator__code=code, org_unit=unit, year=year)
    return {row.breakdown: (row.numerator, row.denominator) for row in rows}


# ---------------------------------------------------------------- every breakdown adds up


@pytest.mark.parametrize(
    ("code", "name"),
    [(code, name) for code in ADDITIVE for name in SOURCES[code].breakdowns if name != "result"],
)
def test_each_breakdowns_parts_sum_to_the_schools_whole(data, code, name):
    source = SOURCES[code]
    totals = source.per_school(data.year)
    parts = source.breakdowns[name](data.year)
    assert {key.partition(":")[0] for _school, key in parts} <= {name}
    for school, (num, den) in totals.items():
        mine = [pair for (pk, _key), pair in parts.items() if pk == school]
        assert sum((p[0] for p in mine), D(0)) == num, (code, name, school)
        if den is not None:
            assert sum((p[1] for p in mine), D(0)) == den, (code, name, school)


def test_every_additive_source_breaks_down_by_the_school_attributes():
    for code in ADDITIVE:
        assert set(SCHOOL_ATTRIBUTES) <= set(SOURCES[code].breakdowns), code
    for code in LEARNER_SOURCES:
        assert "ethnicity" in SOURCES[code].breakdowns, code
    assert "ethnicity" in SOURCES["enrollment"].breakdowns
    assert not SOURCES["curriculum_covered"].breakdowns


def test_stored_breakdowns_sum_to_the_stored_total_at_every_unit(data):
    compute.recompute(year=data.year)
    tree = data.tree
    for code in ("enrollment", "khmer_share", "teachers_with_record", "facilities_managed"):
        for unit in (tree.school_a, tree.commune1, tree.province):
            rows = _stored(code, unit, data.year)
            num, den = rows[""]
            for name in ("school_level", "ownership", "area", "gender", "ethnicity"):
                parts = [pair for key, pair in rows.items() if key.startswith(f"{name}:")]
                if name in ("gender", "ethnicity") and code.startswith(("teachers", "facil")):
                    assert not parts
                    continue
                assert sum(p[0] for p in parts) == num, (code, unit.code, name)
                if den is not None:
                    assert sum(p[1] for p in parts) == den, (code, unit.code, name)


# ---------------------------------------------------------------- by hand


def test_ownership_files_each_school_under_public_or_private(data):
    compute.recompute(year=data.year, indicators=[Indicator.objects.get(code="enrollment")])
    province = _stored("enrollment", data.tree.province, data.year)
    assert province["ownership:public"] == (D(4), None)  # school A
    assert province["ownership:private"] == (D(2), None)  # school B
    assert "ownership:private" not in _stored("enrollment", data.tree.school_a, data.year)


def test_area_is_the_schools_own_else_inherited_from_the_commune(data):
    tree = data.tree
    attributes = school_attributes(attribute_units())
    assert attributes[tree.school_a.pk]["area"] == "urban"  # Phường 1's
    assert attributes[tree.school_b.pk]["area"] == "rural"  # its own
    assert attributes[tree.school_c.pk]["area"] == "rural"  # Xã Phước Hưng's
    assert attributes[tree.school_b.pk]["ownership"] == "private"
    assert attributes[tree.school_a.pk]["school_level"] == "lower_secondary"
    # Under a subtree the ancestors above it still pass their area down.
    only_a = school_attributes(attribute_units(tree.school_a.path))
    assert set(only_a) == {tree.school_a.pk}
    assert only_a[tree.school_a.pk]["area"] == "urban"


def test_area_from_a_higher_ancestor_and_unknown_without_any(data):
    tree = data.tree
    OrgUnit.objects.filter(pk=tree.commune2.pk).update(area="")
    OrgUnit.objects.filter(pk=tree.district2.pk).update(area=Area.URBAN)
    attributes = school_attributes(attribute_units())
    assert attributes[tree.school_c.pk]["area"] == "urban"
    OrgUnit.objects.filter(pk=tree.district2.pk).update(area="")
    assert school_attributes(attribute_units())[tree.school_c.pk]["area"] == "unknown"


def test_area_breakdown_of_a_subtree_recompute_uses_the_communes_area(data):
    """Recomputing only school A (org=school) still files it under its commune's area."""
    enrollment = Indicator.objects.get(code="enrollment")
    compute.recompute(org=data.tree.school_a, year=data.year, indicators=[enrollment])
    assert _stored("enrollment", data.tree.school_a, data.year)["area:urban"] == (D(4), None)


def test_area_rows_by_hand_up_the_tree(data):
    compute.recompute(year=data.year, indicators=[Indicator.objects.get(code="enrollment")])
    tree = data.tree
    commune1 = _stored("enrollment", tree.commune1, data.year)
    assert commune1["area:urban"] == (D(4), None)  # A
    assert commune1["area:rural"] == (D(2), None)  # B, rural of its own
    province = _stored("enrollment", tree.province, data.year)
    assert province["area:urban"] == (D(4), None)
    assert province["area:rural"] == (D(2), None)


def test_ethnicity_groups_kinh_khmer_and_other_by_hand(data):
    tree = data.tree
    # An Hoa learner ("04") at school B counts as "other".
    add_learner(data.classes[2], start=data.year.start_date, ethnicity="04")
    parts = SOURCES["enrollment"].breakdowns["ethnicity"](data.year)
    a, b = tree.school_a.pk, tree.school_b.pk
    assert parts[(a, "ethnicity:kinh")] == (D(2), None)
    assert parts[(a, "ethnicity:khmer")] == (D(2), None)
    assert parts[(b, "ethnicity:kinh")] == (D(2), None)
    assert parts[(b, "ethnicity:other")] == (D(1), None)
    assert (b, "ethnicity:khmer") not in parts
    valid = SOURCES["learners_valid_id"].breakdowns["ethnicity"](data.year)
    # A: Kinh a1 (valid), a5 (invalid); Khmer a2 (valid), a3 (no ID).
    assert valid[(a, "ethnicity:kinh")] == (D(1), D(2))
    assert valid[(a, "ethnicity:khmer")] == (D(1), D(2))


def test_learning_results_by_hand(data):
    tree = data.tree
    assert SOURCES["learning_results"].per_school(data.year) == {tree.school_a.pk: (D(2), D(3))}
    compute.recompute(year=data.year, indicators=[Indicator.objects.get(code="learning_results")])
    for unit in (tree.school_a, tree.commune1, tree.province):
        rows = _stored("learning_results", unit, data.year)
        assert rows[""] == (D(2), D(3)), unit.code
        assert rows["result:good"] == (D(1), D(3))
        assert rows["result:fair"] == (D(1), D(3))
        assert rows["result:fail"] == (D(1), D(3))
        assert "result:pass" not in rows  # a5's Đạt is for term 1 only
        assert rows["ownership:public"] == (D(2), D(3))
        assert rows["area:urban"] == (D(2), D(3))
    assert _stored("learning_results", tree.school_b, data.year)[""] == (D(0), D(0))
    assert compute.value_of(D(2), D(3), "percent") == D("66.67")


def test_the_result_distribution_adds_up_to_the_learners_with_a_result(data):
    parts = SOURCES["learning_results"].breakdowns["result"](data.year)
    totals = SOURCES["learning_results"].per_school(data.year)
    for school, (num, den) in totals.items():
        mine = {key: pair for (pk, key), pair in parts.items() if pk == school}
        assert sum(p[0] for p in mine.values()) == den
        passing = ("result:good", "result:fair", "result:pass")
        assert sum(p[0] for k, p in mine.items() if k in passing) == num
        assert {p[1] for p in mine.values()} == {den}


def test_incremental_recompute_of_a_school_matches_a_full_recompute(data):
    compute.recompute(year=data.year)
    tree = data.tree
    c10 = class_create(actor=None, school=tree.school_c, year=data.year, grade=10, name="10A")
    learner = add_learner(c10, start=data.year.start_date, ethnicity="05")
    _result(learner, c10, Level.PASS)
    compute.recompute_school(tree.school_c, data.year)
    incremental = {
        (r.indicator_id, r.org_unit_id, r.breakdown): (r.numerator, r.denominator)
        for r in IndicatorValue.objects.filter(year=data.year)
    }
    compute.recompute(year=data.year)
    full = {
        (r.indicator_id, r.org_unit_id, r.breakdown): (r.numerator, r.denominator)
        for r in IndicatorValue.objects.filter(year=data.year)
    }
    assert incremental == full
    assert _stored("learning_results", tree.commune2, data.year)["area:rural"] == (D(1), D(1))


def _recompute_queries(year) -> int:
    indicators = list(Indicator.objects.filter(code__in=["enrollment", "learning_results"]))
    with CaptureQueriesContext(connection) as ctx:
        compute.recompute(year=year, indicators=indicators)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_schools(data):
    before = _recompute_queries(data.year)
    commune = make_unit("29999", "Phường 9", "commune", data.tree.district2)
    OrgUnit.objects.filter(pk=commune.pk).update(area=Area.URBAN)
    for n in range(4):
        school = make_school(f"8400009{n}", commune)
        OrgUnit.objects.filter(pk=school.pk).update(ownership=Ownership.PRIVATE)
        cls = class_create(actor=None, school=school, year=data.year, grade=8, name="8A")
        _result(add_learner(cls, start=data.year.start_date, ethnicity="05"), cls, Level.FAIR)
    assert _recompute_queries(data.year) == before
    province = _stored("learning_results", data.tree.province, data.year)
    assert province[""] == (D(6), D(7))
    assert province["ownership:private"] == (D(4), D(4))


# ---------------------------------------------------------------- catalog, labels, suppression


@pytest.mark.django_db
def test_the_catalog_seeds_learning_results_and_the_new_disaggregations():
    indicator = Indicator.objects.get(code="learning_results")
    assert (indicator.unit, indicator.source, indicator.in_plan) == (
        "percent",
        "learning_results",
        False,
    )
    assert not indicator.targets.exists()
    assert indicator.disaggregations == ["result", "school_level", "ownership", "area"]
    enrollment = Indicator.objects.get(code="enrollment")
    assert set(enrollment.disaggregations) == {
        "school_level", "ownership", "area", "gender", "ethnicity",
    }  # fmt: skip
    for row in Indicator.objects.exclude(source=""):
        assert set(row.disaggregations) == set(SOURCES[row.source].breakdowns), row.code


@pytest.mark.django_db
def test_the_0004_migration_reverses_and_applies_again():
    before = dict(Indicator.objects.values_list("code", "disaggregations"))
    m0004.backwards(global_apps, None)
    assert not Indicator.objects.filter(code="learning_results").exists()
    assert Indicator.objects.get(code="enrollment").disaggregations == ["school_level", "gender"]
    m0004.forwards(global_apps, None)
    m0004.forwards(global_apps, None)  # idempotent
    assert dict(Indicator.objects.values_list("code", "disaggregations")) == before


@pytest.mark.parametrize(
    ("key", "group", "label"),
    [
        ("area:urban", "area", "Thành thị"),
        ("area:rural", "area", "Nông thôn"),
        ("ownership:public", "ownership", "Công lập"),
        ("ownership:private", "ownership", "Ngoài công lập"),
        ("ethnicity:kinh", "ethnicity", "Kinh"),
        ("ethnicity:khmer", "ethnicity", "Khmer"),
        ("ethnicity:other", "ethnicity", "Dân tộc khác"),
        ("result:good", "result", "Tốt"),
        ("result:fair", "result", "Khá"),
        ("result:pass", "result", "Đạt"),
        ("result:fail", "result", "Chưa đạt"),
    ],
)
def test_the_indicator_page_labels_the_new_breakdowns_in_vietnamese(key, group, label):
    assert breakdown_label(key) == (group, label)


def test_learning_results_suppress_on_the_learners_with_a_result():
    assert learners_behind("learning_results", D(1), D(3)) == 3  # not min(1, 3)
    assert learners_behind("learning_results", D(0), D(3)) == 3


def test_breakdown_values_sort_in_their_listed_order_not_alphabetically():
    from hocso.monitoring.dashboard import breakdown_order

    keys = ["result:pass", "result:fail", "result:good", "result:fair", "gender:F"]
    assert sorted(keys, key=breakdown_order) == [
        "gender:F", "result:good", "result:fair", "result:pass", "result:fail",
    ]  # fmt: skip


def test_report_pages_label_every_breakdown_like_the_dashboard():
    from hocso.monitoring.views_reports import _breakdown_label

    assert _breakdown_label("area:urban") == "Thành thị"
    assert _breakdown_label("ethnicity:khmer") == "Khmer"
    assert _breakdown_label("gender:F") == "Nữ"
