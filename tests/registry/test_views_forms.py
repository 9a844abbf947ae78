"""Registry pages that write: student, transfer, leave, staff, class, room and equipment forms."""

from datetime import date

import pytest
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Equipment,
    Guardian,
    Room,
    SchoolClass,
    Staff,
    Student,
    StudentStatus,
)

from ..factories import StaffFactory, StudentFactory

TODAY = date.today()


def _enroll(student, school_class, start=date(2025, 9, 5)):
    return Enrollment.objects.create(
        student=student, school=school_class.school, year=school_class.year,
        school_class=school_class, start_date=start, start_reason=EnrollmentStart.ADMISSION,
    )  # fmt: skip


@pytest.fixture
def data(tree, year):
    class_a = SchoolClass.objects.create(school=tree.school_a, year=year, grade=6, name="6A1")
    class_b = SchoolClass.objects.create(school=tree.school_b, year=year, grade=5, name="5A")
    class_c = SchoolClass.objects.create(school=tree.school_c, year=year, grade=10, name="10A1")
    an = StudentFactory(school=tree.school_a, full_name="Nguyễn Văn An")
    _enroll(an, class_a)
    khang = StudentFactory(school=tree.school_c, full_name="Sơn Khang")
    _enroll(khang, class_c)
    return {"class_a": class_a, "class_b": class_b, "class_c": class_c, "an": an, "khang": khang}


def _login(client, user):
    client.force_login(user)
    return client


STUDENT_POST = {
    "full_name": "Thạch Sô Phal",
    "date_of_birth": "2013-02-01",
    "gender": "M",
    "ethnicity": "05",
    "national_id": "084213000123",
    "moet_code": "8400001234",
    "address": "Ấp Chợ, xã Phước Hưng",
    "device_access": "shared_phone",
    "internet_at_home": "true",
    "guardian_name": "Thạch Chanh Đa",
    "guardian_phone": "0912 345 678",
    "guardian_relationship": "father",
    "start_date": "2025-09-05",
}


# --- add / edit student ----------------------------------------------------------------------


def test_create_student_with_guardian_and_class(client, users, data):
    post = {**STUDENT_POST, "school_class": data["class_a"].pk}
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    student = Student.objects.get(national_id="084213000123")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:student", args=[student.pk])
    assert (student.full_name, student.ethnicity, student.internet_at_home) == (
        "Thạch Sô Phal", "05", True,
    )  # fmt: skip
    guardian = Guardian.objects.get(guardianship__student=student)
    assert (guardian.full_name, guardian.phone) == ("Thạch Chanh Đa", "0912345678")
    enrollment = Enrollment.objects.get(student=student)
    assert (enrollment.school_class, enrollment.end_date) == (data["class_a"], None)
    follow = client.get(response["Location"])
    assert "Đã thêm học sinh Thạch Sô Phal." in follow.content.decode()


def test_create_student_with_invalid_citizen_id_shows_the_error_and_keeps_input(
    client, users, data
):
    post = {**STUDENT_POST, "national_id": "084113000123"}  # century digit 1 = female, 1900s
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert response.status_code == 200
    assert not Student.objects.filter(full_name="Thạch Sô Phal").exists()
    errors = response.context["form"].errors["national_id"]
    assert any("không khớp với giới tính" in e for e in errors)
    assert any("năm sinh 1913" in e for e in errors)
    html = response.content.decode()
    assert 'value="Thạch Sô Phal"' in html
    assert 'value="084113000123"' in html
    assert 'value="Ấp Chợ, xã Phước Hưng"' in html
    assert 'value="2013-02-01"' in html
    assert "is-invalid" in html and 'id="id_national_id_error"' in html


def test_create_student_with_malformed_id_is_a_field_error(client, users, data):
    post = {**STUDENT_POST, "national_id": "12345"}
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert "12 chữ số" in " ".join(response.context["form"].errors["national_id"])


def test_create_student_without_any_identifier_is_refused(client, users, data):
    post = {**STUDENT_POST, "national_id": "", "moet_code": ""}
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert response.status_code == 200
    assert "national_id" in response.context["form"].errors
    assert not Student.objects.filter(full_name="Thạch Sô Phal").exists()


def test_create_student_with_an_identifier_already_used_is_refused(client, users, data):
    post = {**STUDENT_POST, "national_id": data["khang"].national_id, "gender": "M",
            "date_of_birth": "2012-03-14"}  # fmt: skip
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert (
        "Mã này đã được dùng cho một hồ sơ khác." in response.context["form"].errors["national_id"]
    )


def test_create_student_in_a_class_of_another_school_writes_nothing(client, users, data):
    """A class of another school posted by hand is not among the choices: nothing is written."""
    post = {**STUDENT_POST, "school_class": data["class_c"].pk}
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert response.status_code == 200
    assert "school_class" in response.context["form"].errors
    assert not Student.objects.filter(full_name="Thạch Sô Phal").exists()


def test_create_student_with_a_bad_guardian_phone_keeps_the_input(client, users, data):
    post = {**STUDENT_POST, "guardian_phone": "12ab"}
    response = _login(client, users.admin_a).post(
        reverse("registry:student_create", args=["84000001"]), post
    )
    assert "guardian_phone" in response.context["form"].errors
    assert 'value="12ab"' in response.content.decode()


def test_create_student_form_renders_with_labels(client, users, data):
    response = _login(client, users.admin_a).get(
        reverse("registry:student_create", args=["84000001"])
    )
    html = response.content.decode()
    assert '<label class="form-label" for="id_full_name">Họ và tên' in html
    assert '<label class="form-label" for="id_national_id">Số định danh cá nhân' in html
    assert "6A1" in html


@pytest.mark.parametrize("who", ["teacher_a", "admin_c"])
def test_create_student_needs_write_permission_at_the_school(client, users, data, who):
    response = _login(client, getattr(users, who)).get(
        reverse("registry:student_create", args=["84000001"])
    )
    assert response.status_code == (403 if who == "teacher_a" else 404)


def test_edit_student_saves_changes_and_audits(client, users, data):
    an = data["an"]
    post = {
        "full_name": "Nguyễn Văn  An ", "date_of_birth": "2012-03-14", "gender": "M",
        "ethnicity": "01", "national_id": an.national_id, "moet_code": an.moet_code,
        "address": "Phường 1", "device_access": "computer", "internet_at_home": "true",
    }  # fmt: skip
    response = _login(client, users.admin_a).post(
        reverse("registry:student_edit", args=[an.pk]), post
    )
    assert response.status_code == 302
    an.refresh_from_db()
    assert (an.full_name, an.address, an.device_access) == ("Nguyễn Văn An", "Phường 1", "computer")
    entry = AuditEntry.objects.get(action="student.update", object_id=str(an.pk))
    assert set(entry.detail["fields"]) == {"address", "device_access", "internet_at_home"}


def test_edit_student_form_is_prefilled(client, users, data):
    an = data["an"]
    html = (
        _login(client, users.admin_a)
        .get(reverse("registry:student_edit", args=[an.pk]))
        .content.decode()
    )
    assert f'value="{an.national_id}"' in html
    assert 'value="Nguyễn Văn An"' in html


def test_teacher_cannot_edit_a_student(client, users, data):
    response = _login(client, users.teacher_a).get(
        reverse("registry:student_edit", args=[data["an"].pk])
    )
    assert response.status_code == 403


# --- transfer --------------------------------------------------------------------------------


def test_transfer_moves_the_learner_with_history_and_never_two_active(client, users, data):
    an = data["an"]
    response = _login(client, users.province).post(
        reverse("registry:student_transfer", args=[an.pk]),
        {"to_school": data["class_c"].school.pk, "to_class": data["class_c"].pk,
         "on": TODAY.isoformat(), "reason": "Theo gia đình"},
    )  # fmt: skip
    assert response.status_code == 302
    old, new = Enrollment.objects.filter(student=an).order_by("start_date", "id")
    assert (old.end_date, old.end_reason) == (TODAY, EnrollmentEnd.TRANSFER_OUT)
    assert (new.school, new.school_class, new.end_date) == (
        data["class_c"].school, data["class_c"], None,
    )  # fmt: skip
    assert new.start_reason == EnrollmentStart.TRANSFER_IN
    assert Enrollment.objects.filter(student=an, end_date__isnull=True).count() == 1
    an.refresh_from_db()
    assert an.school == data["class_c"].school


def test_transfer_to_the_class_of_another_school_than_chosen_is_refused(client, users, data):
    an = data["an"]
    response = _login(client, users.province).post(
        reverse("registry:student_transfer", args=[an.pk]),
        {"to_school": data["class_b"].school.pk, "to_class": data["class_c"].pk,
         "on": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 200
    assert "to_class" in response.context["form"].errors
    assert Enrollment.objects.get(student=an, end_date__isnull=True).school_class == data["class_a"]


def test_transfer_dated_before_the_current_enrollment_is_a_form_error(client, users, data):
    an = data["an"]
    response = _login(client, users.province).post(
        reverse("registry:student_transfer", args=[an.pk]),
        {
            "to_school": data["class_c"].school.pk,
            "to_class": data["class_c"].pk,
            "on": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert "trước ngày bắt đầu" in " ".join(response.context["form"].non_field_errors())
    assert Enrollment.objects.filter(student=an).count() == 1


def test_school_admin_of_a_cannot_open_the_transfer_form_for_a_learner_of_c(client, users, data):
    url = reverse("registry:student_transfer", args=[data["khang"].pk])
    assert _login(client, users.admin_a).get(url).status_code == 404
    assert client.post(url, {"to_school": data["class_a"].school.pk}).status_code == 404


def test_teacher_cannot_open_the_transfer_form(client, users, data):
    url = reverse("registry:student_transfer", args=[data["an"].pk])
    assert _login(client, users.teacher_a).get(url).status_code == 403


def test_school_admin_without_other_writable_schools_is_told_who_transfers(client, users, data):
    response = _login(client, users.admin_a).get(
        reverse("registry:student_transfer", args=[data["an"].pk])
    )
    assert response.status_code == 200
    assert response.context["has_destinations"] is False
    assert "trường tiếp nhận" in response.content.decode()


def test_transfer_destinations_are_the_writable_schools_except_the_current_one(client, users, data):
    response = _login(client, users.district2).get(
        reverse("registry:student_transfer", args=[data["khang"].pk])
    )
    # District 2 writes only school C, the learner's own school: nowhere to move to.
    assert response.context["has_destinations"] is False
    response = _login(client, users.province).get(
        reverse("registry:student_transfer", args=[data["an"].pk])
    )
    codes = {s.code for s in response.context["form"].fields["to_school"].queryset}
    assert codes == {"84000002", "84000003"}


def test_transfer_class_options_follow_the_chosen_school(client, users, data):
    url = reverse("registry:transfer_classes", args=[data["an"].pk])
    response = _login(client, users.province).get(
        url, {"to_school": data["class_c"].school.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert f'<option value="{data["class_c"].pk}">10A1' in html
    assert "6A1" not in html and "5A" not in html
    # The current school is not a destination: no classes offered for it.
    own = client.get(url, {"to_school": data["class_a"].school.pk}).content.decode()
    assert "6A1" not in own


def test_transfer_form_without_javascript_reloads_the_classes(client, users, data):
    response = _login(client, users.province).post(
        reverse("registry:student_transfer", args=[data["an"].pk]),
        {"to_school": data["class_b"].school.pk, "refresh": "1", "on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert list(form.fields["to_class"].queryset) == [data["class_b"]]
    assert Enrollment.objects.filter(student=data["an"]).count() == 1


# --- leave (drop-out, graduation) ------------------------------------------------------------


def test_leave_needs_a_confirmed_post(client, users, data):
    an = data["an"]
    url = reverse("registry:student_leave", args=[an.pk])
    _login(client, users.admin_a)
    assert client.get(url).status_code == 200
    post = {"reason": "drop_out", "on": TODAY.isoformat(), "note": "Gia đình chuyển vùng"}
    first = client.post(url, post)
    assert first.status_code == 200
    assert first.context["confirming"] is True
    assert 'name="confirm" value="yes"' in first.content.decode()
    an.refresh_from_db()
    assert an.status == StudentStatus.STUDYING
    assert Enrollment.objects.get(student=an).end_date is None

    second = client.post(url, {**post, "confirm": "yes"})
    assert second.status_code == 302
    an.refresh_from_db()
    assert an.status == StudentStatus.DROPPED_OUT
    enrollment = Enrollment.objects.get(student=an)
    assert (enrollment.end_date, enrollment.end_reason, enrollment.note) == (
        TODAY, EnrollmentEnd.DROP_OUT, "Gia đình chuyển vùng",
    )  # fmt: skip


def test_leave_edit_button_returns_to_the_form(client, users, data):
    url = reverse("registry:student_leave", args=[data["an"].pk])
    response = _login(client, users.admin_a).post(
        url, {"reason": "graduation", "on": TODAY.isoformat(), "edit": "1"}
    )
    assert response.context["confirming"] is False
    assert 'value="graduation"' in response.content.decode()


def test_graduation_sets_the_status(client, users, data):
    an = data["an"]
    _login(client, users.admin_a).post(
        reverse("registry:student_leave", args=[an.pk]),
        {"reason": "graduation", "on": TODAY.isoformat(), "confirm": "yes"},
    )
    an.refresh_from_db()
    assert an.status == StudentStatus.GRADUATED


def test_leave_is_forbidden_for_teachers_and_hidden_from_other_schools(client, users, data):
    url = reverse("registry:student_leave", args=[data["an"].pk])
    post = {"reason": "drop_out", "on": TODAY.isoformat(), "confirm": "yes"}
    assert _login(client, users.teacher_a).post(url, post).status_code == 403
    assert _login(client, users.admin_c).post(url, post).status_code == 404
    data["an"].refresh_from_db()
    assert data["an"].status == StudentStatus.STUDYING


# --- staff -----------------------------------------------------------------------------------

STAFF_POST = {
    "full_name": "Lâm Thị Hoa", "date_of_birth": "1988-05-02", "gender": "F",
    "national_id": "084188000777", "position": "teacher", "qualification": "bachelor",
    "subjects": "Toán; Tin học", "phone": "0987654321", "is_active": "on",
}  # fmt: skip


def test_create_staff(client, users, data):
    response = _login(client, users.admin_a).post(
        reverse("registry:staff_create", args=["84000001"]), STAFF_POST
    )
    staff = Staff.objects.get(national_id="084188000777")
    assert response["Location"] == reverse("registry:staff", args=[staff.pk])
    assert (staff.school.code, staff.subjects, staff.is_active) == (
        "84000001",
        "Toán; Tin học",
        True,
    )


def test_create_staff_with_id_of_the_wrong_gender_keeps_input(client, users, data):
    response = _login(client, users.admin_a).post(
        reverse("registry:staff_create", args=["84000001"]), {**STAFF_POST, "gender": "M"}
    )
    assert response.status_code == 200
    assert "national_id" in response.context["form"].errors
    assert 'value="Lâm Thị Hoa"' in response.content.decode()


def test_edit_staff(client, users, data):
    staff = StaffFactory(school=data["class_a"].school)
    post = {**STAFF_POST, "national_id": staff.national_id, "date_of_birth": "1985-06-01",
            "is_active": ""}  # fmt: skip
    response = _login(client, users.admin_a).post(
        reverse("registry:staff_edit", args=[staff.pk]), post
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.full_name, staff.is_active) == ("Lâm Thị Hoa", False)


def test_staff_forms_need_write_permission(client, users, data):
    staff = StaffFactory(school=data["class_a"].school)
    _login(client, users.teacher_a)
    assert client.get(reverse("registry:staff_create", args=["84000001"])).status_code == 403
    assert client.get(reverse("registry:staff_edit", args=[staff.pk])).status_code == 403
    _login(client, users.admin_c)
    assert client.get(reverse("registry:staff_edit", args=[staff.pk])).status_code == 404


# --- classes, rooms, equipment ---------------------------------------------------------------


def test_create_class_with_homeroom_teacher(client, users, data, year):
    teacher = StaffFactory(school=data["class_a"].school)
    response = _login(client, users.admin_a).post(
        reverse("registry:class_create", args=["84000001"]),
        {"year": year.pk, "grade": 7, "name": "7a2", "homeroom_teacher": teacher.pk},
    )
    assert response.status_code == 302
    created = SchoolClass.objects.get(school=data["class_a"].school, name="7A2")
    assert created.homeroom_teacher == teacher


def test_create_class_with_a_grade_the_school_does_not_teach_is_a_field_error(
    client, users, data, year
):
    response = _login(client, users.admin_a).post(
        reverse("registry:class_create", args=["84000001"]),
        {"year": year.pk, "grade": 11, "name": "11A1"},
    )
    assert response.status_code == 200
    assert "Khối 11 không có" in " ".join(response.context["form"].errors["grade"])


def test_create_class_with_a_name_already_used_this_year_is_refused(client, users, data, year):
    response = _login(client, users.admin_a).post(
        reverse("registry:class_create", args=["84000001"]),
        {"year": year.pk, "grade": 6, "name": "6a1"},
    )
    assert "name" in response.context["form"].errors
    assert SchoolClass.objects.filter(name="6A1").count() == 1


def test_create_room_and_refuse_a_duplicate_code(client, users, data):
    url = reverse("registry:room_create", args=["84000001"])
    post = {
        "code": "TH1",
        "name": "Phòng tin học",
        "kind": "computer",
        "capacity": "40",
        "condition": "good",
    }
    response = _login(client, users.admin_a).post(url, post)
    assert response.status_code == 302
    assert Room.objects.get(code="TH1").capacity == 40
    again = client.post(url, {**post, "name": "Khác"})
    assert "code" in again.context["form"].errors
    assert Room.objects.get(code="TH1").name == "Phòng tin học"


def test_create_and_edit_equipment(client, users, data):
    room = Room.objects.create(
        school=data["class_a"].school, code="TH1", name="Tin học", kind="computer"
    )
    _login(client, users.admin_a)
    response = client.post(
        reverse("registry:equipment_create", args=["84000001"]),
        {"asset_code": "MT-01", "name": "Máy tính để bàn", "category": "computer", "room": room.pk,
         "quantity": "20", "condition": "good", "acquired_on": "15/08/2024"},
    )  # fmt: skip
    assert response.status_code == 302
    item = Equipment.objects.get(asset_code="MT-01")
    assert (item.quantity, item.room, item.acquired_on) == (20, room, date(2024, 8, 15))

    edit = client.post(
        reverse("registry:equipment_edit", args=[item.pk]),
        {"asset_code": "CHANGED", "name": "Máy tính để bàn", "category": "computer",
         "quantity": "18", "condition": "fair"},
    )  # fmt: skip
    assert edit.status_code == 302
    item.refresh_from_db()
    assert (item.asset_code, item.quantity, item.condition, item.room) == (
        "MT-01",
        18,
        "fair",
        None,
    )
    assert Equipment.objects.count() == 1


def test_equipment_quantity_must_be_positive(client, users, data):
    response = _login(client, users.admin_a).post(
        reverse("registry:equipment_create", args=["84000001"]),
        {
            "asset_code": "X1",
            "name": "Bàn",
            "category": "furniture",
            "quantity": "0",
            "condition": "good",
        },
    )
    assert "quantity" in response.context["form"].errors


def test_equipment_of_another_school_cannot_be_edited(client, users, data):
    item = Equipment.objects.create(
        school=data["class_c"].school, asset_code="C1", name="Máy chiếu", category="projector"
    )
    assert (
        _login(client, users.admin_a)
        .get(reverse("registry:equipment_edit", args=[item.pk]))
        .status_code
        == 404
    )
    assert (
        _login(client, users.teacher_a)
        .get(reverse("registry:equipment_create", args=["84000001"]))
        .status_code
        == 403
    )
