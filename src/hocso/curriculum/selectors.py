"""Reads of the curriculum.

The curriculum is public reference data (the Ministry's program, the same for every school of
the province), so unlike other apps' selectors these take no actor and apply no scope.
"""

from django.db.models import Max, QuerySet

from hocso.accounts.models import AuditEntry

from .models import GradeSubject, Subject, Topic


def subjects_for_grade(grade: int) -> QuerySet[GradeSubject]:
    """Every subject taught in `grade` (compulsory, optional and electives), in display order,
    each with its Subject loaded."""
    return GradeSubject.objects.filter(grade=grade).select_related("subject")


def grade_subject_get(grade: int, code: str) -> GradeSubject:
    """The subject with this code as taught in `grade`; raises GradeSubject.DoesNotExist."""
    return GradeSubject.objects.select_related("subject").get(
        grade=grade, subject__code=code.strip().upper()
    )


def subject_get(code: str) -> Subject:
    """The subject with this code; raises Subject.DoesNotExist."""
    return Subject.objects.get(code=code.strip().upper())


def subjects_not_in_grade(grade: int) -> QuerySet[Subject]:
    """Subjects that could still be added to `grade`, in display order."""
    return Subject.objects.exclude(grade_subjects__grade=grade)


def grade_subject_history(grade_subject: GradeSubject, *, limit: int = 10) -> list[AuditEntry]:
    """The latest audited changes of one grade subject (creation and updates), newest first.

    The entries name who made each change: pages show them to staff only."""
    return list(
        AuditEntry.objects.filter(
            object_type=GradeSubject._meta.model_name, object_id=str(grade_subject.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )


def next_subject_sort_order() -> int:
    """A sort order that puts a new subject after every existing one."""
    highest = Subject.objects.aggregate(highest=Max("sort_order"))["highest"]
    return 10 if highest is None else highest + 10


def topics_for(grade: int, subject: Subject | str) -> QuerySet[Topic]:
    """The topics of `subject` (a Subject or its code) in `grade`, in program order (parents
    before their children only through `order`; callers that draw a tree use `parent`)."""
    code = subject.code if isinstance(subject, Subject) else subject.strip().upper()
    return Topic.objects.filter(
        grade_subject__grade=grade, grade_subject__subject__code=code
    ).select_related("parent")
