"""Circular 27 rules for primary grades 1–5 (DOMAIN.md §2): levels, integer periodic scores and
which subjects have periodic tests when."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.assessment.rules import (
    END_OF_YEAR,
    END_TERM_1,
    MID_TERM_1,
    MID_TERM_2,
    PRIMARY_ASSESSMENT_POINT_NAMES,
    PRIMARY_ASSESSMENT_POINTS,
    PRIMARY_QUALITY_LEVELS,
    PRIMARY_QUESTION_LEVELS,
    PRIMARY_SUBJECT_LEVELS,
    AssessmentError,
    primary_periodic_score,
    primary_periodic_tests,
    primary_quality_level,
    primary_subject_level,
)

# --- levels -----------------------------------------------------------------------------------


def test_primary_level_names():
    assert PRIMARY_SUBJECT_LEVELS == {
        "T": "Hoàn thành tốt",
        "H": "Hoàn thành",
        "C": "Chưa hoàn thành",
    }
    assert PRIMARY_QUALITY_LEVELS == {"T": "Tốt", "Đ": "Đạt", "C": "Cần cố gắng"}
    assert list(PRIMARY_QUESTION_LEVELS) == [1, 2, 3]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("T", "T"),
        ("h", "H"),
        (" C ", "C"),
        ("Hoàn thành tốt", "T"),
        ("hoàn thành", "H"),
        ("CHƯA HOÀN THÀNH", "C"),
        ("HTT", "T"),
        ("CHT", "C"),
    ],
)
def test_primary_subject_level_from_code_or_name(value, code):
    assert primary_subject_level(value) == code


@pytest.mark.parametrize("value", ["Tốt", "Đạt", "A", "", "Hoàn thành xuất sắc", None, 1])
def test_primary_subject_level_rejects_other_values(value):
    with pytest.raises(AssessmentError) as excinfo:
        primary_subject_level(value)
    assert excinfo.value.code == "primary_level.invalid"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("T", "T"),
        ("Tốt", "T"),
        ("Đ", "Đ"),
        ("D", "Đ"),
        ("đạt", "Đ"),
        ("Cần cố gắng", "C"),
        ("c", "C"),
    ],
)
def test_primary_quality_level_from_code_or_name(value, code):
    assert primary_quality_level(value) == code


@pytest.mark.parametrize("value", ["Khá", "Hoàn thành", "H", "", None])
def test_primary_quality_level_rejects_other_values(value):
    with pytest.raises(AssessmentError) as excinfo:
        primary_quality_level(value)
    assert excinfo.value.code == "primary_quality.invalid"


# --- periodic test scores -----------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=10))
def test_primary_periodic_score_accepts_every_integer_from_one_to_ten(value):
    assert primary_periodic_score(value) == value
    assert primary_periodic_score(str(value)) == value
    assert primary_periodic_score(Decimal(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"), [("7", 7), (" 10 ", 10), (7.0, 7), (Decimal("7.0"), 7), ("7,0", 7)]
)
def test_primary_periodic_score_accepts_integral_values_written_with_a_decimal_part(
    value, expected
):
    result = primary_periodic_score(value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "primary_score.range"),
        ("0", "primary_score.range"),
        (11, "primary_score.range"),
        (-3, "primary_score.range"),
        (7.5, "primary_score.integer"),
        ("9,5", "primary_score.integer"),
        (Decimal("0.5"), "primary_score.integer"),
        ("abc", "primary_score.format"),
        (float("nan"), "primary_score.format"),
        (True, "primary_score.type"),
        (None, "primary_score.type"),
    ],
)
def test_primary_periodic_score_refuses_zero_decimals_and_out_of_range(value, code):
    with pytest.raises(AssessmentError) as excinfo:
        primary_periodic_score(value)
    assert excinfo.value.code == code


# --- when periodic tests happen -----------------------------------------------------------------

END_ONLY = (END_TERM_1, END_OF_YEAR)
FOUR = (MID_TERM_1, END_TERM_1, MID_TERM_2, END_OF_YEAR)

PERIODIC_TESTS = [
    # subject, grade, tests
    ("TV", 1, END_ONLY),
    ("TOAN", 1, END_ONLY),
    ("TV", 3, END_ONLY),
    ("TOAN", 3, END_ONLY),
    ("TV", 4, FOUR),
    ("TOAN", 4, FOUR),
    ("TV", 5, FOUR),
    ("TOAN", 5, FOUR),
    ("NN1", 1, ()),  # optional in grades 1–2
    ("NN1", 2, ()),
    ("NN1", 3, END_ONLY),
    ("NN1", 5, END_ONLY),  # only Tiếng Việt and Toán have mid-term tests
    ("TINCN", 2, ()),
    ("TINCN", 3, END_ONLY),
    ("TINCN", 5, END_ONLY),
    ("KH", 3, ()),
    ("KH", 4, END_ONLY),
    ("LSDL", 4, END_ONLY),
    ("LSDL", 5, END_ONLY),
    ("DD", 4, ()),
    ("TNXH", 2, ()),
    ("GDTC", 5, ()),
    ("AN", 5, ()),
    ("MT", 5, ()),
    ("HDTN", 5, ()),
]


@pytest.mark.parametrize(("subject", "grade", "tests"), PERIODIC_TESTS)
def test_primary_periodic_tests(subject, grade, tests):
    assert primary_periodic_tests(subject, grade) == tests


def test_assessment_points_are_in_year_order_and_named():
    assert PRIMARY_ASSESSMENT_POINTS == FOUR
    assert PRIMARY_ASSESSMENT_POINT_NAMES[END_TERM_1] == "Cuối học kì I"


@pytest.mark.parametrize(("subject", "grade"), [("TV", 0), ("TV", 6), ("TV", "4"), ("XYZ", 4)])
def test_primary_periodic_tests_reject_unknown_grades_and_subjects(subject, grade):
    with pytest.raises(AssessmentError) as excinfo:
        primary_periodic_tests(subject, grade)
    assert excinfo.value.code in {"grade.invalid", "subject.unknown"}
