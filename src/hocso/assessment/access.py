"""Who may do what with grade books. Services check these before writing; selectors use them to
tell a page whether to offer editing.

- A subject's grades in a class: the teachers assigned to teach it there (TeachingAssignment),
  or a school admin of the school. Province and district officers read but do not write grades.
- Attendance and conduct, and the review of a class's term: its homeroom teacher, or a school
  admin.
- Approving and locking, and unlocking: the principal or a vice principal of the school (a
  Staff record linked to the user), or a school admin.

`actor=None` is the system (command line, demo generator) and may do everything; a superuser
too. Each check is one small query.
"""

from hocso.accounts.models import Role, RoleAssignment
from hocso.registry.models import Position, Staff

from .models import TeachingAssignment


def _system_or_superuser(actor) -> bool | None:
    """True for the system or a superuser, False for no usable account, None to look further."""
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return None


def is_school_admin(actor, school) -> bool:
    """A school admin role on the school or on a unit above it."""
    decided = _system_or_superuser(actor)
    if decided is not None:
        return decided
    paths = RoleAssignment.objects.filter(user=actor, role=Role.SCHOOL_ADMIN).values_list(
        "org_unit__path", flat=True
    )
    return any(school.path.startswith(path) for path in paths)


def teaches(actor, school_class, subject) -> bool:
    """The actor is an active teacher assigned to `subject` in `school_class`."""
    if actor is None or not actor.is_authenticated:
        return False
    return TeachingAssignment.objects.filter(
        school_class=school_class, subject=subject, staff__user=actor, staff__is_active=True
    ).exists()


def is_homeroom_teacher(actor, school_class) -> bool:
    if actor is None or not actor.is_authenticated or school_class.homeroom_teacher_id is None:
        return False
    return Staff.objects.filter(
        pk=school_class.homeroom_teacher_id, user=actor, is_active=True
    ).exists()


def is_principal(actor, school) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return Staff.objects.filter(
        user=actor,
        school=school,
        is_active=True,
        position__in=[Position.PRINCIPAL, Position.VICE_PRINCIPAL],
    ).exists()


def can_write_scores(actor, school_class, subject) -> bool:
    if _system_or_superuser(actor) is False:
        return False
    return is_school_admin(actor, school_class.school) or teaches(actor, school_class, subject)


def can_keep_class_records(actor, school_class) -> bool:
    """Attendance, conduct and the review of the class's grade books."""
    if _system_or_superuser(actor) is False:
        return False
    return is_school_admin(actor, school_class.school) or is_homeroom_teacher(actor, school_class)


def can_approve(actor, school) -> bool:
    if _system_or_superuser(actor) is False:
        return False
    return is_school_admin(actor, school) or is_principal(actor, school)
