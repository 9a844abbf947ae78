"""The org tree page and the school page, through the Django test client."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from hocso.orgs.models import OrgKind
from hocso.orgs.services import orgunit_close
from hocso.registry import services
from hocso.registry.models import (
    Condition,
    DeviceAccess,
    Enrollment,
    EnrollmentStart,
    Equipment,
    Guardian,
    Guardianship,
    Room,
    SchoolClass,
    StudentStatus,
)

from ..factories import StaffFactory, StudentFactory, make_unit


def _enroll(student, school_class):
    return Enrollment.objects.create(
        student=student, school=school_class.school, year=school_class.year,
        school_class=school_class, start_date=date(2025, 9, 5),
        start_reason=EnrollmentStart.ADMISSION,
    )  # fmt: skip


@pytest.fixture
def learners(tree, year):
    """Three learners studying at school A, one at school C, one who left school A."""
    class_a = SchoolClass.objects.create(school=tree.school_a, year=year, grade=6, name="6A1")
    class_c = SchoolClass.objects.create(school=tree.school_c, year=year, grade=10, name="10A1")
    a = [StudentFactory(school=tree.school_a) for _ in range(3)]
    for student in a:
        _enroll(student, class_a)
    c = StudentFactory(school=tree.school_c)
    _enroll(c, class_c)
    StudentFactory(school=tree.school_a, status=StudentStatus.DROPPED_OUT)
    return {"class_a": class_a, "class_c": class_c, "a": a, "c": c}


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- org tree ------------------------------------------------------------------------------


def test_tree_lists_the_province_with_school_and_learner_counts(client, users, tree, learners):
    response = _page(client, users.province, reverse("orgs:tree"))
    assert response.status_code == 200
    (province,) = response.context["children"]
    assert province.code == "84"
    assert (province.school_count, province.student_count) == (3, 4)


def test_tree_drills_down_to_districts_with_their_own_counts(client, users, tree, learners):
    response = _page(client, users.province, reverse("orgs:tree") + "?unit=84")
    counts = {c.code: (c.school_count, c.student_count) for c in response.context["children"]}
    assert counts == {"842": (2, 3), "847": (1, 1)}
    assert response.context["totals"] == {"schools": 3, "learners": 4}
    assert [a.code for a in response.context["breadcrumbs"]] == []


def test_tree_breadcrumbs_lead_back_up_to_the_province(client, users, tree):
    response = _page(client, users.province, reverse("orgs:tree") + "?unit=28432")
    assert [a.code for a in response.context["breadcrumbs"]] == ["84", "842"]
    assert [c.code for c in response.context["children"]] == ["84000001", "84000002"]
    assert 'href="/schools/84000001/"' in response.content.decode()


def test_school_admin_sees_only_the_path_to_their_school_and_its_counts(
    client, users, tree, learners
):
    response = _page(client, users.admin_a, reverse("orgs:tree") + "?unit=84")
    counts = {c.code: (c.school_count, c.student_count) for c in response.context["children"]}
    assert counts == {"842": (1, 3)}


def test_tree_unit_outside_scope_is_404(client, users, tree):
    response = _page(client, users.admin_a, reverse("orgs:tree") + "?unit=847")
    assert response.status_code == 404


def test_tree_unit_that_is_a_school_redirects_to_the_school_page(client, users, tree):
    response = _page(client, users.province, reverse("orgs:tree") + "?unit=84000001")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:school", args=["84000001"])


def test_tree_requires_login(client, tree):
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.fixture
def merged(tree):
    """District 842 abolished last year, its successor a new unit under the province."""
    successor = make_unit("848", "Khu vực Trà Vinh mới", OrgKind.DISTRICT, tree.province)
    closed_on = date.today() - timedelta(days=200)
    orgunit_close(actor=None, unit=tree.district1, valid_to=closed_on, successors=[successor])
    return closed_on


def test_historical_units_are_hidden_until_the_toggle_is_on(client, users, tree, merged):
    url = reverse("orgs:tree") + "?unit=84"
    current = _page(client, users.province, url)
    assert [c.code for c in current.context["children"]] == ["847", "848"]
    assert current.context["historical_count"] == 1

    history = client.get(url + "&history=1")
    codes = [c.code for c in history.context["children"]]
    assert "842" in codes
    html = history.content.decode()
    assert "Sáp nhập vào:" in html
    assert 'href="?unit=848&amp;history=1"' in html


def test_tree_on_a_date_shows_the_units_valid_that_day(client, users, tree, merged):
    before = (merged - timedelta(days=1)).isoformat()
    response = _page(client, users.province, reverse("orgs:tree") + f"?unit=84&on={before}")
    assert {c.code for c in response.context["children"]} == {"842", "847", "848"}
    after = (merged + timedelta(days=1)).isoformat()
    response = client.get(reverse("orgs:tree") + f"?unit=84&on={after}")
    assert {c.code for c in response.context["children"]} == {"847", "848"}


def test_tree_with_an_invalid_date_warns_and_shows_current_units(client, users, tree):
    response = _page(client, users.province, reverse("orgs:tree") + "?unit=84&on=31/02/2024")
    assert response.status_code == 200
    assert "Ngày không hợp lệ" in response.content.decode()


# --- school page ---------------------------------------------------------------------------


def test_school_page_renders_for_staff_in_scope(client, users, tree, learners):
    for user in (users.admin_a, users.teacher_a, users.province, users.superuser):
        response = _page(client, user, reverse("orgs:school", args=["84000001"]))
        assert response.status_code == 200, user
        assert "THCS Lý Tự Trọng" in response.content.decode()


def test_school_page_outside_scope_is_404(client, users, tree):
    for user in (users.admin_c, users.district2, users.student_a, users.outsider):
        response = _page(client, user, reverse("orgs:school", args=["84000001"]))
        assert response.status_code == 404, user


def test_school_page_lists_classes_with_homeroom_teacher_and_learner_counts(
    client, users, tree, learners
):
    teacher = StaffFactory(school=tree.school_a, full_name="Trần Thị Chủ Nhiệm")
    learners["class_a"].homeroom_teacher = teacher
    learners["class_a"].save()
    SchoolClass.objects.create(
        school=tree.school_a, year=learners["class_a"].year, grade=7, name="7A1"
    )
    response = _page(client, users.admin_a, reverse("orgs:school", args=["84000001"]))
    rows = [(c.name, c.learner_count) for c in response.context["classes"]]
    assert rows == [("6A1", 3), ("7A1", 0)]
    html = response.content.decode()
    assert "Trần Thị Chủ Nhiệm" in html
    assert reverse("registry:class", args=[learners["class_a"].pk]) in html


def test_school_page_add_buttons_only_for_writers(client, users, tree):
    add_student = reverse("registry:student_create", args=["84000001"])
    assert (
        add_student
        in _page(client, users.admin_a, reverse("orgs:school", args=["84000001"])).content.decode()
    )
    assert (
        add_student
        not in _page(
            client, users.teacher_a, reverse("orgs:school", args=["84000001"])
        ).content.decode()
    )


def test_school_page_completeness_numbers(client, users, tree, year):
    school = tree.school_a
    full = StudentFactory(
        school=school, device_access=DeviceAccess.OWN_PHONE, internet_at_home=True
    )
    no_moet = StudentFactory(
        school=school, moet_code=None, device_access=DeviceAccess.NONE, internet_at_home=False
    )
    moet_only = StudentFactory(
        school=school, national_id=None, date_of_birth=None,
        device_access=DeviceAccess.SHARED_PHONE, internet_at_home=None,
    )  # fmt: skip
    StudentFactory(school=school, status=StudentStatus.TRANSFERRED)  # not counted: left
    StudentFactory(school=tree.school_b)  # not counted: another school
    with_phone = Guardian.objects.create(full_name="Nguyễn Văn Cha", phone="0912345678")
    without_phone = Guardian.objects.create(full_name="Lê Thị Mẹ", phone="")
    Guardianship.objects.create(student=full, guardian=with_phone, relationship="father")
    Guardianship.objects.create(student=no_moet, guardian=without_phone, relationship="mother")
    assert moet_only.guardians.count() == 0
    StaffFactory(school=school)
    StaffFactory(school=school, national_id=None)
    StaffFactory(school=school, is_active=False)  # not counted: no longer working
    Room.objects.create(school=school, code="P1", name="Phòng 1", kind="classroom")
    Room.objects.create(school=school, code="P2", name="Phòng 2", kind="lab")
    Equipment.objects.create(
        school=school, asset_code="MT1", name="Máy tính", category="computer", quantity=5
    )

    response = _page(client, users.admin_a, reverse("orgs:school", args=[school.code]))
    c = response.context["completeness"]
    assert c == {
        "learners": 3,
        "learners_national_id": 2,
        "learners_moet_code": 2,
        "learners_date_of_birth": 2,
        "learners_guardian_phone": 1,
        "learners_online_declared": 2,
        "learners_can_study_online": 1,
        "staff": 2,
        "staff_national_id": 1,
        "rooms": 2,
        "equipment_items": 1,
        "equipment_units": 5,
    }
    percents = {row["key"]: row["percent"] for row in response.context["indicators"]}
    assert percents == {
        "learners_national_id": 66,
        "learners_moet_code": 66,
        "learners_date_of_birth": 66,
        "learners_guardian_phone": 33,
        "learners_online_declared": 66,
        "learners_can_study_online": 33,
        "staff_national_id": 50,
    }
    html = response.content.decode()
    assert "50%</span> (1/2)" in html


def test_school_page_completeness_of_an_empty_school_has_no_percentages(client, users, tree):
    response = _page(client, users.admin_a, reverse("orgs:school", args=["84000001"]))
    assert all(row["percent"] is None for row in response.context["indicators"])
    assert "Chưa có hồ sơ học sinh hay cán bộ nào." in response.content.decode()


def test_school_staff_tab_is_paginated_and_includes_visiting_teachers(client, users, tree):
    for n in range(30):
        StaffFactory(school=tree.school_a, full_name=f"Giáo viên {n:02d}")
    visiting = StaffFactory(school=tree.school_b, full_name="Aaa Dạy Thêm")
    visiting.other_schools.add(tree.school_a)
    url = reverse("orgs:school", args=["84000001"]) + "?tab=staff"
    first = _page(client, users.province, url)
    assert first.context["page_obj"].paginator.count == 31
    assert len(first.context["page_obj"].object_list) == 25
    assert "Dạy thêm" in first.content.decode()
    second = client.get(url + "&page=2")
    assert len(second.context["page_obj"].object_list) == 6


def test_school_equipment_tab_shows_condition_badges(client, users, tree):
    Equipment.objects.create(
        school=tree.school_a, asset_code="MC01", name="Máy chiếu", category="projector",
        condition=Condition.BROKEN,
    )  # fmt: skip
    response = _page(
        client, users.admin_a, reverse("orgs:school", args=["84000001"]) + "?tab=equipment"
    )
    html = response.content.decode()
    assert "Máy chiếu" in html
    assert '<span class="badge text-bg-danger">Hỏng</span>' in html


def test_school_rooms_tab_lists_rooms(client, users, tree):
    Room.objects.create(school=tree.school_a, code="TH1", name="Phòng tin học 1", kind="computer")
    response = _page(
        client, users.teacher_a, reverse("orgs:school", args=["84000001"]) + "?tab=rooms"
    )
    assert "Phòng tin học 1" in response.content.decode()


@pytest.mark.parametrize("tab", ["classes", "staff", "rooms", "equipment"])
def test_school_page_query_count_does_not_grow_with_the_school(
    client, users, tree, year, tab, django_assert_max_num_queries
):
    teachers = [StaffFactory(school=tree.school_a) for _ in range(8)]
    for n, teacher in enumerate(teachers):
        school_class = services.class_create(
            actor=None, school=tree.school_a, year=year, grade=6 + n % 4, name=f"{6 + n % 4}A{n}",
            homeroom_teacher=teacher,
        )  # fmt: skip
        for _ in range(3):
            _enroll(StudentFactory(school=tree.school_a), school_class)
    for n in range(30):
        room = Room.objects.create(
            school=tree.school_a, code=f"P{n}", name=f"Phòng {n}", kind="classroom"
        )
        Equipment.objects.create(
            school=tree.school_a, asset_code=f"TB{n}", name="Bàn", category="furniture", room=room
        )
    client.force_login(users.admin_a)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("orgs:school", args=["84000001"]) + f"?tab={tab}")
    assert response.status_code == 200
