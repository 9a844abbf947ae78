"""The rows of each export, in the columns (and Vietnamese headers) of the matching import, so an
exported file imports back with every row unchanged."""

from collections.abc import Iterator

from ..importers.base import chunked
from ..importers.columns import (
    CLASS_SPEC,
    CONDITION,
    DEVICE_ACCESS,
    EQUIPMENT_CATEGORY,
    EQUIPMENT_SPEC,
    GENDER_LABELS,
    POSITION,
    QUALIFICATION,
    RELATIONSHIP,
    STAFF_SPEC,
    STUDENT_SPEC,
    ethnicity_label,
    yes_no_label,
)
from ..models import Enrollment, Equipment, Guardianship, SchoolClass, Staff


def student_rows(school, year) -> Iterator[list]:
    """Learners whose active enrollment is at `school` in `year`, by class then name."""
    enrollments = list(
        Enrollment.objects.filter(school=school, year=year, end_date__isnull=True)
        .select_related("student", "school_class")
        .order_by("school_class__grade", "school_class__name", "student__search_name", "student_id")
    )
    first_guardian: dict[int, Guardianship] = {}
    for ids in chunked([e.student_id for e in enrollments]):
        for link in (
            Guardianship.objects.filter(student_id__in=ids)
            .select_related("guardian")
            .order_by("pk")
        ):
            first_guardian.setdefault(link.student_id, link)
    for enrollment in enrollments:
        student, school_class = enrollment.student, enrollment.school_class
        link = first_guardian.get(student.pk)
        yield [
            student.full_name,
            student.date_of_birth,
            GENDER_LABELS.get(student.gender, ""),
            ethnicity_label(student.ethnicity),
            student.national_id or "",
            student.moet_code or "",
            school_class.name,
            school_class.grade,
            student.address,
            link.guardian.full_name if link else "",
            link.guardian.phone if link else "",
            RELATIONSHIP.label(link.relationship) if link else "",
            DEVICE_ACCESS.label(student.device_access),
            yes_no_label(student.internet_at_home),
        ]


def staff_rows(school, year=None) -> Iterator[list]:
    """Staff whose main school is `school`."""
    for staff in Staff.objects.filter(school=school).order_by("search_name", "pk"):
        yield [
            staff.full_name,
            staff.date_of_birth,
            GENDER_LABELS.get(staff.gender, ""),
            staff.national_id or "",
            POSITION.label(staff.position),
            QUALIFICATION.label(staff.qualification),
            staff.subjects,
            staff.phone,
            yes_no_label(staff.is_active),
        ]


def class_rows(school, year) -> Iterator[list]:
    classes = SchoolClass.objects.filter(school=school, year=year).select_related(
        "homeroom_teacher"
    )
    for school_class in classes.order_by("grade", "name"):
        teacher = school_class.homeroom_teacher
        yield [
            school_class.name,
            school_class.grade,
            teacher.full_name if teacher else "",
            (teacher.national_id or "") if teacher else "",
        ]


def equipment_rows(school, year=None) -> Iterator[list]:
    items = Equipment.objects.filter(school=school).select_related("room").order_by("asset_code")
    for item in items:
        yield [
            item.asset_code,
            item.name,
            EQUIPMENT_CATEGORY.label(item.category),
            item.room.code if item.room else "",
            item.quantity,
            CONDITION.label(item.condition),
            item.acquired_on,
        ]


ROWS = {
    STUDENT_SPEC.kind: student_rows,
    STAFF_SPEC.kind: staff_rows,
    CLASS_SPEC.kind: class_rows,
    EQUIPMENT_SPEC.kind: equipment_rows,
}
