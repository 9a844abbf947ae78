"""Daily attendance: the roll call service (replace semantics, days, who is on the list, who may
record) and the reads built on it (month summary, a learner's year)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.services import role_grant
from hocso.orgs.models import SchoolYear
from hocso.registry import attendance
from hocso.registry import services as registry
from hocso.registry.models import Absence, Enrollment, EnrollmentEnd

from ..factories import StaffFactory, StudentFactory, UserFactory

START = date(2025, 9, 5)
MONDAY = date(2025, 11, 17)
SATURDAY = date(2025, 11, 15)
SUNDAY = date(2025, 11, 16)


def _teacher(username, school):
    user = UserFactory(username=username)
    role_grant(actor=None, user=user, role=Role.TEACHER, org_unit=school)
    return user, StaffFactory(school=school, user=user)


@pytest.fixture(name="klass")
def klass_fixture(tree, users, year):
    """6A1 at school A (2025-2026) with a homeroom teacher and three learners (An, Bình, Cúc);
    `other_teacher` teaches at school A; 6A2 is a second class of the school."""
    homeroom, homeroom_staff = _teacher("gvcn_6a1", tree.school_a)
    other_teacher, _staff = _teacher("gv_khac", tree.school_a)
    school_class = registry.class_create(
        actor=None, school=tree.school_a, year=year, grade=6, name="6A1",
        homeroom_teacher=homeroom_staff,
    )  # fmt: skip
    other_class = registry.class_create(
        actor=None, school=tree.school_a, year=year, grade=6, name="6A2"
    )
    learners = []
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Cúc"):
        student = StudentFactory(school=tree.school_a, full_name=name)
        registry.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=START
        )
        learners.append(student)
    an, binh, cuc = learners
    return SimpleNamespace(
        school_class=school_class, other_class=other_class, an=an, binh=binh, cuc=cuc,
        homeroom=homeroom, homeroom_staff=homeroom_staff, other_teacher=other_teacher,
        admin=users.admin_a,
    )  # fmt: skip


def _rows(school_class, day):
    return {
        a.student_id: (a.excused, a.reason)
        for a in Absence.objects.filter(school_class=school_class, date=day)
    }


# --- the roll call ---------------------------------------------------------------------------


def test_roll_call_records_the_absent_and_counts_everyone_else_present(klass):
    result = attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (True, "Ốm"), klass.binh.pk: (False, "")},
        klass.homeroom,
    )  # fmt: skip
    assert _rows(klass.school_class, MONDAY) == {
        klass.an.pk: (True, "Ốm"),
        klass.binh.pk: (False, ""),
    }
    assert (result.present, result.excused, result.unexcused) == (1, 1, 1)
    absence = Absence.objects.get(student=klass.an, date=MONDAY)
    assert absence.recorded_by == klass.homeroom
    assert absence.school == klass.school_class.school


def test_a_second_roll_call_replaces_the_days_absences(klass):
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (True, "Ốm"), klass.binh.pk: (False, "")},
        klass.homeroom,
    )  # fmt: skip
    result = attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.binh.pk: (True, "Đi khám"), klass.cuc.pk: (False, "")},
        klass.admin,
    )  # fmt: skip
    assert _rows(klass.school_class, MONDAY) == {
        klass.binh.pk: (True, "Đi khám"),
        klass.cuc.pk: (False, ""),
    }
    assert result.changed == 3  # An removed, Bình changed, Cúc added
    assert Absence.objects.get(student=klass.binh, date=MONDAY).recorded_by == klass.admin


def test_an_empty_roll_call_marks_everyone_present(klass):
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (False, "")}, klass.homeroom
    )
    result = attendance.record_roll_call(klass.school_class, MONDAY, {}, klass.homeroom)
    assert _rows(klass.school_class, MONDAY) == {}
    assert result.present == 3


def test_saving_the_same_roll_call_again_changes_nothing(klass):
    absences = {klass.an.pk: (True, "Ốm"), klass.binh.pk: (False, "")}
    attendance.record_roll_call(klass.school_class, MONDAY, absences, klass.homeroom)
    before = list(Absence.objects.values_list("pk", "recorded_by", "recorded_at", "excused"))
    result = attendance.record_roll_call(klass.school_class, MONDAY, absences, klass.admin)
    after = list(Absence.objects.values_list("pk", "recorded_by", "recorded_at", "excused"))
    assert after == before
    assert result.changed == 0
    assert (result.present, result.excused, result.unexcused) == (1, 1, 1)


def test_the_roll_call_of_one_day_leaves_other_days_and_classes_alone(klass):
    other = StudentFactory(school=klass.school_class.school)
    registry.student_enroll(
        actor=None, student=other, school_class=klass.other_class, start_date=START
    )
    Absence.objects.create(
        student=other, school=klass.other_class.school, school_class=klass.other_class, date=MONDAY
    )
    tuesday = MONDAY + timedelta(days=1)
    attendance.record_roll_call(klass.school_class, tuesday, {klass.an.pk: (False, "")}, None)
    attendance.record_roll_call(klass.school_class, MONDAY, {}, None)
    assert _rows(klass.school_class, tuesday) == {klass.an.pk: (False, "")}
    assert _rows(klass.other_class, MONDAY) == {other.pk: (False, "")}


def test_reasons_are_cleaned_and_too_long_ones_refused(klass):
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (True, "  Ốm   sốt ")}, klass.homeroom
    )
    assert _rows(klass.school_class, MONDAY) == {klass.an.pk: (True, "Ốm sốt")}
    with pytest.raises(ValidationError, match="200"):
        attendance.record_roll_call(
            klass.school_class, MONDAY, {klass.an.pk: (True, "x" * 201)}, klass.homeroom
        )
    assert _rows(klass.school_class, MONDAY) == {klass.an.pk: (True, "Ốm sốt")}


# --- who is on the list ----------------------------------------------------------------------


def test_a_learner_of_another_class_is_refused_and_nothing_is_written(klass):
    stranger = StudentFactory(school=klass.school_class.school, full_name="Phạm Văn Lạ")
    registry.student_enroll(
        actor=None, student=stranger, school_class=klass.other_class, start_date=START
    )
    with pytest.raises(ValidationError, match="Phạm Văn Lạ"):
        attendance.record_roll_call(
            klass.school_class, MONDAY, {klass.an.pk: (True, ""), stranger.pk: (False, "")},
            klass.homeroom,
        )  # fmt: skip
    assert not Absence.objects.exists()


def test_learners_only_count_on_the_days_they_were_enrolled(klass, tree):
    late = StudentFactory(school=tree.school_a, full_name="Hồ Văn Đến Sau")
    registry.student_enroll(
        actor=None, student=late, school_class=klass.school_class, start_date=MONDAY
    )
    with pytest.raises(ValidationError, match="Hồ Văn Đến Sau"):
        attendance.record_roll_call(klass.school_class, SATURDAY, {late.pk: (False, "")}, None)
    attendance.record_roll_call(klass.school_class, MONDAY, {late.pk: (False, "")}, None)
    assert late.pk in _rows(klass.school_class, MONDAY)


def test_on_the_day_of_a_class_change_the_learner_belongs_to_the_new_class(klass):
    registry.student_change_class(
        actor=None, student=klass.an, to_class=klass.other_class, on=MONDAY
    )
    with pytest.raises(ValidationError):
        attendance.record_roll_call(klass.school_class, MONDAY, {klass.an.pk: (False, "")}, None)
    attendance.record_roll_call(klass.other_class, MONDAY, {klass.an.pk: (False, "")}, None)
    # The day before, they were still in the old class.
    friday = MONDAY - timedelta(days=3)
    attendance.record_roll_call(klass.school_class, friday, {klass.an.pk: (True, "")}, None)
    assert set(attendance.roll_call_roster(klass.school_class, MONDAY)) == {klass.binh, klass.cuc}


def test_an_absence_already_recorded_by_another_class_that_day_is_reported(klass):
    # A class change entered after the old class had already taken that day's roll call.
    Absence.objects.create(
        student=klass.an, school=klass.other_class.school, school_class=klass.other_class,
        date=MONDAY,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="6A2"):
        attendance.record_roll_call(klass.school_class, MONDAY, {klass.an.pk: (False, "")}, None)


# --- which days ------------------------------------------------------------------------------


def test_a_future_day_is_refused(klass, tree):
    today = timezone.localdate()
    running = SchoolYear.objects.create(
        code="2098-2099", start_date=today - timedelta(days=60),
        term1_end=today + timedelta(days=30), term2_start=today + timedelta(days=31),
        end_date=today + timedelta(days=200),
    )  # fmt: skip
    current = registry.class_create(
        actor=None, school=tree.school_a, year=running, grade=7, name="7A1",
        homeroom_teacher=klass.homeroom_staff,
    )  # fmt: skip
    tomorrow = today + timedelta(days=1)
    if tomorrow.weekday() == attendance.SUNDAY:
        tomorrow += timedelta(days=1)
    with pytest.raises(ValidationError, match="chưa tới"):
        attendance.record_roll_call(current, tomorrow, {}, klass.homeroom)


@pytest.mark.parametrize("day", [date(2025, 9, 4), date(2026, 6, 1), date(2024, 11, 18)])
def test_a_day_outside_the_school_year_is_refused(klass, day):
    with pytest.raises(ValidationError, match="ngoài năm học"):
        attendance.record_roll_call(klass.school_class, day, {}, klass.homeroom)


def test_sunday_is_refused(klass):
    with pytest.raises(ValidationError, match="Chủ nhật"):
        attendance.record_roll_call(klass.school_class, SUNDAY, {}, klass.homeroom)


def test_saturday_is_accepted_with_a_warning(klass):
    result = attendance.record_roll_call(
        klass.school_class, SATURDAY, {klass.an.pk: (False, "")}, klass.homeroom
    )
    assert _rows(klass.school_class, SATURDAY) == {klass.an.pk: (False, "")}
    assert result.warnings and "thứ Bảy" in result.warnings[0]
    monday = attendance.record_roll_call(klass.school_class, MONDAY, {}, klass.homeroom)
    assert monday.warnings == []


# --- who may record --------------------------------------------------------------------------


def test_the_homeroom_teacher_and_school_admins_may_record(klass, users):
    for actor in (klass.homeroom, klass.admin, users.superuser, None):
        attendance.record_roll_call(klass.school_class, MONDAY, {klass.an.pk: (False, "")}, actor)
        assert attendance.can_record(actor, klass.school_class)


def test_other_teachers_officers_learners_and_guardians_may_not_record(klass, users):
    for actor in (
        klass.other_teacher, users.teacher_a, users.province, users.district2, users.admin_c,
        users.student_a, users.guardian_a, users.outsider,
    ):  # fmt: skip
        assert not attendance.can_record(actor, klass.school_class), actor
        with pytest.raises(PermissionDenied):
            attendance.record_roll_call(
                klass.school_class, MONDAY, {klass.an.pk: (False, "")}, actor
            )
    assert not Absence.objects.exists()


def test_a_homeroom_teacher_who_left_may_no_longer_record(klass):
    klass.homeroom_staff.is_active = False
    klass.homeroom_staff.save()
    with pytest.raises(PermissionDenied):
        attendance.record_roll_call(klass.school_class, MONDAY, {}, klass.homeroom)


def test_officers_and_teachers_of_the_school_may_view(klass, users):
    for actor in (users.province, users.teacher_a, klass.other_teacher, klass.admin):
        assert attendance.can_view(actor, klass.school_class), actor
    for actor in (users.admin_c, users.district2, users.student_a, users.outsider):
        assert not attendance.can_view(actor, klass.school_class), actor


def test_each_save_is_audited_without_names_or_reasons(klass):
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (True, "Ốm")}, klass.homeroom
    )
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.an.pk: (True, "Ốm")}, klass.homeroom
    )
    entries = AuditEntry.objects.filter(action="attendance.roll_call")
    assert entries.count() == 2
    detail = entries.first().detail
    assert detail == {
        "date": "2025-11-17", "present": 2, "excused": 1, "unexcused": 0, "changed": 0,
    }  # fmt: skip
    saved = attendance.last_roll_call(klass.school_class, MONDAY)
    assert saved.actor == klass.homeroom
    assert attendance.last_roll_call(klass.school_class, MONDAY + timedelta(days=1)) is None


# --- reads -----------------------------------------------------------------------------------


def _absent(klass, student, days, *, excused=False):
    for day in days:
        Absence.objects.create(
            student=student, school=klass.school_class.school, school_class=klass.school_class,
            date=day, excused=excused, reason="Ốm" if excused else "",
        )  # fmt: skip


def _weekdays(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def test_month_summary_counts_each_learners_days_in_that_month(klass):
    november = _weekdays(date(2025, 11, 3), 8)
    _absent(klass, klass.an, november[:4])  # 4 unexcused: at risk
    _absent(klass, klass.binh, november[:3])  # 3 unexcused: not yet
    _absent(klass, klass.binh, november[3:5], excused=True)  # 5 in all: not yet
    _absent(klass, klass.cuc, november[:3])
    _absent(klass, klass.cuc, november[3:6], excused=True)  # 6 in all: at risk
    _absent(klass, klass.an, [date(2025, 12, 1), date(2025, 10, 31)])  # other months
    rows = {row.student.pk: row for row in attendance.month_summary(klass.school_class, "2025-11")}
    assert [row.student.full_name for row in rows.values()] == [
        "Lê Thị Cúc", "Nguyễn Văn An", "Trần Thị Bình",
    ]  # fmt: skip
    an, binh, cuc = rows[klass.an.pk], rows[klass.binh.pk], rows[klass.cuc.pk]
    assert (an.unexcused, an.excused, an.total, an.at_risk) == (4, 0, 4, True)
    assert (binh.unexcused, binh.excused, binh.total, binh.at_risk) == (3, 2, 5, False)
    assert (cuc.unexcused, cuc.excused, cuc.total, cuc.at_risk) == (3, 3, 6, True)
    assert [a.date for a in an.days] == november[:4]
    assert [a.excused for a in binh.days] == [False, False, False, True, True]


def test_month_summary_lists_present_learners_and_those_who_left_during_the_month(klass):
    enrollment = Enrollment.objects.get(student=klass.cuc)
    enrollment.end_date, enrollment.end_reason = date(2025, 11, 20), EnrollmentEnd.DROP_OUT
    enrollment.save()
    rows = attendance.month_summary(klass.school_class, date(2025, 11, 1))
    assert {row.student.pk for row in rows} == {klass.an.pk, klass.binh.pk, klass.cuc.pk}
    assert all(row.total == 0 and row.days == [] for row in rows)
    december = attendance.month_summary(klass.school_class, date(2025, 12, 1))
    assert {row.student.pk for row in december} == {klass.an.pk, klass.binh.pk}


def test_month_summary_only_counts_absences_from_this_class(klass):
    _absent(klass, klass.an, [MONDAY])
    Absence.objects.create(
        student=klass.an, school=klass.other_class.school, school_class=klass.other_class,
        date=MONDAY + timedelta(days=1),
    )  # fmt: skip
    an = next(
        r for r in attendance.month_summary(klass.school_class, MONDAY) if r.student == klass.an
    )
    assert an.total == 1


def test_the_risk_rule_is_more_than_the_limits():
    limit, total = attendance.ABSENCE_UNEXCUSED_LIMIT, attendance.ABSENCE_TOTAL_LIMIT
    assert (limit, total) == (3, 5)
    assert not attendance.is_at_risk(limit, limit)
    assert attendance.is_at_risk(limit + 1, limit + 1)
    assert not attendance.is_at_risk(0, total)
    assert attendance.is_at_risk(0, total + 1)


def test_school_days_skip_sundays_and_days_outside_the_year(klass):
    september = attendance.school_days(klass.school_class, date(2025, 9, 1))
    assert september[0] == date(2025, 9, 5)
    assert date(2025, 9, 7) not in september  # a Sunday
    assert date(2025, 9, 6) in september  # a Saturday
    assert attendance.school_days(klass.school_class, date(2026, 6, 1)) == []


def test_learner_absences_of_one_school_year(klass, tree):
    _absent(klass, klass.an, [MONDAY, MONDAY + timedelta(days=1)])
    _absent(klass, klass.an, [MONDAY + timedelta(days=2)], excused=True)
    previous = registry.class_create(
        actor=None, school=tree.school_a, year=SchoolYear.objects.create(
            code="2024-2025", start_date=date(2024, 9, 5), term1_end=date(2025, 1, 15),
            term2_start=date(2025, 1, 16), end_date=date(2025, 5, 31),
        ), grade=6, name="6A1",
    )  # fmt: skip
    Absence.objects.create(
        student=klass.an, school=tree.school_a, school_class=previous, date=date(2024, 11, 18)
    )
    year = attendance.learner_absences(klass.an, klass.school_class.year)
    assert [a.date for a in year.days] == [
        MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2),
    ]  # fmt: skip
    assert (year.unexcused, year.excused, year.total) == (2, 1, 3)
    assert attendance.learner_absences(klass.binh, klass.school_class.year).total == 0
