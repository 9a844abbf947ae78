"""Only a province officer edits the curriculum; every edit is validated and audited."""

import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import AssessmentMode, GradeSubject, Subject
from hocso.curriculum.selectors import grade_subject_get
from hocso.curriculum.services import (
    grade_subject_create,
    grade_subject_delete,
    grade_subject_update,
    subject_create,
    subject_update,
)


def test_province_officer_changes_the_periods_and_the_change_is_audited(seeded, users):
    row = grade_subject_get(8, "CN")

    updated = grade_subject_update(actor=users.province, grade_subject=row, periods_per_year=70)

    assert updated.periods_per_year == 70
    assert grade_subject_get(8, "CN").periods_per_year == 70
    assert updated.regular_assessments_required == 3
    entry = AuditEntry.objects.get(action="grade_subject.update")
    assert entry.actor == users.province
    assert (entry.object_type, entry.object_id) == ("gradesubject", str(row.pk))
    assert entry.detail == {"grade": 8, "subject": "CN", "changes": {"periods_per_year": [52, 70]}}


def test_superuser_may_edit_the_curriculum(seeded, users):
    row = grade_subject_get(6, "GDDP")

    grade_subject_update(actor=users.superuser, grade_subject=row, periods_per_year=40)

    assert grade_subject_get(6, "GDDP").periods_per_year == 40


@pytest.mark.parametrize(
    "who", ["admin_a", "admin_c", "teacher_a", "district2", "student_a", "guardian_a", "outsider"]
)
def test_nobody_but_a_province_officer_may_edit(seeded, users, who):
    row = grade_subject_get(8, "CN")

    with pytest.raises(PermissionDenied):
        grade_subject_update(actor=getattr(users, who), grade_subject=row, periods_per_year=70)

    assert grade_subject_get(8, "CN").periods_per_year == 52
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_anonymous_user_may_not_edit(seeded):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        grade_subject_update(
            actor=AnonymousUser(), grade_subject=grade_subject_get(8, "CN"), periods_per_year=70
        )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"periods_per_year": 0}, "periods_per_year"),
        ({"assessment_mode": AssessmentMode.PRIMARY}, "assessment_mode"),
        ({"elective_group": "10-12-elective"}, "is_compulsory"),
        ({"has_periodic_tests": True}, "has_periodic_tests"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(seeded, users, values, field):
    row = grade_subject_get(8, "TOAN")

    with pytest.raises(ValidationError) as excinfo:
        grade_subject_update(actor=users.province, grade_subject=row, **values)

    assert field in excinfo.value.message_dict
    fresh = grade_subject_get(8, "TOAN")
    assert (fresh.periods_per_year, fresh.assessment_mode, fresh.elective_group) == (140, "", "")
    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_grade_and_subject_cannot_be_changed_by_update(seeded, users):
    with pytest.raises(TypeError, match="grade"):
        grade_subject_update(
            actor=users.province, grade_subject=grade_subject_get(8, "CN"), grade=9
        )


def test_an_update_that_changes_nothing_writes_no_audit_entry(seeded, users):
    row = grade_subject_get(8, "CN")

    grade_subject_update(actor=users.province, grade_subject=row, periods_per_year=52)

    assert not AuditEntry.objects.filter(action="grade_subject.update").exists()


def test_an_elective_can_be_made_comment_only_and_its_name_is_cleaned(seeded, users):
    row = grade_subject_get(11, "TIN")

    updated = grade_subject_update(
        actor=users.province,
        grade_subject=row,
        assessment_mode=AssessmentMode.COMMENT,
        name=unicodedata.normalize("NFD", "  Tin học   ứng dụng "),
    )

    assert updated.is_comment_only
    assert updated.name == unicodedata.normalize("NFC", "Tin học ứng dụng")
    assert updated.display_name == updated.name


def test_officer_adds_an_optional_minority_language_and_both_steps_are_audited(seeded, users):
    khmer = subject_create(
        actor=users.province, code="khmer", name="Tiếng Khmer", assessment_mode="scored"
    )
    row = grade_subject_create(
        actor=users.province,
        grade=3,
        subject=khmer,
        periods_per_year=70,
        is_compulsory=False,
        assessment_mode=AssessmentMode.PRIMARY,
    )

    assert khmer.code == "KHMER"
    assert grade_subject_get(3, "KHMER") == row
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"subject.create", "grade_subject.create"} <= actions


def test_school_admin_cannot_add_a_subject(seeded, users):
    with pytest.raises(PermissionDenied):
        subject_create(
            actor=users.admin_a, code="KHMER", name="Tiếng Khmer", assessment_mode="scored"
        )
    assert not Subject.objects.filter(code="KHMER").exists()


def test_subject_update_renames_and_audits(seeded, users):
    subject = Subject.objects.get(code="GDDP")

    subject_update(actor=users.province, subject=subject, name="Giáo dục địa phương")

    assert Subject.objects.get(code="GDDP").name == "Giáo dục địa phương"
    entry = AuditEntry.objects.get(action="subject.update")
    assert entry.detail["changes"] == {
        "name": ["Nội dung giáo dục của địa phương", "Giáo dục địa phương"]
    }


def test_subject_code_cannot_be_changed(seeded, users):
    with pytest.raises(TypeError):
        subject_update(actor=users.province, subject=Subject.objects.get(code="VL"), code="LY")


def test_delete_is_audited_and_refused_to_a_teacher(seeded, users):
    row = grade_subject_get(12, "MT")
    with pytest.raises(PermissionDenied):
        grade_subject_delete(actor=users.teacher_a, grade_subject=row)

    grade_subject_delete(actor=users.province, grade_subject=row)

    assert not GradeSubject.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(action="grade_subject.delete")
    assert entry.detail == {"grade": 12, "subject": "MT"}
