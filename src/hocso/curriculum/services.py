"""Writes to the curriculum. The curriculum is the province's: only a province officer (or a
superuser, or the system with `actor=None`) changes it, and every change is audited.

Invalid values raise ValidationError keyed by field, in Vietnamese — including what only the
database constraints (models.py Meta) would catch, so a page shows them next to the field
instead of failing with a 500."""

import re

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

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


# Constraint name → (field, message). Model.clean() already explains most of these; this is for
# what reaches validate_constraints() or the database itself (two officers adding the same row).
CONSTRAINT_ERRORS = {
    "subject_code_ascii_upper": (
        "code",
        _("Mã môn chỉ gồm chữ in hoa không dấu và chữ số"),
    ),
    "subject_assessment_mode_valid": ("assessment_mode", _("Cách đánh giá không hợp lệ.")),
    "gradesubject_unique": ("subject", _("Môn này đã có trong khối.")),
    "gradesubject_grade_range": ("grade", _("Khối phải từ 1 đến 12.")),
    "gradesubject_periods_positive": (
        "periods_per_year",
        _("Số tiết/năm học phải lớn hơn 0."),
    ),
    "gradesubject_assessment_mode_valid": ("assessment_mode", _("Cách đánh giá không hợp lệ.")),
    "gradesubject_primary_mode_iff_primary_grade": (
        "assessment_mode",
        _(
            "Khối 1–5 đánh giá theo mức hoàn thành (Thông tư 27); khối 6–12 đánh giá bằng điểm "
            "số hoặc bằng nhận xét (Thông tư 22)."
        ),
    ),
    "gradesubject_elective_not_compulsory": (
        "is_compulsory",
        _("Môn thuộc nhóm môn lựa chọn thì không phải môn bắt buộc."),
    ),
    "gradesubject_midterm_needs_periodic": (
        "has_midterm_tests",
        _("Môn có bài kiểm tra giữa kì thì cũng có bài kiểm tra định kì cuối kì."),
    ),
    "gradesubject_periodic_tests_primary_only": (
        "has_periodic_tests",
        _("Bài kiểm tra định kì theo Thông tư 27 chỉ có ở khối 1–5."),
    ),
}
# The unique check each model fails when the database (not full_clean) finds a duplicate: SQLite
# names the columns, not the constraint.
UNIQUE_ERRORS = {
    Subject: ("code", _("Mã môn này đã có.")),
    GradeSubject: CONSTRAINT_ERRORS["gradesubject_unique"],
}


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


def _constraint_error(instance, error: ValidationError) -> tuple[str, object] | None:
    """(field, message) for a non-field error that is one of the model's constraints."""
    if error.code in ("unique", "unique_together"):
        return UNIQUE_ERRORS[type(instance)]
    for constraint in instance._meta.constraints:
        if constraint.name in CONSTRAINT_ERRORS and error.message == str(
            constraint.get_violation_error_message()
        ):
            return CONSTRAINT_ERRORS[constraint.name]
    return None


def _full_clean(instance) -> None:
    """full_clean(), with constraint violations moved onto their field in plain words."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        errors: dict[str, list] = {}
        for field, field_errors in exc.error_dict.items():
            for error in field_errors:
                target = _constraint_error(instance, error) if field == NON_FIELD_ERRORS else None
                if target is None and error.code == "unique":
                    target = UNIQUE_ERRORS[type(instance)]
                name, message = target or (field, error)
                if message not in errors.get(name, []):
                    errors.setdefault(name, []).append(message)
        raise ValidationError(errors) from None


def _save(instance, **kwargs) -> None:
    """save(), turning a constraint the database enforces (a race past full_clean) into a
    ValidationError on the field. The savepoint keeps the caller's transaction usable."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc)
        # Whole-word match: "subject_assessment_mode_valid" must not match inside
        # "gradesubject_assessment_mode_valid".
        target = next(
            (
                target
                for name, target in CONSTRAINT_ERRORS.items()
                if re.search(rf"\b{re.escape(name)}\b", text)
            ),
            UNIQUE_ERRORS[type(instance)] if "unique" in text.lower() else None,
        )
        if target is None:
            raise
        raise ValidationError({target[0]: [target[1]]}) from exc


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
    _full_clean(subject)
    _save(subject)
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
    _full_clean(instance)
    if changes:
        _save(instance, update_fields=list(changes))
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
    _full_clean(instance)
    _save(instance)
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
    _full_clean(instance)
    if changes:
        _save(instance, update_fields=list(changes))
        audit_log(
            actor=actor,
            action="grade_subject.update",
            obj=instance,
            grade=instance.grade,
            subject=instance.subject.code,
            changes=changes,
        )
    return instance


def grade_subject_update_preview(*, actor, grade_subject: GradeSubject, **values) -> dict:
    """What grade_subject_update() with these values would change, as {field: [old, new]},
    validated the same way; nothing is written. For the confirmation step of the edit page:
    the change reaches every grade book of the grade. Raises PermissionDenied / ValidationError
    exactly as the update would."""
    _check_edit(actor)
    _check_fields("grade_subject_update_preview", values, GRADE_SUBJECT_FIELDS)
    instance = GradeSubject.objects.select_related("subject").get(pk=grade_subject.pk)
    changes = _apply(instance, values)
    _full_clean(instance)
    return changes


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
