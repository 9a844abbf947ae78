"""The per-school sources against the hand-counted registry of `school_data` (conftest.py)."""

from decimal import Decimal

import pytest

from hocso.monitoring.sources import SOURCES, Source

from .conftest import EXPECTED, add_learner

D = Decimal
SCHOOLS = ("84000001", "84000002", "84000003")


def _by_code(tree, pairs):
    codes = {u.pk: u.code for u in (tree.school_a, tree.school_b, tree.school_c)}
    return {codes[pk]: pair for pk, pair in pairs.items()}


def _expected(code, school):
    num, den = EXPECTED[code][school]
    return D(num), None if den is None else D(den)


def test_every_source_key_of_the_contract_is_registered():
    # learning_results is hand-counted in test_breakdowns.py.
    assert set(SOURCES) == set(EXPECTED) | {"curriculum_covered", "learning_results"}
    assert all(isinstance(s, Source) for s in SOURCES.values())
    assert not SOURCES["curriculum_covered"].additive
    assert SOURCES["curriculum_covered"].per_unit is not None
    assert all(s.additive and s.per_school for k, s in SOURCES.items() if k != "curriculum_covered")


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_per_school_counts_match_the_hand_count(school_data, code):
    got = _by_code(school_data.tree, SOURCES[code].per_school(school_data.year))
    for school in SCHOOLS:
        expected = _expected(code, school)
        # A school with nothing to count may be absent; it then counts as zero.
        zero = (D(0), None if expected[1] is None else D(0))
        assert got.get(school, zero) == expected, (code, school)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_under_limits_the_counts_to_a_subtree(school_data, code):
    tree = school_data.tree
    got = _by_code(tree, SOURCES[code].per_school(school_data.year, under=tree.commune2.path))
    assert set(got) <= {"84000003"}


@pytest.mark.parametrize(
    "code", [k for k, s in sorted(SOURCES.items()) if "gender" in s.breakdowns]
)
def test_gender_breakdown_sums_to_the_total(school_data, code):
    source = SOURCES[code]
    totals = source.per_school(school_data.year)
    parts = source.breakdowns["gender"](school_data.year)
    assert {key.split(":")[0] for _, key in parts} == {"gender"}
    for school, (num, den) in totals.items():
        mine = [pair for (pk, _), pair in parts.items() if pk == school]
        assert sum(p[0] for p in mine) == num
        if den is not None:
            assert sum(p[1] for p in mine) == den


def test_gender_breakdown_of_valid_ids_by_hand(school_data):
    parts = SOURCES["learners_valid_id"].breakdowns["gender"](school_data.year)
    a = school_data.tree.school_a.pk
    # A: males a1 (valid), a3 (no ID), a5 (invalid); female a2 (valid); a4 dropped out.
    assert parts[(a, "gender:M")] == (D(1), D(3))
    assert parts[(a, "gender:F")] == (D(1), D(1))


def test_school_level_breakdown_uses_the_school_type(school_data):
    parts = SOURCES["enrollment"].breakdowns["school_level"](school_data.year)
    tree = school_data.tree
    assert parts[(tree.school_a.pk, "school_level:lower_secondary")] == (D(4), None)
    assert parts[(tree.school_b.pk, "school_level:primary")] == (D(2), None)


def test_a_class_change_inside_the_school_counts_the_learner_once(school_data):
    from hocso.registry.services import student_change_class

    a6, a7, _ = school_data.classes
    learner = school_data.learners.a1
    student_change_class(
        actor=None, student=learner, to_class=a7, on=school_data.year.start_date.replace(day=20)
    )
    got = _by_code(school_data.tree, SOURCES["enrollment"].per_school(school_data.year))
    assert got["84000001"] == (D(4), None)


def test_only_general_education_grades_count_for_online_readiness(school_data, tree, year):
    from hocso.orgs.models import SchoolType
    from hocso.registry.services import class_create

    from ..factories import make_school

    kindergarten = make_school("84000009", tree.commune2, SchoolType.PRESCHOOL)
    nursery = class_create(actor=None, school=kindergarten, year=year, grade=0, name="Mầm 1")
    add_learner(nursery, start=year.start_date, national_id=None, internet_at_home=True,
                device_access="computer")  # fmt: skip
    got = SOURCES["learners_online_ready"].per_school(year)
    assert kindergarten.pk not in got
    assert SOURCES["enrollment"].per_school(year)[kindergarten.pk] == (D(1), None)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_a_source_runs_a_fixed_number_of_queries(school_data, tree, year, code):
    """The same number with 3 schools and with 13: grouped queries, never one per school (a
    school-attribute breakdown asked on its own runs the per-school queries and the units' one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import make_school

    source = SOURCES[code]

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            source.per_school(year)
            for breakdown in source.breakdowns.values():
                breakdown(year)
        return len(ctx.captured_queries)

    few = run()
    assert few <= 3 + 3 * len(source.breakdowns)
    for n in range(10):
        make_school(f"8410{n:04d}", tree.commune2)
    assert run() == few


def test_valid_id_condition_agrees_with_the_registry_rules(tree, year):
    """The SQL check of learners_valid_id against registry.rules.citizen_id_problems on IDs that
    vary the province code, the century/gender digit, the gender, the birth year and its yy."""
    from datetime import date
    from itertools import product

    from hocso.core.text import fold
    from hocso.monitoring.sources import _id_alias, _valid_id_condition, learner_stays
    from hocso.registry.models import Enrollment, Student
    from hocso.registry.rules import citizen_id_problems
    from hocso.registry.services import class_create

    school_class = class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6Z")
    births = [None, date(2012, 3, 14), date(1999, 1, 1), date(2105, 5, 5)]
    students = []
    combos = product(["084", "003"], range(10), ["M", "F"], births, ["12", "99", "05"])
    for n, (province, digit, gender, born, yy) in enumerate(combos):
        students.append(
            Student(
                school=tree.school_a, full_name=f"Học sinh {n}", search_name=fold(f"hoc sinh {n}"),
                gender=gender, date_of_birth=born, national_id=f"{province}{digit}{yy}{n:06d}",
            )
        )  # fmt: skip
    Student.objects.bulk_create(students)
    students = list(Student.objects.filter(school=tree.school_a))
    Enrollment.objects.bulk_create(
        Enrollment(
            student=s,
            school=tree.school_a,
            year=year,
            school_class=school_class,
            start_date=year.start_date,
            start_reason="admission",
        )  # fmt: skip
        for s in students
    )
    valid_in_sql = set(
        _id_alias(learner_stays(year))
        .filter(_valid_id_condition())
        .values_list("student_id", flat=True)
    )
    expected = {
        s.pk
        for s in students
        if not citizen_id_problems(
            s.national_id,
            gender=s.gender,
            birth_year=s.date_of_birth.year if s.date_of_birth else None,
        )
    }
    assert expected  # the sample has valid IDs …
    assert len(expected) < len(students)  # … and invalid ones
    assert valid_in_sql == expected
