"""What the pages rely on from the services: every invalid value comes back as a ValidationError
on a field, in Vietnamese — also when only a database constraint catches it — and the preview of
an edit validates exactly like the edit without writing anything."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import AssessmentMode, GradeSubject, Subject
from hocso.curriculum.selectors import grade_subject_get, grade_subject_history
from hocso.curriculum.services import (
    grade_subject_create,
    grade_subject_update,
    grade_subject_update_preview,
    subject_create,
)


def test_preview_lists_the_changes_and_writes_nothing(seeded, users):
    row = grade_subject_get(8, "CN")

    changes = grade_subject_update_preview(
        actor=users.province, grade_subject=row, periods_per_year=71, name="Công nghệ"
    )

    assert changes == {"periods_per_year": [52, 71], "name": ["", "Công nghệ"]}
    assert grade_subject_get(8, "CN").periods_per_year == 52
    assert not AuditEntry.objects.filter(action__startswith="grade_subject.").exists()


def test_preview_refuses_who_may_not_edit_and_invalid_values_like_the_update(seeded, users):
    row = grade_subject_get(8, "CN")

    with pytest.raises(PermissionDenied):
        grade_subject_update_preview(actor=users.teacher_a, grade_subject=row, periods_per_year=71)
    with pytest.raises(ValidationError) as excinfo:
        grade_subject_update_preview(
            actor=users.province, grade_subject=row, has_periodic_tests=True
        )
    assert set(excinfo.value.message_dict) == {"has_periodic_tests"}


def test_a_duplicate_subject_code_is_an_error_on_the_code(seeded, users):
    with pytest.raises(ValidationError) as excinfo:
        subject_create(actor=users.province, code="toan", name="Toán 2", assessment_mode="scored")

    assert excinfo.value.message_dict == {"code": ["Mã môn này đã có."]}


def test_a_duplicate_grade_subject_is_an_error_on_the_subject(seeded, users):
    with pytest.raises(ValidationError) as excinfo:
        grade_subject_create(
            actor=users.province, grade=8, subject=Subject.objects.get(code="TOAN"),
            periods_per_year=140,
        )  # fmt: skip

    assert excinfo.value.message_dict == {"subject": ["Môn này đã có trong khối."]}


def test_a_duplicate_only_the_database_sees_is_still_an_error_on_the_subject(
    seeded, users, monkeypatch
):
    """Two officers adding the same row at once both pass full_clean; the second save hits the
    unique constraint, which must come back as a form error, and leave the transaction usable."""
    monkeypatch.setattr(GradeSubject, "full_clean", lambda self, *a, **k: None)
    toan = Subject.objects.get(code="TOAN")

    with pytest.raises(ValidationError) as excinfo:
        grade_subject_create(actor=users.province, grade=8, subject=toan, periods_per_year=140)

    assert excinfo.value.message_dict == {"subject": ["Môn này đã có trong khối."]}
    assert GradeSubject.objects.filter(grade=8, subject=toan).count() == 1
    assert not AuditEntry.objects.filter(action="grade_subject.create").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"assessment_mode": AssessmentMode.COMMENT}, "assessment_mode"),
        ({"has_midterm_tests": True}, "has_midterm_tests"),
        ({"periods_per_year": 0}, "periods_per_year"),
    ],
)
def test_check_constraints_the_database_enforces_come_back_on_their_field(
    seeded, users, monkeypatch, values, field
):
    monkeypatch.setattr(GradeSubject, "full_clean", lambda self, *a, **k: None)
    row = grade_subject_get(3, "DD")
    before = GradeSubject.objects.filter(pk=row.pk).values().get()

    with pytest.raises(ValidationError) as excinfo:
        grade_subject_update(actor=users.province, grade_subject=row, **values)

    assert set(excinfo.value.message_dict) == {field}
    assert GradeSubject.objects.filter(pk=row.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_history_is_the_rows_own_entries_newest_first(seeded, users):
    row = grade_subject_get(9, "CN")
    for periods in (60, 70, 80):
        grade_subject_update(actor=users.province, grade_subject=row, periods_per_year=periods)
    grade_subject_update(
        actor=users.province, grade_subject=grade_subject_get(8, "CN"), periods_per_year=60
    )

    history = grade_subject_history(row, limit=2)

    assert [e.detail["changes"]["periods_per_year"] for e in history] == [[70, 80], [60, 70]]
