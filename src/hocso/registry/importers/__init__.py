"""Spreadsheet import of students, staff, classes and equipment (.xlsx and .csv).

One entry point, `run_import`, used by the command line (`hocso import …`) and by the web page's
background job. The work happens in three steps:

1. read and parse every row (no database): cells are converted and checked on their own;
2. in one transaction, match the rows with what is stored (a few queries per thousand rows)
   and decide, for every row, created / updated / unchanged / rejected;
3. write: with the default all-or-nothing mode only when no row was rejected, with `partial`
   the valid rows, with `dry_run` nothing at all (the transaction is rolled back).
"""

import gc
import re
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_noop as N_

from hocso.accounts.services import audit_log
from hocso.core import bulk
from hocso.orgs.services import schoolyear_get_or_create

from ..services import check_write
from .base import CREATED, PHASE_READING, PHASE_WRITING, REJECTED, UNCHANGED, UPDATED, Progress
from .classes import ClassImporter
from .columns import CLASSES, EQUIPMENT, SPECS, STAFF, STUDENTS
from .equipment import EquipmentImporter
from .problems import ImportFileError, ImportResult, Problem
from .reading import read_table
from .staff import StaffImporter
from .students import StudentImporter

IMPORTERS = {
    STUDENTS: StudentImporter,
    STAFF: StaffImporter,
    CLASSES: ClassImporter,
    EQUIPMENT: EquipmentImporter,
}
KINDS = tuple(IMPORTERS)
_YEAR_CODE = re.compile(r"^(\d{4})-(\d{4})$")

__all__ = [
    "KINDS", "SPECS", "ImportFileError", "ImportResult", "Problem", "run_import",
]  # fmt: skip


def _check_year(kind: str, year_code: str | None) -> None:
    if not SPECS[kind].needs_year:
        return
    if not year_code:
        raise ImportFileError(N_("Cần cho biết năm học (ví dụ 2025-2026) để nhập danh sách này"))
    match = _YEAR_CODE.match(year_code)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ImportFileError(
            N_("Năm học «%(year)s» không hợp lệ; hãy ghi dạng 2025-2026"), year=year_code
        )


@contextmanager
def _without_cycle_collection():
    """A large import allocates millions of small objects that live until it ends; Python's
    cycle collector would scan them again and again (a tenth of the time at 100,000 rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_import(
    *,
    kind: str,
    path: Path | str,
    school,
    year_code: str | None,
    actor,
    partial: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    file_name: str = "",
) -> ImportResult:
    """Import the spreadsheet at `path` into `school` (and school year `year_code`).

    `actor` None is the system (command line); otherwise the actor must be able to write at the
    school (PermissionDenied). Raises ImportFileError when the file as a whole cannot be used.
    `progress(phase, done, total)` is called while rows are checked, every 1000 rows, outside
    the transaction so that another connection can show it.
    """
    if kind not in IMPORTERS:
        raise ImportFileError(N_("Loại danh sách «%(kind)s» không được hỗ trợ"), kind=kind)
    check_write(actor, school)
    _check_year(kind, year_code)
    with _without_cycle_collection():
        return _run(kind, path, school, year_code, actor, partial, dry_run, progress, file_name)


def _run(kind, path, school, year_code, actor, partial, dry_run, progress, file_name):
    if progress is not None:
        progress(PHASE_READING, 0, 0)
    table = read_table(Path(path), SPECS[kind])
    importer = IMPORTERS[kind](school=school, year_code=year_code, actor=actor, table=table)
    importer.parse(progress)
    rows = importer.rows
    if progress is not None:
        progress(PHASE_WRITING, len(rows), len(rows))
    mode = "dry_run" if dry_run else "partial" if partial else "all_or_nothing"
    result = ImportResult(kind=kind, mode=mode, total_rows=len(rows))
    with bulk.large_cache(), transaction.atomic():
        if SPECS[kind].needs_year:
            importer.year = schoolyear_get_or_create(code=year_code)
        importer.plan()
        planned = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REJECTED: 0}
        for row in rows:
            planned[row.status] += 1
        result.planned = planned
        result.rejected = planned[REJECTED]
        if not dry_run and (partial or not result.rejected):
            importer.write()
            result.written = True
            result.created, result.updated = planned[CREATED], planned[UPDATED]
            result.unchanged = planned[UNCHANGED]
            audit_log(
                actor=actor, action="import", org_unit=school, kind=kind, year=year_code or "",
                mode=mode, file=file_name, created=result.created, updated=result.updated,
                unchanged=result.unchanged, rejected=result.rejected,
            )  # fmt: skip
        else:
            if dry_run and (partial or not result.rejected):
                result.created, result.updated = planned[CREATED], planned[UPDATED]
                result.unchanged = planned[UNCHANGED]
            # Nothing may stay behind, not even the school year created for the check.
            transaction.set_rollback(True)
    problems = list(table.problems)
    for row in rows:
        problems.extend(row.problems)
    result.problems = problems
    return result
