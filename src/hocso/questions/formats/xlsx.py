"""A question-bank spreadsheet a teacher can fill by hand in Excel, read and written as
interchange.py describes; `template()` gives the empty workbook with its "Hướng dẫn" sheet.

One row per question on the first sheet ("Câu hỏi"). Headers are matched as the registry
matches them (registry/importers/columns.py `header_key`: case, diacritics, spaces and anything
in parentheses ignored; English names accepted); title rows above the header (up to 15 rows) are
tolerated, and "STT" is ignored. The file is opened by the registry's reader (python-calamine,
zip-bomb and .xls checks; a UTF-8 CSV saved from the template is read too).

Columns (Vietnamese header as written / English):

- ``Loại câu`` / Type (required): Một lựa chọn, Nhiều lựa chọn, Đúng-Sai, Đúng-Sai 4 ý (2025),
  Trả lời ngắn (số), Trả lời ngắn (chữ), Ghép đôi, Sắp xếp, Tự luận — or the ItemType code.
- ``Mã câu`` / Identifier, ``Tên`` / Name, ``Câu hỏi`` / Question (required, the stem: HTML or
  plain text, LaTeX as ``\\( \\)``).
- ``A`` … ``H``: the options (choice items), the statements a)–d) (2025 true/false: exactly A–D),
  the pairs ``left | right`` (matching; ``| right`` is a distractor), the items in the right order
  (ordering). Filled from A without gaps.
- ``Đáp án`` / Answer: choice items the letters, ``B`` or ``A,C``; a share other than the default
  in parentheses, ``A (70%), C (30%), D (-50%)`` (letters without one earn 100% in a single
  choice, equal shares of 100% in a multiple response: 3 letters are 33.33333% each).
  True/false ``Đúng``/``Sai``; 2025 true/false ``Đ,S,Đ,Đ``, ``ĐSĐĐ`` or ``a) Đ; b) S; c) Đ; d) Đ``.
  Numeric ``3,5`` or ``3,5 ± 0,1`` (comma or point). Text: variants separated by ``|``.
  Several numeric answers or variants with partial credit: ``3,5 | 3,6 ± 0,1 (50%)``.
- ``Điểm`` / Points (default 1), ``Môn`` / Subject (code, or the subject's name), ``Khối`` /
  Grade, ``Chủ đề`` / Topic (code), ``Mức độ`` / Level (Biết, Hiểu, Vận dụng; Nhận biết, Thông
  hiểu, Vận dụng (4 mức), Vận dụng cao; or the CognitiveLevel code), ``Nguồn`` / Source,
  ``Giải thích`` / Feedback (general), ``Hướng dẫn chấm`` / Rubric, ``Danh mục`` / Category
  (``Toán 12/Hàm số``; ``//`` is a ``/`` inside a name).
- Written only when an item needs them: ``Phản hồi A`` … ``Phản hồi H`` / Feedback A… (feedback
  of the option, statement or answer variant in that position; for Đúng-Sai A is the feedback
  when answering true, B when answering false), ``Giữ vị trí`` / Pinned (letters of options kept
  in place when shuffling), ``Phân biệt hoa thường`` / Case sensitive (Có/Không, text answers),
  ``Thẻ khác`` / Other tags (one ``name=value`` per line).

Splitting a cell on ``|`` skips LaTeX (``\\(|x|\\)`` is one piece); elsewhere ``\\|`` is a
literal bar. Texts are trimmed (leading and trailing white space does not count in HTML); the
short fields (identifier, name, category, tags) are cleaned as the bank stores them.

Exactness: text that a spreadsheet would run as a formula (``=1+1``) is written with the leading
quote of the registry's exports (`neutralise`); a text that itself starts with a quote gets one
more, so it reads back as written. Characters XML cannot carry and a literal ``_x0041_`` are
written with the ``_xHHHH_`` escapes Excel uses. Numbers Excel typed as floats are taken to its
15 significant digits (0.1 + 0.2 is 0.3); numbers hocso writes are either exact floats or text.

Problems name the row, ``where="dòng 7"`` (params ``row``), and the column in the message
(params ``column``, the header as written in the file). A bad row is left out, the rest is read.
An unknown or repeated column is a problem of the header row, since its content would be lost.
``write`` refuses (ValueError) an item `unsupported_for_write` names, so the exporter reports
it rather than losing part of it.
"""

import io
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from hocso.assessment.rules import SUBJECTS
from hocso.core.text import clean_text, fold
from hocso.registry.importers.cells import (
    EXCEL_MANGLED,
    is_blank,
    neutralise,
    shown,
    unneutralise,
    yes_no,
)
from hocso.registry.importers.columns import Column, KindSpec
from hocso.registry.importers.problems import CellError, ImportFileError
from hocso.registry.importers.reading import HEADER_SCAN_ROWS, read_table

from ..interchange import (
    Choice,
    CognitiveLevel,
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
from ..rules import parse_number

LETTERS = "ABCDEFGH"
DATA_SHEET = "Câu hỏi"
GUIDE_SHEET = "Hướng dẫn"
EXCEL_CELL_LIMIT = 32767
_WS = " \t\n\r"  # trimmed around texts; a non-breaking space is HTML's &nbsp; and is kept

TYPE_LABELS: dict[ItemType, str] = {
    ItemType.SINGLE_CHOICE: "Một lựa chọn",
    ItemType.MULTIPLE_RESPONSE: "Nhiều lựa chọn",
    ItemType.TRUE_FALSE: "Đúng-Sai",
    ItemType.TRUE_FALSE_4: "Đúng-Sai 4 ý (2025)",
    ItemType.SHORT_NUMERIC: "Trả lời ngắn (số)",
    ItemType.SHORT_TEXT: "Trả lời ngắn (chữ)",
    ItemType.MATCHING: "Ghép đôi",
    ItemType.ORDERING: "Sắp xếp",
    ItemType.ESSAY: "Tự luận",
}
LEVEL_LABELS: dict[CognitiveLevel, str] = {
    CognitiveLevel.BIET: "Biết",
    CognitiveLevel.HIEU: "Hiểu",
    CognitiveLevel.VAN_DUNG: "Vận dụng",
    CognitiveLevel.NHAN_BIET: "Nhận biết",
    CognitiveLevel.THONG_HIEU: "Thông hiểu",
    # "Vận dụng" alone is the three-level scale (Công văn 7991); the four-level one says so.
    CognitiveLevel.VAN_DUNG_4: "Vận dụng (4 mức)",
    CognitiveLevel.VAN_DUNG_CAO: "Vận dụng cao",
}
KNOWN_TAG_COLUMNS = {"subject": "subject", "grade": "grade", "topic": "topic", "level": "level",
                     "source": "source"}  # fmt: skip


def _key(value: str) -> str:
    """ "Đúng-Sai 4 ý (2025)" → "dungsai4y2025": what a typed label is matched by."""
    return re.sub(r"[^a-z0-9]", "", fold(value))


_TYPE_LOOKUP: dict[str, ItemType] = {}
for _type, _label in TYPE_LABELS.items():
    _TYPE_LOOKUP[_key(_label)] = _type
    _TYPE_LOOKUP[_key(_type.value)] = _type
_TYPE_LOOKUP |= {
    _key(alias): kind
    for alias, kind in (
        ("Trắc nghiệm", ItemType.SINGLE_CHOICE),
        ("Trắc nghiệm một lựa chọn", ItemType.SINGLE_CHOICE),
        ("Một đáp án", ItemType.SINGLE_CHOICE),
        ("Single choice", ItemType.SINGLE_CHOICE),
        ("Trắc nghiệm nhiều lựa chọn", ItemType.MULTIPLE_RESPONSE),
        ("Nhiều đáp án", ItemType.MULTIPLE_RESPONSE),
        ("Multiple response", ItemType.MULTIPLE_RESPONSE),
        ("True/False", ItemType.TRUE_FALSE),
        ("Đúng-Sai 4 ý", ItemType.TRUE_FALSE_4),
        ("Đúng-Sai 2025", ItemType.TRUE_FALSE_4),
        ("Trả lời ngắn số", ItemType.SHORT_NUMERIC),
        ("Numeric", ItemType.SHORT_NUMERIC),
        ("Trả lời ngắn chữ", ItemType.SHORT_TEXT),
        ("Short answer", ItemType.SHORT_TEXT),
        ("Nối", ItemType.MATCHING),
        ("Nối cột", ItemType.MATCHING),
        ("Matching", ItemType.MATCHING),
        ("Ordering", ItemType.ORDERING),
        ("Essay", ItemType.ESSAY),
    )
}
_LEVEL_LOOKUP: dict[str, CognitiveLevel] = {}
for _level, _label in LEVEL_LABELS.items():
    _LEVEL_LOOKUP[_key(_label)] = _level
    _LEVEL_LOOKUP[_key(_level.value)] = _level
_SUBJECT_BY_NAME = {_key(name): code for code, name in SUBJECTS.items()}

_TRUE_WORDS = {"d", "dung", "t", "true", "1"}
_FALSE_WORDS = {"s", "sai", "f", "false", "0"}

# --- columns ---------------------------------------------------------------------------------

_TEXT = "@"  # Excel's Text format: typed "1/2" or "3.5" stays text instead of a date


@dataclass(frozen=True)
class _Col:
    column: Column
    number_format: str = ""
    optional: bool = False  # written only when an item needs it


def _col(key, header, english, aliases=(), *, required=False, width=14, text=False, optional=False):
    return _Col(
        Column(key, header, english, tuple(aliases), required=required, width=width),
        number_format=_TEXT if text else "",
        optional=optional,
    )


_COLUMNS: tuple[_Col, ...] = (
    _col("type", "Loại câu", "Type", ("Loại", "Dạng câu", "Dạng câu hỏi", "Loại câu hỏi",
                                      "Question type"), required=True, width=20),
    _col("identifier", "Mã câu", "Identifier", ("Mã câu hỏi", "Mã", "ID", "Code"), width=12,
         text=True),
    _col("name", "Tên", "Name", ("Tên câu", "Tên câu hỏi", "Title"), width=18),
    _col("stem", "Câu hỏi", "Question", ("Nội dung", "Nội dung câu hỏi", "Đề bài", "Stem",
                                         "Question text"), required=True, width=50),
    *(
        _col(letter, letter, f"Option {letter}", (f"Phương án {letter}", f"PA {letter}",
                                                  f"Choice {letter}"), width=24, text=True)
        for letter in LETTERS
    ),
    _col("answer", "Đáp án", "Answer", ("Đáp án đúng", "Correct answer", "Key"), width=14,
         text=True),
    _col("points", "Điểm", "Points", ("Mark", "Marks", "Score"), width=8),
    _col("subject", "Môn", "Subject", ("Môn học", "Mã môn"), width=10),
    _col("grade", "Khối", "Grade", ("Khối lớp",), width=8),
    _col("topic", "Chủ đề", "Topic", ("Mã chủ đề",), width=12, text=True),
    _col("level", "Mức độ", "Level", ("Mức độ nhận thức", "Cognitive level"), width=16),
    _col("source", "Nguồn", "Source", (), width=16),
    _col("feedback", "Giải thích", "Feedback", ("Lời giải", "Hướng dẫn giải", "General feedback",
                                                "Explanation"), width=30),
    _col("rubric", "Hướng dẫn chấm", "Rubric", ("Grading guide",), width=30),
    _col("category", "Danh mục", "Category", ("Thư mục",), width=20),
    *(
        _col(f"feedback_{letter}", f"Phản hồi {letter}", f"Feedback {letter}", width=20,
             optional=True)
        for letter in LETTERS
    ),
    _col("pinned", "Giữ vị trí", "Pinned", ("Cố định vị trí",), width=10, text=True,
         optional=True),
    _col("case_sensitive", "Phân biệt hoa thường", "Case sensitive", (), width=12,
         optional=True),
    _col("other_tags", "Thẻ khác", "Other tags", ("Tags",), width=20, optional=True),
)  # fmt: skip

SPEC = KindSpec(
    kind="questions", label="câu hỏi", needs_year=False, columns=tuple(c.column for c in _COLUMNS)
)
_BY_KEY = {c.column.key: c for c in _COLUMNS}
_OPTION_KEYS = tuple(LETTERS)
_FEEDBACK_KEYS = tuple(f"feedback_{letter}" for letter in LETTERS)

# --- messages (Vietnamese msgids; callers translate and fill in params) ----------------------

M_TYPE_MISSING = N_("Cột «%(column)s»: chưa ghi loại câu")
M_TYPE_UNKNOWN = N_(
    "Cột «%(column)s»: không có loại câu «%(value)s»; hãy chọn một trong: %(choices)s"
)
M_DATE = N_(
    "Cột «%(column)s»: Excel đã đổi «%(value)s» thành ngày giờ; hãy định dạng ô là Văn bản "
    "(Text) rồi gõ lại"
)
M_OPTION_GAP = N_(
    "Cột «%(column)s» để trống nhưng cột sau nó có nội dung; hãy điền liên tục từ cột A"
)
M_NOT_USED = N_("Cột «%(column)s» có nội dung nhưng câu loại «%(type)s» không dùng cột này")
M_FEEDBACK_ORPHAN = N_(
    "Cột «%(column)s» có phản hồi nhưng không có phương án, ý hoặc đáp án ở vị trí tương ứng"
)
M_ANSWER_MISSING = N_("Cột «%(column)s»: chưa ghi đáp án")
M_NO_OPTIONS = N_("Cột «%(column)s»: câu loại «%(type)s» cần các phương án ở cột A, B, C…")
M_ANSWER_SYNTAX = N_(
    "Cột «%(column)s»: «%(value)s» không phải đáp án hợp lệ; hãy ghi chữ cái của phương án "
    "đúng, ví dụ B hoặc A,C (tỉ lệ điểm nếu cần: A (70%%), C (30%%))"
)
M_ANSWER_LETTER = N_(
    "Cột «%(column)s»: đáp án «%(letter)s» không có trong các phương án đã điền (%(letters)s)"
)
M_ANSWER_REPEATED = N_("Cột «%(column)s»: phương án %(letter)s được ghi hai lần")
M_SINGLE_MANY = N_(
    "Cột «%(column)s»: câu một lựa chọn chỉ có một đáp án, không phải «%(value)s»; câu có "
    "nhiều phương án đúng hãy chọn loại «Nhiều lựa chọn»"
)
M_TRUTH = N_("Cột «%(column)s»: «%(value)s» không phải Đúng hoặc Sai")
M_TF4_COUNT = N_(
    "Cột «%(column)s»: câu Đúng-Sai 4 ý cần đúng 4 ý ở các cột A, B, C, D, không phải %(count)s"
)
M_TF4_ANSWER = N_(
    "Cột «%(column)s»: «%(value)s» không ghi đủ 4 ý; hãy ghi như Đ,S,Đ,Đ hoặc "
    "a) Đ; b) S; c) Đ; d) Đ"
)
M_NUMBER = N_("Cột «%(column)s»: «%(value)s» không phải số; hãy ghi như 3,5 hoặc 3,5 ± 0,1")
M_EMPTY_PART = N_("Cột «%(column)s»: có đáp án trống giữa hai dấu |")
M_PAIR = N_(
    "Cột «%(column)s»: «%(value)s» cần dạng «vế trái | vế phải», có đúng một dấu | "
    "(dấu | trong nội dung ghi là \\|)"
)
M_POINTS = N_("Cột «%(column)s»: điểm «%(value)s» không phải số")
M_LEVEL = N_("Cột «%(column)s»: không có mức độ «%(value)s»; hãy chọn một trong: %(choices)s")
M_YES_NO = N_("Cột «%(column)s»: «%(value)s» không hợp lệ; hãy ghi Có hoặc Không")
M_TAG_LINE = N_("Cột «%(column)s»: dòng «%(value)s» cần dạng tên=giá trị")
M_PINNED = N_(
    "Cột «%(column)s»: «%(value)s» không phải danh sách chữ cái của các phương án đã điền"
)
M_UNKNOWN_COLUMN = N_(
    "Cột «%(column)s» không được nhận diện nên nội dung của nó sẽ bị bỏ qua; hãy xoá cột hoặc "
    "đổi tên cho đúng (xem trang «Hướng dẫn»)"
)
M_DUPLICATE_COLUMN = N_("Cột «%(column)s» trùng với cột «%(first)s»; hãy giữ một cột")

W_FILES = N_("Bảng tính không chứa được tệp (ảnh) đính kèm câu hỏi.")
W_TOO_MANY = N_("Bảng tính có tối đa 8 phương án, cặp, mục hoặc đáp án (cột A đến H).")
W_TOO_LONG = N_("Một nội dung dài quá 32.767 ký tự, giới hạn của một ô Excel.")
W_EMPTY_TEXT = N_("Câu hỏi có phương án, ý, mục hoặc đáp án trống.")
W_TF4_COUNT = N_("Câu Đúng-Sai 4 ý cần đúng 4 ý.")
W_TRUE_FALSE_UNSET = N_("Câu Đúng-Sai chưa cho biết mệnh đề đúng hay sai.")
W_NO_ANSWER = N_("Câu hỏi chưa có đáp án đúng.")
W_NUMBER = N_("Điểm, tỉ lệ điểm, đáp án số hoặc sai số không phải số hữu hạn.")
W_OPEN_MATH = N_(
    "Vế trái của cặp ghép hoặc một đáp án (trừ đáp án cuối) mở công thức \\( hoặc \\[ mà không "
    "đóng, nên không tách được bằng dấu |."
)
W_CATEGORY = N_("Tên danh mục trống, có khoảng trắng thừa hoặc có dấu / ở đầu hay cuối.")
W_TAG = N_(
    "Thẻ có tên trống, có dấu = hoặc xuống dòng, hoặc giá trị có xuống dòng hay khoảng trắng ở "
    "hai đầu."
)
W_LEVEL = N_("Mức độ nhận thức không phải một mã của hocso (biet, hieu, van_dung…).")

# --- cells -----------------------------------------------------------------------------------


def _protect(text: str) -> str:
    """The registry's formula neutralisation, plus one more quote before a text that already
    starts with a quote (else "'=1" would read back as "=1")."""
    if text.startswith("'"):
        return "'" + text
    return neutralise(text)


def _unprotect(text: str) -> str:
    if text.startswith("''"):
        return text[1:]
    return unneutralise(text)


# What a shared string decodes on reading (OOXML ST_Xstring): "_x0041_" is "A", so a literal one
# is written "_x005F_x0041_"; characters XML 1.0 cannot hold, and \r (read back as \n), are
# written as such escapes.
_XSTRING_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")


def _cell_string(text: str) -> str:
    text = _XSTRING_ESCAPE.sub("_x005F_", _protect(text))
    return _XML_UNSAFE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def _decimal_of_float(value: float | int) -> Decimal:
    """What Excel shows: 15 significant digits, so a float artefact (0.30000000000000004) is
    the number typed (0.3)."""
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(value, ".15g"))


def _plain(number: Decimal) -> str:
    """Exact plain notation with a decimal comma, no trailing zeros: 3.50 → "3,5"."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class _DateCell(Exception):
    pass


def _raw_text(value) -> str:
    """A cell as exact text: quotes undone, trimmed. Numbers as Excel shows them in Vietnamese
    (decimal comma); a date means Excel mangled what was typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _unprotect(value).strip(_WS)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _plain(_decimal_of_float(value))
    if isinstance(value, datetime | date | time | timedelta):
        raise _DateCell
    return str(value).strip(_WS)


def _parse_decimal(text: str) -> Decimal | None:
    return parse_number(text.strip(_WS))


# --- splitting a cell on "|" -------------------------------------------------------------------


def _scan(text: str, *, escape: bool) -> tuple[list[str], bool]:
    """Reading (escape=False): the pieces between bars outside LaTeX, "\\|" a literal bar.
    Writing (escape=True): one piece, the text with its bars outside LaTeX escaped.
    Also whether the text ends inside an unclosed \\( or \\[."""
    pieces: list[str] = []
    out: list[str] = []
    closing = ""
    i, length = 0, len(text)
    while i < length:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < length else ""
        if ch == "\\":
            if not closing and nxt in ("(", "["):
                closing = ")" if nxt == "(" else "]"
                out.append(ch + nxt)
                i += 2
                continue
            if closing and nxt == closing:
                closing = ""
                out.append(ch + nxt)
                i += 2
                continue
            if not closing and nxt == "|" and not escape:
                out.append("|")
                i += 2
                continue
            out.append(ch)
            i += 1
            continue
        if ch == "|" and not closing:
            if escape:
                out.append("\\|")
            else:
                pieces.append("".join(out))
                out = []
            i += 1
            continue
        out.append(ch)
        i += 1
    pieces.append("".join(out))
    return pieces, bool(closing)


def _split_bars(text: str) -> list[str]:
    return [piece.strip(_WS) for piece in _scan(text, escape=False)[0]]


def _escape_bars(text: str) -> str:
    return _scan(text, escape=True)[0][0]


def _ends_in_math(text: str) -> bool:
    return _scan(text, escape=True)[1]


_PERCENT_SUFFIX = re.compile(r"\(\s*([+\-\u2212]?[0-9]+(?:[.,][0-9]+)?)\s*%\s*\)\Z")


def _percent(fraction: Decimal) -> str:
    return f"({_plain(fraction.scaleb(2))}%)"


def _fraction_of(percent_text: str) -> Decimal | None:
    value = _parse_decimal(percent_text)
    return None if value is None else value.scaleb(-2)


# --- reading -----------------------------------------------------------------------------------


def _truth(word: str) -> bool | None:
    key = _key(word)
    return True if key in _TRUE_WORDS else False if key in _FALSE_WORDS else None


def _share(count: int) -> Decimal:
    """Each of `count` right options' share of full marks, as Moodle writes thirds (33.33333%)."""
    return (Decimal(1) / count).quantize(Decimal("0.0000001")).normalize()


_CHOICE_ENTRY = re.compile(
    r"\s*([A-Za-z])\s*(?:\(\s*([+\-\u2212]?[0-9]+(?:[.,][0-9]+)?)\s*%\s*\))?\s*[,;]?"
)
_TF4_LABELLED = re.compile(r"\s*([A-Za-z])\s*\)\s*([^\s,;]+)\s*[,;]?")


def _choice_entries(text: str) -> list[tuple[str, str | None]] | None:
    """ "A (70%), C" → [("A", "70"), ("C", None)]; None when it is not such a list."""
    entries, position = [], 0
    text = text.strip(_WS)
    while position < len(text):
        match = _CHOICE_ENTRY.match(text, position)
        if not match or match.end() == position:
            return None
        entries.append((match[1].upper(), match[2]))
        position = match.end()
    return entries


@dataclass
class _Row:
    number: int
    cells: list
    index: dict[str, int]
    headers: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"dòng {self.number}"

    def header(self, key: str) -> str:
        return self.headers.get(key, _BY_KEY[key].column.header)

    def problem(self, key: str, message: str, kind=ProblemKind.INVALID, **params) -> None:
        params = {"row": self.number, "column": self.header(key), **params}
        self.problems.append(Problem(kind=kind, where=self.where, message=message, params=params))

    def raw(self, key: str):
        position = self.index.get(key)
        if position is None or position >= len(self.cells):
            return None
        return self.cells[position]

    def blank(self, key: str) -> bool:
        return is_blank(self.raw(key))

    def text(self, key: str) -> str:
        value = self.raw(key)
        try:
            return _raw_text(value)
        except _DateCell:
            self.problem(key, M_DATE, ProblemKind.MALFORMED, value=shown(value))
            return ""

    def clean(self, key: str) -> str:
        return clean_text(self.text(key))

    def not_used(self, keys, kind: ItemType) -> None:
        for key in keys:
            if not self.blank(key):
                self.problem(key, M_NOT_USED, ProblemKind.MALFORMED, type=TYPE_LABELS[kind])


def _options(row: _Row) -> list[tuple[str, str]]:
    """(letter, text) of the filled option cells, which must start at A without gaps."""
    filled = [(letter, row.text(letter)) for letter in LETTERS]
    last = max((n for n, (_, text) in enumerate(filled) if text), default=-1)
    for letter, text in filled[:last]:
        if not text:
            row.problem(letter, M_OPTION_GAP, ProblemKind.MALFORMED)
    return [(letter, text) for letter, text in filled[: last + 1] if text]


def _feedbacks(row: _Row, allowed: int) -> list[str]:
    """Feedback texts of the first `allowed` positions; anything further is reported."""
    texts = [row.text(key) for key in _FEEDBACK_KEYS]
    for position, text in enumerate(texts):
        if text and position >= allowed:
            row.problem(_FEEDBACK_KEYS[position], M_FEEDBACK_ORPHAN, ProblemKind.MALFORMED)
    return texts[:allowed] + [""] * max(allowed - len(texts), 0)


def _letters_text(letters: list[str]) -> str:
    if not letters:
        return "không có"
    return letters[0] if len(letters) == 1 else f"{letters[0]}–{letters[-1]}"


def _read_choices(row: _Row, item: ItemData) -> None:
    options = _options(row)
    letters = [letter for letter, _ in options]
    if not options:
        row.problem("A", M_NO_OPTIONS, ProblemKind.MALFORMED, type=TYPE_LABELS[item.type])
    feedback = _feedbacks(row, len(options))
    fractions: dict[str, Decimal] = {}
    answer = row.text("answer")
    entries = _choice_entries(answer) if answer else []
    if not answer:
        row.problem("answer", M_ANSWER_MISSING, ProblemKind.MALFORMED)
    elif entries is None:
        row.problem("answer", M_ANSWER_SYNTAX, ProblemKind.MALFORMED, value=answer)
    else:
        bare = [letter for letter, percent in entries if percent is None]
        if item.type == ItemType.SINGLE_CHOICE and len(bare) > 1:
            row.problem("answer", M_SINGLE_MANY, ProblemKind.INVALID, value=answer)
        bare_share = Decimal(1) if item.type == ItemType.SINGLE_CHOICE else _share(len(bare) or 1)
        for letter, percent in entries:
            if letter in fractions:
                row.problem("answer", M_ANSWER_REPEATED, ProblemKind.INVALID, letter=letter)
            elif letter not in letters:
                row.problem("answer", M_ANSWER_LETTER, ProblemKind.INVALID, letter=letter,
                            letters=_letters_text(letters))  # fmt: skip
            fractions[letter] = bare_share if percent is None else _fraction_of(percent)
    pinned: set[str] = set()
    pinned_text = row.text("pinned")
    if pinned_text:
        pinned_entries = _choice_entries(pinned_text)
        if pinned_entries is None or any(
            p is not None or letter not in letters for letter, p in pinned_entries
        ):
            row.problem("pinned", M_PINNED, ProblemKind.MALFORMED, value=pinned_text)
        else:
            pinned = {letter for letter, _ in pinned_entries}
    item.choices = [
        Choice(text, fractions.get(letter, Decimal(0)), feedback[n], letter in pinned)
        for n, (letter, text) in enumerate(options)
    ]


def _read_true_false(row: _Row, item: ItemData) -> None:
    row.not_used(_OPTION_KEYS, item.type)
    feedback = _feedbacks(row, 2)
    item.feedback_true, item.feedback_false = feedback
    value = row.raw("answer")
    if isinstance(value, bool):
        item.correct = value
        return
    answer = row.text("answer")
    if not answer:
        row.problem("answer", M_ANSWER_MISSING, ProblemKind.MALFORMED)
        return
    item.correct = _truth(answer)
    if item.correct is None:
        row.problem("answer", M_TRUTH, ProblemKind.MALFORMED, value=answer)


def _tf4_truths(answer: str) -> list[bool] | None:
    answer = unicodedata.normalize("NFC", answer).strip(_WS)
    if ")" in answer:
        found, position = {}, 0
        while position < len(answer):
            match = _TF4_LABELLED.match(answer, position)
            if not match or match.end() == position:
                return None
            label, truth = match[1].lower(), _truth(match[2])
            if label in found or truth is None:
                return None
            found[label] = truth
            position = match.end()
        if sorted(found) != list("abcd"):
            return None
        return [found[label] for label in "abcd"]
    words = [word for word in re.split(r"[\s,;]+", answer) if word]
    if len(words) == 1 and all(_truth(ch) is not None for ch in words[0]):
        words = list(words[0])  # "ĐSĐĐ", "1011"
    truths = [_truth(word) for word in words]
    if len(truths) != 4 or None in truths:
        return None
    return truths


def _read_true_false_4(row: _Row, item: ItemData) -> None:
    options = _options(row)
    if len(options) != 4:
        row.problem("A", M_TF4_COUNT, ProblemKind.INVALID, count=len(options))
    feedback = _feedbacks(row, 4)
    answer = row.text("answer")
    truths = None
    if not answer:
        row.problem("answer", M_ANSWER_MISSING, ProblemKind.MALFORMED)
    else:
        truths = _tf4_truths(answer)
        if truths is None:
            row.problem("answer", M_TF4_ANSWER, ProblemKind.MALFORMED, value=answer)
    if truths is not None and len(options) == 4:
        item.statements = [
            Statement(text, truth, feedback[n])
            for n, ((_, text), truth) in enumerate(zip(options, truths, strict=True))
        ]


def _answer_pieces(row: _Row) -> list[tuple[str, Decimal]]:
    """The answer cell's "|"-separated pieces, each with its "(n%)" share (default 100%)."""
    answer = row.text("answer")
    if not answer:
        row.problem("answer", M_ANSWER_MISSING, ProblemKind.MALFORMED)
        return []
    pieces = []
    for piece in _split_bars(answer):
        if not piece:
            row.problem("answer", M_EMPTY_PART, ProblemKind.MALFORMED)
            continue
        fraction = Decimal(1)
        if match := _PERCENT_SUFFIX.search(piece):
            fraction = _fraction_of(match[1])
            piece = piece[: match.start()].strip(_WS)
        if not piece:
            row.problem("answer", M_EMPTY_PART, ProblemKind.MALFORMED)
            continue
        pieces.append((piece, fraction))
    return pieces


def _read_short_text(row: _Row, item: ItemData) -> None:
    row.not_used(_OPTION_KEYS, item.type)
    pieces = _answer_pieces(row)
    feedback = _feedbacks(row, len(pieces))
    item.text_answers = [
        TextAnswer(text, fraction, feedback[n]) for n, (text, fraction) in enumerate(pieces)
    ]
    if not row.blank("case_sensitive"):
        try:
            item.case_sensitive = bool(yes_no(row.raw("case_sensitive")))
        except CellError:
            row.problem("case_sensitive", M_YES_NO, ProblemKind.MALFORMED,
                        value=shown(row.raw("case_sensitive")))  # fmt: skip


_NUMERIC_ENTRY = re.compile(
    r"(?P<value>[^±(]+?)\s*(?:(?:±|\+/-|\+-)\s*(?P<tolerance>[^(]+?))?\s*\Z", re.S
)


def _read_short_numeric(row: _Row, item: ItemData) -> None:
    row.not_used(_OPTION_KEYS, item.type)
    value = row.raw("answer")
    if isinstance(value, int | float) and not isinstance(value, bool):
        answers = [NumericAnswer(_decimal_of_float(value))]
    else:
        answers = []
        for text, fraction in _answer_pieces(row):
            match = _NUMERIC_ENTRY.match(text)
            number = _parse_decimal(match["value"]) if match else None
            tolerance = Decimal(0)
            if match and match["tolerance"] is not None:
                tolerance = _parse_decimal(match["tolerance"])
            if number is None or tolerance is None:
                row.problem("answer", M_NUMBER, ProblemKind.MALFORMED, value=text)
                continue
            answers.append(NumericAnswer(number, tolerance, fraction))
    feedback = _feedbacks(row, len(answers))
    for answer, text in zip(answers, feedback, strict=True):
        answer.feedback = text
    item.numeric_answers = answers


def _read_matching(row: _Row, item: ItemData) -> None:
    row.not_used(("answer",), item.type)
    _feedbacks(row, 0)
    for letter, text in _options(row):
        parts = _split_bars(text)
        if len(parts) != 2:
            row.problem(letter, M_PAIR, ProblemKind.MALFORMED, value=text)
            continue
        item.pairs.append(Pair(parts[0], parts[1]))


def _read_ordering(row: _Row, item: ItemData) -> None:
    row.not_used(("answer",), item.type)
    _feedbacks(row, 0)
    item.order = [text for _, text in _options(row)]


def _read_essay(row: _Row, item: ItemData) -> None:
    row.not_used((*_OPTION_KEYS, "answer"), item.type)
    _feedbacks(row, 0)


_READERS = {
    ItemType.SINGLE_CHOICE: _read_choices,
    ItemType.MULTIPLE_RESPONSE: _read_choices,
    ItemType.TRUE_FALSE: _read_true_false,
    ItemType.TRUE_FALSE_4: _read_true_false_4,
    ItemType.SHORT_TEXT: _read_short_text,
    ItemType.SHORT_NUMERIC: _read_short_numeric,
    ItemType.MATCHING: _read_matching,
    ItemType.ORDERING: _read_ordering,
    ItemType.ESSAY: _read_essay,
}


def _read_tags(row: _Row) -> dict[str, str]:
    tags: dict[str, str] = {}
    if subject := row.clean("subject"):
        known = subject.upper() in SUBJECTS
        tags["subject"] = subject if known else _SUBJECT_BY_NAME.get(_key(subject), subject)
    for key in ("grade", "topic", "source"):
        if value := row.clean(key):
            tags[key] = value
    if level_text := row.clean("level"):
        level = _LEVEL_LOOKUP.get(_key(level_text))
        if level is None:
            row.problem("level", M_LEVEL, ProblemKind.INVALID, value=level_text,
                        choices=", ".join(LEVEL_LABELS.values()))  # fmt: skip
        else:
            tags["level"] = level.value
    for line in row.text("other_tags").split("\n"):
        if not line.strip(_WS):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip(_WS):
            row.problem("other_tags", M_TAG_LINE, ProblemKind.MALFORMED, value=line)
            continue
        tags[name.strip(_WS)] = value.strip(_WS)
    return tags


def _read_category(text: str) -> tuple[str, ...]:
    parts = (clean_text(part.replace("//", "/")) for part in re.split(r"(?<!/)/(?!/)", text))
    return tuple(part for part in parts if part)


def _read_row(row: _Row) -> ItemData | None:
    type_text = row.clean("type")
    kind = _TYPE_LOOKUP.get(_key(type_text)) if type_text else None
    if not type_text:
        row.problem("type", M_TYPE_MISSING, ProblemKind.MALFORMED)
    elif kind is None:
        row.problem("type", M_TYPE_UNKNOWN, ProblemKind.MALFORMED, value=type_text,
                    choices=", ".join(TYPE_LABELS.values()))  # fmt: skip
    item = ItemData(type=kind or ItemType.ESSAY, stem=row.text("stem"), source=row.where)
    identifier = row.raw("identifier")
    if isinstance(identifier, float) and abs(identifier) >= 1e15:
        # A long digit code typed into a General cell: Excel kept 15 digits of it.
        row.problem("identifier", EXCEL_MANGLED, ProblemKind.MALFORMED, value=shown(identifier))
    item.identifier = row.clean("identifier")
    item.name = row.clean("name")
    item.category = _read_category(row.text("category"))
    item.general_feedback = row.text("feedback")
    item.rubric = row.text("rubric")
    item.tags = _read_tags(row)
    points = row.raw("points")
    if isinstance(points, int | float) and not isinstance(points, bool):
        item.points = _decimal_of_float(points)
    elif points_text := row.text("points"):
        number = _parse_decimal(points_text)
        if number is None:
            row.problem("points", M_POINTS, ProblemKind.MALFORMED, value=points_text)
        else:
            item.points = number
    if kind is None:
        return None
    _READERS[kind](row, item)
    if kind not in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        row.not_used(("pinned",), kind)
    if kind != ItemType.SHORT_TEXT:
        row.not_used(("case_sensitive",), kind)
    return None if row.problems else item


def _header_problem(problem) -> Problem:
    """A registry header warning (unknown or repeated column) as a problem of this file: its
    column's content would be lost, so the file is not taken as it is."""
    message = problem.message
    if "first" in problem.params:
        message = M_DUPLICATE_COLUMN
    elif not problem.params:
        message = M_UNKNOWN_COLUMN
    params = {**problem.params, "row": problem.row, "column": problem.column}
    return Problem(ProblemKind.MALFORMED, f"dòng {problem.row}", message, params)


def read(data: bytes | str) -> ReadResult:
    """The questions of the first sheet that has the "Loại câu" and "Câu hỏi" columns."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    result = ReadResult()
    with tempfile.TemporaryDirectory(prefix="hocso-questions-") as folder:
        path = Path(folder) / "questions"
        path.write_bytes(data)
        try:
            table = read_table(path, SPEC)
            result.problems += [_header_problem(p) for p in table.problems]
            for number, cells in table.rows:
                row = _Row(number, cells, table.index, table.headers)
                if all(row.blank(key) for key in table.index):
                    continue  # only a row number (STT) in an otherwise empty row
                item = _read_row(row)
                result.problems += row.problems
                if item is not None:
                    result.items.append(item)
        except ImportFileError as exc:
            result.problems.append(Problem(ProblemKind.MALFORMED, "", exc.message, exc.params))
    return result


# --- writing -----------------------------------------------------------------------------------


def _texts(item: ItemData) -> list[str]:
    """Every text of the item that goes into a cell."""
    texts = [item.stem, item.name, item.identifier, item.general_feedback, item.rubric]
    texts += [*item.category, *item.tags.keys(), *item.tags.values()]
    texts += [t for c in item.choices for t in (c.text, c.feedback)]
    texts += [t for s in item.statements for t in (s.text, s.feedback)]
    texts += [t for a in item.text_answers for t in (a.text, a.feedback)]
    texts += [a.feedback for a in item.numeric_answers]
    texts += [t for p in item.pairs for t in (p.left, p.right)]
    texts += [*item.order, item.feedback_true, item.feedback_false]
    return texts


def _numbers(item: ItemData) -> list[Decimal]:
    numbers = [item.points, *(c.fraction for c in item.choices)]
    numbers += [a.fraction for a in item.text_answers]
    numbers += [n for a in item.numeric_answers for n in (a.value, a.tolerance, a.fraction)]
    return numbers


def _shape_problem(item: ItemData) -> str | None:
    kind = item.type
    parts = {
        ItemType.SINGLE_CHOICE: [c.text for c in item.choices],
        ItemType.MULTIPLE_RESPONSE: [c.text for c in item.choices],
        ItemType.TRUE_FALSE_4: [s.text for s in item.statements],
        ItemType.SHORT_TEXT: [a.text for a in item.text_answers],
        ItemType.SHORT_NUMERIC: ["0"] * len(item.numeric_answers),
        ItemType.MATCHING: [p.right for p in item.pairs],
        ItemType.ORDERING: item.order,
    }.get(kind, [])
    if len(parts) > len(LETTERS):
        return W_TOO_MANY
    if any(not part.strip(_WS) for part in parts):
        return W_EMPTY_TEXT
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        if not any(c.fraction > 0 for c in item.choices):
            return W_NO_ANSWER
    elif kind == ItemType.TRUE_FALSE and item.correct is None:
        return W_TRUE_FALSE_UNSET
    elif kind == ItemType.TRUE_FALSE_4 and len(item.statements) != 4:
        return W_TF4_COUNT
    elif kind in (ItemType.SHORT_TEXT, ItemType.SHORT_NUMERIC) and not parts:
        return W_NO_ANSWER
    elif kind == ItemType.ORDERING and not parts:
        return W_EMPTY_TEXT
    split = [p.left for p in item.pairs]
    if kind == ItemType.SHORT_TEXT:
        split = [a.text for a in item.text_answers][:-1]
    if any(_ends_in_math(text) for text in split):
        return W_OPEN_MATH
    return None


def unsupported_for_write(item: ItemData) -> str | None:
    """Why `write` cannot put this item in a spreadsheet so that it reads back the same (a
    translatable sentence), or None."""
    if item.files:
        return W_FILES
    if not all(number.is_finite() for number in _numbers(item)):
        return W_NUMBER
    if any(len(_cell_string(text)) > EXCEL_CELL_LIMIT for text in _texts(item)):
        return W_TOO_LONG
    for part in item.category:
        if not part or part != clean_text(part) or part.startswith("/") or part.endswith("/"):
            return W_CATEGORY
    for name, value in item.tags.items():
        if name == "level":
            if value and value not in set(CognitiveLevel):
                return W_LEVEL
        elif name not in KNOWN_TAG_COLUMNS and (
            not name or name != name.strip(_WS) or "=" in name or "\n" in name
            or "\n" in value or "\r" in value or value != value.strip(_WS)
        ):  # fmt: skip
            return W_TAG
    return _shape_problem(item)


def _choice_answer(item: ItemData) -> str:
    letters = list(LETTERS)
    right = [c for c in item.choices if c.fraction > 0]
    entries = []
    if item.type == ItemType.SINGLE_CHOICE:
        bare_done = False
        for letter, choice in zip(letters, item.choices, strict=False):
            if choice.fraction == 1 and not bare_done:
                entries.append(letter)
                bare_done = True
            elif choice.fraction:
                entries.append(f"{letter} {_percent(choice.fraction)}")
    else:
        share = _share(len(right))
        equal = all(c.fraction == share for c in right)
        for letter, choice in zip(letters, item.choices, strict=False):
            if equal and choice.fraction > 0:
                entries.append(letter)
            elif choice.fraction:
                entries.append(f"{letter} {_percent(choice.fraction)}")
    return ", ".join(entries)


def _short_answer(text: str, fraction: Decimal) -> str:
    if fraction != 1 or _PERCENT_SUFFIX.search(text):
        return f"{text} {_percent(fraction)}"
    return text


def _numeric_answer(answer: NumericAnswer) -> str:
    text = _plain(answer.value)
    if answer.tolerance:
        text += f" ± {_plain(answer.tolerance)}"
    if answer.fraction != 1:
        text += f" {_percent(answer.fraction)}"
    return text


def _row_values(item: ItemData) -> dict[str, object]:
    """Column key → cell value (text, or a number) of one item."""
    values: dict[str, object] = {
        "type": TYPE_LABELS[item.type],
        "identifier": item.identifier,
        "name": item.name,
        "stem": item.stem,
        "feedback": item.general_feedback,
        "rubric": item.rubric,
        "category": "/".join(part.replace("/", "//") for part in item.category),
    }
    if item.points != 1:
        values["points"] = _number_cell(item.points)
    options: list[str] = []
    feedback: list[str] = []
    kind = item.type
    if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        options = [c.text for c in item.choices]
        feedback = [c.feedback for c in item.choices]
        values["answer"] = _choice_answer(item)
        values["pinned"] = ",".join(
            letter for letter, c in zip(LETTERS, item.choices, strict=False) if c.pinned
        )
    elif kind == ItemType.TRUE_FALSE:
        values["answer"] = "Đúng" if item.correct else "Sai"
        feedback = [item.feedback_true, item.feedback_false]
    elif kind == ItemType.TRUE_FALSE_4:
        options = [s.text for s in item.statements]
        feedback = [s.feedback for s in item.statements]
        values["answer"] = ",".join("Đ" if s.is_true else "S" for s in item.statements)
    elif kind == ItemType.SHORT_TEXT:
        values["answer"] = " | ".join(
            _short_answer(_escape_bars(a.text), a.fraction) for a in item.text_answers
        )
        feedback = [a.feedback for a in item.text_answers]
        values["case_sensitive"] = "Có" if item.case_sensitive else ""
    elif kind == ItemType.SHORT_NUMERIC:
        values["answer"] = " | ".join(_numeric_answer(a) for a in item.numeric_answers)
        feedback = [a.feedback for a in item.numeric_answers]
    elif kind == ItemType.MATCHING:
        options = [f"{_escape_bars(p.left)} | {_escape_bars(p.right)}".strip(" ")
                   for p in item.pairs]  # fmt: skip
    elif kind == ItemType.ORDERING:
        options = list(item.order)
    values.update(zip(_OPTION_KEYS, options, strict=False))
    values.update(zip(_FEEDBACK_KEYS, feedback, strict=False))
    other = []
    for name, value in item.tags.items():
        if name == "level":
            values["level"] = LEVEL_LABELS.get(value, value) if value else ""
        elif name == "grade" and value.isascii() and value.isdigit() and str(int(value)) == value:
            values["grade"] = int(value)
        elif name in KNOWN_TAG_COLUMNS:
            values[name] = value
        else:
            other.append(f"{name}={value}")
    values["other_tags"] = "\n".join(other)
    return {key: value for key, value in values.items() if value not in ("", None)}


def _number_cell(number: Decimal) -> float | int | str:
    """A number Excel holds exactly as itself, else text ("0,1234567890123456789")."""
    if number == number.to_integral_value() and abs(number) < 10**15:
        return int(number)
    as_float = float(number)
    if _decimal_of_float(as_float) == number:
        return as_float
    return _plain(number)


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(sheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _cell_string(value)
        cell.data_type = "s"  # "#N/A" is text here, not an error value
    else:
        cell.value = value
    return cell


def _write_table(sheet, columns: list[_Col], rows: list[dict], first_row: int = 1) -> None:
    for position, col in enumerate(columns, 1):
        cell = _put(sheet, first_row, position, col.column.header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
    for offset, values in enumerate(rows, 1):
        for position, col in enumerate(columns, 1):
            value = values.get(col.column.key)
            if value is not None:
                _put(sheet, first_row + offset, position, value)


def _data_sheet(sheet, columns: list[_Col], rows: list[dict]) -> None:
    sheet.title = DATA_SHEET
    _write_table(sheet, columns, rows)
    sheet.freeze_panes = "A2"
    for position, col in enumerate(columns, 1):
        letter = get_column_letter(position)
        dimension = sheet.column_dimensions[letter]
        dimension.width = col.column.width
        if col.number_format:
            dimension.number_format = col.number_format
    keys = [col.column.key for col in columns]
    for key, labels, title in (
        ("type", TYPE_LABELS.values(), "Loại câu"),
        ("level", LEVEL_LABELS.values(), "Mức độ"),
    ):
        letter = get_column_letter(keys.index(key) + 1)
        # A warning, not a stop: the codes (single_choice, biet…) are accepted too.
        validation = DataValidation(
            type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
            showErrorMessage=True, errorStyle="warning", errorTitle=title,
            error="Giá trị không có trong danh sách; xem trang «Hướng dẫn».",
        )  # fmt: skip
        validation.add(f"{letter}2:{letter}1048576")
        sheet.add_data_validation(validation)


def _columns_for(rows: list[dict]) -> list[_Col]:
    used = {key for values in rows for key in values}
    # Feedback columns come as a run from "Phản hồi A", so positions line up with A, B, C…
    last = max((n for n, key in enumerate(_FEEDBACK_KEYS) if key in used), default=-1)
    used.update(_FEEDBACK_KEYS[: last + 1])
    return [c for c in _COLUMNS if not c.optional or c.column.key in used]


def write(items: Sequence[ItemData]) -> bytes:
    """The items as an .xlsx workbook: the sheet "Câu hỏi" and the sheet "Hướng dẫn". Raises
    ValueError for an item that `unsupported_for_write` names: the exporter reports those."""
    rows = []
    for position, item in enumerate(items, 1):
        reason = unsupported_for_write(item)
        if reason is not None:
            label = item.name or item.identifier or f"#{position}"
            raise ValueError(f"{label}: {reason}")
        rows.append(_row_values(item))
    return _workbook(rows)


def template() -> bytes:
    """The empty workbook a teacher fills: headers, drop-downs, and the "Hướng dẫn" sheet."""
    return _workbook([])


def _workbook(rows: list[dict]) -> bytes:
    book = Workbook()
    _data_sheet(book.active, _columns_for(rows), rows)
    _guide_sheet(book.create_sheet(GUIDE_SHEET))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the "Hướng dẫn" sheet -------------------------------------------------------------------

_COLUMN_HELP: dict[str, str] = {
    "type": "Bắt buộc. Chọn trong danh sách: "
    + ", ".join(TYPE_LABELS.values())
    + ". Cũng nhận mã tiếng Anh (single_choice, true_false_4…).",
    "identifier": "Mã riêng của câu hỏi (không bắt buộc). Nhập lại tệp có cùng mã sẽ cập nhật "
    "câu hỏi đó thay vì tạo câu mới.",
    "name": "Tên ngắn để tìm câu hỏi (không bắt buộc).",
    "stem": "Bắt buộc. Nội dung câu hỏi. Công thức viết bằng LaTeX giữa \\( và \\), "
    "ví dụ \\(x^2 + 1\\); công thức riêng dòng giữa \\[ và \\].",
    "A": "Các cột A đến H: phương án (trắc nghiệm), ý a) b) c) d) (Đúng-Sai 4 ý, đúng 4 ý ở "
    "A–D), cặp «vế trái | vế phải» (ghép đôi; «| vế phải» là phương án nhiễu), các mục theo "
    "thứ tự đúng (sắp xếp). Điền liên tục từ cột A.",
    "answer": "Trắc nghiệm: chữ cái của phương án đúng, ví dụ B hoặc A,C; tỉ lệ điểm khác "
    "mặc định ghi trong ngoặc: A (70%), C (30%), D (-50%). Đúng-Sai: Đúng hoặc Sai. Đúng-Sai "
    "4 ý: Đ,S,Đ,Đ hoặc a) Đ; b) S; c) Đ; d) Đ. Trả lời ngắn (số): 3,5 hoặc 3,5 ± 0,1. Trả "
    "lời ngắn (chữ): các cách viết được chấp nhận, cách nhau bởi dấu |, ví dụ Hà Nội | Ha Noi. "
    "Đáp án được một phần điểm: thêm (50%) sau đáp án. Ghép đôi, sắp xếp, tự luận: để trống.",
    "points": "Điểm của câu (mặc định 1), ví dụ 0,25.",
    "subject": "Mã môn (TOAN, NV, VL, HH, SH…) hoặc tên môn (Toán, Ngữ văn…).",
    "grade": "Khối lớp, từ 1 đến 12.",
    "topic": "Mã chủ đề trong chương trình của môn và khối (không bắt buộc).",
    "level": "Chọn trong danh sách: " + ", ".join(LEVEL_LABELS.values()) + ".",
    "source": "Nguồn của câu hỏi, ví dụ Đề minh hoạ 2025.",
    "feedback": "Lời giải, giải thích hiện cho học sinh sau khi làm bài.",
    "rubric": "Hướng dẫn chấm (câu tự luận).",
    "category": "Danh mục trong ngân hàng, các cấp cách nhau bởi /, ví dụ Toán 12/Hàm số.",
    "feedback_A": "Có thể thêm các cột Phản hồi A đến Phản hồi H: phản hồi riêng cho phương án, "
    "ý hoặc đáp án ở vị trí đó (Đúng-Sai: A khi chọn Đúng, B khi chọn Sai).",
    "pinned": "Có thể thêm: chữ cái các phương án giữ nguyên vị trí khi trộn đề, ví dụ D "
    "(«Cả ba phương án trên»).",
    "case_sensitive": "Có thể thêm: Có nếu câu trả lời ngắn (chữ) phân biệt chữ hoa, chữ thường.",
    "other_tags": "Có thể thêm: các thẻ khác, mỗi dòng một thẻ dạng tên=giá trị.",
}

_TYPE_HELP: dict[ItemType, str] = {
    ItemType.SINGLE_CHOICE: "Một phương án đúng (Phần I đề thi 2025: 4 phương án A–D).",
    ItemType.MULTIPLE_RESPONSE: "Nhiều phương án đúng; ghi các chữ cái ở cột Đáp án.",
    ItemType.TRUE_FALSE: "Một mệnh đề ở cột Câu hỏi; Đáp án là Đúng hoặc Sai.",
    ItemType.TRUE_FALSE_4: "Phần II đề thi 2025: 4 ý a) b) c) d) ở cột A–D; chấm theo số ý "
    "đúng (1 ý 0,1; 2 ý 0,25; 3 ý 0,5; 4 ý 1 điểm).",
    ItemType.SHORT_NUMERIC: "Phần III đề thi 2025: đáp án là một số, có thể kèm sai số ± .",
    ItemType.SHORT_TEXT: "Đáp án là chữ; ghi mọi cách viết được chấp nhận, cách nhau bởi |.",
    ItemType.MATCHING: "Mỗi cột A–H là một cặp «vế trái | vế phải».",
    ItemType.ORDERING: "Các mục ở cột A–H theo thứ tự đúng; khi thi các mục được xáo trộn.",
    ItemType.ESSAY: "Học sinh viết bài; giáo viên chấm theo Hướng dẫn chấm.",
}

EXAMPLES: tuple[ItemData, ...] = (
    ItemData(
        type=ItemType.SINGLE_CHOICE, identifier="VD-01",
        stem="Giá trị của \\(\\sqrt{16}\\) bằng",
        choices=[Choice("2"), Choice("4", Decimal(1)), Choice("8"), Choice("16")],
        points=Decimal("0.25"), category=("Toán 9", "Căn bậc hai"),
        tags={"subject": "TOAN", "grade": "9", "level": CognitiveLevel.BIET.value},
    ),
    ItemData(
        type=ItemType.MULTIPLE_RESPONSE, identifier="VD-02",
        stem="Những số nào sau đây là số nguyên tố?",
        choices=[Choice("2", Decimal("0.5")), Choice("4"), Choice("5", Decimal("0.5")),
                 Choice("9")],
        tags={"subject": "TOAN", "grade": "6", "level": CognitiveLevel.HIEU.value},
    ),
    ItemData(
        type=ItemType.TRUE_FALSE, identifier="VD-03",
        stem="Ở áp suất 1 atm, nước sôi ở 100 °C.", correct=True,
        tags={"subject": "KHTN", "grade": "6", "level": CognitiveLevel.BIET.value},
    ),
    ItemData(
        type=ItemType.TRUE_FALSE_4, identifier="VD-04",
        stem="Cho hàm số \\(y = x^2 - 4x + 3\\).",
        statements=[
            Statement("Đồ thị hàm số cắt trục tung tại điểm \\((0; 3)\\).", True),
            Statement("Hàm số đồng biến trên khoảng \\((-\\infty; 2)\\).", False),
            Statement("Giá trị nhỏ nhất của hàm số bằng \\(-1\\).", True),
            Statement("Phương trình \\(y = 0\\) có hai nghiệm phân biệt.", True),
        ],
        general_feedback="\\(y = (x - 2)^2 - 1\\) nghịch biến trên \\((-\\infty; 2)\\).",
        tags={"subject": "TOAN", "grade": "10", "level": CognitiveLevel.HIEU.value,
              "source": "Theo cấu trúc đề thi tốt nghiệp THPT 2025"},
    ),
    ItemData(
        type=ItemType.SHORT_NUMERIC, identifier="VD-05",
        stem="Tính \\(\\sqrt{2}\\), làm tròn đến hàng phần trăm.",
        numeric_answers=[NumericAnswer(Decimal("1.41"), Decimal("0.01"))],
        points=Decimal("0.5"),
        tags={"subject": "TOAN", "grade": "12", "level": CognitiveLevel.VAN_DUNG.value},
    ),
    ItemData(
        type=ItemType.SHORT_TEXT, identifier="VD-06",
        stem="Thủ đô của nước Cộng hoà xã hội chủ nghĩa Việt Nam là thành phố nào?",
        text_answers=[TextAnswer("Hà Nội"), TextAnswer("Thành phố Hà Nội")],
        tags={"subject": "DL", "grade": "8", "level": CognitiveLevel.NHAN_BIET.value},
    ),
    ItemData(
        type=ItemType.MATCHING, identifier="VD-07",
        stem="Ghép mỗi chất với công thức hoá học của nó.",
        pairs=[Pair("Nước", "H₂O"), Pair("Muối ăn", "NaCl"), Pair("Khí cacbonic", "CO₂"),
               Pair("", "O₂")],
        tags={"subject": "KHTN", "grade": "8", "level": CognitiveLevel.THONG_HIEU.value},
    ),
    ItemData(
        type=ItemType.ORDERING, identifier="VD-08",
        stem="Sắp xếp các sự kiện sau theo thứ tự thời gian.",
        order=["Cách mạng tháng Tám thành công", "Chiến thắng Điện Biên Phủ",
               "Giải phóng miền Nam, thống nhất đất nước"],
        tags={"subject": "LS", "grade": "9", "level": CognitiveLevel.VAN_DUNG_4.value},
    ),
    ItemData(
        type=ItemType.ESSAY, identifier="VD-09",
        stem="Trình bày cảm nhận của em về hình tượng người lính trong bài thơ «Tây Tiến» "
        "của Quang Dũng.",
        points=Decimal(4),
        rubric="Mở bài: giới thiệu tác giả, tác phẩm (0,5 điểm). Thân bài: vẻ đẹp hào hoa, "
        "bi tráng của người lính (3 điểm). Kết bài: khẳng định giá trị (0,5 điểm).",
        tags={"subject": "NV", "grade": "12", "level": CognitiveLevel.VAN_DUNG_CAO.value},
    ),
)  # fmt: skip


def _guide_sheet(sheet) -> None:
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["C"].width = 100
    lines: list[tuple] = [
        ("HƯỚNG DẪN ĐIỀN NGÂN HÀNG CÂU HỎI",),
        ("Mỗi dòng của trang «Câu hỏi» là một câu hỏi. Không đổi tên dòng tiêu đề; có thể thêm "
         "cột STT. Dòng có lỗi được báo kèm số dòng và tên cột, các dòng khác vẫn được đọc.",),
        (),
        ("Cột", "Tên tiếng Anh", "Cách điền"),
    ]  # fmt: skip
    for col in _COLUMNS:
        key = col.column.key
        if key in _COLUMN_HELP:
            header = "A … H" if key == "A" else col.column.header
            header = "Phản hồi A … H" if key == "feedback_A" else header
            english = col.column.english
            lines.append((header, english, _COLUMN_HELP[key]))
    bold = {1, 4, len(lines) + 2}
    lines += [(), ("Loại câu", "Mã", "Cách dùng")]
    lines += [(TYPE_LABELS[kind], kind.value, _TYPE_HELP[kind]) for kind in TYPE_LABELS]
    for number, line in enumerate(lines, 1):
        for position, value in enumerate(line, 1):
            cell = _put(sheet, number, position, value)
            cell.alignment = _WRAP
            if number in bold:
                cell.font = _HEADER_FONT
    # The examples are a table with the real headers, so a row can be copied to «Câu hỏi»; it
    # starts below the rows the reader searches for a header, so it is never read as data.
    start = max(len(lines) + 2, HEADER_SCAN_ROWS + 2)
    title = _put(sheet, start, 1, "Ví dụ mỗi loại câu (có thể chép sang trang «Câu hỏi»):")
    title.font = _HEADER_FONT
    rows = [_row_values(item) for item in EXAMPLES]
    _write_table(sheet, _columns_for(rows), rows, first_row=start + 1)
