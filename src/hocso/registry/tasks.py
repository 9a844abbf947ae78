"""Background tasks of the registry (django-tasks; the database backend runs them in `db_worker`)."""

from django_tasks import task

from .importers.jobs import import_job_run


@task()
def run_import_job(job_id: int) -> None:
    """Run one spreadsheet import queued from the web page (idempotent, see import_job_run)."""
    import_job_run(job_id)
