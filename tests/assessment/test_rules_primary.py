"""Circular 27 rules for primary grades 1–5 (DOMAIN.md §2): levels, integer periodic scores and
which subjects have periodic tests when."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.assessment.rules import (
    AWARD_PRIMARY_EXCELLENT,
    AWARD_PRIMARY_OUTSTANDING,
    END_OF_YEAR,
    END_TERM_1,
    MID_TERM_1,
    MID_TERM_2,
    PRIMARY_ASSESSMENT_POINT_NAMES,
    PRIMARY_ASSESSMENT_POINTS,
    PRIMARY_COMPETENCES,
    PRIMARY_QUALITIES,
    PRIMARY_QUALITY_LEVELS,
    PRIMARY_QUESTION_LEVELS,
    PRIMARY_SUBJECT_LEVELS,
    PRIMARY_TRAITS,
    RESULT_COMPLETED,
    RESULT_EXCELLENT,
    RESULT_GOOD,
    RESULT_NOT_COMPLETED,
    AssessmentError,
    primary_award,
    primary_periodic_score,
    primary_periodic_tests,
    primary_promotion,
    primary_quality_level,
    primary_subject_level,
    primary_traits_for_grade,
    primary_year_result,
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


# --- qualities, competences and the year's result (Điều 14, Điều 15) ------------------------


def test_five_qualities_and_ten_competences_with_ascii_codes():
    assert list(PRIMARY_QUALITIES.values()) == [
        "Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm",
    ]  # fmt: skip
    assert list(PRIMARY_COMPETENCES.values()) == [
        "Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo",
        "Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ", "Thể chất",
    ]  # fmt: skip
    assert len(PRIMARY_TRAITS) == 15
    assert all(code.isascii() and code == code.lower() for code in PRIMARY_TRAITS)


def test_grades_one_and_two_are_not_assessed_in_technology_and_informatics():
    assert "tin_hoc" not in primary_traits_for_grade(1)
    assert "cong_nghe" not in primary_traits_for_grade(2)
    assert primary_traits_for_grade(3) == tuple(PRIMARY_TRAITS)
    with pytest.raises(AssessmentError):
        primary_traits_for_grade(6)


SUBJECTS_T = {"TV": "T", "TOAN": "T", "DD": "T", "GDTC": "T"}
TRAITS_T = dict.fromkeys(PRIMARY_TRAITS, "T")


def _tests(tv=10, toan=10):
    return {"TV": tv, "TOAN": toan}


@pytest.mark.parametrize(
    ("lowest", "result"),
    [
        (10, RESULT_EXCELLENT),
        (9, RESULT_EXCELLENT),
        (8, RESULT_GOOD),
        (7, RESULT_GOOD),
        (6, RESULT_COMPLETED),
        (5, RESULT_COMPLETED),
        (4, RESULT_NOT_COMPLETED),
        (1, RESULT_NOT_COMPLETED),
    ],
)
def test_year_result_by_the_lowest_end_of_year_test(lowest, result):
    assert primary_year_result(SUBJECTS_T, TRAITS_T, _tests(toan=lowest)) == result


def test_one_subject_completed_among_completed_well_is_completed():
    subjects = {**SUBJECTS_T, "DD": "H"}
    assert primary_year_result(subjects, TRAITS_T, _tests()) == RESULT_COMPLETED


def test_one_quality_passed_among_good_is_completed():
    traits = {**TRAITS_T, "trung_thuc": "Đ"}
    assert primary_year_result(SUBJECTS_T, traits, _tests()) == RESULT_COMPLETED
    assert primary_year_result(SUBJECTS_T, {**TRAITS_T, "the_chat": "Đạt"}, _tests()) == (
        RESULT_COMPLETED
    )


def test_one_quality_needing_effort_is_not_completed():
    traits = {**TRAITS_T, "cham_chi": "C"}
    assert primary_year_result(SUBJECTS_T, traits, _tests()) == RESULT_NOT_COMPLETED
    traits = {**TRAITS_T, "ngon_ngu": "Cần cố gắng"}
    assert primary_year_result(SUBJECTS_T, traits, _tests()) == RESULT_NOT_COMPLETED


def test_one_subject_not_completed_is_not_completed():
    subjects = {**SUBJECTS_T, "GDTC": "C"}
    assert primary_year_result(subjects, TRAITS_T, _tests()) == RESULT_NOT_COMPLETED


def test_levels_given_by_name_and_tests_as_text_rate_the_same():
    subjects = {"TV": "Hoàn thành tốt", "TOAN": "HTT"}
    traits = {"yeu_nuoc": "Tốt"}
    assert primary_year_result(subjects, traits, {"TV": "9", "TOAN": 9.0}) == RESULT_EXCELLENT


def test_subjects_without_periodic_tests_rate_on_levels_alone():
    assert primary_year_result({"DD": "T"}, {"nhan_ai": "T"}, {}) == RESULT_EXCELLENT
    assert primary_year_result({"DD": "H"}, {"nhan_ai": "Đ"}, {}) == RESULT_COMPLETED


@pytest.mark.parametrize(
    ("subjects", "traits", "tests", "code"),
    [
        ({}, TRAITS_T, {}, "primary_result.no_subjects"),
        (SUBJECTS_T, {}, {}, "primary_result.no_traits"),
        ({**SUBJECTS_T, "TV": "Tốt"}, TRAITS_T, {}, "primary_level.invalid"),
        ({**SUBJECTS_T, "TV": "X"}, TRAITS_T, {}, "primary_level.invalid"),
        (SUBJECTS_T, {**TRAITS_T, "nhan_ai": "H"}, {}, "primary_quality.invalid"),
        (SUBJECTS_T, TRAITS_T, {"TOAN": 0}, "primary_score.range"),
        (SUBJECTS_T, TRAITS_T, {"TOAN": 11}, "primary_score.range"),
        (SUBJECTS_T, TRAITS_T, {"TOAN": "7.5"}, "primary_score.integer"),
        (SUBJECTS_T, TRAITS_T, {"KH": 8}, "primary_result.test_without_level"),
        (["TV"], TRAITS_T, {}, "primary_result.subjects_type"),
    ],
)
def test_year_result_rejects_impossible_input(subjects, traits, tests, code):
    with pytest.raises(AssessmentError) as excinfo:
        primary_year_result(subjects, traits, tests)
    assert excinfo.value.code == code


@given(
    subjects=st.dictionaries(st.sampled_from(["TV", "TOAN", "DD", "TNXH"]),
                             st.sampled_from(["T", "H", "C"]), min_size=1),
    traits=st.dictionaries(st.sampled_from(list(PRIMARY_TRAITS)), st.sampled_from(["T", "Đ", "C"]),
                           min_size=1),
    score=st.integers(min_value=1, max_value=10),
)  # fmt: skip
def test_raising_any_level_or_score_never_lowers_the_result(subjects, traits, score):
    order = [RESULT_NOT_COMPLETED, RESULT_COMPLETED, RESULT_GOOD, RESULT_EXCELLENT]
    tests = {code: score for code in subjects if code in ("TV", "TOAN")}
    before = order.index(primary_year_result(subjects, traits, tests))
    better_subjects = dict.fromkeys(subjects, "T")
    assert order.index(primary_year_result(better_subjects, traits, tests)) >= before
    better_tests = dict.fromkeys(tests, 10)
    assert order.index(primary_year_result(subjects, traits, better_tests)) >= before


@pytest.mark.parametrize(
    ("result", "outstanding", "award"),
    [
        (RESULT_EXCELLENT, False, AWARD_PRIMARY_EXCELLENT),
        (RESULT_EXCELLENT, True, AWARD_PRIMARY_EXCELLENT),
        (RESULT_GOOD, True, AWARD_PRIMARY_OUTSTANDING),
        (RESULT_GOOD, False, None),
        (RESULT_COMPLETED, True, None),
        (RESULT_NOT_COMPLETED, True, None),
    ],
)
def test_primary_award(result, outstanding, award):
    assert primary_award(result, outstanding) == award


def test_award_names_follow_the_circular():
    assert AWARD_PRIMARY_EXCELLENT == "Học sinh Xuất sắc"
    assert AWARD_PRIMARY_OUTSTANDING == (
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"
    )


@pytest.mark.parametrize(
    ("result", "promoted"),
    [
        (RESULT_EXCELLENT, True),
        (RESULT_GOOD, True),
        (RESULT_COMPLETED, True),
        (RESULT_NOT_COMPLETED, False),
    ],
)
def test_primary_promotion(result, promoted):
    assert primary_promotion(result) is promoted


@pytest.mark.parametrize("result", ["Tốt", "Hoàn thành xuất xắc", "", None])
def test_award_and_promotion_reject_unknown_results(result):
    for call in (lambda: primary_award(result, False), lambda: primary_promotion(result)):
        with pytest.raises(AssessmentError) as excinfo:
            call()
        assert excinfo.value.code == "primary_result.invalid"


def test_award_rejects_an_outstanding_flag_that_is_not_a_bool():
    with pytest.raises(AssessmentError):
        primary_award(RESULT_GOOD, "yes")
