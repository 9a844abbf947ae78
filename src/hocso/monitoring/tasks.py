"""Background tasks of the monitoring centre (django-tasks; the database backend runs them in
`db_worker`, HOCSO_TASKS_IMMEDIATE=1 runs them inline). hooks.py queues them."""

from django_tasks import task


@task()
def recompute_school_task(school_id: int, year_id: int | None = None) -> int:
    """Bring one school's stored indicator values and its ancestors' sums up to date for a
    school year (default: the current one) — compute.recompute_school. Idempotent: it computes
    the difference from what is stored, so running it twice changes nothing the second time.
    A school or year deleted meanwhile: nothing to do (0)."""
    from hocso.orgs.models import OrgUnit, SchoolYear

    from .compute import recompute_school

    school = OrgUnit.objects.filter(pk=school_id).first()
    year = None
    if year_id is not None:
        year = SchoolYear.objects.filter(pk=year_id).first()
        if year is None:
            return 0
    if school is None:
        return 0
    return recompute_school(school, year)
