"""The neutral form of a question that every exchange format reads into and writes from.

A format module (formats/gift.py, formats/moodle_xml.py, formats/qti.py, formats/xlsx.py) has
two functions:

    read(data: bytes | str) -> ReadResult       # items in file order, and the problems found
    write(items: Sequence[ItemData]) -> bytes | str

`read` never raises on bad content: every problem is a `Problem` naming where it is (a line
for GIFT, an element path or item identifier for XML, a row for xlsx). A construct the format
allows but hocso does not support (a GIFT `{#=1..5}` interval inside a multiple choice, a QTI
hotspot interaction) is a Problem of kind UNSUPPORTED on that item — never silently dropped; a
malformed file gives MALFORMED problems. Only items without problems are in `items`.

Text fields (`stem`, option texts, feedback) are HTML fragments: plain text is escaped, math is
LaTeX between \\( \\) (inline) or \\[ \\] (display), images are <img src="…"> whose `src` is the
name of an entry of `ItemData.files` (bytes by file name) when the file carries them.

Scores. `fraction` is the share of the item's points an option, answer or pair earns, as in
Moodle: 1 for a correct single-choice option, 0.5 for each of two right options of a
multiple-response item, negative for a penalised wrong option, 0 otherwise.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"  # one right option (Part I of the 2025 exam)
    MULTIPLE_RESPONSE = "multiple_response"  # several right options, weights by fraction
    TRUE_FALSE = "true_false"  # one statement, true or false (GIFT {T}, Moodle truefalse)
    TRUE_FALSE_4 = "true_false_4"  # 2025 Part II: 4 statements a)–d), each true or false
    SHORT_TEXT = "short_text"  # text answer with accepted variants
    SHORT_NUMERIC = "short_numeric"  # numeric answer with tolerance or range (2025 Part III)
    MATCHING = "matching"
    ORDERING = "ordering"
    ESSAY = "essay"  # graded by hand against `rubric`


class CognitiveLevel(StrEnum):
    # Since Công văn 7991/BGDĐT-GDTrH (12/2024): three levels.
    BIET = "biet"
    HIEU = "hieu"
    VAN_DUNG = "van_dung"
    # The traditional four levels.
    NHAN_BIET = "nhan_biet"
    THONG_HIEU = "thong_hieu"
    VAN_DUNG_4 = "van_dung_4"  # "Vận dụng" of the four-level scale
    VAN_DUNG_CAO = "van_dung_cao"


@dataclass
class Choice:
    """An option of a choice item (also the answer of a true/false item's statement list)."""

    text: str
    fraction: Decimal = Decimal(0)
    feedback: str = ""
    pinned: bool = False  # kept in place when options are shuffled ("all of the above")


@dataclass
class Statement:
    """One statement of a 2025 true/false item (a), b), c), d))."""

    text: str
    is_true: bool
    feedback: str = ""


@dataclass
class TextAnswer:
    text: str
    fraction: Decimal = Decimal(1)
    feedback: str = ""


@dataclass
class NumericAnswer:
    """Right when |given − value| ≤ tolerance (GIFT `#5:0.1`, `#4..6` is value 5 tolerance 1)."""

    value: Decimal
    tolerance: Decimal = Decimal(0)
    fraction: Decimal = Decimal(1)
    feedback: str = ""


@dataclass
class Pair:
    """Matching: `left` is the prompt, `right` its match. A pair with an empty `left` is a
    distractor on the right side (Moodle allows them)."""

    left: str
    right: str


@dataclass
class ItemData:
    type: ItemType
    stem: str
    name: str = ""  # GIFT ::name::, Moodle <name>, QTI title
    identifier: str = ""  # stable id across round trips when the format has one (QTI identifier)
    category: tuple[str, ...] = ()  # GIFT $CATEGORY / Moodle category path, root first
    points: Decimal = Decimal(1)  # default mark
    choices: list[Choice] = field(default_factory=list)  # SINGLE_CHOICE, MULTIPLE_RESPONSE
    statements: list[Statement] = field(default_factory=list)  # TRUE_FALSE_4
    text_answers: list[TextAnswer] = field(default_factory=list)  # SHORT_TEXT
    case_sensitive: bool = False  # SHORT_TEXT; diacritics always count (see questions/rules.py)
    numeric_answers: list[NumericAnswer] = field(default_factory=list)  # SHORT_NUMERIC
    pairs: list[Pair] = field(default_factory=list)  # MATCHING
    order: list[str] = field(default_factory=list)  # ORDERING, in the right order
    correct: bool | None = None  # TRUE_FALSE: the statement (the stem) is true / false
    feedback_true: str = ""  # TRUE_FALSE feedback when answering true / false
    feedback_false: str = ""
    general_feedback: str = ""
    rubric: str = ""  # ESSAY
    tags: dict[str, str] = field(default_factory=dict)  # subject, grade, topic, level, source…
    files: dict[str, bytes] = field(default_factory=dict)  # embedded images by file name
    source: str = ""  # where it came from in its file ("line 12", "item 3"), for messages


class ProblemKind(StrEnum):
    MALFORMED = "malformed"  # the file (or this item) does not follow the format
    UNSUPPORTED = "unsupported"  # valid in the format, not supported by hocso
    INVALID = "invalid"  # well-formed but impossible (no right option, tolerance < 0…)


@dataclass
class Problem:
    kind: ProblemKind
    where: str  # "line 12", "question 3 (‘Thủ đô’)", "row 7", "item Q12/choiceInteraction"
    message: str  # Vietnamese, gettext_noop'd by the module so callers translate
    params: dict = field(default_factory=dict)


@dataclass
class ReadResult:
    items: list[ItemData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
