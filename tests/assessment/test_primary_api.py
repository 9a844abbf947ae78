"""The learner results endpoint for a primary learner: levels, comments and test scores by
assessment point, qualities and competences, and the year result; out of scope is a 404."""

import pytest

from hocso.accounts.services import token_create
from hocso.assessment import services
from hocso.assessment.compute_primary import primary_results_compute

from .primary_setup import make_primary, put_year_end


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def get(client, user, student, year="2025-2026"):
    headers = {"Authorization": f"Bearer {token_create(user=user)}"}
    return client.get(f"/api/v1/students/{student.pk}/results", {"year": year}, headers=headers)


def test_a_primary_learner_has_levels_tests_and_the_year_result(client, p):
    learner = p.learners[0]
    put_year_end(p.school_class, learner, tests={"TV": 7})
    services.primary_subject_levels_save(
        actor=p.admin, school_class=p.school_class, term=1, stage="mid",
        entries=[(learner.pk, "TOAN", "H", "Cần luyện bảng nhân")],
    )  # fmt: skip
    services.primary_outstanding_set(actor=p.admin, school_class=p.school_class, student=learner,
                                     outstanding=True)  # fmt: skip
    primary_results_compute(school_class=p.school_class)
    response = get(client, p.admin, learner)
    assert response.status_code == 200
    body = response.json()
    assert body["periods"] == []
    primary = body["primary"]
    assert (primary["outcome"], primary["promoted"], primary["award"]) == ("tot", True, "tieu_bieu")
    assert primary["outstanding"] is True and primary["missing"] == []
    toan = next(s for s in primary["subjects"] if s["code"] == "TOAN")
    assert toan["levels"] == {"giua_hk1": "H", "cuoi_nam": "T"}
    assert toan["comments"] == {"giua_hk1": "Cần luyện bảng nhân"}
    assert toan["tests"] == {"cuoi_nam": 10}
    tv = next(s for s in primary["subjects"] if s["code"] == "TV")
    assert tv["tests"] == {"cuoi_nam": 7}
    trait = next(t for t in primary["traits"] if t["code"] == "cham_chi")
    assert trait == {"code": "cham_chi", "name": "Chăm chỉ", "group": "quality",
                     "levels": {"cuoi_nam": "T"}}  # fmt: skip


def test_a_primary_learner_without_assessments_has_no_primary_block(client, p):
    response = get(client, p.admin, p.learners[1])
    assert response.status_code == 200
    assert response.json()["primary"] is None


def test_a_secondary_learner_has_no_primary_block(client, people):
    response = get(client, people.admin, people.learners[0])
    assert response.status_code == 200
    assert response.json()["primary"] is None


def test_a_primary_learner_outside_the_scope_is_not_found(client, p):
    assert get(client, p.admin_a, p.learners[0]).status_code == 404
