"""Exports of the dashboard's views: the same tables as the page, as .xlsx (openpyxl) or PDF
(fpdf2 with the bundled DejaVu Sans, which has every Vietnamese letter).

A view hands over its title, unit, school year and one or more `Sheet`s (headers + rows whose
cells are text or numbers). In the workbook each sheet starts with the title, the unit, the year
and when it was generated, then the header row (frozen, so it stays in view) and the rows:
numbers stay numbers (a spreadsheet can sum them), text a spreadsheet would run as a formula is
neutralised. The PDF sets the same heading and each sheet as a table whose header repeats on
every page; a wide table goes on A4 landscape.

Aggregates only (no person is named), so exports are not written to the audit log; the view
has checked the unit is in the actor's scope.
"""

import io
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hocso.core.text import fold
from hocso.registry.importers.cells import neutralise

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_DIR = Path(__file__).resolve().parent.parent / "assessment" / "fonts"
FONT = "DejaVuSans"
HEADER_ROW = 6  # rows 1–4: title, unit, year, generated at; row 5 blank

logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass
class Sheet:
    """One table: `rows` hold text, numbers (int, float, Decimal) or None (an empty cell)."""

    title: str
    headers: list[str]
    rows: list[list]
    # Relative column widths (characters in the workbook; proportions in the PDF).
    widths: list[int] = field(default_factory=list)


def _number(value):
    """A Decimal as int when whole, else float (what a spreadsheet stores)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def filename(title: str, unit, year, extension: str) -> str:
    """ "tong-quan-84-2025-2026.xlsx": ASCII, so every browser keeps it as is."""
    stem = slugify(fold(title)) or "giam-sat"
    return f"{stem}-{unit.code}-{year.code}.{extension}"


# ---------------------------------------------------------------- xlsx


def xlsx_bytes(*, title: str, unit, year, sheets: list[Sheet], generated_at=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    generated_at = _local(generated_at or timezone.now()).replace(tzinfo=None)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet_spec in sheets:
        # Sheet names: at most 31 characters, none of []:*?/\
        name = "".join(c for c in sheet_spec.title if c not in "[]:*?/\\")[:31] or "Sheet"
        sheet = workbook.create_sheet(title=name)
        sheet.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=13)
        sheet.cell(row=2, column=1, value=_("Đơn vị"))
        sheet.cell(row=2, column=2, value=neutralise(f"{unit.name} ({unit.code})"))
        sheet.cell(row=3, column=1, value=_("Năm học"))
        sheet.cell(row=3, column=2, value=year.code)
        sheet.cell(row=4, column=1, value=_("Lập lúc"))
        stamp = sheet.cell(row=4, column=2, value=generated_at)
        stamp.number_format = "dd/mm/yyyy hh:mm"
        for column, header in enumerate(sheet_spec.headers, start=1):
            cell = sheet.cell(row=HEADER_ROW, column=column, value=neutralise(str(header)))
            cell.font = bold
        for offset, row in enumerate(sheet_spec.rows, start=1):
            for column, value in enumerate(row, start=1):
                value = neutralise(value) if isinstance(value, str) else _number(value)
                sheet.cell(row=HEADER_ROW + offset, column=column, value=value)
        for column, width in enumerate(sheet_spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# ---------------------------------------------------------------- pdf


def _t(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def _pdf_cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int | float | Decimal):
        from .dashboard import format_number

        return format_number(Decimal(str(value)))
    return _t(value)


def pdf_bytes(
    *, title: str, unit, year, sheets: list[Sheet], landscape: bool = False, generated_at=None
) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    generated_at = _local(generated_at or timezone.now())
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(_t(title))
    pdf.set_creation_date(generated_at)
    pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 6, _t(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    meta = _("Đơn vị: %(unit)s (%(code)s) · Năm học: %(year)s · Lập lúc: %(at)s") % {
        "unit": unit.name,
        "code": unit.code,
        "year": year.code,
        "at": generated_at.strftime("%d/%m/%Y %H:%M"),
    }
    pdf.multi_cell(0, 5, _t(meta), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    many_columns = max((len(s.headers) for s in sheets), default=0) > 8
    size = 6.5 if many_columns else 8.5
    for sheet in sheets:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, 6, _t(sheet.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not sheet.rows:
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(0, 5, _t(_("Không có dòng nào.")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        pdf.set_font(FONT, "", size)
        widths = sheet.widths or [1] * len(sheet.headers)
        # A column of numbers is set flush right (whatever its first row holds).
        aligns = [
            "RIGHT"
            if any(isinstance(row[i], int | float | Decimal) for row in sheet.rows)
            else "LEFT"
            for i in range(len(sheet.headers))
        ]
        with pdf.table(
            col_widths=widths,
            line_height=size * 0.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245)),
            repeat_headings=1,
            text_align=tuple(aligns),
        ) as table:
            heading = table.row()
            for header in sheet.headers:
                heading.cell(_t(header))
            for row in sheet.rows:
                cells = table.row()
                for value in row:
                    cells.cell(_pdf_cell(value))
    return bytes(pdf.output())


# ---------------------------------------------------------------- responses


def response(
    kind: str, *, title: str, unit, year, sheets: list[Sheet], landscape=False, file_title=None
):
    """The download of `kind` ("xlsx" or "pdf") as an HttpResponse; its file is named after
    `file_title` when given (a title with a date: "01/03/2025" would lose its slashes), else the
    title."""
    if kind == "xlsx":
        body = xlsx_bytes(title=title, unit=unit, year=year, sheets=sheets)
        content_type = XLSX_TYPE
    else:
        body = pdf_bytes(title=title, unit=unit, year=year, sheets=sheets, landscape=landscape)
        content_type = "application/pdf"
    result = HttpResponse(body, content_type=content_type)
    name = filename(file_title or title, unit, year, kind)
    result["Content-Disposition"] = f'attachment; filename="{name}"'
    return result
