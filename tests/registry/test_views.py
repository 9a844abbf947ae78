"""Registry pages that read: class roster, profiles and search (through the Django test client)."""

import unicodedata
from datetime import date

import pytest
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.registry import services
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    SchoolClass,
    Student,
    StudentStatus,
)

from ..factories import StaffFactory, StudentFactory


def _enroll(student, school_class, start=date(2025, 9, 5)):
    return Enrollment.objects.create(
        student=student, school=school_class.school, year=school_class.year,
        school_class=school_class, start_date=start, start_reason=EnrollmentStart.ADMISSION,
    )  # fmt: skip


@pytest.fixture
def school_a(tree, year):
    """School A's class 6A1 with a homeroom teacher and two learners; one learner in school C."""
    teacher = StaffFactory(school=tree.school_a, full_name="Trần Thị Chủ Nhiệm", subjects="Toán")
    class_a = SchoolClass.objects.create(
        school=tree.school_a, year=year, grade=6, name="6A1", homeroom_teacher=teacher
    )
    an = StudentFactory(school=tree.school_a, full_name="Nguyễn Văn An")
    dang = StudentFactory(school=tree.school_a, full_name="Đặng Thị Bình")
    _enroll(an, class_a)
    _enroll(dang, class_a)
    services.guardian_link(
        actor=None, student=an, full_name="Nguyễn Văn Ba", phone="0912345678", relationship="father"
    )
    class_c = SchoolClass.objects.create(school=tree.school_c, year=year, grade=10, name="10A1")
    other = StudentFactory(school=tree.school_c, full_name="Nguyễn Văn An Khang")
    _enroll(other, class_c)
    return {
        "teacher": teacher, "class_a": class_a, "an": an, "dang": dang,
        "class_c": class_c, "other": other,
    }  # fmt: skip


def _get(client, user, url, **headers):
    client.force_login(user)
    return client.get(url, headers=headers)


# --- class roster ----------------------------------------------------------------------------


def test_roster_lists_current_learners_and_homeroom_teacher(client, users, school_a):
    left = StudentFactory(school=school_a["class_a"].school, full_name="Lý Văn Đã Chuyển")
    enrollment = _enroll(left, school_a["class_a"])
    enrollment.end_date = date(2025, 12, 1)
    enrollment.end_reason = EnrollmentEnd.TRANSFER_OUT
    enrollment.save()
    response = _get(
        client, users.teacher_a, reverse("registry:class", args=[school_a["class_a"].pk])
    )
    assert response.status_code == 200
    assert [s.full_name for s in response.context["roster"]] == ["Đặng Thị Bình", "Nguyễn Văn An"]
    html = response.content.decode()
    assert "Lý Văn Đã Chuyển" not in html
    assert reverse("registry:student", args=[school_a["an"].pk]) in html
    assert "Trần Thị Chủ Nhiệm" in html


def test_roster_of_a_class_outside_scope_is_404(client, users, school_a):
    response = _get(client, users.admin_a, reverse("registry:class", args=[school_a["class_c"].pk]))
    assert response.status_code == 404


# --- student profile -------------------------------------------------------------------------


def test_student_profile_shows_identity_guardians_and_history(client, users, school_a):
    an = school_a["an"]
    response = _get(client, users.admin_a, reverse("registry:student", args=[an.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert an.national_id in html
    assert "Kinh" in html
    assert 'href="tel:0912345678"' in html
    assert "(Cha)" in html
    assert "6A1" in html and "05/09/2025" in html and "Nhập học" in html


def test_student_profile_is_audited_as_a_personal_data_read(client, users, school_a):
    an = school_a["an"]
    _get(client, users.teacher_a, reverse("registry:student", args=[an.pk]))
    entry = AuditEntry.objects.get(action="student.view")
    assert (entry.actor, entry.object_id, entry.org_unit) == (
        users.teacher_a,
        str(an.pk),
        an.school,
    )


def test_student_profile_outside_scope_is_404_and_not_audited(client, users, school_a):
    for user in (users.admin_c, users.district2, users.outsider):
        response = _get(client, user, reverse("registry:student", args=[school_a["an"].pk]))
        assert response.status_code == 404, user
    assert not AuditEntry.objects.filter(action="student.view").exists()


def test_student_profile_write_buttons_only_for_writers(client, users, school_a):
    pk = school_a["an"].pk
    edit = reverse("registry:student_edit", args=[pk])
    transfer = reverse("registry:student_transfer", args=[pk])
    admin_html = _get(
        client, users.admin_a, reverse("registry:student", args=[pk])
    ).content.decode()
    assert edit in admin_html and transfer in admin_html
    teacher_html = _get(
        client, users.teacher_a, reverse("registry:student", args=[pk])
    ).content.decode()
    assert edit not in teacher_html and transfer not in teacher_html


def test_a_learner_sees_their_own_profile_only(client, users, school_a):
    an = school_a["an"]
    an.user = users.student_a
    an.save()
    assert (
        _get(client, users.student_a, reverse("registry:student", args=[an.pk])).status_code == 200
    )
    dang = school_a["dang"].pk
    assert (
        _get(client, users.student_a, reverse("registry:student", args=[dang])).status_code == 404
    )


# --- staff profile ---------------------------------------------------------------------------


def test_staff_profile_shows_position_subjects_and_homeroom_classes(client, users, school_a):
    teacher = school_a["teacher"]
    response = _get(client, users.admin_a, reverse("registry:staff", args=[teacher.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giáo viên" in html and "Toán" in html
    assert reverse("registry:class", args=[school_a["class_a"].pk]) in html
    assert reverse("registry:staff_edit", args=[teacher.pk]) in html


def test_staff_profile_outside_scope_is_404(client, users, school_a):
    response = _get(client, users.admin_c, reverse("registry:staff", args=[school_a["teacher"].pk]))
    assert response.status_code == 404


# --- search ----------------------------------------------------------------------------------


def _names(response):
    return [row["full_name"] for row in response.context["page_obj"].object_list]


def test_search_without_diacritics_finds_the_vietnamese_name(client, users, school_a):
    response = _get(client, users.admin_a, reverse("registry:search") + "?q=nguyen+van+an")
    assert response.status_code == 200
    assert _names(response) == ["Nguyễn Văn An"]


def test_search_with_nfd_input_finds_the_nfc_name(client, users, school_a):
    q = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert q != "Nguyễn Văn An"
    client.force_login(users.admin_a)
    response = client.get(reverse("registry:search"), {"q": q})
    assert _names(response) == ["Nguyễn Văn An"]


def test_search_dang_finds_dang_with_a_stroke(client, users, school_a):
    response = _get(client, users.admin_a, reverse("registry:search") + "?q=DANG")
    assert _names(response) == ["Đặng Thị Bình"]


def test_search_by_digits_searches_identifiers(client, users, school_a):
    an = school_a["an"]
    by_id = _get(client, users.admin_a, reverse("registry:search") + f"?q={an.national_id}")
    assert _names(by_id) == ["Nguyễn Văn An"]
    by_moet = client.get(reverse("registry:search") + f"?q={an.moet_code[:9]}")
    assert "Nguyễn Văn An" in _names(by_moet)


def test_search_is_scoped_to_the_actor(client, users, school_a):
    province = _get(client, users.province, reverse("registry:search") + "?q=nguyen+van+an")
    assert sorted(_names(province)) == ["Nguyễn Văn An", "Nguyễn Văn An Khang"]
    admin_c = _get(client, users.admin_c, reverse("registry:search") + "?q=nguyen+van+an")
    assert _names(admin_c) == ["Nguyễn Văn An Khang"]


def test_search_finds_staff_and_filters_by_kind_and_school(client, users, school_a):
    both = _get(client, users.province, reverse("registry:search") + "?q=tran+thi")
    rows = both.context["page_obj"].object_list
    assert [(r["kind"], r["full_name"], r["detail"]) for r in rows] == [
        ("staff", "Trần Thị Chủ Nhiệm", "Giáo viên")
    ]
    students_only = client.get(
        reverse("registry:search") + "?q=nguyen&kind=student&school=84000003"
    )
    assert _names(students_only) == ["Nguyễn Văn An Khang"]
    staff_only = client.get(reverse("registry:search") + "?q=nguyen&kind=staff")
    assert _names(staff_only) == []


def test_search_results_link_to_profiles_and_show_the_class(client, users, school_a):
    response = _get(client, users.admin_a, reverse("registry:search") + "?q=an")
    html = response.content.decode()
    assert reverse("registry:student", args=[school_a["an"].pk]) in html
    assert "lớp 6A1" in html


def test_search_htmx_request_returns_only_the_results_fragment(client, users, school_a):
    url = reverse("registry:search") + "?q=nguyen+van+an"
    fragment = _get(client, users.admin_a, url, HX_Request="true")
    html = fragment.content.decode()
    assert "Nguyễn Văn An" in html
    assert "<html" not in html and 'name="q"' not in html
    assert "HX-Request" in fragment["Vary"]
    full = client.get(url)
    assert "<html" in full.content.decode()
    assert 'hx-trigger="input changed delay:300ms' in full.content.decode()


def test_search_history_restore_gets_the_whole_page(client, users, school_a):
    response = _get(
        client, users.admin_a, reverse("registry:search") + "?q=an",
        HX_Request="true", HX_History_Restore_Request="true",
    )  # fmt: skip
    assert "<html" in response.content.decode()


def test_search_without_a_query_lists_nothing(client, users, school_a):
    response = _get(client, users.province, reverse("registry:search"))
    assert response.context["page_obj"] is None
    assert "Nhập tên hoặc chọn một trường" in response.content.decode()


def test_search_shows_learners_who_left_with_their_status(client, users, school_a):
    Student.objects.filter(pk=school_a["dang"].pk).update(status=StudentStatus.DROPPED_OUT)
    response = _get(client, users.admin_a, reverse("registry:search") + "?q=dang")
    assert "Bỏ học" in response.content.decode()


def test_search_paginates_25_per_page(client, users, tree, year):
    for n in range(30):
        StudentFactory(school=tree.school_a, full_name=f"Thạch Sô Phal {n:02d}")
    first = _get(client, users.admin_a, reverse("registry:search") + "?q=thach+so+phal")
    assert first.context["page_obj"].paginator.count == 30
    assert len(first.context["page_obj"].object_list) == 25
    assert _names(first)[0] == "Thạch Sô Phal 00"
    second = client.get(reverse("registry:search") + "?q=thach+so+phal&page=2")
    assert _names(second) == [f"Thạch Sô Phal {n}" for n in range(25, 30)]


def test_search_query_count_does_not_grow_with_results(
    client, users, tree, year, django_assert_max_num_queries
):
    school_class = SchoolClass.objects.create(school=tree.school_a, year=year, grade=6, name="6A2")
    for n in range(40):
        _enroll(StudentFactory(school=tree.school_a, full_name=f"Nguyễn Văn An {n}"), school_class)
    for n in range(10):
        StaffFactory(school=tree.school_a, full_name=f"Nguyễn Thị An {n}")
    client.force_login(users.admin_a)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("registry:search") + "?q=nguyen+an")
    assert response.context["page_obj"].paginator.count == 50


@pytest.mark.parametrize(
    "name,args",
    [
        ("registry:search", []),
        ("registry:class", [1]),
        ("registry:student", [1]),
        ("registry:student_edit", [1]),
        ("registry:student_transfer", [1]),
        ("registry:transfer_classes", [1]),
        ("registry:student_leave", [1]),
        ("registry:student_create", ["84000001"]),
        ("registry:staff", [1]),
        ("registry:staff_edit", [1]),
        ("registry:staff_create", ["84000001"]),
        ("registry:class_create", ["84000001"]),
        ("registry:room_create", ["84000001"]),
        ("registry:equipment_create", ["84000001"]),
        ("registry:equipment_edit", [1]),
    ],
)
def test_every_registry_page_requires_login(client, tree, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
