"""The files of a set of generated exam versions: one PDF per version (`de_<code>.pdf`), the
answer key of all versions as `dap_an.pdf` and, for optical-mark grading, `dap_an.xlsx`.

Shared by `hocso exams generate` (which writes them to a folder) and the generation page (which
sends them as one zip), so both give exactly the same files.
"""

import io
import zipfile
from collections.abc import Callable

from django.utils.translation import gettext as _

from .answer_keys import answer_key_xlsx
from .blueprints import paper_header
from .generation import PaperVersion
from .models import Blueprint, BlueprintCell
from .paper_pdf import render_answer_key, render_paper


def paper_files(blueprint: Blueprint, versions: list[PaperVersion]) -> list[tuple[str, Callable]]:
    """(file name, a function rendering its bytes) in the order they are written; rendering is
    deferred so a caller can write each file as soon as it is made."""
    header = paper_header(blueprint)
    files: list[tuple[str, Callable]] = [
        (f"de_{version.code}.pdf", lambda v=version: render_paper(header, v))
        for version in versions
    ]
    files.append(("dap_an.pdf", lambda: render_answer_key(header, versions)))
    files.append(("dap_an.xlsx", lambda: answer_key_xlsx(versions)))
    return files


def papers_zip(blueprint: Blueprint, versions: list[PaperVersion]) -> bytes:
    """Every file of `paper_files` in one zip (PDFs are compressed already: stored as is)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, render in paper_files(blueprint, versions):
            compression = zipfile.ZIP_DEFLATED if name.endswith(".xlsx") else zipfile.ZIP_STORED
            archive.writestr(name, render(), compress_type=compression)
    return buffer.getvalue()


def cell_label(cell: BlueprintCell) -> str:
    """ "Phần I, Trắc nghiệm một lựa chọn, chủ đề T6.1, mức Biết" (any topic/level omitted)."""
    parts = [_("Phần %(part)s") % {"part": cell.part}, str(cell.get_item_type_display())]
    if cell.topic_id:
        parts.append(_("chủ đề %(topic)s") % {"topic": cell.topic.code})
    if cell.level:
        parts.append(_("mức %(level)s") % {"level": cell.get_level_display()})
    return ", ".join(parts)
