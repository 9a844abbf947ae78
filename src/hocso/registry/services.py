"""Every write to the registry. Each function checks the actor's permission first, validates
fully, and runs in one transaction. `actor=None` means the system (command line, demo generator).
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text, fold
from hocso.orgs.models import GRADES_BY_SCHOOL_TYPE, OrgUnit, SchoolYear

from .messages import id_problem_text
from .models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Equipment,
    Guardian,
    Guardianship,
    Room,
    SchoolClass,
    Staff,
    Student,
    StudentStatus,
)
from .rules import citizen_id_problems, moet_code_problems

STUDENT_FIELDS = (
    "full_name", "date_of_birth", "gender", "ethnicity", "national_id", "moet_code", "address",
    "device_access", "internet_at_home",
)  # fmt: skip
STAFF_FIELDS = (
    "full_name", "date_of_birth", "gender", "national_id", "position", "qualification",
    "subjects", "phone", "is_active",
)  # fmt: skip


def check_write(actor, school: OrgUnit) -> None:
    if actor is not None and not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied


def person_id_errors(
    *, national_id: str | None, gender: str | None, date_of_birth: date | None
) -> list[str]:
    """Messages for a citizen ID that is malformed or disagrees with gender and birth year."""
    if not national_id:
        return []
    return [
        id_problem_text(p)
        for p in citizen_id_problems(
            national_id,
            gender=gender or None,
            birth_year=date_of_birth.year if date_of_birth else None,
        )
    ]


def normalize_person_fields(values: dict) -> dict:
    """NFC text, trimmed; empty identifiers become NULL (so the unique constraints ignore them)."""
    cleaned = dict(values)
    for key in ("full_name", "address", "subjects", "phone"):
        if key in cleaned:
            cleaned[key] = clean_text(cleaned[key])
    for key in ("national_id", "moet_code"):
        if key in cleaned:
            cleaned[key] = clean_text(cleaned[key]) or None
    return cleaned


def validate_student_values(values: dict) -> dict[str, list[str]]:
    """Field → messages for the rules that the model's own validation does not know."""
    errors: dict[str, list[str]] = {}
    id_errors = person_id_errors(
        national_id=values.get("national_id"),
        gender=values.get("gender"),
        date_of_birth=values.get("date_of_birth"),
    )
    if id_errors:
        errors["national_id"] = id_errors
    if values.get("moet_code"):
        moet = [id_problem_text(p) for p in moet_code_problems(values["moet_code"])]
        if moet:
            errors["moet_code"] = moet
    if not values.get("national_id") and not values.get("moet_code"):
        errors.setdefault("national_id", []).append(
            _("Cần số định danh cá nhân hoặc mã định danh Bộ GD&ĐT để nhận diện học sinh")
        )
    return errors


def _save_person(instance, values: dict, fields: tuple[str, ...], extra_errors: dict) -> list[str]:
    """Apply values, validate everything at once, save. Returns the names of changed fields."""
    changed = []
    for field in fields:
        if field in values and getattr(instance, field) != values[field]:
            setattr(instance, field, values[field])
            changed.append(field)
    instance.search_name = fold(instance.full_name)
    try:
        instance.full_clean()
    except ValidationError as exc:
        merged = exc.message_dict
        for key, messages in extra_errors.items():
            merged.setdefault(key, []).extend(messages)
        raise ValidationError(merged) from None
    if extra_errors:
        raise ValidationError(extra_errors)
    if changed or instance.pk is None:
        instance.save()
    return changed


@transaction.atomic
def student_create(*, actor, school: OrgUnit, **values) -> Student:
    check_write(actor, school)
    values = normalize_person_fields(values)
    student = Student(school=school)
    _save_person(student, values, STUDENT_FIELDS, validate_student_values(values))
    audit_log(actor=actor, action="student.create", obj=student, org_unit=school)
    return student


@transaction.atomic
def student_update(*, actor, student: Student, **values) -> Student:
    check_write(actor, student.school)
    values = normalize_person_fields(values)
    merged = {f: getattr(student, f) for f in STUDENT_FIELDS} | values
    changed = _save_person(student, values, STUDENT_FIELDS, validate_student_values(merged))
    if changed:
        audit_log(
            actor=actor,
            action="student.update",
            obj=student,
            org_unit=student.school,
            fields=changed,
        )
    return student


@transaction.atomic
def student_enroll(
    *,
    actor,
    student: Student,
    school_class: SchoolClass,
    start_date: date,
    reason: str = EnrollmentStart.ADMISSION,
    note: str = "",
) -> Enrollment:
    """Open an enrollment. Refused when the learner already has an active one: a move between
    schools is a transfer, a move between classes is a class change."""
    check_write(actor, school_class.school)
    if Enrollment.objects.filter(student=student, end_date__isnull=True).exists():
        raise ValidationError(
            _(
                "Học sinh đang có một lượt học chưa kết thúc; hãy dùng chức năng chuyển trường hoặc đổi lớp"
            )
        )
    enrollment = Enrollment(
        student=student,
        school=school_class.school,
        year=school_class.year,
        school_class=school_class,
        start_date=start_date,
        start_reason=reason,
        note=clean_text(note),
    )
    enrollment.full_clean()
    enrollment.save()
    if student.school_id != school_class.school_id or student.status != StudentStatus.STUDYING:
        student.school = school_class.school
        student.status = StudentStatus.STUDYING
        student.save(update_fields=["school", "status", "updated_at"])
    audit_log(
        actor=actor, action="student.enroll", obj=student, org_unit=school_class.school,
        school_class=school_class.name, reason=reason,
    )  # fmt: skip
    return enrollment


def _active_enrollment(student: Student) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(student=student, end_date__isnull=True)
        .first()
    )
    if enrollment is None:
        raise ValidationError(_("Học sinh không có lượt học nào đang mở"))
    return enrollment


def _close(enrollment: Enrollment, on: date, reason: str, note: str = "") -> None:
    if on < enrollment.start_date:
        raise ValidationError(
            _("Ngày kết thúc %(end)s trước ngày bắt đầu %(start)s")
            % {"end": f"{on:%d/%m/%Y}", "start": f"{enrollment.start_date:%d/%m/%Y}"}
        )
    enrollment.end_date = on
    enrollment.end_reason = reason
    if note:
        enrollment.note = clean_text(note)
    enrollment.full_clean()
    enrollment.save()


@transaction.atomic
def student_transfer(
    *, actor, student: Student, to_class: SchoolClass, on: date, reason: str = ""
) -> Enrollment:
    """Move a learner to another school: close the current enrollment, open one at the new school.

    The actor must be able to write at the receiving school (the receiving school admits); the
    sending school sees the learner leave. Never two active enrollments at once.
    """
    check_write(actor, to_class.school)
    current = _active_enrollment(student)
    if current.school_id == to_class.school_id:
        raise ValidationError(
            _("Trường chuyển đến trùng trường hiện tại; hãy dùng chức năng đổi lớp")
        )
    _close(current, on, EnrollmentEnd.TRANSFER_OUT, reason)
    enrollment = student_enroll(
        actor=actor, student=student, school_class=to_class, start_date=on,
        reason=EnrollmentStart.TRANSFER_IN, note=reason,
    )  # fmt: skip
    audit_log(
        actor=actor, action="student.transfer", obj=student, org_unit=to_class.school,
        from_school=current.school.code, to_school=to_class.school.code,
    )  # fmt: skip
    return enrollment


@transaction.atomic
def student_change_class(*, actor, student: Student, to_class: SchoolClass, on: date) -> Enrollment:
    current = _active_enrollment(student)
    check_write(actor, current.school)
    if current.school_id != to_class.school_id:
        raise ValidationError(_("Lớp mới thuộc trường khác; hãy dùng chức năng chuyển trường"))
    if current.school_class_id == to_class.pk:
        return current
    if current.start_date == on:
        # Corrected on the day it was opened: fix the row instead of leaving a zero-length stay.
        current.school_class = to_class
        current.year = to_class.year
        current.save(update_fields=["school_class", "year"])
        return current
    _close(current, on, EnrollmentEnd.CLASS_CHANGE)
    return student_enroll(
        actor=actor, student=student, school_class=to_class, start_date=on,
        reason=EnrollmentStart.CLASS_CHANGE,
    )  # fmt: skip


@transaction.atomic
def student_leave(*, actor, student: Student, on: date, reason: str, note: str = "") -> Student:
    """Drop-out or graduation: close the active enrollment and set the learner's status."""
    statuses = {
        EnrollmentEnd.DROP_OUT: StudentStatus.DROPPED_OUT,
        EnrollmentEnd.GRADUATION: StudentStatus.GRADUATED,
    }
    if reason not in statuses:
        raise ValidationError({"reason": _("Lý do không hợp lệ: %(reason)s") % {"reason": reason}})
    current = _active_enrollment(student)
    check_write(actor, current.school)
    _close(current, on, reason, note)
    student.status = statuses[reason]
    student.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action=f"student.{reason}", obj=student, org_unit=current.school)
    return student


@transaction.atomic
def guardian_link(
    *, actor, student: Student, full_name: str, phone: str, relationship: str
) -> Guardian:
    """Attach a guardian, matched by phone number so siblings share one guardian record."""
    check_write(actor, student.school)
    phone = clean_text(phone).replace(" ", "")
    guardian = Guardian.objects.filter(phone=phone).first() if phone else None
    if guardian is None:
        guardian = Guardian(full_name=clean_text(full_name), phone=phone)
        guardian.full_clean()
        guardian.save()
    Guardianship.objects.get_or_create(
        student=student, guardian=guardian, defaults={"relationship": relationship}
    )
    return guardian


@transaction.atomic
def staff_create(*, actor, school: OrgUnit, **values) -> Staff:
    check_write(actor, school)
    values = normalize_person_fields(values)
    staff = Staff(school=school)
    id_errors = person_id_errors(
        national_id=values.get("national_id"),
        gender=values.get("gender"),
        date_of_birth=values.get("date_of_birth"),
    )
    _save_person(staff, values, STAFF_FIELDS, {"national_id": id_errors} if id_errors else {})
    audit_log(actor=actor, action="staff.create", obj=staff, org_unit=school)
    return staff


@transaction.atomic
def staff_update(*, actor, staff: Staff, **values) -> Staff:
    check_write(actor, staff.school)
    values = normalize_person_fields(values)
    merged = {f: getattr(staff, f) for f in STAFF_FIELDS} | values
    id_errors = person_id_errors(
        national_id=merged.get("national_id"),
        gender=merged.get("gender"),
        date_of_birth=merged.get("date_of_birth"),
    )
    changed = _save_person(
        staff, values, STAFF_FIELDS, {"national_id": id_errors} if id_errors else {}
    )
    if changed:
        audit_log(
            actor=actor, action="staff.update", obj=staff, org_unit=staff.school, fields=changed
        )
    return staff


def validate_grade(school: OrgUnit, grade: int) -> None:
    allowed = GRADES_BY_SCHOOL_TYPE.get(school.school_type)
    if allowed is not None and grade not in allowed:
        raise ValidationError(
            {
                "grade": _("Khối %(grade)s không có ở %(type)s %(school)s")
                % {"grade": grade, "type": school.get_school_type_display(), "school": school.name}
            }
        )


@transaction.atomic
def class_create(
    *, actor, school: OrgUnit, year: SchoolYear, grade: int, name: str,
    homeroom_teacher: Staff | None = None,
) -> SchoolClass:  # fmt: skip
    check_write(actor, school)
    validate_grade(school, grade)
    if homeroom_teacher is not None and homeroom_teacher.school_id != school.pk:
        raise ValidationError({"homeroom_teacher": _("Giáo viên chủ nhiệm phải thuộc trường này")})
    school_class = SchoolClass(
        school=school, year=year, grade=grade, name=clean_text(name).upper(),
        homeroom_teacher=homeroom_teacher,
    )  # fmt: skip
    school_class.full_clean()
    school_class.save()
    return school_class


@transaction.atomic
def room_save(*, actor, school: OrgUnit, code: str, **values) -> Room:
    check_write(actor, school)
    room = Room.objects.filter(school=school, code=clean_text(code)).first() or Room(
        school=school, code=clean_text(code)
    )
    for key, value in values.items():
        setattr(room, key, clean_text(value) if isinstance(value, str) else value)
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def equipment_save(*, actor, school: OrgUnit, asset_code: str, **values) -> Equipment:
    check_write(actor, school)
    item = Equipment.objects.filter(school=school, asset_code=clean_text(asset_code)).first()
    item = item or Equipment(school=school, asset_code=clean_text(asset_code))
    for key, value in values.items():
        setattr(item, key, clean_text(value) if isinstance(value, str) else value)
    if item.room_id and item.room.school_id != school.pk:
        raise ValidationError({"room": _("Phòng phải thuộc trường này")})
    item.full_clean()
    item.save()
    return item
