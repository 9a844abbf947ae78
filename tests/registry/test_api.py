"""The registry JSON API: shapes, filters, pagination, audit of bulk reads, query counts."""

import unicodedata
from datetime import date

import pytest
from django.conf import settings

from hocso.accounts.models import AuditEntry
from hocso.accounts.services import token_create
from hocso.registry import services
from hocso.registry.models import Student

from ..factories import StudentFactory
from ..test_scope_matrix import build_world


@pytest.fixture
def world(tree, users, year):
    return build_world(tree, users, year)


@pytest.fixture
def admin_a(users):
    """Headers for school A's administrator."""
    return {"Authorization": f"Bearer {token_create(user=users.admin_a)}"}


@pytest.fixture
def province(users):
    return {"Authorization": f"Bearer {token_create(user=users.province)}"}


def _many_students(school, school_class, n, *, with_guardians=False):
    students = StudentFactory.create_batch(n, school=school)
    for student in students:
        services.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=date(2025, 9, 5)
        )
        if with_guardians:
            services.guardian_link(
                actor=None, student=student, full_name=f"Cha {student.pk}",
                phone=f"09{student.pk:08d}", relationship="father",
            )  # fmt: skip
    return students


# --- students ---------------------------------------------------------------------------------


def test_student_list_item_has_the_documented_fields(client, world, admin_a):
    body = client.get("/api/v1/students", {"q": "Học sinh A 1"}, headers=admin_a).json()
    assert body["count"] == 1
    item = body["items"][0]
    student = world.a.students[1]
    assert item == {
        "id": student.pk,
        "full_name": "Học sinh A 1",
        "date_of_birth": student.date_of_birth.isoformat(),
        "gender": "M",
        "ethnicity": "01",
        "ethnicity_name": "Kinh",
        "national_id": student.national_id,
        "moet_code": None,
        "school": "84000001",
        "class_name": "6A",
        "grade": 6,
        "year": "2025-2026",
        "status": "studying",
    }


def test_national_id_keeps_its_leading_zeros_as_a_string(client, world, admin_a):
    item = client.get("/api/v1/students", headers=admin_a).json()["items"][0]
    assert isinstance(item["national_id"], str)
    assert item["national_id"].startswith("084")


def test_student_list_is_paginated_by_fifty_with_the_total_count(
    client, tree, users, year, admin_a
):
    school_class = services.class_create(
        actor=None, school=tree.school_a, year=year, grade=7, name="7a"
    )
    _many_students(tree.school_a, school_class, 120)
    assert settings.NINJA_PAGINATION_PER_PAGE == 50
    pages = [client.get("/api/v1/students", {"page": n}, headers=admin_a).json() for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [50, 50, 20]
    assert {p["count"] for p in pages} == {120}
    ids = [item["id"] for p in pages for item in p["items"]]
    assert len(set(ids)) == 120
    big = client.get("/api/v1/students", {"page_size": 500}, headers=admin_a).json()
    assert len(big["items"]) == 100  # ?page_size is capped
    assert client.get("/api/v1/students", {"page": 4}, headers=admin_a).json()["items"] == []
    assert client.get("/api/v1/students", {"page": 0}, headers=admin_a).status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "nguyen van an",
        "NGUYỄN VĂN AN",
        unicodedata.normalize("NFD", "Nguyễn Văn An"),
        "van an",
    ],
)
def test_student_name_search_ignores_case_diacritics_and_normalization(
    client, tree, year, admin_a, query
):
    services.student_create(
        actor=None,
        school=tree.school_a,
        full_name="Nguyễn Văn An",
        gender="M",
        moet_code="8400000042",
    )
    services.student_create(
        actor=None,
        school=tree.school_a,
        full_name="Lê Thị Bình",
        gender="F",
        moet_code="8400000043",
    )
    names = [
        i["full_name"]
        for i in client.get("/api/v1/students", {"q": query}, headers=admin_a).json()["items"]
    ]
    assert names == ["Nguyễn Văn An"]


def test_student_search_finds_dang_written_with_d(client, tree, admin_a):
    services.student_create(
        actor=None,
        school=tree.school_a,
        full_name="Đặng Thị Đào",
        gender="F",
        moet_code="8400000044",
    )
    body = client.get("/api/v1/students", {"q": "dang thi dao"}, headers=admin_a).json()
    assert [i["full_name"] for i in body["items"]] == ["Đặng Thị Đào"]


def test_student_search_by_digits_matches_an_id_prefix(client, world, province):
    student = world.c.students[0]
    body = client.get("/api/v1/students", {"q": student.national_id}, headers=province).json()
    assert [i["id"] for i in body["items"]] == [student.pk]
    body = client.get("/api/v1/students", {"q": student.national_id[:4]}, headers=province).json()
    assert student.pk in {i["id"] for i in body["items"]}
    assert body["count"] == 5  # every learner of 84 (the world's IDs share "0842"), none of 86


def test_student_list_filters_by_school(client, world, province):
    body = client.get("/api/v1/students", {"school": "84000003"}, headers=province).json()
    assert {i["id"] for i in body["items"]} == {s.pk for s in world.c.students}
    assert {i["school"] for i in body["items"]} == {"84000003"}


def test_student_list_filter_on_a_school_outside_scope_is_empty(client, world, admin_a):
    body = client.get("/api/v1/students", {"school": "84000003"}, headers=admin_a).json()
    assert body == {"items": [], "count": 0}


def test_student_list_filters_by_class_and_status(client, world, admin_a):
    other = services.class_create(
        actor=None, school=world.a.school, year=world.a.school_class.year, grade=6, name="6B"
    )
    moved = world.a.students[1]
    services.student_change_class(actor=None, student=moved, to_class=other, on=date(2025, 10, 1))
    body = client.get("/api/v1/students", {"class_id": other.pk}, headers=admin_a).json()
    assert [i["id"] for i in body["items"]] == [moved.pk]
    assert body["items"][0]["class_name"] == "6B"
    services.student_leave(actor=None, student=moved, on=date(2025, 11, 1), reason="drop_out")
    body = client.get("/api/v1/students", {"status": "dropped_out"}, headers=admin_a).json()
    assert [(i["id"], i["class_name"]) for i in body["items"]] == [(moved.pk, None)]


def test_student_detail_has_guardians_access_and_enrollment_history(client, world, admin_a, year):
    student = world.own_student
    services.student_update(
        actor=None, student=student, address="Ấp Chợ, xã Phước Hưng", device_access="shared_phone",
        internet_at_home=True,
    )  # fmt: skip
    other = services.class_create(actor=None, school=world.a.school, year=year, grade=6, name="6C")
    services.student_change_class(actor=None, student=student, to_class=other, on=date(2025, 10, 1))
    body = client.get(f"/api/v1/students/{student.pk}", headers=admin_a).json()
    assert body["address"] == "Ấp Chợ, xã Phước Hưng"
    assert body["device_access"] == "shared_phone"
    assert body["internet_at_home"] is True
    assert body["can_study_online"] is True
    assert body["school_name"] == "THCS Lý Tự Trọng"
    assert body["guardians"] == [
        {"id": body["guardians"][0]["id"], "full_name": "Phụ huynh A", "phone": "0901234567",
         "relationship": "mother"}
    ]  # fmt: skip
    history = [
        (e["class_name"], e["start_date"], e["end_date"], e["end_reason"])
        for e in body["enrollments"]
    ]
    assert history == [
        ("6A", "2025-09-05", "2025-10-01", "class_change"),
        ("6C", "2025-10-01", None, ""),
    ]
    assert body["class_name"] == "6C"


def test_a_missing_student_is_404_with_a_json_body(client, world, admin_a):
    response = client.get("/api/v1/students/999999", headers=admin_a)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_a_student_sees_only_their_own_record(client, world, users):
    headers = {"Authorization": f"Bearer {token_create(user=users.student_a)}"}
    body = client.get("/api/v1/students", headers=headers).json()
    assert [i["id"] for i in body["items"]] == [world.own_student.pk]
    classmate = world.a.students[1]
    assert client.get(f"/api/v1/students/{classmate.pk}", headers=headers).status_code == 404


# --- audit of bulk reads ----------------------------------------------------------------------


def test_listing_students_writes_an_audit_entry_with_filters_and_count(
    client, world, users, admin_a
):
    client.get("/api/v1/students", {"q": "hoc sinh", "school": "84000001"}, headers=admin_a)
    entry = AuditEntry.objects.filter(action="api.list").get()
    assert entry.actor == users.admin_a
    assert entry.detail == {
        "kind": "student",
        "filters": {"q": "hoc sinh", "school": "84000001"},
        "page": 1,
        "count": 2,
        "returned": 2,
    }


def test_listing_staff_writes_an_audit_entry(client, world, users, province):
    client.get("/api/v1/staff", headers=province)
    entry = AuditEntry.objects.filter(action="api.list").get()
    assert entry.actor == users.province
    assert entry.detail["kind"] == "staff"
    assert entry.detail["count"] == 3


def test_reading_a_class_roster_writes_an_audit_entry(client, world, users, admin_a):
    client.get(f"/api/v1/classes/{world.a.school_class.pk}", headers=admin_a)
    entry = AuditEntry.objects.filter(action="api.list").get()
    assert entry.detail == {"kind": "class_roster", "count": 2}
    assert entry.object_type == "schoolclass"
    assert entry.object_id == str(world.a.school_class.pk)
    assert entry.org_unit == world.a.school


def test_a_refused_list_request_writes_no_audit_entry(client, world):
    assert client.get("/api/v1/students").status_code == 401
    assert not AuditEntry.objects.filter(action="api.list").exists()


# --- query counts -----------------------------------------------------------------------------


def test_a_page_of_fifty_students_takes_a_fixed_number_of_queries(
    client, tree, year, admin_a, django_assert_max_num_queries
):
    school_class = services.class_create(
        actor=None, school=tree.school_a, year=year, grade=8, name="8a"
    )
    _many_students(tree.school_a, school_class, 60, with_guardians=True)
    client.get("/api/v1/students", headers=admin_a)  # token last-use stamp written once
    # auth token, role assignments, count, page, audit insert
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/students", headers=admin_a).json()
    assert len(body["items"]) == 50
    assert all(
        item["class_name"] == "8A" and item["school"] == "84000001" for item in body["items"]
    )


@pytest.mark.parametrize(
    "route", ["/api/v1/staff", "/api/v1/classes", "/api/v1/rooms", "/api/v1/equipment"]
)
def test_other_lists_take_a_fixed_number_of_queries(
    client, tree, year, users, province, route, django_assert_max_num_queries
):
    for n in range(12):
        school = tree.school_a if n % 2 else tree.school_c
        teacher = services.staff_create(
            actor=None, school=school, full_name=f"Giáo viên {n}", gender="M", position="teacher"
        )
        school_class = services.class_create(
            actor=None, school=school, year=year, grade=7 if school == tree.school_a else 11,
            name=f"L{n}", homeroom_teacher=teacher,
        )  # fmt: skip
        _many_students(school, school_class, 1)
        room = services.room_save(
            actor=None, school=school, code=f"R{n}", name=f"Phòng {n}", kind="lab"
        )
        services.equipment_save(
            actor=None,
            school=school,
            asset_code=f"E{n}",
            name=f"Máy {n}",
            category="computer",
            room=room,
        )
    client.get(route, headers=province)
    with django_assert_max_num_queries(6):
        body = client.get(route, headers=province).json()
    assert body["count"] == 12


# --- staff ------------------------------------------------------------------------------------


def test_staff_list_and_detail(client, world, admin_a, year):
    world.a.teacher.other_schools.add(world.b.school)
    body = client.get("/api/v1/staff", {"q": "giao vien a"}, headers=admin_a).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["full_name"] == "Giáo viên A"
    assert item["school"] == "84000001"
    assert item["position"] == "teacher"
    detail = client.get(f"/api/v1/staff/{item['id']}", headers=admin_a).json()
    assert detail["other_schools"] == ["84000002"]
    assert detail["homeroom_classes"] == [
        {"id": world.a.school_class.pk, "name": "6A", "grade": 6, "year": "2025-2026"}
    ]


def test_staff_list_filters_by_school(client, world, province):
    body = client.get("/api/v1/staff", {"school": "84000002"}, headers=province).json()
    assert [i["id"] for i in body["items"]] == [world.b.teacher.pk]


# --- classes, rooms, equipment ----------------------------------------------------------------


def test_class_list_has_homeroom_teacher_and_current_head_count(client, world, province):
    body = client.get(
        "/api/v1/classes", {"school": "84000001", "year": "2025-2026"}, headers=province
    ).json()
    assert body["items"] == [
        {
            "id": world.a.school_class.pk, "school": "84000001", "year": "2025-2026", "grade": 6,
            "name": "6A", "homeroom_teacher": {"id": world.a.teacher.pk, "full_name": "Giáo viên A"},
            "student_count": 2,
        }
    ]  # fmt: skip


def test_class_list_filter_on_another_year_is_empty(client, world, province):
    body = client.get("/api/v1/classes", {"year": "2024-2025"}, headers=province).json()
    assert body["count"] == 0


def test_class_detail_lists_the_learners_currently_in_it(client, world, admin_a):
    leaver = world.a.students[1]
    services.student_leave(actor=None, student=leaver, on=date(2025, 12, 1), reason="drop_out")
    body = client.get(f"/api/v1/classes/{world.a.school_class.pk}", headers=admin_a).json()
    assert [s["id"] for s in body["roster"]] == [world.a.students[0].pk]
    assert body["student_count"] == 1


def test_room_and_equipment_routes(client, world, admin_a):
    rooms = client.get("/api/v1/rooms", headers=admin_a).json()
    assert [(r["code"], r["kind"]) for r in rooms["items"]] == [("PA", "classroom")]
    room = client.get(f"/api/v1/rooms/{world.a.room.pk}", headers=admin_a).json()
    assert [e["asset_code"] for e in room["equipment"]] == ["TB-A"]
    items = client.get("/api/v1/equipment", {"category": "projector"}, headers=admin_a).json()
    assert [(e["asset_code"], e["room"], e["condition"]) for e in items["items"]] == [
        ("TB-A", "PA", "good")
    ]
    detail = client.get(f"/api/v1/equipment/{world.a.equipment.pk}", headers=admin_a).json()
    assert detail["room_name"] == "Phòng A"
    assert detail["school_name"] == "THCS Lý Tự Trọng"


def test_equipment_filters_by_condition(client, world, admin_a):
    services.equipment_save(
        actor=None, school=world.a.school, asset_code="TB-A2", name="Máy tính hỏng",
        category="computer", condition="broken",
    )  # fmt: skip
    body = client.get("/api/v1/equipment", {"condition": "broken"}, headers=admin_a).json()
    assert [e["asset_code"] for e in body["items"]] == ["TB-A2"]
    assert body["items"][0]["room"] is None


def test_student_count_is_not_affected_by_another_schools_records(client, world, admin_a):
    assert Student.objects.count() == 7
    assert client.get("/api/v1/students", headers=admin_a).json()["count"] == 2
