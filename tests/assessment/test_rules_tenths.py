"""The integer fast path of the averages (used by bulk computation) agrees with the Decimal rules."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.assessment import rules

tenths = st.integers(min_value=0, max_value=100)


def as_score(value: int) -> Decimal:
    return Decimal(value).scaleb(-1)


@given(regular=st.lists(tenths, min_size=1, max_size=4), midterm=tenths, final=tenths)
def test_term_average_in_tenths_equals_the_decimal_term_average(regular, midterm, final):
    expected = rules.term_average(
        [as_score(v) for v in regular], as_score(midterm), as_score(final)
    )
    assert rules.term_average_tenths(regular, midterm, final) == int(expected * 10)


@given(term1=tenths, term2=tenths)
def test_year_average_in_tenths_equals_the_decimal_year_average(term1, term2):
    expected = rules.year_average(as_score(term1), as_score(term2))
    assert rules.year_average_tenths(term1, term2) == int(expected * 10)


def test_the_worked_examples_in_tenths():
    assert rules.term_average_tenths([80, 90], 70, 80) == 79
    assert rules.year_average_tenths(79, 83) == 82


def test_a_half_tenth_rounds_up_in_tenths():
    # (8 + 8 + 2·8 + 3·8.5) / 7 = 8.214… and (7 + 2·8.25)/3 style boundaries: exact .x5 goes up.
    assert rules.term_average_tenths([85, 80], 80, 85) == 83  # 58.0 / 7 = 8.285… → 8.3
    assert rules.year_average_tenths(80, 81) == 81  # 24.2 / 3 = 8.0666… → 8.1
    assert rules.year_average_tenths(81, 82) == 82  # 24.5 / 3 = 8.1666… → 8.2
    assert rules.term_average_tenths([75], 75, 80) == 78  # 46.5 / 6 = 7.75 → 7.8


@pytest.mark.parametrize("bad", [-1, 101, 7.5, True, None, "80"])
def test_a_value_that_is_not_whole_tenths_of_0_to_10_is_refused(bad):
    with pytest.raises(rules.AssessmentError):
        rules.term_average_tenths([80, 80], bad, 80)


def test_no_regular_score_is_refused_in_tenths():
    with pytest.raises(rules.AssessmentError):
        rules.term_average_tenths([], 80, 80)


@pytest.mark.parametrize("score", ["7.30", "0.0", "-0.0", "10"])
def test_a_valid_decimal_score_parses_to_its_one_decimal_value(score):
    parsed = rules.parse_score(Decimal(score))
    assert parsed == Decimal(score) and parsed.as_tuple().exponent == -1 and not parsed.is_signed()
