"""The forecast's reads (monitoring/forecast.py): enrolment history by year and grade, births
(with a merged province's predecessors) and today's teachers of a level.

`history_data` over the global `tree` (84 → 842 → 28432 Phường 1 → A THCS, B Tiểu học; 84 → 847
→ 29161 → C THPT) adds school D (Tiểu học, 29161) and three school years:

    school B (commune 28432)     2023-2024          2024-2025                 2025-2026 (open)
      grade 1                    3 (year end)       4 (year end)              2 studying
      grade 2                    2 (year end)       3 (one of them changed    3 studying
                                 + 1 transferred    class 2A → 2B: counted    + 1 open stay of a
                                 out (not counted)  once)                     drop-out (not counted)
    school A (THCS)              —                  grade 6: 2 (year end)     grade 6: 2 studying
    school D (commune 29161)     —                  —                         grade 1: 5 studying

Commune 28432, primary: {2023: g1 3, g2 2; 2024: g1 4, g2 3; 2025: g1 2, g2 3}; the province
adds D's 5 learners of grade 1 in 2025.
"""

from datetime import timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest

from hocso.monitoring import forecast as fc
from hocso.monitoring.models import BirthCohort
from hocso.monitoring.sources import SOURCES
from hocso.orgs.models import OrgKind, SchoolType
from hocso.orgs.services import orgunit_close, orgunit_create, orgunit_move
from hocso.registry.models import Enrollment, EnrollmentEnd, EnrollmentStart, StudentStatus
from hocso.registry.services import class_create

from ..factories import StaffFactory, StudentFactory, make_school, make_year

YEAR_END = EnrollmentEnd.YEAR_END


def _stay(school_class, *, end_reason="", status=StudentStatus.STUDYING, student=None):
    """One enrollment row in the class's year: open when `end_reason` is blank."""
    year = school_class.year
    student = student or StudentFactory(school=school_class.school, status=status)
    return Enrollment.objects.create(
        student=student,
        school=school_class.school,
        year=year,
        school_class=school_class,
        start_date=year.start_date,
        start_reason=EnrollmentStart.ADMISSION,
        end_date=year.end_date - timedelta(days=1) if end_reason else None,
        end_reason=end_reason,
    )


def _many(school_class, n, **kwargs):
    for _ in range(n):
        _stay(school_class, **kwargs)


def build_history(tree, year) -> SimpleNamespace:
    """The data of the module docstring (also used by test_forecast_view.py)."""
    y23, y24, y25 = make_year("2023-2024"), make_year("2024-2025"), year
    a, b = tree.school_a, tree.school_b
    d = make_school("84000004", tree.commune2, SchoolType.PRIMARY, "Tiểu học Phước Hưng")

    def cls(school, yr, grade, name):
        return class_create(actor=None, school=school, year=yr, grade=grade, name=name)

    _many(cls(b, y23, 1, "1A"), 3, end_reason=YEAR_END)
    b23_2 = cls(b, y23, 2, "2A")
    _many(b23_2, 2, end_reason=YEAR_END)
    _stay(b23_2, end_reason=EnrollmentEnd.TRANSFER_OUT)

    _many(cls(b, y24, 1, "1A"), 4, end_reason=YEAR_END)
    b24_2a, b24_2b = cls(b, y24, 2, "2A"), cls(b, y24, 2, "2B")
    _many(b24_2a, 2, end_reason=YEAR_END)
    mover = _stay(b24_2a, end_reason=EnrollmentEnd.CLASS_CHANGE).student
    _stay(b24_2b, end_reason=YEAR_END, student=mover)
    _many(cls(a, y24, 6, "6A"), 2, end_reason=YEAR_END)

    _many(cls(b, y25, 1, "1A"), 2)
    b25_2 = cls(b, y25, 2, "2A")
    _many(b25_2, 3)
    _stay(b25_2, status=StudentStatus.DROPPED_OUT)
    _many(cls(a, y25, 6, "6A"), 2)
    _many(cls(d, y25, 1, "1A"), 5)
    return SimpleNamespace(tree=tree, years=(y23, y24, y25), school_d=d)


@pytest.fixture
def history_data(tree, year):
    return build_history(tree, year)


def _zeros(grades):
    return dict.fromkeys(grades, 0)


def test_history_counts_learners_of_each_year_by_grade_in_the_subtree(history_data):
    tree = history_data.tree
    expected = {
        2023: {**_zeros(range(1, 6)), 1: 3, 2: 2},
        2024: {**_zeros(range(1, 6)), 1: 4, 2: 3},
        2025: {**_zeros(range(1, 6)), 1: 2, 2: 3},
    }
    assert fc.enrollment_history(tree.commune1, fc.PRIMARY) == expected
    province = fc.enrollment_history(tree.province, fc.PRIMARY)
    assert province[2025][1] == 7
    assert province[2023] == expected[2023]


def test_history_keeps_only_the_levels_grades(history_data):
    tree = history_data.tree
    assert fc.enrollment_history(tree.commune1, fc.LOWER_SECONDARY) == {
        2024: {6: 2, 7: 0, 8: 0, 9: 0},
        2025: {6: 2, 7: 0, 8: 0, 9: 0},
    }
    assert fc.enrollment_history(tree.commune1, fc.UPPER_SECONDARY) == {}


def test_history_counts_learners_as_the_enrollment_source_does(history_data):
    """Per year, the school's learners by grade add up to the `enrollment` indicator's count."""
    school = history_data.tree.school_b
    history = fc.enrollment_history(school, fc.PRIMARY)
    for year in history_data.years:
        counted = SOURCES["enrollment"].per_school(year, under=school.path)[school.pk][0]
        assert sum(history[int(year.code[:4])].values()) == counted


def test_history_is_one_query_whatever_the_number_of_years(history_data, django_assert_num_queries):
    with django_assert_num_queries(1):
        fc.enrollment_history(history_data.tree.province, fc.PRIMARY)


# ---------------------------------------------------------------- births


def _born(unit, year, n):
    BirthCohort.objects.create(org_unit=unit, year=year, births=n)


def test_births_sum_the_communes_of_the_subtree(tree):
    _born(tree.commune1, 2019, 50)
    _born(tree.commune2, 2019, 30)
    assert fc.births(tree.province) == {2019: 80}
    assert fc.births(tree.district1) == {2019: 50}
    assert fc.births(tree.school_a) == {}


def test_a_units_own_row_wins_over_its_communes(tree):
    _born(tree.province, 2020, 200)
    _born(tree.commune1, 2020, 70)
    _born(tree.commune1, 2021, 75)
    assert fc.births(tree.province) == {2020: 200, 2021: 75}
    assert fc.births(tree.commune1) == {2020: 70, 2021: 75}


def test_a_merged_province_takes_its_predecessors_births(tree):
    """The reform as the demo records it: 86 opens, 84 and its districts close with 86 as their
    successor, the communes move under 86."""
    from datetime import date

    reform = date(2025, 7, 1)
    merged = orgunit_create(
        actor=None, code="86", name="Tỉnh Vĩnh Long", kind=OrgKind.PROVINCE, valid_from=reform
    )
    for old in (tree.province, tree.district1, tree.district2):
        orgunit_close(
            actor=None, unit=old, valid_to=reform - timedelta(days=1), successors=[merged]
        )
    for commune in (tree.commune1, tree.commune2):
        orgunit_move(actor=None, unit=commune, new_parent=merged, effective_on=reform)
    tree.province.refresh_from_db()
    merged.refresh_from_db()

    _born(tree.province, 2015, 300)  # the old province's statistics
    _born(tree.district1, 2015, 100)  # inside 84: not added to it
    _born(tree.district1, 2016, 40)  # only a district row that year: counted through 84
    _born(tree.commune1, 2019, 50)  # communes now under 86
    _born(tree.commune2, 2019, 30)
    _born(merged, 2024, 999)
    _born(tree.commune1, 2024, 5)  # 86's own row wins
    assert fc.births(merged) == {2015: 300, 2016: 40, 2019: 80, 2024: 999}


# ---------------------------------------------------------------- teachers


def test_teachers_of_a_level_share_out_multi_level_schools_by_classes(tree, year):
    multi = make_school("84000009", tree.commune2, SchoolType.MULTI_LEVEL, "Liên cấp Hưng")
    StaffFactory(school=tree.school_a, position="teacher")
    StaffFactory(school=tree.school_a, position="teacher")
    StaffFactory(school=tree.school_a, position="principal")  # not a teacher post
    StaffFactory(school=tree.school_a, position="teacher", is_active=False)
    StaffFactory(school=tree.school_b, position="teacher")
    for _ in range(4):
        StaffFactory(school=multi, position="teacher")
    class_create(actor=None, school=multi, year=year, grade=1, name="1A")
    for name in ("6A", "6B", "7A"):
        class_create(actor=None, school=multi, year=year, grade=int(name[0]), name=name)

    assert fc.teachers_of_level(tree.province, fc.PRIMARY, year) == 1 + Fraction(4, 4)
    assert fc.teachers_of_level(tree.province, fc.LOWER_SECONDARY, year) == 2 + Fraction(12, 4)
    assert fc.teachers_of_level(tree.province, fc.UPPER_SECONDARY, year) == 0
    assert fc.teachers_of_level(tree.commune1, fc.LOWER_SECONDARY, year) == 2


# ---------------------------------------------------------------- one unit


def test_unit_forecast_projects_from_the_history(history_data):
    result = fc.unit_forecast(history_data.tree.commune1, fc.PRIMARY)
    assert result.enough
    assert result.projection.years == [2026, 2027, 2028, 2029, 2030]
    # GPR(1) = (3 + 3) / (3 + 4) = 6/7: 2026 grade 2 = 2 × 6/7 = 1.71 → 2
    assert result.projection.ratios[1].value == Fraction(6, 7)
    assert result.projection.enrolment[2026][2] == 2
    assert [row.year for row in result.backtest.years] == [2025]
    assert set(result.demand) == {2025, 2026, 2027, 2028, 2029, 2030}


def test_unit_forecast_needs_two_years_of_the_level(history_data):
    result = fc.unit_forecast(history_data.school_d, fc.PRIMARY)
    assert not result.enough
    assert result.projection is None and result.demand == {}


def test_a_level_forecast_keeps_only_the_years_with_learners_of_the_level(history_data):
    """2023-2024 has primary learners but no THCS class: it does not start or feed the THCS
    forecast. Grade 5 is empty in the years kept, so grade 6 follows its trend (2, 2: flat)."""
    result = fc.unit_forecast(history_data.tree.commune1, fc.LOWER_SECONDARY)
    assert list(result.history) == [2024, 2025]
    assert result.projection.ratios[5].value is None
    assert result.projection.enrolment[2026][6] == 2
    assert result.projection.methods[2026][6] == fc.TREND
