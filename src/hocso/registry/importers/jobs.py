"""Imports started from the web page: the uploaded file is kept under MEDIA_ROOT/imports/ with a
random name, an ImportJob row records the request, and a background task (registry/tasks.py)
runs the same importer as the command line.

Progress: the importer reports every 1000 rows while it reads and checks them, which happens
before its transaction opens; each report is one UPDATE of the job row in autocommit mode, so
the progress page (another connection) sees it at once, on SQLite too. The matching and writing
that follow run in one transaction, during which SQLite allows no other writer — the job shows
the phase "writing" until it finishes. (A progress update from inside that transaction would be
invisible until the commit anyway.)
"""

import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from hocso.monitoring.hooks import data_changed

from ..models import ImportJob
from ..services import check_write
from . import run_import
from .problems import ImportFileError, Problem
from .reading import sniff

logger = logging.getLogger(__name__)
UPLOAD_DIR = "imports"


def _store(uploaded) -> str:
    """Save the upload under MEDIA_ROOT/imports/ with a random name; return the relative path."""
    directory = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    relative = f"{UPLOAD_DIR}/{secrets.token_hex(16)}.upload"
    with (Path(settings.MEDIA_ROOT) / relative).open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return relative


def _discard(relative: str) -> None:
    if relative:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)


def import_job_create(*, actor, kind: str, school, year, mode: str, uploaded) -> ImportJob:
    """Check the actor and the file's content, keep the file, queue the job.

    Raises PermissionDenied, or ImportFileError when the upload is not a usable spreadsheet
    (too big, not .xlsx/.csv by content) so the form can say so at once.
    """
    check_write(actor, school)
    relative = _store(uploaded)
    try:
        sniff(Path(settings.MEDIA_ROOT) / relative)
    except ImportFileError:
        _discard(relative)
        raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, school=school, year=year, mode=mode, file_name=uploaded.name[:255],
            stored_file=relative, created_by=actor,
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks import run_import_job

    run_import_job.enqueue(job_id)


def import_job_run(job_id: int) -> None:
    """Run a queued job. Idempotent: a finished job is left alone; a job interrupted while
    running is run again (a re-import changes nothing that was already written)."""
    job = ImportJob.objects.select_related("school", "year", "created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )

    def progress(phase: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            phase=phase, processed_rows=done, total_rows=max(total, done)
        )

    finished = {"status": ImportJob.Status.DONE, "finished_at": timezone.now(), "phase": ""}
    try:
        result = run_import(
            kind=job.kind,
            path=Path(settings.MEDIA_ROOT) / job.stored_file,
            school=job.school,
            year_code=job.year.code if job.year else None,
            actor=job.created_by,
            partial=job.mode == ImportJob.Mode.PARTIAL,
            dry_run=job.mode == ImportJob.Mode.DRY_RUN,
            progress=progress,
            file_name=job.file_name,
        )
    except ImportFileError as exc:
        finished |= {"status": ImportJob.Status.FAILED,
                     "failure": {"message": exc.message, "params": exc.params}}  # fmt: skip
    except PermissionDenied:
        finished |= {
            "status": ImportJob.Status.FAILED,
            "failure": {"message": N_("Bạn không có quyền ghi dữ liệu ở trường này"), "params": {}},
        }
    except Exception:
        logger.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(), phase="",
            failure={"message": N_("Lỗi hệ thống khi nhập dữ liệu; không có gì được ghi. "
                                   "Hãy báo cho quản trị hệ thống."), "params": {}},
        )  # fmt: skip
        _discard(job.stored_file)
        raise
    else:
        finished |= {
            "total_rows": result.total_rows, "processed_rows": result.total_rows,
            "created_count": result.created, "updated_count": result.updated,
            "unchanged_count": result.unchanged, "rejected_count": result.rejected,
            "written": result.written, "planned": result.planned,
            "problems": [p.as_dict() for p in result.problems],
        }  # fmt: skip
        data_changed([job.school_id] if result.written else [], job.year)  # monitoring figures
    finished["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**finished)
    _discard(job.stored_file)


def job_problems(job: ImportJob) -> list[Problem]:
    return [Problem.from_dict(item) for item in job.problems]
