"""Data-quality checks (monitoring/quality.py): each with a case that triggers it and one that
does not, scoped to the unit's subtree."""

from datetime import date

from hocso.monitoring import quality
from hocso.orgs.models import SchoolType
from hocso.registry.models import Enrollment, EnrollmentEnd, EnrollmentStart, Gender
from hocso.registry.services import class_create

from ..factories import StudentFactory, make_school

ISSUE_KINDS = {
    "invalid_id",
    "same_id_two_schools",
    "class_over_max",
    "same_name_birth_two_schools",
    "class_over_norm",
    "over_age",
}


def enrol_many(school_class, n, **fields):
    """`n` learners studying in `school_class` from the start of its year (bulk, for size)."""
    students = StudentFactory.create_batch(n, school=school_class.school, **fields)
    Enrollment.objects.bulk_create(
        Enrollment(
            student=s,
            school=school_class.school,
            year=school_class.year,
            school_class=school_class,
            start_date=school_class.year.start_date,
            start_reason=EnrollmentStart.ADMISSION,
        )  # fmt: skip
        for s in students
    )
    return students


def issue(unit, year, kind):
    found = {i.kind: i for i in quality.quality_checks(unit, year)}
    assert set(found) == ISSUE_KINDS
    return found[kind]


# ---------------------------------------------------------------- national IDs


def test_learners_without_a_valid_id_are_listed_with_the_rule_they_break(school_data):
    tree, year, learners = school_data.tree, school_data.year, school_data.learners
    found = issue(tree.school_a, year, "invalid_id")
    # a3 has no ID, a5's 4th digit says female; a4 dropped out (not a learner of the year).
    assert found.count == 2
    by_label = {row.label: row for row in found.rows}
    assert set(by_label) == {learners.a3.full_name, learners.a5.full_name}
    assert "Chưa có số định danh" in by_label[learners.a3.full_name].detail
    assert "giới tính" in by_label[learners.a5.full_name].detail
    assert by_label[learners.a5.full_name].link == f"/students/{learners.a5.pk}/"


def test_a_school_whose_ids_are_all_valid_has_no_id_issue(school_data):
    found = issue(school_data.tree.school_b, school_data.year, "invalid_id")
    assert (found.count, found.rows) == (0, [])


# ---------------------------------------------------------------- two schools at once


def test_one_learner_with_stays_at_two_schools_is_listed(school_data):
    tree, year = school_data.tree, school_data.year
    a6, _a7, b1 = school_data.classes
    student = StudentFactory(school=tree.school_b)
    Enrollment.objects.create(
        student=student, school=tree.school_a, year=year, school_class=a6,
        start_date=year.start_date, start_reason=EnrollmentStart.ADMISSION,
        end_date=date(year.start_date.year, 12, 1), end_reason=EnrollmentEnd.YEAR_END,
    )  # fmt: skip
    Enrollment.objects.create(
        student=student, school=tree.school_b, year=year, school_class=b1,
        start_date=year.start_date, start_reason=EnrollmentStart.ADMISSION,
    )  # fmt: skip
    found = issue(tree.commune1, year, "same_id_two_schools")
    assert found.count == 1
    assert found.rows[0].link == f"/students/{student.pk}/"
    assert "Trường" in found.rows[0].school or ";" in found.rows[0].school
    # Seen from school B alone, the other stay is outside the subtree.
    assert issue(tree.school_b, year, "same_id_two_schools").count == 0


def test_a_transfer_is_not_two_schools_at_once(school_data):
    tree, year = school_data.tree, school_data.year
    a6, _a7, b1 = school_data.classes
    student = StudentFactory(school=tree.school_b)
    Enrollment.objects.create(
        student=student, school=tree.school_a, year=year, school_class=a6,
        start_date=year.start_date, start_reason=EnrollmentStart.ADMISSION,
        end_date=date(year.start_date.year, 12, 1), end_reason=EnrollmentEnd.TRANSFER_OUT,
    )  # fmt: skip
    Enrollment.objects.create(
        student=student, school=tree.school_b, year=year, school_class=b1,
        start_date=date(year.start_date.year, 12, 2), start_reason=EnrollmentStart.TRANSFER_IN,
    )  # fmt: skip
    assert issue(tree.province, year, "same_id_two_schools").count == 0


def test_two_records_with_the_same_name_and_birth_at_two_schools_are_listed(school_data):
    tree, year = school_data.tree, school_data.year
    a6, _a7, b1 = school_data.classes
    born = date(2014, 5, 2)
    enrol_many(a6, 1, full_name="Lê Thị Mai", search_name="le thi mai", date_of_birth=born,
               gender=Gender.FEMALE, national_id=None)  # fmt: skip
    enrol_many(b1, 1, full_name="LÊ THỊ MAI", search_name="le thi mai", date_of_birth=born,
               gender=Gender.FEMALE, national_id=None)  # fmt: skip
    found = issue(tree.province, year, "same_name_birth_two_schools")
    assert found.count == 1
    assert len(found.rows) == 2
    assert found.severity == "warning"


def test_same_name_rows_are_whole_groups_and_the_cut_is_said(school_data):
    """17 groups of three records (two at school A, one at school B): 51 rows, more than the
    50 shown. The rows stop after the 16th whole group and the issue says it is cut."""
    tree, year = school_data.tree, school_data.year
    a6, a7, b1 = school_data.classes
    for n in range(17):
        fields = {"full_name": f"Lê Thị Mai {n:02d}", "search_name": f"le thi mai {n:02d}",
                  "date_of_birth": date(2014, 5, 2), "national_id": None}  # fmt: skip
        for school_class in (a6, a7, b1):
            enrol_many(school_class, 1, **fields)
    found = issue(tree.province, year, "same_name_birth_two_schools")
    assert found.count == 17
    assert len(found.rows) == 48 and found.shown == found.shown_count == 16
    names = [row.label for row in found.rows]
    assert all(names.count(name) == 3 for name in names)  # no group cut in two
    assert found.truncated


def test_same_name_groups_that_fit_are_all_shown(school_data):
    tree, year = school_data.tree, school_data.year
    a6, _a7, b1 = school_data.classes
    for n in range(20):  # 20 groups, 40 rows: everything shown
        fields = {"full_name": f"Lê Thị Mai {n:02d}", "search_name": f"le thi mai {n:02d}",
                  "date_of_birth": date(2014, 5, 2), "national_id": None}  # fmt: skip
        enrol_many(a6, 1, **fields)
        enrol_many(b1, 1, **fields)
    found = issue(tree.province, year, "same_name_birth_two_schools")
    assert (found.count, len(found.rows), found.shown_count) == (20, 40, 20)
    assert not found.truncated


def test_same_name_with_another_birth_date_or_at_one_school_is_not_listed(school_data):
    tree, year = school_data.tree, school_data.year
    a6, a7, b1 = school_data.classes
    enrol_many(a6, 1, full_name="Lê Thị Mai", search_name="le thi mai",
               date_of_birth=date(2014, 5, 2), national_id=None)  # fmt: skip
    enrol_many(b1, 1, full_name="Lê Thị Mai", search_name="le thi mai",
               date_of_birth=date(2014, 5, 3), national_id=None)  # fmt: skip
    enrol_many(a7, 1, full_name="Lê Thị Mai", search_name="le thi mai",
               date_of_birth=date(2014, 5, 2), national_id=None)  # fmt: skip
    assert issue(tree.province, year, "same_name_birth_two_schools").count == 0


# ---------------------------------------------------------------- class sizes


def test_a_class_of_61_is_an_outlier_and_60_is_not(tree, year):
    big = class_create(actor=None, school=tree.school_c, year=year, grade=10, name="10A")
    full = class_create(actor=None, school=tree.school_c, year=year, grade=10, name="10B")
    enrol_many(big, 61)
    enrol_many(full, 60)
    over_max = issue(tree.province, year, "class_over_max")
    assert over_max.count == 1
    assert over_max.rows[0].link == f"/classes/{big.pk}/"
    assert "61" in over_max.rows[0].detail
    # 60 is above the secondary norm (45): a warning, not an outlier.
    over_norm = issue(tree.province, year, "class_over_norm")
    assert [r.link for r in over_norm.rows] == [f"/classes/{full.pk}/"]
    assert over_norm.severity == "warning"


def test_class_norms_depend_on_the_level(tree, year):
    primary_over = class_create(actor=None, school=tree.school_b, year=year, grade=2, name="2A")
    primary_ok = class_create(actor=None, school=tree.school_b, year=year, grade=2, name="2B")
    secondary_ok = class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6B")
    secondary_over = class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6C")
    enrol_many(primary_over, 36)
    enrol_many(primary_ok, 35)
    enrol_many(secondary_ok, 45)
    enrol_many(secondary_over, 46)
    found = issue(tree.province, year, "class_over_norm")
    assert found.count == 2
    assert {r.link for r in found.rows} == {
        f"/classes/{primary_over.pk}/",
        f"/classes/{secondary_over.pk}/",
    }
    assert issue(tree.province, year, "class_over_max").count == 0
    # Scoped: school B's class only from school B.
    assert issue(tree.school_b, year, "class_over_norm").count == 1


# ---------------------------------------------------------------- over-age learners


def test_learners_more_than_three_years_over_the_normal_age_are_listed(tree, year):
    start = year.start_date.year
    grade6 = class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6A")
    # Normal age in grade 6: 11; allowed up to 14 in the year the school year starts.
    (too_old,) = enrol_many(grade6, 1, date_of_birth=date(start - 15, 1, 1), national_id=None)
    enrol_many(grade6, 1, date_of_birth=date(start - 14, 12, 31), national_id=None)
    enrol_many(grade6, 1, date_of_birth=date(start - 11, 6, 1), national_id=None)
    found = issue(tree.province, year, "over_age")
    assert found.count == 1
    assert found.rows[0].link == f"/students/{too_old.pk}/"
    assert "15 tuổi" in found.rows[0].detail
    assert "3" in found.explanation and "Thông tư 28/2020" in found.explanation


def test_continuing_education_has_no_age_rule(tree, year):
    start = year.start_date.year
    centre = make_school("84000050", tree.commune2, SchoolType.CONTINUING)
    grade10 = class_create(actor=None, school=centre, year=year, grade=10, name="10A")
    enrol_many(grade10, 1, date_of_birth=date(start - 30, 1, 1), national_id=None)
    assert issue(tree.province, year, "over_age").count == 0


def test_a_clean_registry_has_every_check_at_zero(tree, year):
    grade1 = class_create(actor=None, school=tree.school_b, year=year, grade=1, name="1A")
    enrol_many(grade1, 3, date_of_birth=date(year.start_date.year - 6, 2, 1), national_id=None,
               gender=Gender.MALE)  # fmt: skip
    counts = {i.kind: i.count for i in quality.quality_checks(tree.province, year)}
    assert counts == dict.fromkeys(ISSUE_KINDS, 0) | {"invalid_id": 3}


def test_the_checks_cost_a_fixed_number_of_queries(school_data, django_assert_max_num_queries):
    tree, year = school_data.tree, school_data.year
    with django_assert_max_num_queries(12):
        quality.quality_checks(tree.province, year)
    a6 = school_data.classes[0]
    enrol_many(a6, 30, national_id=None)
    with django_assert_max_num_queries(12):
        quality.quality_checks(tree.province, year)
