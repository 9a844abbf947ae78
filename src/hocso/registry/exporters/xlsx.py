"""Writing .xlsx with openpyxl in write-only mode (rows stream to the file; memory stays flat).

Identifiers are written as text so leading zeros survive; dates as real dates shown dd/mm/yyyy;
text that a spreadsheet would run as a formula is neutralised with a leading quote.
"""

from collections.abc import Iterable
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..importers.cells import neutralise

DATE_FORMAT = "dd/mm/yyyy"


def write_xlsx(
    output, headers: list[str], rows: Iterable[list], *, title: str = "Sheet1",
    widths: list[int] | None = None,
) -> int:  # fmt: skip
    """Write one sheet (header row, then `rows`) to a path or binary file; return the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for position, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, str):
                out.append(neutralise(value))
            elif isinstance(value, (date, datetime)):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    workbook.save(output)
    return count
