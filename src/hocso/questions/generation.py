"""Exam versions (mã đề) from a blueprint: which items each version asks, in which order, with
which option order. Pure functions, no Django import: the caller (questions/blueprints.py)
reads the cells and the candidate items from the database.

How a set of versions is drawn, deterministically for a seed:
1. Every candidate item goes to at most one cell, so no version asks an item twice. Items are
   grouped by (topic, level, type); a maximum flow (`assign`) decides how many of each group
   each cell reserves, so every blueprint the bank can fill is filled, even with cells that
   overlap (a cell of one topic and any level beside a cell of any topic and one level). The
   items left over go to the matching cell with the fewest spare items. A cell that cannot
   reserve `count` items is a `Shortage`, and nothing is drawn.
2. In each cell the pool is ordered by difficulty (the share of learners who answered right,
   when item statistics exist; items without one count as the pool's mean) and cut into `count`
   consecutive strata; every version takes one item of each stratum, the k-th version the
   (offset + k)-th item of the stratum. So versions draw different selections whenever the pool
   allows, and their mean difficulties stay close; when the pool equals the need every version
   asks the same items.
3. Each version orders the questions of each part by its own shuffle, and shuffles the options
   of single-choice and multiple-response items except pinned ones ("all of the above" stays
   last). The statements a)–d) of a 2025 true/false item keep their order.

Random streams are seeded by text (`random.Random("seed/…")`), which Python hashes the same
way on every run and machine: the same seed gives the same versions, byte for byte.
"""

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .content import decimal_text
from .interchange import ItemData, ItemType

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TRUE_MARK, FALSE_MARK = "Đ", "S"
FIRST_CODE = 101


@dataclass(frozen=True)
class CellSpec:
    """A blueprint cell as the generator sees it; `topic_id` None / `level` "" mean any."""

    key: int
    part: str
    item_type: str
    count: int
    points: Decimal
    topic_id: int | None = None
    level: str = ""

    @property
    def specificity(self) -> int:
        return (self.topic_id is None) + (not self.level)

    def accepts(self, topic_id: int | None, level: str, item_type: str) -> bool:
        return (
            item_type == self.item_type
            and (self.topic_id is None or topic_id == self.topic_id)
            and (not self.level or level == self.level)
        )

    def matches(self, candidate: "Candidate") -> bool:
        return self.accepts(candidate.topic_id, candidate.level, candidate.item_type)


@dataclass(frozen=True)
class Candidate:
    """An approved item that may be drawn: its current version's id and content."""

    item_id: int
    version_id: int
    item_type: str
    data: ItemData
    topic_id: int | None = None
    level: str = ""
    difficulty: float | None = None  # classical p (share right), when statistics exist


@dataclass(frozen=True)
class Shortage:
    cell: CellSpec
    need: int
    available: int


class ShortageError(Exception):
    def __init__(self, shortages: list[Shortage]):
        super().__init__(f"{len(shortages)} blueprint cell(s) lack items")
        self.shortages = shortages


@dataclass
class PaperQuestion:
    number: int  # within its part, from 1, as the 2025 papers number them
    part: str
    cell_key: int
    item_id: int
    version_id: int
    points: Decimal
    data: ItemData  # options already in this version's order
    option_order: list[int] = field(default_factory=list)  # original option index per position
    answer: str = ""  # "B", "AC", "ĐSĐĐ", "3,5" — what the answer key prints


@dataclass
class PaperVersion:
    code: str
    questions: list[PaperQuestion]

    def parts(self) -> list[tuple[str, list[PaperQuestion]]]:
        """(part, its questions) in printed order."""
        grouped: dict[str, list[PaperQuestion]] = {}
        for question in self.questions:
            grouped.setdefault(question.part, []).append(question)
        return list(grouped.items())


def version_codes(count: int, codes: Sequence[str] | None = None) -> list[str]:
    """`codes` when given (one per version, distinct), else "101", "102", …"""
    if codes:
        codes = [str(c).strip() for c in codes]
        if len(codes) != count or len(set(codes)) != count or not all(codes):
            raise ValueError("give one distinct, non-empty code per version")
        return codes
    return [str(FIRST_CODE + i) for i in range(count)]


Bucket = tuple[int | None, str, str]  # (topic id, level, item type) of a group of items


def bucket_of(candidate: Candidate) -> Bucket:
    return (candidate.topic_id, candidate.level, candidate.item_type)


def _bucket_order(bucket: Bucket) -> tuple:
    topic, level, kind = bucket
    return (topic is None, topic or 0, level, kind)


def assign(cells: Sequence[CellSpec], capacity: dict[Bucket, int]) -> dict[tuple[int, Bucket], int]:
    """How many items of each bucket each cell takes, as many as possible in all: a maximum
    flow from the cells (each up to its count) through the buckets they accept (each up to its
    size). Cells and buckets are tried in a fixed order (most specific cells first, buckets
    fewest cells accept first), so the answer is deterministic. Any feasible blueprint is
    filled, even when cells overlap partly (one by topic, another by level)."""
    ordered = sorted(cells, key=lambda c: (c.specificity, c.key))
    by_key = {cell.key: cell for cell in ordered}
    demand = {b: sum(1 for c in cells if c.accepts(*b)) for b in capacity}
    buckets = sorted(capacity, key=lambda b: (demand[b], _bucket_order(b)))
    accepts = {cell.key: [b for b in buckets if cell.accepts(*b)] for cell in ordered}
    flow: dict[tuple[int, Bucket], int] = {}
    cell_flow = dict.fromkeys(by_key, 0)
    bucket_flow = dict.fromkeys(buckets, 0)
    while True:
        # Breadth-first search for one augmenting path: source → cell with room → bucket →
        # (a cell already using that bucket, which moves to another bucket) … → bucket with
        # items left → sink.
        roots = [cell.key for cell in ordered if cell_flow[cell.key] < cell.count]
        parent: dict[tuple, tuple | None] = {("c", key): None for key in roots}
        queue = deque(("c", key) for key in roots)
        end = None
        while queue and end is None:
            kind, key = node = queue.popleft()
            if kind == "c":
                for bucket in accepts[key]:
                    if ("b", bucket) not in parent:
                        parent[("b", bucket)] = node
                        if bucket_flow[bucket] < capacity[bucket]:
                            end = ("b", bucket)
                            break
                        queue.append(("b", bucket))
            else:
                for cell_key in by_key:
                    if flow.get((cell_key, key), 0) > 0 and ("c", cell_key) not in parent:
                        parent[("c", cell_key)] = node
                        queue.append(("c", cell_key))
        if end is None:
            return {pair: amount for pair, amount in flow.items() if amount}
        bucket = end[1]
        bucket_flow[bucket] += 1
        node = parent[end]
        while True:
            cell_key = node[1]
            flow[(cell_key, bucket)] = flow.get((cell_key, bucket), 0) + 1
            previous = parent[node]
            if previous is None:
                cell_flow[cell_key] += 1
                break
            bucket = previous[1]
            flow[(cell_key, bucket)] -= 1
            node = parent[previous]


def cell_availability(
    cells: Sequence[CellSpec], capacity: dict[Bucket, int]
) -> dict[int, tuple[int, int]]:
    """By cell key: (items it gets, items available to it). A cell short of items gets fewer
    than its count and has nothing more available; a filled cell's available count adds the
    items left over that it accepts (shared with other cells that accept them too)."""
    flow = assign(cells, capacity)
    used: dict[Bucket, int] = {}
    got: dict[int, int] = {cell.key: 0 for cell in cells}
    for (cell_key, bucket), amount in flow.items():
        used[bucket] = used.get(bucket, 0) + amount
        got[cell_key] += amount
    spare = {b: capacity[b] - used.get(b, 0) for b in capacity}
    return {
        cell.key: (got[cell.key], got[cell.key] + sum(n for b, n in spare.items()
                                                       if cell.accepts(*b)))
        for cell in cells
    }  # fmt: skip


def allocate(
    cells: Sequence[CellSpec], candidates: Sequence[Candidate]
) -> tuple[dict[int, list[Candidate]], list[Shortage]]:
    """Disjoint pools by cell key (step 1 of the module docstring), and the cells short."""
    ordered = sorted(cells, key=lambda c: (c.specificity, c.key))
    groups: dict[Bucket, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.item_id):
        groups.setdefault(bucket_of(candidate), []).append(candidate)
    flow = assign(cells, {bucket: len(items) for bucket, items in groups.items()})
    pools: dict[int, list[Candidate]] = {cell.key: [] for cell in cells}
    left = {bucket: list(items) for bucket, items in groups.items()}
    for cell in ordered:
        for bucket in sorted(left, key=_bucket_order):
            amount = flow.get((cell.key, bucket), 0)
            pools[cell.key].extend(left[bucket][:amount])
            left[bucket] = left[bucket][amount:]
    shortages = [
        Shortage(cell=cell, need=cell.count, available=len(pools[cell.key]))
        for cell in sorted(cells, key=lambda c: c.key)
        if len(pools[cell.key]) < cell.count
    ]
    # The items no cell needed widen the pools (more variety between versions): each goes to
    # the cell it fits with the fewest spare items.
    for bucket in sorted(left, key=_bucket_order):
        for candidate in left[bucket]:
            fits = [cell for cell in ordered if cell.matches(candidate)]
            if fits:
                spare = min(fits, key=lambda c: (len(pools[c.key]) / c.count, c.specificity, c.key))
                pools[spare.key].append(candidate)
    for pool in pools.values():
        pool.sort(key=lambda c: c.item_id)
    return pools, shortages


def _strata(pool: list[Candidate], count: int, rng: random.Random) -> list[list[Candidate]]:
    """The pool shuffled, then stably sorted by difficulty (unknown = the pool's mean, so a
    bank without statistics is drawn uniformly), cut into `count` consecutive strata."""
    shuffled = sorted(pool, key=lambda c: c.item_id)
    rng.shuffle(shuffled)
    known = [c.difficulty for c in shuffled if c.difficulty is not None]
    mean = sum(known) / len(known) if known else 0.0
    shuffled.sort(key=lambda c: mean if c.difficulty is None else c.difficulty)
    size, extra = divmod(len(shuffled), count)
    strata, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        strata.append(shuffled[start:end])
        start = end
    return strata


def option_shuffle(pinned: Sequence[bool], rng: random.Random) -> list[int]:
    """Per shown position, the original index of the option shown there: pinned options keep
    their place ("all of the above" stays last), the others are shuffled among the rest. On
    the pinned flags alone, so online exams deal per-candidate orders without building items."""
    loose = [i for i, fixed in enumerate(pinned) if not fixed]
    moved = loose[:]
    rng.shuffle(moved)
    order = list(range(len(pinned)))
    for position, original in zip(loose, moved, strict=True):
        order[position] = original
    return order


def shuffled_options(data: ItemData, rng: random.Random) -> tuple[ItemData, list[int]]:
    """The item with its options in a new order (pinned ones in place) and, per position, the
    original index. Only choice items have options to shuffle."""
    if data.type not in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        return data, []
    order = option_shuffle([choice.pinned for choice in data.choices], rng)
    return replace(data, choices=[data.choices[i] for i in order]), order


def answer_text(data: ItemData) -> str:
    """What the answer key prints for an item (its options in printed order)."""
    if data.type == ItemType.SINGLE_CHOICE:
        best = max(range(len(data.choices)), key=lambda i: data.choices[i].fraction, default=None)
        return LETTERS[best] if best is not None else ""
    if data.type == ItemType.MULTIPLE_RESPONSE:
        return "".join(LETTERS[i] for i, c in enumerate(data.choices) if c.fraction > 0)
    if data.type == ItemType.TRUE_FALSE_4:
        return "".join(TRUE_MARK if s.is_true else FALSE_MARK for s in data.statements)
    if data.type == ItemType.TRUE_FALSE:
        return TRUE_MARK if data.correct else FALSE_MARK
    if data.type == ItemType.SHORT_NUMERIC:
        best = max(data.numeric_answers, key=lambda a: a.fraction, default=None)
        # Vietnamese decimal comma, as the 2025 answer sheet is filled in.
        return decimal_text(best.value).replace(".", ",") if best else ""
    if data.type == ItemType.SHORT_TEXT:
        best = max(data.text_answers, key=lambda a: a.fraction, default=None)
        return best.text if best else ""
    if data.type == ItemType.MATCHING:
        rights = matching_right_column(data)
        prompts = [p for p in data.pairs if p.left]
        return "; ".join(
            f"{n}-{LETTERS[rights.index(p.right)]}" for n, p in enumerate(prompts, start=1)
        )
    if data.type == ItemType.ORDERING:
        return "-".join(str(n) for n in ordering_answer(data))
    return ""  # essays: graded by hand against the rubric


def matching_right_column(data: ItemData) -> list[str]:
    """The right-hand texts of a matching item in printed order (distinct, sorted so the
    printed column does not give the pairs away)."""
    return sorted({p.right for p in data.pairs})


def ordering_shown(data: ItemData) -> list[str]:
    """The texts of an ordering item as printed: sorted, not in the right order."""
    return sorted(data.order)


def ordering_answer(data: ItemData) -> list[int]:
    """The numbers (1-based, of the printed list) in the right order."""
    shown = ordering_shown(data)
    used: set[int] = set()
    numbers = []
    for text in data.order:
        index = next(i for i, t in enumerate(shown) if t == text and i not in used)
        used.add(index)
        numbers.append(index + 1)
    return numbers


def generate(
    cells: Sequence[CellSpec],
    candidates: Sequence[Candidate],
    *,
    versions: int,
    seed: int | str,
    codes: Sequence[str] | None = None,
    part_order: Sequence[str] = (),
) -> list[PaperVersion]:
    """`versions` exam versions of the blueprint `cells` drawn from `candidates` (see the
    module docstring). Parts print in `part_order`, then in the order the cells name them.
    Raises ShortageError when some cell lacks items, ValueError on bad arguments."""
    if versions < 1:
        raise ValueError("at least one version")
    if not cells:
        raise ValueError("the blueprint has no cells")
    names = version_codes(versions, codes)
    pools, shortages = allocate(cells, candidates)
    if shortages:
        raise ShortageError(shortages)
    strata = {
        cell.key: _strata(pools[cell.key], cell.count, random.Random(f"{seed}/pool/{cell.key}"))
        for cell in cells
    }
    offsets = {
        cell.key: [random.Random(f"{seed}/offset/{cell.key}/{i}").randrange(len(stratum))
                   for i, stratum in enumerate(strata[cell.key])]
        for cell in cells
    }  # fmt: skip
    parts = list(dict.fromkeys([*part_order, *(cell.part for cell in cells)]))
    result = []
    for index, code in enumerate(names):
        by_part: dict[str, list[tuple[CellSpec, Candidate]]] = {part: [] for part in parts}
        for cell in cells:
            for stratum, offset in zip(strata[cell.key], offsets[cell.key], strict=True):
                by_part[cell.part].append((cell, stratum[(offset + index) % len(stratum)]))
        questions = []
        for part in parts:
            drawn = by_part[part]
            random.Random(f"{seed}/order/{code}/{part}").shuffle(drawn)
            for number, (cell, candidate) in enumerate(drawn, start=1):
                rng = random.Random(f"{seed}/options/{code}/{candidate.item_id}")
                data, order = shuffled_options(candidate.data, rng)
                questions.append(
                    PaperQuestion(
                        number=number,
                        part=part,
                        cell_key=cell.key,
                        item_id=candidate.item_id,
                        version_id=candidate.version_id,
                        points=cell.points,
                        data=data,
                        option_order=order,
                        answer=answer_text(data),
                    )
                )
        result.append(PaperVersion(code=code, questions=questions))
    return result
