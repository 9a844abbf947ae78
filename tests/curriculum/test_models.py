"""GradeSubject rules: regular assessments from periods, validation, database constraints."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hocso.curriculum.models import AssessmentMode, ElectiveGroup, GradeSubject, Subject
from hocso.curriculum.selectors import grade_subject_get, subjects_for_grade


@pytest.mark.parametrize(
    ("periods", "required"), [(1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (140, 4)]
)
def test_regular_assessments_required_follows_the_period_boundaries(periods, required):
    row = GradeSubject(grade=8, subject=Subject(code="X", name="X", assessment_mode="scored"))
    row.periods_per_year = periods

    assert row.regular_assessments_required == required


@pytest.mark.parametrize(
    ("grade", "code", "required"),
    [(6, "GDCD", 2), (8, "CN", 3), (10, "LS", 3), (9, "GDTC", 3), (7, "TOAN", 4), (12, "HDTN", 4)],
)
def test_seeded_subjects_require_regular_assessments_by_their_periods(
    seeded, grade, code, required
):
    assert grade_subject_get(grade, code).regular_assessments_required == required


def test_primary_subjects_have_no_regular_assessment_count(seeded):
    # Circular 27 assesses primary pupils regularly by comment, with no required count.
    assert {row.regular_assessments_required for row in subjects_for_grade(3)} == {None}


def test_grade_subject_get_accepts_a_lower_case_code(seeded):
    assert grade_subject_get(7, " khtn ").subject.name == "Khoa học tự nhiên"


def test_grade_subject_get_raises_for_a_subject_not_taught_in_that_grade(seeded):
    with pytest.raises(GradeSubject.DoesNotExist):
        grade_subject_get(6, "TV")


def test_subjects_for_grade_lists_in_display_order(seeded):
    codes = [row.subject.code for row in subjects_for_grade(10)]

    assert codes[:3] == ["NV", "TOAN", "NN1"]
    assert codes.index("LS") < codes.index("DL") < codes.index("GDTC")


def _valid_row(**overrides):
    """A row that would pass: Lịch sử is seeded in grades 10–12 only."""
    values = {
        "grade": 8,
        "subject": Subject.objects.get(code="LS"),
        "periods_per_year": 35,
    }
    values.update(overrides)
    return GradeSubject(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grade": 0}, "grade"),
        ({"grade": 13}, "grade"),
        ({"periods_per_year": 0}, "periods_per_year"),
        ({"assessment_mode": AssessmentMode.PRIMARY}, "assessment_mode"),
        ({"grade": 3, "assessment_mode": ""}, "assessment_mode"),
        ({"grade": 3, "assessment_mode": AssessmentMode.SCORED}, "assessment_mode"),
        ({"has_periodic_tests": True}, "has_periodic_tests"),
        ({"elective_group": ElectiveGroup.UPPER_SECONDARY}, "is_compulsory"),
        (
            {"grade": 4, "assessment_mode": "primary", "has_midterm_tests": True},
            "has_midterm_tests",
        ),
        ({"subject_code": "TV"}, "assessment_mode"),  # a primary-only subject in grade 8
    ],
)
def test_full_clean_names_the_field_at_fault(seeded, overrides, field):
    if "subject_code" in overrides:
        overrides = {"subject": Subject.objects.get(code=overrides.pop("subject_code"))}
    row = _valid_row(**overrides)

    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()

    assert field in excinfo.value.message_dict


def test_a_valid_new_row_passes_full_clean(seeded):
    _valid_row().full_clean()


def test_unique_grade_and_subject(seeded):
    toan = Subject.objects.get(code="TOAN")

    with pytest.raises(ValidationError):
        _valid_row(subject=toan).full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        _valid_row(subject=toan).save()


@pytest.mark.parametrize(
    "overrides",
    [
        {"grade": 13},
        {"grade": 0},
        {"periods_per_year": 0},
        {"assessment_mode": AssessmentMode.PRIMARY},
        {"grade": 2, "assessment_mode": ""},
        {"elective_group": ElectiveGroup.UPPER_SECONDARY, "is_compulsory": True},
        {"has_periodic_tests": True},
        {"grade": 4, "assessment_mode": "primary", "has_midterm_tests": True},
    ],
)
def test_database_refuses_rows_that_bypass_validation(seeded, overrides):
    row = _valid_row(**overrides)

    with transaction.atomic(), pytest.raises(IntegrityError):
        row.save()


@pytest.mark.parametrize("code", ["toan", "TOÁN", "TO-AN", ""])
def test_subject_code_must_be_short_upper_case_ascii(db, code):
    subject = Subject(code=code, name="Toán", assessment_mode=AssessmentMode.SCORED)

    with pytest.raises(ValidationError) as excinfo:
        subject.full_clean()

    assert "code" in excinfo.value.message_dict
