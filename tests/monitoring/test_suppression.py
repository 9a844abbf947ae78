"""Small-cell suppression (monitoring/suppression.py): hand examples and a property test that no
hidden figure can be recovered from the published ones."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from hocso.monitoring.suppression import (
    COMPLEMENT,
    PRIMARY,
    Cell,
    learners_behind,
    suppress,
)


def cell(key, parent, learners, numerator=None):
    numerator = learners if numerator is None else numerator
    return Cell(key, parent, numerator, learners, learners)


def hidden(out) -> set[str]:
    return {k for k, c in out.items() if c.suppressed}


def test_a_cell_of_fewer_than_five_learners_is_hidden_with_a_sibling():
    out = suppress([cell("P", None, 33), cell("a", "P", 3), cell("b", "P", 10), cell("c", "P", 20)])
    assert hidden(out) == {"a", "b"}
    assert out["a"].reason == PRIMARY and out["b"].reason == COMPLEMENT
    assert out["a"].numerator is None and out["a"].denominator is None
    assert out["P"].numerator == 33 and out["c"].denominator == 20


def test_two_small_siblings_need_no_complement():
    out = suppress([cell("P", None, 25), cell("a", "P", 2), cell("b", "P", 3), cell("c", "P", 20)])
    assert hidden(out) == {"a", "b"}


def test_empty_cells_are_shown_and_never_chosen_as_complement():
    out = suppress([cell("P", None, 12), cell("a", "P", 0), cell("b", "P", 4), cell("c", "P", 8)])
    assert hidden(out) == {"b", "c"}
    assert not out["a"].suppressed


def test_five_learners_are_shown():
    out = suppress([cell("P", None, 11), cell("a", "P", 5), cell("b", "P", 6)])
    assert hidden(out) == set()


def test_an_only_child_hides_its_parent_and_the_hiding_climbs_the_tree():
    # P (14) → Q (3) → s (3); P → R (11). s is small, so is Q (3 learners); then P's group has one
    # hidden cell (Q) and R is hidden too.
    out = suppress([cell("P", None, 14), cell("Q", "P", 3), cell("s", "Q", 3), cell("R", "P", 11)])
    assert hidden(out) == {"Q", "s", "R"}


def test_a_parent_hidden_as_complement_hides_one_of_its_children():
    # Province 84: districts D1 (2 learners, small) and D2 (30); D2 is hidden as complement, and
    # its communes would give it back as their sum, so its smallest commune is hidden too.
    out = suppress(
        [
            cell("84", None, 32),
            cell("D1", "84", 2),
            cell("D2", "84", 30),
            cell("c1", "D2", 10),
            cell("c2", "D2", 20),
            cell("x", "D1", 2),
        ]
    )
    assert hidden(out) == {"D1", "x", "D2", "c1"}
    assert out["D2"].reason == COMPLEMENT and out["c1"].reason == COMPLEMENT
    assert not out["84"].suppressed


def test_cells_without_learners_are_not_suppressed():
    out = suppress(
        [Cell("P", None, 1, 3, None), Cell("a", "P", 1, 1, None), Cell("b", "P", 0, 2, None)]
    )
    assert hidden(out) == set()


def test_the_learners_behind_a_cell_depend_on_the_source():
    # Both figures count learners: the smaller decides (2 drop-outs among 300 is a small cell).
    assert learners_behind("learners_valid_id", 2, 4) == 2
    assert learners_behind("dropout_rate", 2, 300) == 2
    assert learners_behind("khmer_share", 0, 300) == 0
    assert learners_behind("enrollment", 3, None) == 3
    assert learners_behind("learner_teacher_ratio", 40, 2) == 40
    assert learners_behind("facilities_managed", 1, 1) is None
    # An unknown source is treated as learner-based (safe by default).
    assert learners_behind("something_new", 7, 3) == 3
    assert learners_behind("something_new_count", 3, None) == 3


# --- property: nothing hidden is recoverable -------------------------------------------------


@st.composite
def trees(draw):
    """A tree of units up to 4 levels deep, leaves carrying 0–12 learners, every parent the sum
    of its children (numerator: some of the learners)."""
    cells: dict[str, dict] = {}
    counter = iter(range(10**6))

    def build(parent, depth):
        key = f"u{next(counter)}"
        cells[key] = {"parent": parent}
        n_children = draw(st.integers(0, 4)) if depth < 3 else 0
        if n_children == 0 or depth == 3:
            learners = draw(st.integers(0, 12))
            numerator = draw(st.integers(0, learners))
        else:
            learners = numerator = 0
            for _ in range(n_children):
                child = build(key, depth + 1)
                learners += cells[child]["learners"]
                numerator += cells[child]["numerator"]
        cells[key].update(learners=learners, numerator=numerator)
        return key

    build(None, 0)
    return [
        Cell(k, v["parent"], v["numerator"], v["learners"], v["learners"]) for k, v in cells.items()
    ]


def _determined(published: dict[str, Cell], original: list[Cell]) -> set[str]:
    """Hidden keys whose value the published figures fix exactly: each group gives the equation
    parent − Σ children = 0; the hidden cells are the unknowns. Gaussian elimination over the
    rationals; an unknown is determined iff its unit vector is in the row space."""
    unknowns = sorted(k for k, c in published.items() if c.suppressed)
    index = {k: i for i, k in enumerate(unknowns)}
    children: dict[str, list[str]] = {}
    for c in original:
        if c.parent is not None:
            children.setdefault(c.parent, []).append(c.key)
    rows = []
    for parent, kids in children.items():
        row = [Fraction(0)] * len(unknowns)
        for key, sign in [(parent, 1)] + [(k, -1) for k in kids]:
            if key in index:
                row[index[key]] += sign
        if any(row):
            rows.append(row)
    # Row-reduce.
    reduced, pivots = [], []
    for row in rows:
        row = row[:]
        for prow, pcol in zip(reduced, pivots, strict=True):
            if row[pcol]:
                factor = row[pcol] / prow[pcol]
                row = [a - factor * b for a, b in zip(row, prow, strict=True)]
        pivot = next((i for i, v in enumerate(row) if v), None)
        if pivot is not None:
            for j, prow in enumerate(reduced):
                if prow[pivot]:
                    factor = prow[pivot] / row[pivot]
                    reduced[j] = [a - factor * b for a, b in zip(prow, row, strict=True)]
            reduced.append(row)
            pivots.append(pivot)
    # In reduced row echelon form, an unknown is fixed iff some row has it as its only entry.
    return {
        unknowns[next(i for i, v in enumerate(row) if v)]
        for row in reduced
        if sum(1 for v in row if v) == 1
    }


def test_the_audit_finds_a_figure_left_recoverable():
    """The property below means something: one hidden child among visible siblings is found."""
    cells = [cell("P", None, 13), cell("a", "P", 3), cell("b", "P", 10)]
    naive = {c.key: c for c in cells}
    naive["a"] = Cell("a", "P", None, None, 3, suppressed=True, reason=PRIMARY)
    assert _determined(naive, cells) == {"a"}


@settings(max_examples=300, deadline=None)
@given(trees())
def test_no_hidden_figure_is_recoverable_from_the_published_ones(cells):
    published = suppress(cells)
    by_key = {c.key: c for c in cells}
    # Every small cell is hidden; every visible cell keeps its figures.
    for c in cells:
        if 0 < c.learners < 5:
            assert published[c.key].suppressed
        if not published[c.key].suppressed:
            assert published[c.key].numerator == c.numerator
    # Parent − visible siblings never isolates one hidden cell (the direct attack) …
    groups: dict[str, list[str]] = {}
    for c in cells:
        if c.parent is not None:
            groups.setdefault(c.parent, []).append(c.key)
    for parent, kids in groups.items():
        assert sum(published[k].suppressed for k in [parent, *kids]) != 1
    # … and no combination of the equations does either.
    assert _determined(published, cells) == set()
    assert set(published) == set(by_key)
