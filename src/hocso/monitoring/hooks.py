"""Keep the stored indicator values current as the registry changes (issue 7, "Computation").

The sources (sources.py) read enrollments and learners, classes, staff, rooms, equipment and
school-admin accounts. A save or delete of any of those marks the (school, school year) it
touches; the marks of one transaction are collected on the database connection and, when it
commits, ONE task per distinct pair is queued (tasks.recompute_school_task → compute.
recompute_school: that school's rows and its ancestors' sums, O(depth)). A rolled-back
transaction (or savepoint) queues nothing. Outside a transaction (autocommit) the pair is queued
at once.

What the receivers do is cheap on purpose — add an id to a set — because every save of those
models in every app (and test) runs them; the ids are resolved to pairs at the commit:
- Enrollment, SchoolClass: (school, year) of the row;
- Staff, Room, Equipment (no school year; today's data): (school, the current year);
- Student: the (school, year) of each of the learner's enrollments (attributes such as gender,
  ID or status change the counts wherever they are counted); a deleted learner's enrollments
  are deleted with it and mark their own pairs;
- RoleAssignment of a school admin: (that school, the current year).
A row edited in place may leave the pair it counted in: an enrollment whose class is corrected to
another year (registry student_change_class), a staff member, room or piece of equipment moved to
another school, a class moved to another school or year, a role assignment changed to another
role or unit. So before saving an EXISTING row of those models (one with a pk), a pre_save
receiver reads the row's stored school/year (or role/unit) — one query by pk, skipped when
`update_fields` leaves those fields out — and the post_save receiver marks the OLD pair too when
it differs. New rows cost no query.
Grade entries (assessment scores, one source's "has grade entries") are written in bulk and so
are the org tree's moves and closures: the full recompute (`hocso monitoring recompute`,
nightly) brings those in.

Bulk writes (the importers' bulk_create/update) bypass signals: an importer calls
`data_changed(school_ids, year)` after writing (registry/importers/jobs.py does). A bulk loader
that recomputes everything at the end anyway (the demo generator) can wrap its work in
`paused()` so no task is queued at all.
"""

import logging
import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

logger = logging.getLogger(__name__)

_ATTRIBUTE = "_hocso_monitoring_pending"
_local = threading.local()
RESOLVE_BATCH = 500


class _Pending:
    """The marks of one transaction, flushed (tasks queued) when it commits."""

    __slots__ = ("pairs", "schools", "students", "units", "callbacks", "flushed")

    def __init__(self):
        self.pairs: set[tuple[int, int]] = set()  # (school id, year id)
        self.schools: set[int] = set()  # the current year
        self.students: set[int] = set()  # the years and schools of their enrollments
        self.units: set[int] = set()  # school-admin accounts: the unit, if a school
        self.callbacks = None
        self.flushed = False

    def flush(self) -> None:
        self.flushed = True
        for school_id, year_id in sorted(self.resolve(), key=lambda p: (p[0], p[1] or 0)):
            _enqueue(school_id, year_id)

    def resolve(self) -> set[tuple[int, int | None]]:
        from hocso.orgs.models import OrgKind, OrgUnit
        from hocso.orgs.selectors import current_school_year
        from hocso.registry.models import Enrollment

        pairs: set[tuple[int, int | None]] = set(self.pairs)
        students = sorted(self.students)
        for start in range(0, len(students), RESOLVE_BATCH):
            pairs.update(
                Enrollment.objects.filter(student_id__in=students[start : start + RESOLVE_BATCH])
                .order_by()
                .values_list("school_id", "year_id")
                .distinct()
            )
        schools = set(self.schools)
        if self.units:
            schools.update(
                OrgUnit.objects.filter(pk__in=sorted(self.units), kind=OrgKind.SCHOOL).values_list(
                    "pk", flat=True
                )
            )
        if schools:
            year = current_school_year()
            pairs.update((school_id, year.pk if year else None) for school_id in schools)
        return {pair for pair in pairs if pair[0] is not None}


def _enqueue(school_id: int, year_id: int | None) -> None:
    from .tasks import recompute_school_task

    recompute_school_task.enqueue(school_id, year_id)


def _registered(connection, pending: _Pending) -> bool:
    """Whether `pending`'s flush is still among the connection's commit callbacks: a rolled-back
    savepoint or transaction drops it (and with it the marks made there — rightly)."""
    if pending.flushed:
        return False
    callbacks = connection.run_on_commit
    if callbacks is pending.callbacks:  # the list is rebuilt whenever a callback is dropped
        return True
    if any(entry[1] == pending.flush for entry in callbacks):
        pending.callbacks = callbacks
        return True
    return False


def _pending(using: str | None) -> tuple[_Pending, bool]:
    """This transaction's marks, and whether the caller must flush them at once (autocommit)."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return _Pending(), True
    pending = getattr(connection, _ATTRIBUTE, None)
    if pending is None or not _registered(connection, pending):
        pending = _Pending()
        setattr(connection, _ATTRIBUTE, pending)
        transaction.on_commit(pending.flush, using=using, robust=True)
        pending.callbacks = connection.run_on_commit
    return pending, False


def _mark(using: str | None, kind: str, value) -> None:
    if getattr(_local, "paused", 0):
        return
    pending, now = _pending(using)
    getattr(pending, kind).add(value)
    if now:
        pending.flush()


@contextmanager
def paused():
    """Queue nothing for the changes made inside (in this thread): for bulk loaders that run a
    full recompute at the end."""
    _local.paused = getattr(_local, "paused", 0) + 1
    try:
        yield
    finally:
        _local.paused -= 1


def data_changed(school_ids, year=None, *, using: str | None = None) -> None:
    """The data of these schools changed in `year` (a SchoolYear or its pk; None: the current
    year) by writes that send no signals (bulk imports): queue their recompute after the commit
    (at once outside a transaction)."""
    if getattr(_local, "paused", 0):
        return
    year_id = getattr(year, "pk", year)
    pending, now = _pending(using)
    for school_id in school_ids:
        if year_id is None:
            pending.schools.add(school_id)
        else:
            pending.pairs.add((school_id, year_id))
    if now:
        pending.flush()


def pending_pairs(using: str | None = None) -> set[tuple[int, int | None]]:
    """The (school id, year id) pairs the current transaction has marked so far, i.e. what its
    commit will queue (tests, diagnostics). Empty outside a transaction."""
    connection = transaction.get_connection(using)
    pending = getattr(connection, _ATTRIBUTE, None)
    if not connection.in_atomic_block or pending is None or not _registered(connection, pending):
        return set()
    return pending.resolve()


# ---------------------------------------------------------------- receivers

_OLD = "_hocso_monitoring_old"
# model name → the fields whose old values mark an old pair when changed in place.
_TRACKED = {
    "Enrollment": ("school", "year"),
    "SchoolClass": ("school", "year"),
    "Staff": ("school",),
    "Room": ("school",),
    "Equipment": ("school",),
    "RoleAssignment": ("role", "org_unit"),
}


def _remember(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    """pre_save: keep the stored values of the tracked fields of an existing row that this save
    changes (one query by pk), for the post_save receiver to mark the old pair."""
    instance.__dict__.pop(_OLD, None)
    if raw or instance.pk is None or getattr(_local, "paused", 0):
        return
    names = _TRACKED[sender.__name__]
    if update_fields is not None and not set(names) & set(update_fields):
        return
    attnames = [sender._meta.get_field(name).attname for name in names]
    old = sender._base_manager.using(using).filter(pk=instance.pk).values_list(*attnames).first()
    if old is not None and old != tuple(getattr(instance, a) for a in attnames):
        instance.__dict__[_OLD] = dict(zip(attnames, old, strict=True))


def _old(instance) -> dict | None:
    return instance.__dict__.pop(_OLD, None)


def _school_year(sender, instance, using=None, raw=False, **kwargs):
    if not raw:
        _mark(using, "pairs", (instance.school_id, instance.year_id))
        if old := _old(instance):
            _mark(using, "pairs", (old["school_id"], old["year_id"]))


def _school_today(sender, instance, using=None, raw=False, **kwargs):
    if not raw:
        _mark(using, "schools", instance.school_id)
        if old := _old(instance):
            _mark(using, "schools", old["school_id"])


def _student(sender, instance, using=None, raw=False, **kwargs):
    if not raw:
        _mark(using, "students", instance.pk)


def _role(sender, instance, using=None, raw=False, **kwargs):
    from hocso.accounts.models import Role

    if raw:
        return
    if instance.role == Role.SCHOOL_ADMIN:
        _mark(using, "units", instance.org_unit_id)
    old = _old(instance)
    if old and old["role"] == Role.SCHOOL_ADMIN:
        _mark(using, "units", old["org_unit_id"])


def connect() -> None:
    """Connect the receivers (MonitoringConfig.ready)."""
    from hocso.accounts.models import RoleAssignment
    from hocso.registry.models import Enrollment, Equipment, Room, SchoolClass, Staff, Student

    receivers = [
        (Enrollment, _school_year, True),
        (SchoolClass, _school_year, True),
        (Staff, _school_today, True),
        (Room, _school_today, True),
        (Equipment, _school_today, True),
        # A deleted learner's enrollments go with it and mark their own pairs.
        (Student, _student, False),
        (RoleAssignment, _role, True),
    ]
    for model, receiver, on_delete in receivers:
        uid = f"hocso.monitoring.hooks.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.save")
        if model.__name__ in _TRACKED:
            pre_save.connect(_remember, sender=model, dispatch_uid=f"{uid}.pre_save")
        if on_delete:
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}.delete")
