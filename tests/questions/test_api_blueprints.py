"""/api/v1/blueprints: list, detail with availability, and generation of versions as JSON."""

import pytest

from hocso.accounts.services import token_create
from hocso.questions.models import Blueprint

from .blueprint_setup import approved, small_blueprint
from .items import single_choice

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_create(user=user)}"}


@pytest.fixture
def world(tree, qworld):
    items = [
        approved(qworld.bank_a, single_choice(stem=f"Câu {i}"), grade=6, topic=qworld.topic,
                 level="biet")
        for i in range(3)
    ]  # fmt: skip
    return {
        "items": items,
        "own": small_blueprint(tree.school_a, qworld.math, code="A1", topic=qworld.topic,
                               level="biet", count=2),
        "province": small_blueprint(tree.province, qworld.math, code="SO1", count=5),
        "other": small_blueprint(tree.school_c, qworld.math, code="C1"),
    }  # fmt: skip


def _post(client, user, blueprint, query: str):
    return client.post(f"/api/v1/blueprints/{blueprint.pk}/generate?{query}", headers=bearer(user))


def test_the_list_is_scoped_and_paginated(client, users, world):
    body = client.get("/api/v1/blueprints", headers=bearer(users.teacher_a)).json()
    assert body["count"] == 2
    assert {b["code"] for b in body["items"]} == {"A1", "SO1"}
    own = next(b for b in body["items"] if b["code"] == "A1")
    assert own["subject"] == "TOAN" and own["org_unit"] == "84000001" and own["grade"] == 6
    page = client.get(
        "/api/v1/blueprints", {"page_size": 1}, headers=bearer(users.teacher_a)
    ).json()
    assert len(page["items"]) == 1 and page["count"] == 2


def test_a_learner_sees_no_blueprints(client, users, world):
    body = client.get("/api/v1/blueprints", headers=bearer(users.student_a)).json()
    assert body == {"items": [], "count": 0}


def test_the_detail_has_the_cells_and_their_availability(client, users, world):
    own = world["own"]
    body = client.get(f"/api/v1/blueprints/{own.pk}", headers=bearer(users.teacher_a)).json()
    assert body["parts"][0]["code"] == "I"
    [cell] = body["cells"]
    assert cell["topic"] == "T6.1" and cell["level"] == "biet"
    assert (cell["count"], cell["available"]) == (2, 3)
    province = world["province"]
    body = client.get(f"/api/v1/blueprints/{province.pk}", headers=bearer(users.teacher_a)).json()
    assert (body["cells"][0]["count"], body["cells"][0]["available"]) == (5, 3)


def test_another_schools_blueprint_is_not_found(client, users, world):
    other = world["other"]
    headers = bearer(users.teacher_a)
    assert client.get(f"/api/v1/blueprints/{other.pk}", headers=headers).status_code == 404
    assert _post(client, users.teacher_a, other, "versions=1&seed=1").status_code == 404


def test_generate_answers_the_versions_with_items_options_and_key(client, users, world):
    response = _post(client, users.teacher_a, world["own"], "versions=2&seed=abc")
    assert response.status_code == 200
    body = response.json()
    assert body["seed"] == "abc" and body["blueprint"] == world["own"].pk
    assert [v["code"] for v in body["versions"]] == ["101", "102"]
    item_ids = {i.pk: i.current_version_id for i in world["items"]}
    for version in body["versions"]:
        assert [q["number"] for q in version["questions"]] == [1, 2]
        for question in version["questions"]:
            assert item_ids[question["item_id"]] == question["item_version_id"]
            assert sorted(question["option_order"]) == [0, 1, 2, 3]
            # The right option (index 0 in the item) is printed where the key says.
            letter = "ABCD"[question["option_order"].index(0)]
            assert question["answer"] == letter


def test_generate_is_deterministic_for_a_seed(client, users, world):
    first = _post(client, users.teacher_a, world["own"], "versions=3&seed=7").json()
    second = _post(client, users.teacher_a, world["own"], "versions=3&seed=7").json()
    other = _post(client, users.teacher_a, world["own"], "versions=3&seed=8").json()
    assert first == second
    assert first["versions"] != other["versions"]


def test_generate_lists_the_short_cells(client, users, world):
    response = _post(client, users.teacher_a, world["province"], "versions=1&seed=1")
    assert response.status_code == 409
    [short] = response.json()["shortages"]
    cell = world["province"].cells.get()
    assert short == {"cell": cell.pk, "need": 5, "available": 3}


@pytest.mark.parametrize("query", ["versions=0&seed=1", "versions=25&seed=1", "versions=2"])
def test_generate_refuses_bad_parameters(client, users, world, query):
    assert _post(client, users.teacher_a, world["own"], query).status_code == 422


def test_anonymous_callers_are_refused(client, world):
    assert client.get("/api/v1/blueprints").status_code == 401
    url = f"/api/v1/blueprints/{world['own'].pk}/generate?versions=1&seed=1"
    assert client.post(url).status_code == 401
    assert Blueprint.objects.count() == 3
