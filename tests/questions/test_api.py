"""/api/v1/question-banks and /api/v1/question-items."""

import pytest

from hocso.accounts.services import token_create
from hocso.questions import services
from hocso.questions.models import ReviewDecision

from .items import short_text, single_choice, true_false_4

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_create(user=user)}"}


@pytest.fixture
def items(users, qworld):
    shared = services.item_create(
        actor=None, bank=qworld.province_bank,
        data=true_false_4(stem="Xét hàm số bậc hai", tags={"grade": "6", "level": "hieu"}),
    )  # fmt: skip
    services.item_submit(actor=None, item=shared)
    services.item_review(
        actor=users.province, item=shared, decision=ReviewDecision.APPROVE, share_province=True
    )
    draft = services.item_create(
        actor=users.teacher_a, bank=qworld.bank_a, data=short_text(name="Thủ đô")
    )
    other = services.item_create(actor=qworld.teacher_c, bank=qworld.bank_c, data=single_choice())
    return {"shared": shared, "draft": draft, "other": other}


def test_item_list_shows_what_the_teacher_may_see(client, users, items):
    body = client.get("/api/v1/question-items", headers=bearer(users.teacher_a)).json()
    assert body["count"] == 2
    assert [i["id"] for i in body["items"]] == [items["draft"].pk, items["shared"].pk]
    shared = body["items"][1]
    assert shared == {
        "id": items["shared"].pk, "bank": "SO-TOAN", "type": "true_false_4",
        "status": "approved", "sharing": "province", "name": "",
        "stem": "Xét hàm số bậc hai", "points": "1.000", "version": 1, "subject": "TOAN",
        "grade": 6, "topic": None, "level": "hieu", "updated_at": shared["updated_at"],
    }  # fmt: skip


def test_item_list_searches_without_diacritics_and_filters(client, users, items):
    teacher = bearer(users.teacher_a)
    found = client.get("/api/v1/question-items", {"q": "ham so"}, headers=teacher).json()
    assert [i["id"] for i in found["items"]] == [items["shared"].pk]
    by_type = client.get("/api/v1/question-items", {"type": "short_text"}, headers=teacher).json()
    assert [i["id"] for i in by_type["items"]] == [items["draft"].pk]
    by_level = client.get(
        "/api/v1/question-items", {"grade": 6, "level": "hieu", "bank": "SO-TOAN"}, headers=teacher
    ).json()
    assert by_level["count"] == 1


def test_item_detail_carries_the_content(client, users, items):
    body = client.get(
        f"/api/v1/question-items/{items['shared'].pk}", headers=bearer(users.teacher_a)
    ).json()
    assert [s["is_true"] for s in body["content"]["statements"]] == [True, False, True, False]
    assert body["org_unit"] == "84"
    assert body["content"]["files"] == {}


def test_item_detail_of_an_item_out_of_sight_is_404(client, users, items):
    teacher = bearer(users.teacher_a)
    assert (
        client.get(f"/api/v1/question-items/{items['other'].pk}", headers=teacher).status_code
        == 404
    )
    colleague = bearer(users.admin_c)
    assert (
        client.get(f"/api/v1/question-items/{items['draft'].pk}", headers=colleague).status_code
        == 404
    )


def test_bank_list_and_detail_with_facets(client, users, items):
    teacher = bearer(users.teacher_a)
    banks = client.get("/api/v1/question-banks", headers=teacher).json()
    assert [(b["code"], b["item_count"]) for b in banks["items"]] == [
        ("A-TOAN", 1), ("SO-TOAN", 1),
    ]  # fmt: skip
    detail = client.get("/api/v1/question-banks/SO-TOAN", headers=teacher).json()
    assert detail["org_unit"] == "84"
    assert detail["facets"]["level"] == [{"value": "hieu", "label": "Hiểu", "count": 1}]
    assert detail["facets"]["type"][0]["value"] == "true_false_4"
    assert client.get("/api/v1/question-banks/C-TOAN", headers=teacher).status_code == 404


def test_anonymous_callers_are_refused(client, items):
    assert client.get("/api/v1/question-items").status_code == 401
    assert client.get("/api/v1/question-banks").status_code == 401
