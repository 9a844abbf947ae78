"""Every read of the registry that leaves the app, always filtered by the actor's scope."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import fold

from .models import (
    DeviceAccess,
    Enrollment,
    Equipment,
    Guardian,
    Guardianship,
    Room,
    SchoolClass,
    Staff,
    Student,
    StudentStatus,
)


def _active_enrollment(field: str) -> Subquery:
    return Subquery(
        Enrollment.objects.filter(student=OuterRef("pk"), end_date__isnull=True).values(field)[:1]
    )


def _own_students_q(actor, scope) -> Q | None:
    """The learner records linked to a student's or guardian's own account, if any.

    A subquery rather than a join through guardians, so staff queries stay join-free and need no
    DISTINCT (a join multiplied rows by the number of guardians).
    """
    if not actor.is_authenticated or scope.everything:
        return None
    parts = []
    if Role.STUDENT in scope.roles:
        parts.append(Q(user=actor))
    if Role.GUARDIAN in scope.roles:
        parts.append(
            Q(pk__in=Guardianship.objects.filter(guardian__user=actor).values("student_id"))
        )
    if not parts:
        return None
    query = parts[0]
    for part in parts[1:]:
        query |= part
    return query


def students_visible(*, actor) -> QuerySet[Student]:
    """Students in the actor's org subtrees; a student sees themself, a guardian their children.

    Each row carries class_name, grade, class_id and year_code of its active enrollment.
    """
    scope = scope_for(actor)
    own = _own_students_q(actor, scope)  # None for superusers: Q() | x would be x, not all
    if scope.is_staff_member:
        query = scope.q("school__path") if own is None else scope.q("school__path") | own
    else:
        query = own if own is not None else Q(pk__in=[])
    return (
        Student.objects.filter(query)
        .select_related("school")
        .annotate(
            class_name=_active_enrollment("school_class__name"),
            grade=_active_enrollment("school_class__grade"),
            class_id=_active_enrollment("school_class_id"),
            year_code=_active_enrollment("year__code"),
        )
    )


def name_filter(query: str) -> Q:
    """Every word of the query must begin a word of the folded name: "van an" finds
    "Nguyễn Văn An" and "Nguyễn Văn Anh", not "Nguyễn Văn Bình" ("an" inside "van")."""
    condition = Q()
    for word in fold(query).split():
        condition &= Q(search_name__startswith=word) | Q(search_name__contains=" " + word)
    return condition


def _digits_or_name(query: str, *id_fields: str) -> Q:
    text = query.strip()
    if text.isdigit():
        condition = Q()
        for field in id_fields:
            condition |= Q(**{f"{field}__startswith": text})
        return condition
    return name_filter(text)


def students_search(
    *, actor, q: str = "", school_code: str = "", class_id: int | None = None,
    year_code: str = "", status: str = "",
) -> QuerySet[Student]:  # fmt: skip
    """Search by name (case-, diacritic-, đ- and normalization-insensitive) or by ID prefix."""
    students = students_visible(actor=actor)
    if q.strip():
        students = students.filter(_digits_or_name(q, "national_id", "moet_code"))
    if school_code:
        students = students.filter(school__code=school_code)
    if status:
        students = students.filter(status=status)
    # Subqueries, not joins: a learner with several enrollments must still come back once.
    if class_id is not None:
        students = students.filter(
            pk__in=Enrollment.objects.filter(
                school_class_id=class_id, end_date__isnull=True
            ).values("student_id")
        )
    if year_code:
        students = students.filter(
            pk__in=Enrollment.objects.filter(year__code=year_code).values("student_id")
        )
    return students


def student_get(*, actor, pk: int) -> Student:
    """Raises Student.DoesNotExist when the student is absent or outside the actor's scope."""
    return students_visible(actor=actor).get(pk=pk)


def student_enrollment_history(*, student: Student) -> QuerySet[Enrollment]:
    return student.enrollments.select_related("school", "year", "school_class").order_by(
        "start_date", "id"
    )


def student_guardians(*, student: Student) -> QuerySet[Guardian]:
    return Guardian.objects.filter(guardianship__student=student).annotate(
        relationship=Subquery(
            student.guardianship_set.filter(guardian=OuterRef("pk")).values("relationship")[:1]
        )
    )


def staff_visible(*, actor) -> QuerySet[Staff]:
    scope = scope_for(actor)
    query = scope.q("school__path") if scope.is_staff_member else Q(pk__in=[])
    if actor.is_authenticated and not scope.everything:
        query |= Q(user=actor)
    return Staff.objects.filter(query).select_related("school")


def staff_search(*, actor, q: str = "", school_code: str = "") -> QuerySet[Staff]:
    staff = staff_visible(actor=actor)
    if q.strip():
        staff = staff.filter(_digits_or_name(q, "national_id"))
    if school_code:
        staff = staff.filter(school__code=school_code)
    return staff


def staff_get(*, actor, pk: int) -> Staff:
    return staff_visible(actor=actor).get(pk=pk)


def classes_visible(*, actor) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.filter(scope_for(actor).q("school__path")).select_related(
        "school", "year", "homeroom_teacher"
    )


def class_get(*, actor, pk: int) -> SchoolClass:
    return classes_visible(actor=actor).get(pk=pk)


def class_roster(*, school_class: SchoolClass) -> QuerySet[Student]:
    """Learners currently in the class (active enrollment)."""
    return Student.objects.filter(
        enrollments__school_class=school_class, enrollments__end_date__isnull=True
    ).order_by("search_name")


def rooms_visible(*, actor) -> QuerySet[Room]:
    return Room.objects.filter(scope_for(actor).q("school__path")).select_related("school")


def equipment_visible(*, actor) -> QuerySet[Equipment]:
    return Equipment.objects.filter(scope_for(actor).q("school__path")).select_related(
        "school", "room"
    )


def classes_with_counts(*, actor, school, year) -> QuerySet[SchoolClass]:
    """The school's classes of one year, each with .learner_count (active enrollments): one query."""
    return (
        classes_visible(actor=actor)
        .filter(school=school, year=year)
        .annotate(learner_count=Count("enrollments", filter=Q(enrollments__end_date__isnull=True)))
        .order_by("grade", "name")
    )


def school_completeness(*, actor, school) -> dict[str, int]:
    """How complete a school's digital records are: counts for the plan's indicators.

    Learners are those currently studying at the school; staff those currently working there.
    Four aggregate queries whatever the size of the school.
    """
    scope = scope_for(actor)
    guardian_phone = Guardianship.objects.filter(student=OuterRef("pk")).exclude(guardian__phone="")
    learners = Student.objects.filter(
        scope.q("school__path"), school=school, status=StudentStatus.STUDYING
    ).aggregate(
        learners=Count("id"),
        learners_national_id=Count("id", filter=Q(national_id__isnull=False)),
        learners_moet_code=Count("id", filter=Q(moet_code__isnull=False)),
        learners_date_of_birth=Count("id", filter=Q(date_of_birth__isnull=False)),
        learners_guardian_phone=Count("id", filter=Q(Exists(guardian_phone))),
        learners_online_declared=Count(
            "id", filter=~Q(device_access=DeviceAccess.UNKNOWN) & Q(internet_at_home__isnull=False)
        ),
        learners_can_study_online=Count(
            "id",
            filter=Q(internet_at_home=True)
            & ~Q(device_access__in=[DeviceAccess.UNKNOWN, DeviceAccess.NONE]),
        ),
    )
    staff = Staff.objects.filter(scope.q("school__path"), school=school, is_active=True).aggregate(
        staff=Count("id"), staff_national_id=Count("id", filter=Q(national_id__isnull=False))
    )
    rooms = Room.objects.filter(scope.q("school__path"), school=school).count()
    equipment = Equipment.objects.filter(scope.q("school__path"), school=school).aggregate(
        equipment_items=Count("id"), equipment_units=Sum("quantity")
    )
    return {
        **learners,
        **staff,
        "rooms": rooms,
        "equipment_items": equipment["equipment_items"],
        "equipment_units": equipment["equipment_units"] or 0,
    }


# --- admitting a learner by transfer (the receiving school's side) ---------------------------

TRANSFER_LOOKUP_ACTION = "student.transfer_lookup"


def _identifier_field(national_id_or_moet: str) -> tuple[str, str] | None:
    """("national_id" | "moet_code", digits) for 12 or 10 digits (spaces ignored), else None."""
    digits = "".join(str(national_id_or_moet or "").split())
    if not digits.isdigit():
        return None
    return {12: ("national_id", digits), 10: ("moet_code", digits)}.get(len(digits))


def _with_current_enrollment(student: Student | None) -> Student | None:
    """Attach the learner's open enrollment as .current_enrollment; None when there is none."""
    if student is None:
        return None
    student.current_enrollment = (
        Enrollment.objects.filter(student=student, end_date__isnull=True)
        .select_related("school", "year", "school_class")
        .first()
    )
    return student if student.current_enrollment is not None else None


def transfer_candidate_find(
    *, actor, school, national_id_or_moet: str, date_of_birth
) -> Student | None:
    """The learner `school` is about to admit by transfer, or None.

    This read deliberately crosses the actor's scope. In Vietnam the receiving school admits a
    transferring learner (the family brings the dossier to the new school), but until then the
    learner belongs to the sending school, which the receiving school's staff cannot see. So:

    - only an actor who may write at `school` may look (PermissionDenied otherwise);
    - the learner must match BOTH an identifier (12-digit citizen ID or 10-digit MOET code) AND
      the date of birth — knowing an ID alone reveals nothing, so people cannot be enumerated;
    - only a learner with an open enrollment matches (someone actually studying somewhere);
    - every lookup, matched or not, is written to the audit log with the school it was made for.

    The caller must show no more than the minimum needed to confirm the person (full name, date
    of birth, current school and class: see registry/transfer_in.html) — never the profile,
    guardians or address, which the receiving school may read only after admission, when the
    learner enters its scope. The open enrollment is attached as `.current_enrollment`. A learner
    already studying at `school` is returned too (the actor can read them anyway), so the page
    can say so instead of "not found".
    """
    if not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied
    identifier = _identifier_field(national_id_or_moet)
    student = None
    if identifier is not None and date_of_birth is not None:
        field, digits = identifier
        student = _with_current_enrollment(
            Student.objects.filter(**{field: digits}, date_of_birth=date_of_birth)
            .select_related("school")
            .first()
        )
    current = student.current_enrollment if student is not None else None
    audit_log(
        actor=actor, action=TRANSFER_LOOKUP_ACTION, obj=student, org_unit=school,
        matched=student is not None, school=school.code,
        identifier_kind=identifier[0] if identifier else "invalid",
        from_school=current.school.code if current else "",
    )  # fmt: skip
    return student


def transfer_candidate_get(*, actor, school, student_id: int) -> Student | None:
    """The learner found earlier by transfer_candidate_find, fetched again for the admission step.

    Crosses scope like transfer_candidate_find and must only be given an id that this actor's
    lookup for this school returned (the page carries it signed). Returns None when the learner
    no longer studies at another school (admitted meanwhile, left school).
    """
    if not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied
    student = _with_current_enrollment(
        Student.objects.filter(pk=student_id).select_related("school").first()
    )
    if student is None or student.current_enrollment.school_id == school.pk:
        return None
    return student


def transfer_lookup_misses_since(*, actor, since) -> int:
    """How many of the actor's transfer lookups since `since` matched nobody (for a simple cap)."""
    return AuditEntry.objects.filter(
        actor=actor, action=TRANSFER_LOOKUP_ACTION, created_at__gte=since, detail__matched=False
    ).count()
