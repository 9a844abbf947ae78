"""Reads the grade book pages need beyond `selectors.py`: which subjects of a class the actor may
open and edit, the workflow state of a class's term, the term records of a class, the results
of a few learners after a save, and the learners linked to a student's or guardian's account.

Scoped like every selector: a class or learner outside the actor's scope raises PermissionDenied
(the pages answer 404).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from hocso.accounts.scope import scope_for
from hocso.curriculum.models import GradeSubject
from hocso.curriculum.selectors import subjects_for_grade
from hocso.orgs.models import SchoolYear
from hocso.registry.models import Enrollment, Guardianship, SchoolClass, Student
from hocso.registry.selectors import students_visible

from . import access
from .compute import roster_filter
from .models import (
    GradebookLock,
    GradebookLockEvent,
    LearningResult,
    Period,
    Score,
    ScoreChange,
    ScoreKind,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)
from .services import allowed_cells


def _check_read(actor, school) -> None:
    if not scope_for(actor).covers(school.path):
        raise PermissionDenied


@dataclass
class SubjectChoice:
    """One subject of a class's grade as the grade book index lists it."""

    grade_subject: GradeSubject
    columns: int  # grade book columns per term (TX… + GK + CK, or the primary periodic tests)
    assigned: bool  # the actor teaches it in this class
    editable: bool  # the actor may write its grades (assigned, or a school admin)
    teachers: list = field(default_factory=list)  # names of the assigned teachers

    @property
    def subject(self):
        return self.grade_subject.subject


def gradebook_subjects(*, actor, school_class: SchoolClass) -> list[SubjectChoice]:
    """The subjects of the class's grade that have a grade book (scores or Đạt/Chưa đạt), each
    with its teachers and whether the actor may edit it. The actor's own subjects come first,
    then the curriculum's order. Two queries."""
    _check_read(actor, school_class.school)
    teachers: dict[int, list[str]] = {}
    mine: set[int] = set()
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    for assignment in (
        TeachingAssignment.objects.filter(school_class=school_class)
        .select_related("staff")
        .order_by("staff__search_name")
    ):
        teachers.setdefault(assignment.subject_id, []).append(assignment.staff.full_name)
        if (
            user_id is not None
            and assignment.staff.user_id == user_id
            and assignment.staff.is_active
        ):
            mine.add(assignment.subject_id)
    admin = access.is_school_admin(actor, school_class.school)
    choices = []
    for grade_subject in subjects_for_grade(school_class.grade):
        columns = len(allowed_cells(grade_subject))
        if not columns:
            continue  # primary subjects assessed by comment only: no grade book of scores
        assigned = grade_subject.subject_id in mine
        choices.append(
            SubjectChoice(
                grade_subject=grade_subject, columns=columns, assigned=assigned,
                editable=admin or assigned, teachers=teachers.get(grade_subject.subject_id, []),
            )
        )  # fmt: skip
    choices.sort(key=lambda c: not c.assigned)  # stable: curriculum order within each group
    return choices


def lock_get(*, actor, school_class: SchoolClass, term: int) -> GradebookLock | None:
    """The workflow state of the class's term (None while nobody has reviewed it), with who
    reviewed and who approved."""
    _check_read(actor, school_class.school)
    return (
        GradebookLock.objects.filter(
            school_class=school_class, year_id=school_class.year_id, term=term
        )
        .select_related("reviewed_by", "approved_by")
        .first()
    )


def lock_events(*, actor, lock: GradebookLock, limit: int = 10) -> list[GradebookLockEvent]:
    """The latest workflow steps of a class's term, newest first (unlock reasons included)."""
    _check_read(actor, lock.school_class.school)
    return list(lock.events.select_related("actor").order_by("-at", "-id")[:limit])


def class_term_records(*, actor, school_class: SchoolClass, term: int) -> dict[int, dict]:
    """{student id: {term: TermRecord}} for the learners on the class's list, for `term` and
    for the year (term 0, derived by the services). One query."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    records: dict[int, dict] = {}
    for record in TermRecord.objects.filter(
        student_id__in=roster, year_id=school_class.year_id, term__in=[term, Period.YEAR]
    ):
        records.setdefault(record.student_id, {})[record.term] = record
    return records


def subject_results(
    *, actor, school_class: SchoolClass, subject, term: int, student_ids
) -> dict[int, SubjectResult]:
    """The term results of one subject for some learners of the class (after a save). One query."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    return {
        result.student_id: result
        for result in SubjectResult.objects.filter(
            student_id__in=roster, subject=subject, year_id=school_class.year_id, term=term
        ).filter(student_id__in=list(student_ids))
    }


def gradebook_version(*, actor, school_class: SchoolClass, subject, term: int) -> int:
    """The id of the latest change to the grade book (0 if none): a page drawn with version v
    shows every change up to v, so the browser knows whether a save it saw confirmed is
    already on a freshly loaded page. One query on the history's (student, subject, year,
    term) index."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    latest = (
        ScoreChange.objects.filter(
            student_id__in=roster, subject=subject, year_id=school_class.year_id, term=term
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0


def extra_regular_seqs(*, actor, school_class: SchoolClass, subject, term: int, required: int):
    """Regular assessment numbers above `required` that some learner of the class has (scores
    entered before the subject's yearly periods were changed): the grade book shows them,
    read-only. One query."""
    _check_read(actor, school_class.school)
    roster = Enrollment.objects.filter(roster_filter(school_class)).values("student_id")
    return sorted(
        set(
            Score.objects.filter(
                student_id__in=roster, subject=subject, year_id=school_class.year_id, term=term,
                kind=ScoreKind.REGULAR, seq__gt=required,
            ).values_list("seq", flat=True)
        )
    )  # fmt: skip


# --- a learner's own grades (students and guardians) -------------------------------------------


def own_learners(*, actor) -> QuerySet[Student]:
    """The learner records linked to the actor's own account: themself (a student) and their
    children (a guardian). Staff scope adds nothing here: this is "my grades", not a search."""
    if actor is None or not actor.is_authenticated:
        return Student.objects.none()
    own = Q(user=actor) | Q(
        pk__in=Guardianship.objects.filter(guardian__user=actor).values("student_id")
    )
    return students_visible(actor=actor).filter(own).order_by("search_name", "id")


def learner_years(*, actor, student: Student) -> QuerySet[SchoolYear]:
    """The school years in which the learner was enrolled or has results, newest first."""
    if not students_visible(actor=actor).filter(pk=student.pk).exists():
        raise PermissionDenied
    enrolled = Enrollment.objects.filter(student=student).values("year_id")
    with_results = LearningResult.objects.filter(student=student).values("year_id")
    return SchoolYear.objects.filter(Q(pk__in=enrolled) | Q(pk__in=with_results)).order_by(
        "-start_date"
    )
