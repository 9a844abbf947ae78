"""Incremental recompute (compute.recompute_school), the registry hooks that queue it, the task,
and `recompute --all-years`: after any edits, recomputing the schools the hooks marked gives
exactly the rows a full recompute gives."""

import random
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from hocso.monitoring import hooks
from hocso.monitoring.compute import recompute, recompute_school
from hocso.monitoring.models import IndicatorValue
from hocso.monitoring.tasks import recompute_school_task
from hocso.orgs.services import orgunit_close
from hocso.registry import services as registry
from hocso.registry.models import (
    DeviceAccess,
    Enrollment,
    EnrollmentEnd,
    Equipment,
    Gender,
    Room,
    Staff,
    Student,
    StudentStatus,
)

from ..factories import StaffFactory, StudentFactory, make_school, make_year

D = Decimal


def _additive_rows() -> dict:
    """Every stored row of the additive indicators: (indicator, unit, year, breakdown) → pair."""
    return {
        (code, unit, year, key): (num, den)
        for code, unit, year, key, num, den in IndicatorValue.objects.exclude(
            indicator__source="curriculum_covered"
        ).values_list(
            "indicator__code", "org_unit__code", "year__code", "breakdown", "numerator",
            "denominator",
        )
    }  # fmt: skip


def _full_rows(year) -> dict:
    recompute(year=year)
    return _additive_rows()


def _apply_marked():
    """What the queued tasks would do at the commit: recompute every pair the hooks marked."""
    pairs = hooks.pending_pairs()
    for school_id, year_id in sorted(pairs):
        recompute_school_task.call(school_id, year_id)
    return pairs


@pytest.fixture
def computed(school_data, indicators):
    """The school_data registry, fully recomputed; the hooks' marks so far forgotten."""
    recompute(year=school_data.year)
    setattr(connection, hooks._ATTRIBUTE, None)
    return school_data


@pytest.fixture
def enqueued(monkeypatch):
    """The (school id, year id) pairs queued, in order, instead of queuing tasks."""
    pairs = []
    monkeypatch.setattr(
        hooks, "_enqueue", lambda school_id, year_id: pairs.append((school_id, year_id))
    )
    setattr(connection, hooks._ATTRIBUTE, None)
    return pairs


# --- recompute_school -----------------------------------------------------------------------------


def test_a_new_learner_moves_the_school_and_its_ancestors_only(computed):
    tree, year = computed.tree, computed.year
    a6 = computed.classes[0]
    before = _additive_rows()
    learner = StudentFactory(
        school=tree.school_a, gender=Gender.FEMALE, national_id=None, ethnicity="05"
    )
    registry.student_enroll(
        actor=None, student=learner, school_class=a6, start_date=year.start_date
    )

    written = recompute_school(tree.school_a, year)

    after = _additive_rows()
    assert written > 0
    assert after[("enrollment", "84000001", year.code, "")] == (D(5), None)
    assert after[("enrollment", "84", year.code, "")] == (D(7), None)
    assert after[("enrollment", "842", year.code, "gender:F")] == (D(3), None)  # a2 b1 new
    assert after[("khmer_share", "28432", year.code, "")] == (D(3), D(7))
    changed_units = {key[1] for key in after if after[key] != before.get(key)}
    assert changed_units == {"84000001", "28432", "842", "84"}
    assert after == _full_rows(year)


def test_recompute_school_twice_changes_nothing_the_second_time(computed):
    tree, year = computed.tree, computed.year
    registry.student_leave(
        actor=None, student=computed.learners.a1, on=year.start_date + timedelta(days=40),
        reason=EnrollmentEnd.DROP_OUT,
    )  # fmt: skip
    assert recompute_school(tree.school_a, year) > 0
    rows = _additive_rows()
    assert recompute_school(tree.school_a, year) == 0
    assert _additive_rows() == rows == _full_rows(year)


def test_a_breakdown_no_school_feeds_any_more_is_removed_from_the_ancestors(computed):
    tree, year = computed.tree, computed.year
    c10 = registry.class_create(actor=None, school=tree.school_c, year=year, grade=10, name="10A")
    girl = StudentFactory(school=tree.school_c, gender=Gender.FEMALE, national_id=None)
    registry.student_enroll(actor=None, student=girl, school_class=c10, start_date=year.start_date)
    recompute_school(tree.school_c, year)
    assert _additive_rows()[("enrollment", "847", year.code, "gender:F")] == (D(1), None)

    Enrollment.objects.filter(student=girl).delete()
    Student.objects.filter(pk=girl.pk).delete()
    recompute_school(tree.school_c, year)

    rows = _additive_rows()
    assert ("enrollment", "847", year.code, "gender:F") not in rows
    assert ("enrollment", "29161", year.code, "school_level:upper_secondary") not in rows
    assert rows[("enrollment", "847", year.code, "")] == (D(0), None)
    assert rows == _full_rows(year)


def test_units_never_computed_are_left_to_the_full_recompute(school_data, indicators):
    tree, year = school_data.tree, school_data.year
    recompute_school(tree.school_a, year)
    units = set(IndicatorValue.objects.values_list("org_unit__code", flat=True))
    assert units == {"84000001"}
    recompute(year=year)
    assert recompute_school(tree.school_a, year) == 0  # the full recompute agrees


def test_a_school_closed_or_a_unit_that_is_no_school_gets_nothing(computed):
    tree, year = computed.tree, computed.year
    rows = _additive_rows()
    assert recompute_school(tree.commune1, year) == 0
    orgunit_close(actor=None, unit=tree.school_b, valid_to=year.start_date)
    assert recompute_school(tree.school_b, year) == 0
    assert _additive_rows() == rows


def test_queries_do_not_grow_with_the_size_of_the_province(computed, django_assert_max_num_queries):
    tree, year = computed.tree, computed.year
    StaffFactory(school=tree.school_a, position="teacher")
    with django_assert_max_num_queries(60) as small:
        recompute_school(tree.school_a, year)
    for n in range(15):
        make_school(f"8420{n:04d}", tree.commune1)
    recompute(year=year)
    StaffFactory(school=tree.school_a, position="teacher")
    with django_assert_max_num_queries(len(small.captured_queries)):
        recompute_school(tree.school_a, year)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_after_random_edits_incremental_equals_full(computed, seed):
    """Random edits through the registry services and plain saves — rows edited in place to
    another school or school year included; after each round the pairs the hooks marked are
    recomputed incrementally, and the stored rows must be exactly the rows of a full recompute
    (then the next round starts from those)."""
    rng = random.Random(seed)
    tree, year = computed.tree, computed.year
    schools = [tree.school_a, tree.school_b, tree.school_c]
    c10 = registry.class_create(actor=None, school=tree.school_c, year=year, grade=10, name="10A")
    a6, a7, b1 = computed.classes
    classes = {tree.school_a.pk: [a6, a7], tree.school_b.pk: [b1], tree.school_c.pk: [c10]}
    day = [year.start_date + timedelta(days=1)]

    def studying():
        return list(Student.objects.filter(status=StudentStatus.STUDYING).order_by("pk"))

    def enroll():
        school = rng.choice(schools)
        learner = StudentFactory(
            school=school, gender=rng.choice([Gender.MALE, Gender.FEMALE]), national_id=None,
            ethnicity=rng.choice(["01", "05"]), internet_at_home=rng.random() < 0.5,
            device_access=rng.choice([DeviceAccess.NONE, DeviceAccess.OWN_PHONE]),
        )  # fmt: skip
        registry.student_enroll(
            actor=None, student=learner, school_class=rng.choice(classes[school.pk]),
            start_date=day[0],
        )  # fmt: skip

    def leave():
        if learners := studying():
            registry.student_leave(
                actor=None, student=rng.choice(learners), on=day[0],
                reason=rng.choice([EnrollmentEnd.DROP_OUT, EnrollmentEnd.GRADUATION]),
            )  # fmt: skip

    def transfer():
        learners = studying()
        if not learners:
            return
        learner = rng.choice(learners)
        current = Enrollment.objects.get(student=learner, end_date__isnull=True)
        others = [s for s in schools if s.pk != current.school_id]
        target = rng.choice(others)
        registry.student_transfer(
            actor=None, student=learner, to_class=rng.choice(classes[target.pk]), on=day[0]
        )

    def change_class():
        learners = [s for s in studying() if s.school_id == tree.school_a.pk]
        if learners:
            learner = rng.choice(learners)
            current = Enrollment.objects.get(student=learner, end_date__isnull=True)
            other = a7 if current.school_class_id == a6.pk else a6
            registry.student_change_class(actor=None, student=learner, to_class=other, on=day[0])

    def edit_learner():
        # Not a5: the registry refuses to save a learner whose ID contradicts the gender.
        if learners := [s for s in studying() if s.pk != computed.learners.a5.pk]:
            registry.student_update(
                actor=None, student=rng.choice(learners), ethnicity=rng.choice(["01", "05"]),
                internet_at_home=rng.random() < 0.5,
            )  # fmt: skip

    def staff():
        school = rng.choice(schools)
        existing = list(Staff.objects.filter(school=school, is_active=True))
        if existing and rng.random() < 0.4:
            member = rng.choice(existing)
            member.is_active = False
            member.save()
        else:
            StaffFactory(
                school=school, position=rng.choice(["teacher", "principal", "staff"]),
                qualification=rng.choice(["", "bachelor"]),
            )  # fmt: skip

    def facilities():
        school = rng.choice(schools)
        rooms = list(Room.objects.filter(school=school))
        if rooms and rng.random() < 0.3:
            Equipment.objects.filter(school=school).delete()
        elif rooms:
            registry.equipment_save(
                actor=None, school=school, asset_code=f"TB-{rng.randrange(10**6)}",
                name="Máy tính", category="computer",
            )  # fmt: skip
        else:
            registry.room_save(
                actor=None, school=school, code=f"P{rng.randrange(1000)}", name="Phòng",
                kind="classroom",
            )  # fmt: skip

    # In-place edits that take a row out of the (school, year) it counted in.
    other_year = make_year("2024-2025")  # past: the current year stays `year`
    by_year = {
        other_year.pk: {
            school.pk: registry.class_create(
                actor=None, school=school, year=other_year, grade=grade, name="Y"
            )
            for school, grade in ((tree.school_a, 8), (tree.school_b, 3), (tree.school_c, 11))
        }
    }

    def correct_class_year():
        """registry.student_change_class on the enrollment's first day fixes the row in place,
        year included (`current.year = to_class.year`)."""
        school = rng.choice(schools)
        learner = StudentFactory(school=school, national_id=None)
        registry.student_enroll(
            actor=None, student=learner, school_class=rng.choice(classes[school.pk]),
            start_date=day[0],
        )  # fmt: skip
        registry.student_change_class(
            actor=None, student=learner, to_class=by_year[other_year.pk][school.pk], on=day[0]
        )

    def move_enrollment():
        """An enrollment's school and class edited on the row itself."""
        learners = studying()
        if not learners:
            return
        current = Enrollment.objects.get(student=rng.choice(learners), end_date__isnull=True)
        if current.year_id != year.pk:
            return
        target = rng.choice([s for s in schools if s.pk != current.school_id])
        current.school = target
        current.school_class = rng.choice(classes[target.pk])
        current.save()

    def move_school_of(model):
        def move():
            rows = list(model.objects.order_by("pk"))
            if rows:
                row = rng.choice(rows)
                row.school = rng.choice([s for s in schools if s.pk != row.school_id])
                row.save()

        move.__name__ = f"move_{model.__name__}"
        return move

    def move_class():
        """A class (with learners) moved to another school, or to another school year."""
        school = rng.choice(schools)
        moved = registry.class_create(
            actor=None, school=school, year=year, grade=classes[school.pk][0].grade,
            name=f"M{rng.randrange(10**6)}",
        )  # fmt: skip
        classes[school.pk].append(moved)
        if rng.random() < 0.5:
            moved.school = rng.choice([s for s in schools if s.pk != school.pk])
        else:
            moved.year = other_year
        moved.save()
        classes[school.pk].remove(moved)

    def move_admin():
        from hocso.accounts.models import Role, RoleAssignment

        admins = list(RoleAssignment.objects.filter(org_unit__in=schools).order_by("pk"))
        if not admins:
            return
        grant = rng.choice(admins)
        if rng.random() < 0.5:
            grant.org_unit = rng.choice([s for s in schools if s.pk != grant.org_unit_id])
        else:
            grant.role = Role.TEACHER if grant.role == Role.SCHOOL_ADMIN else Role.SCHOOL_ADMIN
        grant.save()

    edits = [enroll, enroll, leave, transfer, change_class, edit_learner, staff, facilities]
    edits += [
        correct_class_year, move_enrollment, move_school_of(Staff), move_school_of(Room),
        move_school_of(Equipment), move_class, move_admin,
    ]  # fmt: skip
    for _round in range(4):
        for _edit in range(rng.randrange(2, 6)):
            rng.choice(edits)()
            day[0] += timedelta(days=1)
        _apply_marked()
        setattr(connection, hooks._ATTRIBUTE, None)
        incremental = _additive_rows()
        assert incremental == _full_rows(year)


# --- the hooks ----------------------------------------------------------------------------------


def test_one_task_per_school_and_year_when_the_transaction_commits(
    computed, enqueued, django_capture_on_commit_callbacks
):
    tree, year = computed.tree, computed.year
    a6, a7, b1 = computed.classes
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for school_class in (a6, a6, a7):
            learner = StudentFactory(school=tree.school_a, national_id=None)
            registry.student_enroll(
                actor=None, student=learner, school_class=school_class,
                start_date=year.start_date,
            )  # fmt: skip
        assert enqueued == []  # not before the commit
    assert enqueued == [(tree.school_a.pk, year.pk)]


def test_staff_rooms_and_admin_accounts_mark_their_school_for_the_current_year(
    computed, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    from hocso.accounts.models import Role
    from hocso.accounts.services import role_grant
    from hocso.orgs import selectors as org_selectors

    from ..factories import UserFactory

    tree, year = computed.tree, computed.year
    monkeypatch.setattr(org_selectors, "current_school_year", lambda **kw: year)
    with django_capture_on_commit_callbacks(execute=True):
        StaffFactory(school=tree.school_b)
        registry.room_save(actor=None, school=tree.school_c, code="P9", name="P9", kind="classroom")
        role_grant(actor=None, user=UserFactory(), role=Role.SCHOOL_ADMIN, org_unit=tree.school_b)
        role_grant(
            actor=None, user=UserFactory(), role=Role.DISTRICT_OFFICER, org_unit=tree.district1
        )
    assert sorted(enqueued) == [(tree.school_b.pk, year.pk), (tree.school_c.pk, year.pk)]


def test_a_learner_edit_marks_every_school_and_year_the_learner_is_counted_in(
    computed, enqueued, django_capture_on_commit_callbacks
):
    tree, year = computed.tree, computed.year
    earlier = make_year("2024-2025")
    b_old = registry.class_create(
        actor=None, school=tree.school_b, year=earlier, grade=5, name="5A"
    )
    learner = computed.learners.a1
    Enrollment.objects.create(
        student=learner, school=tree.school_b, year=earlier, school_class=b_old,
        start_date=earlier.start_date, end_date=earlier.end_date, end_reason=EnrollmentEnd.YEAR_END,
    )  # fmt: skip
    setattr(connection, hooks._ATTRIBUTE, None)
    with django_capture_on_commit_callbacks(execute=True):
        registry.student_update(actor=None, student=learner, ethnicity="05")
    assert sorted(enqueued) == sorted([(tree.school_a.pk, year.pk), (tree.school_b.pk, earlier.pk)])


def test_an_enrollment_corrected_to_another_year_marks_the_old_pair_too(
    computed, enqueued, django_capture_on_commit_callbacks
):
    tree, year = computed.tree, computed.year
    earlier = make_year("2024-2025")
    a6 = computed.classes[0]
    a8_old = registry.class_create(
        actor=None, school=tree.school_a, year=earlier, grade=8, name="8A"
    )
    learner = StudentFactory(school=tree.school_a, national_id=None)
    registry.student_enroll(
        actor=None, student=learner, school_class=a6, start_date=year.start_date
    )
    setattr(connection, hooks._ATTRIBUTE, None)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registry.student_change_class(
            actor=None, student=learner, to_class=a8_old, on=year.start_date
        )
    assert sorted(enqueued) == sorted([(tree.school_a.pk, year.pk), (tree.school_a.pk, earlier.pk)])


def test_rows_moved_to_another_school_mark_both_schools(
    computed, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    from hocso.accounts.models import Role, RoleAssignment
    from hocso.orgs import selectors as org_selectors

    tree, year = computed.tree, computed.year
    monkeypatch.setattr(org_selectors, "current_school_year", lambda **kw: year)
    a, b, c = tree.school_a.pk, tree.school_b.pk, tree.school_c.pk
    for model, target in ((Staff, b), (Room, c), (Equipment, b)):
        enqueued.clear()
        row = model.objects.filter(school_id=a).first()
        with django_capture_on_commit_callbacks(execute=True):
            row.school_id = target
            row.save()
        assert sorted(enqueued) == sorted([(a, year.pk), (target, year.pk)]), model
    enqueued.clear()
    grant = RoleAssignment.objects.get(role=Role.SCHOOL_ADMIN, org_unit_id=a)
    with django_capture_on_commit_callbacks(execute=True):
        grant.role = Role.TEACHER  # no longer an admin: A loses its account
        grant.save()
    assert enqueued == [(a, year.pk)]
    enqueued.clear()
    b1 = computed.classes[2]
    with django_capture_on_commit_callbacks(execute=True):
        b1.school_id = c
        b1.save()
    assert sorted(enqueued) == sorted([(b, year.pk), (c, year.pk)])


def test_a_save_that_leaves_school_and_year_alone_reads_nothing_more(
    computed, django_assert_num_queries
):
    enrollment = Enrollment.objects.filter(end_date__isnull=True).first()
    enrollment.note = "ghi chú"
    with django_assert_num_queries(1):  # the UPDATE only
        enrollment.save(update_fields=["note"])
    new = StaffFactory.build(school=computed.tree.school_a)
    with django_assert_num_queries(1):  # the INSERT only: a new row has nothing old
        new.save()


def test_a_rolled_back_savepoint_queues_nothing(
    computed, enqueued, django_capture_on_commit_callbacks
):
    tree, year = computed.tree, computed.year
    a6, _a7, b1 = computed.classes

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom), transaction.atomic():
            learner = StudentFactory(school=tree.school_a, national_id=None)
            registry.student_enroll(
                actor=None, student=learner, school_class=a6, start_date=year.start_date
            )
            raise Boom
        learner = StudentFactory(school=tree.school_b, national_id=None)
        registry.student_enroll(
            actor=None, student=learner, school_class=b1, start_date=year.start_date
        )
    assert enqueued == [(tree.school_b.pk, year.pk)]


def test_paused_queues_nothing(computed, enqueued, django_capture_on_commit_callbacks):
    tree, year = computed.tree, computed.year
    with django_capture_on_commit_callbacks(execute=True), hooks.paused():
        StaffFactory(school=tree.school_a)
        hooks.data_changed([tree.school_b.pk], year)
    assert enqueued == []


def test_data_changed_queues_the_schools_of_a_bulk_write(
    computed, enqueued, django_capture_on_commit_callbacks
):
    tree, year = computed.tree, computed.year
    with django_capture_on_commit_callbacks(execute=True):
        hooks.data_changed([tree.school_a.pk, tree.school_c.pk, tree.school_a.pk], year)
    assert enqueued == [(tree.school_a.pk, year.pk), (tree.school_c.pk, year.pk)]


def test_a_committed_change_brings_the_stored_figures_up_to_date_through_the_task(
    computed, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    tree, year = computed.tree, computed.year
    setattr(connection, hooks._ATTRIBUTE, None)
    with django_capture_on_commit_callbacks(execute=True):
        learner = StudentFactory(school=tree.school_b, national_id=None, gender=Gender.FEMALE)
        registry.student_enroll(
            actor=None, student=learner, school_class=computed.classes[2],
            start_date=year.start_date,
        )  # fmt: skip
        # A bulk write sends no signal: the writer says so.
        Student.objects.filter(pk=computed.learners.a2.pk).update(ethnicity="01")
        hooks.data_changed([tree.school_a.pk], year)
    rows = _additive_rows()
    assert rows[("enrollment", "84", year.code, "")] == (D(7), None)
    assert rows[("khmer_share", "84", year.code, "")] == (D(1), D(7))
    assert rows == _full_rows(year)


def test_a_web_import_queues_its_school(
    client, users, tree, year, indicators, tmp_path, settings, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from ..registry._spreadsheets import STUDENT_HEADERS, student, write_xlsx

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1), student(2)])
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("hs.xlsx", handle.read())
    client.force_login(users.admin_a)
    setattr(connection, hooks._ATTRIBUTE, None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry:import"),
            {"kind": "students", "school": tree.school_a.pk, "year": year.pk,
             "mode": "all_or_nothing", "file": upload},
        )  # fmt: skip
    assert Student.objects.filter(school=tree.school_a).count() == 2
    assert enqueued == [(tree.school_a.pk, year.pk)]


# --- recompute --all-years ----------------------------------------------------------------------


def test_all_years_recomputes_every_year_with_enrollments(computed):
    tree = computed.tree
    earlier = make_year("2024-2025")
    make_year("2030-2031")  # no enrollment: not computed
    b_old = registry.class_create(
        actor=None, school=tree.school_b, year=earlier, grade=5, name="5A"
    )
    learner = StudentFactory(school=tree.school_b, national_id=None)
    registry.student_enroll(
        actor=None, student=learner, school_class=b_old, start_date=earlier.start_date
    )
    IndicatorValue.objects.all().delete()
    out = StringIO()
    call_command("monitoring", "recompute", "--all-years", stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    assert "2024-2025" in lines[0] and "2025-2026" in lines[1]
    years = set(IndicatorValue.objects.values_list("year__code", flat=True))
    assert years == {"2024-2025", "2025-2026"}
    assert lines[-1].endswith(f"values={IndicatorValue.objects.count()}")
    assert lines[-1].startswith("indicators=") and " units=8 " in lines[-1]


def test_all_years_and_year_together_exit_2(computed):
    with pytest.raises(SystemExit) as exited:
        call_command(
            "monitoring", "recompute", "--all-years", "--year", computed.year.code,
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    assert exited.value.code == 2


# --- a full recompute and the incremental tasks ---------------------------------------------------


@pytest.mark.parametrize("subtree", [False, True])
def test_recompute_locks_what_recompute_school_locks_first_before_reading(
    computed, monkeypatch, subtree
):
    """Each indicator's transaction of `recompute` takes the row locks recompute_school takes
    first (the top of the school's chain), THEN reads the data, then writes — so a concurrent
    incremental task runs wholly before the read or after the write, never in between."""
    from hocso.monitoring import compute
    from hocso.orgs.models import OrgUnit

    tree, year = computed.tree, computed.year
    events = []

    def spy(name, function):
        def wrapped(*args, **kwargs):
            result = function(*args, **kwargs)
            events.append((name, tuple(connection.savepoint_ids), result))
            return result

        monkeypatch.setattr(compute, name, wrapped)

    for name in ("_lock_tops", "_rows_additive", "_rows_per_unit", "_write_rows"):
        spy(name, getattr(compute, name))
    taken = []
    real_select_for_update = OrgUnit.objects.none().__class__.select_for_update

    def record_lock(self, *args, **kwargs):
        locked = real_select_for_update(self, *args, **kwargs)
        taken.append(locked)
        return locked

    monkeypatch.setattr(OrgUnit.objects.none().__class__, "select_for_update", record_lock)
    recompute_school(tree.school_a, year)
    school_first_lock = taken[0].order_by("depth", "path").values_list("pk", flat=True)[0]
    events.clear()

    summary = recompute(org=tree.commune1 if subtree else None, year=year)

    steps = [events[i : i + 3] for i in range(0, len(events), 3)]
    assert len(steps) == summary.indicators > 0
    savepoints = set()
    for lock, read, write in steps:
        assert (lock[0], read[0][:6], write[0]) == ("_lock_tops", "_rows_", "_write_rows")
        # One transaction (savepoint) holds the lock, the read and the write.
        assert lock[1] == read[1] == write[1] and lock[1]
        savepoints.add(lock[1][-1])
        locked = lock[2]
        assert school_first_lock in locked  # the row recompute_school waits on
        expected = (
            [tree.province.pk, tree.district1.pk, tree.commune1.pk] if subtree
            else [tree.province.pk]
        )  # fmt: skip
        assert locked == expected
    assert len(savepoints) == summary.indicators  # one transaction per indicator


def test_recompute_selects_the_top_units_for_update(computed):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        recompute(year=computed.year, indicators=[_enrollment()])
    locks = [q["sql"] for q in queries.captured_queries if '"orgs_orgunit"' in q["sql"]]
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in sql for sql in locks)
    assert locks  # the lock query runs on every backend


def _enrollment():
    from hocso.monitoring.models import Indicator

    return Indicator.objects.get(code="enrollment")
