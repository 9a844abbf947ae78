"""Who sees which item and bank; search and facets."""

import pytest

from hocso.questions import selectors, services
from hocso.questions.models import ItemStatus, ReviewDecision
from hocso.questions.services import Tags

from .items import short_numeric, short_text, single_choice, true_false_4

pytestmark = pytest.mark.django_db


def _approve(item, reviewer, *, share_province=False):
    services.item_submit(actor=None, item=item)
    services.item_review(
        actor=reviewer, item=item, decision=ReviewDecision.APPROVE, share_province=share_province
    )
    return item


@pytest.fixture
def bank_items(users, qworld):
    """In school A: an approved item, teacher_a's draft, teacher_a2's submitted item, one shared
    with the province; in school C: an approved item; in the province bank: a shared item and
    a draft."""
    a = qworld.bank_a
    items = {
        "a_approved": _approve(
            services.item_create(
                actor=users.teacher_a, bank=a, data=single_choice(wrong=("3", "Mười một"))
            ),
            users.admin_a,
        ),
        "a_draft": services.item_create(
            actor=users.teacher_a, bank=a, data=single_choice(stem="Nháp của cô A")
        ),
        "a2_submitted": services.item_create(
            actor=qworld.teacher_a2, bank=a, data=short_text(stem="Thủ đô của nước ta?")
        ),
        "a_province": _approve(
            services.item_create(
                actor=qworld.teacher_a2, bank=a, data=true_false_4(tags={"grade": "6"})
            ),
            users.province,
            share_province=True,
        ),
        "c_approved": _approve(
            services.item_create(actor=qworld.teacher_c, bank=qworld.bank_c, data=short_numeric()),
            users.admin_c,
        ),
        "p_shared": _approve(
            services.item_create(
                actor=None, bank=qworld.province_bank, data=single_choice(stem="Số nguyên tố?")
            ),
            users.province,
            share_province=True,
        ),
        "p_draft": services.item_create(
            actor=None, bank=qworld.province_bank, data=single_choice(stem="Nháp của Sở")
        ),
    }
    services.item_submit(actor=qworld.teacher_a2, item=items["a2_submitted"])
    return items


def _visible(actor, bank_items) -> set[str]:
    pks = set(selectors.items_visible(actor=actor).values_list("pk", flat=True))
    return {name for name, item in bank_items.items() if item.pk in pks}


def test_a_teacher_sees_province_items_their_schools_approved_items_and_their_own(
    users, bank_items
):
    assert _visible(users.teacher_a, bank_items) == {
        "a_approved",
        "a_draft",
        "a_province",
        "p_shared",
    }


def test_a_teacher_does_not_see_a_colleagues_draft_or_another_schools_items(qworld, bank_items):
    seen = _visible(qworld.teacher_a2, bank_items)
    assert "a_draft" not in seen
    assert "c_approved" not in seen
    assert {"a2_submitted", "a_province", "p_shared", "a_approved"} <= seen


def test_the_school_admin_reviews_so_sees_every_item_of_the_school(users, bank_items):
    assert _visible(users.admin_a, bank_items) == {
        "a_approved", "a_draft", "a2_submitted", "a_province", "p_shared",
    }  # fmt: skip


def test_a_province_officer_sees_everything_in_the_province(users, bank_items):
    assert _visible(users.province, bank_items) == set(bank_items)


def test_a_district_officer_sees_its_schools_and_the_shared_items(users, bank_items):
    assert _visible(users.district2, bank_items) == {"c_approved", "a_province", "p_shared"}


def test_learners_guardians_and_outsiders_see_nothing(users, bank_items):
    for user in (users.student_a, users.guardian_a, users.outsider):
        assert _visible(user, bank_items) == set()
    assert selectors.banks_visible(actor=users.student_a).count() == 0


def test_an_item_out_of_sight_is_not_found(users, bank_items):
    with pytest.raises(selectors.Item.DoesNotExist):
        selectors.item_get(actor=users.teacher_a, pk=bank_items["c_approved"].pk)
    assert selectors.item_get(actor=users.teacher_a, pk=bank_items["p_shared"].pk)


def test_banks_of_the_unit_and_the_units_above_are_visible(users, qworld):
    codes = set(selectors.banks_visible(actor=users.teacher_a).values_list("code", flat=True))
    assert codes == {"SO-TOAN", "A-TOAN"}
    counts = {b.code: b.item_count for b in selectors.banks_with_counts(actor=users.teacher_a)}
    assert counts == {"SO-TOAN": 0, "A-TOAN": 0}


def test_bank_counts_only_count_visible_items(users, bank_items):
    counts = {b.code: b.item_count for b in selectors.banks_with_counts(actor=users.teacher_a)}
    assert counts == {"SO-TOAN": 1, "A-TOAN": 3}


def test_search_ignores_case_and_diacritics(users, bank_items):
    for query in ("thu do", "THỦ ĐÔ", "Thu\u0309 đô", "nuoc ta"):
        found = selectors.items_search(actor=users.admin_a, q=query)
        assert [i.pk for i in found] == [bank_items["a2_submitted"].pk], query
    assert not selectors.items_search(actor=users.teacher_a, q="thu do").exists()


def test_search_finds_words_of_the_options(users, bank_items):
    found = selectors.items_search(actor=users.admin_a, q="muoi mot")
    assert {i.pk for i in found} == {bank_items["a_approved"].pk}


def test_search_filters_combine(users, qworld, bank_items):
    services.item_update(
        actor=None, item=bank_items["a_approved"],
        tags=Tags(subject=qworld.math, grade=6, topic=qworld.topic, level="biet"),
    )  # fmt: skip
    found = selectors.items_search(
        actor=users.admin_a, subject="toan", grade=6, topic=qworld.topic.pk, level="biet",
        type="single_choice", status=ItemStatus.APPROVED, bank_code="A-TOAN",
    )  # fmt: skip
    assert [i.pk for i in found] == [bank_items["a_approved"].pk]
    assert not selectors.items_search(actor=users.admin_a, grade=6, level="hieu").exists()


def test_facets_count_what_the_actor_sees(users, qworld, bank_items):
    services.item_update(
        actor=None, item=bank_items["a_approved"],
        tags=Tags(subject=qworld.math, grade=6, topic=qworld.topic, level="biet"),
    )  # fmt: skip
    facets = selectors.item_facets(selectors.items_search(actor=users.teacher_a))

    assert facets["subject"] == [{"value": "TOAN", "label": "Toán", "count": 4}]
    assert facets["grade"] == [{"value": 6, "label": "6", "count": 2}]
    assert facets["topic"] == [{"value": qworld.topic.pk, "label": "Số tự nhiên", "count": 1}]
    assert facets["level"] == [{"value": "biet", "label": "Biết", "count": 1}]
    assert {f["value"]: f["count"] for f in facets["type"]} == {
        "single_choice": 3, "true_false_4": 1,
    }  # fmt: skip
    assert {f["value"]: f["count"] for f in facets["status"]} == {"approved": 3, "draft": 1}


def test_review_queue_lists_submitted_items_the_actor_may_review_but_not_their_own(
    users, qworld, bank_items
):
    assert list(selectors.review_queue(actor=users.admin_a)) == [bank_items["a2_submitted"]]
    assert not selectors.review_queue(actor=users.teacher_a).exists()
    assert not selectors.review_queue(actor=users.admin_c).exists()


def test_versions_and_comments_of_an_item(users, bank_items):
    item = bank_items["a_draft"]
    services.item_update(actor=users.teacher_a, item=item, data=single_choice(stem="Sửa lại"))
    assert [v.number for v in selectors.item_versions(item=item)] == [2, 1]
    services.item_submit(actor=users.teacher_a, item=item)
    services.item_review(actor=users.admin_a, item=item, decision="request_changes", comment="Sửa")
    assert [c.text for c in selectors.item_comments(item=item)] == ["Sửa"]
