"""Exam papers as PDF: one per generated version (mã đề), and the answer key of all versions.

A4, the bundled DejaVu Sans (assessment/fonts, which has every Vietnamese letter; fpdf2 embeds
only the glyphs used). The paper follows the layout of Vietnamese exam papers: the Sở and the
school on the left of the header, the exam, subject, grade and time allowed on the right, the
version code in a box, "Họ và tên thí sinh … Số báo danh …", then each part with its
instructions and its questions numbered from 1, options A–D in 4, 2 or 1 columns as their length
allows, the statements a)–d) of a 2025 true/false item one per line, "--- HẾT ---" at the end
and "Trang x/y - Mã đề 101" at the foot of every page.

Item text is the sanitized HTML of the bank (questions/interchange.py): paragraphs, line breaks,
bold, images by file name, and LaTeX between \\( \\) (inline) or \\[ \\] (display), typeset by
matplotlib's mathtext into PNG images placed on the text's baseline (docs/decisions/0003).
An expression mathtext cannot read is printed as its LaTeX source rather than dropped.
"""

import html
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hocso.assessment.transcript_pdf import FONT, FONT_DIR

from .generation import (
    LETTERS,
    PaperQuestion,
    PaperVersion,
    matching_right_column,
    ordering_shown,
)
from .interchange import ItemType

PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN = 15
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_SIZE = 11  # pt
PT = 25.4 / 72  # mm per point
LEADING = 1.4  # mm between lines
IMAGE_DPI = 96  # pixels of an item image per inch when printed
MAX_IMAGE_HEIGHT = 70  # mm
MATH_DPI = 300

logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("matplotlib").setLevel(logging.WARNING)

_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def _t(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


# --- the header data --------------------------------------------------------------------------


@dataclass
class PaperHeader:
    department: str  # "SỞ GD&ĐT TRÀ VINH"
    school: str  # "TRƯỜNG THPT TRÀ CÚ", or "" for a province's exam
    title: str  # "ĐỀ THI TỐT NGHIỆP THPT 2025 — TOÁN"
    subject: str
    grade: int
    minutes: int
    parts: list[dict] = field(default_factory=list)  # {"code", "title", "instructions"}


# --- math -------------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def render_math(latex: str, size: float) -> tuple[bytes, float, float, float] | None:
    """(PNG, width, ascent, descent in mm) of a LaTeX expression set at `size` pt, or None when
    mathtext cannot read it."""
    # Imported on first use: matplotlib takes about a second to load, and only papers need it.
    # Only the mathtext parser is used: no pyplot, no figure, no backend to switch.
    from matplotlib import mathtext, rc_context
    from matplotlib.font_manager import FontProperties

    source = f"${latex.strip()}$"
    try:
        with rc_context({"mathtext.fontset": "dejavusans"}):
            # One parse straight to pixels (ink coverage 0–255) and the box in pixels: parsing
            # is nearly all the cost, so no figure and no second parse.
            raster = mathtext.MathTextParser("agg").parse(
                source, dpi=MATH_DPI, prop=FontProperties(size=size)
            )
    except (ValueError, RuntimeError):
        return None
    import numpy
    from PIL import Image

    coverage = numpy.asarray(raster.image, dtype=numpy.uint8)
    buffer = io.BytesIO()
    Image.fromarray(255 - coverage).save(buffer, format="PNG", optimize=True)
    px_height, px_width = coverage.shape
    mm = 25.4 / MATH_DPI
    depth = raster.depth * mm
    return buffer.getvalue(), px_width * mm, px_height * mm - depth, depth


# --- rich text to tokens ----------------------------------------------------------------------


@dataclass
class Token:
    kind: str  # "word", "space", "math", "display", "img", "br", "par"
    text: str = ""
    bold: bool = False


class _Tokenizer(HTMLParser):
    BLOCKS = {"p", "div", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []
        self.bold = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("b", "strong"):
            self.bold += 1
        elif tag == "br":
            self.tokens.append(Token("br"))
        elif tag == "img":
            self.tokens.append(Token("img", dict(attrs).get("src") or ""))
        elif tag in self.BLOCKS:
            self.tokens.append(Token("par"))
        elif tag in ("td", "th"):
            self.tokens.append(Token("space"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("b", "strong"):
            self.bold = max(0, self.bold - 1)
        elif tag in self.BLOCKS:
            self.tokens.append(Token("par"))

    def handle_data(self, data):
        position = 0
        for match in _MATH.finditer(data):
            self._text(data[position : match.start()])
            if match.group(1) is not None:
                self.tokens.append(Token("math", match.group(1)))
            else:
                self.tokens.append(Token("display", match.group(2)))
            position = match.end()
        self._text(data[position:])

    def _text(self, text):
        for piece in re.split(r"(\s+)", text):
            if not piece:
                continue
            if piece.isspace():
                self.tokens.append(Token("space"))
            else:
                self.tokens.append(Token("word", _t(piece), bool(self.bold)))


def tokens(fragment: str) -> list[Token]:
    """The item's HTML as tokens; text without tags is taken as it is."""
    parser = _Tokenizer()
    parser.feed(fragment or "")
    parser.close()
    found = parser.tokens
    while found and found[0].kind in ("space", "par", "br"):
        found.pop(0)
    while found and found[-1].kind in ("space", "par", "br"):
        found.pop()
    return found


def plain_text(fragment: str) -> str:
    """The fragment's text with math as its LaTeX source (for titles and the answer key)."""
    return html.unescape(re.sub(r"<[^>]*>", " ", fragment or "")).strip()


# --- layout -----------------------------------------------------------------------------------


@dataclass
class _Box:
    width: float
    ascent: float
    descent: float
    kind: str  # "text", "space", "image"
    text: str = ""
    bold: bool = False
    data: bytes = b""


class PaperPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(MARGIN, 12, MARGIN)
        self.set_auto_page_break(auto=True, margin=14)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_lang("vi")
        self.set_creator("hocso")

    def footer(self):
        self.set_y(-11)
        self.set_font(FONT, "", 8.5)
        self.cell(0, 5, _t(f"Trang {self.page_no()}/{{nb}} - {self.footer_text}"), align="C")

    # Text boxes ---------------------------------------------------------------------------

    def _word(self, text: str, bold: bool, size: float) -> _Box:
        self.set_font(FONT, "B" if bold else "", size)
        return _Box(self.get_string_width(text), size * 0.78 * PT, size * 0.24 * PT, "text",
                    text, bold)  # fmt: skip

    def _space(self, size: float) -> _Box:
        self.set_font(FONT, "", size)
        return _Box(self.get_string_width(" "), 0, 0, "space")

    def _math(self, latex: str, size: float, *, display: bool = False) -> list[_Box]:
        if display:
            # mathtext has no display style: ask for display-size fractions explicitly.
            latex = re.sub(r"\\frac(?![a-zA-Z])", r"\\dfrac", latex)
        rendered = render_math(latex, size * (1.1 if display else 1.0))
        if rendered is None:
            return [self._word(_t(latex), False, size)]
        png, width, ascent, descent = rendered
        return [_Box(width, ascent, descent, "image", data=png)]

    def _image(self, data: bytes | None, name: str, size: float, max_width: float) -> _Box:
        if not data:
            return self._word(_t(f"[hình {name}]"), False, size)
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as picture:
                px_w, px_h = picture.size
        except (OSError, ValueError):
            return self._word(_t(f"[hình {name}]"), False, size)
        width, height = px_w * 25.4 / IMAGE_DPI, px_h * 25.4 / IMAGE_DPI
        scale = min(
            1.0, max_width / width if width else 1, MAX_IMAGE_HEIGHT / height if height else 1
        )
        return _Box(width * scale, height * scale, 0, "image", data=data)

    def boxes(self, items: list[Token], files: dict[str, bytes], size: float, max_width: float):
        """Tokens as boxes; None marks a forced line break, ("block", box) a line of its own."""
        out: list = []
        for token in items:
            if token.kind == "word":
                out.append(self._word(token.text, token.bold, size))
            elif token.kind == "space":
                out.append(self._space(size))
            elif token.kind == "math":
                out.extend(self._math(token.text, size))
            elif token.kind == "display":
                out.append(("block", self._math(token.text, size, display=True)[0]))
            elif token.kind == "img":
                box = self._image(files.get(token.text), token.text, size, max_width)
                # A figure taller than two lines stands on its own line, centred.
                out.append(("block", box) if box.ascent > 2 * size * PT else box)
            else:
                out.append(None)
        return out

    def natural_width(self, boxes) -> float | None:
        """The width of the boxes on one line, or None if they cannot share one."""
        if any(b is None or isinstance(b, tuple) for b in boxes):
            return None
        return sum(b.width for b in boxes)

    # Drawing --------------------------------------------------------------------------------

    def _draw_line(
        self, line: list[_Box], x: float, *, size: float, min_height: float, ascent: float = 0
    ) -> None:
        """One line of boxes on a common baseline; `ascent` lowers the baseline to match the
        other columns of a row of options."""
        while line and line[-1].kind == "space":
            line.pop()
        ascent = max([b.ascent for b in line] + [size * 0.78 * PT, ascent])
        descent = max([b.descent for b in line] + [size * 0.24 * PT])
        height = max(ascent + descent + LEADING, min_height)
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
        baseline = self.get_y() + ascent + LEADING / 2
        for box in line:
            if box.kind == "text":
                self.set_font(FONT, "B" if box.bold else "", size)
                self.text(x, baseline, box.text)
            elif box.kind == "image":
                self.image(io.BytesIO(box.data), x=x, y=baseline - box.ascent, w=box.width,
                           h=box.ascent + box.descent)  # fmt: skip
            x += box.width
        self.set_y(self.get_y() + height)

    def flow(self, boxes, *, x0: float, x1: float, size: float = BODY_SIZE, indent: float = 0):
        """Set the boxes between x0 and x1 from the current y, breaking lines greedily; lines
        after the first start at x0 + indent (a hanging indent after "Câu 1." or "a)")."""
        line: list[_Box] = []
        x = x0
        width = 0.0
        for box in boxes:
            if box is None or isinstance(box, tuple):
                if line:
                    self._draw_line(line, x, size=size, min_height=0)
                    line, width, x = [], 0.0, x0 + indent
                if isinstance(box, tuple):
                    block = box[1]
                    centre = x0 + indent + (x1 - x0 - indent - block.width) / 2
                    self._draw_line([block], max(x0 + indent, centre), size=size, min_height=0)
                continue
            if box.kind == "space" and not line:
                continue
            if line and width + box.width > x1 - x:
                self._draw_line(line, x, size=size, min_height=0)
                line, width, x = [], 0.0, x0 + indent
                if box.kind == "space":
                    continue
            line.append(box)
            width += box.width
        if line:
            self._draw_line(line, x, size=size, min_height=0)


# --- the paper --------------------------------------------------------------------------------


def _header(pdf: PaperPDF, header: PaperHeader, code: str) -> None:
    left = 72
    right = CONTENT_WIDTH - left
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left, 5, _t(header.department.upper()), align="C",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    if header.school:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(left, 5, _t(header.school.upper()), align="C",
                       new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(left, 5, _t("(Đề thi có {nb} trang)"), align="C",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    after_left = pdf.get_y()
    pdf.set_xy(MARGIN + left, top)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(right, 5.5, _t(header.title.upper()), align="C",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(right, 5.5, _t(f"Môn: {header.subject} — Lớp {header.grade}"), align="C",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        right, 5, _t(f"Thời gian làm bài: {header.minutes} phút, không kể thời gian phát đề"),
        align="C", new_x=XPos.LEFT, new_y=YPos.NEXT,
    )  # fmt: skip
    pdf.set_y(max(after_left, pdf.get_y()) + 3)
    pdf.set_font(FONT, "", 10.5)
    y = pdf.get_y()
    pdf.cell(0, 6, _t("Họ và tên thí sinh: ......................................................"))
    pdf.set_xy(MARGIN, y + 7)
    pdf.cell(0, 6, _t("Số báo danh: ......................................"))
    box_width = 34
    pdf.set_xy(PAGE_WIDTH - MARGIN - box_width, y + 2)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(box_width, 9, _t(f"Mã đề {code}"), border=1, align="C")
    pdf.set_xy(MARGIN, y + 15)
    pdf.line(MARGIN, pdf.get_y(), PAGE_WIDTH - MARGIN, pdf.get_y())
    pdf.ln(3)


def _part_heading(pdf: PaperPDF, part: dict) -> None:
    if pdf.get_y() + 30 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(1.5)
    title = part.get("title") or f"PHẦN {part.get('code', '')}"
    instructions = part.get("instructions", "")
    boxes = [pdf._word(w, True, BODY_SIZE) for w in _t(title + ".").split()]
    spaced: list = []
    for box in boxes:
        spaced += [box, pdf._space(BODY_SIZE)]
    for word in _t(instructions).split():
        spaced += [pdf._word(word, False, BODY_SIZE), pdf._space(BODY_SIZE)]
    pdf.flow(spaced, x0=MARGIN, x1=PAGE_WIDTH - MARGIN)
    pdf.ln(1)


def option_columns(widths: list[float | None], available: float) -> int:
    """4 options to a row when the widest fits a quarter of the line, else 2 when it fits half,
    else 1; an option that cannot stay on one line (a figure, a displayed formula) takes 1."""
    if not widths or any(w is None for w in widths):
        return 1
    widest = max(widths)
    for columns in (4, 2):
        if len(widths) >= columns and widest <= available / columns - 3:
            return columns
    return 1


def _option_rows(pdf: PaperPDF, labelled: list[list], x0: float, x1: float) -> None:
    """Options (each a label box + content boxes) in 4, 2 or 1 columns by their length."""
    width = x1 - x0
    columns = option_columns([pdf.natural_width(option) for option in labelled], width)
    if columns == 1:
        for option in labelled:
            pdf.flow(option, x0=x0, x1=x1, indent=6)
        return
    column_width = width / columns
    for start in range(0, len(labelled), columns):
        row = labelled[start : start + columns]
        ascent = max(b.ascent for option in row for b in option)
        descent = max(b.descent for option in row for b in option)
        height = ascent + descent + LEADING
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        for index, option in enumerate(row):
            pdf.set_y(y)
            pdf._draw_line(list(option), x0 + index * column_width, size=BODY_SIZE,
                           min_height=height, ascent=ascent)  # fmt: skip
        pdf.set_y(y + height)


def _labelled(pdf: PaperPDF, label: str, fragment: str, files, max_width: float) -> list:
    content = pdf.boxes(tokens(fragment), files, BODY_SIZE, max_width)
    return [pdf._word(label, True, BODY_SIZE), pdf._space(BODY_SIZE), *content]


def _question(pdf: PaperPDF, question: PaperQuestion) -> None:
    data = question.data
    if pdf.get_y() + 22 > pdf.page_break_trigger:
        pdf.add_page()
    x0, x1 = MARGIN, PAGE_WIDTH - MARGIN
    inner = x0 + 6
    stem = _labelled(pdf, f"Câu {question.number}.", data.stem, data.files, x1 - inner)
    pdf.flow(stem, x0=x0, x1=x1, indent=0)
    if data.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        options = [
            _labelled(pdf, f"{LETTERS[i]}.", choice.text, data.files, x1 - inner)
            for i, choice in enumerate(data.choices)
        ]
        _option_rows(pdf, options, inner, x1)
    elif data.type == ItemType.TRUE_FALSE_4:
        for i, statement in enumerate(data.statements):
            pdf.flow(_labelled(pdf, f"{'abcd'[i] if i < 4 else i + 1})", statement.text,
                               data.files, x1 - inner),
                     x0=inner, x1=x1, indent=6)  # fmt: skip
    elif data.type == ItemType.MATCHING:
        prompts = [p.left for p in data.pairs if p.left]
        for n, left in enumerate(prompts, start=1):
            pdf.flow(_labelled(pdf, f"{n}.", left, data.files, x1 - inner), x0=inner, x1=x1,
                     indent=6)  # fmt: skip
        for i, right in enumerate(matching_right_column(data)):
            pdf.flow(_labelled(pdf, f"{LETTERS[i]}.", right, data.files, x1 - inner),
                     x0=inner, x1=x1, indent=6)  # fmt: skip
    elif data.type == ItemType.ORDERING:
        for n, text in enumerate(ordering_shown(data), start=1):
            pdf.flow(_labelled(pdf, f"({n})", text, data.files, x1 - inner), x0=inner, x1=x1,
                     indent=6)  # fmt: skip
    elif data.type == ItemType.ESSAY:
        pdf.ln(2)
    pdf.ln(1.2)


def render_paper(header: PaperHeader, version: PaperVersion, *, compress: bool = True) -> bytes:
    """The PDF of one exam version."""
    pdf = PaperPDF(f"Mã đề {version.code}")
    pdf.compress = compress
    pdf.set_title(_t(f"{header.title} — Mã đề {version.code}"))
    pdf.set_author(_t(header.school or header.department))
    pdf.add_page()
    _header(pdf, header, version.code)
    parts = {part.get("code"): part for part in header.parts}
    for code, questions in version.parts():
        _part_heading(pdf, parts.get(code, {"code": code}))
        for question in questions:
            _question(pdf, question)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, _t("--- HẾT ---"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.cell(0, 5, _t("Thí sinh không được sử dụng tài liệu. Cán bộ coi thi không giải thích gì thêm."),
             align="C")  # fmt: skip
    return bytes(pdf.output())


# --- the answer key ---------------------------------------------------------------------------


def _points_text(value) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return text.replace(".", ",")


def render_answer_key(
    header: PaperHeader, versions: list[PaperVersion], *, compress: bool = True
) -> bytes:
    """One PDF with the answers of every version: per version and part, a table of question
    numbers and answers (a list when answers are long)."""
    pdf = PaperPDF("Đáp án")
    pdf.compress = compress
    pdf.set_title(_t(f"Đáp án — {header.title}"))
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 5, _t(header.department.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if header.school:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 5, _t(header.school.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, _t("ĐÁP ÁN"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, _t(f"{header.title.upper()}\nMôn: {header.subject} — Lớp {header.grade}"),
                   align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    titles = {part.get("code"): part.get("title") or part.get("code") for part in header.parts}
    per_row = 10
    label_width = 22
    cell_width = (CONTENT_WIDTH - label_width) / per_row
    for version in versions:
        if pdf.get_y() + 40 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(4)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, _t(f"Mã đề {version.code}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for code, questions in version.parts():
            points = {q.points for q in questions}
            each = f" (mỗi câu {_points_text(points.pop())} điểm)" if len(points) == 1 else ""
            pdf.set_font(FONT, "B", 10)
            pdf.cell(0, 6, _t(f"{titles.get(code, code)}{each}"), new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)  # fmt: skip
            answers = [q.answer or "—" for q in questions]
            pdf.set_font(FONT, "", 10)
            if max((pdf.get_string_width(_t(a)) for a in answers), default=0) > cell_width - 2:
                for question in questions:
                    pdf.multi_cell(0, 5.5, _t(f"Câu {question.number}: {question.answer or '—'}"),
                                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
                continue
            for start in range(0, len(questions), per_row):
                chunk = questions[start : start + per_row]
                if pdf.get_y() + 13 > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.set_fill_color(235, 239, 245)
                pdf.set_font(FONT, "B", 9.5)
                pdf.cell(label_width, 6, _t("Câu"), border=1, fill=True)
                for question in chunk:
                    pdf.cell(cell_width, 6, str(question.number), border=1, align="C", fill=True)
                pdf.ln(6)
                pdf.set_font(FONT, "", 10)
                pdf.cell(label_width, 6, _t("Đáp án"), border=1)
                for question in chunk:
                    pdf.cell(cell_width, 6, _t(question.answer or "—"), border=1, align="C")
                pdf.ln(7)
    return bytes(pdf.output())
