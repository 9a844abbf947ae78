"""The scoring rules, one per item type (questions/rules.py), and the 2025 short-answer check."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.questions import rules
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Statement,
    TextAnswer,
)

D = Decimal
ONE = D(1)


def choices(*fractions) -> list[Choice]:
    return [Choice(text=f"Phương án {i}", fraction=D(f)) for i, f in enumerate(fractions)]


def statements(*truths) -> list[Statement]:
    return [Statement(text=f"Ý {i}", is_true=t) for i, t in enumerate(truths)]


# --- single choice ----------------------------------------------------------------------------


def test_single_choice_right_option_earns_the_points():
    assert rules.score_single_choice(choices(0, 1, 0, 0), 1, D("0.25")) == D("0.25")


def test_single_choice_wrong_or_blank_or_out_of_range_earns_nothing():
    options = choices(0, 1, 0, 0)
    assert rules.score_single_choice(options, 0, ONE) == 0
    assert rules.score_single_choice(options, None, ONE) == 0
    assert rules.score_single_choice(options, 7, ONE) == 0
    assert rules.score_single_choice(options, -1, ONE) == 0


def test_single_choice_partial_option_earns_its_share_and_a_penalty_never_goes_below_zero():
    options = choices(1, "0.5", "-0.3")
    assert rules.score_single_choice(options, 1, D(2)) == D(1)
    assert rules.score_single_choice(options, 2, D(2)) == 0


# --- multiple response ------------------------------------------------------------------------


def test_multiple_response_adds_the_fractions_of_the_chosen_options():
    options = choices("0.5", "0.5", "-0.5", "-0.5")
    assert rules.score_multiple_response(options, {0, 1}, D(2)) == D(2)
    assert rules.score_multiple_response(options, {0}, D(2)) == D(1)


def test_multiple_response_choosing_everything_cancels_out():
    options = choices("0.5", "0.5", "-0.5", "-0.5")
    assert rules.score_multiple_response(options, {0, 1, 2, 3}, ONE) == 0


def test_multiple_response_is_floored_at_zero():
    options = choices("0.5", "0.5", "-1", "-1")
    assert rules.score_multiple_response(options, {0, 2, 3}, ONE) == 0


def test_multiple_response_is_capped_at_the_points():
    options = choices("0.6", "0.6", "-1")
    assert rules.score_multiple_response(options, {0, 1}, ONE) == ONE


def test_multiple_response_counts_an_option_chosen_twice_once():
    options = choices("0.5", "0.5", "-1")
    assert rules.score_multiple_response(options, [0, 0], ONE) == D("0.5")


def test_multiple_response_thirds_are_cut_not_rounded_up():
    options = choices("0.33333", "0.33333", "0.33333", "-1")
    assert rules.score_multiple_response(options, {0}, ONE) == D("0.3333")


# --- true/false -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "answer", "expected"),
    [(True, True, ONE), (True, False, 0), (False, False, ONE), (False, True, 0), (True, None, 0)],
)
def test_true_false(correct, answer, expected):
    assert rules.score_true_false(correct, answer, ONE) == expected


# --- 2025 true/false of four statements -------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([False, True, False, True], D("0")),
        ([True, True, False, True], D("0.1")),
        ([True, False, False, True], D("0.25")),
        ([True, False, True, True], D("0.5")),
        ([True, False, True, False], D("1")),
    ],
)
def test_true_false_4_scores_by_statements_right(answers, expected):
    key = statements(True, False, True, False)
    assert rules.score_true_false_4(key, answers, ONE) == expected


def test_true_false_4_scales_with_the_items_points():
    key = statements(True, True, True, True)
    assert rules.score_true_false_4(key, [True, True, False, False], D(2)) == D("0.5")


def test_true_false_4_blank_statements_are_not_right():
    key = statements(False, False, False, False)
    assert rules.score_true_false_4(key, [None, None, False, False], ONE) == D("0.25")
    assert rules.score_true_false_4(key, [], ONE) == 0


def test_true_false_4_needs_four_statements():
    with pytest.raises(ValueError, match="4 statements"):
        rules.score_true_false_4(statements(True, False, True), [True, False, True], ONE)


# --- short text -------------------------------------------------------------------------------


def answers(*texts) -> list[TextAnswer]:
    return [TextAnswer(text=t) for t in texts]


def test_short_text_diacritics_count():
    key = answers("Hà Nội")
    assert rules.score_short_text(key, "Hà Nội", ONE, case_sensitive=False) == ONE
    assert rules.score_short_text(key, "Ha Noi", ONE, case_sensitive=False) == 0


def test_short_text_accepts_any_listed_variant():
    key = answers("Hà Nội", "Ha Noi", "Thủ đô Hà Nội")
    assert rules.score_short_text(key, "Ha Noi", ONE, case_sensitive=False) == ONE
    assert rules.score_short_text(key, "thủ đô hà nội", ONE, case_sensitive=False) == ONE


def test_short_text_case_follows_the_item():
    key = answers("NaCl")
    assert rules.score_short_text(key, "nacl", ONE, case_sensitive=False) == ONE
    assert rules.score_short_text(key, "nacl", ONE, case_sensitive=True) == 0
    assert rules.score_short_text(key, "NaCl", ONE, case_sensitive=True) == ONE


def test_short_text_nfd_input_equals_the_nfc_key():
    nfd = "Ha\u0300 No\u0323\u0302i"  # "Hà Nội" typed with combining marks
    assert rules.score_short_text(answers("Hà Nội"), nfd, ONE, case_sensitive=True) == ONE


def test_short_text_surrounding_and_repeated_spaces_are_ignored():
    key = answers("Nguyễn Trãi")
    assert rules.score_short_text(key, "  Nguyễn   Trãi \t", ONE, case_sensitive=True) == ONE
    assert rules.score_short_text(key, "NguyễnTrãi", ONE, case_sensitive=True) == 0


def test_short_text_best_matching_variant_counts_and_blank_earns_nothing():
    key = [TextAnswer("Lê Lợi", D(1)), TextAnswer("Lê Thái Tổ", D("0.5"))]
    assert rules.score_short_text(key, "Lê Thái Tổ", D(2), case_sensitive=False) == ONE
    assert rules.score_short_text(key, "   ", D(2), case_sensitive=False) == 0
    assert rules.score_short_text(key, None, D(2), case_sensitive=False) == 0


def test_short_text_asterisk_is_not_a_wildcard():
    assert rules.score_short_text(answers("a*"), "abc", ONE, case_sensitive=False) == 0
    assert rules.score_short_text(answers("a*"), "a*", ONE, case_sensitive=False) == ONE


# --- short numeric ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,5", D("3.5")), ("3.5", D("3.5")), (" -2 ", D(-2)), ("+0,25", D("0.25")),
        (",5", D("0.5")), ("12", D(12)), ("\u22121,5", D("-1.5")), ("３,５", D("3.5")),
    ],
)  # fmt: skip
def test_parse_number_accepts_comma_and_point(text, expected):
    assert rules.parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.000,5", "1,2,3", "3 5", "1e3", "--1", None, "٣"])
def test_parse_number_rejects_what_is_not_a_plain_number(text):
    assert rules.parse_number(text) is None


def test_short_numeric_exact_answer():
    key = [NumericAnswer(value=D("3.5"))]
    assert rules.score_short_numeric(key, "3,5", D("0.5")) == D("0.5")
    assert rules.score_short_numeric(key, "3.5", D("0.5")) == D("0.5")
    assert rules.score_short_numeric(key, "3,6", D("0.5")) == 0


def test_short_numeric_tolerance_bounds_are_inclusive():
    key = [NumericAnswer(value=D(5), tolerance=D(1))]  # GIFT {#4..6}
    assert rules.score_short_numeric(key, "4", ONE) == ONE
    assert rules.score_short_numeric(key, "6", ONE) == ONE
    assert rules.score_short_numeric(key, "6,01", ONE) == 0
    assert rules.score_short_numeric(key, "3,99", ONE) == 0


def test_short_numeric_best_of_several_answers_and_garbage_earns_nothing():
    key = [NumericAnswer(D("3.14"), D("0.01")), NumericAnswer(D(3), D("0.5"), D("0.5"))]
    assert rules.score_short_numeric(key, "3,14", ONE) == ONE
    assert rules.score_short_numeric(key, "3,3", ONE) == D("0.5")
    assert rules.score_short_numeric(key, "pi", ONE) == 0


@pytest.mark.parametrize("text", ["-1,5", "12", "0,25", "1234", "-123", "0"])
def test_2025_short_answer_fits_the_answer_sheet(text):
    assert rules.short_answer_2025_problems(text) == []


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("12,34", ["too_long"]),
        ("-12,5", ["too_long"]),
        ("12345", ["too_long"]),
        ("3.5", ["not_a_number"]),
        ("1/2", ["not_a_number"]),
        ("+1", ["not_a_number"]),
        ("1,", ["not_a_number"]),
        ("abcde", ["not_a_number", "too_long"]),
        ("", ["empty"]),
        (None, ["empty"]),
    ],
)
def test_2025_short_answer_problems(text, problems):
    assert rules.short_answer_2025_problems(text) == problems


# --- matching ---------------------------------------------------------------------------------


PAIRS = [
    Pair("Hà Nội", "Thủ đô"),
    Pair("Cần Thơ", "Tây Nam Bộ"),
    Pair("Trà Vinh", "Tây Nam Bộ"),
    Pair("", "Tây Nguyên"),  # distractor
]


def test_matching_scores_the_share_of_prompts_right():
    assert rules.score_matching(PAIRS, ["Thủ đô", "Tây Nam Bộ", "Tây Nam Bộ"], D(3)) == D(3)
    assert rules.score_matching(PAIRS, ["Thủ đô", "Tây Nguyên", None], D(3)) == D(1)
    assert rules.score_matching(PAIRS, ["Tây Nguyên", "Thủ đô"], D(3)) == 0


def test_matching_shares_are_cut_to_four_places():
    assert rules.score_matching(PAIRS, ["Thủ đô", None, None], ONE) == D("0.3333")


def test_matching_without_prompts_earns_nothing():
    assert rules.score_matching([Pair("", "x")], ["x"], ONE) == 0


# --- ordering ---------------------------------------------------------------------------------


ORDER = ["Nhà Ngô", "Nhà Đinh", "Nhà Tiền Lê", "Nhà Lý", "Nhà Trần"]


def test_ordering_is_all_or_nothing_by_default():
    assert rules.score_ordering(ORDER, list(ORDER), ONE) == ONE
    swapped = [ORDER[1], ORDER[0], *ORDER[2:]]
    assert rules.score_ordering(ORDER, swapped, ONE) == 0


def test_ordering_partial_counts_the_longest_correctly_ordered_subsequence():
    swapped = [ORDER[1], ORDER[0], *ORDER[2:]]  # 4 of 5 in order
    assert rules.score_ordering(ORDER, swapped, ONE, partial=True) == D("0.8")
    assert rules.score_ordering(ORDER, list(ORDER), ONE, partial=True) == ONE


def test_ordering_partial_gives_nothing_for_a_reversed_order():
    assert rules.score_ordering(ORDER, list(reversed(ORDER)), ONE, partial=True) == 0


def test_longest_ordered_subsequence():
    assert rules.longest_ordered_subsequence("abcde", "aXcbe") == 3
    assert rules.longest_ordered_subsequence("abc", "") == 0


# --- essay and dispatch -----------------------------------------------------------------------


def test_essay_is_graded_by_hand():
    assert rules.score_essay() is None
    assert rules.score_item(ItemData(type=ItemType.ESSAY, stem="Viết đoạn văn"), "…") is None


def test_score_item_dispatches_by_type_with_the_items_points():
    item = ItemData(
        type=ItemType.TRUE_FALSE_4, stem="Xét các ý", points=D(1),
        statements=statements(True, True, False, False),
    )  # fmt: skip
    assert rules.score_item(item, [True, True, False, True]) == D("0.5")
    assert rules.score_item(item, [True, True, False, True], D(2)) == D(1)
    numeric = ItemData(
        type=ItemType.SHORT_NUMERIC, stem="x?", points=D("0.5"),
        numeric_answers=[NumericAnswer(D("-1.5"))],
    )  # fmt: skip
    assert rules.score_item(numeric, "-1,5") == D("0.5")
    text = ItemData(
        type=ItemType.SHORT_TEXT, stem="?", text_answers=answers("NaCl"), case_sensitive=True
    )
    assert rules.score_item(text, "nacl") == 0
    assert rules.score_item(ItemData(ItemType.TRUE_FALSE, "?", correct=False), False) == ONE
    assert rules.score_item(ItemData(ItemType.MATCHING, "?", pairs=PAIRS), []) == 0
    assert rules.score_item(ItemData(ItemType.ORDERING, "?", order=ORDER), ORDER) == ONE
    mc = ItemData(ItemType.MULTIPLE_RESPONSE, "?", choices=choices("0.5", "0.5", "-1"))
    assert rules.score_item(mc, {1}) == D("0.5")
    assert rules.score_item(ItemData(ItemType.SINGLE_CHOICE, "?", choices=choices(0, 1)), 1) == 1


# --- properties: a score is always within [0, points] -----------------------------------------

points_st = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
fraction_st = st.decimals(
    min_value=-1, max_value=1, places=5, allow_nan=False, allow_infinity=False
)
texts = st.text(max_size=8)


def _within(score, points) -> bool:
    return score is not None and 0 <= score <= points


@given(st.lists(fraction_st, min_size=1, max_size=8), st.data(), points_st)
def test_choice_scores_stay_within_the_points(fractions, data, points):
    options = [Choice(text=str(i), fraction=f) for i, f in enumerate(fractions)]
    chosen = data.draw(st.sets(st.integers(min_value=-2, max_value=10)))
    one = data.draw(st.one_of(st.none(), st.integers(min_value=-2, max_value=10)))
    assert _within(rules.score_multiple_response(options, chosen, points), points)
    assert _within(rules.score_single_choice(options, one, points), points)


@given(
    st.lists(st.booleans(), min_size=4, max_size=4),
    st.lists(st.one_of(st.none(), st.booleans()), max_size=6),
    points_st,
)
def test_true_false_4_scores_stay_within_the_points_and_are_one_of_the_five_shares(
    truths, answers_given, points
):
    score = rules.score_true_false_4(statements(*truths), answers_given, points)
    assert _within(score, points)
    assert score in {rules.award(share, points) for share in rules.TRUE_FALSE_4_SHARES.values()}


@given(st.lists(st.tuples(texts, fraction_st), max_size=5), st.one_of(st.none(), texts),
       st.booleans(), points_st)  # fmt: skip
def test_short_text_scores_stay_within_the_points(key, response, case_sensitive, points):
    variants = [TextAnswer(text=t, fraction=f) for t, f in key]
    score = rules.score_short_text(variants, response, points, case_sensitive=case_sensitive)
    assert _within(score, points)


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=-1000, max_value=1000, places=2),
            st.decimals(min_value=0, max_value=10, places=2),
            fraction_st,
        ),
        max_size=4,
    ),
    st.one_of(st.none(), st.text(alphabet="0123456789,.-+ ", max_size=8)),
    points_st,
)
def test_short_numeric_scores_stay_within_the_points(key, response, points):
    numeric = [NumericAnswer(value=v, tolerance=t, fraction=f) for v, t, f in key]
    assert _within(rules.score_short_numeric(numeric, response, points), points)


@given(st.lists(st.tuples(texts, texts), max_size=6), st.lists(st.one_of(st.none(), texts),
       max_size=8), points_st)  # fmt: skip
def test_matching_scores_stay_within_the_points(pairs, given_answers, points):
    score = rules.score_matching([Pair(a, b) for a, b in pairs], given_answers, points)
    assert _within(score, points)


@given(st.lists(texts, max_size=7), st.lists(texts, max_size=7), st.booleans(), points_st)
def test_ordering_scores_stay_within_the_points(order, response, partial, points):
    assert _within(rules.score_ordering(order, response, points, partial=partial), points)


@given(st.permutations(list(range(6))))
def test_ordering_partial_never_scores_a_wrong_order_full_and_right_order_full(perm):
    order = [str(i) for i in range(6)]
    response = [str(i) for i in perm]
    score = rules.score_ordering(order, response, ONE, partial=True)
    assert (score == ONE) == (response == order)
