"""The version generator (questions/generation.py): pure, no database."""

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hocso.questions.generation import (
    Candidate,
    CellSpec,
    ShortageError,
    allocate,
    answer_text,
    cell_availability,
    generate,
    shuffled_options,
    version_codes,
)
from hocso.questions.interchange import Choice, ItemType

from .items import short_numeric, single_choice, true_false_4

TYPES = [ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE_4, ItemType.SHORT_NUMERIC]


def _data(item_type, n):
    if item_type == ItemType.SINGLE_CHOICE:
        data = single_choice(stem=f"Câu {n}", right=f"đúng {n}", wrong=(f"a{n}", f"b{n}"))
        data.choices.append(Choice(text="Tất cả đều sai", pinned=True))
        return data
    if item_type == ItemType.TRUE_FALSE_4:
        return true_false_4(stem=f"Mệnh đề {n}", truths=(True, False, False, True))
    return short_numeric(stem=f"Tính {n}", value="-2.5")


def candidate(item_id, item_type=ItemType.SINGLE_CHOICE, topic=None, level="", difficulty=None):
    return Candidate(item_id=item_id, version_id=item_id * 10, item_type=item_type,
                     data=_data(item_type, item_id), topic_id=topic, level=level,
                     difficulty=difficulty)  # fmt: skip


def cell(key, count, item_type=ItemType.SINGLE_CHOICE, part="I", topic=None, level="",
         points="0.25"):  # fmt: skip
    return CellSpec(key=key, part=part, item_type=item_type, count=count,
                    points=Decimal(points), topic_id=topic, level=level)  # fmt: skip


def signature(versions):
    return [
        (v.code, [(q.part, q.number, q.item_id, q.version_id, tuple(q.option_order), q.answer)
                  for q in v.questions])
        for v in versions
    ]  # fmt: skip


# --- the property: every version satisfies its blueprint ---------------------------------------

cells_strategy = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        st.sampled_from([None, 1, 2]),
        st.sampled_from(["", "biet", "hieu"]),
        st.integers(1, 4),
        st.sampled_from(["I", "II", "III"]),
        st.sampled_from(["0.25", "0.5", "1"]),
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def blueprints_and_pools(draw):
    specs = draw(cells_strategy)
    cells = [cell(key, count, kind, part, topic, level, points)
             for key, (kind, topic, level, count, part, points) in enumerate(specs, start=1)]  # fmt: skip
    pool, next_id = [], 1
    # Enough items for each cell exactly (tagged as the cell asks, or with some tag where it
    # accepts any), then random extra ones, matching some cell or none.
    for c in cells:
        for _ in range(c.count):
            pool.append(candidate(next_id, c.item_type, c.topic_id or draw(st.sampled_from([1, 2])),
                                  c.level or draw(st.sampled_from(["biet", "hieu"])),
                                  draw(st.none() | st.floats(0.05, 0.95))))  # fmt: skip
            next_id += 1
    for _ in range(draw(st.integers(0, 12))):
        pool.append(candidate(next_id, draw(st.sampled_from(TYPES)),
                              draw(st.sampled_from([None, 1, 2])),
                              draw(st.sampled_from(["", "biet", "hieu", "van_dung"])),
                              draw(st.none() | st.floats(0.05, 0.95))))  # fmt: skip
        next_id += 1
    order = draw(st.permutations(range(len(pool))))
    return cells, [pool[i] for i in order]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blueprints_and_pools(), st.integers(1, 4), st.integers(0, 10**6))
def test_every_generated_version_satisfies_its_blueprint(case, versions, seed):
    cells, pool = case
    by_id = {c.item_id: c for c in pool}
    by_key = {c.key: c for c in cells}
    generated = generate(cells, pool, versions=versions, seed=seed)
    assert [v.code for v in generated] == version_codes(versions)
    for version in generated:
        per_cell = Counter(q.cell_key for q in version.questions)
        assert per_cell == {c.key: c.count for c in cells}
        assert len({q.item_id for q in version.questions}) == len(version.questions)
        for _part, questions in version.parts():
            assert [q.number for q in questions] == list(range(1, len(questions) + 1))
        for question in version.questions:
            spec, source = by_key[question.cell_key], by_id[question.item_id]
            assert spec.matches(source) and question.part == spec.part
            assert question.points == spec.points
            assert question.version_id == source.version_id
            assert sorted(c.text for c in question.data.choices) == sorted(
                c.text for c in source.data.choices
            )
            assert question.data.statements == source.data.statements
    total = sum(c.count * c.points for c in cells)
    assert all(sum(q.points for q in v.questions) == total for v in generated)
    assert signature(generate(cells, pool, versions=versions, seed=seed)) == signature(generated)


def test_different_seeds_usually_give_different_versions():
    pool = [candidate(i) for i in range(1, 41)]
    cells = [cell(1, 10)]
    outputs = {str(signature(generate(cells, pool, versions=2, seed=s))) for s in range(10)}
    assert len(outputs) == 10


# --- balance ----------------------------------------------------------------------------------


def test_a_pool_equal_to_the_need_gives_every_version_the_same_items_in_other_orders():
    pool = [candidate(i) for i in range(1, 11)]
    generated = generate([cell(1, 10)], pool, versions=4, seed="s")
    assert all({q.item_id for q in v.questions} == set(range(1, 11)) for v in generated)
    orders = {tuple(q.item_id for q in v.questions) for v in generated}
    assert len(orders) == 4


def test_a_larger_pool_gives_each_version_a_different_selection():
    pool = [candidate(i) for i in range(1, 31)]
    generated = generate([cell(1, 10)], pool, versions=3, seed=5)
    selections = [frozenset(q.item_id for q in v.questions) for v in generated]
    assert len(set(selections)) == 3
    # Three versions of 10 from 30 items: each item is used exactly once.
    assert Counter(i for s in selections for i in s) == Counter(range(1, 31))


def test_versions_have_similar_mean_difficulty():
    pool = [candidate(i, difficulty=i / 41) for i in range(1, 41)]
    by_id = {c.item_id: c for c in pool}
    generated = generate([cell(1, 10)], pool, versions=4, seed=11)
    means = [sum(by_id[q.item_id].difficulty for q in v.questions) / 10 for v in generated]
    # Strata of 4 consecutive difficulties: the means differ by less than one stratum's width.
    assert max(means) - min(means) < 4 / 41


# --- allocation and shortage ------------------------------------------------------------------


def test_specific_cells_take_their_items_before_a_cell_that_accepts_any():
    specific = cell(1, 2, topic=7, level="biet")
    general = cell(2, 2)
    pool = [candidate(1, topic=7, level="biet"), candidate(2, topic=7, level="biet"),
            candidate(3, topic=8, level="hieu"), candidate(4, topic=9, level="biet")]  # fmt: skip
    pools, shortages = allocate([general, specific], pool)
    assert shortages == []
    assert {c.item_id for c in pools[1]} == {1, 2}
    assert {c.item_id for c in pools[2]} == {3, 4}


def test_a_shortage_names_the_cell_what_it_needs_and_what_it_has():
    cells = [cell(1, 3), cell(2, 2, item_type=ItemType.TRUE_FALSE_4, part="II")]
    pool = [candidate(i) for i in range(1, 6)] + [candidate(9, ItemType.TRUE_FALSE_4)]
    with pytest.raises(ShortageError) as error:
        generate(cells, pool, versions=2, seed=1)
    [shortage] = error.value.shortages
    assert (shortage.cell.key, shortage.need, shortage.available) == (2, 2, 1)


# --- options, answers, codes ------------------------------------------------------------------


def test_pinned_options_stay_in_place_and_the_answer_follows_the_right_option():
    import random

    data = single_choice(right="đúng", wrong=("x", "y"))
    data.choices.append(Choice(text="Cả ba", pinned=True))
    seen_answers = set()
    for seed in range(30):
        shuffled, order = shuffled_options(data, random.Random(seed))
        assert shuffled.choices[3].text == "Cả ba" and order[3] == 3
        letter = answer_text(shuffled)
        assert shuffled.choices["ABCD".index(letter)].text == "đúng"
        seen_answers.add(letter)
    assert seen_answers == {"A", "B", "C"}


def test_true_false_4_statements_keep_their_order():
    pool = [candidate(i, ItemType.TRUE_FALSE_4) for i in range(1, 5)]
    generated = generate([cell(1, 4, item_type=ItemType.TRUE_FALSE_4)], pool, versions=3, seed=2)
    for question in (q for v in generated for q in v.questions):
        assert [s.text for s in question.data.statements] == ["Ý a", "Ý b", "Ý c", "Ý d"]
        assert question.answer == "ĐSSĐ"


def test_short_numeric_answers_use_a_decimal_comma():
    assert answer_text(short_numeric(value="-2.5")) == "-2,5"
    assert answer_text(short_numeric(value="3")) == "3"


def test_version_codes_default_to_101_and_may_be_given():
    assert version_codes(3) == ["101", "102", "103"]
    assert version_codes(2, ["A1", "B2"]) == ["A1", "B2"]
    with pytest.raises(ValueError):
        version_codes(2, ["A1", "A1"])
    with pytest.raises(ValueError):
        version_codes(3, ["A1", "B2"])


def test_parts_print_in_the_blueprints_order():
    pool = [candidate(i) for i in range(1, 3)] + [candidate(9, ItemType.SHORT_NUMERIC)]
    cells = [cell(1, 1, item_type=ItemType.SHORT_NUMERIC, part="III"), cell(2, 2, part="I")]
    [version] = generate(cells, pool, versions=1, seed=0, part_order=["I", "II", "III"])
    assert [part for part, _questions in version.parts()] == ["I", "III"]


def test_an_item_only_one_cell_accepts_is_left_to_that_cell():
    by_topic = cell(1, 1, topic=1)  # any level
    by_level = cell(2, 1, level="biet")  # any topic
    both = candidate(1, topic=1, level="biet")
    topic_only = candidate(2, topic=1, level="hieu")
    pools, shortages = allocate([by_topic, by_level], [both, topic_only])
    assert shortages == []
    assert pools[1] == [topic_only] and pools[2] == [both]


def test_overlapping_cells_are_filled_whenever_the_pool_allows():
    # Reserving greedily by id would give item 1 to the topic cell and leave the level cell
    # empty; the flow moves the topic cell to item 2.
    cells = [cell(1, 1, topic=1), cell(2, 1, level="biet"), cell(3, 1, topic=2, level="hieu")]
    pool = [candidate(1, topic=1, level="biet"), candidate(2, topic=1, level="hieu"),
            candidate(3, topic=2, level="hieu")]  # fmt: skip
    pools, shortages = allocate(cells, pool)
    assert shortages == []
    assert {k: [c.item_id for c in v] for k, v in pools.items()} == {1: [2], 2: [1], 3: [3]}


def test_availability_counts_what_each_cell_gets_and_what_is_left_for_it():
    cells = [cell(1, 3, level="biet"), cell(2, 2)]
    capacity = {
        (None, "biet", ItemType.SINGLE_CHOICE): 4,
        (None, "hieu", ItemType.SINGLE_CHOICE): 0,
    }
    assert cell_availability(cells, capacity) == {1: (3, 3), 2: (1, 1)}
    capacity[(None, "hieu", ItemType.SINGLE_CHOICE)] = 5
    assert cell_availability(cells, capacity) == {1: (3, 4), 2: (2, 6)}


@settings(max_examples=100, deadline=None)
@given(
    cells_strategy,
    st.lists(
        st.tuples(st.sampled_from(TYPES), st.sampled_from([None, 1, 2]),
                  st.sampled_from(["", "biet", "hieu"])),
        max_size=15,
    ),
)  # fmt: skip
def test_the_check_and_the_generator_agree_on_which_cells_are_short(specs, items):
    cells = [cell(key, count, kind, part, topic, level, points)
             for key, (kind, topic, level, count, part, points) in enumerate(specs, start=1)]  # fmt: skip
    pool = [candidate(n, kind, topic, level) for n, (kind, topic, level) in enumerate(items, 1)]
    capacity = Counter((c.topic_id, c.level, c.item_type) for c in pool)
    counted = cell_availability(cells, dict(capacity))
    expected = {c.key: counted[c.key][0] for c in cells if counted[c.key][0] < c.count}
    _pools, shortages = allocate(cells, pool)
    assert {s.cell.key: s.available for s in shortages} == expected
    if expected:
        with pytest.raises(ShortageError):
            generate(cells, pool, versions=1, seed=0)
    else:
        generate(cells, pool, versions=1, seed=0)
