"""Circular 22 scores and averages (DOMAIN.md §1): input validation, term and year averages,
half-up rounding, and the number of regular assessments."""

import pickle
from decimal import ROUND_DOWN, Decimal, localcontext

import pytest

from hocso.assessment.rules import (
    AssessmentError,
    parse_score,
    regular_assessments_required,
    round_half_up,
    term_average,
    year_average,
)

D = Decimal


def error_code(excinfo) -> str:
    return excinfo.value.code


# --- parse_score ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("7.5"), D("7.5")),
        (7, D("7.0")),
        (0, D("0.0")),
        (10, D("10.0")),
        ("7.5", D("7.5")),
        ("7,5", D("7.5")),
        ("  8 ", D("8.0")),
        ("10", D("10.0")),
        ("10.0", D("10.0")),
        (D("7.50"), D("7.5")),
        ("-0", D("0.0")),
        (7.5, D("7.5")),
        (6.5, D("6.5")),
        (0.1, D("0.1")),
    ],
)
def test_parse_score_accepts_decimals_ints_text_and_floats_and_returns_one_decimal(value, expected):
    result = parse_score(value)
    assert result == expected
    assert result.as_tuple().exponent == -1
    assert not result.is_signed()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (D("10.1"), "score.range"),
        (11, "score.range"),
        (-1, "score.range"),
        ("-0.1", "score.range"),
        (D("7.55"), "score.precision"),
        ("8.25", "score.precision"),
        ("7,05", "score.precision"),
        (8.25, "score.precision"),  # a float never gets rounded, it is refused
        (0.1 + 0.2, "score.precision"),
        ("abc", "score.format"),
        ("", "score.format"),
        ("7.5.1", "score.format"),
        ("1e1", "score.format"),
        ("7 5", "score.format"),
        ("NaN", "score.format"),
        (D("NaN"), "score.format"),
        (D("Infinity"), "score.format"),
        (float("nan"), "score.format"),
        (float("inf"), "score.format"),
        (True, "score.type"),
        (None, "score.type"),
        ([7], "score.type"),
    ],
)
def test_parse_score_rejects_impossible_scores_with_a_stable_code(value, code):
    with pytest.raises(AssessmentError) as excinfo:
        parse_score(value)
    assert error_code(excinfo) == code


def test_assessment_error_is_a_value_error_with_a_vietnamese_message_and_params():
    with pytest.raises(ValueError, match="ngoài thang điểm 0–10") as excinfo:
        parse_score("12")
    error = excinfo.value
    assert isinstance(error, AssessmentError)
    assert error.params == {"value": "12"}
    assert error.msgid == "Điểm %(value)s nằm ngoài thang điểm 0–10"
    assert str(error) == error.message == "Điểm 12 nằm ngoài thang điểm 0–10"


def test_assessment_error_survives_pickling():
    error = AssessmentError(
        "score.range", "Điểm %(value)s nằm ngoài thang điểm 0–10", {"value": 12}
    )
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.code, copy.message, copy.params) == (error.code, error.message, error.params)


# --- rounding ---------------------------------------------------------------------------------


def test_round_half_up_is_not_bankers_rounding():
    assert round(8.25, 1) == 8.2  # what float rounding would have written in the grade book
    assert round_half_up(D("8.25")) == D("8.3")
    assert round_half_up(D("8.35")) == D("8.4")
    assert round_half_up(D("6.45")) == D("6.5")
    assert round_half_up(D("7.849")) == D("7.8")
    assert round_half_up(D("4.95")) == D("5.0")
    assert round_half_up(8) == D("8.0")


def test_round_half_up_refuses_floats():
    with pytest.raises(AssessmentError):
        round_half_up(8.25)


# --- term average -----------------------------------------------------------------------------


def test_term_average_worked_example_two_regulars():
    # (8 + 9 + 2·7 + 3·8) / (2 + 5) = 55 / 7 = 7.857… → 7.9
    assert term_average(["8", "9"], "7", "8") == D("7.9")
    assert term_average([8, 9], 7, 8, required=2) == D("7.9")


def test_term_average_worked_example_three_regulars():
    # (5.9 + 5.1 + 4.9 + 2·6.2 + 3·5.2) / (3 + 5) = 43.9 / 8 = 5.4875 → 5.5
    assert term_average(["5.9", "5.1", "4.9"], "6.2", "5.2") == D("5.5")
    assert term_average(["5,9", "5,1", "4,9"], "6,2", "5,2", required=3) == D("5.5")


def test_term_average_exact_half_rounds_up_not_to_even():
    # (9 + 8 + 7 + 2·9 + 3·8) / 8 = 66 / 8 = 8.25 → 8.3 (banker's rounding would give 8.2)
    assert term_average([9, 8, 7], 9, 8) == D("8.3")
    # (7 + 7 + 7 + 2·7 + 3·7.5) / 8 = 57.5 / 8 = 7.1875 → 7.2
    assert term_average([7, 7, 7], 7, "7.5") == D("7.2")


def test_term_average_denominator_follows_the_number_of_regular_scores():
    # four regulars: (8·4 + 2·8 + 3·8) / 9 = 8.0
    assert term_average([8, 8, 8, 8], 8, 8, required=4) == D("8.0")
    # (10 + 0 + 0 + 0 + 2·0 + 3·0) / 9 = 1.11… → 1.1
    assert term_average([10, 0, 0, 0], 0, 0) == D("1.1")


def test_term_average_does_not_depend_on_the_callers_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = ROUND_DOWN
        assert term_average([9, 8, 7], 9, 8) == D("8.3")
        assert term_average(["5.9", "5.1", "4.9"], "6.2", "5.2") == D("5.5")


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "required", "code"),
    [
        ([8], 7, 8, 2, "regular.count"),
        ([8, 9, 7], 7, 8, 2, "regular.count"),
        ([], 7, 8, None, "regular.missing"),
        ([8, None], 7, 8, 2, "regular.missing"),
        ([8, 9], None, 8, 2, "midterm.missing"),
        ([8, 9], 7, None, 2, "final.missing"),
        ([8, 9], 7, 8, 0, "regular.required"),
        ([8, 9], 7, 8, True, "regular.required"),
        ("89", 7, 8, None, "regular.type"),
        ([8, "11"], 7, 8, 2, "score.range"),
        ([8, 9], "7.25", 8, 2, "score.precision"),
    ],
)
def test_term_average_rejects_missing_or_wrong_assessments(regular, midterm, final, required, code):
    with pytest.raises(AssessmentError) as excinfo:
        term_average(regular, midterm, final, required=required)
    assert error_code(excinfo) == code


def test_term_average_names_the_missing_regular_assessment():
    with pytest.raises(AssessmentError) as excinfo:
        term_average([8, None, 7], 7, 8)
    assert excinfo.value.params == {"index": "2"}


def test_term_average_wrong_count_message_says_how_many():
    with pytest.raises(AssessmentError, match="Cần đúng 4 điểm đánh giá thường xuyên, có 3"):
        term_average([8, 8, 8], 8, 8, required=4)


# --- year average -----------------------------------------------------------------------------


def test_year_average_worked_example():
    # (7.9 + 2·8.3) / 3 = 24.5 / 3 = 8.1667 → 8.2
    assert year_average("7.9", "8.3") == D("8.2")
    assert year_average(D("7.9"), D("8.3")) == D("8.2")


def test_year_average_weighs_term_two_double():
    # (7.9 + 2·8.5) / 3 = 8.3, where the plain mean of the two terms would give 8.2
    assert year_average("7.9", "8.5") == D("8.3")
    assert year_average(10, 4) == D("6.0")
    assert year_average(4, 10) == D("8.0")


def test_year_average_rounds_half_up_at_the_boundary():
    # (6.4 + 2·6.5) / 3 = 19.4 / 3 = 6.4667 → 6.5: the year average reaches the Tốt floor
    assert year_average("6.4", "6.5") == D("6.5")
    # (8.0 + 2·7.9) / 3 = 7.9333 → 7.9
    assert year_average("8.0", "7.9") == D("7.9")


@pytest.mark.parametrize(
    ("term1", "term2", "code"),
    [
        (None, "8", "term_average.missing"),
        ("8", None, "term_average.missing"),
        ("8.25", "8", "score.precision"),
        ("8", "10.5", "score.range"),
    ],
)
def test_year_average_rejects_missing_or_impossible_term_averages(term1, term2, code):
    with pytest.raises(AssessmentError) as excinfo:
        year_average(term1, term2)
    assert error_code(excinfo) == code


# --- regular assessments required ----------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "required"),
    [(1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)],
)
def test_regular_assessments_required_by_yearly_periods(periods, required):
    assert regular_assessments_required(periods) == required


@pytest.mark.parametrize("periods", [0, -35, 35.0, "35", True, None])
def test_regular_assessments_required_rejects_impossible_periods(periods):
    with pytest.raises(AssessmentError):
        regular_assessments_required(periods)


def test_rules_module_imports_without_django():
    import subprocess
    import sys

    code = "import sys, hocso.assessment.rules; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
