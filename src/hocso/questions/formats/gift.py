"""Moodle's GIFT text format, read and written as interchange.py describes.

The grammar follows the Moodle docs page "GIFT format" and what Moodle's importer does with it:

- A question is a block of lines; blank lines separate questions. A line whose first non-blank
  characters are ``//`` is a comment (anywhere in a block; a ``//`` later in a line is text, so
  URLs survive). ``$CATEGORY: a/b/c`` sets ``category`` for the questions that follow; as in
  Moodle XML the context (``$course$``…) and a leading ``top`` are dropped and ``//`` is a ``/``
  inside a name. Unlike Moodle, the question may start on the line after the category line.
- ``::name::`` opens a question; a text may start with ``[html]``, ``[moodle]`` (the default),
  ``[plain]`` or ``[markdown]``, and the stem's format is the default of its answers and
  feedback, as in Moodle. hocso text is HTML: ``[html]`` is kept as it is, ``[moodle]`` too but
  with line breaks as ``<br>``, ``[plain]`` and ``[markdown]`` are HTML-escaped with line breaks
  as ``<br>`` — markdown is NOT rendered, its ``**`` and ``#`` stay visible as typed.
- Escapes ``\\~ \\= \\# \\{ \\} \\:`` give the character, ``\\n`` a line break, ``\\\\`` a
  backslash; a backslash before anything else is a backslash (``\\frac`` stays ``\\frac``, but
  LaTeX braces must be written ``\\{ \\}``).
- The answer block ``{…}`` decides the type, in Moodle's order: empty → ESSAY; starting with
  ``#`` → SHORT_NUMERIC; containing ``~`` → SINGLE_CHOICE when an option is marked ``=``, else
  MULTIPLE_RESPONSE (Moodle's rule, so ``{=a ~%50%b}`` is a single choice whose ``b`` earns half);
  ``=`` with ``->`` → MATCHING; ``T``/``TRUE``/``F``/``FALSE`` (any case; Moodle wants capitals)
  → TRUE_FALSE; otherwise SHORT_TEXT. ``%n%`` after ``~`` (and after ``=`` outside a multiple
  choice) is a weight in percent, ``#`` starts an answer's feedback, the last ``####`` the
  general feedback. ``{T#a#b}``: ``a`` is shown for the wrong answer, ``b`` for the right one.
- Missing word: text after the block makes the stem "before _____ after", as Moodle shows it.
- Numerical answers are ``v``, ``v:tolerance`` or ``low..high`` (value the middle, tolerance the
  half width), several with ``=%n%``. The catch-all ``~#feedback for any other answer`` (Moodle's
  ``*`` answer) and options mixed into a numerical block are UNSUPPORTED, as is a block-less
  description. Short-answer variants are plain text as a student types them.
- As Moodle requires: a choice question has two options or more; the right options of a
  multiple-response item make 100 % (± 0.00001 %, for thirds); a short or numerical answer has
  a variant at 100 %; a matching question has two prompts or more; weights lie in ±100 %.
  Anything else is INVALID. Text is not NFC-normalized here (the importing service does that).

hocso metadata rides in comments, which Moodle ignores:

- ``// hocso: subject=TOAN grade=12 topic="Hàm số bậc hai" level=biet`` → ``tags``; a value with
  spaces, quotes or backslashes is double-quoted with ``\\"``, ``\\\\``, ``\\n`` escapes. The keys
  ``type``, ``points``, ``case_sensitive`` (SHORT_TEXT, ``true``/``false``), ``rubric`` (ESSAY),
  ``pinned`` (choice items, 1-based positions ``1,4``) and ``feedback_a``…``feedback_d``
  (TRUE_FALSE_4) are fields, not tags. ``// [id:Q12]`` → ``identifier`` (Moodle's own convention).
  These comments must be in the question's block (no blank line in between).
- The 2025 true/false item of 4 statements (TRUE_FALSE_4) is ``// hocso: type=true_false_4`` above
  a matching question pairing ``a) …`` … ``d) …`` with ``Đúng`` or ``Sai`` (a distractor
  ``= -> Sai`` or ``= -> Đúng`` keeps both answers on offer when all four agree). Moodle imports
  it as a matching question graded per statement; hocso reads the statements back. The reader
  also takes ``True/False/T/F/Đ/S`` on the right.

Problems name the line: ``"dòng 12"`` (the question's first line), or ``"dòng 14 (câu hỏi bắt đầu
ở dòng 12)"`` when the fault is on a later line; ``params`` carries ``line`` and ``question_line``.

``write`` refuses (ValueError) an item ``unsupported_for_write`` names — ORDERING has no GIFT
form, images cannot travel in GIFT — so the exporter reports those instead of dropping them.
"""

import bisect
import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext

from ..interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Problem,
    ProblemKind,
    ReadResult,
    Statement,
    TextAnswer,
)


def gettext_noop(message: str) -> str:
    """Mark a message for translation without importing Django (makemessages extracts it)."""
    return message


# PHP's trim() set: what Moodle strips around every text. Python's str.strip() would also eat
# non-breaking and other Unicode spaces, which Moodle keeps.
_WS = " \t\n\r\0\x0b"

# An escape pair; anything else after a backslash leaves the backslash as text.
_ESCAPE = re.compile(r"\\[\\~=#{}:n]")
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"%(-?[0-9]+(?:\.[0-9]*)?)%")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
_CHOICE_MARKS = re.compile(r"[~=]")
_EQUALS = re.compile(r"=")
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")
_CONTEXT_SEGMENT = re.compile(r"\$[a-z]*\$")
_ID = re.compile(r"\[id:((?:\\\]|[^\]\[\x00-\x1f\x7f])+)\]")
_MOODLE_COMMENT_TOKEN = re.compile(r"\[(?:id|tag):")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|[^\s"\\]*)(?=\s|\Z)', re.S)
_BARE_VALUE = re.compile(r'[^\s"\\\x00-\x1f\x7f]+')
_LABEL = re.compile(r"([a-dA-D])\)")
_MASK = "\x01\x01"  # same length as an escape pair, so offsets (and lines) stay put

_RESERVED_KEYS = frozenset(
    {"type", "points", "case_sensitive", "rubric", "pinned"}
    | {f"feedback_{letter}" for letter in "abcd"}
)
_TF_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_TRUTH = {"đúng": True, "đ": True, "true": True, "t": True}
_TRUTH |= {"sai": False, "s": False, "false": False, "f": False}
_TF4_LETTERS = "abcd"
_HUNDRED_PERCENT_SLACK = Decimal("0.00001")  # 3 × 33.33333 % is 99.99999 %, as Moodle allows
_BLANK = "_____"

# --- messages (Vietnamese msgids; callers translate and fill in params) ----------------------

M_NOT_UTF8 = gettext_noop("Tệp không phải văn bản UTF-8 (byte lỗi ở dòng %(line)s).")
M_DESCRIPTION = gettext_noop(
    "Đoạn văn không có phần đáp án {…} (câu mô tả của Moodle); hocso không nhập loại này."
)
M_UNCLOSED_NAME = gettext_noop("Tên câu hỏi mở bằng :: nhưng không có :: đóng.")
M_MISSING_CLOSE = gettext_noop("Thiếu dấu } đóng phần đáp án.")
M_MISSING_OPEN = gettext_noop("Có dấu } nhưng thiếu dấu { mở phần đáp án (chữ } viết là \\}).")
M_NESTED_OPEN = gettext_noop(
    "Dấu { nằm trong phần đáp án: thiếu dấu } ở trước, hoặc chữ { phải viết là \\{."
)
M_SECOND_BLOCK = gettext_noop(
    "Câu hỏi có hơn một phần đáp án {…}; chữ { và } trong câu hỏi viết là \\{ và \\}."
)
M_EMPTY_STEM = gettext_noop("Câu hỏi không có nội dung.")
M_TEXT_BEFORE_ANSWER = gettext_noop(
    "Có chữ “%(text)s” trước đáp án đầu tiên; mỗi đáp án bắt đầu bằng = hoặc ~."
)
M_WEIGHT_RANGE = gettext_noop("Trọng số %(weight)s%% nằm ngoài khoảng từ -100%% đến 100%%.")
M_EMPTY_CHOICE = gettext_noop("Phương án trống.")
M_FEW_CHOICES = gettext_noop("Câu trắc nghiệm cần ít nhất 2 phương án.")
M_NO_RIGHT_CHOICE = gettext_noop(
    "Không có phương án đúng (cần một phương án = hoặc một trọng số dương)."
)
M_MULTIPLE_TOTAL = gettext_noop("Tổng trọng số các phương án đúng là %(total)s%%, phải là 100%%.")
M_NO_FULL_ANSWER = gettext_noop("Cần ít nhất một đáp án được 100%% điểm.")
M_MATCH_ARROW = gettext_noop("Cặp ghép “%(text)s” thiếu dấu ->.")
M_MATCH_EMPTY_RIGHT = gettext_noop("Cặp ghép thiếu vế phải.")
M_MATCH_FEW = gettext_noop("Câu ghép đôi cần ít nhất 2 cặp có vế trái.")
M_SHORT_NONE = gettext_noop("Câu trả lời ngắn không có đáp án.")
M_SHORT_EMPTY = gettext_noop("Đáp án trống.")
M_NUM_CATCH_ALL = gettext_noop(
    "Phản hồi cho mọi câu trả lời khác (~#…) trong câu hỏi số chưa được hỗ trợ."
)
M_NUM_CHOICES = gettext_noop("Câu hỏi số (bắt đầu bằng #) có phương án ~: chưa được hỗ trợ.")
M_NUM_NONE = gettext_noop("Câu hỏi số không có đáp án.")
M_NUM_EMPTY = gettext_noop("Thiếu giá trị số.")
M_NUM_WILDCARD = gettext_noop("Đáp án số “*” (chấp nhận mọi số) chưa được hỗ trợ.")
M_NOT_NUMBER = gettext_noop("“%(value)s” không phải là số (dấu thập phân là dấu chấm: 3.14).")
M_RANGE_REVERSED = gettext_noop("Khoảng %(low)s..%(high)s có cận dưới lớn hơn cận trên.")
M_NEGATIVE_TOLERANCE = gettext_noop("Sai số %(tolerance)s không được âm.")
M_HOCSO_SYNTAX = gettext_noop(
    'Chú thích hocso viết sai: “%(text)s” (đúng: // hocso: khoa=gia_tri khoa2="có dấu cách").'
)
M_HOCSO_DANGLING = gettext_noop(
    "Chú thích hocso phải nằm ngay trên câu hỏi của nó, không cách bằng dòng trống."
)
M_HOCSO_DUPLICATE = gettext_noop("Khóa “%(key)s” được ghi hai lần với hai giá trị khác nhau.")
M_HOCSO_TYPE = gettext_noop(
    "type=%(value)s không khớp với câu hỏi, theo cú pháp GIFT là loại %(detected)s."
)
M_HOCSO_KEY_TYPE = gettext_noop("Khóa “%(key)s” không dùng cho loại câu hỏi %(type)s.")
M_POINTS = gettext_noop("points=%(value)s không hợp lệ (cần một số dương).")
M_CASE_SENSITIVE = gettext_noop("case_sensitive=%(value)s không hợp lệ (true hoặc false).")
M_PINNED = gettext_noop(
    "pinned=%(value)s không hợp lệ (số thứ tự phương án từ 1, cách nhau bằng dấu phẩy)."
)
M_TF4_COUNT = gettext_noop(
    "Câu đúng/sai 4 ý cần đúng 4 ý a), b), c), d) (có %(count)s), mỗi ý ghép với Đúng hoặc Sai."
)
M_TF4_LABEL = gettext_noop("Ý thứ %(position)s phải có nhãn %(label)s), không phải “%(text)s”.")
M_TF4_VALUE = gettext_noop("“%(text)s” phải là Đúng hoặc Sai.")
M_TF4_EMPTY = gettext_noop("Ý %(label)s) trống.")

# Reasons `unsupported_for_write` gives (complete sentences, no params: the exporter shows them
# next to the item it names).
W_ORDERING = gettext_noop("GIFT không có dạng câu sắp xếp thứ tự.")
W_FILES = gettext_noop("GIFT không chứa được tệp (ảnh) đính kèm câu hỏi.")
W_EMPTY_STEM = gettext_noop("Câu hỏi không có nội dung.")
W_FEW_CHOICES = gettext_noop("Câu trắc nghiệm cần ít nhất 2 phương án.")
W_EMPTY_TEXT = gettext_noop("Câu hỏi có phương án, đáp án hoặc ý trống.")
W_WEIGHT_RANGE = gettext_noop("Tỉ lệ điểm của một phương án nằm ngoài khoảng -1 đến 1.")
W_SINGLE_SHAPE = gettext_noop(
    "Câu một đáp án cần một phương án đúng (tỉ lệ điểm 1) và ít nhất một phương án khác."
)
W_MULTIPLE_TOTAL = gettext_noop(
    "Tỉ lệ điểm các phương án đúng của câu nhiều đáp án phải cộng lại bằng 1 (trọn điểm)."
)
W_NO_FULL_ANSWER = gettext_noop("Cần ít nhất một đáp án được trọn điểm (tỉ lệ điểm 1).")
W_TRUE_FALSE_UNSET = gettext_noop("Câu đúng/sai chưa cho biết mệnh đề đúng hay sai.")
W_TF4_COUNT = gettext_noop("Câu đúng/sai 4 ý cần đúng 4 ý.")
W_ARROW_LEFT = gettext_noop(
    "GIFT không ghi được “->” trong vế trái của cặp ghép hoặc trong ý của câu đúng/sai 4 ý."
)
W_ARROW_SHORT = gettext_noop(
    "GIFT không ghi được “->” trong đáp án hoặc phản hồi của câu trả lời ngắn."
)
W_MATCH_FEW = gettext_noop("Câu ghép đôi cần ít nhất 2 cặp có vế trái.")
W_NUMERIC = gettext_noop("Câu hỏi số cần ít nhất một đáp án là số hữu hạn, sai số không âm.")
W_SHORT_NONE = gettext_noop("Câu trả lời ngắn cần ít nhất một đáp án.")
W_CATEGORY = gettext_noop(
    "Tên danh mục trống, xuống dòng, có khoảng trắng hoặc dấu / ở đầu hay cuối."
)
W_TAG_KEY = gettext_noop(
    "Nhãn có tên không hợp lệ (chữ, số, _ . -) hoặc trùng tên dành riêng "
    "(type, points, case_sensitive, rubric, pinned, feedback_a…d)."
)
W_COMMENT_TOKEN = gettext_noop("Nhãn, đáp án mẫu hoặc phản hồi chứa “[id:” hoặc “[tag:”.")
W_IDENTIFIER = gettext_noop(
    "Mã câu hỏi có ký tự GIFT không ghi được ([, \\, ký tự điều khiển) hoặc khoảng trắng ở hai đầu."
)
W_POINTS = gettext_noop("Điểm của câu hỏi phải là số dương.")


# --- reading ---------------------------------------------------------------------------------


class _ItemError(Exception):
    """Stops reading one question; becomes a Problem naming its line."""

    def __init__(self, kind: ProblemKind, message: str, line: int | None = None, **params):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.params = params


@dataclass
class _Block:
    """The lines of one question (comment lines blanked, so offsets map back to lines)."""

    first_line: int
    lines: list[str] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)  # (line, text after //)
    raw: str = ""  # the lines joined, set by finish()
    masked: str = ""  # raw with every escape pair replaced by _MASK, for finding delimiters
    starts: list[int] = field(default_factory=list)  # offset of each line in raw

    def finish(self) -> None:
        self.raw = "\n".join(self.lines)
        self.masked = _ESCAPE.sub(_MASK, self.raw)
        starts = [0]
        for line in self.lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        self.starts = starts

    def line_at(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.starts, offset) - 1


def read(data: bytes | str) -> ReadResult:
    """Read a GIFT file: the questions without problems, and a Problem for every other one."""
    result = ReadResult()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            result.problems.append(
                Problem(ProblemKind.MALFORMED, _where(line), M_NOT_UTF8, {"line": line})
            )
            return result
    else:
        text = data
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    category: tuple[str, ...] = ()
    for block in _blocks(text):
        category = _read_block(block, category, result)
    return result


def _blocks(text: str) -> Iterator[_Block]:
    block = None
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip(_WS)
        if not stripped:
            if block is not None:
                block.finish()
                yield block
                block = None
            continue
        if block is None:
            block = _Block(first_line=number)
        if stripped.startswith("//"):
            block.lines.append("")
            block.comments.append((number, stripped[2:].strip(_WS)))
        else:
            block.lines.append(line)
    if block is not None:
        block.finish()
        yield block


def _where(line: int, question_line: int | None = None) -> str:
    if question_line is None or question_line == line:
        return f"dòng {line}"
    return f"dòng {line} (câu hỏi bắt đầu ở dòng {question_line})"


def _skip_ws(text: str, position: int, end: int | None = None) -> int:
    end = len(text) if end is None else end
    while position < end and text[position] in _WS:
        position += 1
    return position


def _read_block(block: _Block, category: tuple[str, ...], result: ReadResult) -> tuple[str, ...]:
    """Read one block into `result`; return the category in force after it."""
    raw, masked = block.raw, block.masked
    hocso = [(line, body) for line, body in block.comments if body.startswith("hocso:")]
    start = _skip_ws(raw, 0)
    end = len(raw.rstrip(_WS))
    if masked.startswith("$CATEGORY:", start):
        line_end = raw.find("\n", start)
        line_end = end if line_end == -1 else min(line_end, end)
        category = _read_category(raw[start + len("$CATEGORY:") : line_end])
        start = _skip_ws(raw, line_end)
    if start >= end:
        # Only comments (or a category): hocso metadata here belongs to no question.
        for line, _ in hocso[:1]:
            result.problems.append(
                Problem(ProblemKind.MALFORMED, _where(line), M_HOCSO_DANGLING, {"line": line})
            )
        return category
    question_line = block.line_at(start)
    try:
        item = _read_question(block, start, end)
        _apply_comments(item, block, hocso)
    except _ItemError as error:
        line = error.line or question_line
        params = {"line": line, "question_line": question_line, **error.params}
        result.problems.append(
            Problem(error.kind, _where(line, question_line), error.message, params)
        )
        return category
    item.category = category
    item.source = _where(question_line)
    result.items.append(item)
    return category


def _read_category(path: str) -> tuple[str, ...]:
    segments = [part.replace("//", "/").strip(_WS) for part in _CATEGORY_SEPARATOR.split(path)]
    if segments and _CONTEXT_SEGMENT.fullmatch(segments[0]):
        segments = segments[1:]
    if segments and segments[0] == "top":
        segments = segments[1:]
    return tuple(segment for segment in segments if segment)


def _unescape(raw: str) -> str:
    return _ESCAPE.sub(lambda match: "\n" if match[0][1] == "n" else match[0][1], raw)


def _split_format(raw: str, default: str) -> tuple[str, str]:
    stripped = raw.strip(_WS)
    match = _FORMAT.match(stripped)
    if match:
        return match[1], stripped[match.end() :]
    return default, stripped


def _to_html(text: str, text_format: str) -> str:
    if text_format == "html":
        return text
    if text_format in ("plain", "markdown"):
        text = html.escape(text, quote=False)
    return _LINE_BREAK.sub("<br>", text)


def _html(raw: str, default_format: str) -> str:
    text_format, rest = _split_format(raw, default_format)
    return _to_html(_unescape(rest).strip(_WS), text_format)


def _plain(raw: str) -> str:
    """A text a student types (a short-answer variant): escapes resolved, format marker dropped."""
    _, rest = _split_format(raw, "plain")
    return _unescape(rest).strip(_WS)


def _excerpt(raw: str) -> str:
    text = _unescape(raw).strip(_WS)
    return text if len(text) <= 60 else text[:57] + "…"


def _read_question(block: _Block, start: int, end: int) -> ItemData:
    raw, masked = block.raw, block.masked
    name = ""
    if masked.startswith("::", start):
        close = masked.find("::", start + 2, end)
        if close == -1:
            raise _ItemError(ProblemKind.MALFORMED, M_UNCLOSED_NAME, block.line_at(start))
        name = _unescape(raw[start + 2 : close]).strip(_WS)
        start = _skip_ws(raw, close + 2, end)
    opening = masked.find("{", start, end)
    closing = masked.find("}", start, end)
    if opening == -1 and closing == -1:
        raise _ItemError(ProblemKind.UNSUPPORTED, M_DESCRIPTION)
    if opening == -1 or -1 < closing < opening:
        raise _ItemError(ProblemKind.MALFORMED, M_MISSING_OPEN, block.line_at(closing))
    if closing == -1:
        raise _ItemError(ProblemKind.MALFORMED, M_MISSING_CLOSE, block.line_at(opening))
    nested = masked.find("{", opening + 1, closing)
    if nested != -1:
        raise _ItemError(ProblemKind.MALFORMED, M_NESTED_OPEN, block.line_at(nested))
    extra = [masked.find(brace, closing + 1, end) for brace in "{}"]
    extra = [at for at in extra if at != -1]
    if extra:
        raise _ItemError(ProblemKind.MALFORMED, M_SECOND_BLOCK, block.line_at(min(extra)))

    before, after = raw[start:opening], raw[closing + 1 : end]
    stem_raw = before + _BLANK + after if after.strip(_WS) else before
    text_format, stem_rest = _split_format(stem_raw, "moodle")
    stem = _to_html(_unescape(stem_rest).strip(_WS), text_format)
    if not stem:
        raise _ItemError(ProblemKind.INVALID, M_EMPTY_STEM)

    answers_start, answers_end = opening + 1, closing
    general_feedback = ""
    separator = masked.rfind("####", answers_start, answers_end)
    if separator != -1:
        general_feedback = _html(raw[separator + 4 : answers_end], text_format)
        answers_end = separator

    item = ItemData(type=ItemType.ESSAY, stem=stem, name=name, general_feedback=general_feedback)
    answers = masked[answers_start:answers_end].strip(_WS)
    if not answers:
        return item
    if answers[0] == "#":
        _read_numeric(item, block, answers_start, answers_end, text_format)
    elif "~" in answers:
        _read_choices(item, block, answers_start, answers_end, text_format)
    elif "=" in answers and "->" in answers:
        _read_matching(item, block, answers_start, answers_end, text_format)
    elif answers.split("#", 1)[0].strip(_WS).upper() in _TF_WORDS:
        _read_true_false(item, block, answers_start, answers_end, text_format)
    else:
        _read_short_text(item, block, answers_start, answers_end, text_format)
    return item


def _pieces(block: _Block, start: int, end: int, marks: re.Pattern) -> list[tuple[str, int, int]]:
    """Split [start, end) at unescaped marks: the text before the first mark (mark ""), then
    (mark, start of its text, end of its text) for each mark."""
    pieces = []
    mark, piece_start = "", start
    for match in marks.finditer(block.masked, start, end):
        pieces.append((mark, piece_start, match.start()))
        mark, piece_start = match[0], match.end()
    pieces.append((mark, piece_start, end))
    return pieces


def _no_text_before_first_mark(block: _Block, piece: tuple[str, int, int]) -> None:
    _, start, end = piece
    if block.raw[start:end].strip(_WS):
        at = _skip_ws(block.raw, start, end)
        raise _ItemError(
            ProblemKind.MALFORMED,
            M_TEXT_BEFORE_ANSWER,
            block.line_at(at),
            text=_excerpt(block.raw[start:end]),
        )


def _weight(block: _Block, start: int, end: int) -> tuple[Decimal | None, int]:
    """The `%n%` weight at `start` as a fraction (None when there is none) and where the text
    after it starts."""
    match = _WEIGHT.match(block.masked, start, end)
    if not match:
        return None, start
    percent = Decimal(match[1])
    if not -100 <= percent <= 100:
        raise _ItemError(ProblemKind.INVALID, M_WEIGHT_RANGE, block.line_at(start), weight=match[1])
    return percent.scaleb(-2), match.end()


def _feedback_split(block: _Block, start: int, end: int) -> tuple[str, str]:
    """The raw answer text and the raw feedback after its first unescaped `#`."""
    hash_at = block.masked.find("#", start, end)
    if hash_at == -1:
        return block.raw[start:end], ""
    return block.raw[start:hash_at], block.raw[hash_at + 1 : end]


def _read_choices(item: ItemData, block: _Block, start: int, end: int, text_format: str):
    pieces = _pieces(block, start, end, _CHOICE_MARKS)
    _no_text_before_first_mark(block, pieces[0])
    single = any(mark == "=" for mark, _, _ in pieces[1:])
    for mark, piece_start, piece_end in pieces[1:]:
        piece_start = _skip_ws(block.raw, piece_start, piece_end)
        line = block.line_at(piece_start)
        fraction = Decimal(1)
        if mark == "~":
            # Moodle reads a weight after ~ only; "=%50%x" is a right option with text "%50%x".
            weight, piece_start = _weight(block, piece_start, piece_end)
            fraction = Decimal(0) if weight is None else weight
        text_raw, feedback_raw = _feedback_split(block, piece_start, piece_end)
        text = _html(text_raw, text_format)
        if not text:
            raise _ItemError(ProblemKind.INVALID, M_EMPTY_CHOICE, line)
        item.choices.append(Choice(text, fraction, _html(feedback_raw, text_format)))
    if len(item.choices) < 2:
        raise _ItemError(ProblemKind.INVALID, M_FEW_CHOICES)
    if single:
        item.type = ItemType.SINGLE_CHOICE
    else:
        total = _positive_total(item.choices)
        if not total:
            raise _ItemError(ProblemKind.INVALID, M_NO_RIGHT_CHOICE)
        if abs(total - 1) > _HUNDRED_PERCENT_SLACK:
            # Moodle refuses it too: the right options must make exactly full marks.
            raise _ItemError(ProblemKind.INVALID, M_MULTIPLE_TOTAL, total=_decimal(total.scaleb(2)))
        item.type = ItemType.MULTIPLE_RESPONSE


def _positive_total(choices: list[Choice]) -> Decimal:
    return sum((choice.fraction for choice in choices if choice.fraction > 0), Decimal(0))


def _read_matching(item: ItemData, block: _Block, start: int, end: int, text_format: str):
    pieces = _pieces(block, start, end, _EQUALS)
    _no_text_before_first_mark(block, pieces[0])
    for _, piece_start, piece_end in pieces[1:]:
        line = block.line_at(_skip_ws(block.raw, piece_start, piece_end))
        arrow = block.masked.find("->", piece_start, piece_end)
        if arrow == -1:
            raise _ItemError(
                ProblemKind.MALFORMED,
                M_MATCH_ARROW,
                line,
                text=_excerpt(block.raw[piece_start:piece_end]),
            )
        left = _html(block.raw[piece_start:arrow], text_format)
        # Moodle takes the right-hand side as it is, without a [format] marker of its own.
        right = _to_html(_unescape(block.raw[arrow + 2 : piece_end]).strip(_WS), text_format)
        if not right:
            raise _ItemError(ProblemKind.INVALID, M_MATCH_EMPTY_RIGHT, line)
        item.pairs.append(Pair(left, right))
    if sum(1 for pair in item.pairs if pair.left) < 2:
        raise _ItemError(ProblemKind.INVALID, M_MATCH_FEW)
    item.type = ItemType.MATCHING


def _read_true_false(item: ItemData, block: _Block, start: int, end: int, text_format: str):
    raw, masked = block.raw, block.masked
    parts, position = [], start
    while len(parts) < 2:
        hash_at = masked.find("#", position, end)
        if hash_at == -1:
            break
        parts.append(raw[position:hash_at])
        position = hash_at + 1
    parts.append(raw[position:end])
    parts += [""] * (3 - len(parts))
    correct = _TF_WORDS[parts[0].strip(_WS).upper()]
    wrong, right = _html(parts[1], text_format), _html(parts[2], text_format)
    item.type = ItemType.TRUE_FALSE
    item.correct = correct
    item.feedback_true, item.feedback_false = (right, wrong) if correct else (wrong, right)


def _read_short_text(item: ItemData, block: _Block, start: int, end: int, text_format: str):
    pieces = _pieces(block, start, end, _EQUALS)
    # As in Moodle, a first answer may omit its "=".
    if not block.raw[pieces[0][1] : pieces[0][2]].strip(_WS):
        pieces = pieces[1:]
    for _, piece_start, piece_end in pieces:
        piece_start = _skip_ws(block.raw, piece_start, piece_end)
        line = block.line_at(piece_start)
        weight, piece_start = _weight(block, piece_start, piece_end)
        text_raw, feedback_raw = _feedback_split(block, piece_start, piece_end)
        text = _plain(text_raw)
        if not text:
            raise _ItemError(ProblemKind.INVALID, M_SHORT_EMPTY, line)
        fraction = Decimal(1) if weight is None else weight
        item.text_answers.append(TextAnswer(text, fraction, _html(feedback_raw, text_format)))
    if not item.text_answers:
        raise _ItemError(ProblemKind.INVALID, M_SHORT_NONE)
    if not any(answer.fraction == 1 for answer in item.text_answers):
        raise _ItemError(ProblemKind.INVALID, M_NO_FULL_ANSWER)
    item.type = ItemType.SHORT_TEXT


def _read_numeric(item: ItemData, block: _Block, start: int, end: int, text_format: str):
    raw, masked = block.raw, block.masked
    start = masked.find("#", start, end) + 1
    tilde = masked.find("~", start, end)
    if tilde != -1:
        line = block.line_at(tilde)
        tail = masked[tilde + 1 : end].strip(_WS)
        if not tail.startswith("#") and tail:
            raise _ItemError(ProblemKind.UNSUPPORTED, M_NUM_CHOICES, line)
        if tail and _html(raw[masked.find("#", tilde, end) + 1 : end], text_format):
            raise _ItemError(ProblemKind.UNSUPPORTED, M_NUM_CATCH_ALL, line)
        # An empty catch-all (`~` or `~#`) says nothing; nothing is lost by leaving it out.
        end = tilde
    pieces = _pieces(block, start, end, _EQUALS)
    if not raw[pieces[0][1] : pieces[0][2]].strip(_WS):
        pieces = pieces[1:]
    for _, piece_start, piece_end in pieces:
        piece_start = _skip_ws(raw, piece_start, piece_end)
        line = block.line_at(piece_start)
        weight, piece_start = _weight(block, piece_start, piece_end)
        number_raw, feedback_raw = _feedback_split(block, piece_start, piece_end)
        value, tolerance = _numeric_value(_unescape(number_raw).strip(_WS), line)
        item.numeric_answers.append(
            NumericAnswer(
                value=value,
                tolerance=tolerance,
                fraction=Decimal(1) if weight is None else weight,
                feedback=_html(feedback_raw, text_format),
            )
        )
    if not item.numeric_answers:
        raise _ItemError(ProblemKind.INVALID, M_NUM_NONE)
    if not any(answer.fraction == 1 for answer in item.numeric_answers):
        raise _ItemError(ProblemKind.INVALID, M_NO_FULL_ANSWER)
    item.type = ItemType.SHORT_NUMERIC


def _numeric_value(text: str, line: int) -> tuple[Decimal, Decimal]:
    if ".." in text:
        low_text, _, high_text = text.partition("..")
        low, high = _number(low_text, line), _number(high_text, line)
        if low > high:
            raise _ItemError(
                ProblemKind.INVALID, M_RANGE_REVERSED, line, low=low_text, high=high_text
            )
        with localcontext() as context:
            context.prec = 80  # exact: the sum and the halving of two short decimals
            return (low + high) / 2, (high - low) / 2
    value_text, colon, tolerance_text = text.partition(":")
    value = _number(value_text, line)
    if not colon:
        return value, Decimal(0)
    tolerance = _number(tolerance_text, line)
    if tolerance < 0:
        raise _ItemError(
            ProblemKind.INVALID, M_NEGATIVE_TOLERANCE, line, tolerance=tolerance_text.strip(_WS)
        )
    return value, tolerance


def _number(text: str, line: int) -> Decimal:
    text = text.strip(_WS)
    if not text:
        raise _ItemError(ProblemKind.MALFORMED, M_NUM_EMPTY, line)
    if text == "*":
        raise _ItemError(ProblemKind.UNSUPPORTED, M_NUM_WILDCARD, line)
    if not _NUMBER.fullmatch(text):
        raise _ItemError(ProblemKind.MALFORMED, M_NOT_NUMBER, line, value=text)
    return Decimal(text)


# --- comments: hocso metadata and Moodle's [id:…] ---------------------------------------------


def _parse_pairs(text: str) -> list[tuple[str, str]] | None:
    pairs, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return pairs
        match = _PAIR.match(text, position)
        if not match:
            return None
        value = match[2]
        if value.startswith('"'):
            value = re.sub(
                r"\\(.)",
                lambda escape: {"n": "\n", "r": "\r", "t": "\t"}.get(escape[1], escape[1]),
                value[1:-1],
                flags=re.S,
            )
        pairs.append((match[1], value))
        position = match.end()


def _apply_comments(item: ItemData, block: _Block, hocso: list[tuple[int, str]]) -> None:
    for _, body in block.comments:
        if body.startswith("hocso:"):
            continue
        match = _ID.search(body)
        if match:
            item.identifier = match[1].strip(_WS).replace("\\]", "]")
            break
    values: dict[str, tuple[str, int]] = {}
    for line, body in hocso:
        pairs = _parse_pairs(body[len("hocso:") :])
        if pairs is None:
            raise _ItemError(ProblemKind.MALFORMED, M_HOCSO_SYNTAX, line, text=_excerpt(body))
        for key, value in pairs:
            if key in values and values[key][0] != value:
                raise _ItemError(ProblemKind.MALFORMED, M_HOCSO_DUPLICATE, line, key=key)
            values[key] = (value, line)

    if "type" in values:
        value, line = values.pop("type")
        if value == ItemType.TRUE_FALSE_4 and item.type == ItemType.MATCHING:
            _matching_to_true_false_4(item, line)
        elif value != item.type:
            raise _ItemError(
                ProblemKind.INVALID, M_HOCSO_TYPE, line, value=value, detected=str(item.type)
            )
    for key in [key for key in values if key in _RESERVED_KEYS]:
        value, line = values.pop(key)
        _apply_field(item, key, value, line)
    item.tags = {key: value for key, (value, _) in values.items()}


def _apply_field(item: ItemData, key: str, value: str, line: int) -> None:
    def wrong_type():
        return _ItemError(ProblemKind.INVALID, M_HOCSO_KEY_TYPE, line, key=key, type=str(item.type))

    if key == "points":
        try:
            points = Decimal(value)
        except InvalidOperation:
            points = None
        if points is None or not points.is_finite() or points <= 0:
            raise _ItemError(ProblemKind.INVALID, M_POINTS, line, value=value)
        item.points = points
    elif key == "case_sensitive":
        if item.type != ItemType.SHORT_TEXT:
            raise wrong_type()
        if value not in ("true", "false"):
            raise _ItemError(ProblemKind.INVALID, M_CASE_SENSITIVE, line, value=value)
        item.case_sensitive = value == "true"
    elif key == "rubric":
        if item.type != ItemType.ESSAY:
            raise wrong_type()
        item.rubric = value
    elif key == "pinned":
        if item.type not in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
            raise wrong_type()
        try:
            positions = [int(part) for part in value.split(",")]
        except ValueError:
            positions = [0]
        if not all(1 <= position <= len(item.choices) for position in positions):
            raise _ItemError(ProblemKind.INVALID, M_PINNED, line, value=value)
        for position in positions:
            item.choices[position - 1].pinned = True
    else:  # feedback_a … feedback_d
        if item.type != ItemType.TRUE_FALSE_4:
            raise wrong_type()
        item.statements[_TF4_LETTERS.index(key[-1])].feedback = value


def _truth(text: str) -> bool | None:
    return _TRUTH.get(unicodedata.normalize("NFC", text).strip().casefold())


def _matching_to_true_false_4(item: ItemData, line: int) -> None:
    statements_pairs = [pair for pair in item.pairs if pair.left]
    if len(statements_pairs) != 4:
        raise _ItemError(ProblemKind.INVALID, M_TF4_COUNT, line, count=len(statements_pairs))
    for pair in item.pairs:
        if _truth(pair.right) is None:
            raise _ItemError(ProblemKind.INVALID, M_TF4_VALUE, line, text=pair.right)
    for position, pair in enumerate(statements_pairs):
        letter = _TF4_LETTERS[position]
        text = pair.left
        label = _LABEL.match(text)
        if label:
            if label[1].lower() != letter:
                raise _ItemError(
                    ProblemKind.INVALID,
                    M_TF4_LABEL,
                    line,
                    position=position + 1,
                    label=letter,
                    text=text[:20],
                )
            text = text[label.end() :].strip(_WS)
        if not text:
            raise _ItemError(ProblemKind.INVALID, M_TF4_EMPTY, line, label=letter)
        item.statements.append(Statement(text=text, is_true=bool(_truth(pair.right))))
    item.pairs = []
    item.type = ItemType.TRUE_FALSE_4


# --- writing ---------------------------------------------------------------------------------

_WRITE_ESCAPE = re.compile(r"[\\~=#{}:\n]")


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _WRITE_ESCAPE.sub(lambda match: "\\n" if match[0] == "\n" else "\\" + match[0], text)


def _html_part(text: str) -> str:
    """An HTML text inside the answers; an explicit [html] keeps a leading "[" from being read
    as a format marker."""
    return ("[html]" if text.startswith("[") else "") + _escape(text)


def _plain_part(text: str) -> str:
    return ("[plain]" if text.startswith("[") else "") + _escape(text)


def _decimal(value: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros; exact (normalize() would round to the
    context's precision)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(fraction: Decimal) -> str:
    return "%" + _decimal(fraction.scaleb(2)) + "%"


def _quote(value: str) -> str:
    if _BARE_VALUE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def _category_line(category: tuple[str, ...]) -> str:
    return "$CATEGORY: " + "/".join(["$course$", "top", *(c.replace("/", "//") for c in category)])


def unsupported_for_write(item: ItemData) -> str | None:
    """Why `write` cannot put this item in a GIFT file (a translatable sentence), or None."""
    kind = item.type
    if kind == ItemType.ORDERING:
        return W_ORDERING
    if item.files:
        return W_FILES
    if not item.stem.strip(_WS):
        return W_EMPTY_STEM
    if not item.points.is_finite() or item.points <= 0:
        return W_POINTS
    for part in item.category:
        if not part or part != part.strip(_WS) or "\n" in part or "\r" in part:
            return W_CATEGORY
        if part.startswith("/") or part.endswith("/"):
            return W_CATEGORY
    if item.identifier and (
        item.identifier != item.identifier.strip(_WS)
        or re.search(r"[\[\\\x00-\x1f\x7f]", item.identifier)
    ):
        return W_IDENTIFIER
    for key in item.tags:
        if not _KEY.fullmatch(key) or key in _RESERVED_KEYS:
            return W_TAG_KEY
    comment_values = [*item.tags.values(), item.rubric]
    comment_values += [statement.feedback for statement in item.statements]
    if any(_MOODLE_COMMENT_TOKEN.search(value) for value in comment_values):
        return W_COMMENT_TOKEN
    return _shape_problem(item)


def _shape_problem(item: ItemData) -> str | None:
    kind = item.type
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        if len(item.choices) < 2:
            return W_FEW_CHOICES
        if any(not choice.text.strip(_WS) for choice in item.choices):
            return W_EMPTY_TEXT
        if any(not -1 <= choice.fraction <= 1 for choice in item.choices):
            return W_WEIGHT_RANGE
        if kind == ItemType.SINGLE_CHOICE:
            right = sum(1 for choice in item.choices if choice.fraction == 1)
            if right == 0 or right == len(item.choices):
                return W_SINGLE_SHAPE
        elif abs(_positive_total(item.choices) - 1) > _HUNDRED_PERCENT_SLACK:
            return W_MULTIPLE_TOTAL
    elif kind == ItemType.TRUE_FALSE:
        if item.correct is None:
            return W_TRUE_FALSE_UNSET
    elif kind == ItemType.TRUE_FALSE_4:
        if len(item.statements) != 4:
            return W_TF4_COUNT
        if any(not statement.text.strip(_WS) for statement in item.statements):
            return W_EMPTY_TEXT
        if any("->" in statement.text for statement in item.statements):
            return W_ARROW_LEFT
    elif kind == ItemType.SHORT_TEXT:
        if not item.text_answers:
            return W_SHORT_NONE
        if any(not answer.text.strip(_WS) for answer in item.text_answers):
            return W_EMPTY_TEXT
        if any(not -1 <= answer.fraction <= 1 for answer in item.text_answers):
            return W_WEIGHT_RANGE
        if not any(answer.fraction == 1 for answer in item.text_answers):
            return W_NO_FULL_ANSWER
        if any("->" in answer.text + answer.feedback for answer in item.text_answers):
            return W_ARROW_SHORT
    elif kind == ItemType.SHORT_NUMERIC:
        if not item.numeric_answers:
            return W_NUMERIC
        for answer in item.numeric_answers:
            if not (answer.value.is_finite() and answer.tolerance.is_finite()):
                return W_NUMERIC
            if answer.tolerance < 0:
                return W_NUMERIC
            if not -1 <= answer.fraction <= 1:
                return W_WEIGHT_RANGE
        if not any(answer.fraction == 1 for answer in item.numeric_answers):
            return W_NO_FULL_ANSWER
    elif kind == ItemType.MATCHING:
        if sum(1 for pair in item.pairs if pair.left.strip(_WS)) < 2:
            return W_MATCH_FEW
        if any(not pair.right.strip(_WS) for pair in item.pairs):
            return W_EMPTY_TEXT
        if any("->" in pair.left for pair in item.pairs):
            return W_ARROW_LEFT
    return None


def write(items: Sequence[ItemData]) -> str:
    """The items as a GIFT file (UTF-8 text). Raises ValueError for an item that
    `unsupported_for_write` names: the exporter filters and reports those first."""
    blocks: list[str] = []
    category: tuple[str, ...] = ()
    for position, item in enumerate(items, 1):
        reason = unsupported_for_write(item)
        if reason is not None:
            label = item.name or item.identifier or f"#{position}"
            raise ValueError(f"{label}: {reason}")
        if tuple(item.category) != category:
            category = tuple(item.category)
            blocks.append(_category_line(category))
        blocks.append(_write_item(item))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _write_item(item: ItemData) -> str:
    lines = []
    fields: list[tuple[str, str]] = []
    if item.type == ItemType.TRUE_FALSE_4:
        fields.append(("type", str(ItemType.TRUE_FALSE_4)))
        for letter, statement in zip(_TF4_LETTERS, item.statements, strict=True):
            if statement.feedback:
                fields.append((f"feedback_{letter}", statement.feedback))
    if item.points != 1:
        fields.append(("points", _decimal(item.points)))
    if item.type == ItemType.SHORT_TEXT and item.case_sensitive:
        fields.append(("case_sensitive", "true"))
    if item.type == ItemType.ESSAY and item.rubric:
        fields.append(("rubric", item.rubric))
    if item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        pinned = [str(n) for n, choice in enumerate(item.choices, 1) if choice.pinned]
        if pinned:
            fields.append(("pinned", ",".join(pinned)))
    for pairs in (fields, list(item.tags.items())):
        if pairs:
            lines.append("// hocso: " + " ".join(f"{key}={_quote(value)}" for key, value in pairs))
    if item.identifier:
        lines.append("// [id:" + item.identifier.replace("]", "\\]") + "]")
    head = f"::{_escape(item.name)}::" if item.name else ""
    lines.append(head + "[html]" + _escape(item.stem) + _answers(item))
    return "\n".join(lines)


def _general_feedback(item: ItemData, indent: str = "\t") -> str:
    if not item.general_feedback:
        return ""
    line = "####" + _html_part(item.general_feedback)
    return indent + line + "\n" if indent else line


def _feedback(text: str) -> str:
    return "#" + _html_part(text) if text else ""


def _answers(item: ItemData) -> str:
    kind = item.type
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        lines = []
        for choice in item.choices:
            if kind == ItemType.SINGLE_CHOICE and choice.fraction == 1:
                mark = "="
            elif choice.fraction == 0 and not choice.text.startswith("%"):
                mark = "~"
            else:  # a text starting with "%" gets an explicit weight so it is not read as one
                mark = "~" + _percent(choice.fraction)
            lines.append(f"\t{mark}{_html_part(choice.text)}{_feedback(choice.feedback)}\n")
        return "{\n" + "".join(lines) + _general_feedback(item) + "}"
    if kind == ItemType.TRUE_FALSE:
        if item.correct:
            word, right, wrong = "TRUE", item.feedback_true, item.feedback_false
        else:
            word, right, wrong = "FALSE", item.feedback_false, item.feedback_true
        feedback = ""
        if wrong or right:
            feedback = "#" + _html_part(wrong) + ("#" + _html_part(right) if right else "")
        return "{" + word + feedback + _general_feedback(item, indent="") + "}"
    if kind == ItemType.SHORT_TEXT:
        lines = []
        for answer in item.text_answers:
            weight = ""
            if answer.fraction != 1 or answer.text.startswith("%"):
                weight = _percent(answer.fraction)
            lines.append(f"\t={weight}{_plain_part(answer.text)}{_feedback(answer.feedback)}\n")
        return "{\n" + "".join(lines) + _general_feedback(item) + "}"
    if kind == ItemType.SHORT_NUMERIC:
        lines = []
        for answer in item.numeric_answers:
            weight = "" if answer.fraction == 1 else _percent(answer.fraction)
            tolerance = "" if answer.tolerance == 0 else ":" + _decimal(answer.tolerance)
            lines.append(
                f"\t={weight}{_decimal(answer.value)}{tolerance}{_feedback(answer.feedback)}\n"
            )
        return "{#\n" + "".join(lines) + _general_feedback(item) + "}"
    if kind == ItemType.MATCHING:
        lines = [
            f"\t={_html_part(pair.left) if pair.left else ''} -> {_escape(pair.right)}\n"
            for pair in item.pairs
        ]
        return "{\n" + "".join(lines) + _general_feedback(item) + "}"
    if kind == ItemType.TRUE_FALSE_4:
        lines = [
            f"\t={letter}) {_escape(statement.text)} -> {'Đúng' if statement.is_true else 'Sai'}\n"
            for letter, statement in zip(_TF4_LETTERS, item.statements, strict=True)
        ]
        values = {statement.is_true for statement in item.statements}
        if values == {True}:
            lines.append("\t= -> Sai\n")
        elif values == {False}:
            lines.append("\t= -> Đúng\n")
        return "{\n" + "".join(lines) + _general_feedback(item) + "}"
    # ESSAY
    return "{" + _general_feedback(item, indent="") + "}"
