"""The SCORM 1.2 run-time data model (cmi.*) and API semantics, as pure Python.

Why pure: the same rules run in two places. static/resources/scorm-runtime.js answers the SCO's
synchronous LMSGetValue/LMSSetValue calls inside the sandboxed frame, from the element table
exported here (`ELEMENT_TABLE_JSON`); the server re-runs every value the frame sends through
`Runtime` (resources/tracking.py), because nothing coming out of an untrusted package is
trusted. Keeping the table in one place keeps the two in step; tests/resources/test_scorm.py
runs the same calls through both.

Decisions where the specification (SCORM 1.2 RTE, section 3.4) leaves room, each as the common
LMSs (Moodle, the ADL test suite) read it:
- score.raw/min/max (core and objectives) are CMIDecimal or blank, normalised to 0–100;
  student_preference audio −1..100, speed −100..100, text −1..1; interaction weighting −100..100.
- Arrays (objectives, interactions, their objectives and correct_responses) grow one index at a
  time: setting index n needs n ≤ _count; a larger index, or reading an index that was never
  set, is an invalid argument (201). 402 is kept for what the specification reserves it for:
  setting a keyword (_children, _count, _version).
- lesson_status cannot be set to "not attempted" (405): only the LMS starts there.
- After LMSFinish the session is over: further calls answer 301, and LMSInitialize 101.
- String lengths are counted in UTF-16 code units, as the JavaScript runtime counts them.
"""

import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

RO, WO, RW = "ro", "wo", "rw"

NO_ERROR = 0
GENERAL_EXCEPTION = 101
INVALID_ARGUMENT = 201
CANNOT_HAVE_CHILDREN = 202
CANNOT_HAVE_COUNT = 203
NOT_INITIALIZED = 301
NOT_IMPLEMENTED = 401
KEYWORD = 402
READ_ONLY = 403
WRITE_ONLY = 404
WRONG_TYPE = 405

ERROR_STRINGS = {
    NO_ERROR: "No error",
    GENERAL_EXCEPTION: "General exception",
    INVALID_ARGUMENT: "Invalid argument error",
    CANNOT_HAVE_CHILDREN: "Element cannot have children",
    CANNOT_HAVE_COUNT: "Element not an array - cannot have count",
    NOT_INITIALIZED: "Not initialized",
    NOT_IMPLEMENTED: "Not implemented error",
    KEYWORD: "Invalid set value, element is a keyword",
    READ_ONLY: "Element is read only",
    WRITE_ONLY: "Element is write only",
    WRONG_TYPE: "Incorrect data type",
}

STATUSES = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
EXITS = ("time-out", "suspend", "logout", "")
INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
RESULTS = ("correct", "wrong", "unanticipated", "neutral")
TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")

# Value syntaxes (ASCII digits only: Python's \d would accept other scripts' digits).
DECIMAL_RE = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
SINTEGER_RE = r"^-?[0-9]+$"
IDENTIFIER_RE = r"^[\x21-\x7e]{1,255}$"
TIMESPAN_RE = r"^([0-9]{2,4}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,2})?$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?$"

# Bound on every array, so a runaway SCO cannot grow a learner's track without end (101).
MAX_ARRAY = 500


@dataclass(frozen=True)
class Element:
    """One data model element; `name` has "n" where an array index goes."""

    name: str
    access: str
    type: str  # string255, string4096, decimal, sinteger, identifier, timespan, time, vocab, result
    vocab: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    blank: bool = False  # CMIBlank ("") accepted as well


SCORE_RANGE = (0.0, 100.0)

ELEMENTS: dict[str, Element] = {
    e.name: e
    for e in [
        Element("cmi.core.student_id", RO, "identifier"),
        Element("cmi.core.student_name", RO, "string255"),
        Element("cmi.core.lesson_location", RW, "string255"),
        Element("cmi.core.credit", RO, "vocab", ("credit", "no-credit")),
        # "not attempted" is readable but never settable (see SETTABLE_VOCAB).
        Element("cmi.core.lesson_status", RW, "vocab", STATUSES),
        Element("cmi.core.entry", RO, "vocab", ("ab-initio", "resume", "")),
        Element("cmi.core.score.raw", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.core.score.max", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.core.score.min", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.core.total_time", RO, "timespan"),
        Element("cmi.core.lesson_mode", RO, "vocab", ("browse", "normal", "review")),
        Element("cmi.core.exit", WO, "vocab", EXITS),
        Element("cmi.core.session_time", WO, "timespan"),
        Element("cmi.suspend_data", RW, "string4096"),
        Element("cmi.launch_data", RO, "string4096"),
        Element("cmi.comments", RW, "string4096"),
        Element("cmi.comments_from_lms", RO, "string4096"),
        Element("cmi.objectives.n.id", RW, "identifier"),
        Element("cmi.objectives.n.score.raw", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.objectives.n.score.max", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.objectives.n.score.min", RW, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.objectives.n.status", RW, "vocab", STATUSES),
        Element("cmi.student_data.mastery_score", RO, "decimal", range=SCORE_RANGE, blank=True),
        Element("cmi.student_data.max_time_allowed", RO, "timespan", blank=True),
        Element("cmi.student_data.time_limit_action", RO, "vocab", (*TIME_LIMIT_ACTIONS, "")),
        Element("cmi.student_preference.audio", RW, "sinteger", range=(-1, 100)),
        Element("cmi.student_preference.language", RW, "string255"),
        Element("cmi.student_preference.speed", RW, "sinteger", range=(-100, 100)),
        Element("cmi.student_preference.text", RW, "sinteger", range=(-1, 1)),
        Element("cmi.interactions.n.id", WO, "identifier"),
        Element("cmi.interactions.n.objectives.n.id", WO, "identifier"),
        Element("cmi.interactions.n.time", WO, "time"),
        Element("cmi.interactions.n.type", WO, "vocab", INTERACTION_TYPES),
        Element("cmi.interactions.n.correct_responses.n.pattern", WO, "string255"),
        Element("cmi.interactions.n.weighting", WO, "decimal", range=(-100, 100)),
        Element("cmi.interactions.n.student_response", WO, "string255"),
        Element("cmi.interactions.n.result", WO, "result", RESULTS),
        Element("cmi.interactions.n.latency", WO, "timespan"),
    ]
}

# The vocabulary a SCO may set, where it differs from what it may read.
SETTABLE_VOCAB = {"cmi.core.lesson_status": STATUSES[:-1]}

# `<container>._children` → the list the LMS answers.
CHILDREN = {
    "cmi": "core,suspend_data,launch_data,comments,objectives,student_data,student_preference,"
    "interactions",
    "cmi.core": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,"
    "total_time,lesson_mode,exit,session_time",
    "cmi.core.score": "raw,min,max",
    "cmi.objectives": "id,score,status",
    "cmi.objectives.n.score": "raw,min,max",
    "cmi.student_data": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference": "audio,language,speed,text",
    "cmi.interactions": "id,objectives,time,type,correct_responses,weighting,student_response,"
    "result,latency",
}

# Arrays: `<array>._count` is answered, and `<array>.<index>.…` addresses one entry.
ARRAYS = (
    "cmi.objectives",
    "cmi.interactions",
    "cmi.interactions.n.objectives",
    "cmi.interactions.n.correct_responses",
)

# Every name that is a node of the tree without being a leaf element: `_children` on these is
# 202 (unless listed in CHILDREN) and `_count` 203 (unless an array), rather than 201.
CONTAINERS = frozenset(
    {
        "cmi",
        "cmi.core",
        "cmi.core.score",
        "cmi.objectives",
        "cmi.objectives.n",
        "cmi.objectives.n.score",
        "cmi.student_data",
        "cmi.student_preference",
        "cmi.interactions",
        "cmi.interactions.n",
        "cmi.interactions.n.objectives",
        "cmi.interactions.n.objectives.n",
        "cmi.interactions.n.correct_responses",
        "cmi.interactions.n.correct_responses.n",
    }
)

VERSION = "3.4"  # cmi._version, the AICC CMI data model version SCORM 1.2 builds on

# Values the LMS owns: a commit that tries to set them is refused like a SCO's LMSSetValue.
STATE_ELEMENTS = tuple(name for name, e in ELEMENTS.items() if "n" not in name.split("."))


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _in_range(number: float, bounds: tuple[float, float] | None) -> bool:
    return bounds is None or bounds[0] <= number <= bounds[1]


def value_valid(element: Element, value: str, *, setting: bool = True) -> bool:
    """Whether `value` fits the element's type (405 otherwise)."""
    if element.blank and value == "":
        return True
    kind = element.type
    if kind == "string255":
        return _utf16_len(value) <= 255
    if kind == "string4096":
        return _utf16_len(value) <= 4096
    if kind == "identifier":
        return re.fullmatch(IDENTIFIER_RE, value) is not None
    if kind == "timespan":
        return re.fullmatch(TIMESPAN_RE, value) is not None
    if kind == "time":
        return re.fullmatch(TIME_RE, value) is not None
    if kind == "vocab":
        vocab = SETTABLE_VOCAB.get(element.name, element.vocab) if setting else element.vocab
        return value in vocab
    if kind == "result" and value in element.vocab:
        return True
    if kind in ("decimal", "result"):
        if re.fullmatch(DECIMAL_RE, value) is None:
            return False
        return _in_range(float(value), element.range)
    if kind == "sinteger":
        if re.fullmatch(SINTEGER_RE, value) is None:
            return False
        return _in_range(int(value), element.range)
    return False  # pragma: no cover - every type is listed above


def session_seconds(timespan: str) -> float:
    """CMITimespan (HHHH:MM:SS.SS) → seconds; 0 for anything that is not one."""
    match = re.fullmatch(TIMESPAN_RE, timespan or "")
    if match is None:
        return 0.0
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds + (fraction or ""))


def format_timespan(seconds: float) -> str:
    """Seconds → CMITimespan with hours on 2–4 digits (capped at 9999:59:59.99)."""
    centis = min(max(round(seconds * 100), 0), 9999 * 360000 + 359999)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{cs:02d}"


def decimal_or_none(value: str) -> Decimal | None:
    """A CMIDecimal (or blank) value as a Decimal, None when blank."""
    if value in ("", None):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


@dataclass
class _Parsed:
    pattern: str  # the name with indices replaced by "n"
    indices: list[tuple[str, int]]  # (the concrete array prefix, index), outermost first
    ok: bool = True


def _parse(name: str) -> _Parsed:
    """Split a concrete element name into its pattern and array indices.

    An index is only valid right after an array name and must be a canonical non-negative
    integer ("01" and "-1" are not)."""
    parts = name.split(".")
    pattern: list[str] = []
    concrete: list[str] = []
    indices: list[tuple[str, int]] = []
    for part in parts:
        if part.isascii() and part.isdigit():
            if ".".join(pattern) not in ARRAYS or (len(part) > 1 and part[0] == "0"):
                return _Parsed(name, [], ok=False)
            indices.append((".".join(concrete), int(part)))
            pattern.append("n")
        else:
            if part == "n" or part == "":
                return _Parsed(name, [], ok=False)
            pattern.append(part)
        concrete.append(part)
    return _Parsed(".".join(pattern), indices)


def _known_node(pattern: str) -> bool:
    return pattern in ELEMENTS or pattern in CONTAINERS


@dataclass
class Runtime:
    """One SCO session's API object over a flat state {element name: value}.

    `state` holds what the LMS knows at launch (resources/tracking.py track_state); `changed`
    collects, in the order first set, every element the SCO set, for the commit."""

    state: dict[str, str] = field(default_factory=dict)
    initialized: bool = False
    finished: bool = False
    last_error: int = NO_ERROR
    diagnostic: str = ""
    changed: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.state = {str(k): str(v) for k, v in self.state.items()}
        for name in self.state:
            parsed = _parse(name)
            if parsed.ok:
                self._grow(parsed)

    # --- helpers -------------------------------------------------------------------------

    def _fail(self, code: int, diagnostic: str = "") -> str:
        self.last_error = code
        self.diagnostic = diagnostic or ERROR_STRINGS[code]
        return "false"

    def _ok(self) -> None:
        self.last_error = NO_ERROR
        self.diagnostic = ""

    def _grow(self, parsed: _Parsed) -> None:
        for prefix, index in parsed.indices:
            self.counts[prefix] = max(self.counts.get(prefix, 0), index + 1)

    def _indices_exist(self, parsed: _Parsed, *, allow_append: bool) -> bool:
        """Every index names an existing entry, or (setting) the next one of its array."""
        for prefix, index in parsed.indices:
            count = self.counts.get(prefix, 0)
            if index > count or (index == count and not allow_append):
                return False
        return True

    def _keyword(self, name: str) -> tuple[str, str] | None:
        """(parent name, keyword) when `name` ends in _children/_count."""
        head, _, last = name.rpartition(".")
        if last in ("_children", "_count") and head:
            return head, last
        return None

    # --- the API ---------------------------------------------------------------------------

    def LMSInitialize(self, argument: str = "") -> str:  # noqa: N802 - the SCORM names
        if argument != "":
            return self._fail(INVALID_ARGUMENT, "LMSInitialize takes an empty string")
        if self.initialized or self.finished:
            return self._fail(GENERAL_EXCEPTION, "LMSInitialize was already called")
        self.initialized = True
        self._ok()
        return "true"

    def LMSFinish(self, argument: str = "") -> str:  # noqa: N802
        if argument != "":
            return self._fail(INVALID_ARGUMENT, "LMSFinish takes an empty string")
        if not self.initialized:
            return self._fail(NOT_INITIALIZED)
        self.initialized = False
        self.finished = True
        self._ok()
        return "true"

    def LMSCommit(self, argument: str = "") -> str:  # noqa: N802
        if argument != "":
            return self._fail(INVALID_ARGUMENT, "LMSCommit takes an empty string")
        if not self.initialized:
            return self._fail(NOT_INITIALIZED)
        self._ok()
        return "true"

    def LMSGetLastError(self) -> str:  # noqa: N802
        return str(self.last_error)

    def LMSGetErrorString(self, code: str = "") -> str:  # noqa: N802
        try:
            return ERROR_STRINGS.get(int(code), "")
        except (TypeError, ValueError):
            return ""

    def LMSGetDiagnostic(self, code: str = "") -> str:  # noqa: N802
        if code in ("", str(self.last_error)):
            return self.diagnostic
        return self.LMSGetErrorString(code)

    def LMSGetValue(self, name: str) -> str:  # noqa: N802
        if not self.initialized:
            self._fail(NOT_INITIALIZED)
            return ""
        name = "" if name is None else str(name)
        if name == "":
            self._fail(INVALID_ARGUMENT, "LMSGetValue needs an element name")
            return ""
        if name == "cmi._version":
            self._ok()
            return VERSION
        keyword = self._keyword(name)
        if keyword is not None:
            return self._get_keyword(name, *keyword)
        parsed = _parse(name)
        element = ELEMENTS.get(parsed.pattern) if parsed.ok else None
        if element is None:
            self._fail(INVALID_ARGUMENT, f"{name} is not a SCORM 1.2 element")
            return ""
        if element.access == WO:
            self._fail(WRITE_ONLY, f"{name} is write-only")
            return ""
        if not self._indices_exist(parsed, allow_append=False):
            self._fail(INVALID_ARGUMENT, f"{name}: no such array entry")
            return ""
        self._ok()
        return self.state.get(name, "")

    def _get_keyword(self, name: str, parent: str, keyword: str) -> str:
        parsed = _parse(parent)
        if not parsed.ok or not _known_node(parsed.pattern):
            self._fail(INVALID_ARGUMENT, f"{name} is not a SCORM 1.2 element")
            return ""
        if parsed.indices and not self._indices_exist(parsed, allow_append=False):
            self._fail(INVALID_ARGUMENT, f"{name}: no such array entry")
            return ""
        if keyword == "_children":
            if parsed.pattern not in CHILDREN:
                self._fail(CANNOT_HAVE_CHILDREN, f"{parent} has no _children")
                return ""
            self._ok()
            return CHILDREN[parsed.pattern]
        if parsed.pattern not in ARRAYS:
            self._fail(CANNOT_HAVE_COUNT, f"{parent} is not an array")
            return ""
        self._ok()
        return str(self.counts.get(parent, 0))

    def LMSSetValue(self, name: str, value: str) -> str:  # noqa: N802
        if not self.initialized:
            return self._fail(NOT_INITIALIZED)
        name = "" if name is None else str(name)
        value = "" if value is None else str(value)
        if name == "":
            return self._fail(INVALID_ARGUMENT, "LMSSetValue needs an element name")
        if name == "cmi._version":
            return self._fail(KEYWORD, "cmi._version is a keyword")
        keyword = self._keyword(name)
        if keyword is not None:
            parsed = _parse(keyword[0])
            if parsed.ok and _known_node(parsed.pattern):
                return self._fail(KEYWORD, f"{name} is a keyword")
            return self._fail(INVALID_ARGUMENT, f"{name} is not a SCORM 1.2 element")
        parsed = _parse(name)
        element = ELEMENTS.get(parsed.pattern) if parsed.ok else None
        if element is None:
            return self._fail(INVALID_ARGUMENT, f"{name} is not a SCORM 1.2 element")
        if element.access == RO:
            return self._fail(READ_ONLY, f"{name} is read-only")
        if not self._indices_exist(parsed, allow_append=True):
            return self._fail(INVALID_ARGUMENT, f"{name}: array index out of order")
        if any(index >= MAX_ARRAY for _, index in parsed.indices):
            return self._fail(GENERAL_EXCEPTION, f"{name}: at most {MAX_ARRAY} entries")
        if not value_valid(element, value):
            return self._fail(WRONG_TYPE, f"{name}: {value!r} is not a valid {element.type}")
        self.state[name] = value
        self.changed[name] = value
        self._grow(parsed)
        self._ok()
        return "true"


def _table() -> dict:
    elements = {}
    for name, element in ELEMENTS.items():
        row = asdict(element)
        del row["name"]
        row["vocab"] = list(element.vocab)
        row["range"] = list(element.range) if element.range else None
        if name in SETTABLE_VOCAB:
            row["settable"] = list(SETTABLE_VOCAB[name])
        elements[name] = row
    return {
        "elements": elements,
        "children": CHILDREN,
        "arrays": list(ARRAYS),
        "containers": sorted(CONTAINERS),
        "errors": {str(code): text for code, text in ERROR_STRINGS.items()},
        "version": VERSION,
        "maxArray": MAX_ARRAY,
        "regex": {
            "decimal": DECIMAL_RE,
            "sinteger": SINTEGER_RE,
            "identifier": IDENTIFIER_RE,
            "timespan": TIMESPAN_RE,
            "time": TIME_RE,
        },
    }


# What scorm-runtime.js validates with (injected into every SCO page served).
ELEMENT_TABLE = _table()
ELEMENT_TABLE_JSON = json.dumps(ELEMENT_TABLE, separators=(",", ":"), sort_keys=True)
