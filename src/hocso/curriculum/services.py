"""Writes to the curriculum. The curriculum is the province's: only a province officer (or a
superuser, or the system with `actor=None`) changes it, and every change is audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from hocso.accounts.models import Role
from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.text import clean_text

from .models import GradeSubject, Subject

SUBJECT_FIELDS = ("name", "assessment_mode", "sort_order")
GRADE_SUBJECT_FIELDS = (
    "name",
    "periods_per_year",
    "is_compulsory",
    "elective_group",
    "assessment_mode",
    "has_periodic_tests",
    "has_midterm_tests",
)


def can_edit_curriculum(actor) -> bool:
    """Province officers and superusers; `None` is the system (migrations, commands)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.everything or Role.PROVINCE_OFFICER in scope.roles


def _check_edit(actor) -> None:
    if not can_edit_curriculum(actor):
        raise PermissionDenied


def _check_fields(function: str, values: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise TypeError(f"{function}() cannot set: {', '.join(unknown)}")


def _apply(instance, values: dict) -> dict[str, list]:
    """Set the values that differ; return {field: [old, new]} for the audit entry."""
    changes = {}
    for field, value in values.items():
        if field == "name":
            value = clean_text(value)
        old = getattr(instance, field)
        if old != value:
            changes[field] = [old, value]
            setattr(instance, field, value)
    return changes


@transaction.atomic
def subject_create(*, actor, code: str, name: str, assessment_mode: str, sort_order: int = 0):
    """A subject the seed does not have (e.g. an optional minority language)."""
    _check_edit(actor)
    subject = Subject(
        code=clean_text(code).upper(),
        name=clean_text(name),
        assessment_mode=assessment_mode,
        sort_order=sort_order,
    )
    subject.full_clean()
    subject.save()
    audit_log(actor=actor, action="subject.create", obj=subject, code=subject.code)
    return subject


@transaction.atomic
def subject_update(*, actor, subject: Subject, **values) -> Subject:
    """Rename, reorder or change the default assessment mode. The code never changes: other
    apps and imports refer to subjects by it."""
    _check_edit(actor)
    _check_fields("subject_update", values, SUBJECT_FIELDS)
    instance = Subject.objects.select_for_update().get(pk=subject.pk)
    changes = _apply(instance, values)
    instance.full_clean()
    if changes:
        instance.save(update_fields=list(changes))
        audit_log(
            actor=actor,
            action="subject.update",
            obj=instance,
            code=instance.code,
            changes=changes,
        )
    return instance


@transaction.atomic
def grade_subject_create(*, actor, grade: int, subject: Subject, **values) -> GradeSubject:
    _check_edit(actor)
    _check_fields("grade_subject_create", values, GRADE_SUBJECT_FIELDS)
    instance = GradeSubject(grade=grade, subject=subject)
    _apply(instance, values)
    instance.full_clean()
    instance.save()
    audit_log(
        actor=actor,
        action="grade_subject.create",
        obj=instance,
        grade=instance.grade,
        subject=subject.code,
        periods_per_year=instance.periods_per_year,
    )
    return instance


@transaction.atomic
def grade_subject_update(*, actor, grade_subject: GradeSubject, **values) -> GradeSubject:
    """Change how a subject is taught in a grade (periods, compulsory/elective, mode, tests).

    Grade and subject are the row's identity and cannot change here. Raises PermissionDenied
    for anyone but a province officer, ValidationError (nothing saved) for invalid values.
    Returns the updated row; the instance passed in is not modified.
    """
    _check_edit(actor)
    _check_fields("grade_subject_update", values, GRADE_SUBJECT_FIELDS)
    # Lock the row so two officers editing at once each see the other's change as "old".
    instance = (
        GradeSubject.objects.select_for_update().select_related("subject").get(pk=grade_subject.pk)
    )
    changes = _apply(instance, values)
    instance.full_clean()
    if changes:
        instance.save(update_fields=list(changes))
        audit_log(
            actor=actor,
            action="grade_subject.update",
            obj=instance,
            grade=instance.grade,
            subject=instance.subject.code,
            changes=changes,
        )
    return instance


@transaction.atomic
def grade_subject_delete(*, actor, grade_subject: GradeSubject) -> None:
    _check_edit(actor)
    audit_log(
        actor=actor,
        action="grade_subject.delete",
        obj=grade_subject,
        grade=grade_subject.grade,
        subject=grade_subject.subject.code,
    )
    grade_subject.delete()
