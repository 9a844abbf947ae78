"""The demo's learning-resource library: curriculum topics, ~60 resources, reviews, usage.

Everything goes through the library's services (resources/services.py), as a teacher, a school
admin and the Department's officer would: the resources are uploaded (PDF lessons made here with
fpdf2, PNG diagrams drawn with Pillow, the project's own SCORM 1.2 lesson and HTML5 simulation
zipped from `content/`, two web links), then reviewed. What the library holds afterwards:

- province-wide: most of the Department's resources and the best of the schools', approved by
  so.gddt; school-only: the rest of the published ones (approved by the school admin, or by the
  officer for a school admin's own uploads — nobody reviews their own);
- waiting for review (so.gddt's and the school admins' queues are not empty), one sent back with
  comments, one draft;
- coverage is partial on purpose (about 40% of the leaf topics of the province, a little less in
  THCS Lý Tự Trọng), so the coverage page has something to point at;
- views, downloads and completions over the last four months and a few ratings, so the usage page
  has data. The seed changes only those numbers; the catalogue itself is fixed.

The catalogue (titles, lesson texts, contributors, review outcomes) is content/library.toml.
The SCORM lesson and the simulation are source folders (content/scorm-phan-so, content/
sim-mach-dien) zipped in memory with fixed timestamps, so the same bytes (and the same blob)
come out every time.
"""

import io
import random
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db.models import Count, Max

from hocso.accounts.models import User
from hocso.curriculum.models import GradeSubject, Subject, Topic
from hocso.orgs.models import OrgUnit
from hocso.resources import services
from hocso.resources.access import resources_visible
from hocso.resources.coverage import coverage_total
from hocso.resources.models import (
    Resource,
    ResourceType,
    ReviewDecision,
    Sharing,
    UsageKind,
)
from hocso.resources.usage import usage_record

from .accounts import GUARDIAN, PEOPLE_SCHOOL, PROVINCE_OFFICER, SCHOOL_ADMINS, STUDENT, TEACHER
from .data.geography import SUCCESSOR_CODE
from .plan import AS_OF
from .questions import TOPICS as QUESTION_TOPICS
from .questions import topic_code

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SCORM_DIR = CONTENT_DIR / "scorm-phan-so"
SIM_DIR = CONTENT_DIR / "sim-mach-dien"
CATALOGUE_FILE = CONTENT_DIR / "library.toml"
# The transcripts' DejaVu subset has every Vietnamese letter but no math symbols: these fill in
# (content/fonts/README.md).
MATH_FONT = "DejaVuMath"
MATH_FONT_FILES = {"": "DejaVuSansMath.ttf", "B": "DejaVuSansMath-Bold.ttf"}
ZIP_TIME = (2025, 9, 1, 0, 0, 0)  # every member's timestamp: the same zip bytes every run
PDF_TIME = datetime(2025, 9, 1, tzinfo=UTC)
USAGE_MONTHS = 4
TRACU_ADMIN = "admin.thpt-tracu"
PHUONG1_ADMIN = "admin.th-phuong1"
LYTUTRONG_ADMIN = "admin.thcs-lytutrong"
REVIEW_CHANGES_COMMENT = (
    "Bài soạn tốt. Đề nghị bổ sung hình vẽ minh hoạ cho trường hợp cạnh – góc – cạnh và ghi rõ "
    "nguồn của các bài tập trước khi xuất bản."
)

# (subject code, grade) → [(topic code suffix, name)]: leaf topics of the GDPT 2018 programme's
# content strands (chapter names of the current textbooks), for the subjects and grades the
# demo library serves. Those the question demo already made are skipped (same codes).
TOPICS: dict[tuple[str, int], list[tuple[str, str]]] = {
    ("TOAN", 6): [
        ("TH", "Tập hợp các số tự nhiên"),
        ("HH", "Các hình phẳng trong thực tiễn"),
        ("STP", "Số thập phân"),
        ("TK", "Dữ liệu và xác suất thực nghiệm"),
    ],
    ("TOAN", 7): [
        ("SHT", "Số hữu tỉ"),
        ("SR", "Số thực"),
        ("GOC", "Góc và đường thẳng song song"),
        ("TG", "Tam giác bằng nhau"),
        ("TK", "Thu thập và biểu diễn dữ liệu"),
        ("BT", "Biểu thức đại số và đa thức một biến"),
    ],
    ("TOAN", 8): [
        ("DT", "Đa thức"),
        ("HDT", "Hằng đẳng thức đáng nhớ và ứng dụng"),
        ("TGD", "Tứ giác"),
        ("PTBN", "Phương trình bậc nhất và hàm số bậc nhất"),
        ("TALET", "Định lí Thalès"),
    ],
    ("NV", 6): [
        ("TT", "Truyện (truyền thuyết, cổ tích)"),
        ("THO", "Thơ lục bát"),
        ("KI", "Kí (hồi kí, du kí)"),
        ("VBNL", "Văn bản nghị luận"),
        ("VBTT", "Văn bản thông tin"),
    ],
    ("NV", 7): [
        ("TN", "Truyện ngắn"),
        ("THO", "Thơ bốn chữ, năm chữ"),
        ("TNNN", "Tục ngữ"),
        ("NL", "Nghị luận về một vấn đề đời sống"),
        ("TB", "Tuỳ bút, tản văn"),
    ],
    ("NV", 8): [
        ("TL", "Truyện lịch sử"),
        ("THO", "Thơ Đường luật"),
        ("HK", "Hài kịch"),
        ("NLXH", "Nghị luận xã hội"),
    ],
    ("NV", 9): [
        ("TTK", "Truyện truyền kì"),
        ("TKIEU", "Truyện thơ Nôm"),
        ("THO", "Thơ song thất lục bát"),
        ("BK", "Bi kịch"),
    ],
    ("KHTN", 6): [
        ("CT", "Mở đầu: các phép đo"),
        ("CHAT", "Chất quanh ta"),
        ("TB", "Tế bào – đơn vị cơ sở của sự sống"),
        ("DDS", "Đa dạng thế giới sống"),
        ("LUC", "Lực trong đời sống"),
        ("NL", "Năng lượng và cuộc sống"),
        ("TDBT", "Trái Đất và bầu trời"),
    ],
    ("KHTN", 7): [
        ("NT", "Nguyên tử. Nguyên tố hoá học"),
        ("BTH", "Sơ lược về bảng tuần hoàn các nguyên tố hoá học"),
        ("PT", "Phân tử. Liên kết hoá học"),
        ("TDC", "Tốc độ"),
        ("AS", "Âm thanh"),
        ("ANH", "Ánh sáng"),
    ],
    ("KHTN", 8): [
        ("NHIET", "Nhiệt"),
        ("CT", "Sinh học cơ thể người"),
    ],
    ("KHTN", 9): [
        ("NL", "Năng lượng cơ học"),
        ("AS", "Ánh sáng"),
        ("DIEN", "Điện"),
        ("KL", "Kim loại. Sự khác nhau cơ bản giữa phi kim và kim loại"),
        ("HC", "Hợp chất hữu cơ. Hydrocarbon và nguồn nhiên liệu"),
        ("DT", "Di truyền"),
    ],
    ("TV", 1): [
        ("AV", "Âm và chữ, vần"),
        ("TD", "Tập đọc"),
        ("TV", "Tập viết"),
        ("NN", "Nói và nghe"),
    ],
    ("TV", 2): [
        ("DOC", "Đọc: Em lớn lên từng ngày"),
        ("CT", "Chính tả"),
        ("LTVC", "Từ chỉ sự vật, hoạt động, đặc điểm"),
        ("VDV", "Viết đoạn văn ngắn"),
    ],
    ("TV", 3): [
        ("DOC", "Đọc hiểu truyện và thơ"),
        ("LTVC", "Biện pháp so sánh. Các kiểu câu"),
        ("VIET", "Viết đoạn văn nêu tình cảm, cảm xúc"),
        ("NN", "Kể chuyện"),
    ],
    ("TV", 4): [
        ("DOC", "Đọc hiểu văn bản văn học"),
        ("DT", "Danh từ, động từ, tính từ"),
        ("VMT", "Viết bài văn miêu tả con vật, cây cối"),
        ("THU", "Viết thư"),
    ],
    ("TV", 5): [
        ("DOC", "Đọc hiểu văn bản thông tin"),
        ("TDN", "Từ đồng nghĩa, từ trái nghĩa, từ đa nghĩa"),
        ("TN", "Viết bài văn tả người"),
        ("CG", "Câu ghép"),
    ],
}


# --- the catalogue ------------------------------------------------------------------------------

# Who uploads (contributor) and what happens to it (outcome).
BY_TEACHER, BY_TRACU, BY_PHUONG1, BY_DEPARTMENT = "teacher", "tracu", "phuong1", "department"
PROVINCE, SCHOOL, SUBMITTED, CHANGES, DRAFT = "province", "school", "submitted", "changes", "draft"


@dataclass(frozen=True)
class Spec:
    key: str  # external id suffix, stable
    type: str  # ResourceType value
    title: str
    subject: str | None
    grades: tuple[int, int] | None
    topics: tuple[str, ...]  # topic codes
    by: str
    outcome: str
    description: str = ""
    body: tuple[str, ...] = ()  # PDF: paragraphs ("## " heading, "- " bullet)
    drawing: str = ""  # PNG: the drawer's name
    url: str = ""
    licence: str = "CC-BY-4.0"
    authors: str = ""


def _catalogue() -> tuple[Spec, ...]:
    """The catalogue is data (content/library.toml): forty-odd short lessons read better as a
    document than as Python literals."""
    with CATALOGUE_FILE.open("rb") as handle:
        rows = tomllib.load(handle)["resource"]
    return tuple(
        Spec(
            key=row["key"],
            type=row["type"],
            title=row["title"],
            subject=row.get("subject"),
            grades=tuple(row["grades"]) if row.get("grades") else None,
            topics=tuple(row.get("topics", ())),
            by=row["by"],
            outcome=row["outcome"],
            description=row.get("description", ""),
            body=tuple(row.get("body", ())),
            drawing=row.get("drawing", ""),
            url=row.get("url", ""),
            licence=row.get("licence", "CC-BY-4.0"),
            authors=row.get("authors", ""),
        )  # fmt: skip
        for row in rows
    )


CATALOGUE: tuple[Spec, ...] = _catalogue()


# --- topics ---------------------------------------------------------------------------------------


def ensure_topics() -> int:
    """The demo library's topics (and the question demo's, when that has not run): those whose
    code exists are kept. Returns how many were created."""
    wanted = {**QUESTION_TOPICS, **TOPICS}
    grade_subjects = {
        (gs.subject.code, gs.grade): gs
        for gs in GradeSubject.objects.select_related("subject").filter(
            subject__code__in={code for code, _grade in wanted}
        )
    }
    existing = set(Topic.objects.values_list("grade_subject_id", "code"))
    last = dict(Topic.objects.values_list("grade_subject_id").annotate(n=Max("order")).order_by())
    rows = []
    for key, topics in wanted.items():
        gs = grade_subjects[key]
        order = last.get(gs.pk) or 0
        for suffix, name in topics:
            code = topic_code(*key, suffix)
            if (gs.pk, code) in existing:
                continue
            order += 1
            rows.append(Topic(grade_subject=gs, code=code, name=name, order=order))
    Topic.objects.bulk_create(rows)
    return len(rows)


# --- content: PDF lessons, PNG diagrams, packages ----------------------------------------------


@cache
def lesson_pdf(spec: Spec, *, subject_name: str) -> bytes:
    """A short A4 lesson in Vietnamese (the transcripts' bundled DejaVu font has the glyphs).
    Cached: the bytes depend on the spec alone, and the tests load the demo more than once."""
    from fpdf import FPDF

    from hocso.assessment.transcript_pdf import FONT, FONT_DIR

    pdf = FPDF(format="A4")
    pdf.set_creation_date(PDF_TIME)
    pdf.set_title(spec.title)
    pdf.set_author(spec.authors or "Kho học liệu số tỉnh Vĩnh Long (dữ liệu mẫu)")
    # One regular face (headings by size and colour): parsing and subsetting each embedded font
    # is most of the time a PDF takes, and the demo makes forty of them.
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    text = "".join((spec.title, spec.description, *spec.body))
    if any(ord(ch) not in _fonts()[False][2] for ch in text):
        pdf.add_font(MATH_FONT, "", CONTENT_DIR / "fonts" / MATH_FONT_FILES[""])
        pdf.set_fallback_fonts([MATH_FONT])
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_fill_color(11, 83, 148)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 7, "  KHO HỌC LIỆU SỐ – SỞ GIÁO DỤC VÀ ĐÀO TẠO VĨNH LONG (DỮ LIỆU MẪU)",
             fill=True, new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_text_color(29, 35, 48)
    pdf.ln(4)
    pdf.set_font(FONT, "", 17)
    pdf.multi_cell(0, 8, spec.title, new_x="LMARGIN", new_y="NEXT")
    grades = spec.grades or (None, None)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(85, 85, 85)
    pdf.multi_cell(0, 6, f"Môn {subject_name} – Lớp {grades[0]}. {spec.description}",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_text_color(29, 35, 48)
    pdf.ln(2)
    for paragraph in spec.body:
        if paragraph.startswith("## "):
            pdf.ln(2)
            pdf.set_font(FONT, "", 13)
            pdf.set_text_color(11, 83, 148)
            pdf.multi_cell(0, 7, paragraph[3:], new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(29, 35, 48)
        elif paragraph.startswith("- "):
            pdf.set_font(FONT, "", 11)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 6.2, "•  " + paragraph[2:], new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(FONT, "", 11)
            pdf.multi_cell(0, 6.2, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(120, 120, 120)
    author = spec.authors or "Giáo viên đóng góp"
    pdf.multi_cell(0, 5, f"Tác giả: {author}. Giấy phép: {spec.licence}. Tài liệu mẫu của hocso.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


@cache
def _fonts() -> dict[bool, tuple[Path, Path, frozenset[int]]]:
    """bold → (main font file, math font file, the code points the main font has)."""
    from fontTools.ttLib import TTFont

    from hocso.assessment.transcript_pdf import FONT_DIR

    out = {}
    for bold, main, math in (
        (False, "DejaVuSans.ttf", MATH_FONT_FILES[""]),
        (True, "DejaVuSans-Bold.ttf", MATH_FONT_FILES["B"]),
    ):
        covered = frozenset(TTFont(FONT_DIR / main).getBestCmap())
        out[bold] = (FONT_DIR / main, CONTENT_DIR / "fonts" / math, covered)
    return out


class _Canvas:
    """A small drawing surface for the diagrams: Pillow, the same fonts, a title band."""

    def __init__(self, title: str, size=(960, 600)):
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.width, self.height = size
        self.draw.rectangle((0, 0, size[0], 56), fill=(11, 83, 148))
        self.text((20, 12), title, 26, fill="white", bold=True)

    def text(self, xy, text, px=20, fill=(29, 35, 48), bold=False, anchor="la"):
        """Text in the main font, the characters it lacks in the math font (runs on one
        baseline). Anchors: "la" (left, top) and "mm" (centre)."""
        from PIL import ImageFont

        main_file, math_file, covered = _fonts()[bold]
        main = ImageFont.truetype(str(main_file), px)
        math = ImageFont.truetype(str(math_file), px)
        runs: list[tuple[str, object]] = []
        for ch in text:
            font = main if ord(ch) in covered or ch.isspace() else math
            if runs and runs[-1][1] is font:
                runs[-1] = (runs[-1][0] + ch, font)
            else:
                runs.append((ch, font))
        ascent, descent = main.getmetrics()
        x, y = xy
        if anchor == "mm":
            x -= sum(font.getlength(run) for run, font in runs) / 2
            baseline = y + (ascent - descent) / 2
        else:
            baseline = y + ascent
        for run, font in runs:
            self.draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
            x += font.getlength(run)

    def line(self, points, fill=(29, 35, 48), width=3):
        self.draw.line(points, fill=fill, width=width)

    def arrow(self, a, b, fill=(29, 35, 48), width=3):
        import math

        self.line([a, b], fill=fill, width=width)
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        head = [
            b,
            (b[0] - 16 * math.cos(angle - 0.4), b[1] - 16 * math.sin(angle - 0.4)),
            (b[0] - 16 * math.cos(angle + 0.4), b[1] - 16 * math.sin(angle + 0.4)),
        ]
        self.draw.polygon(head, fill=fill)

    def box(self, xy, label, fill=(232, 241, 251), px=20):
        self.draw.rounded_rectangle(xy, radius=10, fill=fill, outline=(11, 83, 148), width=3)
        cx, cy = (xy[0] + xy[2]) / 2, (xy[1] + xy[3]) / 2
        self.text((cx, cy), label, px, anchor="mm")

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG")
        return out.getvalue()


def _draw_number_line(c: _Canvas) -> None:
    y, x0, step = 320, 60, 70
    c.arrow((30, y), (930, y))
    for i, n in enumerate(range(-6, 7)):
        x = x0 + i * step
        c.line([(x, y - 12), (x, y + 12)])
        colour = (183, 28, 28) if n < 0 else (27, 94, 32) if n > 0 else (29, 35, 48)
        c.text((x, y + 40), str(n).replace("-", "−"), 24, fill=colour, anchor="mm")
    c.text((x0 + 6 * step, y - 60), "0: gốc", 20, anchor="mm")
    c.text((x0 + 2 * step, 420), "Số nguyên âm", 22, fill=(183, 28, 28), anchor="mm")
    c.text((x0 + 10 * step, 420), "Số nguyên dương", 22, fill=(27, 94, 32), anchor="mm")
    c.text((480, 520), "Hai số đối nhau (ví dụ −3 và 3) cách đều gốc 0", 22, anchor="mm")


def _draw_parallel_lines(c: _Canvas) -> None:
    c.line([(80, 220), (880, 220)], width=4)
    c.line([(80, 420), (880, 420)], width=4)
    c.text((890, 205), "a", 26)
    c.text((890, 405), "b", 26)
    c.line([(300, 560), (660, 90)], fill=(183, 28, 28), width=4)
    c.text((670, 80), "c", 26, fill=(183, 28, 28))
    c.text((560, 180), "A₁", 22)
    c.text((390, 440), "B₁", 22)
    c.text((420, 180), "góc so le trong: Â₄ = B̂₂", 20)
    c.text((80, 500), "a ∥ b ⇒ các góc so le trong bằng nhau, các góc đồng vị bằng nhau,", 20)
    c.text((80, 530), "hai góc trong cùng phía bù nhau.", 20)


def _draw_bar_chart(c: _Canvas) -> None:
    counts = [1, 2, 4, 7, 9, 6, 3]  # marks 4..10
    base, left, width = 520, 120, 100
    c.line([(left - 20, base), (900, base)])
    c.line([(left - 20, base), (left - 20, 90)])
    for i, n in enumerate(counts):
        x = left + i * (width + 10)
        c.draw.rectangle((x, base - n * 40, x + width, base), fill=(240, 163, 10), outline="black")
        c.text((x + width / 2, base - n * 40 - 18), str(n), 20, anchor="mm")
        c.text((x + width / 2, base + 24), f"{i + 4} điểm", 18, anchor="mm")
    c.text((30, 80), "Số học sinh", 18)


def _draw_thales(c: _Canvas) -> None:
    a, b, cc = (480, 90), (140, 540), (840, 540)
    c.draw.polygon([a, b, cc], outline=(29, 35, 48), width=4)
    m = (a[0] + (b[0] - a[0]) * 0.4, a[1] + (b[1] - a[1]) * 0.4)
    n = (a[0] + (cc[0] - a[0]) * 0.4, a[1] + (cc[1] - a[1]) * 0.4)
    c.line([m, n], fill=(183, 28, 28), width=4)
    for label, p, dx in (("A", a, 0), ("B", b, -30), ("C", cc, 20), ("M", m, -36), ("N", n, 16)):
        c.text((p[0] + dx, p[1] - 28 if label == "A" else p[1]), label, 24, bold=True)
    c.text((560, 300), "MN ∥ BC ⇒ AM/AB = AN/AC", 24, fill=(183, 28, 28))


def _draw_right_triangle(c: _Canvas) -> None:
    a, b, cc = (150, 520), (750, 520), (750, 150)
    c.draw.polygon([a, b, cc], outline=(29, 35, 48), width=4)
    c.draw.rectangle((720, 490, 750, 520), outline=(29, 35, 48), width=3)
    c.draw.arc((100, 470, 200, 570), start=-32, end=0, fill=(183, 28, 28), width=4)
    c.text((215, 480), "α", 26, fill=(183, 28, 28))
    c.text((430, 540), "cạnh kề", 22)
    c.text((770, 320), "cạnh đối", 22)
    c.text((330, 290), "cạnh huyền", 22)
    c.text((90, 80), "sin α = đối/huyền   cos α = kề/huyền   tan α = đối/kề   cot α = kề/đối", 21)


def _draw_cells(c: _Canvas) -> None:
    c.draw.rectangle((70, 110, 440, 470), outline=(27, 94, 32), width=8)
    c.draw.rectangle((86, 126, 424, 454), outline=(102, 187, 106), width=3)
    c.draw.ellipse((300, 160, 390, 250), fill=(179, 157, 219), outline="black", width=2)
    for x, y in ((130, 330), (200, 390), (330, 380)):
        c.draw.ellipse((x, y, x + 50, y + 28), fill=(76, 175, 80))
    c.draw.rounded_rectangle((150, 200, 280, 320), radius=30, fill=(187, 222, 251))
    c.text((255, 500), "Tế bào thực vật", 22, bold=True, anchor="mm")
    c.text((100, 560), "thành tế bào, lục lạp, không bào lớn", 18)
    c.draw.ellipse((540, 130, 900, 460), outline=(29, 35, 48), width=4, fill=(255, 243, 224))
    c.draw.ellipse((680, 240, 770, 330), fill=(179, 157, 219), outline="black", width=2)
    c.text((720, 500), "Tế bào động vật", 22, bold=True, anchor="mm")
    c.text((560, 560), "màng tế bào, chất tế bào, nhân", 18)


def _draw_atom(c: _Canvas) -> None:
    cx, cy = 480, 320
    for r in (90, 190):
        c.draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(11, 83, 148), width=3)
    c.draw.ellipse((cx - 34, cy - 34, cx + 34, cy + 34), fill=(229, 57, 53))
    c.text((cx, cy), "6+", 22, fill="white", bold=True, anchor="mm")
    import math

    for r, n in ((90, 2), (190, 4)):
        for k in range(n):
            t = 2 * math.pi * k / n + 0.3
            x, y = cx + r * math.cos(t), cy + r * math.sin(t)
            c.draw.ellipse((x - 12, y - 12, x + 12, y + 12), fill=(30, 136, 229))
    c.text((40, 90), "Nguyên tử carbon (C): 6 proton, 6 neutron trong hạt nhân;", 20)
    c.text((40, 120), "6 electron xếp thành 2 lớp (2, 4).", 20)


def _draw_periodic(c: _Canvas) -> None:
    elements = [
        "H",
        "He",
        "Li",
        "Be",
        "B",
        "C",
        "N",
        "O",
        "F",
        "Ne",
        "Na",
        "Mg",
        "Al",
        "Si",
        "P",
        "S",
        "Cl",
        "Ar",
        "K",
        "Ca",
    ]
    places = [(1, 1), (1, 18)] + [(2, g) for g in (1, 2, 13, 14, 15, 16, 17, 18)]
    places += [(3, g) for g in (1, 2, 13, 14, 15, 16, 17, 18)] + [(4, 1), (4, 2)]
    for z, (symbol, (period, group)) in enumerate(zip(elements, places, strict=True), start=1):
        x, y = 20 + (group - 1) * 51, 80 + (period - 1) * 110
        fill = (255, 224, 178) if group <= 2 else (200, 230, 201) if group < 18 else (225, 190, 231)
        c.draw.rectangle((x, y, x + 48, y + 100), fill=fill, outline="black")
        c.text((x + 24, y + 22), str(z), 16, anchor="mm")
        c.text((x + 24, y + 62), symbol, 22, bold=True, anchor="mm")
    c.text((20, 540), "Chu kì: hàng ngang; nhóm: cột dọc. Số hiệu nguyên tử = số proton.", 20)


def _draw_digestion(c: _Canvas) -> None:
    organs = ["Khoang miệng", "Thực quản", "Dạ dày", "Ruột non", "Ruột già", "Hậu môn"]
    for i, name in enumerate(organs):
        row, col = divmod(i, 3)
        x, y = 60 + col * 310, 120 + row * 220
        c.box((x, y, x + 240, y + 90), name)
        if col < 2:
            c.arrow((x + 240, y + 45), (x + 310, y + 45))
    c.arrow((60 + 2 * 310 + 120, 210), (180, 340))
    c.text((60, 540), "Tuyến tiêu hoá: tuyến nước bọt, gan, tuỵ, tuyến vị, tuyến ruột.", 20)


def _draw_handwriting(c: _Canvas) -> None:
    for i in range(0, 18):
        y = 110 + i * 26
        c.line([(40, y), (920, y)], fill=(144, 202, 249) if i % 4 else (30, 136, 229), width=2)
    for x in range(40, 921, 80):
        c.line([(x, 110), (x, 552)], fill=(144, 202, 249), width=2)
    for i, letter in enumerate(("A", "Ă", "Â")):
        c.text((120 + i * 280, 300), letter, 150, fill=(183, 28, 28), anchor="mm")
        c.text((120 + i * 280, 470), letter.lower(), 100, fill=(11, 83, 148), anchor="mm")


def _draw_food_web(c: _Canvas) -> None:
    nodes = {
        "Cây đước, cây mắm": (110, 470, 360, 540),
        "Lá mục, mùn bã": (560, 470, 840, 540),
        "Còng, cua": (110, 300, 330, 370),
        "Tôm, cá nhỏ": (580, 300, 820, 370),
        "Cò, diệc": (200, 120, 420, 190),
        "Rái cá": (560, 120, 780, 190),
    }
    for name, xy in nodes.items():
        c.box(xy, name)
    for a, b in (
        ("Cây đước, cây mắm", "Còng, cua"), ("Lá mục, mùn bã", "Tôm, cá nhỏ"),
        ("Cây đước, cây mắm", "Lá mục, mùn bã"), ("Còng, cua", "Cò, diệc"),
        ("Tôm, cá nhỏ", "Cò, diệc"), ("Tôm, cá nhỏ", "Rái cá"), ("Còng, cua", "Rái cá"),
    ):  # fmt: skip
        xa, ya = (nodes[a][0] + nodes[a][2]) / 2, nodes[a][1]
        xb, yb = (nodes[b][0] + nodes[b][2]) / 2, nodes[b][3]
        if nodes[a][1] == nodes[b][1]:
            xa, ya = nodes[a][2], (nodes[a][1] + nodes[a][3]) / 2
            xb, yb = nodes[b][0], ya
        c.arrow((xa, ya), (xb, yb))


DRAWERS: dict[str, Callable[[_Canvas], None]] = {
    "number_line": _draw_number_line,
    "parallel_lines": _draw_parallel_lines,
    "bar_chart": _draw_bar_chart,
    "thales": _draw_thales,
    "right_triangle": _draw_right_triangle,
    "cells": _draw_cells,
    "atom": _draw_atom,
    "periodic": _draw_periodic,
    "digestion": _draw_digestion,
    "handwriting": _draw_handwriting,
    "food_web": _draw_food_web,
}


@cache
def diagram_png(spec: Spec) -> bytes:
    canvas = _Canvas(spec.title)
    DRAWERS[spec.drawing](canvas)
    return canvas.png()


def folder_zip(folder: Path) -> bytes:
    """The folder's files zipped in memory: sorted names, fixed timestamps, so the same bytes
    (and one stored blob and unpacked package) whichever machine builds it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return out.getvalue()


def scorm_package() -> bytes:
    return folder_zip(SCORM_DIR)


def simulation_package() -> bytes:
    return folder_zip(SIM_DIR)


def _upload(spec: Spec, subject_names: dict[str, str]) -> ContentFile | None:
    if spec.type == "document":
        data = lesson_pdf(spec, subject_name=subject_names.get(spec.subject or "", ""))
        return ContentFile(data, name=f"{spec.key}.pdf")
    if spec.type == "image":
        return ContentFile(diagram_png(spec), name=f"{spec.key}.png")
    if spec.type == "scorm":
        return ContentFile(scorm_package(), name="phan-so-toan6-scorm12.zip")
    if spec.type == "html5":
        return ContentFile(simulation_package(), name="mach-dien-don-gian.zip")
    return None


# --- loading --------------------------------------------------------------------------------------


@dataclass
class ResourcesSummary:
    topics_created: int = 0
    resources: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    province_wide: int = 0
    topics: int = 0  # leaf topics of the province (coverage's denominator)
    covered: int = 0
    usage_events: int = 0
    ratings: int = 0
    seconds: float = 0.0

    @property
    def share(self) -> float:
        return self.covered / self.topics if self.topics else 0.0


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def load_resources(*, seed: int, progress=_no_progress) -> ResourcesSummary:
    """Write the demo library through the services (the demo accounts must exist)."""
    started = time.monotonic()
    summary = ResourcesSummary()
    summary.topics_created = ensure_topics()
    province = OrgUnit.objects.get(code=SUCCESSOR_CODE)
    units = {
        BY_DEPARTMENT: province,
        BY_TEACHER: OrgUnit.objects.get(name=PEOPLE_SCHOOL),
        BY_TRACU: OrgUnit.objects.get(name=SCHOOL_ADMINS[TRACU_ADMIN]),
        BY_PHUONG1: OrgUnit.objects.get(name=SCHOOL_ADMINS[PHUONG1_ADMIN]),
    }
    users = {u.username: u for u in User.objects.filter(
        username__in=(PROVINCE_OFFICER, TEACHER, STUDENT, GUARDIAN, *SCHOOL_ADMINS))}  # fmt: skip
    officer = users[PROVINCE_OFFICER]
    contributors = {
        BY_DEPARTMENT: None,  # the Department's own uploads: the system, reviewed by the officer
        BY_TEACHER: users[TEACHER],
        BY_TRACU: users[TRACU_ADMIN],
        BY_PHUONG1: users[PHUONG1_ADMIN],
    }
    # Who approves: the school admin for the teacher's school-only resources; the officer for
    # everything province-wide and for a school admin's own uploads (nobody reviews their own).
    school_reviewer = {BY_TEACHER: users[LYTUTRONG_ADMIN]}
    subject_names = dict(Subject.objects.values_list("code", "name"))
    topics = {t.code: t for t in Topic.objects.filter(
        code__in={code for spec in CATALOGUE for code in spec.topics})}  # fmt: skip

    created = []
    progress("resources", 0, len(CATALOGUE))
    for index, spec in enumerate(CATALOGUE, start=1):
        actor = contributors[spec.by]
        resource = services.resource_create(
            actor=actor, org_unit=units[spec.by], type=spec.type, title=spec.title,
            licence=spec.licence, description=spec.description, subject=spec.subject,
            grade_from=spec.grades[0] if spec.grades else None,
            grade_to=spec.grades[1] if spec.grades else None,
            topics=[topics[code] for code in spec.topics], authors=spec.authors,
            upload=_upload(spec, subject_names), url=spec.url,
            external_id=f"DEMO-{spec.key}", submit=spec.outcome != DRAFT,
        )  # fmt: skip
        if spec.outcome == PROVINCE:
            services.resource_review(actor=officer, resource=resource,
                                     decision=ReviewDecision.APPROVE, sharing=Sharing.PROVINCE)  # fmt: skip
        elif spec.outcome == SCHOOL:
            services.resource_review(actor=school_reviewer.get(spec.by, officer), resource=resource,
                                     decision=ReviewDecision.APPROVE, sharing=Sharing.SCHOOL)  # fmt: skip
        elif spec.outcome == CHANGES:
            services.resource_review(actor=school_reviewer.get(spec.by, officer), resource=resource,
                                     decision=ReviewDecision.REQUEST_CHANGES,
                                     comment=REVIEW_CHANGES_COMMENT)  # fmt: skip
        created.append((spec, resource))
        progress("resources", index, len(CATALOGUE))

    rng = random.Random(f"hocso-demo-resources-{seed}")
    fresh = Resource.objects.in_bulk([r.pk for _spec, r in created])  # statuses after review
    published = [(spec, fresh[r.pk]) for spec, r in created if spec.outcome in (PROVINCE, SCHOOL)]
    summary.usage_events = _usage(published, users, rng)
    summary.ratings = _ratings(published, users, rng)
    _count(summary, [r for _spec, r in created], province)
    summary.seconds = time.monotonic() - started
    return summary


def _month(index_back: int) -> date:
    """The first day of the month `index_back` months before the demo's day (AS_OF)."""
    n = AS_OF.year * 12 + AS_OF.month - 1 - index_back
    return date(n // 12, n % 12 + 1, 1)


def _usage(published, users, rng: random.Random) -> int:
    """Views and downloads by the demo's people over the last months (the newer the month, the
    more use), completions of the SCORM lesson; through usage.usage_record, one event at a
    time, as the pages record them."""
    people = [users[name] for name in (STUDENT, GUARDIAN, TEACHER, *SCHOOL_ADMINS)] + [None]
    events = 0
    for spec, resource in published:
        popularity = rng.choice((1, 1, 2, 2, 3, 4))
        for back in range(USAGE_MONTHS):
            when = _month(back).replace(day=rng.randint(1, 27))
            for _ in range(rng.randint(0, popularity + (USAGE_MONTHS - back) // 3)):
                usage_record(resource=resource, user=rng.choice(people), kind=UsageKind.VIEW,
                             when=when)  # fmt: skip
                events += 1
            if spec.type in (ResourceType.DOCUMENT, ResourceType.IMAGE) and rng.random() < 0.5:
                usage_record(resource=resource, user=rng.choice(people), kind=UsageKind.DOWNLOAD,
                             when=when)  # fmt: skip
                events += 1
            if spec.type == ResourceType.SCORM:
                for _ in range(rng.randint(1, 3)):
                    usage_record(resource=resource, user=users[STUDENT],
                                 kind=UsageKind.COMPLETION, when=when)  # fmt: skip
                    events += 1
    return events


RATING_COMMENTS = (
    "", "", "Rất hữu ích cho tiết ôn tập.", "Trình bày rõ ràng, dễ hiểu.",
    "Học sinh thích phần bài tập.", "Nên bổ sung thêm ví dụ.",
)  # fmt: skip


def _ratings(published, users, rng: random.Random) -> int:
    """Stars from the people who see each resource (never its own contributor)."""
    raters = [users[name] for name in (STUDENT, GUARDIAN, TEACHER, PROVINCE_OFFICER,
                                       *SCHOOL_ADMINS)]  # fmt: skip
    visible = {
        rater.pk: set(
            resources_visible(rater)
            .filter(pk__in=[r.pk for _spec, r in published])
            .values_list("pk", flat=True)
        )
        for rater in raters
    }
    n = 0
    for _spec, resource in published:
        for rater in rng.sample(raters, k=rng.randint(0, 3)):
            if resource.pk not in visible[rater.pk] or resource.created_by_id == rater.pk:
                continue
            try:
                services.rating_set(actor=rater, resource=resource, stars=rng.choice((3, 4, 4, 5, 5)),
                                    comment=rng.choice(RATING_COMMENTS))  # fmt: skip
            except PermissionDenied:
                continue
            n += 1
    return n


def _count(summary: ResourcesSummary, resources, province: OrgUnit) -> None:
    rows = Resource.objects.filter(pk__in=[r.pk for r in resources])
    summary.resources = rows.count()
    summary.by_status = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
    summary.by_type = dict(rows.values_list("type").annotate(n=Count("pk")).order_by())
    summary.province_wide = rows.filter(sharing=Sharing.PROVINCE).count()
    summary.topics, summary.covered = coverage_total(org_unit=province)
