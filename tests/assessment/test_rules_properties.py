"""Properties of the Circular 22 arithmetic and ratings, checked with hypothesis."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from hocso.assessment.rules import (
    LEVELS,
    learning_result,
    learning_result_detail,
    parse_score,
    term_average,
    year_average,
)

RANK = {level: len(LEVELS) - index for index, level in enumerate(LEVELS)}

tenths = st.integers(min_value=0, max_value=100)
scores = tenths.map(lambda n: Decimal(n).scaleb(-1))
regulars = st.lists(scores, min_size=1, max_size=4)
SUBJECTS = ["NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN", "LS", "DL"]
scored_maps = st.integers(min_value=6, max_value=len(SUBJECTS)).flatmap(
    lambda n: st.fixed_dictionaries({subject: scores for subject in SUBJECTS[:n]})
)
comment_maps = st.dictionaries(st.sampled_from(["GDTC", "NT", "HDTN", "GDDP"]), st.booleans())


def half_up(value: Fraction) -> Decimal:
    """Reference rounding with exact fractions: floor(10·x + ½) / 10."""
    tenths_count = (value * 10 + Fraction(1, 2)).__floor__()
    return Decimal(tenths_count).scaleb(-1)


@given(regulars, scores, scores)
def test_term_average_matches_exact_fraction_arithmetic(regular, midterm, final):
    total = sum(Fraction(r) for r in regular) + 2 * Fraction(midterm) + 3 * Fraction(final)
    expected = half_up(total / (len(regular) + 5))
    assert term_average(regular, midterm, final) == expected


@given(regulars, scores, scores)
def test_term_average_lies_between_the_lowest_and_highest_score(regular, midterm, final):
    values = [*regular, midterm, final]
    average = term_average(regular, midterm, final)
    assert min(values) <= average <= max(values)
    assert parse_score(average) == average  # a valid score: 0–10, one decimal


@given(scores, scores)
def test_year_average_lies_between_the_two_terms_and_matches_fractions(term1, term2):
    average = year_average(term1, term2)
    assert min(term1, term2) <= average <= max(term1, term2)
    assert average == half_up((Fraction(term1) + 2 * Fraction(term2)) / 3)


@given(regulars, scores, scores, st.data())
def test_raising_one_score_never_lowers_the_term_average(regular, midterm, final, data):
    before = term_average(regular, midterm, final)
    position = data.draw(st.integers(min_value=0, max_value=len(regular) + 1))
    values = [*regular, midterm, final]
    values[position] = data.draw(scores.filter(lambda s: s >= values[position]))
    after = term_average(values[:-2], values[-2], values[-1])
    assert after >= before


@given(scores, scores, scores)
def test_raising_a_term_average_never_lowers_the_year_average(term1, term2, higher):
    if higher >= term1:
        assert year_average(higher, term2) >= year_average(term1, term2)
    if higher >= term2:
        assert year_average(term1, higher) >= year_average(term1, term2)


@given(scored_maps, comment_maps, st.data())
def test_raising_one_subject_never_lowers_the_learning_result(scored, commented, data):
    before = learning_result(scored, commented)
    subject = data.draw(st.sampled_from(sorted(scored)))
    raised = {**scored, subject: data.draw(scores.filter(lambda s: s >= scored[subject]))}
    assert RANK[learning_result(raised, commented)] >= RANK[before]


@given(scored_maps, comment_maps, st.data())
def test_passing_a_comment_subject_never_lowers_the_learning_result(scored, commented, data):
    before = learning_result(scored, commented)
    if commented:
        subject = data.draw(st.sampled_from(sorted(commented)))
        passed = {**commented, subject: True}
        assert RANK[learning_result(scored, passed)] >= RANK[before]


@given(scored_maps, comment_maps)
def test_adjustment_raises_by_exactly_one_level_or_not_at_all(scored, commented):
    detail = learning_result_detail(scored, commented)
    if detail.adjusted:
        assert RANK[detail.level] == RANK[detail.computed] + 1
        assert detail.adjusted_for in scored or detail.adjusted_for in commented
    else:
        assert detail.level == detail.computed


@given(scored_maps, comment_maps)
def test_subject_order_does_not_change_the_learning_result(scored, commented):
    reversed_scored = dict(reversed(list(scored.items())))
    reversed_commented = dict(reversed(list(commented.items())))
    assert learning_result_detail(reversed_scored, reversed_commented) == learning_result_detail(
        scored, commented
    )
