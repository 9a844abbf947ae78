"""The curriculum in the Django admin: opens, edits through the services (audited), and only
for those who may edit the curriculum."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.curriculum.models import GradeSubject, Subject
from hocso.curriculum.selectors import grade_subject_get


def _url(model, view, *args):
    return reverse(f"admin:curriculum_{model._meta.model_name}_{view}", args=args)


def _form(row, **changes):
    data = {
        "name": row.name,
        "periods_per_year": row.periods_per_year,
        "elective_group": row.elective_group,
        "assessment_mode": row.assessment_mode,
    }
    for flag in ("is_compulsory", "has_periodic_tests", "has_midterm_tests"):
        if getattr(row, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def _staff_with_curriculum_permissions(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="curriculum"))
    return user


def test_lists_and_forms_open_for_a_superuser(client, seeded, users):
    client.force_login(users.superuser)
    row = grade_subject_get(8, "TOAN")

    for url in (
        _url(Subject, "changelist"),
        _url(Subject, "changelist") + "?q=toan",
        _url(Subject, "change", row.subject.pk),
        _url(Subject, "add"),
        _url(GradeSubject, "changelist"),
        _url(GradeSubject, "changelist") + "?grade=8&q=TOAN",
        _url(GradeSubject, "change", row.pk),
        _url(GradeSubject, "add"),
    ):
        assert client.get(url).status_code == 200, url

    listing = client.get(_url(GradeSubject, "changelist") + "?grade=12").content.decode()
    assert "Hoạt động trải nghiệm, hướng nghiệp" in listing


def test_editing_periods_in_the_admin_goes_through_the_service(client, seeded, users):
    client.force_login(users.superuser)
    row = grade_subject_get(9, "CN")

    response = client.post(_url(GradeSubject, "change", row.pk), _form(row, periods_per_year=70))

    assert response.status_code == 302
    assert grade_subject_get(9, "CN").periods_per_year == 70
    entry = AuditEntry.objects.get(action="grade_subject.update")
    assert entry.actor == users.superuser
    assert entry.detail["changes"] == {"periods_per_year": [52, 70]}


def test_an_invalid_edit_in_the_admin_is_shown_and_not_saved(client, seeded, users):
    client.force_login(users.superuser)
    row = grade_subject_get(9, "CN")

    response = client.post(
        _url(GradeSubject, "change", row.pk), _form(row, assessment_mode="primary")
    )

    assert response.status_code == 200
    assert "Thông tư 22" in response.content.decode()
    assert grade_subject_get(9, "CN").assessment_mode == ""


def test_a_province_officer_with_admin_access_may_edit(client, seeded, users):
    officer = _staff_with_curriculum_permissions(users.province)
    client.force_login(officer)
    row = grade_subject_get(10, "LS")

    response = client.post(_url(GradeSubject, "change", row.pk), _form(row, periods_per_year=70))

    assert response.status_code == 302
    assert grade_subject_get(10, "LS").periods_per_year == 70


def test_a_school_admin_with_admin_access_still_may_not_edit(client, seeded, users):
    school_admin = _staff_with_curriculum_permissions(users.admin_a)
    client.force_login(school_admin)
    row = grade_subject_get(10, "LS")

    response = client.post(_url(GradeSubject, "change", row.pk), _form(row, periods_per_year=70))

    assert response.status_code == 403
    assert grade_subject_get(10, "LS").periods_per_year == 52
    assert client.get(_url(GradeSubject, "add")).status_code == 403
    assert client.get(_url(GradeSubject, "changelist")).status_code == 200  # may still read


def test_adding_a_subject_and_its_grade_row_in_the_admin(client, seeded, users):
    client.force_login(users.superuser)

    response = client.post(
        _url(Subject, "add"),
        {
            "code": "KHMER",
            "name": "Tiếng Khmer",
            "assessment_mode": "scored",
            "sort_order": 300,
            "grade_subjects-TOTAL_FORMS": "0",
            "grade_subjects-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    khmer = Subject.objects.get(code="KHMER")
    response = client.post(
        _url(GradeSubject, "add"),
        {
            "grade": 2,
            "subject": khmer.pk,
            "name": "",
            "periods_per_year": 70,
            "elective_group": "",
            "assessment_mode": "primary",
        },
    )

    assert response.status_code == 302
    row = grade_subject_get(2, "KHMER")
    assert (row.is_compulsory, row.periods_per_year) == (False, 70)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"subject.create", "grade_subject.create"} <= actions


def test_deleting_a_grade_row_in_the_admin_is_audited(client, seeded, users):
    client.force_login(users.superuser)
    row = grade_subject_get(12, "AN")

    response = client.post(_url(GradeSubject, "delete", row.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not GradeSubject.objects.filter(pk=row.pk).exists()
    assert AuditEntry.objects.filter(action="grade_subject.delete").count() == 1


def test_subjects_cannot_be_deleted_in_the_admin(client, seeded, users):
    client.force_login(users.superuser)
    subject = Subject.objects.get(code="AN")

    assert client.post(_url(Subject, "delete", subject.pk), {"post": "yes"}).status_code == 403
    assert Subject.objects.filter(code="AN").exists()


@pytest.mark.parametrize(("code", "grades"), [("TOAN", 12), ("AN", 8)])
def test_subject_page_links_to_each_grade_it_is_taught_in(client, seeded, users, code, grades):
    client.force_login(users.superuser)
    subject = Subject.objects.get(code=code)

    page = client.get(_url(Subject, "change", subject.pk)).content.decode()

    links = {
        _url(GradeSubject, "change", pk)
        for pk in GradeSubject.objects.filter(subject=subject).values_list("pk", flat=True)
    }
    assert len(links) == grades
    assert all(link in page for link in links)


def test_renaming_a_subject_in_the_admin_is_audited(client, seeded, users):
    client.force_login(users.superuser)
    subject = Subject.objects.get(code="GDDP")
    row_ids = list(GradeSubject.objects.filter(subject=subject).values_list("pk", flat=True))
    data = {
        "name": "Giáo dục địa phương",
        "assessment_mode": subject.assessment_mode,
        "sort_order": subject.sort_order,
        "grade_subjects-TOTAL_FORMS": str(len(row_ids)),
        "grade_subjects-INITIAL_FORMS": str(len(row_ids)),
    }
    for i, pk in enumerate(row_ids):
        data[f"grade_subjects-{i}-id"] = pk
        data[f"grade_subjects-{i}-subject"] = subject.pk

    response = client.post(_url(Subject, "change", subject.pk), data)

    assert response.status_code == 302
    assert Subject.objects.get(code="GDDP").name == "Giáo dục địa phương"
    assert GradeSubject.objects.filter(subject=subject).count() == len(row_ids) == 7
    assert AuditEntry.objects.filter(action="subject.update", actor=users.superuser).count() == 1
