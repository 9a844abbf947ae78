"""/api/v1/org-units and /api/v1/schools."""

from datetime import date

import pytest

from hocso.accounts.services import token_create
from hocso.orgs.models import OrgKind, SchoolType
from hocso.orgs.services import orgunit_close, orgunit_move
from hocso.registry import services

from ..factories import StudentFactory, make_school, make_unit


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_create(user=user)}"}


@pytest.fixture
def province(users):
    return bearer(users.province)


def item_codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_org_unit_list_is_in_tree_order_with_parent_codes(client, tree, province):
    body = client.get("/api/v1/org-units", headers=province).json()
    assert body["count"] == 8
    assert [i["code"] for i in body["items"]] == [
        "84", "842", "28432", "84000001", "84000002", "847", "29161", "84000003",
    ]  # fmt: skip
    school_a = body["items"][3]
    assert school_a == {
        "code": "84000001", "name": "THCS Lý Tự Trọng", "kind": "school",
        "school_type": "lower_secondary", "ownership": "public", "address": "",
        "parent": "28432", "path": "84/842/28432/84000001/", "depth": 3,
        "valid_from": None, "valid_to": None,
    }  # fmt: skip
    assert body["items"][0]["parent"] is None


def test_org_unit_list_filters_by_parent_kind_and_code(client, tree, province):
    assert item_codes(client.get("/api/v1/org-units", {"parent": "84"}, headers=province)) == [
        "842",
        "847",
    ]
    assert item_codes(client.get("/api/v1/org-units", {"kind": "commune"}, headers=province)) == [
        "28432", "29161",
    ]  # fmt: skip
    assert item_codes(client.get("/api/v1/org-units", {"q": "8400000"}, headers=province)) == [
        "84000001", "84000002", "84000003",
    ]  # fmt: skip


def test_org_unit_list_on_a_date_draws_the_tree_of_that_day(client, tree, province):
    """After the 2025 reform the districts are closed: the tree of 1 July 2025 has none."""
    for district in (tree.district1, tree.district2):
        orgunit_close(actor=None, unit=district, valid_to=date(2025, 6, 30))
    kinds_before = client.get(
        "/api/v1/org-units", {"on": "2025-06-30", "kind": "district"}, headers=province
    )
    assert item_codes(kinds_before) == ["842", "847"]
    kinds_after = client.get(
        "/api/v1/org-units", {"on": "2025-07-01", "kind": "district"}, headers=province
    )
    assert item_codes(kinds_after) == []


def test_org_unit_list_rejects_a_malformed_date(client, tree, province):
    assert (
        client.get("/api/v1/org-units", {"on": "30/06/2025"}, headers=province).status_code == 422
    )


def test_org_unit_detail_has_visible_children_and_successors(client, tree, users):
    vinh_long = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    orgunit_close(
        actor=None, unit=tree.province, valid_to=date(2025, 6, 30), successors=[vinh_long]
    )
    body = client.get("/api/v1/org-units/84", headers=bearer(users.admin_a)).json()
    assert body["valid_to"] == "2025-06-30"
    assert body["children"] == [{"code": "842", "name": "Thành phố Trà Vinh", "kind": "district"}]
    assert body["successors"] == [{"code": "86", "name": "Tỉnh Vĩnh Long", "kind": "province"}]
    assert body["predecessors"] == []
    superuser = client.get("/api/v1/org-units/86", headers=bearer(users.superuser)).json()
    assert [p["code"] for p in superuser["predecessors"]] == ["84"]


def test_org_unit_detail_after_a_move_shows_the_new_path(client, tree, province):
    orgunit_move(
        actor=None, unit=tree.commune1, new_parent=tree.province, effective_on=date(2025, 7, 1)
    )
    body = client.get("/api/v1/org-units/84000001", headers=province).json()
    assert body["path"] == "84/28432/84000001/"
    assert body["depth"] == 2


def test_unknown_org_unit_is_404(client, tree, province):
    assert client.get("/api/v1/org-units/99", headers=province).status_code == 404


def test_school_list_filters(client, tree, province):
    get = lambda **params: item_codes(client.get("/api/v1/schools", params, headers=province))  # noqa: E731
    assert get() == ["84000001", "84000002", "84000003"]
    assert get(q="ly tu trong") == ["84000001"]
    assert get(q="Tiểu học") == ["84000002"]
    assert get(q="tieu hoc phuong 1") == ["84000002"]
    assert get(school_type="upper_secondary") == ["84000003"]
    assert get(under="842") == ["84000001", "84000002"]
    assert get(under="847", q="thpt") == ["84000003"]
    assert get(q="84000003") == ["84000003"]


def test_school_list_on_a_date_leaves_out_closed_schools(client, tree, province):
    orgunit_close(actor=None, unit=tree.school_b, valid_to=date(2025, 6, 30))
    codes = item_codes(client.get("/api/v1/schools", {"on": "2025-07-01"}, headers=province))
    assert codes == ["84000001", "84000003"]


def test_school_list_item_fields(client, tree, province):
    item = client.get("/api/v1/schools", {"q": "tra cu"}, headers=province).json()["items"][0]
    assert item == {
        "code": "84000003", "name": "THPT Trà Cú", "school_type": "upper_secondary",
        "ownership": "public", "address": "", "parent": "29161", "valid_from": None,
        "valid_to": None,
    }  # fmt: skip


def test_school_detail_counts_what_the_school_holds(client, tree, users, year, province):
    teacher = services.staff_create(
        actor=None, school=tree.school_a, full_name="Kim Thị Sa", gender="F", position="teacher"
    )
    services.staff_create(
        actor=None, school=tree.school_a, full_name="Thạch Văn Nghỉ", gender="M", position="staff",
        is_active=False,
    )  # fmt: skip
    services.class_create(
        actor=None, school=tree.school_a, year=year, grade=6, name="6A1", homeroom_teacher=teacher
    )
    StudentFactory.create_batch(3, school=tree.school_a)
    StudentFactory(school=tree.school_a, status="graduated")
    StudentFactory(school=tree.school_c)
    room = services.room_save(
        actor=None, school=tree.school_a, code="P1", name="Phòng 1", kind="classroom"
    )
    services.equipment_save(
        actor=None, school=tree.school_a, asset_code="T1", name="Tivi", category="other", room=room
    )
    body = client.get("/api/v1/schools/84000001", headers=province).json()
    assert body["counts"] == {"students": 3, "staff": 1, "classes": 1, "rooms": 1, "equipment": 1}
    assert body["path"] == "84/842/28432/84000001/"


def test_a_school_outside_scope_is_404_even_though_its_ancestors_are_visible(client, tree, users):
    headers = bearer(users.admin_a)
    assert client.get("/api/v1/schools/84000003", headers=headers).status_code == 404
    assert client.get("/api/v1/org-units/84000003", headers=headers).status_code == 404
    assert client.get("/api/v1/org-units/84", headers=headers).status_code == 200


def test_a_commune_is_not_a_school(client, tree, province):
    assert client.get("/api/v1/schools/28432", headers=province).status_code == 404


def test_school_list_pages_by_fifty(client, tree, province):
    for n in range(57):
        make_school(f"8409{n:04d}", tree.commune2, SchoolType.PRESCHOOL, f"Mầm non {n}")
    first = client.get("/api/v1/schools", headers=province).json()
    second = client.get("/api/v1/schools", {"page": 2}, headers=province).json()
    assert (first["count"], len(first["items"]), len(second["items"])) == (60, 50, 10)
