"""How a response to a question is scored: one pure function per item type (no Django import),
shared by the question bank's preview and by online exams.

Every function takes the item's points and returns the points earned as a Decimal in
[0, points]; essays return None (graded by hand against the rubric). A partial score is
`points × fraction` cut (never rounded up) to 4 decimal places, so a score never exceeds the
item's points; a fully right response earns exactly `points`.

Responses:
- single choice: the index of the chosen option, or None;
- multiple response: the indexes of the chosen options;
- true/false: True, False or None;
- 2025 true/false of 4 statements: one True/False/None per statement, in statement order;
- short text / short numeric: the text the learner wrote;
- matching: for each prompt (pairs with a non-empty `left`, in order) the right-hand text chosen,
  or None;
- ordering: the texts in the order the learner put them.
"""

import re
import unicodedata
from collections.abc import Collection, Sequence
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from hocso.core.text import clean_text

from .interchange import Choice, ItemData, ItemType, NumericAnswer, Pair, Statement, TextAnswer

ZERO = Decimal(0)
ONE = Decimal(1)
_PLACES = Decimal("0.0001")

# DOMAIN.md §4, Quyết định 4068/QĐ-BGDĐT: share of the item's points by statements right.
TRUE_FALSE_4_SHARES = {
    0: Decimal(0),
    1: Decimal("0.1"),
    2: Decimal("0.25"),
    3: Decimal("0.5"),
    4: Decimal(1),
}
TRUE_FALSE_4_STATEMENTS = 4

# 2025 Part III: the answer sheet has four boxes per answer, for digits, "-" and ",".
SHORT_ANSWER_2025_MAX_CHARS = 4
_SHORT_ANSWER_2025 = re.compile(r"^-?[0-9]+(,[0-9]+)?$")
# A written number: optional sign, digits, one decimal separator (comma or point).
_NUMBER = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")


def award(fraction: Decimal, points: Decimal) -> Decimal:
    """`points × fraction`, the fraction clamped to [0, 1] first, cut to 4 decimal places."""
    if fraction <= ZERO:
        return ZERO
    if fraction >= ONE:
        return points
    return (points * fraction).quantize(_PLACES, rounding=ROUND_DOWN)


def award_share(right: int, total: int, points: Decimal) -> Decimal:
    """`points × right / total`, multiplied before dividing so 1 of 3 pairs on a 3-point item
    is exactly 1 point."""
    if total <= 0 or right <= 0:
        return ZERO
    if right >= total:
        return points
    return (points * right / total).quantize(_PLACES, rounding=ROUND_DOWN)


def score_single_choice(choices: Sequence[Choice], chosen: int | None, points: Decimal) -> Decimal:
    """The chosen option's fraction of the points. A negative fraction (a penalised distractor,
    as Moodle allows) counts as 0: a question never takes away points."""
    if chosen is None or not 0 <= chosen < len(choices):
        return ZERO
    return award(choices[chosen].fraction, points)


def score_multiple_response(
    choices: Sequence[Choice], chosen: Collection[int], points: Decimal
) -> Decimal:
    """Moodle's rule: the sum of the fractions of the chosen options (each counted once),
    floored at 0 and capped at 1. Wrong options usually carry negative fractions, so choosing
    everything does not earn full marks."""
    picked = {i for i in chosen if 0 <= i < len(choices)}
    return award(sum((choices[i].fraction for i in picked), ZERO), points)


def score_true_false(correct: bool, answer: bool | None, points: Decimal) -> Decimal:
    return points if answer is not None and answer == correct else ZERO


def statements_right(statements: Sequence[Statement], answers: Sequence[bool | None]) -> int:
    """How many statements were judged right; a statement left blank is not right."""
    return sum(
        1
        for statement, answer in zip(statements, answers, strict=False)
        if answer is not None and answer == statement.is_true
    )


def score_true_false_4(
    statements: Sequence[Statement], answers: Sequence[bool | None], points: Decimal
) -> Decimal:
    """The 2025 Part II item: 1 statement right → 0.1 of the points, 2 → 0.25, 3 → 0.5,
    4 → all of them, none → 0 (DOMAIN.md §4). With the exam's 1 point per item that is
    0.1 / 0.25 / 0.5 / 1.0 point."""
    if len(statements) != TRUE_FALSE_4_STATEMENTS:
        raise ValueError(f"a 2025 true/false item has 4 statements, not {len(statements)}")
    return award(TRUE_FALSE_4_SHARES[statements_right(statements, answers)], points)


def normalize_text_answer(text: str, *, case_sensitive: bool) -> str:
    """The form two short-text answers are compared in: Unicode NFC (so a response typed with
    combining marks equals the precomposed key), surrounding space removed and inner runs of
    space made one; lower-cased unless the item is case-sensitive. Diacritics are kept."""
    normalized = clean_text(text)
    return normalized if case_sensitive else normalized.casefold()


def score_short_text(
    answers: Sequence[TextAnswer], given: str | None, points: Decimal, *, case_sensitive: bool
) -> Decimal:
    """The best fraction among the accepted variants the response equals.

    Diacritics COUNT: "Hà Nội" is not "Ha Noi" — in Vietnamese the marks change the word
    ("ma", "má", "mà", "mã" are different words), so an answer without them is a different
    answer. A teacher who accepts the unaccented spelling adds it as a variant. Letter case
    counts only when the item says so (`case_sensitive`); spaces around and between words do
    not count. An asterisk is an ordinary character, not a wildcard.
    """
    if given is None:
        return ZERO
    response = normalize_text_answer(given, case_sensitive=case_sensitive)
    if not response:
        return ZERO
    fractions = [
        a.fraction
        for a in answers
        if normalize_text_answer(a.text, case_sensitive=case_sensitive) == response
    ]
    return award(max(fractions), points) if fractions else ZERO


def parse_number(text: str | None) -> Decimal | None:
    """A number as learners write it: "3,5", "3.5", "-2", "+0,25", ",5"; None when it is not
    one. Spaces around it are ignored; thousands separators are not accepted (in Vietnamese
    "1.000" would be ambiguous), so text with two separators is not a number."""
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip().replace("\u2212", "-")
    if not _NUMBER.match(value):
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None


def score_short_numeric(
    answers: Sequence[NumericAnswer], given: str | None, points: Decimal
) -> Decimal:
    """The best fraction among the answers whose range holds the response:
    |response − value| ≤ tolerance (a range a..b is its midpoint with half its width). A
    response that is not a number earns 0."""
    number = parse_number(given)
    if number is None:
        return ZERO
    fractions = [a.fraction for a in answers if abs(number - a.value) <= a.tolerance]
    return award(max(fractions), points) if fractions else ZERO


def short_answer_2025_problems(text: str | None) -> list[str]:
    """Why `text` cannot be written on the 2025 answer sheet for Part III, as stable codes
    (empty when it can): "empty"; "not_a_number" (digits with an optional leading "-" and one
    decimal comma: "-1,5", "12", "0,25"); "too_long" (more than 4 characters, sign and comma
    included: "12,34" does not fit). A decimal point is not accepted: the sheet has a comma."""
    value = clean_text(text)
    if not value:
        return ["empty"]
    problems = []
    if not _SHORT_ANSWER_2025.match(value):
        problems.append("not_a_number")
    if len(value) > SHORT_ANSWER_2025_MAX_CHARS:
        problems.append("too_long")
    return problems


def matching_prompts(pairs: Sequence[Pair]) -> list[Pair]:
    """The pairs a learner answers: those with a prompt (an empty `left` is a distractor)."""
    return [p for p in pairs if p.left]


def score_matching(pairs: Sequence[Pair], given: Sequence[str | None], points: Decimal) -> Decimal:
    """The share of prompts matched right: `given[i]` is the right-hand text chosen for the
    i-th prompt. Compared by text, so two prompts sharing one answer are both right with it."""
    prompts = matching_prompts(pairs)
    if not prompts:
        return ZERO
    right = sum(
        1
        for pair, answer in zip(prompts, given, strict=False)
        if answer is not None and answer == pair.right
    )
    return award_share(right, len(prompts), points)


def longest_ordered_subsequence(order: Sequence[str], given: Sequence[str]) -> int:
    """The length of the longest run of the response's items that are in the right relative
    order (not necessarily next to each other): the longest common subsequence."""
    previous = [0] * (len(given) + 1)
    for expected in order:
        current = [0]
        for j, answer in enumerate(given):
            current.append(
                previous[j] + 1 if expected == answer else max(previous[j + 1], current[j])
            )
        previous = current
    return previous[-1]


def score_ordering(
    order: Sequence[str], given: Sequence[str], points: Decimal, *, partial: bool = False
) -> Decimal:
    """All or nothing by default: the full points only for exactly the right order. That is the
    default because a sequence (steps of an experiment, events in history) is usually either
    known or not, and it is what a paper exam marks.

    `partial=True` gives the share of the items in the longest correctly ordered subsequence
    (Moodle's "longest ordered subset"); a subsequence of one item earns nothing, since any
    single item is trivially "in order"."""
    if not order:
        return ZERO
    if list(given) == list(order):
        return points
    if not partial:
        return ZERO
    longest = longest_ordered_subsequence(order, given)
    if longest < 2:
        return ZERO
    return award_share(longest, len(order), points)


def score_essay() -> None:
    """Essays are graded by hand against the rubric: there is nothing to compute."""
    return None


def score_item(item: ItemData, response, points: Decimal | None = None) -> Decimal | None:
    """Score `response` (shaped as the module docstring says) against `item`, out of `points`
    (default: the item's own points)."""
    total = item.points if points is None else points
    match item.type:
        case ItemType.SINGLE_CHOICE:
            return score_single_choice(item.choices, response, total)
        case ItemType.MULTIPLE_RESPONSE:
            return score_multiple_response(item.choices, response or (), total)
        case ItemType.TRUE_FALSE:
            return score_true_false(bool(item.correct), response, total)
        case ItemType.TRUE_FALSE_4:
            return score_true_false_4(item.statements, response or (), total)
        case ItemType.SHORT_TEXT:
            return score_short_text(
                item.text_answers, response, total, case_sensitive=item.case_sensitive
            )
        case ItemType.SHORT_NUMERIC:
            return score_short_numeric(item.numeric_answers, response, total)
        case ItemType.MATCHING:
            return score_matching(item.pairs, response or (), total)
        case ItemType.ORDERING:
            return score_ordering(item.order, response or (), total)
        case ItemType.ESSAY:
            return score_essay()
    raise ValueError(f"unknown item type {item.type!r}")
