"""Spreadsheet export of students, staff, classes and equipment, with the import's headers.

Every export is written to the audit log (who, what kind, which school, how many rows).
"""

import re
from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log

from ..importers.columns import SPECS
from .csv import write_csv
from .rows import ROWS
from .xlsx import write_xlsx

FORMATS = ("xlsx", "csv")
SHEET_TITLES = {
    "students": "Hoc sinh",
    "staff": "Can bo",
    "classes": "Lop",
    "equipment": "Thiet bi",
}
# Downloaded file names: Vietnamese without diacritics, so every browser and system keeps them.
FILE_NAMES = {
    "students": "hoc-sinh",
    "staff": "can-bo",
    "classes": "lop",
    "equipment": "thiet-bi",
}


def export_records(*, actor, kind: str, school, year, fmt: str, output) -> int:
    """Write the `kind` list of `school` (and school `year` for students and classes) to `output`
    (a path or a binary file) as xlsx or csv; return the number of rows.

    `actor` None is the system (command line); otherwise the school must be in the actor's scope.
    """
    if actor is not None and not scope_for(actor).covers(school.path):
        raise PermissionDenied
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    spec = SPECS[kind]
    rows = ROWS[kind](school, year)
    if fmt == "xlsx":
        count = write_xlsx(output, spec.headers, rows, title=SHEET_TITLES[kind],
                           widths=[c.width for c in spec.columns])  # fmt: skip
    else:
        count = write_csv(output, spec.headers, rows)
    audit_log(
        actor=actor, action="export", org_unit=school, kind=kind, school=school.code,
        year=year.code if year is not None else "", format=fmt, rows=count,
    )  # fmt: skip
    return count


def export_filename(*, kind: str, school, year, fmt: str) -> str:
    """`hoc-sinh_84422001_2025-2026.xlsx`: kind, school code and (when it applies) the school year,
    ASCII only."""
    parts = [FILE_NAMES[kind], school.code, *([year.code] if year is not None else [])]
    return "_".join(re.sub(r"[^A-Za-z0-9-]+", "-", part) for part in parts) + f".{fmt}"


def template_xlsx(kind: str) -> bytes:
    """The import template of a kind: the header row and one example row."""
    spec = SPECS[kind]
    buffer = BytesIO()
    write_xlsx(buffer, spec.headers, [[c.example for c in spec.columns]],
               title=SHEET_TITLES[kind], widths=[c.width for c in spec.columns])  # fmt: skip
    return buffer.getvalue()


def problems_xlsx(problems) -> bytes:
    """The error report of an import: row, column, value, reason (in the active language)."""
    headers = [_("Dòng"), _("Cột"), _("Giá trị"), _("Lý do"), _("Mức độ")]
    rows = (
        [
            p.row or "",
            p.column,
            p.value,
            p.reason,
            _("Cảnh báo") if p.level == "warning" else _("Lỗi"),
        ]  # fmt: skip
        for p in problems
    )
    buffer = BytesIO()
    write_xlsx(buffer, headers, rows, title="Loi", widths=[8, 24, 24, 80, 10])
    return buffer.getvalue()
