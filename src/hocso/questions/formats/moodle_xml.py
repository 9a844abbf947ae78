"""Moodle XML (`<quiz>` of `<question type=…>`), read and written as interchange.py describes.

The shape follows Moodle's own importer and exporter (question/format/xml): every text is a
`<text>` child, trimmed as Moodle trims it; HTML is written in CDATA (a `]]>` inside is split
across two sections); images travel as `<file name=… path=… encoding="base64">` next to the text
that shows them, which refers to them as `@@PLUGINFILE@@/name`. hocso's HTML uses the bare file
name (`<img src="name">`, `ItemData.files["name"]`); a file in a sub-folder is named `sub/name`.

Parsing is defused: a DOCTYPE (hence any entity declaration — billion laughs, external
entities) is refused before anything is expanded (``defusedxml``, ``forbid_dtd=True``).

Mapping (Moodle → hocso, and back the same way):

- ``category`` pseudo-questions: ``$course$/top/A/B`` → ``category=("A", "B")`` for the questions
  that follow. The context (``$course$``, ``$system$``…) and the leading ``top`` are dropped; a
  ``/`` inside a name is ``//`` as in Moodle. Written as ``$course$/top/…`` whenever it changes.
- ``multichoice`` with ``<single>true</single>`` → SINGLE_CHOICE, otherwise MULTIPLE_RESPONSE.
  ``fraction`` is a percentage: ``33.33333`` is ``Decimal("0.3333333")`` and is written back as
  ``33.33333`` — the decimal text is moved two places, never rounded either way, so nothing
  drifts. (Moodle itself snaps a percentage outside its grade list to the nearest one on import.)
  ``shuffleanswers=false`` pins every option; a mix of pinned and free options (hocso's "all of
  the above" kept last) is written as ``shuffleanswers=false`` plus the tag
  ``hocso:pinned=<1-based positions>`` so Moodle keeps the pinned ones in place and hocso reads
  the mix back. ``answernumbering`` is presentation: read and ignored (hocso numbers options on
  its papers), written ``ABCD`` (``abc`` for the 2025 true/false item).
- ``truefalse`` → TRUE_FALSE: the answer ``true`` at 100 % means the stem is true;
  its feedback is ``feedback_true``, the other's ``feedback_false``.
- ``shortanswer`` → SHORT_TEXT, ``usecase`` → ``case_sensitive``. Variants are plain text as a
  student types them. Moodle's ``*`` is a wildcard: hocso matches exactly, so an unescaped ``*``
  is UNSUPPORTED, ``\\*`` reads as a literal ``*``, and a ``*`` is written back as ``\\*``.
- ``numerical`` → SHORT_NUMERIC, one answer per ``<answer>`` with its ``<tolerance>`` (absolute).
  Units and the catch-all answer ``*`` are UNSUPPORTED.
- ``matching`` → MATCHING. A ``<subquestion>`` with empty text is a distractor (empty ``left``).
  Moodle's right-hand side is plain text; it is HTML-escaped on reading and unescaped on writing.
- ``essay`` → ESSAY, ``graderinfo`` → ``rubric``. ``responseformat`` ``noinline`` or required
  attachments are UNSUPPORTED (an answer that is only a file); the other response settings
  (box size, word limits, template) are Moodle presentation, read and not kept.
- ``ordering`` (qtype_ordering, core since Moodle 4.4): the answers in file order are the right
  order, as Moodle's importer takes them. Showing only a subset (``selecttype`` RANDOM or
  CONTIGUOUS with a ``selectcount`` below the number of items) is UNSUPPORTED. Written with
  ``selecttype`` ALL and ``gradingtype`` ABSOLUTE_POSITION; hocso grades with its own rule.
- The 2025 true/false item of 4 statements (TRUE_FALSE_4) has no core Moodle type. It is written
  as a ``multichoice`` with ``<single>false</single>``, the statements as its four options in
  order (``abc`` numbering, not shuffled), true statements sharing +100 % and false ones sharing
  −100 %, and the tag ``hocso:type=true_false_4``. Moodle shows "tick the true statements" and
  accepts it; when all four statements are false a fifth option "Không có phát biểu nào đúng."
  carries the +100 % (Moodle needs a positive answer). Reading it back (with the tag) takes the
  statements from the first four options, true when their fraction is positive.
- Common fields: ``<name>`` → ``name`` (an empty name is written as the start of the stem,
  because Moodle requires one), ``<idnumber>`` → ``identifier``, ``questiontext`` → ``stem``,
  ``generalfeedback`` → ``general_feedback``, per-answer ``feedback``, ``defaultgrade`` →
  ``points``. ``<tags><tag>`` (and ``<coursetags>``) → ``tags`` by the ``key=value`` convention
  (a tag without ``=`` is a key with an empty value); the ``hocso:`` tags above are consumed.
- Read and not kept: ``penalty`` (a Moodle interactive-mode setting; written as Moodle's
  default), ``hidden``, hints, the combined correct/partially/incorrect feedback.
- Text formats: ``html`` as is; ``moodle_auto_format`` with line breaks as ``<br>``;
  ``plain_text`` escaped; ``markdown`` and ``wiki_like`` are UNSUPPORTED.
- ``description`` is a text block, not a question: UNSUPPORTED with that reason. Every other
  type (calculated*, ddwtos, gapselect, cloze/multianswer, randomsamatch, drag and drop…) is
  UNSUPPORTED naming the question; the rest of the file is still read.

Characters XML 1.0 cannot carry (control characters other than tab and line feed) are left out
when writing, and a carriage return comes back as a line feed, as any XML parser reads it.
"""

import base64
import binascii
import html
import re
from collections.abc import Sequence
from decimal import Context, Decimal, InvalidOperation
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

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


TAG_TYPE = "hocso:type"
TAG_PINNED = "hocso:pinned"
_RESERVED_TAGS = (TAG_TYPE, TAG_PINNED)
# The fifth option of an all-false TRUE_FALSE_4 item (see the module docstring).
NONE_TRUE_TEXT = "Không có phát biểu nào đúng."

# Exact decimal arithmetic for moving a percentage's decimal point; numbers are at most
# _MAX_NUMBER_TEXT characters long, far below this precision, so nothing is ever rounded.
_EXACT = Context(prec=200)
_MAX_NUMBER_TEXT = 60
_MAX_EXPONENT = 40
# 3 × 33.33333 % is 99.99999 %; the same slack as questions/validation.py allows.
_HUNDRED_PERCENT_SLACK = Decimal("0.01")

_CONTEXT_SEGMENT = re.compile(r"^\$[a-z]*\$$")
_CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]*)")
_FILE_ATTRIBUTE = re.compile(r"(\b(?:src|href)\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE | re.DOTALL)
_WILDCARD = re.compile(r"(?<!\\)\*")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class _ItemProblem(Exception):
    """Stops reading one question; becomes a Problem naming it."""

    def __init__(self, kind: ProblemKind, message: str, **params: object):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.params = {key: str(value) for key, value in params.items()}


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


class _LineTreeBuilder(TreeBuilder):
    """Records the line each element starts on, so problems can point into the file."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):  # type: ignore[override]
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def read(data: bytes | str) -> ReadResult:
    """Read a Moodle XML file: the supported questions as items, the rest as problems."""
    result = ReadResult()
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        line = error.position[0]
        result.problems.append(
            Problem(
                ProblemKind.MALFORMED,
                f"line {line}",
                gettext_noop("Tệp XML không đúng cú pháp: %(error)s."),
                {"error": str(error), "line": str(line)},
            )
        )
        return result
    except UnicodeError as error:  # a str with lone surrogates cannot even be handed to expat
        result.problems.append(
            Problem(
                ProblemKind.MALFORMED,
                "line 1",
                gettext_noop("Tệp không phải văn bản Unicode hợp lệ: %(error)s."),
                {"error": str(error)},
            )
        )
        return result
    except DefusedXmlException:
        line = _doctype_line(data)
        result.problems.append(
            Problem(
                ProblemKind.MALFORMED,
                f"line {line}",
                gettext_noop(
                    "Tệp XML có khai báo DOCTYPE hoặc thực thể; hocso không đọc các khai báo "
                    "này để giữ an toàn."
                ),
                {"line": str(line)},
            )
        )
        return result
    if root.tag != "quiz":
        result.problems.append(
            Problem(
                ProblemKind.MALFORMED,
                f"line {builder.lines.get(root, 1)}",
                gettext_noop("Tệp Moodle XML phải có phần tử gốc <quiz>, không phải <%(tag)s>."),
                {"tag": str(root.tag)},
            )
        )
        return result

    category: tuple[str, ...] = ()
    index = 0
    for element in root:
        if element.tag != "question":
            continue  # Moodle reads only <question> children of <quiz>
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            category = _read_category(element)
            continue
        index += 1
        name = _plain(element, "name")
        where = f"question {index}" + (f" (‘{name}’)" if name else "")
        where += f", line {builder.lines.get(element, 1)}"
        try:
            item = _read_question(element, qtype)
        except _ItemProblem as problem:
            result.problems.append(Problem(problem.kind, where, problem.message, problem.params))
            continue
        item.name = name
        item.category = category
        item.source = where
        result.items.append(item)
    return result


def _doctype_line(data: bytes | str) -> int:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    position = text.find("<!")
    return text.count("\n", 0, max(position, 0)) + 1


def _read_category(element: Element) -> tuple[str, ...]:
    path = _plain(element, "category")
    segments = [part.replace("//", "/").strip() for part in _CATEGORY_SEPARATOR.split(path)]
    if segments and _CONTEXT_SEGMENT.match(segments[0]):
        segments = segments[1:]
    if segments and segments[0] == "top":
        segments = segments[1:]
    return tuple(segment for segment in segments if segment)


def _read_question(element: Element, qtype: str) -> ItemData:
    if qtype == "description":
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop(
                "Mục “description” của Moodle là đoạn văn mô tả, không phải câu hỏi; "
                "hocso không nhập mục này."
            ),
        )
    reader = _READERS.get(qtype)
    if reader is None:
        if not qtype:
            raise _ItemProblem(
                ProblemKind.MALFORMED, gettext_noop("Câu hỏi thiếu thuộc tính type.")
            )
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop("Loại câu hỏi Moodle “%(qtype)s” chưa được hỗ trợ."),
            qtype=qtype,
        )
    files: dict[str, bytes] = {}
    text_format = _format_of(element.find("questiontext"), "html")
    item = ItemData(
        type=ItemType.ESSAY,  # replaced by the type reader
        stem=_rich(element.find("questiontext"), "html", files),
        identifier=(element.findtext("idnumber") or "").strip(),
        general_feedback=_rich(element.find("generalfeedback"), text_format, files),
        tags=_read_tags(element),
    )
    grade = element.findtext("defaultgrade")
    if grade is not None and grade.strip():
        item.points = _number(grade, "defaultgrade")
        if item.points < 0:
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Điểm mặc định %(value)s không được âm."),
                value=_decimal_text(item.points),
            )
    reader(element, item, text_format, files)
    item.files = files
    return item


def _read_multichoice(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    marker = item.tags.pop(TAG_TYPE, None)
    pinned_tag = item.tags.pop(TAG_PINNED, None)
    answers = [
        (
            _fraction(answer),
            _rich(answer, text_format, files),
            _feedback(answer, text_format, files),
        )
        for answer in element.findall("answer")
    ]
    answers = [answer for answer in answers if answer[1]]  # Moodle skips blank options
    if marker is not None:
        if marker != ItemType.TRUE_FALSE_4.value:
            raise _ItemProblem(
                ProblemKind.UNSUPPORTED,
                gettext_noop("Thẻ %(tag)s=%(value)s không được hỗ trợ."),
                tag=TAG_TYPE,
                value=marker,
            )
        _read_true_false_4(item, answers)
        return
    single = _flag(element.findtext("single"), default=True)
    shuffle = _flag(element.findtext("shuffleanswers"), default=False)
    item.type = ItemType.SINGLE_CHOICE if single else ItemType.MULTIPLE_RESPONSE
    pinned = _pinned_positions(pinned_tag, len(answers), shuffle)
    item.choices = [
        Choice(text=text, fraction=fraction, feedback=feedback, pinned=position in pinned)
        for position, (fraction, text, feedback) in enumerate(answers, start=1)
    ]
    if len(item.choices) < 2:
        raise _ItemProblem(ProblemKind.INVALID, gettext_noop("Câu hỏi cần ít nhất hai phương án."))
    for choice in item.choices:
        _check_fraction_range(choice.fraction)
    if single:
        if not any(choice.fraction == 1 for choice in item.choices):
            raise _ItemProblem(
                ProblemKind.INVALID, gettext_noop("Không có phương án nào đúng trọn điểm.")
            )
    else:
        total = sum((choice.fraction for choice in item.choices if choice.fraction > 0), Decimal(0))
        if abs(total - 1) > _HUNDRED_PERCENT_SLACK:
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Tổng tỉ lệ điểm các phương án đúng là %(total)s%%, phải là 100%%."),
                total=_decimal_text(total.scaleb(2, _EXACT)),
            )


def _pinned_positions(tag: str | None, count: int, shuffle: bool) -> set[int]:
    if tag is None:
        return set() if shuffle else set(range(1, count + 1))
    try:
        positions = {int(part) for part in tag.split(",") if part.strip()}
    except ValueError:
        positions = {0}
    if not all(1 <= position <= count for position in positions):
        raise _ItemProblem(
            ProblemKind.MALFORMED,
            gettext_noop("Thẻ %(tag)s=%(value)s không hợp lệ."),
            tag=TAG_PINNED,
            value=tag,
        )
    return positions


def _read_true_false_4(item: ItemData, answers: list[tuple[Decimal, str, str]]) -> None:
    item.type = ItemType.TRUE_FALSE_4
    if len(answers) == 5:
        fraction, text, _feedback_text = answers[4]
        if fraction != 1 or any(answer[0] > 0 for answer in answers[:4]):
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop(
                    "Phương án thứ năm của câu đúng/sai 4 phát biểu chỉ dùng khi cả bốn phát "
                    "biểu đều sai, và phải đúng trọn điểm."
                ),
            )
        answers = answers[:4]
    if len(answers) != 4:
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop("Câu đúng/sai 4 phát biểu cần đúng 4 phát biểu (tệp có %(count)s)."),
            count=len(answers),
        )
    item.statements = [
        Statement(text=text, is_true=fraction > 0, feedback=feedback)
        for fraction, text, feedback in answers
    ]


def _read_truefalse(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.TRUE_FALSE
    found: dict[str, Decimal] = {}
    for position, answer in enumerate(element.findall("answer")):
        label = _plain_of(answer).lower()
        if label not in ("true", "false"):
            label = "true" if position == 0 else "false"  # old exports: true first, as Moodle
        found[label] = _fraction(answer)
        feedback = _feedback(answer, text_format, files)
        if label == "true":
            item.feedback_true = feedback
        else:
            item.feedback_false = feedback
    if set(found) != {"true", "false"} or sorted(found.values()) != [0, 1]:
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop(
                "Câu đúng/sai cần hai đáp án “true” và “false”, một đáp án đúng trọn điểm và "
                "đáp án kia không có điểm."
            ),
        )
    item.correct = found["true"] == 1


def _read_shortanswer(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.SHORT_TEXT
    item.case_sensitive = _flag(element.findtext("usecase"), default=False)
    for answer in element.findall("answer"):
        text = _plain_of(answer)
        if not text:
            continue  # Moodle skips blank answers
        if _WILDCARD.search(text):
            raise _ItemProblem(
                ProblemKind.UNSUPPORTED,
                gettext_noop(
                    "Đáp án “%(answer)s” dùng ký tự đại diện * của Moodle; hocso chỉ so khớp "
                    "chính xác các đáp án."
                ),
                answer=text,
            )
        fraction = _fraction(answer)
        _check_fraction_range(fraction)
        item.text_answers.append(
            TextAnswer(
                text=text.replace("\\*", "*"),
                fraction=fraction,
                feedback=_feedback(answer, text_format, files),
            )
        )
    if not any(answer.fraction == 1 for answer in item.text_answers):
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop("Câu trả lời ngắn cần ít nhất một đáp án đúng trọn điểm."),
        )


def _read_numerical(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.SHORT_NUMERIC
    if element.find("units/unit") is not None:
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop("Câu hỏi số có đơn vị đo; hocso chưa hỗ trợ đơn vị."),
        )
    for answer in element.findall("answer"):
        text = _plain_of(answer)
        if not text:
            continue
        if text == "*":
            raise _ItemProblem(
                ProblemKind.UNSUPPORTED,
                gettext_noop("Đáp án số “*” (chấp nhận mọi số) chưa được hỗ trợ."),
            )
        tolerance_text = answer.findtext("tolerance")
        tolerance = _number(tolerance_text, "tolerance") if tolerance_text else Decimal(0)
        if tolerance < 0:
            raise _ItemProblem(
                ProblemKind.INVALID,
                gettext_noop("Sai số %(value)s không được âm."),
                value=_decimal_text(tolerance),
            )
        fraction = _fraction(answer)
        _check_fraction_range(fraction)
        item.numeric_answers.append(
            NumericAnswer(
                value=_number(text, "answer"),
                tolerance=tolerance,
                fraction=fraction,
                feedback=_feedback(answer, text_format, files),
            )
        )
    if not any(answer.fraction == 1 for answer in item.numeric_answers):
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop("Câu trả lời số cần ít nhất một đáp án đúng trọn điểm."),
        )


def _read_matching(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.MATCHING
    for subquestion in element.findall("subquestion"):
        left = _rich(subquestion, text_format, files)
        right = (subquestion.findtext("answer/text") or "").strip()
        if not right:
            if left:
                raise _ItemProblem(
                    ProblemKind.INVALID,
                    gettext_noop("Vế trái “%(left)s” chưa có vế phải tương ứng."),
                    left=left,
                )
            continue  # Moodle skips empty rows
        item.pairs.append(Pair(left=left, right=html.escape(right, quote=False)))
    if sum(1 for pair in item.pairs if pair.left) < 2:
        raise _ItemProblem(ProblemKind.INVALID, gettext_noop("Câu ghép đôi cần ít nhất hai cặp."))


def _read_essay(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.ESSAY
    response = (element.findtext("responseformat") or "editor").strip()
    required = (element.findtext("attachmentsrequired") or "0").strip()
    if response == "noinline" or required not in ("", "0"):
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop("Bài tự luận yêu cầu nộp tệp đính kèm; hocso chưa hỗ trợ."),
        )
    item.rubric = _rich(element.find("graderinfo"), text_format, files)


def _read_ordering(
    element: Element, item: ItemData, text_format: str, files: dict[str, bytes]
) -> None:
    item.type = ItemType.ORDERING
    item.order = [
        text for answer in element.findall("answer") if (text := _rich(answer, text_format, files))
    ]
    if len(item.order) < 2:
        raise _ItemProblem(ProblemKind.INVALID, gettext_noop("Câu sắp xếp cần ít nhất hai mục."))
    # Moodle's defaults when the elements are missing; "logical"/"studentsee" are the old names.
    select = element.findtext("selecttype", element.findtext("logical", "RANDOM")).strip().upper()
    count_text = element.findtext("selectcount", element.findtext("studentsee", "6")).strip()
    try:
        count = int(count_text)
    except ValueError:
        count = 0
    if select not in ("ALL", "EXACT") and 0 < count < len(item.order):
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop(
                "Câu sắp xếp chỉ hiển thị %(count)s trong %(total)s mục; hocso chưa hỗ trợ."
            ),
            count=count,
            total=len(item.order),
        )


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "matching": _read_matching,
    "match": _read_matching,
    "essay": _read_essay,
    "ordering": _read_ordering,
}


def _read_tags(element: Element) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in element.findall("tags/tag") + element.findall("coursetags/tag"):
        text = _plain_of(tag)
        if not text:
            continue
        key, _, value = text.partition("=")
        key, value = key.strip(), value.strip()
        if key in tags and tags[key] != value:
            raise _ItemProblem(
                ProblemKind.UNSUPPORTED,
                gettext_noop("Thẻ “%(key)s” có hai giá trị “%(first)s” và “%(second)s”."),
                key=key,
                first=tags[key],
                second=value,
            )
        tags[key] = value
    return tags


def _plain(element: Element, tag: str) -> str:
    child = element.find(tag)
    return _plain_of(child) if child is not None else ""


def _plain_of(element: Element) -> str:
    return (element.findtext("text") or "").strip()


def _format_of(element: Element | None, default: str) -> str:
    if element is None:
        return default
    return (element.get("format") or default).strip()


def _feedback(answer: Element, text_format: str, files: dict[str, bytes]) -> str:
    return _rich(answer.find("feedback"), text_format, files)


def _rich(element: Element | None, default_format: str, files: dict[str, bytes]) -> str:
    """The HTML of a `<… format=…><text>…</text><file …/></…>` element; its files go to `files`."""
    if element is None:
        return ""
    text = (element.findtext("text") or "").strip()
    text_format = _format_of(element, default_format)
    if text_format == "plain_text":
        text = html.escape(text, quote=False).replace("\n", "<br>\n")
    elif text_format == "moodle_auto_format":
        text = text.replace("\n", "<br>\n")
    elif text_format in ("markdown", "wiki_like"):
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop(
                "Định dạng văn bản “%(format)s” chưa được hỗ trợ (chỉ html, moodle_auto_format, "
                "plain_text)."
            ),
            format=text_format,
        )
    # Any other value: Moodle assumes html, and so does hocso.
    for file in element.findall("file"):
        _read_file(file, files)
    return _PLUGINFILE.sub(lambda match: html.escape(unquote(match.group(1))), text)


def _read_file(element: Element, files: dict[str, bytes]) -> None:
    name = (element.get("name") or "").strip()
    folder = (element.get("path") or "/").strip().strip("/")
    full_name = f"{folder}/{name}" if folder else name
    encoding = (element.get("encoding") or "base64").strip()
    if encoding != "base64":
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop("Tệp “%(file)s” dùng mã hoá “%(encoding)s”; chỉ hỗ trợ base64."),
            file=full_name,
            encoding=encoding,
        )
    try:
        content = base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _ItemProblem(
            ProblemKind.MALFORMED,
            gettext_noop("Tệp đính kèm “%(file)s” không phải dữ liệu base64 hợp lệ."),
            file=full_name,
        ) from None
    if not name:
        raise _ItemProblem(ProblemKind.MALFORMED, gettext_noop("Tệp đính kèm thiếu tên."))
    if files.get(full_name, content) != content:
        raise _ItemProblem(
            ProblemKind.UNSUPPORTED,
            gettext_noop("Câu hỏi có hai tệp khác nhau cùng tên “%(file)s”."),
            file=full_name,
        )
    files[full_name] = content


def _flag(text: str | None, *, default: bool) -> bool:
    """Moodle's reading of a yes/no element: "false", "0" and empty are no."""
    if text is None:
        return default
    return text.strip().lower() not in ("false", "0", "")


def _number(text: str | None, field: str) -> Decimal:
    raw = (text or "").strip()
    try:
        if len(raw) > _MAX_NUMBER_TEXT:
            raise InvalidOperation
        value = Decimal(raw)
        # Bounded exponents: "1e999999999" would otherwise be a billion digits of fixed-point text.
        if (
            not value.is_finite()
            or not -_MAX_EXPONENT <= value.as_tuple().exponent <= _MAX_EXPONENT
        ):
            raise InvalidOperation
        if value and value.adjusted() > _MAX_EXPONENT:
            raise InvalidOperation
    except InvalidOperation:
        raise _ItemProblem(
            ProblemKind.MALFORMED,
            gettext_noop("Giá trị “%(value)s” của %(field)s không phải là số."),
            value=raw[:_MAX_NUMBER_TEXT],
            field=field,
        ) from None
    return Decimal(_decimal_text(value))


def _fraction(answer: Element) -> Decimal:
    percent = _number(answer.get("fraction") or "0", "fraction")
    return Decimal(_decimal_text(percent.scaleb(-2, _EXACT)))


def _check_fraction_range(fraction: Decimal) -> None:
    if not -1 <= fraction <= 1:
        raise _ItemProblem(
            ProblemKind.INVALID,
            gettext_noop("Tỉ lệ điểm %(value)s%% nằm ngoài khoảng từ -100%% đến 100%%."),
            value=_decimal_text(fraction.scaleb(2, _EXACT)),
        )


def _decimal_text(value: Decimal) -> str:
    """Fixed-point text without trailing zeros: the exact value, never an exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def write(items: Sequence[ItemData]) -> bytes:
    """Write items as a Moodle XML file (UTF-8)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category: tuple[str, ...] = ()
    for item in items:
        if tuple(item.category) != category:
            category = tuple(item.category)
            parts = [part.strip().replace("/", "//") for part in category if part.strip()]
            path = "/".join(["$course$", "top", *parts])
            out += [
                '  <question type="category">',
                f"    <category>{_text(path)}</category>",
                '    <info format="html"><text></text></info>',
                "  </question>",
            ]
        out += _QuestionWriter(item).lines()
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")


_MOODLE_TYPES = {
    ItemType.SINGLE_CHOICE: "multichoice",
    ItemType.MULTIPLE_RESPONSE: "multichoice",
    ItemType.TRUE_FALSE_4: "multichoice",
    ItemType.TRUE_FALSE: "truefalse",
    ItemType.SHORT_TEXT: "shortanswer",
    ItemType.SHORT_NUMERIC: "numerical",
    ItemType.MATCHING: "matching",
    ItemType.ESSAY: "essay",
    ItemType.ORDERING: "ordering",
}


class _QuestionWriter:
    def __init__(self, item: ItemData):
        self.item = item
        self.unused_files = dict(item.files)
        self.out: list[str] = []

    def lines(self) -> list[str]:
        item = self.item
        extra_tags: dict[str, str] = {}
        body = self._body(extra_tags)
        name = item.name.strip() or _name_from(item.stem)
        general_feedback = self._rich("generalfeedback", item.general_feedback, "    ")
        # Last, so that it also carries the files no other text refers to.
        stem = self._rich("questiontext", item.stem, "    ", leftover=True)
        head = [
            f'  <question type="{_MOODLE_TYPES[item.type]}">',
            f"    <name>{_text(name)}</name>",
            *stem,
            *general_feedback,
            f"    <defaultgrade>{_decimal_text(item.points)}</defaultgrade>",
            f"    <penalty>{'1' if item.type == ItemType.TRUE_FALSE else '0.3333333'}</penalty>",
            "    <hidden>0</hidden>",
            f"    <idnumber>{_escape(item.identifier)}</idnumber>",
        ]
        tags = {k: v for k, v in item.tags.items() if k not in _RESERVED_TAGS} | extra_tags
        tail = []
        if tags:
            tail.append("    <tags>")
            for key, value in tags.items():
                tail.append(f"      <tag>{_text(f'{key}={value}' if value else key)}</tag>")
            tail.append("    </tags>")
        return [*head, *body, *tail, "  </question>"]

    def _body(self, extra_tags: dict[str, str]) -> list[str]:
        item = self.item
        out: list[str] = []
        if item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
            pinned = [n for n, choice in enumerate(item.choices, start=1) if choice.pinned]
            if pinned and len(pinned) < len(item.choices):
                extra_tags[TAG_PINNED] = ",".join(str(n) for n in pinned)
            shuffle = not pinned
            out += self._multichoice_options(item.type == ItemType.SINGLE_CHOICE, shuffle, "ABCD")
            for choice in item.choices:
                out += self._answer(choice.fraction, choice.text, choice.feedback)
        elif item.type == ItemType.TRUE_FALSE_4:
            extra_tags[TAG_TYPE] = ItemType.TRUE_FALSE_4.value
            out += self._multichoice_options(False, False, "abc")
            true_count = sum(1 for statement in item.statements if statement.is_true)
            false_count = len(item.statements) - true_count
            for statement in item.statements:
                if statement.is_true:
                    share = _percent_share(true_count)
                else:
                    share = -_percent_share(false_count)
                out += self._answer(share.scaleb(-2, _EXACT), statement.text, statement.feedback)
            if true_count == 0:
                out += self._answer(Decimal(1), NONE_TRUE_TEXT, "")
        elif item.type == ItemType.TRUE_FALSE:
            right = Decimal(1) if item.correct else Decimal(0)
            out += self._answer(right, "true", item.feedback_true, plain=True)
            out += self._answer(1 - right, "false", item.feedback_false, plain=True)
        elif item.type == ItemType.SHORT_TEXT:
            out.append(f"    <usecase>{1 if item.case_sensitive else 0}</usecase>")
            for answer in item.text_answers:
                text = answer.text.replace("*", "\\*")
                out += self._answer(answer.fraction, text, answer.feedback, plain=True)
        elif item.type == ItemType.SHORT_NUMERIC:
            for answer in item.numeric_answers:
                out += self._answer(
                    answer.fraction,
                    _decimal_text(answer.value),
                    answer.feedback,
                    plain=True,
                    extra=[f"      <tolerance>{_decimal_text(answer.tolerance)}</tolerance>"],
                )
            out += [
                "    <unitgradingtype>0</unitgradingtype>",
                "    <unitpenalty>0.1000000</unitpenalty>",
                "    <showunits>3</showunits>",
                "    <unitsleft>0</unitsleft>",
            ]
        elif item.type == ItemType.MATCHING:
            out.append("    <shuffleanswers>true</shuffleanswers>")
            out += self._combined_feedback()
            for pair in item.pairs:
                out += [
                    *self._rich("subquestion", pair.left, "    ", close=False),
                    f"      <answer>{_text(_match_answer_text(pair.right))}</answer>",
                    "    </subquestion>",
                ]
        elif item.type == ItemType.ESSAY:
            out += [
                "    <responseformat>editor</responseformat>",
                "    <responserequired>1</responserequired>",
                "    <responsefieldlines>15</responsefieldlines>",
                "    <minwordlimit></minwordlimit>",
                "    <maxwordlimit></maxwordlimit>",
                "    <attachments>0</attachments>",
                "    <attachmentsrequired>0</attachmentsrequired>",
                "    <maxbytes>0</maxbytes>",
                "    <filetypeslist></filetypeslist>",
                *self._rich("graderinfo", item.rubric, "    "),
                '    <responsetemplate format="html"><text></text></responsetemplate>',
            ]
        elif item.type == ItemType.ORDERING:
            out += [
                "    <layouttype>VERTICAL</layouttype>",
                "    <selecttype>ALL</selecttype>",
                f"    <selectcount>{len(item.order)}</selectcount>",
                "    <gradingtype>ABSOLUTE_POSITION</gradingtype>",
                "    <showgrading>SHOW</showgrading>",
                "    <numberingstyle>none</numberingstyle>",
                *self._combined_feedback(),
            ]
            for position, text in enumerate(item.order, start=1):
                out += self._answer(Decimal(position).scaleb(-2, _EXACT), text, "")
        return out

    def _multichoice_options(self, single: bool, shuffle: bool, numbering: str) -> list[str]:
        return [
            f"    <single>{'true' if single else 'false'}</single>",
            f"    <shuffleanswers>{'true' if shuffle else 'false'}</shuffleanswers>",
            f"    <answernumbering>{numbering}</answernumbering>",
            "    <showstandardinstruction>0</showstandardinstruction>",
            *self._combined_feedback(),
        ]

    @staticmethod
    def _combined_feedback() -> list[str]:
        return [
            f'    <{tag} format="html"><text></text></{tag}>'
            for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
        ] + ["    <shownumcorrect/>"]

    def _answer(
        self,
        fraction: Decimal,
        text: str,
        feedback: str,
        *,
        plain: bool = False,
        extra: Sequence[str] = (),
    ) -> list[str]:
        percent = _decimal_text(fraction.scaleb(2, _EXACT))
        if plain:
            opening = [f'    <answer fraction="{percent}" format="moodle_auto_format">']
            opening.append(f"      {_text(text)}")
        else:
            opening = self._rich("answer", text, "    ", close=False, fraction=percent)
        return [
            *opening,
            *self._rich("feedback", feedback, "      "),
            *extra,
            "    </answer>",
        ]

    def _rich(
        self,
        tag: str,
        text: str,
        indent: str,
        *,
        close: bool = True,
        leftover: bool = False,
        fraction: str | None = None,
    ) -> list[str]:
        """`<tag format="html"><text>…</text><file …/>…` with the files the text shows."""
        text, used = _export_references(text, self.item.files)
        for name in used:
            self.unused_files.pop(name, None)
        if leftover:
            # Files no text refers to still travel with the question (in its text area).
            used += list(self.unused_files)
        attributes = f' fraction="{fraction}"' if fraction is not None else ""
        lines = [f'{indent}<{tag}{attributes} format="html">', f"{indent}  {_text(text)}"]
        lines += [f"{indent}  {_file(name, self.item.files[name])}" for name in used]
        if close:
            lines.append(f"{indent}</{tag}>")
        return lines


def _export_references(text: str, files: dict[str, bytes]) -> tuple[str, list[str]]:
    used: list[str] = []

    def replace(match: re.Match) -> str:
        name = html.unescape(match.group(3))
        if name not in files:
            return match.group(0)
        if name not in used:
            used.append(name)
        reference = "@@PLUGINFILE@@/" + quote(name, safe="/")
        return f"{match.group(1)}{match.group(2)}{reference}{match.group(2)}"

    return _FILE_ATTRIBUTE.sub(replace, text), used


def _file(name: str, content: bytes) -> str:
    folder, _, base = name.rpartition("/")
    path = f"/{folder}/" if folder else "/"
    encoded = base64.b64encode(content).decode("ascii")
    return (
        f'<file name="{_escape(base, quote=True)}" path="{_escape(path, quote=True)}" '
        f'encoding="base64">{encoded}</file>'
    )


def _percent_share(count: int) -> Decimal:
    """100 % split in `count` equal shares, to Moodle's 5 decimals (33.33333)."""
    if count == 0:
        return Decimal(0)
    return (Decimal(100) / count).quantize(Decimal("0.00001"), context=_EXACT)


def _match_answer_text(right: str) -> str:
    """Moodle's matching answers are plain text: unescape hocso's HTML when it has no tags."""
    return right if _TAG_START.search(right) else html.unescape(right)


def _name_from(stem: str) -> str:
    """Moodle requires a name: the start of the stem's text, as Moodle's own importers do."""
    plain = html.unescape(re.sub(r"<[^>]*>", " ", stem))
    plain = " ".join(plain.split())
    return plain if len(plain) <= 60 else plain[:57].rstrip() + "…"


def _escape(text: str, *, quote: bool = False) -> str:
    return html.escape(_XML_INVALID.sub("", text), quote=quote)


def _text(value: str) -> str:
    """`<text>` with the value in CDATA when it needs escaping (split at any `]]>`)."""
    value = _XML_INVALID.sub("", value)
    if not any(char in value for char in "<>&"):
        return f"<text>{value}</text>"
    return "<text><![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]></text>"
