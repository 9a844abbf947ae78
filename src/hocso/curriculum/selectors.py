"""Reads of the curriculum.

The curriculum is public reference data (the Ministry's program, the same for every school of
the province), so unlike other apps' selectors these take no actor and apply no scope.
"""

from django.db.models import QuerySet

from .models import GradeSubject


def subjects_for_grade(grade: int) -> QuerySet[GradeSubject]:
    """Every subject taught in `grade` (compulsory, optional and electives), in display order,
    each with its Subject loaded."""
    return GradeSubject.objects.filter(grade=grade).select_related("subject")


def grade_subject_get(grade: int, code: str) -> GradeSubject:
    """The subject with this code as taught in `grade`; raises GradeSubject.DoesNotExist."""
    return GradeSubject.objects.select_related("subject").get(
        grade=grade, subject__code=code.strip().upper()
    )
