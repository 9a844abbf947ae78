"""Assessment rules as pure functions (DOMAIN.md §1–§3).

- Secondary, grades 6–12: Circular 22/2021/TT-BGDĐT — scores, term and year averages, learning
  result with the single-subject adjustment, conduct, promotion, awards.
- Primary, grades 1–5: Circular 27/2020/TT-BGDĐT — subject levels, quality/competence levels,
  integer periodic test scores and which subjects have periodic tests when; the five qualities
  and ten competences; the year's result (Điều 14), awards (Điều 15) and completion.

No Django import: the grade book, the results, the transcripts and the `hocso` commands call these,
and they are a public library API of their own.

Input rules (one place, so every caller behaves the same):

- A score is a ``Decimal``, an ``int`` or a ``str`` ("7.5" or "7,5", surrounding spaces ignored).
  A ``float`` is accepted too and converted through ``repr`` — the shortest text that reads back as
  the same float, i.e. what was typed into the spreadsheet — never through ``Decimal(float)``.
  That cannot cause a binary-rounding surprise: a float whose shortest text has more than one
  decimal (``0.1 + 0.2``, ``8.25``) is rejected, never rounded. ``bool``, NaN and infinities are
  rejected.
- A score lies in 0–10 with at most one decimal ("7.50" is 7.5 and fine; "7.55" is not).
- Validated scores are returned as ``Decimal`` with exactly one decimal place (``Decimal("7.0")``).
- Every averaging step rounds half-up to one decimal with ``Decimal.quantize`` (Điều 5 k3b) in a
  private decimal context, so the caller's context (precision, rounding) cannot change a result.
- Impossible input raises :class:`AssessmentError` (a ``ValueError``) with a stable ``code``.
"""

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

ScoreInput = Decimal | int | str | float


def gettext_noop(message: str) -> str:
    """Mark a message for translation without importing Django (makemessages extracts it)."""
    return message


class AssessmentError(ValueError):
    """Impossible input to an assessment rule.

    ``code`` is stable (e.g. ``"score.range"``); ``msgid`` is the Vietnamese message with
    ``%(name)s`` placeholders, marked for translation, so a page can show
    ``gettext(error.msgid) % error.params``; ``message`` (also ``str(error)``) is it filled in.
    """

    def __init__(self, code: str, msgid: str, params: Mapping[str, object] | None = None):
        self.code = code
        self.msgid = msgid
        self.params = {key: str(value) for key, value in (params or {}).items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.msgid % self.params

    def __reduce__(self):
        return (type(self), (self.code, self.msgid, self.params))

    def __repr__(self) -> str:
        return f"AssessmentError({self.code!r}, {self.message!r})"


# --------------------------------------------------------------------------------------------
# Subjects (DOMAIN.md §3). The curriculum app stores the programme per grade; these codes are
# the shared vocabulary.

SUBJECTS: dict[str, str] = {
    "TV": "Tiếng Việt",
    "TOAN": "Toán",
    "NN1": "Ngoại ngữ 1",
    "DD": "Đạo đức",
    "TNXH": "Tự nhiên và Xã hội",
    "KH": "Khoa học",
    "LSDL": "Lịch sử và Địa lí",
    "TINCN": "Tin học và Công nghệ",
    "GDTC": "Giáo dục thể chất",
    "NT": "Nghệ thuật",
    "AN": "Âm nhạc",
    "MT": "Mĩ thuật",
    "HDTN": "Hoạt động trải nghiệm, hướng nghiệp",
    "NV": "Ngữ văn",
    "GDCD": "Giáo dục công dân",
    "KHTN": "Khoa học tự nhiên",
    "CN": "Công nghệ",
    "TIN": "Tin học",
    "GDDP": "Nội dung giáo dục của địa phương",
    "LS": "Lịch sử",
    "DL": "Địa lí",
    "GDKTPL": "Giáo dục kinh tế và pháp luật",
    "VL": "Vật lí",
    "HH": "Hoá học",
    "SH": "Sinh học",
    "GDQPAN": "Giáo dục quốc phòng và an ninh",
}

# Circular 22: subjects assessed by comment only (Đạt / Chưa đạt); every other subject is scored.
SECONDARY_COMMENT_SUBJECTS: frozenset[str] = frozenset({"GDTC", "NT", "AN", "MT", "GDDP", "HDTN"})


def secondary_is_scored(subject: str) -> bool:
    """Whether a grade 6–12 subject is scored (True) or assessed by comment only (False)."""
    _check_subject(subject)
    return subject not in SECONDARY_COMMENT_SUBJECTS


def _check_subject(subject: str) -> None:
    if subject not in SUBJECTS:
        raise AssessmentError(
            "subject.unknown",
            gettext_noop("Mã môn học «%(subject)s» không có trong danh mục"),
            {"subject": subject},
        )


# --------------------------------------------------------------------------------------------
# Numbers

ONE_DECIMAL = Decimal("0.1")
MIN_SCORE = Decimal("0")
MAX_SCORE = Decimal("10")

# Plain decimal notation with a point or a comma; no exponents, no thousands separators.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")

# Enough precision that a sum and one division of a few one-decimal scores are exact or, when
# the quotient does not terminate, far from any tie; traps turn nonsense into exceptions.
_CONTEXT = Context(
    prec=40, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)


def _number(value: object, *, what: str) -> Decimal:
    """Any accepted score-like input as a finite Decimal (no range or precision check yet)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise AssessmentError(
            f"{what}.type",
            gettext_noop("«%(value)s» không phải là điểm số"),
            {"value": repr(value)},
        )
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AssessmentError(
                f"{what}.format",
                gettext_noop("«%(value)s» không phải là điểm số"),
                {"value": value},
            )
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            raise AssessmentError(
                f"{what}.format",
                gettext_noop("«%(value)s» không phải là điểm số"),
                {"value": value},
            )
        number = Decimal(text.replace(",", "."))
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise AssessmentError(
            f"{what}.format", gettext_noop("«%(value)s» không phải là điểm số"), {"value": value}
        )
    return number


# Every valid score (0.0, 0.1, …, 10.0) by value: checking a Decimal that already is one (a
# score read from the database, an average just computed) is one dictionary lookup.
_VALID_SCORES = {d: d for d in (Decimal(f"{n // 10}.{n % 10}") for n in range(101))}


def parse_score(value: ScoreInput) -> Decimal:
    """A secondary score (or an average) checked and returned with one decimal: "7,5" → 7.5."""
    if type(value) is Decimal and value.is_finite():
        valid = _VALID_SCORES.get(value)
        if valid is not None:
            return valid
    number = _number(value, what="score")
    if not MIN_SCORE <= number <= MAX_SCORE:
        raise AssessmentError(
            "score.range",
            gettext_noop("Điểm %(value)s nằm ngoài thang điểm 0–10"),
            {"value": value},
        )
    with localcontext(_CONTEXT):
        rounded = number.quantize(ONE_DECIMAL)
        if rounded != number:
            raise AssessmentError(
                "score.precision",
                gettext_noop("Điểm %(value)s có nhiều hơn một chữ số thập phân"),
                {"value": value},
            )
        return abs(rounded)  # abs(): "-0" is 0.0, not -0.0


def round_half_up(value: Decimal | int) -> Decimal:
    """One decimal, half-up (Điều 5 k3b): 8.25 → 8.3, where ``round(8.25, 1)`` gives 8.2."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise AssessmentError(
            "score.type", gettext_noop("«%(value)s» không phải là điểm số"), {"value": repr(value)}
        )
    with localcontext(_CONTEXT):
        return Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _weighted_average(weighted: Iterable[tuple[Decimal, int]]) -> Decimal:
    with localcontext(_CONTEXT):
        total = Decimal(0)
        weights = 0
        for value, weight in weighted:
            total += value * weight
            weights += weight
        return (total / weights).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Circular 22 — averages


def regular_assessments_required(periods_per_year: int) -> int:
    """Regular assessments (ĐĐGtx) per term for a subject taught ``periods_per_year`` periods:
    up to 35 → 2; 36–70 → 3; more than 70 → 4."""
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise AssessmentError(
            "periods.type",
            gettext_noop("Số tiết trong năm «%(value)s» phải là số nguyên"),
            {"value": repr(periods_per_year)},
        )
    if periods_per_year < 1:
        raise AssessmentError(
            "periods.range",
            gettext_noop("Số tiết trong năm phải lớn hơn 0 (nhận được %(value)s)"),
            {"value": periods_per_year},
        )
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


def _check_required(required: int) -> None:
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        raise AssessmentError(
            "regular.required",
            gettext_noop("Số điểm đánh giá thường xuyên bắt buộc «%(value)s» không hợp lệ"),
            {"value": repr(required)},
        )


def _regular_list(regular: Iterable, required: int | None) -> list:
    if isinstance(regular, str | bytes) or not isinstance(regular, Iterable):
        raise AssessmentError(
            "regular.type",
            gettext_noop("Điểm đánh giá thường xuyên phải là một danh sách"),
        )
    values = list(regular)
    if required is not None:
        _check_required(required)
        if len(values) != required:
            raise AssessmentError(
                "regular.count",
                gettext_noop("Cần đúng %(required)s điểm đánh giá thường xuyên, có %(count)s"),
                {"required": required, "count": len(values)},
            )
    elif not values:
        raise AssessmentError(
            "regular.missing", gettext_noop("Chưa có điểm đánh giá thường xuyên nào")
        )
    for index, value in enumerate(values, start=1):
        if value is None:
            raise AssessmentError(
                "regular.missing",
                gettext_noop("Thiếu điểm đánh giá thường xuyên thứ %(index)s"),
                {"index": index},
            )
    return values


def term_average(
    regular: Sequence[ScoreInput | None],
    midterm: ScoreInput | None,
    final: ScoreInput | None,
    *,
    required: int | None = None,
) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (n_tx + 5), half-up to one decimal.

    ``regular`` are the regular scores (ĐĐGtx), ``midterm`` the mid-term (ĐĐGgk), ``final`` the
    end-of-term (ĐĐGck). With ``required`` (see :func:`regular_assessments_required`) the number
    of regular scores must be exactly that; without it there must be at least one. A missing
    assessment (``None``) raises: a result is only computed from a complete grade book (a learner
    who took neither the assessment nor its make-up is entered as 0 by the teacher, not left blank).

    >>> term_average(["8", "9"], "7", "8")
    Decimal('7.9')
    """
    values = _regular_list(regular, required)
    if midterm is None:
        raise AssessmentError("midterm.missing", gettext_noop("Thiếu điểm đánh giá giữa kì"))
    if final is None:
        raise AssessmentError("final.missing", gettext_noop("Thiếu điểm đánh giá cuối kì"))
    scores = [(parse_score(value), 1) for value in values]
    return _weighted_average([*scores, (parse_score(midterm), 2), (parse_score(final), 3)])


def year_average(term1: ScoreInput | None, term2: ScoreInput | None) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, half-up to one decimal: 7.9 and 8.3 → 8.2."""
    if term1 is None or term2 is None:
        raise AssessmentError(
            "term_average.missing",
            gettext_noop("Thiếu điểm trung bình môn học kì %(term)s"),
            {"term": "I" if term1 is None else "II"},
        )
    return _weighted_average([(parse_score(term1), 1), (parse_score(term2), 2)])


# In tenths of a point (integers): the same formulas for callers that average millions of
# validated scores (`compute.py` reads them from the database as integers). Half-up rounding of
# S / W tenths is floor((2S + W) / 2W) exactly; tests check them against the Decimal functions.


def _check_tenths(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise AssessmentError(
            "tenths.invalid",
            gettext_noop("«%(value)s» không phải là điểm tính bằng phần mười (0–100)"),
            {"value": repr(value)},
        )
    return value


def term_average_tenths(regular: Sequence[int], midterm: int, final: int) -> int:
    """:func:`term_average` in tenths: ([80, 90], 70, 80) → 79. Every regular score must be
    there (the caller has checked the count against the subject's requirement)."""
    if not regular:
        raise AssessmentError(
            "regular.missing", gettext_noop("Chưa có điểm đánh giá thường xuyên nào")
        )
    weighted = sum(_check_tenths(v) for v in regular)
    weighted += 2 * _check_tenths(midterm) + 3 * _check_tenths(final)
    weights = len(regular) + 5
    return (2 * weighted + weights) // (2 * weights)


def year_average_tenths(term1: int, term2: int) -> int:
    """:func:`year_average` in tenths: (79, 83) → 82."""
    return (2 * (_check_tenths(term1) + 2 * _check_tenths(term2)) + 3) // 6


# --------------------------------------------------------------------------------------------
# Circular 22 — levels

TOT = "Tốt"
KHA = "Khá"
DAT = "Đạt"
CHUA_DAT = "Chưa đạt"
LEVELS: tuple[str, ...] = (TOT, KHA, DAT, CHUA_DAT)  # best first
_RANK = {TOT: 3, KHA: 2, DAT: 1, CHUA_DAT: 0}
_BY_RANK = {rank: level for level, rank in _RANK.items()}
_LEVEL_BY_KEY = {level.casefold(): level for level in LEVELS}


def _key(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


def parse_level(value: str) -> str:
    """One of Tốt / Khá / Đạt / Chưa đạt, whatever its case, spacing or Unicode form."""
    level = _LEVEL_BY_KEY.get(_key(value)) if isinstance(value, str) else None
    if level is None:
        raise AssessmentError(
            "level.invalid",
            gettext_noop("«%(value)s» không phải là một mức (Tốt, Khá, Đạt, Chưa đạt)"),
            {"value": value},
        )
    return level


def level_at_least(level: str, minimum: str) -> bool:
    """Whether ``level`` is ``minimum`` or better (both Tốt / Khá / Đạt / Chưa đạt)."""
    return _RANK[parse_level(level)] >= _RANK[parse_level(minimum)]


# Điều 9 k2 thresholds.
_TOT_FLOOR = Decimal("6.5")  # Tốt: every scored subject at least this …
_TOT_HIGH = Decimal("8.0")  # … and at least six at this
_KHA_FLOOR = Decimal("5.0")  # Khá: every scored subject at least this …
_KHA_HIGH = Decimal("6.5")  # … and at least six at this
_DAT_PASS = Decimal("5.0")  # Đạt: at least six scored subjects at this …
_DAT_FLOOR = Decimal("3.5")  # … and none below this
_AT_LEAST = 6
MIN_SCORED_SUBJECTS = _AT_LEAST

# "Passing value" for the adjustment test: the per-subject floor of the level the learner would
# otherwise have had.
_ADJUSTMENT_FLOOR = {TOT: _TOT_FLOOR, KHA: _KHA_FLOOR}


def _rate(scores: Sequence[Decimal], comments: Sequence[bool]) -> str:
    """Điều 9 k2 exactly, without the k3 adjustment."""
    failed_comments = sum(1 for passed in comments if not passed)
    if (
        failed_comments == 0
        and all(s >= _TOT_FLOOR for s in scores)
        and sum(1 for s in scores if s >= _TOT_HIGH) >= _AT_LEAST
    ):
        return TOT
    if (
        failed_comments == 0
        and all(s >= _KHA_FLOOR for s in scores)
        and sum(1 for s in scores if s >= _KHA_HIGH) >= _AT_LEAST
    ):
        return KHA
    if (
        failed_comments <= 1
        and sum(1 for s in scores if s >= _DAT_PASS) >= _AT_LEAST
        and all(s >= _DAT_FLOOR for s in scores)
    ):
        return DAT
    return CHUA_DAT


@dataclass(frozen=True)
class LearningResult:
    """A learning result with how it was reached.

    ``computed`` is the level by the thresholds alone (Điều 9 k2); ``level`` the final level after
    the adjustment (k3); ``adjusted_for`` the subject that caused the adjustment, or None.
    """

    level: str
    computed: str
    adjusted_for: str | None = None

    @property
    def adjusted(self) -> bool:
        return self.adjusted_for is not None


def _subject_scores(values: Mapping[str, ScoreInput]) -> dict[str, Decimal]:
    """Scores keyed by subject code, each validated; an error names the subject."""
    if not isinstance(values, Mapping):
        raise AssessmentError(
            "learning.type", gettext_noop("Kết quả các môn phải được cho theo mã môn học")
        )
    scores = {}
    for subject, value in values.items():
        try:
            scores[str(subject)] = parse_score(value)
        except AssessmentError as error:
            # Same code; the original error (translatable on its own) stays as __cause__.
            raise AssessmentError(
                error.code,
                gettext_noop("Môn %(subject)s: %(problem)s"),
                {**error.params, "subject": subject, "problem": error.message},
            ) from error
    return scores


def _learning_inputs(
    scored: Mapping[str, ScoreInput], commented: Mapping[str, bool]
) -> tuple[dict[str, Decimal], dict[str, bool]]:
    if not isinstance(scored, Mapping) or not isinstance(commented, Mapping):
        raise AssessmentError(
            "learning.type",
            gettext_noop("Kết quả các môn phải được cho theo mã môn học"),
        )
    scores = _subject_scores(scored)
    comments: dict[str, bool] = {}
    for subject, passed in commented.items():
        if not isinstance(passed, bool):
            raise AssessmentError(
                "comment.type",
                gettext_noop(
                    "Kết quả môn %(subject)s phải là Đạt hoặc Chưa đạt, không phải «%(value)s»"
                ),
                {"subject": subject, "value": passed},
            )
        comments[str(subject)] = passed
    both = sorted(set(scores) & set(comments))
    if both:
        raise AssessmentError(
            "learning.overlap",
            gettext_noop("Môn %(subject)s vừa có điểm số vừa có kết quả nhận xét"),
            {"subject": ", ".join(both)},
        )
    if len(scores) < MIN_SCORED_SUBJECTS:
        raise AssessmentError(
            "learning.too_few_scored",
            gettext_noop(
                "Cần điểm trung bình của ít nhất %(minimum)s môn tính điểm để xếp mức kết quả học tập, mới có %(count)s"
            ),
            {"minimum": MIN_SCORED_SUBJECTS, "count": len(scores)},
        )
    return scores, comments


def learning_result_detail(
    scored: Mapping[str, ScoreInput], commented: Mapping[str, bool]
) -> LearningResult:
    """:func:`learning_result` with the level before adjustment and the subject that caused it."""
    scores, comments = _learning_inputs(scored, commented)
    computed = _rate(list(scores.values()), list(comments.values()))
    for target in (TOT, KHA):
        if _RANK[target] - _RANK[computed] < 2:
            continue
        floor = _ADJUSTMENT_FLOOR[target]
        for subject in sorted(scores):
            if scores[subject] >= floor:
                continue
            trial = [floor if other == subject else value for other, value in scores.items()]
            if _RANK[_rate(trial, list(comments.values()))] >= _RANK[target]:
                return LearningResult(_BY_RANK[_RANK[computed] + 1], computed, subject)
        for subject in sorted(comments):
            if comments[subject]:
                continue
            trial_comments = [True if other == subject else v for other, v in comments.items()]
            if _RANK[_rate(list(scores.values()), trial_comments)] >= _RANK[target]:
                return LearningResult(_BY_RANK[_RANK[computed] + 1], computed, subject)
    return LearningResult(computed, computed)


def learning_result(scored: Mapping[str, ScoreInput], commented: Mapping[str, bool]) -> str:
    """Learning result Tốt / Khá / Đạt / Chưa đạt (Circular 22 Điều 9).

    ``scored`` maps each scored subject to its average — ĐTBmhk for a term result, ĐTBmcn for the
    year; ``commented`` maps each comment-only subject to its term or year result (True = Đạt).
    A subject may not appear in both. At least six scored subjects are required: every level
    above Chưa đạt counts six of them, and every grade 6–12 programme has more, so fewer means an
    incomplete grade book — that raises rather than rating a learner Chưa đạt for missing data.

    Thresholds (k2):

    - Tốt: every comment subject Đạt; every scored subject ≥ 6.5; at least six ≥ 8.0.
    - Khá: every comment subject Đạt; every scored subject ≥ 5.0; at least six ≥ 6.5.
    - Đạt: at most one comment subject Chưa đạt; at least six scored subjects ≥ 5.0; none < 3.5.
    - Chưa đạt: otherwise.

    Adjustment (k3): when the level falls two or more levels below the Tốt or Khá the learner
    would otherwise have had, because of one single subject, it is raised by one level, to the
    level just above the computed one (Tốt→Đạt gives Khá, Tốt→Chưa đạt gives Đạt, Khá→Chưa đạt
    gives Đạt; never all the way back up).

    How "would otherwise have had, because of one single subject" is decided: for each target
    level L in (Tốt, Khá) at least two levels above the computed one, and each single subject that
    fails L's per-subject condition, give that subject the passing value for L and recompute:

    - a scored subject gets L's per-subject floor — 6.5 for Tốt, 5.0 for Khá (every scored
      subject must reach it) — and only if it is below it, so a value is never lowered;
    - a comment subject Chưa đạt gets Đạt.

    If the recomputed level reaches L, that one subject caused the drop and the result is adjusted.
    The passing value is the floor, not the 8.0 (6.5) mark and not 10, so the subject is not
    credited towards the "at least six subjects ≥ 8.0 (6.5)" count: the other subjects must meet
    it on their own. A learner with five subjects ≥ 8.0, two at 7.0 and one at 4.0 never reached
    Tốt in the other subjects, so no single subject pulled them down from Tốt (they get Đạt: the
    drop from Khá is one level). Two subjects that each fail L never trigger the adjustment
    (fixing one is not enough), nor does a drop of one level.
    """
    return learning_result_detail(scored, commented).level


def comment_term_result(
    regular: Sequence[bool | None],
    midterm: bool | None,
    final: bool | None,
    *,
    required: int | None = None,
) -> bool:
    """Term result of a comment-only subject (Circular 22 Điều 9 k1; not in DOMAIN.md).

    Đạt (True) when the learner has every required assessment and all of them are Đạt. A missing
    assessment (``None``) raises like :func:`term_average`: the grade book is not complete yet.
    """
    values = _regular_list(regular, required)
    if midterm is None:
        raise AssessmentError("midterm.missing", gettext_noop("Thiếu đánh giá giữa kì"))
    if final is None:
        raise AssessmentError("final.missing", gettext_noop("Thiếu đánh giá cuối kì"))
    results = [*values, midterm, final]
    for value in results:
        if not isinstance(value, bool):
            raise AssessmentError(
                "comment.type",
                gettext_noop("Đánh giá «%(value)s» phải là Đạt hoặc Chưa đạt"),
                {"value": value},
            )
    return all(results)


def comment_year_result(term1: bool | None, term2: bool | None) -> bool:
    """Year result of a comment-only subject: the term II result (Circular 22 Điều 9 k1)."""
    for term, value in (("I", term1), ("II", term2)):
        if value is None:
            raise AssessmentError(
                "term_result.missing",
                gettext_noop("Thiếu kết quả học kì %(term)s"),
                {"term": term},
            )
        if not isinstance(value, bool):
            raise AssessmentError(
                "comment.type",
                gettext_noop("Đánh giá «%(value)s» phải là Đạt hoặc Chưa đạt"),
                {"value": value},
            )
    return term2


def retest_subjects(
    year_scored: Mapping[str, ScoreInput], year_commented: Mapping[str, bool]
) -> list[str]:
    """Subjects a learner with a year learning result of Chưa đạt may retake in the summer
    (Circular 22 Điều 12): year average below 5.0, or comment result Chưa đạt; sorted by code."""
    scores = _subject_scores(year_scored)
    low = [subject for subject, value in scores.items() if value < _DAT_PASS]
    failed = [subject for subject, passed in year_commented.items() if passed is False]
    return sorted(low + failed)


def year_conduct(term1: str, term2: str) -> str:
    """Year conduct (rèn luyện) from the two terms (Circular 22 Điều 8):

    - Tốt: term II Tốt and term I at least Khá.
    - Khá: term II Khá and term I at least Đạt; or term II Đạt and term I Tốt; or term II Tốt and
      term I Đạt or Chưa đạt.
    - Đạt: term II Đạt and term I Khá, Đạt or Chưa đạt; or term II Khá and term I Chưa đạt.
    - Chưa đạt: otherwise (term II Chưa đạt).
    """
    first, second = parse_level(term1), parse_level(term2)
    if second == TOT and first in (TOT, KHA):
        return TOT
    if (
        (second == KHA and first in (TOT, KHA, DAT))
        or (second == DAT and first == TOT)
        or (second == TOT and first in (DAT, CHUA_DAT))
    ):
        return KHA
    if (second == DAT and first in (KHA, DAT, CHUA_DAT)) or (second == KHA and first == CHUA_DAT):
        return DAT
    return CHUA_DAT


# --------------------------------------------------------------------------------------------
# Circular 22 — promotion and awards

ABSENCE_LIMIT = 45

REASON_CONDUCT = "conduct"
REASON_LEARNING = "learning"
REASON_ABSENCES = "absences"


@dataclass(frozen=True)
class Promotion:
    """Whether a learner moves up (lên lớp), and if not, why.

    ``reasons`` holds REASON_CONDUCT, REASON_LEARNING and/or REASON_ABSENCES. Truthy when promoted,
    so ``if promotion(...)`` reads naturally.
    """

    promoted: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.promoted


def promotion(year_conduct: str, year_learning: str, days_absent: int) -> Promotion:
    """Promotion (Circular 22 Điều 12 k1): year conduct at least Đạt, year learning at least Đạt,
    and at most 45 days of absence in the year.

    The Circular counts "buổi" — one per school day of the education plan, excused or not,
    in one stretch or added up — which is what ``days_absent`` means here. The two levels are the
    final ones, i.e. after any summer conduct training or retest.
    """
    conduct, learning = parse_level(year_conduct), parse_level(year_learning)
    if isinstance(days_absent, bool) or not isinstance(days_absent, int) or days_absent < 0:
        raise AssessmentError(
            "absences.invalid",
            gettext_noop("Số buổi nghỉ «%(value)s» phải là số nguyên không âm"),
            {"value": repr(days_absent)},
        )
    reasons = []
    if _RANK[conduct] < _RANK[DAT]:
        reasons.append(REASON_CONDUCT)
    if _RANK[learning] < _RANK[DAT]:
        reasons.append(REASON_LEARNING)
    if days_absent > ABSENCE_LIMIT:
        reasons.append(REASON_ABSENCES)
    return Promotion(not reasons, tuple(reasons))


AWARD_EXCELLENT = "Xuất sắc"  # Học sinh Xuất sắc
AWARD_GOOD = "Giỏi"  # Học sinh Giỏi
_EXCELLENT_SCORE = Decimal("9.0")


def award(
    year_conduct: str, year_learning: str, year_averages: Mapping[str, ScoreInput]
) -> str | None:
    """Year award (Circular 22 Điều 15): "Xuất sắc" when conduct and learning are both Tốt and at
    least six subjects have a year average (ĐTBmcn) ≥ 9.0; "Giỏi" when conduct and learning are
    both Tốt; otherwise None. ``year_averages`` maps scored subjects to their ĐTBmcn."""
    conduct, learning = parse_level(year_conduct), parse_level(year_learning)
    averages = _subject_scores(year_averages).values()
    if conduct != TOT or learning != TOT:
        return None
    if sum(1 for value in averages if value >= _EXCELLENT_SCORE) >= _AT_LEAST:
        return AWARD_EXCELLENT
    return AWARD_GOOD


# --------------------------------------------------------------------------------------------
# Circular 27 — primary (grades 1–5)

PRIMARY_GRADES = range(1, 6)

# Subjects and educational activities: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành.
PRIMARY_SUBJECT_LEVELS: dict[str, str] = {
    "T": "Hoàn thành tốt",
    "H": "Hoàn thành",
    "C": "Chưa hoàn thành",
}
# Qualities and competences: Tốt / Đạt / Cần cố gắng.
PRIMARY_QUALITY_LEVELS: dict[str, str] = {
    "T": "Tốt",
    "Đ": "Đạt",
    "C": "Cần cố gắng",
}
# Levels of test questions.
PRIMARY_QUESTION_LEVELS: dict[int, str] = {
    1: "Mức 1 (nhận biết)",
    2: "Mức 2 (kết nối)",
    3: "Mức 3 (vận dụng)",
}


def _primary_level(value: str, levels: dict[str, str], aliases: dict[str, str], code: str) -> str:
    if isinstance(value, str):
        key = _key(value)
        for level_code, name in levels.items():
            if key in (level_code.casefold(), name.casefold()):
                return level_code
        if key in aliases:
            return aliases[key]
    raise AssessmentError(
        code,
        gettext_noop("«%(value)s» không phải là một mức hợp lệ (%(levels)s)"),
        {"value": value, "levels": ", ".join(levels.values())},
    )


def primary_subject_level(value: str) -> str:
    """The code T / H / C of a subject level given as a code or a name ("Hoàn thành tốt" → "T")."""
    return _primary_level(
        value, PRIMARY_SUBJECT_LEVELS, {"htt": "T", "ht": "H", "cht": "C"}, "primary_level.invalid"
    )


def primary_quality_level(value: str) -> str:
    """The code T / Đ / C of a quality or competence level ("Cần cố gắng" → "C"; "D" → "Đ")."""
    return _primary_level(
        value, PRIMARY_QUALITY_LEVELS, {"d": "Đ", "ccg": "C"}, "primary_quality.invalid"
    )


def primary_periodic_score(value: ScoreInput) -> int:
    """A periodic test score: an integer from 1 to 10 — no 0, no decimals (Circular 27).

    Accepts the same inputs as :func:`parse_score`; an integral value written with a decimal part
    (``7.0`` from a spreadsheet cell) is the integer 7, but 7.5 is refused.
    """
    number = _number(value, what="primary_score")
    if number != number.to_integral_value():
        raise AssessmentError(
            "primary_score.integer",
            gettext_noop("Điểm bài kiểm tra định kì %(value)s phải là số nguyên"),
            {"value": value},
        )
    if not 1 <= number <= 10:
        raise AssessmentError(
            "primary_score.range",
            gettext_noop("Điểm bài kiểm tra định kì %(value)s phải từ 1 đến 10"),
            {"value": value},
        )
    return int(number)


# Points in the year at which primary learners are assessed periodically.
MID_TERM_1 = "giua_hk1"
END_TERM_1 = "cuoi_hk1"
MID_TERM_2 = "giua_hk2"
END_OF_YEAR = "cuoi_nam"
PRIMARY_ASSESSMENT_POINTS: tuple[str, ...] = (MID_TERM_1, END_TERM_1, MID_TERM_2, END_OF_YEAR)
PRIMARY_ASSESSMENT_POINT_NAMES: dict[str, str] = {
    MID_TERM_1: "Giữa học kì I",
    END_TERM_1: "Cuối học kì I",
    MID_TERM_2: "Giữa học kì II",
    END_OF_YEAR: "Cuối năm học",
}

# Subjects with periodic tests, from the grade where they are compulsory: Ngoại ngữ 1 is optional
# in grades 1–2, Tin học và Công nghệ starts in grade 3, Khoa học and Lịch sử và Địa lí in grade 4.
PERIODIC_TEST_SUBJECTS: dict[str, int] = {
    "TV": 1,
    "TOAN": 1,
    "NN1": 3,
    "TINCN": 3,
    "KH": 4,
    "LSDL": 4,
}
_MID_TERM_TEST_SUBJECTS = frozenset({"TV", "TOAN"})
_MID_TERM_TEST_FROM_GRADE = 4


def _check_primary_grade(grade: int) -> None:
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in PRIMARY_GRADES:
        raise AssessmentError(
            "grade.invalid",
            gettext_noop("Khối %(value)s không phải là khối tiểu học (1–5)"),
            {"value": repr(grade)},
        )


def primary_periodic_tests(subject: str, grade: int) -> tuple[str, ...]:
    """When a primary subject has a periodic test (bài kiểm tra định kì), in year order.

    Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học, Tin học và Công nghệ: end of term I
    and end of year; in grades 4–5 Tiếng Việt and Toán also at mid-term I and mid-term II. Other
    subjects, and these subjects in grades where they are not compulsory, have none (their periodic
    assessment is a level T/H/C at every point of PRIMARY_ASSESSMENT_POINTS).
    """
    _check_subject(subject)
    _check_primary_grade(grade)
    from_grade = PERIODIC_TEST_SUBJECTS.get(subject)
    if from_grade is None or grade < from_grade:
        return ()
    if subject in _MID_TERM_TEST_SUBJECTS and grade >= _MID_TERM_TEST_FROM_GRADE:
        return PRIMARY_ASSESSMENT_POINTS
    return (END_TERM_1, END_OF_YEAR)


# --------------------------------------------------------------------------------------------
# Circular 27 — qualities, competences and the year's result (Điều 6, Điều 14, Điều 15)

# The five qualities (phẩm chất chủ yếu) and the ten competences (năng lực cốt lõi) of the 2018
# programme, each with a stable ASCII code: the code is what is stored and exchanged, the name
# what is shown (marked for translation: pages show gettext(name)).
PRIMARY_QUALITIES: dict[str, str] = {
    "yeu_nuoc": gettext_noop("Yêu nước"),
    "nhan_ai": gettext_noop("Nhân ái"),
    "cham_chi": gettext_noop("Chăm chỉ"),
    "trung_thuc": gettext_noop("Trung thực"),
    "trach_nhiem": gettext_noop("Trách nhiệm"),
}
PRIMARY_GENERAL_COMPETENCES: dict[str, str] = {
    "tu_chu_tu_hoc": gettext_noop("Tự chủ và tự học"),
    "giao_tiep_hop_tac": gettext_noop("Giao tiếp và hợp tác"),
    "gqvd_sang_tao": gettext_noop("Giải quyết vấn đề và sáng tạo"),
}
PRIMARY_SPECIFIC_COMPETENCES: dict[str, str] = {
    "ngon_ngu": gettext_noop("Ngôn ngữ"),
    "tinh_toan": gettext_noop("Tính toán"),
    "khoa_hoc": gettext_noop("Khoa học"),
    "cong_nghe": gettext_noop("Công nghệ"),
    "tin_hoc": gettext_noop("Tin học"),
    "tham_mi": gettext_noop("Thẩm mĩ"),
    "the_chat": gettext_noop("Thể chất"),
}
PRIMARY_COMPETENCES: dict[str, str] = {
    **PRIMARY_GENERAL_COMPETENCES,
    **PRIMARY_SPECIFIC_COMPETENCES,
}
PRIMARY_TRAITS: dict[str, str] = {**PRIMARY_QUALITIES, **PRIMARY_COMPETENCES}

# Công nghệ and Tin học are built through the subject Tin học và Công nghệ, taught from grade 3
# (DOMAIN.md §3); grades 1–2 have no lessons that assess them. **unsure**: the học bạ form lists
# all seven specific competences; a school that assesses these two in grades 1–2 anyway can still
# enter them, they only do not count as missing.
_TRAITS_FROM_GRADE_3 = frozenset({"cong_nghe", "tin_hoc"})


def primary_traits_for_grade(grade: int) -> tuple[str, ...]:
    """The codes of the qualities and competences assessed in a primary grade, in form order."""
    _check_primary_grade(grade)
    return tuple(code for code in PRIMARY_TRAITS if grade >= 3 or code not in _TRAITS_FROM_GRADE_3)


# The year's result of a primary learner (Điều 14 k1).
RESULT_EXCELLENT = "Hoàn thành xuất sắc"
RESULT_GOOD = "Hoàn thành tốt"
RESULT_COMPLETED = "Hoàn thành"
RESULT_NOT_COMPLETED = "Chưa hoàn thành"
PRIMARY_RESULTS: tuple[str, ...] = (
    RESULT_EXCELLENT,
    RESULT_GOOD,
    RESULT_COMPLETED,
    RESULT_NOT_COMPLETED,
)  # best first

_EXCELLENT_TEST = 9
_GOOD_TEST = 7
_COMPLETED_TEST = 5


def _primary_levels(levels: Mapping[str, str], parse, what: str) -> dict[str, str]:
    if not isinstance(levels, Mapping):
        raise AssessmentError(
            f"primary_result.{what}_type",
            gettext_noop("Mức đánh giá phải được cho theo từng môn hoặc từng phẩm chất, năng lực"),
        )
    return {str(code): parse(level) for code, level in levels.items()}


def primary_year_result(
    subject_levels: Mapping[str, str],
    trait_levels: Mapping[str, str],
    test_scores: Mapping[str, ScoreInput],
) -> str:
    """The year's result of a primary learner (Circular 27 Điều 14 k1).

    ``subject_levels`` maps every subject and educational activity to its end-of-year level
    (T / H / C, or the names); ``trait_levels`` every quality and competence to its end-of-year
    level (T / Đ / C, or the names); ``test_scores`` every subject with an end-of-year periodic
    test to that score (an integer 1–10).

    - Hoàn thành xuất sắc: every subject T, every quality and competence Tốt, every end-of-year
      test at least 9.
    - Hoàn thành tốt: every subject T, every quality and competence Tốt, every test at least 7.
    - Hoàn thành: every subject T or H, every quality and competence Tốt or Đạt, every test at
      least 5.
    - Chưa hoàn thành: otherwise.

    Raises :class:`AssessmentError` for an unknown level, a test score outside 1–10, no subject
    or no quality/competence at all, and a test score of a subject that has no level: the caller
    decides whether the learner's record is complete, this only rates a complete one.

    >>> primary_year_result({"TOAN": "T", "TV": "T"}, {"cham_chi": "T"}, {"TOAN": 9, "TV": 10})
    'Hoàn thành xuất sắc'
    """
    subjects = _primary_levels(subject_levels, primary_subject_level, "subjects")
    traits = _primary_levels(trait_levels, primary_quality_level, "traits")
    if not subjects:
        raise AssessmentError(
            "primary_result.no_subjects",
            gettext_noop("Chưa có mức đạt được của môn học nào để đánh giá kết quả cả năm"),
        )
    if not traits:
        raise AssessmentError(
            "primary_result.no_traits",
            gettext_noop("Chưa có mức đánh giá phẩm chất, năng lực nào để đánh giá kết quả cả năm"),
        )
    if not isinstance(test_scores, Mapping):
        raise AssessmentError(
            "primary_result.tests_type",
            gettext_noop("Điểm bài kiểm tra định kì phải được cho theo từng môn"),
        )
    tests = {str(code): primary_periodic_score(score) for code, score in test_scores.items()}
    stray = sorted(set(tests) - set(subjects))
    if stray:
        raise AssessmentError(
            "primary_result.test_without_level",
            gettext_noop("Môn %(subject)s có điểm kiểm tra định kì nhưng chưa có mức đạt được"),
            {"subject": ", ".join(stray)},
        )
    lowest_test = min(tests.values(), default=10)
    all_good = all(level == "T" for level in subjects.values()) and all(
        level == "T" for level in traits.values()
    )
    if all_good and lowest_test >= _EXCELLENT_TEST:
        return RESULT_EXCELLENT
    if all_good and lowest_test >= _GOOD_TEST:
        return RESULT_GOOD
    if (
        all(level in ("T", "H") for level in subjects.values())
        and all(level in ("T", "Đ") for level in traits.values())
        and lowest_test >= _COMPLETED_TEST
    ):
        return RESULT_COMPLETED
    return RESULT_NOT_COMPLETED


def _check_primary_result(result: str) -> str:
    if result not in PRIMARY_RESULTS:
        raise AssessmentError(
            "primary_result.invalid",
            gettext_noop("«%(value)s» không phải là một kết quả cả năm (%(results)s)"),
            {"value": result, "results": ", ".join(PRIMARY_RESULTS)},
        )
    return result


AWARD_PRIMARY_EXCELLENT = "Học sinh Xuất sắc"
AWARD_PRIMARY_OUTSTANDING = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"


def primary_award(result: str, outstanding: bool) -> str | None:
    """The year's award of a primary learner (Circular 27 Điều 15): "Học sinh Xuất sắc" for
    Hoàn thành xuất sắc; "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện" for
    Hoàn thành tốt when the teacher marks the learner as outstanding in at least one subject,
    quality or competence (``outstanding``); otherwise None."""
    _check_primary_result(result)
    if not isinstance(outstanding, bool):
        raise AssessmentError(
            "primary_award.outstanding",
            gettext_noop("«%(value)s» phải là có hoặc không"),
            {"value": repr(outstanding)},
        )
    if result == RESULT_EXCELLENT:
        return AWARD_PRIMARY_EXCELLENT
    if result == RESULT_GOOD and outstanding:
        return AWARD_PRIMARY_OUTSTANDING
    return None


def primary_promotion(result: str) -> bool:
    """Whether a primary learner has completed the grade's programme (Circular 27 Điều 14 k2):
    every result but Chưa hoàn thành. A learner who has not yet completed it gets help from the
    teacher and is assessed again before the next school year (Điều 14 k3) — not promoted yet."""
    return _check_primary_result(result) != RESULT_NOT_COMPLETED
