"""The PDF of a unit's annual report (monitoring/annual.py gathers the figures).

A4 portrait, set in the bundled DejaVu Sans like the transcripts (every Vietnamese letter; fpdf2
embeds only the glyphs used): the title "Báo cáo năm học …", the unit, the narrative, the plan's
indicators against their targets, the statistics, the child units; numbers the Vietnamese way
(decimal comma) and "Trang n/N" at the foot of every page. The public version shows "*" for a
suppressed cell, says why, and leaves out who wrote the narrative.
"""

import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from hocso.assessment.transcript_pdf import FONT, FONT_DIR

from .annual import NO_SOURCE, STATUS_LABELS, AnnualFigures, author_of
from .models import Unit

MARGIN = 15
HEAD_FILL = (225, 232, 242)


def _t(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


class _AnnualPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(auto=True, margin=16)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, _t(self.footer_text), align="L")
        self.set_x(MARGIN)
        self.cell(0, 5, _t(_("Trang %(page)s/%(pages)s") % {"page": self.page_no(),
                                                              "pages": "{nb}"}),
                  align="R")  # fmt: skip

    def heading(self, text: str, *, size: float = 11.5):
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, _t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False):
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, _t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headings, rows, widths, aligns, *, size: float = 8.5):
        """A table whose heading row repeats on each page; cells wrap."""
        self.set_font(FONT, "", size)
        with self.table(
            col_widths=widths,
            text_align=aligns,
            line_height=size * 0.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
            repeat_headings=1,
            padding=0.8,
        ) as table:
            heading = table.row()
            for text in headings:
                heading.cell(_t(text), align="C")
            for cells in rows:
                row = table.row()
                for text in cells:
                    row.cell(_t(text))
        self.ln(2)


def render(figures: AnnualFigures) -> bytes:
    unit = figures.unit
    pdf = _AnnualPDF(f"{unit.name} — {figures.title}")
    pdf.set_title(_t(f"{figures.title} — {unit.name}"))
    pdf.set_creation_date(figures.generated_at)
    pdf.add_page()

    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, _t(figures.title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, _t(f"{unit.name} ({unit.code})"), align="C",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FONT, "", 9)
    generated = timezone.localtime(figures.generated_at).strftime("%d/%m/%Y")
    pdf.cell(0, 5, _t(_("Lập ngày %(date)s từ dữ liệu của hệ thống.") % {"date": generated}),
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    if figures.public:
        pdf.cell(0, 5, _t(_("Bản công khai")), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    # I. The narrative
    pdf.heading(_("I. Nhận định, đánh giá"))
    pdf.paragraph(figures.narrative or _("(Chưa có phần nhận định.)"))
    if not figures.public and figures.report is not None:
        pdf.set_font(FONT, "", 8)
        updated = timezone.localtime(figures.report.updated_at).strftime("%H:%M %d/%m/%Y")
        pdf.cell(0, 5, _t(_("Cập nhật: %(who)s, %(at)s")
                          % {"who": author_of(figures.report) or "—", "at": updated}),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip

    # II. The plan's indicators
    previous = (
        _("Năm học %(year)s") % {"year": figures.previous_year.code}
        if figures.previous_year
        else _("Năm học trước")
    )
    pdf.heading(_("II. Chỉ tiêu của kế hoạch chuyển đổi số"))
    pdf.grid(
        [_("STT"), _("Chỉ tiêu"), _("Tử số / mẫu số"), _("Giá trị"),
         previous, _("Mục tiêu"), _("Chênh lệch"),
         _("Đánh giá")],
        [
            [str(n), row.name,
             f"{row.numerator_text} / {row.denominator_text}" if row.has_source else "",
             row.value_text if row.has_source else "—", row.previous_text,
             f"{row.target_text} ({row.target_year})" if row.target is not None else "—",
             row.gap_text, row.status_label]
            for n, row in enumerate(figures.plan, start=1)
        ],
        (8, 49, 24, 17, 20, 22, 16, 24),
        ("C", "L", "R", "R", "R", "R", "R", "L"),
    )  # fmt: skip
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(0, 3.8, _t(_("Chênh lệch = giá trị − mục tiêu (điểm phần trăm với chỉ tiêu tỉ "
                                "lệ). Mục tiêu áp dụng: mục tiêu của năm kết thúc năm học hoặc "
                                "năm mục tiêu kế tiếp.")),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip

    # III. Statistics
    pdf.heading(_("III. Thống kê giáo dục"))
    pdf.grid(
        [_("Chỉ tiêu"), _("Tử số / mẫu số"), _("Giá trị"),
         previous],
        [
            [row.name,
             f"{row.numerator_text} / {row.denominator_text}"
             if row.has_source and row.unit != Unit.COUNT else "",
             row.value_text if row.has_source else str(STATUS_LABELS[NO_SOURCE]),
             row.previous_text]
            for row in figures.statistics
        ],
        (80, 40, 30, 30),
        ("L", "R", "R", "R"),
    )  # fmt: skip
    pdf.paragraph(_("Số người học theo cấp học và giới tính"), bold=True, size=9.5)
    pdf.ln(1)
    pdf.grid(
        [_("Cấp học"), _("Nam"), _("Nữ"), _("Tổng số")],
        [[r.label, r.male.text, r.female.text, r.total.text] for r in figures.enrollment],
        (75, 35, 35, 35),
        ("L", "R", "R", "R"),
    )
    pdf.paragraph(_("Kết quả học tập cả năm (số học sinh, tỉ lệ)"), bold=True, size=9.5)
    pdf.ln(1)
    if figures.results:
        pdf.grid(
            [_("Cấp học"), *figures.result_headings, _("Tổng số")],
            [
                [r.label, *[f"{c.text} ({s})" for c, s in zip(r.counts, r.shares, strict=True)],
                 r.total.text]
                for r in figures.results
            ],
            (30, 30, 30, 30, 30, 30),
            ("L", "R", "R", "R", "R", "R"),
        )  # fmt: skip
    else:
        pdf.paragraph(_("Chưa có kết quả học tập cả năm."))
        pdf.ln(2)

    # IV. Child units
    pdf.heading(_("IV. Chỉ tiêu kế hoạch theo đơn vị trực thuộc"))
    if figures.children and figures.child_indicators:
        count = len(figures.child_indicators)
        numbers = {row.code: n for n, row in enumerate(figures.plan, start=1)}
        width = min(22.0, 120.0 / count)
        pdf.grid(
            [_("Đơn vị"), *[_("CT %(n)s") % {"n": numbers[i.code]}
                            for i in figures.child_indicators]],
            [[f"{child.unit.name} ({child.unit.code})", *child.texts(figures.child_indicators)]
             for child in figures.children],
            (180 - width * count, *[width] * count),
            ("L", *["R"] * count),
        )  # fmt: skip
        pdf.set_font(FONT, "", 7.5)
        legend = "; ".join(f"CT {numbers[i.code]}: {i.name}" for i in figures.child_indicators)
        pdf.multi_cell(0, 3.8, _t(legend), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.paragraph(_("Đơn vị không có đơn vị trực thuộc."))

    if figures.public:
        pdf.ln(3)
        pdf.set_font(FONT, "", 7.5)
        pdf.multi_cell(0, 3.8, _t(_("(*) Số liệu được ẩn để bảo vệ dữ liệu cá nhân: ô có từ 1 đến "
                                    "4 học sinh và các ô ẩn kèm theo để không suy ra được ô đó.")),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    return bytes(pdf.output())
