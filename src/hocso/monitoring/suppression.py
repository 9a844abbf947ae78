"""Small-cell suppression for every public output of the monitoring centre (issue 7).

The rule, applied to one indicator of one school year over a tree of units where each parent's
figures are the sum of its children's:

1. **Primary suppression.** A cell whose learner count is 1–4 (0 < learners < THRESHOLD) is
   hidden: numerator and denominator become None and the cell is marked suppressed ("<5"). A cell
   with 0 learners is shown (an empty school says nothing about anyone); a cell with no learners
   behind it at all (`learners` None: schools, teachers, the library) is never primary.
2. **Complementary suppression.** A *group* is a parent with its children (parent = sum of the
   children). A group must never hold exactly ONE suppressed cell, or it could be recovered as
   parent − visible siblings (or, for a hidden parent, as the sum of its children). While some
   group has exactly one, another cell of that group is hidden: the visible sibling with the
   fewest learners (ties by key; a sibling with 0 learners hides nothing and is passed over),
   else the parent, else any visible sibling. Repeat until no group has exactly one.

Why this is enough for a tree: with the hidden cells as unknowns, each group is one equation; a
hidden cell sits in at most two (as a child of its parent's group, as the parent of its own).
A value is determined exactly only if its cell is a bridge of the graph whose vertices are the
groups (plus one "outside" vertex) and whose edges are the hidden cells; a set of groups each
with 0 or ≥ 2 hidden cells is always joined to the rest by ≥ 2 of them, so no hidden cell is a
bridge (tests/monitoring/test_suppression.py checks it by solving the equations).

The decision is made over the WHOLE tree, never per request: a cell hidden as a complement in
one view must not be shown as a parent in another. Pure functions, no Django import.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

THRESHOLD = 5
SUPPRESSED_MARK = "<5"

PRIMARY = "small"
COMPLEMENT = "complement"

# Which figure counts the learners behind a cell, per source key (monitoring/sources.py).
# Sources about schools, staff or the library have no learners behind them (None). A source not
# listed is treated as learner-based on its denominator (else its numerator): safe by default.
# "both": the numerator counts learners too (Khmer learners, drop-outs…): the smaller of the two
# decides, so "2 of 300 learners dropped out" is as small a cell as "2 learners".
LEARNER_FIGURE = {
    "learners_valid_id": "both",
    "learners_online_ready": "both",
    "khmer_share": "both",
    # Learners with a year learning result behind the share (and each level of its distribution).
    "learning_results": "denominator",
    "dropout_rate": "both",
    "repetition_rate": "both",
    "enrollment": "numerator",
    "learner_teacher_ratio": "numerator",
    "average_class_size": "numerator",
    "teachers_with_record": None,
    "facilities_managed": None,
    "schools_using_platform": None,
    "curriculum_covered": None,
}


@dataclass(frozen=True)
class Cell:
    """One unit's figures: `key` (unit code), `parent` (the parent's key, or None at the top),
    and the number of learners behind the figures (None: not about learners)."""

    key: str
    parent: str | None
    numerator: object
    denominator: object
    learners: int | None
    suppressed: bool = False
    reason: str = ""  # PRIMARY or COMPLEMENT when suppressed


def learners_behind(source: str, numerator, denominator) -> int | None:
    """The learner count of a cell of `source` (see LEARNER_FIGURE)."""
    figure = LEARNER_FIGURE.get(source, "denominator" if denominator is not None else "numerator")
    if figure is None:
        return None
    if figure == "both" and numerator is not None and denominator is not None:
        return int(min(numerator, denominator))
    raw = denominator if figure in ("denominator", "both") else numerator
    return None if raw is None else int(raw)


def is_small(learners: int | None, threshold: int = THRESHOLD) -> bool:
    return learners is not None and 0 < learners < threshold


def _hide(cell: Cell, reason: str) -> Cell:
    return replace(cell, numerator=None, denominator=None, suppressed=True, reason=reason)


def _complement(parent: Cell | None, children: list[Cell]) -> Cell:
    """The cell to hide next in a group with exactly one hidden cell (module docstring)."""
    visible = [c for c in children if not c.suppressed]
    nonzero = [c for c in visible if c.learners != 0]
    if nonzero:
        big = float("inf")
        return min(nonzero, key=lambda c: (big if c.learners is None else c.learners, c.key))
    if parent is not None and not parent.suppressed:
        return parent
    return min(visible, key=lambda c: c.key)


def suppress(cells: Iterable[Cell], *, threshold: int = THRESHOLD) -> dict[str, Cell]:
    """The cells as they may be published, by key: primary then complementary suppression."""
    out: dict[str, Cell] = {}
    for cell in cells:
        out[cell.key] = _hide(cell, PRIMARY) if is_small(cell.learners, threshold) else cell
    children: dict[str, list[str]] = defaultdict(list)
    for cell in out.values():
        if cell.parent is not None and cell.parent in out:
            children[cell.parent].append(cell.key)
    changed = True
    while changed:
        changed = False
        for parent_key in sorted(children):
            parent = out[parent_key]
            kids = [out[k] for k in children[parent_key]]
            hidden = sum(c.suppressed for c in kids) + parent.suppressed
            if hidden == 1:
                chosen = _complement(parent, kids)
                out[chosen.key] = _hide(chosen, COMPLEMENT)
                changed = True
    return out


__all__ = [
    "COMPLEMENT",
    "LEARNER_FIGURE",
    "PRIMARY",
    "SUPPRESSED_MARK",
    "THRESHOLD",
    "Cell",
    "is_small",
    "learners_behind",
    "suppress",
]
