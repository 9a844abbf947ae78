"""The forecast arithmetic (monitoring/forecast.py), no database.

The hand-computed example: three school years of grades 1–5 (year index = the calendar year the
school year starts in) and births.

    learners    g1   g2   g3   g4   g5
    2024-2025  100   98   96   95   90
    2025-2026  110   97   95   94   93
    2026-2027  105  108   94   92   92

    births: 2018: 120, 2019: 125, 2020: 120, 2021: 146, 2022: 73, 2023: 100, 2024: 110
            (2025 unknown)

Progression ratios, ratio of sums over the two pairs (2024→2025, 2025→2026):
    GPR(1) = (97 + 108) / (100 + 110) = 205/210 = 41/42   ≈ 0.9762
    GPR(2) = (95 + 94)  / (98 + 97)   = 189/195 = 63/65   ≈ 0.9692
    GPR(3) = (94 + 92)  / (96 + 95)   = 186/191           ≈ 0.9738
    GPR(4) = (93 + 92)  / (95 + 94)   = 185/189           ≈ 0.9788
Entry ratio, grade 1 over the births six years before (2018→2024, 2019→2025, 2020→2026):
    ER = (100 + 110 + 105) / (120 + 125 + 120) = 315/365 = 63/73 ≈ 0.8630
Grade-1 trend (for a year without births): (105 − 100) / (2026 − 2024) = +5/2 a year.

Projection, each figure rounded half up:
    2027  g1 = 146 × 63/73 = 126
          g2 = 105 × 41/42 = 102.5 → 103     g3 = 108 × 63/65 = 104.68 → 105
          g4 =  94 × 186/191 = 91.54 → 92    g5 =  92 × 185/189 = 90.05 → 90
    2028  g1 =  73 × 63/73 = 63
          g2 = 126 × 41/42 = 123             g3 = 103 × 63/65 = 99.83 → 100
          g4 = 105 × 186/191 = 102.25 → 102  g5 =  92 × 185/189 = 90.05 → 90
    2029  g1 = 100 × 63/73 = 86.30 → 86
          g2 =  63 × 41/42 = 61.5 → 62       g3 = 123 × 63/65 = 119.22 → 119
          g4 = 100 × 186/191 = 97.38 → 97    g5 = 102 × 185/189 = 99.84 → 100
    2030  g1 = 110 × 63/73 = 94.93 → 95
          g2 =  86 × 41/42 = 83.95 → 84      g3 =  62 × 63/65 = 60.09 → 60
          g4 = 119 × 186/191 = 115.88 → 116  g5 =  97 × 185/189 = 94.95 → 95
    2031  g1 = trend (no births of 2025): 105 + 5/2 × 5 = 117.5 → 118
          g2 =  95 × 41/42 = 92.74 → 93      g3 =  84 × 63/65 = 81.42 → 81
          g4 =  60 × 186/191 = 58.43 → 58    g5 = 116 × 185/189 = 113.54 → 114

Teacher demand (primary: 35 a class, 1.5 teachers a class):
    2027  ⌈126/35⌉ + ⌈103/35⌉ + ⌈105/35⌉ + ⌈92/35⌉ + ⌈90/35⌉ = 4 + 3 + 3 + 3 + 3 = 16 classes
          → 16 × 1.5 = 24 teachers
    2028  2 + 4 + 3 + 3 + 3 = 15 classes → 22.5 → 23 teachers

Back-test: only 2026 has two earlier years. From 2024 and 2025 alone: GPR(1) = 97/100,
GPR(2) = 95/98, GPR(3) = 94/96, GPR(4) = 93/95, ER = (100 + 110) / (120 + 125) = 6/7:
    g1 = 120 × 6/7 = 102.86 → 103 (actual 105: error 2/105 = 1.905 %)
    g2 = 110 × 97/100 = 106.7 → 107 (actual 108: 1/108 = 0.926 %)
    g3 =  97 × 95/98 = 94.03 → 94 (actual 94: 0 %)
    g4 =  95 × 94/96 = 93.02 → 93 (actual 92: 1/92 = 1.087 %)
    g5 =  94 × 93/95 = 92.02 → 92 (actual 92: 0 %)
    total 489 against 491: 2/491 = 0.407 %; MAPE of the grades (1.905 + 0.926 + 0 + 1.087 + 0)/5
"""

from fractions import Fraction

import pytest

from hocso.monitoring import forecast as fc

HISTORY = {
    2024: {1: 100, 2: 98, 3: 96, 4: 95, 5: 90},
    2025: {1: 110, 2: 97, 3: 95, 4: 94, 5: 93},
    2026: {1: 105, 2: 108, 3: 94, 4: 92, 5: 92},
}
BIRTHS = {2018: 120, 2019: 125, 2020: 120, 2021: 146, 2022: 73, 2023: 100, 2024: 110}
PRIMARY = (1, 2, 3, 4, 5)


def test_progression_ratios_are_ratios_of_sums_over_the_year_pairs():
    ratios = fc.progression_ratios(HISTORY, PRIMARY)
    assert {g: r.value for g, r in ratios.items()} == {
        1: Fraction(41, 42),
        2: Fraction(63, 65),
        3: Fraction(186, 191),
        4: Fraction(185, 189),
    }
    assert (ratios[1].numerator, ratios[1].denominator) == (205, 210)
    assert ratios[1].years == (2024, 2025)


def test_ratio_of_sums_differs_from_the_mean_of_ratios():
    # 2 of 1 then 90 of 100: the mean of ratios would say 1.45, the pooled ratio 92/101.
    history = {1: {1: 1, 2: 0}, 2: {1: 100, 2: 2}, 3: {1: 0, 2: 90}}
    assert fc.progression_ratios(history, (1, 2))[1].value == Fraction(92, 101)


def test_only_the_last_pairs_of_consecutive_years_count():
    history = {y: {1: 100, 2: 100} for y in (2018, 2019, 2020, 2021, 2023, 2024)}
    history[2019][2] = 10  # the 2018→2019 pair falls outside the last three pairs
    ratio = fc.progression_ratios(history, (1, 2), pairs=3)[1]
    assert ratio.years == (2019, 2020, 2023)  # 2021→2022 is missing: no pair
    assert ratio.value == 1


def test_entry_ratio_relates_grade_one_to_births_six_years_before():
    ratio = fc.entry_ratio(HISTORY, BIRTHS)
    assert (ratio.numerator, ratio.denominator, ratio.years) == (315, 365, (2024, 2025, 2026))
    assert ratio.value == Fraction(63, 73)


def test_hand_computed_projection():
    projection = fc.project(HISTORY, PRIMARY, BIRTHS)
    assert projection.years == [2027, 2028, 2029, 2030, 2031]
    assert projection.enrolment == {
        2027: {1: 126, 2: 103, 3: 105, 4: 92, 5: 90},
        2028: {1: 63, 2: 123, 3: 100, 4: 102, 5: 90},
        2029: {1: 86, 2: 62, 3: 119, 4: 97, 5: 100},
        2030: {1: 95, 2: 84, 3: 60, 4: 116, 5: 95},
        2031: {1: 118, 2: 93, 3: 81, 4: 58, 5: 114},
    }
    assert [projection.methods[y][1] for y in projection.years] == [fc.BIRTHS] * 4 + [fc.TREND]
    assert projection.total(2027) == 516


def test_hand_computed_teacher_demand():
    demand = fc.teacher_demand({1: 126, 2: 103, 3: 105, 4: 92, 5: 90}, fc.PRIMARY)
    assert demand.classes_by_grade == {1: 4, 2: 3, 3: 3, 4: 3, 5: 3}
    assert (demand.classes, demand.teachers) == (16, 24)
    half = fc.teacher_demand({1: 63, 2: 123, 3: 100, 4: 102, 5: 90}, fc.PRIMARY)
    assert (half.classes, half.teachers_exact, half.teachers) == (15, Fraction(45, 2), 23)


def test_teacher_demand_uses_each_levels_norms():
    lower = fc.teacher_demand({6: 46, 7: 45, 8: 0, 9: 1}, fc.LOWER_SECONDARY)
    assert lower.classes_by_grade == {6: 2, 7: 1, 8: 0, 9: 1}
    assert lower.teachers_exact == 4 * Fraction(19, 10)  # 7.6 → 8
    assert lower.teachers == 8
    upper = fc.teacher_demand({10: 90, 11: 91, 12: 45}, fc.UPPER_SECONDARY)
    assert (upper.classes, upper.teachers_exact, upper.teachers) == (6, Fraction(27, 2), 14)


def test_hand_computed_backtest():
    test = fc.backtest(HISTORY, PRIMARY, BIRTHS)
    assert [row.year for row in test.years] == [2026]
    row = test.years[0]
    assert row.forecast == {1: 103, 2: 107, 3: 94, 4: 93, 5: 92}
    assert row.errors == {
        1: Fraction(200, 105),
        2: Fraction(100, 108),
        3: 0,
        4: Fraction(100, 92),
        5: 0,
    }
    assert (row.total_forecast, row.total_actual) == (489, 491)
    assert row.total_error == Fraction(200, 491)
    expected_mape = (Fraction(200, 105) + Fraction(100, 108) + Fraction(100, 92)) / 5
    assert row.mape == expected_mape
    assert test.total_mape == Fraction(200, 491)


def test_backtest_on_a_known_series_is_exact_and_one_step_ahead():
    """Every cohort loses a tenth each year and 200 children enter each year: the ratios are
    0.9 from the first pair on, so every back-tested year (2022 to 2024) is exact."""
    history = {}
    for year in range(2020, 2025):
        history[year] = {1: 200, 2: 180, 3: 162}
    test = fc.backtest(history, (1, 2, 3))
    assert [row.year for row in test.years] == [2022, 2023, 2024]
    assert all(row.total_error == 0 and row.mape == 0 for row in test.years)
    assert test.grade_mape == {1: 0, 2: 0, 3: 0}


def test_backtest_reports_a_known_error():
    """Grade 2 drops from 90 % to 80 % survival in the last year: forecast 90, actual 80."""
    history = {
        2020: {1: 100, 2: 90},
        2021: {1: 100, 2: 90},
        2022: {1: 100, 2: 80},
    }
    row = fc.backtest(history, (1, 2)).years[0]
    assert row.forecast == {1: 100, 2: 90}
    assert row.errors == {1: 0, 2: Fraction(100 * 10, 80)}  # 12.5 %
    assert row.total_error == Fraction(1000, 180)


def test_backtest_needs_two_earlier_years():
    two = {2024: HISTORY[2024], 2025: HISTORY[2025]}
    assert fc.backtest(two, PRIMARY).years == []
    assert fc.backtest(two, PRIMARY).total_mape is None


def test_a_grade_with_zero_enrolment_has_no_ratio_and_the_next_grade_follows_its_trend():
    history = {
        2024: {1: 50, 2: 0, 3: 40},
        2025: {1: 60, 2: 0, 3: 44},
    }
    projection = fc.project(history, (1, 2, 3), horizon=2)
    ratios = projection.ratios
    assert ratios[2].value is None and ratios[2].denominator == 0
    assert ratios[1].value == 0  # nobody in grade 2 the next year
    # grade 3 follows its own trend, +4 a year; grade 2 stays at zero; grade 1 by its trend
    assert projection.enrolment == {2026: {1: 70, 2: 0, 3: 48}, 2027: {1: 80, 2: 0, 3: 52}}
    assert projection.methods[2026] == {1: fc.TREND, 3: fc.TREND}


def test_without_births_grade_one_follows_its_average_trend():
    projection = fc.project(HISTORY, PRIMARY)
    assert projection.entry is None
    # (105 − 100) / 2 = 2.5 a year from 105: 107.5 → 108, 110, 112.5 → 113, 115, 117.5 → 118
    assert [projection.enrolment[y][1] for y in projection.years] == [108, 110, 113, 115, 118]
    assert all(projection.methods[y][1] == fc.TREND for y in projection.years)


def test_trend_never_goes_below_zero():
    history = {2024: {1: 30}, 2025: {1: 10}}
    projection = fc.project(history, (1,), horizon=3)
    assert [projection.enrolment[y][1] for y in projection.years] == [0, 0, 0]


def test_births_without_matching_past_years_give_no_entry_ratio():
    assert fc.entry_ratio(HISTORY, {2000: 500}) is None
    projection = fc.project(HISTORY, PRIMARY, {2000: 500})
    assert projection.methods[2027][1] == fc.TREND


def test_a_level_forecast_projects_grade_six_from_grade_five():
    history = {
        2024: {5: 100, 6: 95},
        2025: {5: 100, 6: 90},
    }
    projection = fc.project(history, (5, 6), horizon=1)
    assert projection.ratios[5].value == Fraction(90, 100)
    assert projection.enrolment[2026][6] == 90


def test_a_projection_needs_an_observed_year():
    with pytest.raises(ValueError):
        fc.project({}, PRIMARY)


def test_percentage_error_is_none_when_nothing_was_observed():
    assert fc.percentage_error(5, 0) is None
    assert fc.percentage_error(110, 100) == 10


def test_chain_and_year_code():
    assert fc.chain_grades(fc.LOWER_SECONDARY) == (1, 2, 3, 4, 5, 6, 7, 8, 9)
    assert fc.year_code(2026) == "2026-2027"
    assert fc.round_half_up(Fraction(5, 2)) == 3 and fc.round_half_up(Fraction(7, 2)) == 4
