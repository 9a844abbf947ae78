"""Circular 22 learning result (Điều 9), its single-subject adjustment, year conduct (Điều 8),
promotion (Điều 12), awards (Điều 15) and comment-only subjects (DOMAIN.md §1)."""

from decimal import Decimal

import pytest

from hocso.assessment.rules import (
    AWARD_EXCELLENT,
    AWARD_GOOD,
    CHUA_DAT,
    DAT,
    KHA,
    LEVELS,
    REASON_ABSENCES,
    REASON_CONDUCT,
    REASON_LEARNING,
    SECONDARY_COMMENT_SUBJECTS,
    SUBJECTS,
    TOT,
    AssessmentError,
    award,
    comment_term_result,
    comment_year_result,
    learning_result,
    learning_result_detail,
    level_at_least,
    parse_level,
    promotion,
    retest_subjects,
    secondary_is_scored,
    term_average,
    year_average,
    year_conduct,
)

# The eight scored subjects of grades 6–9 and their four comment-only subjects.
SCORED = ["NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN"]
COMMENTED = ["GDTC", "NT", "HDTN", "GDDP"]
ALL_PASSED = dict.fromkeys(COMMENTED, True)
ONE_FAILED = {**ALL_PASSED, "NT": False}
TWO_FAILED = {**ALL_PASSED, "NT": False, "GDTC": False}


def scores(*values) -> dict[str, Decimal]:
    """Averages for the first len(values) scored subjects, in SCORED order."""
    assert len(values) <= len(SCORED)
    return {subject: Decimal(str(value)) for subject, value in zip(SCORED, values, strict=False)}


def rate(values, commented=ALL_PASSED):
    return learning_result(scores(*values), commented)


# --- thresholds (k2), each boundary at and just below ---------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Tốt: all ≥ 6.5, at least six ≥ 8.0
        ([8.0] * 6 + [6.5, 6.5], TOT),
        ([8.0] * 6 + [6.5, 6.4], KHA),  # one subject just below the 6.5 floor: Khá (one level)
        ([8.0] * 7 + [7.0], TOT),  # seven ≥ 8.0
        ([8.0] * 6 + [7.9, 7.9], TOT),  # exactly six ≥ 8.0
        ([8.0] * 5 + [7.9] * 3, KHA),  # five ≥ 8.0 is not enough
        ([10] * 5 + [7.9] * 3, KHA),
        # Khá: all ≥ 5.0, at least six ≥ 6.5
        ([6.5] * 6 + [5.0, 5.0], KHA),
        ([6.5] * 7 + [5.0], KHA),  # seven ≥ 6.5
        ([6.5] * 5 + [6.4] * 3, DAT),  # five ≥ 6.5 is not enough
        ([6.5] * 6 + [5.0, 4.9], DAT),  # one subject just below the 5.0 floor
        # Đạt: at least six ≥ 5.0, none < 3.5
        ([5.0] * 6 + [3.5, 3.5], DAT),
        ([5.0] * 7 + [3.5], DAT),
        ([5.0] * 5 + [4.9] * 3, CHUA_DAT),  # five ≥ 5.0 is not enough
        ([5.0] * 6 + [3.5, 3.4], CHUA_DAT),  # one subject just below 3.5
        ([4.9] * 8, CHUA_DAT),
        ([0] * 8, CHUA_DAT),
        ([10] * 8, TOT),
        # six scored subjects are enough when they all count
        ([8.0] * 6, TOT),
        ([6.5] * 6, KHA),
        ([5.0] * 6, DAT),
    ],
)
def test_learning_result_thresholds(values, expected):
    assert rate(values) == expected


def test_learning_result_seven_subject_programme_counts_six_of_seven():
    # Grades 10–12 with two comment-only electives have seven scored subjects.
    assert rate([8.0] * 6 + [6.5]) == TOT
    assert rate([8.0] * 5 + [7.9, 7.9]) == KHA


def test_learning_result_every_comment_subject_must_be_dat_for_tot_and_kha():
    # Khá-level scores with one comment Chưa đạt: Khá → Đạt is a drop of one level, not adjusted.
    assert rate([7.0] * 8, ONE_FAILED) == DAT
    # Đạt allows at most one comment subject Chưa đạt.
    assert rate([5.0] * 8, ONE_FAILED) == DAT
    assert rate([5.0] * 8, TWO_FAILED) == CHUA_DAT


def test_learning_result_works_without_comment_subjects():
    assert rate([9.0] * 8, {}) == TOT


def test_learning_result_accepts_scores_as_text_with_a_decimal_comma():
    scored = {subject: "8,0" for subject in SCORED}
    assert learning_result(scored, ALL_PASSED) == TOT


# --- adjustment (k3) ------------------------------------------------------------------------


def test_adjustment_tot_to_dat_by_one_scored_subject_becomes_kha():
    # Seven subjects 8.5, one 4.0: the thresholds give Đạt, two levels below Tốt because of TIN.
    detail = learning_result_detail(scores(*[8.5] * 7, 4.0), ALL_PASSED)
    assert (detail.computed, detail.level, detail.adjusted_for) == (DAT, KHA, "TIN")
    assert detail.adjusted


def test_adjustment_tot_to_dat_by_one_comment_subject_becomes_kha():
    detail = learning_result_detail(scores(*[9.0] * 8), ONE_FAILED)
    assert (detail.computed, detail.level, detail.adjusted_for) == (DAT, KHA, "NT")


def test_adjustment_tot_to_chua_dat_becomes_dat_not_tot_or_kha():
    # One subject below 3.5 with everything else at Tốt level: raised by one level only.
    detail = learning_result_detail(scores(*[8.5] * 7, 3.0), ALL_PASSED)
    assert (detail.computed, detail.level, detail.adjusted_for) == (CHUA_DAT, DAT, "TIN")
    assert rate([8.5] * 7 + [3.4]) == DAT
    assert rate([8.5] * 7 + [0]) == DAT


def test_adjustment_kha_to_chua_dat_becomes_dat():
    detail = learning_result_detail(scores(*[7.0] * 7, 2.0), ALL_PASSED)
    assert (detail.computed, detail.level, detail.adjusted_for) == (CHUA_DAT, DAT, "TIN")
    assert rate([6.5] * 6 + [5.0, 3.4]) == DAT


def test_adjustment_finds_the_subject_wherever_it_is():
    scored = scores(*[8.5] * 8) | {"NV": Decimal("4.0")}
    assert learning_result_detail(scored, ALL_PASSED).adjusted_for == "NV"


def test_no_adjustment_when_two_scored_subjects_cause_the_drop():
    detail = learning_result_detail(scores(*[8.5] * 6, 4.0, 4.0), ALL_PASSED)
    assert (detail.computed, detail.level, detail.adjusted_for) == (DAT, DAT, None)
    assert rate([8.5] * 6 + [3.0, 3.0]) == CHUA_DAT
    assert rate([7.0] * 6 + [2.0, 2.0]) == CHUA_DAT


def test_no_adjustment_when_a_scored_and_a_comment_subject_cause_the_drop():
    assert rate([8.5] * 7 + [4.0], ONE_FAILED) == DAT
    assert rate([8.5] * 7 + [3.0], ONE_FAILED) == CHUA_DAT


def test_no_adjustment_when_two_comment_subjects_cause_the_drop():
    assert rate([9.0] * 8, TWO_FAILED) == CHUA_DAT


def test_no_adjustment_for_a_drop_of_one_level():
    assert rate([8.5] * 7 + [6.0]) == KHA  # Tốt → Khá
    assert rate([7.0] * 7 + [4.0]) == DAT  # Khá → Đạt
    assert rate([5.0] * 7 + [3.0]) == CHUA_DAT  # Đạt → Chưa đạt is not from Tốt or Khá
    detail = learning_result_detail(scores(*[8.5] * 7, 6.0), ALL_PASSED)
    assert not detail.adjusted


def test_no_adjustment_when_the_other_subjects_do_not_reach_tot_on_their_own():
    # Five subjects ≥ 8.0, two at 7.0, one at 4.0. Lifted to the 6.5 floor, the low subject gives
    # Khá, not Tốt: the learner lacks a sixth subject ≥ 8.0, so the drop Khá → Đạt is one level.
    detail = learning_result_detail(scores(*[9.0] * 5, 7.0, 7.0, 4.0), ALL_PASSED)
    assert (detail.computed, detail.level) == (DAT, DAT)


def test_no_adjustment_when_the_other_subjects_do_not_reach_kha_on_their_own():
    # Five subjects ≥ 6.5, two at 6.0, one at 3.0: without the low subject there is no Khá.
    assert rate([7.0] * 5 + [6.0, 6.0, 3.0]) == CHUA_DAT


def test_no_adjustment_when_fewer_than_six_subjects_reach_five():
    # Six scored subjects, one at 4.0: Chưa đạt (only five ≥ 5.0). Lifting it to 5.0 gives Đạt,
    # not Khá (only five ≥ 6.5), so the single subject did not pull the learner down from Khá.
    assert learning_result(scores(*[7.0] * 5, 4.0), ALL_PASSED) == CHUA_DAT


# --- term and year results from the grade book --------------------------------------------------


def test_term_and_year_learning_results_from_averages():
    # Term I: TIN 3.0 drags an otherwise Tốt learner to Chưa đạt → adjusted to Đạt.
    term1 = scores(*[8.5] * 7, 3.0)
    assert learning_result(term1, ALL_PASSED) == DAT
    # Term II: TIN recovers to 6.5.
    term2 = scores(*[8.5] * 7, 6.5)
    assert learning_result(term2, ALL_PASSED) == TOT
    # Year: TIN (3.0 + 2·6.5) / 3 = 5.333 → 5.3, below the Tốt floor → computed Khá, not adjusted.
    year = {subject: year_average(term1[subject], term2[subject]) for subject in SCORED}
    assert year["TIN"] == Decimal("5.3")
    assert learning_result(year, ALL_PASSED) == KHA


def test_learning_result_of_averages_computed_by_term_average():
    averages = dict.fromkeys(SCORED, term_average(["8", "9"], "7", "8"))  # 7.9 each
    assert learning_result(averages, ALL_PASSED) == KHA


# --- input validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scored", "commented", "code"),
    [
        (scores(*[8] * 5), ALL_PASSED, "learning.too_few_scored"),
        ({}, ALL_PASSED, "learning.too_few_scored"),
        (scores(*[8] * 8), {"NV": True}, "learning.overlap"),
        (scores(*[8] * 8), {"NT": "Đạt"}, "comment.type"),
        (scores(*[8] * 8), {"NT": 1}, "comment.type"),
        (scores(*[8] * 7) | {"TIN": "10.5"}, ALL_PASSED, "score.range"),
        (scores(*[8] * 7) | {"TIN": None}, ALL_PASSED, "score.type"),
        ([8] * 8, ALL_PASSED, "learning.type"),
    ],
)
def test_learning_result_rejects_impossible_input(scored, commented, code):
    with pytest.raises(AssessmentError) as excinfo:
        learning_result(scored, commented)
    assert excinfo.value.code == code


# --- levels -----------------------------------------------------------------------------------


def test_parse_level_accepts_case_spacing_and_decomposed_unicode():
    import unicodedata

    assert parse_level("tốt") == TOT
    assert parse_level("  CHƯA   ĐẠT ") == CHUA_DAT
    assert parse_level(unicodedata.normalize("NFD", "Khá")) == KHA
    assert LEVELS == (TOT, KHA, DAT, CHUA_DAT)


@pytest.mark.parametrize("value", ["Giỏi", "", "Trung bình", None, 3])
def test_parse_level_rejects_unknown_levels(value):
    with pytest.raises(AssessmentError) as excinfo:
        parse_level(value)
    assert excinfo.value.code == "level.invalid"


def test_level_at_least_orders_the_four_levels():
    assert level_at_least(TOT, DAT)
    assert level_at_least(DAT, DAT)
    assert not level_at_least(CHUA_DAT, DAT)
    assert not level_at_least(KHA, TOT)


# --- year conduct: all 16 pairs (term I, term II) -----------------------------------------------

CONDUCT_TABLE = [
    # term I,  term II,  year
    (TOT, TOT, TOT),
    (KHA, TOT, TOT),
    (DAT, TOT, KHA),
    (CHUA_DAT, TOT, KHA),
    (TOT, KHA, KHA),
    (KHA, KHA, KHA),
    (DAT, KHA, KHA),
    (CHUA_DAT, KHA, DAT),
    (TOT, DAT, KHA),
    (KHA, DAT, DAT),
    (DAT, DAT, DAT),
    (CHUA_DAT, DAT, DAT),
    (TOT, CHUA_DAT, CHUA_DAT),
    (KHA, CHUA_DAT, CHUA_DAT),
    (DAT, CHUA_DAT, CHUA_DAT),
    (CHUA_DAT, CHUA_DAT, CHUA_DAT),
]


def test_conduct_table_covers_all_sixteen_pairs():
    assert len({(term1, term2) for term1, term2, _ in CONDUCT_TABLE}) == 16


@pytest.mark.parametrize(("term1", "term2", "year"), CONDUCT_TABLE)
def test_year_conduct(term1, term2, year):
    assert year_conduct(term1, term2) == year


def test_year_conduct_rejects_unknown_levels():
    with pytest.raises(AssessmentError):
        year_conduct("Tốt", "Xuất sắc")


# --- promotion --------------------------------------------------------------------------------


def test_promotion_with_at_most_45_days_absent():
    result = promotion(DAT, DAT, 45)
    assert result.promoted and result.reasons == ()
    assert bool(result)
    assert promotion(TOT, TOT, 0)


def test_no_promotion_with_46_days_absent():
    result = promotion(TOT, TOT, 46)
    assert not result
    assert result.reasons == (REASON_ABSENCES,)


def test_no_promotion_with_conduct_or_learning_chua_dat():
    assert promotion(CHUA_DAT, TOT, 0).reasons == (REASON_CONDUCT,)
    assert promotion(TOT, CHUA_DAT, 0).reasons == (REASON_LEARNING,)
    assert promotion(CHUA_DAT, CHUA_DAT, 60).reasons == (
        REASON_CONDUCT,
        REASON_LEARNING,
        REASON_ABSENCES,
    )


@pytest.mark.parametrize("days", [-1, 4.5, "3", None, True])
def test_promotion_rejects_impossible_absences(days):
    with pytest.raises(AssessmentError) as excinfo:
        promotion(TOT, TOT, days)
    assert excinfo.value.code == "absences.invalid"


# --- awards -----------------------------------------------------------------------------------


def test_award_excellent_needs_six_year_averages_of_at_least_nine():
    assert award(TOT, TOT, scores(*[9.0] * 6, 8.0, 8.0)) == AWARD_EXCELLENT
    assert award(TOT, TOT, scores(*[10] * 8)) == AWARD_EXCELLENT


def test_award_good_with_only_five_averages_of_nine_or_one_just_below():
    assert award(TOT, TOT, scores(*[9.0] * 5, 8.0, 8.0, 8.0)) == AWARD_GOOD
    assert award(TOT, TOT, scores(*[9.0] * 5, 8.9, 8.0, 8.0)) == AWARD_GOOD


def test_no_award_unless_conduct_and_learning_are_both_tot():
    averages = scores(*[9.5] * 8)
    assert award(KHA, TOT, averages) is None
    assert award(TOT, KHA, averages) is None
    assert award(DAT, DAT, averages) is None


def test_award_rejects_impossible_averages():
    with pytest.raises(AssessmentError):
        award(TOT, TOT, scores(*[9.0] * 7) | {"TIN": "9.05"})


# --- comment-only subjects ------------------------------------------------------------------


def test_comment_term_result_is_dat_only_when_every_assessment_is_dat():
    assert comment_term_result([True, True], True, True, required=2) is True
    assert comment_term_result([True, False], True, True) is False
    assert comment_term_result([True, True, True], True, False) is False


def test_comment_term_result_rejects_missing_assessments():
    with pytest.raises(AssessmentError) as excinfo:
        comment_term_result([True], True, True, required=2)
    assert excinfo.value.code == "regular.count"
    with pytest.raises(AssessmentError) as excinfo:
        comment_term_result([True, True], None, True)
    assert excinfo.value.code == "midterm.missing"
    with pytest.raises(AssessmentError) as excinfo:
        comment_term_result([True, "Đạt"], True, True)
    assert excinfo.value.code == "comment.type"


def test_comment_year_result_is_the_term_two_result():
    assert comment_year_result(False, True) is True
    assert comment_year_result(True, False) is False
    with pytest.raises(AssessmentError):
        comment_year_result(True, None)


def test_retest_subjects_are_year_averages_below_five_and_comment_chua_dat():
    year = scores(*[7.0] * 6, 4.9, 5.0)
    assert retest_subjects(year, ONE_FAILED) == ["CN", "NT"]
    assert retest_subjects(scores(*[5.0] * 8), ALL_PASSED) == []


# --- subject codes ----------------------------------------------------------------------------


def test_comment_only_subjects_of_circular_22():
    assert sorted(SECONDARY_COMMENT_SUBJECTS) == ["AN", "GDDP", "GDTC", "HDTN", "MT", "NT"]
    assert all(secondary_is_scored(code) for code in SCORED + ["GDQPAN", "LS", "DL", "VL"])
    assert not any(secondary_is_scored(code) for code in COMMENTED + ["AN", "MT"])
    assert set(SECONDARY_COMMENT_SUBJECTS) <= set(SUBJECTS)


def test_unknown_subject_code_is_rejected():
    with pytest.raises(AssessmentError) as excinfo:
        secondary_is_scored("THEDUC")
    assert excinfo.value.code == "subject.unknown"


def test_a_bad_average_in_a_subject_map_names_the_subject():
    with pytest.raises(AssessmentError) as excinfo:
        learning_result(scores(*[8] * 7) | {"TIN": "10.5"}, ALL_PASSED)
    error = excinfo.value
    assert error.code == "score.range"
    assert error.params["subject"] == "TIN"
    assert str(error) == "Môn TIN: Điểm 10.5 nằm ngoài thang điểm 0–10"
    assert isinstance(error.__cause__, AssessmentError)
