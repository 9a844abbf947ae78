"""Classical item analysis (exams/stats.py) on small examples worked out by hand below.

Example A — 6 candidates × 4 items scored 0/1 (1 point each):

          i1 i2 i3 i4 | total
    c1     1  1  1  1 |  4
    c2     1  1  1  0 |  3
    c3     1  1  0  0 |  2
    c4     1  0  1  0 |  2
    c5     1  0  0  0 |  1
    c6     0  0  0  1 |  1

Totals: Σ = 13, mean 13/6, Σt² = 16+9+4+4+1+1 = 35, var = 35/6 − (13/6)² = 41/36 (÷ n).
"""

import math

import numpy as np
import pytest

from hocso.exams import stats

A = np.array(
    [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]],
    dtype=float,
)
ONE_POINT = np.ones(4)


def item(k):
    return stats.item_statistics(A, ONE_POINT)[k]


def test_facility_is_the_share_of_the_points_earned():
    # p = right / 6: i1 5/6, i2 3/6, i3 3/6, i4 2/6.
    ps = [s.facility for s in stats.item_statistics(A, ONE_POINT)]
    assert ps == pytest.approx([5 / 6, 1 / 2, 1 / 2, 1 / 3])
    assert [s.responses for s in stats.item_statistics(A, ONE_POINT)] == [6, 6, 6, 6]


def test_point_biserial_of_an_easy_item_against_the_rest():
    # i1 = (1,1,1,1,1,0); rest = total − i1 = (3,2,1,1,0,1); means 5/6 and 4/3.
    # dx = (1/6 ×5, −5/6); dy = (5/3, 2/3, −1/3, −1/3, −4/3, −1/3).
    # Σdx·dy = 1/6·(5/3+2/3−1/3−1/3−4/3) + (−5/6)(−1/3) = 1/18 + 5/18 = 1/3.
    # Σdx² = 5/36 + 25/36 = 5/6; Σdy² = (25+4+1+1+16+1)/9 = 16/3.
    # r = (1/3) / √(5/6 · 16/3) = (1/3) / (2√10/3) = 1/(2√10) ≈ 0.1581.
    assert item(0).point_biserial == pytest.approx(1 / (2 * math.sqrt(10)))


def test_point_biserial_of_the_middle_items():
    # i2 = (1,1,1,0,0,0); rest = (3,2,1,2,1,1), mean 5/3; dx = ±1/2;
    # dy = (4/3, 1/3, −2/3, 1/3, −2/3, −2/3).
    # Σdx·dy = 1/2·(4/3+1/3−2/3) − 1/2·(1/3−2/3−2/3) = 1/2 + 1/2 = 1.
    # Σdx² = 6/4 = 3/2; Σdy² = (16+1+4+1+4+4)/9 = 10/3. r = 1/√(3/2 · 10/3) = 1/√5 ≈ 0.4472.
    # i3 = (1,1,0,1,0,0); rest = (3,2,2,1,1,1): the same sums, r = 1/√5.
    assert item(1).point_biserial == pytest.approx(1 / math.sqrt(5))
    assert item(2).point_biserial == pytest.approx(1 / math.sqrt(5))


def test_an_item_the_weaker_candidates_get_right_discriminates_negatively():
    # i4 = (1,0,0,0,0,1), mean 1/3; rest = (3,3,2,2,1,0), mean 11/6.
    # dx = (2/3, −1/3, −1/3, −1/3, −1/3, 2/3); dy = (7/6, 7/6, 1/6, 1/6, −5/6, −11/6).
    # Σdx·dy = 2/3·(7/6 − 11/6) − 1/3·(7/6+1/6+1/6−5/6) = −8/18 − 4/18 = −2/3.
    # Σdx² = 8/9 + 4/9 = 4/3; Σdy² = (49+49+1+1+25+121)/36 = 41/6.
    # r = (−2/3) / √(4/3 · 41/6) = (−2/3) / (√82/3) = −2/√82 ≈ −0.2209.
    assert item(3).point_biserial == pytest.approx(-2 / math.sqrt(82))
    assert item(3).flags == ["negative_discrimination"]
    assert [item(k).flags for k in range(3)] == [[], [], []]


def test_upper_lower_uses_27_percent_of_the_candidates_each_side():
    # g = ⌊0.27·6 + 0.5⌋ = ⌊2.12⌋ = 2. By total: lower = c5, c6 (1, 1); upper = c2, c1 (3, 4).
    # i1: upper 1,1 → 1; lower 1,0 → 1/2; D = 1/2.   i2: upper 1,1; lower 0,0 → D = 1.
    # i3: upper 1,1; lower 0,0 → D = 1.               i4: upper 0,1; lower 0,1 → D = 0.
    ds = [s.upper_lower for s in stats.item_statistics(A, ONE_POINT)]
    assert ds == pytest.approx([0.5, 1.0, 1.0, 0.0])


def test_upper_lower_breaks_ties_by_row_order():
    # Four candidates with the same total: g = ⌊1.08 + 0.5⌋ = 1; a stable sort keeps the rows
    # in order, so the lower group is row 0 and the upper group row 3: D = 0 − 1 = −1.
    totals = np.array([2.0, 2.0, 2.0, 2.0])
    assert stats.upper_lower(np.array([1.0, 0.0, 1.0, 0.0]), totals) == -1.0
    assert stats.upper_lower(np.array([0.0, 1.0, 0.0, 1.0]), totals) == 1.0


def test_kr20_and_alpha_of_the_dichotomous_example():
    # Σ p·q = 5/6·1/6 + 1/2·1/2 + 1/2·1/2 + 1/3·2/3 = (5 + 9 + 9 + 8)/36 = 31/36.
    # KR-20 = 4/3 · (1 − (31/36)/(41/36)) = 4/3 · 10/41 = 40/123 ≈ 0.3252 (α: the same,
    # an item's variance p·q being its 0/1 variance).
    test = stats.exam_statistics(A, ONE_POINT)
    assert test.kr20 == pytest.approx(40 / 123)
    assert test.reliability == pytest.approx(40 / 123)
    assert (test.candidates, test.items) == (6, 4)


def test_mean_sd_sem_and_distribution_on_the_ten_point_scale():
    # 10-point scores = total · 10/4: 10, 7.5, 5, 5, 2.5, 2.5. Mean = 32.5/6 ≈ 5.4167.
    # SD = 2.5 · √(41/36) = 2.5·√41/6 ≈ 2.6680. SEM = SD · √(1 − 40/123) = SD · √(83/123).
    # Bins: 2.5, 2.5 → [2,3); 5, 5 → [5,6); 7.5 → [7,8); 10 → [9,10].
    test = stats.exam_statistics(A, ONE_POINT)
    assert test.mean == pytest.approx(32.5 / 6)
    assert test.sd == pytest.approx(2.5 * math.sqrt(41) / 6)
    assert test.sem == pytest.approx(2.5 * math.sqrt(41) / 6 * math.sqrt(83 / 123))
    assert test.distribution == [0, 0, 2, 0, 0, 2, 0, 1, 0, 1]


# Example B — partial credit: 4 candidates × 3 items of 1, 2 and 1 points (fractions):
#
#          i1   i2   i3 | points      | total
#    c1     1    1    1 | 1  2  1     | 4
#    c2     1   0.5   1 | 1  1  1     | 3
#    c3     0   0.5   0 | 0  1  0     | 1
#    c4     0    0    0 | 0  0  0     | 0
B = np.array([[1, 1, 1], [1, 0.5, 1], [0, 0.5, 0], [0, 0, 0]], dtype=float)
B_POINTS = np.array([1.0, 2.0, 1.0])


def test_partial_credit_item_uses_the_item_rest_correlation():
    # i2 fraction = (1, .5, .5, 0), p = 2/4 = 0.5; rest = total − i2 points = (2, 2, 0, 0).
    # dx = (.5, 0, 0, −.5), dy = (1, 1, −1, −1): Σdx·dy = 1, Σdx² = .5, Σdy² = 4, r = 1/√2.
    i2 = stats.item_statistics(B, B_POINTS)[1]
    assert i2.facility == 0.5
    assert i2.point_biserial == pytest.approx(1 / math.sqrt(2))
    # g = ⌊1.08 + .5⌋ = 1: upper c1 (1), lower c4 (0): D = 1.
    assert i2.upper_lower == 1.0


def test_cronbach_alpha_with_partial_credit_and_no_kr20():
    # Item variances in points: i1 (1,1,0,0) → 1/4; i2 (2,1,1,0) → mean 1, (1+0+0+1)/4 = 1/2;
    # i3 → 1/4; Σ = 1. Totals (4,3,1,0): mean 2, var (4+1+1+4)/4 = 5/2.
    # α = 3/2 · (1 − 1/(5/2)) = 3/2 · 3/5 = 0.9. KR-20 does not apply (a 0.5 score).
    # 10-point scores: 10, 7.5, 2.5, 0 → mean 5, SD = 2.5·√(5/2), SEM = SD·√0.1 = 1.25.
    test = stats.exam_statistics(B, B_POINTS)
    assert test.reliability == pytest.approx(0.9)
    assert test.kr20 is None
    assert test.mean == pytest.approx(5.0)
    assert test.sd == pytest.approx(2.5 * math.sqrt(2.5))
    assert test.sem == pytest.approx(1.25)
    assert test.distribution == [1, 0, 1, 0, 0, 0, 0, 1, 0, 1]


def test_two_forms_count_each_item_over_the_candidates_who_had_it():
    # Example A twice: form X asks items 0–3, form Y items 4–7 with the same answers.
    # Each item has 6 responses and the statistics of A; reliability per form is 40/123 and
    # their weighted mean too; 10-point scores repeat A's.
    both = np.full((12, 8), np.nan)
    both[:6, :4] = A
    both[6:, 4:] = A
    forms = np.array(["X"] * 6 + ["Y"] * 6)
    items = stats.item_statistics(both, np.ones(8))
    assert [s.responses for s in items] == [6] * 8
    assert [s.facility for s in items[4:]] == pytest.approx([5 / 6, 1 / 2, 1 / 2, 1 / 3])
    assert items[7].point_biserial == pytest.approx(-2 / math.sqrt(82))
    test = stats.exam_statistics(both, np.ones(8), forms)
    assert test.reliability == pytest.approx(40 / 123)
    assert test.mean == pytest.approx(32.5 / 6)
    assert test.distribution == [0, 0, 4, 0, 0, 4, 0, 2, 0, 2]


def test_an_item_everyone_got_right_has_no_correlation_and_is_too_easy():
    everyone = np.array([[1, 1], [1, 0], [1, 1]], dtype=float)
    first = stats.item_statistics(everyone, np.ones(2))[0]
    assert first.facility == 1.0 and first.point_biserial is None
    assert first.flags == ["too_easy"]


@pytest.mark.parametrize(
    ("p", "r", "expected"),
    [
        (0.5, 0.3, []),
        (0.5, -0.01, ["negative_discrimination"]),
        (0.2, 0.3, []),  # the thresholds themselves are not flagged: p < 0.2, p > 0.95
        (0.19, 0.3, ["too_hard"]),
        (0.95, 0.3, []),
        (0.96, 0.0, ["too_easy"]),
        (0.1, -0.2, ["negative_discrimination", "too_hard"]),
    ],
)
def test_flags_use_the_issue_thresholds(p, r, expected):
    assert stats.flags_for(p, r, None) == expected


def test_flags_fall_back_to_d_when_r_is_unknown():
    assert stats.flags_for(0.5, None, -0.5) == ["negative_discrimination"]


def test_distractor_counts_single_choice():
    # Options 0..3: two chose 0, one chose 2, one left it blank, one sent a bad index (blank).
    counts = stats.distractor_counts([0, 2, None, 0, 7], 4)
    assert counts == {"0": 2, "1": 0, "2": 1, "3": 0, "blank": 2}


def test_distractor_counts_multiple_response_count_each_chosen_option():
    counts = stats.distractor_counts([[0, 1], [1], [], None, [1, 1, 2]], 3)
    assert counts == {"0": 1, "1": 3, "2": 1, "blank": 2}


def test_score_distribution_puts_ten_in_the_last_bin():
    assert stats.score_distribution(np.array([0.0, 0.99, 1.0, 9.99, 10.0])) == [
        2, 1, 0, 0, 0, 0, 0, 0, 0, 2,
    ]  # fmt: skip
