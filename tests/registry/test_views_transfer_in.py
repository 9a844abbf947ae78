"""The receiving school's page "Tiếp nhận học sinh chuyển đến": look up a learner of another school
by identifier AND date of birth, see a minimal card, admit them into a class."""

import re
from datetime import date

import pytest
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.registry import services, views_transfer
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    SchoolClass,
    Student,
)

from ..factories import StudentFactory

TODAY = date.today()
START = date(2025, 9, 5)
NOT_FOUND = "Không tìm thấy học sinh đang học ở trường khác khớp với thông tin đã nhập."


def _enroll(student, school_class, start=START):
    return Enrollment.objects.create(
        student=student, school=school_class.school, year=school_class.year,
        school_class=school_class, start_date=start, start_reason=EnrollmentStart.ADMISSION,
    )  # fmt: skip


@pytest.fixture
def data(tree, year):
    """Khang studies at school C (district Trà Cú) with an address and a guardian; An at A."""
    class_a = SchoolClass.objects.create(school=tree.school_a, year=year, grade=9, name="9A1")
    class_a2 = SchoolClass.objects.create(school=tree.school_a, year=year, grade=9, name="9A2")
    class_c = SchoolClass.objects.create(school=tree.school_c, year=year, grade=10, name="10A1")
    khang = StudentFactory(
        school=tree.school_c, full_name="Sơn Khang", date_of_birth=date(2010, 4, 2),
        national_id="084210000777", moet_code="8409990001",
        address="Ấp Chợ, xã Phước Hưng, huyện Trà Cú",
    )  # fmt: skip
    _enroll(khang, class_c)
    services.guardian_link(
        actor=None, student=khang, full_name="Sơn Thị Mo Ni", phone="0987654321",
        relationship="mother",
    )  # fmt: skip
    an = StudentFactory(school=tree.school_a, full_name="Nguyễn Văn An")
    _enroll(an, class_a)
    return {
        "class_a": class_a, "class_a2": class_a2, "class_c": class_c, "khang": khang, "an": an,
    }  # fmt: skip


def _url(school):
    return reverse("registry:transfer_in", args=[school.code])


def _lookup(client, school, identifier, dob):
    return client.post(
        _url(school), {"step": "lookup", "identifier": identifier, "date_of_birth": dob}
    )


def _token(response) -> str:
    return response.context["form"]["token"].value()


def _lookups():
    return AuditEntry.objects.filter(action="student.transfer_lookup").order_by("id")


# --- the whole admission ---------------------------------------------------------------------


def test_admin_of_a_admits_a_learner_of_another_district_by_national_id_and_birth_date(
    client, tree, users, data
):
    khang = data["khang"]
    client.force_login(users.admin_a)
    found = _lookup(client, tree.school_a, "084 210 000 777", "2010-04-02")
    assert found.status_code == 200
    assert found.context["student"] == khang
    html = found.content.decode()
    assert "Sơn Khang" in html and "THPT Trà Cú" in html and "10A1" in html

    response = client.post(
        _url(tree.school_a),
        {"step": "admit", "token": _token(found), "to_class": data["class_a"].pk,
         "on": TODAY.isoformat(), "reason": "Gia đình chuyển về phường 1"},
        follow=True,
    )  # fmt: skip

    assert response.redirect_chain[-1][0] == reverse("registry:student", args=[khang.pk])
    assert "Đã tiếp nhận Sơn Khang vào lớp 9A1" in response.content.decode()
    old, new = Enrollment.objects.filter(student=khang).order_by("start_date", "id")
    assert (old.school, old.end_date, old.end_reason) == (
        tree.school_c, TODAY, EnrollmentEnd.TRANSFER_OUT,
    )  # fmt: skip
    assert (new.school, new.school_class, new.start_reason, new.end_date) == (
        tree.school_a, data["class_a"], EnrollmentStart.TRANSFER_IN, None,
    )  # fmt: skip
    khang.refresh_from_db()
    assert khang.school == tree.school_a
    lookup = _lookups().get()
    assert lookup.actor == users.admin_a
    assert lookup.org_unit == tree.school_a
    assert lookup.object_id == str(khang.pk)
    assert lookup.detail["matched"] is True
    assert lookup.detail["school"] == "84000001"
    assert lookup.detail["from_school"] == "84000003"
    transfer = AuditEntry.objects.get(action="student.transfer")
    assert (transfer.actor, transfer.detail["to_school"]) == (users.admin_a, "84000001")


def test_lookup_by_moet_code_finds_the_learner(client, tree, users, data):
    client.force_login(users.admin_a)
    response = _lookup(client, tree.school_a, "8409990001", "02/04/2010")
    assert response.context["student"] == data["khang"]
    assert _lookups().get().detail["identifier_kind"] == "moet_code"


# --- no match, already here, invalid input ---------------------------------------------------


def test_wrong_birth_date_is_a_neutral_not_found_and_changes_nothing(client, tree, users, data):
    client.force_login(users.admin_a)
    wrong_dob = _lookup(client, tree.school_a, "084210000777", "2010-04-03")
    unknown_id = _lookup(client, tree.school_a, "084210999999", "2010-04-02")
    for response in (wrong_dob, unknown_id):
        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["student"] is None
        assert NOT_FOUND in html
        assert "Sơn Khang" not in html and "THPT Trà Cú" not in html
    # The same words whether the ID exists or not: nothing to learn from the answer.
    assert _alert(wrong_dob) == _alert(unknown_id)
    assert Enrollment.objects.get(student=data["khang"]).end_date is None
    assert [e.detail["matched"] for e in _lookups()] == [False, False]
    assert all(e.object_id == "" for e in _lookups())


def _alert(response) -> str:
    return re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.content.decode(), re.S)[
        1
    ]


def test_lookup_keeps_what_was_typed_when_nothing_matches(client, tree, users, data):
    client.force_login(users.admin_a)
    html = _lookup(client, tree.school_a, "084210999999", "2010-04-02").content.decode()
    assert 'value="084210999999"' in html and 'value="2010-04-02"' in html


def test_learner_who_left_school_is_not_found(client, tree, users, data):
    services.student_leave(
        actor=None, student=data["khang"], on=date(2026, 1, 10), reason=EnrollmentEnd.DROP_OUT
    )
    client.force_login(users.admin_a)
    response = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    assert NOT_FOUND in response.content.decode()


def test_learner_already_at_the_school_is_reported_as_such(client, tree, users, data):
    an = data["an"]
    client.force_login(users.admin_a)
    response = _lookup(client, tree.school_a, an.national_id, an.date_of_birth.isoformat())
    html = response.content.decode()
    assert response.context["student"] is None
    assert "Nguyễn Văn An đang học tại trường của bạn (lớp 9A1)" in html
    assert reverse("registry:student", args=[an.pk]) in html
    assert 'name="step" value="admit"' not in html


def test_identifier_of_the_wrong_length_is_a_field_error_and_no_lookup(client, tree, users, data):
    client.force_login(users.admin_a)
    response = _lookup(client, tree.school_a, "08421000077", "2010-04-02")
    assert "identifier" in response.context["lookup"].errors
    assert not _lookups().exists()


# --- what the receiving school may see -------------------------------------------------------


def test_confirmation_card_shows_no_guardian_address_or_identifiers(client, tree, users, data):
    client.force_login(users.admin_a)
    html = _lookup(client, tree.school_a, "084210000777", "2010-04-02").content.decode()
    card = re.search(r'data-testid="transfer-candidate">(.*?)</section>', html, re.S)[1]
    assert "Sơn Khang" in card and "02/04/2010" in card
    for private in ("0987654321", "Sơn Thị Mo Ni", "Ấp Chợ", "8409990001"):
        assert private not in html


def test_before_admission_the_profile_stays_out_of_reach(client, tree, users, data):
    client.force_login(users.admin_a)
    _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    profile = client.get(reverse("registry:student", args=[data["khang"].pk]))
    assert profile.status_code == 404


# --- step 2 errors ---------------------------------------------------------------------------


def test_date_before_the_current_enrollment_is_refused_and_input_kept(client, tree, users, data):
    client.force_login(users.admin_a)
    found = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    response = client.post(
        _url(tree.school_a),
        {"step": "admit", "token": _token(found), "to_class": data["class_a2"].pk,
         "on": "2025-09-01", "reason": "Theo gia đình"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["on"] == [
        "Ngày chuyển đến 01/09/2025 trước ngày học sinh bắt đầu học lớp hiện tại (05/09/2025). "
        "Chọn một ngày từ 05/09/2025 trở đi."
    ]
    html = response.content.decode()
    assert f'<option value="{data["class_a2"].pk}" selected>' in html
    assert 'value="2025-09-01"' in html and 'value="Theo gia đình"' in html
    assert "Sơn Khang" in html  # the card is still there
    assert Enrollment.objects.get(student=data["khang"]).end_date is None


def test_a_class_of_another_school_cannot_be_chosen(client, tree, users, data):
    client.force_login(users.admin_a)
    found = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    response = client.post(
        _url(tree.school_a),
        {"step": "admit", "token": _token(found), "to_class": data["class_c"].pk,
         "on": TODAY.isoformat()},
    )  # fmt: skip
    assert "to_class" in response.context["form"].errors
    assert Enrollment.objects.filter(student=data["khang"]).count() == 1


def test_a_forged_token_admits_nobody(client, tree, users, data):
    client.force_login(users.admin_a)
    found = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    token = _token(found)
    response = client.post(
        _url(tree.school_a),
        {"step": "admit", "token": token[:-2] + "xx", "to_class": data["class_a"].pk,
         "on": TODAY.isoformat()},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == _url(tree.school_a)
    assert "Vui lòng tra cứu lại" in response.content.decode()
    assert Enrollment.objects.filter(student=data["khang"]).count() == 1


def test_a_token_is_bound_to_the_user_and_school_that_looked_up(client, tree, users, data):
    client.force_login(users.admin_a)
    token = _token(_lookup(client, tree.school_a, "084210000777", "2010-04-02"))
    client.force_login(users.province)  # may write at school B, but did not look up there
    response = client.post(
        reverse("registry:transfer_in", args=[tree.school_b.code]),
        {"step": "admit", "token": token, "to_class": data["class_a"].pk, "on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert Enrollment.objects.filter(student=data["khang"]).count() == 1


def test_a_learner_admitted_meanwhile_cannot_be_admitted_twice(client, tree, users, data):
    client.force_login(users.admin_a)
    token = _token(_lookup(client, tree.school_a, "084210000777", "2010-04-02"))
    post = {
        "step": "admit",
        "token": token,
        "to_class": data["class_a"].pk,
        "on": TODAY.isoformat(),
    }
    assert client.post(_url(tree.school_a), post).status_code == 302
    again = client.post(_url(tree.school_a), post, follow=True)
    assert "Vui lòng tra cứu lại" in again.content.decode()
    assert Enrollment.objects.filter(student=data["khang"]).count() == 2


# --- who may use the page --------------------------------------------------------------------


def test_teacher_who_only_reads_gets_403(client, tree, users, data):
    client.force_login(users.teacher_a)
    assert client.get(_url(tree.school_a)).status_code == 403
    assert _lookup(client, tree.school_a, "084210000777", "2010-04-02").status_code == 403
    assert not _lookups().exists()


def test_admin_of_a_gets_404_on_the_page_of_school_c(client, tree, users, data):
    client.force_login(users.admin_a)
    assert client.get(_url(tree.school_c)).status_code == 404
    assert _lookup(client, tree.school_c, "084210000777", "2010-04-02").status_code == 404


def test_the_page_requires_login(client, tree):
    response = client.get(_url(tree.school_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unmatched_lookups_are_capped_per_hour(client, tree, users, data, monkeypatch):
    monkeypatch.setattr(views_transfer, "LOOKUP_MISSES_PER_HOUR", 2)
    client.force_login(users.admin_a)
    for _ in range(2):
        _lookup(client, tree.school_a, "084210999999", "2010-04-02")
    refused = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    assert refused.status_code == 429
    assert "quá nhiều lần" in refused.content.decode()
    assert refused.context["student"] is None
    assert _lookups().count() == 2


# --- links to the page -----------------------------------------------------------------------


def test_school_page_and_home_link_to_the_page_for_those_who_write(client, tree, users, data):
    url = _url(tree.school_a)
    client.force_login(users.admin_a)
    assert url in client.get(reverse("orgs:school", args=[tree.school_a.code])).content.decode()
    assert url in client.get(reverse("home")).content.decode()
    client.force_login(users.teacher_a)
    assert url not in client.get(reverse("orgs:school", args=[tree.school_a.code])).content.decode()
    assert url not in client.get(reverse("home")).content.decode()


def test_sending_side_transfer_page_points_a_school_admin_to_the_receiving_page(
    client, users, data
):
    client.force_login(users.admin_a)
    html = client.get(reverse("registry:student_transfer", args=[data["an"].pk])).content.decode()
    assert "Tiếp nhận học sinh chuyển đến" in html


def test_unaffected_learners_stay_where_they_are(client, tree, users, data):
    client.force_login(users.admin_a)
    found = _lookup(client, tree.school_a, "084210000777", "2010-04-02")
    client.post(
        _url(tree.school_a),
        {"step": "admit", "token": _token(found), "to_class": data["class_a"].pk,
         "on": TODAY.isoformat()},
    )  # fmt: skip
    assert Student.objects.get(pk=data["an"].pk).school == tree.school_a
    assert Enrollment.objects.filter(end_date__isnull=True).count() == 2
