"""Daily attendance (điểm danh): the roll call of a class for one day, and the reads built on it.

One `Absence` row per learner per day missed; a learner without a row that day was present.

Rules (decided here, see also the roll-call page):

- Who records: the class's homeroom teacher (an active Staff record linked to the user) or a
  school admin of the school (a school-admin role on the school or a unit above it) — the same
  rule as the grade book's attendance and conduct (assessment/access.py
  `can_keep_class_records`). Other teachers and province/district officers read only; learners
  and guardians do not see a class's roll call at all. `actor=None` is the system (demo
  generator, command line).
- Which days: days of the class's school year, not in the future, not Sundays. Saturdays are
  accepted (many lower and upper secondary schools teach on Saturday mornings) with a warning,
  so a roll call typed on the wrong day is noticed. There is no holiday calendar yet.
- Who is on the list: the learners enrolled in the class on that day. An enrollment covers
  `start_date <= day < end_date`: a transfer or class change closes the old enrollment and opens
  the new one on the same date, so on that date the learner belongs to the new class only.
- A roll call replaces the class's absences for that day in one transaction: learners left out
  are present. Rows that do not change are kept as they are (their recorded_by/at too), so
  saving the same roll call twice changes nothing.
- The only trace of who recorded an absence is `recorded_by`/`recorded_at`; the audit log gets
  one entry per saved roll call with the class, the day and the counts — no names, no reasons
  (it is also how the page tells that a day with everyone present was taken).

The drop-out-risk thresholds live here too; the monitoring centre's alerts read them from here.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.models import AuditEntry, Role, RoleAssignment
from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text

from .models import Absence, Enrollment, SchoolClass, Staff, Student

# A learner is at risk of dropping out when, in one calendar month, they miss MORE than
# ABSENCE_UNEXCUSED_LIMIT days without permission or MORE than ABSENCE_TOTAL_LIMIT days in all.
ABSENCE_UNEXCUSED_LIMIT = 3
ABSENCE_TOTAL_LIMIT = 5

REASON_MAX_LENGTH = Absence._meta.get_field("reason").max_length
SUNDAY, SATURDAY = 6, 5  # date.weekday()
ROLL_CALL_ACTION = "attendance.roll_call"


def is_at_risk(unexcused: int, total: int) -> bool:
    """The drop-out-risk rule for one learner's month (see the limits above)."""
    return unexcused > ABSENCE_UNEXCUSED_LIMIT or total > ABSENCE_TOTAL_LIMIT


# --- who may do what -------------------------------------------------------------------------


def _is_school_admin(actor, school) -> bool:
    paths = RoleAssignment.objects.filter(user=actor, role=Role.SCHOOL_ADMIN).values_list(
        "org_unit__path", flat=True
    )
    return any(school.path.startswith(path) for path in paths)


def _is_homeroom_teacher(actor, school_class: SchoolClass) -> bool:
    if school_class.homeroom_teacher_id is None:
        return False
    return Staff.objects.filter(
        pk=school_class.homeroom_teacher_id, user=actor, is_active=True
    ).exists()


def can_record(actor, school_class: SchoolClass) -> bool:
    """Whether the actor may take the roll call of the class (see the module docstring)."""
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return _is_school_admin(actor, school_class.school) or _is_homeroom_teacher(actor, school_class)


def can_view(actor, school_class: SchoolClass) -> bool:
    """Whether the actor may read the class's attendance: staff reading the school's subtree."""
    if actor is None:
        return True
    return scope_for(actor).covers(school_class.school.path)


# --- days ------------------------------------------------------------------------------------


def day_problem(school_class: SchoolClass, day: date, *, today: date | None = None) -> str:
    """Why no roll call can be taken for the class on `day`, or "" when it can."""
    today = today or timezone.localdate()
    year = school_class.year
    if day > today:
        return _("Không điểm danh trước cho ngày chưa tới (%(day)s).") % {"day": f"{day:%d/%m/%Y}"}
    if not year.start_date <= day <= year.end_date:
        return _("Ngày %(day)s nằm ngoài năm học %(year)s (%(start)s – %(end)s).") % {
            "day": f"{day:%d/%m/%Y}",
            "year": year.code,
            "start": f"{year.start_date:%d/%m/%Y}",
            "end": f"{year.end_date:%d/%m/%Y}",
        }
    if day.weekday() == SUNDAY:
        return _("Ngày %(day)s là Chủ nhật: không có buổi học để điểm danh.") % {
            "day": f"{day:%d/%m/%Y}"
        }
    return ""


def day_warning(day: date) -> str:
    """A note (not a refusal) for a day that is unusual but possible."""
    if day.weekday() == SATURDAY:
        return _("Ngày %(day)s là thứ Bảy: chỉ điểm danh nếu lớp có học hôm đó.") % {
            "day": f"{day:%d/%m/%Y}"
        }
    return ""


def school_days(school_class: SchoolClass, month: date) -> list[date]:
    """The days of `month` on which the class may have lessons: Monday to Saturday, inside the
    class's school year (future days included, so a month's grid keeps its shape)."""
    first = month.replace(day=1)
    year = school_class.year
    days = []
    day = first
    while day.month == first.month:
        if day.weekday() != SUNDAY and year.start_date <= day <= year.end_date:
            days.append(day)
        day += timedelta(days=1)
    return days


def _month_bounds(month: date | str) -> tuple[date, date]:
    """(first day, first day of the next month) of a date or a "YYYY-MM" string."""
    if isinstance(month, str):
        year_text, month_text = month.split("-")
        month = date(int(year_text), int(month_text), 1)
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


# --- reads -----------------------------------------------------------------------------------


def _enrolled_between(school_class: SchoolClass, first: date, following: date) -> QuerySet:
    """Student ids enrolled in the class on some day of [first, following)."""
    return Enrollment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=first),
        school_class=school_class,
        start_date__lt=following,
    ).values("student_id")


def roll_call_roster(school_class: SchoolClass, day: date) -> QuerySet[Student]:
    """The learners enrolled in the class on `day`, by name."""
    return Student.objects.filter(
        pk__in=_enrolled_between(school_class, day, day + timedelta(days=1))
    ).order_by("search_name", "id")


def day_absences(school_class: SchoolClass, day: date) -> dict[int, Absence]:
    """The class's absences on `day` by student id."""
    return {
        absence.student_id: absence
        for absence in Absence.objects.filter(school_class=school_class, date=day)
    }


@dataclass
class LearnerMonth:
    """One learner's absences from one class in one month."""

    student: Student
    unexcused: int
    excused: int
    days: list[Absence] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.unexcused + self.excused

    @property
    def at_risk(self) -> bool:
        return is_at_risk(self.unexcused, self.total)


def month_summary(school_class: SchoolClass, month: date | str) -> list[LearnerMonth]:
    """Every learner enrolled in the class at some time in `month` (a date in it, or "YYYY-MM"),
    or absent from it that month, by name: unexcused and excused days counted by one grouped
    query, and the days themselves (Absence rows, by date) by a second one."""
    first, following = _month_bounds(month)
    in_month = Q(absences__school_class=school_class, absences__date__gte=first) & Q(
        absences__date__lt=following
    )
    learners = (
        Student.objects.filter(
            Q(pk__in=_enrolled_between(school_class, first, following))
            | Q(
                pk__in=Absence.objects.filter(
                    school_class=school_class, date__gte=first, date__lt=following
                ).values("student_id")
            )
        )
        .annotate(
            unexcused_days=Count("absences", filter=in_month & Q(absences__excused=False)),
            excused_days=Count("absences", filter=in_month & Q(absences__excused=True)),
        )
        .order_by("search_name", "id")
    )
    rows = {
        student.pk: LearnerMonth(student, student.unexcused_days, student.excused_days)
        for student in learners
    }
    for absence in Absence.objects.filter(
        school_class=school_class, date__gte=first, date__lt=following
    ).order_by("date"):
        rows[absence.student_id].days.append(absence)
    return list(rows.values())


@dataclass
class YearAbsences:
    """A learner's absences in one school year (any class)."""

    year: object
    days: list[Absence]

    @property
    def unexcused(self) -> int:
        return sum(1 for absence in self.days if not absence.excused)

    @property
    def excused(self) -> int:
        return sum(1 for absence in self.days if absence.excused)

    @property
    def total(self) -> int:
        return len(self.days)


def learner_absences(student: Student, year) -> YearAbsences:
    """The learner's absences in the school year `year` (in whichever classes), by date.

    The caller has already found `student` through a scoped selector (students_visible), which
    is what decides who may read these."""
    days = list(
        Absence.objects.filter(student=student, school_class__year=year)
        .select_related("school_class")
        .order_by("date")
    )
    return YearAbsences(year=year, days=days)


# --- the roll call ---------------------------------------------------------------------------


@dataclass
class RollCallResult:
    day: date
    present: int
    excused: int
    unexcused: int
    changed: int
    warnings: list[str] = field(default_factory=list)

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused


def _clean_absences(absences: dict) -> dict[int, tuple[bool, str]]:
    cleaned = {}
    for student_id, value in absences.items():
        try:
            excused, reason = value
        except (TypeError, ValueError):
            raise ValidationError(_("Dữ liệu điểm danh không hợp lệ.")) from None
        reason = clean_text(reason or "")
        if len(reason) > REASON_MAX_LENGTH:
            raise ValidationError(_("Lý do nghỉ dài quá %(n)s ký tự.") % {"n": REASON_MAX_LENGTH})
        cleaned[int(student_id)] = (bool(excused), reason)
    return cleaned


@transaction.atomic
def record_roll_call(school_class: SchoolClass, day: date, absences: dict, actor) -> RollCallResult:
    """Replace the class's absences on `day` with `absences` ({student id: (excused, reason)});
    learners of the class not in it were present. One transaction; PermissionDenied when the
    actor may not record, ValidationError (Vietnamese message) for a day that cannot have a roll
    call or a learner who was not in the class that day."""
    if not can_record(actor, school_class):
        raise PermissionDenied
    problem = day_problem(school_class, day)
    if problem:
        raise ValidationError(problem)
    wanted = _clean_absences(absences)
    # One roll call of a class at a time: the second waits, then sees the first one's rows.
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    roster = set(roll_call_roster(school_class, day).values_list("pk", flat=True))
    strangers = sorted(set(wanted) - roster)
    if strangers:
        names = Student.objects.filter(pk__in=strangers).values_list("full_name", flat=True)
        raise ValidationError(
            _("Không thuộc lớp %(name)s ngày %(day)s: %(who)s.")
            % {
                "name": school_class.name,
                "day": f"{day:%d/%m/%Y}",
                "who": ", ".join(names) or ", ".join(map(str, strangers)),
            }
        )
    elsewhere = (
        Absence.objects.filter(student_id__in=wanted, date=day)
        .exclude(school_class=school_class)
        .select_related("student", "school_class")
    )
    if elsewhere:
        raise ValidationError(
            _("Đã ghi nghỉ ngày %(day)s ở lớp khác: %(who)s.")
            % {
                "day": f"{day:%d/%m/%Y}",
                "who": ", ".join(
                    f"{a.student.full_name} ({a.school_class.name})" for a in elsewhere
                ),
            }
        )

    existing = day_absences(school_class, day)
    now = timezone.now()
    recorder = actor if actor is not None and actor.is_authenticated else None
    gone = [a.pk for sid, a in existing.items() if sid not in wanted]
    new, updated = [], []
    for student_id, (excused, reason) in wanted.items():
        absence = existing.get(student_id)
        if absence is None:
            new.append(
                Absence(
                    student_id=student_id,
                    school=school_class.school,
                    school_class=school_class,
                    date=day,
                    excused=excused,
                    reason=reason,
                    recorded_by=recorder,
                    recorded_at=now,
                )  # fmt: skip
            )
        elif (absence.excused, absence.reason) != (excused, reason):
            absence.excused, absence.reason = excused, reason
            absence.recorded_by, absence.recorded_at = recorder, now
            updated.append(absence)
    if gone:
        Absence.objects.filter(pk__in=gone).delete()
    if updated:
        Absence.objects.bulk_update(updated, ["excused", "reason", "recorded_by", "recorded_at"])
    if new:
        try:
            with transaction.atomic():
                Absence.objects.bulk_create(new)
        except IntegrityError:
            raise ValidationError(
                _("Điểm danh ngày này vừa được lưu ở nơi khác; hãy tải lại trang và lưu lại.")
            ) from None
    excused_count = sum(1 for excused, _reason in wanted.values() if excused)
    result = RollCallResult(
        day=day,
        present=len(roster) - len(wanted),
        excused=excused_count,
        unexcused=len(wanted) - excused_count,
        changed=len(gone) + len(updated) + len(new),
    )
    warning = day_warning(day)
    if warning:
        result.warnings.append(warning)
    # Every save is logged, changed or not: "all present" leaves no Absence row, and this entry
    # is how the page shows that the day's roll call was taken (and by whom).
    audit_log(
        actor=actor, action=ROLL_CALL_ACTION, obj=school_class, org_unit=school_class.school,
        date=day.isoformat(), present=result.present, excused=result.excused,
        unexcused=result.unexcused, changed=result.changed,
    )  # fmt: skip
    return result


def last_roll_call(school_class: SchoolClass, day: date) -> AuditEntry | None:
    """The latest saved roll call of the class for `day` (who and when), if any."""
    return (
        AuditEntry.objects.filter(
            object_type=SchoolClass._meta.model_name,
            object_id=str(school_class.pk),
            action=ROLL_CALL_ACTION,
            detail__date=day.isoformat(),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
