"""The PDF of an electronic transcript (học bạ số), drawn from its snapshot alone.

One A4 page laid out like a page of a Vietnamese học bạ: the national motto, the title, the
learner, the table of subjects (HKI, HKII, Cả năm), the learning and conduct results and days
absent, the decision at the end of the year, then the verification block: the code, a QR code of
the absolute verify address and how to check it. Text is set in the bundled DejaVu Sans (fonts/,
with its licence), which has every Vietnamese letter; fpdf2 embeds only the glyphs used.

A primary learner's transcript (Circular 27) has its own body: the subjects with their end-of-year
level and periodic test scores, the comments, the qualities and competences in three columns, and
the year's result, completion and award.

The document is always in Vietnamese (it is an official record), whatever the page language.
The same transcript always gives the same bytes: the PDF's dates are the issue date.
"""

import logging
import unicodedata
from datetime import datetime
from pathlib import Path

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hocso.core.text import fold

from .transcripts import format_code, present

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
PAGE_WIDTH = 210
MARGIN = 15
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
ROW = 5.8  # table row height, mm
VERIFY_BLOCK = 34  # height of the verification block, mm

# fontTools (fpdf2 subsets the font with it) reports every glyph at INFO level.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _t(value) -> str:
    """Text as set: NFC (the font has the precomposed Vietnamese letters), never None."""
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def _issued_at(content: dict) -> datetime:
    issued = content.get("issue", {}).get("issued_at")
    moment = datetime.fromisoformat(issued) if issued else timezone.now()
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _province_short(name: str) -> str:
    for prefix in ("Tỉnh ", "Thành phố ", "TP. ", "TP "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _school_heading(name: str) -> str:
    upper = name.upper()
    return upper if upper.startswith("TRƯỜNG") else f"TRƯỜNG {upper}"


class _TranscriptPDF(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, 12, MARGIN)
        self.set_auto_page_break(auto=True, margin=12)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def text_line(self, text, *, size=10, bold=False, align="L", width=0, height=None, **kwargs):
        self.set_font(FONT, "B" if bold else "", size)
        self.cell(width, height or size * 0.5, _t(text), align=align,
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)  # fmt: skip

    def field(self, label: str, value: str, *, x: float, width: float, label_width: float = 42):
        self.set_x(x)
        self.set_font(FONT, "", 10)
        self.cell(label_width, 5.5, _t(label))
        self.set_font(FONT, "B", 10)
        self.cell(width - label_width, 5.5, _t(value))

    def table_row(self, cells, widths, *, bold=False, fill=False, aligns=None):
        self.set_font(FONT, "B" if bold else "", 9.5)
        aligns = aligns or ["C"] * len(cells)
        for text, width, align in zip(cells, widths, aligns, strict=True):
            self.cell(width, ROW, _t(text), border=1, align=align, fill=fill)
        self.ln(ROW)


def _header(pdf: _TranscriptPDF, content: dict) -> None:
    school = content.get("school", {})
    left, right = 78, CONTENT_WIDTH - 78
    top = pdf.get_y()
    province = _province_short(school.get("province", ""))
    pdf.set_font(FONT, "", 9.5)
    pdf.cell(left, 5, _t(f"SỞ GD&ĐT {province.upper()}" if province else ""), align="C")
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(right, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(left, 5, _t(_school_heading(school.get("name", ""))), align="C",
                   new_x=XPos.RIGHT, new_y=YPos.TOP)  # fmt: skip
    after_school = pdf.get_y()
    pdf.set_xy(MARGIN + left, top + 5)
    pdf.set_font(FONT, "B", 10)
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.cell(right, 5, _t(motto), align="C")
    motto_width = pdf.get_string_width(_t(motto))
    centre = MARGIN + left + right / 2
    pdf.line(centre - motto_width / 2, top + 10.6, centre + motto_width / 2, top + 10.6)
    pdf.set_y(max(after_school, top + 12) + 1)
    pdf.line(MARGIN + left / 2 - 12, pdf.get_y(), MARGIN + left / 2 + 12, pdf.get_y())
    pdf.ln(4)


def _identity(pdf: _TranscriptPDF, shown: dict) -> None:
    learner, school_class = shown["learner"], shown["class"]
    half = CONTENT_WIDTH / 2
    pdf.field(_("Họ và tên:"), learner["full_name"], x=MARGIN, width=CONTENT_WIDTH,
              label_width=30)  # fmt: skip
    pdf.ln(5.5)
    pdf.field(_("Ngày sinh:"), learner["date_of_birth"], x=MARGIN, width=half, label_width=30)
    pdf.field(_("Giới tính:"), learner["gender"], x=MARGIN + half, width=half, label_width=28)
    pdf.ln(5.5)
    pdf.field(_("Dân tộc:"), learner["ethnicity"], x=MARGIN, width=half, label_width=30)
    pdf.field(_("Mã định danh:"), learner["moet_code"], x=MARGIN + half, width=half,
              label_width=28)  # fmt: skip
    pdf.ln(5.5)
    pdf.field(_("Lớp:"), school_class.get("name", ""), x=MARGIN, width=half, label_width=30)
    pdf.field(_("GVCN:"), school_class.get("homeroom_teacher") or "—", x=MARGIN + half,
              width=half, label_width=28)  # fmt: skip
    pdf.ln(8)


def _subjects(pdf: _TranscriptPDF, shown: dict) -> None:
    pdf.text_line(_("1. Kết quả học tập các môn học"), size=10.5, bold=True, height=7)
    widths = [12, 92, 25, 25, 26]
    pdf.set_fill_color(235, 239, 245)
    pdf.table_row(
        [_("STT"), _("Môn học, hoạt động giáo dục"), _("Học kì I"), _("Học kì II"), _("Cả năm")],
        widths, bold=True, fill=True,
    )  # fmt: skip
    for number, subject in enumerate(shown["subjects"], start=1):
        pdf.table_row([str(number), subject["name"], *subject["values"]], widths,
                      aligns=["C", "L", "C", "C", "C"])  # fmt: skip
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, _t(_("Môn đánh giá bằng nhận xét: Đ = Đạt, CĐ = Chưa đạt. Điểm trung "
                              "bình môn làm tròn đến một chữ số thập phân (Thông tư "
                              "22/2021/TT-BGDĐT).")),
                   align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(2)


def _results(pdf: _TranscriptPDF, shown: dict) -> None:
    pdf.text_line(_("2. Kết quả học tập, rèn luyện và chuyên cần"), size=10.5, bold=True,
                  height=7)  # fmt: skip
    widths = [78, 34, 34, 34]
    aligns = ["L", "C", "C", "C"]
    pdf.table_row(["", _("Học kì I"), _("Học kì II"), _("Cả năm")], widths, bold=True, fill=True)
    pdf.table_row([_("Kết quả học tập"), *shown["learning"]], widths, aligns=aligns)
    pdf.table_row([_("Kết quả rèn luyện"), *shown["conduct"]], widths, aligns=aligns)
    pdf.table_row([_("Số ngày nghỉ học"), *shown["days_absent"]], widths, aligns=aligns)
    if shown["adjusted"]:
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, 4, _t(_("(*) Được điều chỉnh lên một mức theo khoản 3 Điều 9 Thông tư "
                                  "22/2021/TT-BGDĐT.")),
                       align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(2)
    pdf.text_line(_("3. Kết quả cuối năm"), size=10.5, bold=True, height=7)
    pdf.field(_("Lên lớp:"), shown["decision"], x=MARGIN, width=CONTENT_WIDTH / 2, label_width=24)
    pdf.field(_("Khen thưởng:"), shown["award"], x=MARGIN + CONTENT_WIDTH / 2,
              width=CONTENT_WIDTH / 2, label_width=28)  # fmt: skip
    pdf.ln(8)


def _primary_subjects(pdf: _TranscriptPDF, shown: dict) -> None:
    pdf.text_line(_("1. Các môn học và hoạt động giáo dục"), size=10.5, bold=True, height=7)
    points = shown["test_point_codes"]
    test_width, level_width = 17, 32
    widths = [10, CONTENT_WIDTH - 10 - level_width - test_width * len(points), level_width]
    widths += [test_width] * len(points)
    pdf.set_fill_color(235, 239, 245)
    pdf.table_row(
        [_("STT"), _("Môn học, hoạt động giáo dục"), _("Mức đạt được"),
         *[_("KTĐK %(point)s") % {"point": _SHORT_POINTS[p]} for p in points]],
        widths, bold=True, fill=True,
    )  # fmt: skip
    for number, subject in enumerate(shown["subjects"], start=1):
        pdf.table_row([str(number), subject["name"], subject["level"], *subject["tests"]], widths,
                      aligns=["C", "L", "C", *["C"] * len(points)])  # fmt: skip
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, _t(_("Mức đạt được cuối năm: Hoàn thành tốt, Hoàn thành, Chưa hoàn thành. "
                              "KTĐK: điểm bài kiểm tra định kì (Thông tư 27/2020/TT-BGDĐT).")),
                   align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    comments = [s for s in shown["subjects"] if s["comment"]]
    if comments:
        pdf.ln(1)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, _t(_("Nhận xét của giáo viên:")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        for subject in comments:
            pdf.multi_cell(0, 4.5, _t(f"{subject['name']}: {subject['comment']}"), align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(2)


# Narrow column heads of the periodic tests by the rules' point codes (the PDF is always Vietnamese).
_SHORT_POINTS = {
    "giua_hk1": "giữa HKI",
    "cuoi_hk1": "cuối HKI",
    "giua_hk2": "giữa HKII",
    "cuoi_nam": "cuối năm",
}


def _primary_traits(pdf: _TranscriptPDF, shown: dict) -> None:
    pdf.text_line(_("2. Phẩm chất và năng lực"), size=10.5, bold=True, height=7)
    groups = shown["trait_groups"]
    if not groups:
        pdf.text_line(_("Chưa có đánh giá phẩm chất, năng lực cuối năm."), size=9, height=6)
        pdf.ln(2)
        return
    block = CONTENT_WIDTH / 3
    height = (max(len(group["items"]) for group in groups) + 1) * ROW
    if pdf.get_y() + height > pdf.page_break_trigger:
        # The three columns are placed by coordinates: start them together on a new page.
        pdf.add_page()
    top = pdf.get_y()
    bottom = top
    pdf.set_fill_color(235, 239, 245)
    for index, group in enumerate(groups):
        x = MARGIN + index * block
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(block - 2, ROW, _t(group["label"]), border=1, fill=True, align="C")
        for row, item in enumerate(group["items"], start=1):
            pdf.set_xy(x, top + row * ROW)
            pdf.set_font(FONT, "", 9)
            pdf.cell(block - 24, ROW, _t(item["name"]), border=1)
            pdf.cell(22, ROW, _t(item["level"]), border=1, align="C")
        bottom = max(bottom, top + (len(group["items"]) + 1) * ROW)
    pdf.set_xy(MARGIN, bottom + 2)


def _primary_results(pdf: _TranscriptPDF, shown: dict) -> None:
    pdf.text_line(_("3. Kết quả cả năm"), size=10.5, bold=True, height=7)
    pdf.field(_("Kết quả giáo dục:"), shown["result"], x=MARGIN, width=CONTENT_WIDTH,
              label_width=42)  # fmt: skip
    pdf.ln(5.5)
    pdf.field(_("Hoàn thành chương trình:"), shown["decision"], x=MARGIN, width=CONTENT_WIDTH,
              label_width=42)  # fmt: skip
    pdf.ln(5.5)
    pdf.field(_("Khen thưởng:"), shown["award"], x=MARGIN, width=CONTENT_WIDTH, label_width=42)
    pdf.ln(8)


def _qr(pdf: _TranscriptPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom; no image to embed)."""
    qr = segno.make(url, error="m")
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, "F")
            else:
                c += 1


def _verification(pdf: _TranscriptPDF, content: dict, verify_url: str, verify_home: str) -> None:
    issue = content.get("issue", {})
    code = issue.get("code", "")
    issued = _issued_at(content)
    top = pdf.get_y()
    if top > 297 - 12 - VERIFY_BLOCK:
        pdf.add_page()
        top = pdf.get_y()
    qr_size = 30
    _qr(pdf, verify_url, MARGIN, top, qr_size)
    text_x = MARGIN + qr_size + 3
    text_width = 74
    pdf.set_xy(text_x, top + 1)
    pdf.set_font(FONT, "", 9)
    pdf.cell(text_width, 5, _t(_("Mã xác thực:")), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(text_width, 6, format_code(code), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(
        text_width, 4,
        _t(_("Kiểm tra học bạ: quét mã QR, hoặc mở %(address)s và nhập mã xác thực. Trang "
             "kiểm tra cho biết học bạ có do nhà trường cấp, còn hiệu lực hay đã được thay thế.")
           % {"address": verify_home}),
        align="L", new_x=XPos.LEFT, new_y=YPos.NEXT,
    )  # fmt: skip
    pdf.set_text_color(13, 71, 161)
    pdf.cell(text_width, 4, verify_url, link=verify_url, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(text_width, 4, _t(_("Bản số %(version)s") % {"version": issue.get("version", 1)}),
             new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    sign_x = text_x + text_width + 2
    sign_width = PAGE_WIDTH - MARGIN - sign_x
    province = _province_short(content.get("school", {}).get("province", ""))
    place = f"{province}, " if province else ""
    pdf.set_xy(sign_x, top)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(
        sign_width, 5,
        _t(f"{place}" + _("ngày %(day)s tháng %(month)s năm %(year)s")
           % {"day": f"{issued.day:02d}", "month": f"{issued.month:02d}", "year": issued.year}),
        align="C", new_x=XPos.LEFT, new_y=YPos.NEXT,
    )  # fmt: skip
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(sign_width, 5, _t(_("XÁC NHẬN CỦA NHÀ TRƯỜNG")), align="C",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "", 8)
    issuer = issue.get("issued_by") or ""
    note = _("Học bạ số cấp qua hệ thống hocso") + (
        "\n" + _("Người cấp: %(name)s") % {"name": issuer} if issuer else ""
    )
    pdf.multi_cell(sign_width, 4, _t(note), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)


def render_pdf(content: dict, *, verify_url: str, verify_home: str, compress: bool = True) -> bytes:
    """The transcript's PDF. `verify_url`: the absolute /verify/<code> address (in the QR code
    and as a link); `verify_home`: the absolute /verify/ address (printed for typing the code).
    `compress=False` leaves the page's text streams readable (tests)."""
    with translation.override("vi"):
        learner = content.get("learner", {})
        school = content.get("school", {})
        issued = _issued_at(content)
        pdf = _TranscriptPDF()
        pdf.compress = compress
        pdf.set_lang("vi")
        pdf.set_title(_t(f"Học bạ — {learner.get('full_name', '')} — {content.get('year', '')}"))
        pdf.set_author(_t(school.get("name", "")))
        pdf.set_subject(_t(f"Học bạ số, mã xác thực {content.get('issue', {}).get('code', '')}"))
        pdf.set_creator("hocso")
        pdf.set_creation_date(issued)
        shown = present(content)
        pdf.add_page()
        _header(pdf, content)
        pdf.text_line("HỌC BẠ", size=22, bold=True, align="C", height=10)
        pdf.text_line(_("Năm học %(year)s") % {"year": content.get("year", "")}, size=12,
                      align="C", height=7)  # fmt: skip
        pdf.ln(2)
        _identity(pdf, shown)
        if shown.get("primary"):
            _primary_subjects(pdf, shown)
            _primary_traits(pdf, shown)
            _primary_results(pdf, shown)
        else:
            _subjects(pdf, shown)
            _results(pdf, shown)
        _verification(pdf, content, verify_url, verify_home)
        return bytes(pdf.output())


def verify_addresses(request, code: str) -> tuple[str, str]:
    """(the absolute /verify/<code> address, the absolute /verify/ address). The public base
    address comes from HOCSO_PUBLIC_URL when set (behind a proxy the request's own host may be
    an internal one), else from the request."""
    url_path = reverse("transcripts:verify", args=[code])
    home_path = reverse("transcripts:verify_form")
    base = getattr(settings, "HOCSO_PUBLIC_URL", "").rstrip("/")
    if base:
        return base + url_path, base + home_path
    return request.build_absolute_uri(url_path), request.build_absolute_uri(home_path)


def render_transcript(transcript, *, request, compress: bool = True) -> bytes:
    verify_url, verify_home = verify_addresses(request, transcript.code)
    return render_pdf(
        transcript.content, verify_url=verify_url, verify_home=verify_home, compress=compress
    )


def pdf_filename(transcript) -> str:
    """hoc-ba-2025-2026-kim-thi-so-phia-v1.pdf: ASCII, safe in any header."""
    name = "-".join(fold(transcript.content.get("learner", {}).get("full_name", "")).split())
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch == "-"))
    return f"hoc-ba-{transcript.year.code}-{safe or transcript.code}-v{transcript.version}.pdf"
