"""The answer key as a spreadsheet for optical-mark grading: one row per version × question.

Columns: Mã đề, Câu, Phần, Đáp án, then the points and the item and item-version ids the
question was drawn from (so a grading dispute traces back to the exact wording). The answer is
what the answer sheet holds: A/B/C/D for single choice, "ĐSĐĐ" for a 2025 true/false item, the
number with a decimal comma for a short answer.

Text a spreadsheet would run as a formula is neutralised with a leading quote, except numeric
answers ("-3,5"), which are stored as text cells already and must stay exactly what the
learner writes.
"""

import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hocso.registry.importers.cells import neutralise

from .generation import PaperVersion

HEADERS = ["Mã đề", "Câu", "Phần", "Đáp án", "Điểm", "Mã câu hỏi", "Mã phiên bản câu hỏi"]
WIDTHS = [10, 8, 8, 14, 8, 14, 22]
_NUMBER = re.compile(r"^-?[0-9]+(,[0-9]+)?$")


def _answer_cell(answer: str) -> str:
    return answer if _NUMBER.match(answer) else neutralise(answer)


def _code_cell(code: str):
    # Optical-mark software reads the version code as a number; keep any other code as text.
    return int(code) if code.isdigit() and not code.startswith("0") else code


def answer_key_rows(versions: list[PaperVersion]) -> list[list]:
    return [
        [_code_cell(version.code), question.number, question.part, _answer_cell(question.answer),
         float(question.points), question.item_id, question.version_id]
        for version in versions
        for question in version.questions
    ]  # fmt: skip


def answer_key_xlsx(versions: list[PaperVersion]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Dap an")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions["ABCDEFG"[index]].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in answer_key_rows(versions):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
