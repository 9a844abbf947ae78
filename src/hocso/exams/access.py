"""Who may do what with exams (DESIGN.md "Access control"), one place for every module.

- Seeing a session: staff whose read scope covers the unit that runs it, or covers the school of
  one of its candidates (a school sees its own learners in a Department exam).
- Managing a session (edit, prepare, supervise, grade, correct the key, analyse): staff who may
  write the running unit (school admin, province officer), or the teacher who created it.
- Creating a session in a unit: those who may write it, and its teachers.
- An attempt: its candidate (the learner's own account) takes it; staff see the attempts of the
  schools in their read scope; those who manage the session see all of its attempts.

`actor=None` is the system (command line, demo) and may do everything, as a superuser may.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from hocso.accounts.models import Role
from hocso.accounts.scope import scope_for

from .models import Attempt, ExamSession


def _system(actor) -> bool:
    return actor is None or (actor.is_authenticated and actor.is_active and actor.is_superuser)


def can_create_in(actor, org_unit) -> bool:
    if _system(actor):
        return True
    scope = scope_for(actor)
    if scope.covers(org_unit.path, write=True):
        return True
    return Role.TEACHER in scope.roles and scope.covers(org_unit.path)


def can_manage(actor, session: ExamSession) -> bool:
    if _system(actor):
        return True
    scope = scope_for(actor)
    if scope.covers(session.org_unit.path, write=True):
        return True
    return (
        session.created_by_id is not None
        and session.created_by_id == actor.pk
        and scope.covers(session.org_unit.path)
    )


def sessions_visible(actor) -> QuerySet[ExamSession]:
    """Sessions the actor may see as staff (learners see their attempts, not sessions)."""
    sessions = ExamSession.objects.all()
    if _system(actor):
        return sessions
    scope = scope_for(actor)
    if not scope.is_staff_member:
        return sessions.none()
    candidates_in_scope = Attempt.objects.filter(scope.q("school__path"), session=OuterRef("pk"))
    return sessions.filter(scope.q("org_unit__path") | Q(Exists(candidates_in_scope)))


def sessions_managed(actor) -> QuerySet[ExamSession]:
    """Sessions the actor may manage (see can_manage), as one query."""
    sessions = ExamSession.objects.all()
    if _system(actor):
        return sessions
    scope = scope_for(actor)
    if not scope.is_staff_member:
        return sessions.none()
    return sessions.filter(
        scope.q("org_unit__path", write=True) | (Q(created_by=actor) & scope.q("org_unit__path"))
    )


def attempts_visible(actor, session: ExamSession | None = None) -> QuerySet[Attempt]:
    """Attempts the actor may read as staff: all of a session they manage, else those of the
    schools in their read scope."""
    attempts = Attempt.objects.all()
    if session is not None:
        attempts = attempts.filter(session=session)
        if can_manage(actor, session):
            return attempts
    if _system(actor):
        return attempts
    scope = scope_for(actor)
    if not scope.is_staff_member:
        return attempts.none()
    return attempts.filter(scope.q("school__path"))


def own_attempts(actor) -> QuerySet[Attempt]:
    """The learner's own attempts (through the account linked to their registry record)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Attempt.objects.none()
    return Attempt.objects.filter(student__user=actor)
