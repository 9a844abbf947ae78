"""The question-bank pages: browsing with search and facets, an item's page, the review and
sharing actions and the review queue — each as the roles see them."""

import pytest
from django.urls import reverse

from hocso.questions import services
from hocso.questions.models import ItemStatus, ReviewComment, SharingScope

from .items import PNG_1PX, short_numeric, single_choice, true_false_4

BROWSE = reverse("questions:browse")
QUEUE = reverse("questions:review_queue")


def _item(actor, bank, data=None, **tags):
    return services.item_create(actor=actor, bank=bank, data=data or single_choice(), **tags)


def _approved(actor, bank, reviewer, data=None, share_province=False):
    item = _item(actor, bank, data)
    services.item_submit(actor=actor, item=item)
    services.item_review(
        actor=reviewer, item=item, decision="approve", share_province=share_province
    )
    return item


def _url(name, item):
    return reverse(f"questions:{name}", args=[item.pk])


def _shown(response) -> list[int]:
    return [item.pk for item in response.context["page_obj"].object_list]


def _facet(response, name) -> dict[str, int]:
    group = next(g for g in response.context["facet_groups"] if g["name"] == name)
    return {value["label"]: value["count"] for value in group["values"]}


# --- browsing --------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_case(client, users, qworld):
    wanted = _item(users.teacher_a, qworld.bank_a, single_choice(stem="Phương trình bậc hai"))
    _item(users.teacher_a, qworld.bank_a, single_choice(stem="Hình học không gian"))
    client.force_login(users.teacher_a)
    response = client.get(BROWSE, {"q": "PHUONG trinh"})
    assert response.status_code == 200
    assert _shown(response) == [wanted.pk]


def test_facets_count_the_matching_items_and_filter_by_a_click(client, users, qworld):
    _item(users.teacher_a, qworld.bank_a, single_choice(stem="Câu một"))
    _item(users.teacher_a, qworld.bank_a, single_choice(stem="Câu hai"))
    numeric = _item(users.teacher_a, qworld.bank_a, short_numeric(stem="Câu ba"))
    client.force_login(users.teacher_a)
    response = client.get(BROWSE)
    assert _facet(response, "type") == {
        "Trắc nghiệm một lựa chọn": 2,
        "Trả lời ngắn (số)": 1,
    }
    assert _facet(response, "status") == {"Bản nháp": 3}
    link = next(
        v["url"]
        for g in response.context["facet_groups"]
        if g["name"] == "type"
        for v in g["values"]
        if v["value"] == "short_numeric"
    )
    filtered = client.get(BROWSE + link)
    assert _shown(filtered) == [numeric.pk]
    # The selected value links back to the unfiltered list.
    selected = next(
        v for g in filtered.context["facet_groups"] if g["name"] == "type" for v in g["values"]
    )
    assert selected["selected"] and "type=" not in selected["url"]


def test_grade_facet_values_are_named_and_banks_link_to_their_exchange_page(client, users, qworld):
    _item(users.teacher_a, qworld.bank_a, single_choice(tags={"grade": "6"}))
    client.force_login(users.teacher_a)
    response = client.get(BROWSE)
    assert _facet(response, "grade") == {"Khối 6": 1}
    exchange = reverse("questions:bank_exchange", args=[qworld.bank_a.code])
    assert f'href="{exchange}"' in response.content.decode()


def test_facet_and_search_combine_and_sort_oldest_first(client, users, qworld):
    first = _item(users.teacher_a, qworld.bank_a, single_choice(stem="Số nguyên tố 2"))
    second = _item(users.teacher_a, qworld.bank_a, single_choice(stem="Số nguyên tố 3"))
    _item(users.teacher_a, qworld.bank_a, short_numeric(stem="Số nguyên tố 5"))
    client.force_login(users.teacher_a)
    response = client.get(BROWSE, {"q": "so nguyen to", "type": "single_choice", "sort": "old"})
    assert _shown(response) == [first.pk, second.pk]


def test_the_list_paginates(client, users, qworld):
    for n in range(23):
        _item(users.teacher_a, qworld.bank_a, single_choice(stem=f"Câu số {n}"))
    client.force_login(users.teacher_a)
    response = client.get(BROWSE, {"page": 2})
    assert len(_shown(response)) == 3
    assert response.context["page_obj"].paginator.num_pages == 2


def test_empty_states_say_what_to_do(client, users, qworld):
    client.force_login(users.teacher_a)
    empty = client.get(BROWSE).content.decode()
    assert "Chưa có câu hỏi nào bạn xem được." in empty
    _item(users.teacher_a, qworld.bank_a)
    nothing = client.get(BROWSE, {"q": "khong co cau nay"}).content.decode()
    assert "Không có câu hỏi nào khớp" in nothing


def test_cards_render_the_stem_for_katex_and_drop_unsafe_markup(client, users, qworld):
    stem = 'Tính \\(x^2 < 4\\) <b>nhanh</b> <script>alert(1)</script><img src=x onerror="y()">'
    _item(users.teacher_a, qworld.bank_a, single_choice(stem=stem))
    client.force_login(users.teacher_a)
    page = client.get(BROWSE).content.decode()
    assert "katex.min.js" in page and "auto-render.min.js" in page
    assert "\\(x^2 &lt; 4\\) <b>nhanh</b>" in page
    assert "<script>alert" not in page and "onerror" not in page


def test_a_teacher_of_another_school_does_not_see_a_school_draft(client, users, qworld):
    draft = _item(users.teacher_a, qworld.bank_a, single_choice(stem="Bí mật"))
    client.force_login(qworld.teacher_c)
    assert client.get(_url("item", draft)).status_code == 404
    assert client.get(BROWSE, {"q": "bi mat"}).context["page_obj"].paginator.count == 0


def test_an_approved_school_item_stays_in_its_school(client, users, qworld):
    item = _approved(users.teacher_a, qworld.bank_a, users.admin_a)
    client.force_login(qworld.teacher_a2)
    assert client.get(_url("item", item)).status_code == 200
    client.force_login(qworld.teacher_c)
    assert client.get(_url("item", item)).status_code == 404


def test_a_province_shared_item_is_seen_in_every_school(client, users, qworld):
    item = _approved(users.teacher_a, qworld.bank_a, users.province, share_province=True)
    client.force_login(qworld.teacher_c)
    assert client.get(_url("item", item)).status_code == 200


@pytest.mark.parametrize("who", ["student_a", "guardian_a", "outsider"])
def test_learners_guardians_and_users_without_a_role_get_403(client, users, qworld, who):
    client.force_login(getattr(users, who))
    for url in (BROWSE, QUEUE, reverse("questions:item_create")):
        assert client.get(url).status_code == 403


def test_pages_need_a_login(client, qworld):
    response = client.get(BROWSE)
    assert response.status_code == 302 and "login" in response["Location"]


# --- the item page ---------------------------------------------------------------------------


def test_answers_are_marked_for_the_author_and_hidden_from_other_users(client, users, qworld):
    item = _approved(
        users.teacher_a,
        qworld.bank_a,
        users.admin_a,
        true_false_4(truths=(True, True, False, True)),
    )
    client.force_login(users.teacher_a)
    own = client.get(_url("item", item)).content.decode()
    assert own.count('badge text-bg-success">Đúng') == 3
    client.force_login(qworld.teacher_a2)
    other = client.get(_url("item", item)).content.decode()
    assert "Ý a" in other and 'badge text-bg-success">Đúng' not in other
    assert "Đáp án</th>" not in other


def test_the_history_lists_every_version_and_what_changed(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    services.item_update(
        actor=users.teacher_a, item=item, data=single_choice(stem="2 + 2 bằng mấy?")
    )
    services.item_update(
        actor=users.teacher_a, item=item, data=single_choice(stem="2 + 2 bằng mấy?", right="bốn")
    )
    client.force_login(users.teacher_a)
    response = client.get(_url("item", item))
    versions = response.context["versions"]
    assert [v.number for v in versions] == [3, 2, 1]
    assert [v.changes for v in versions] == [["phương án"], ["đề bài"], None]
    old = client.get(reverse("questions:item_version", args=[item.pk, 1])).content.decode()
    assert "2 + 2 = ?" in old


def test_actions_shown_follow_permissions(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    client.force_login(users.teacher_a)
    author = client.get(_url("item", item)).context["can"]
    assert not author["review"] and not author["submit"] and author["edit"]
    client.force_login(users.admin_a)
    reviewer = client.get(_url("item", item)).context["can"]
    assert reviewer["review"] and not reviewer["share_province_on_approve"]
    client.force_login(users.province)
    officer = client.get(_url("item", item)).context["can"]
    assert officer["review"] and officer["share_province_on_approve"]
    client.force_login(qworld.teacher_a2)
    colleague = client.get(_url("item", item))
    assert colleague.status_code == 404  # not approved: only its author and reviewers


def test_images_are_served_only_to_those_who_see_the_item(client, users, qworld):
    data = single_choice(stem='Hình: <img src="hinh.png" alt="hình">', files={"hinh.png": PNG_1PX})
    item = _item(users.teacher_a, qworld.bank_a, data)
    url = reverse("questions:image", args=[item.pk, 1, "hinh.png"])
    client.force_login(users.teacher_a)
    page = client.get(_url("item", item)).content.decode()
    assert f'<img src="{url}" alt="hình" class="img-fluid">' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG_1PX
    assert client.get(reverse("questions:image", args=[item.pk, 1, "khac.png"])).status_code == 404
    client.force_login(qworld.teacher_c)
    assert client.get(url).status_code == 404


# --- the workflow through the pages -----------------------------------------------------------


def test_submit_then_approve_through_the_queue(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    client.force_login(users.teacher_a)
    response = client.post(_url("item_submit", item))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED

    client.force_login(users.admin_a)
    queue = client.get(QUEUE)
    assert _shown(queue) == [item.pk]
    response = client.post(_url("item_review", item), {"decision": "approve", "next": "queue"})
    assert response["Location"] == QUEUE
    item.refresh_from_db()
    assert (item.status, item.sharing) == (ItemStatus.APPROVED, SharingScope.SCHOOL)
    assert _shown(client.get(QUEUE)) == []


def test_the_queue_is_oldest_first_and_leaves_out_the_reviewers_own_items(client, users, qworld):
    older = _item(users.teacher_a, qworld.bank_a, single_choice(stem="Cũ"))
    newer = _item(qworld.teacher_a2, qworld.bank_a, single_choice(stem="Mới"))
    own = _item(users.admin_a, qworld.bank_a, single_choice(stem="Của tôi"))
    for actor, item in ((users.teacher_a, older), (qworld.teacher_a2, newer), (users.admin_a, own)):
        services.item_submit(actor=actor, item=item)
    client.force_login(users.admin_a)
    assert _shown(client.get(QUEUE)) == [older.pk, newer.pk]
    client.force_login(users.admin_c)
    assert _shown(client.get(QUEUE)) == []


def test_a_teacher_sees_an_explanation_instead_of_a_queue(client, users, qworld):
    client.force_login(users.teacher_a)
    response = client.get(QUEUE)
    assert response.status_code == 200 and not response.context["can_review"]


def test_requesting_changes_needs_a_comment_and_keeps_the_item_waiting(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    client.force_login(users.admin_a)
    response = client.post(_url("item_review", item), {"decision": "request_changes"}, follow=True)
    assert "Hãy ghi nhận xét cho tác giả." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    client.post(_url("item_review", item), {"decision": "request_changes", "comment": "Sửa B"})
    item.refresh_from_db()
    assert item.status == ItemStatus.REVIEWED
    client.force_login(users.teacher_a)
    page = client.get(_url("item", item)).content.decode()
    assert "Sửa B" in page and "Yêu cầu chỉnh sửa" in page


def test_reject_retires_the_item(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    client.force_login(users.admin_a)
    client.post(_url("item_review", item), {"decision": "reject", "comment": "Trùng đề"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RETIRED
    assert ReviewComment.objects.get(item=item).text == "Trùng đề"


def test_the_author_cannot_approve_their_own_item(client, users, qworld):
    item = _item(users.admin_a, qworld.bank_a)
    services.item_submit(actor=users.admin_a, item=item)
    client.force_login(users.admin_a)
    assert client.post(_url("item_review", item), {"decision": "approve"}).status_code == 403
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED


def test_a_teacher_cannot_review_share_or_retire_an_approved_item(client, users, qworld):
    item = _approved(users.teacher_a, qworld.bank_a, users.admin_a)
    client.force_login(qworld.teacher_a2)
    assert client.post(_url("item_share", item), {"sharing": "province"}).status_code == 403
    assert client.post(_url("item_retire", item)).status_code == 403
    assert client.get(_url("item_edit", item)).status_code == 403
    client.force_login(users.teacher_a)  # the author, after approval: only reviewers retire
    assert client.post(_url("item_retire", item)).status_code == 403
    item.refresh_from_db()
    assert (item.status, item.sharing) == (ItemStatus.APPROVED, SharingScope.SCHOOL)


def test_a_school_admin_cannot_share_with_the_province(client, users, qworld):
    item = _approved(users.teacher_a, qworld.bank_a, users.admin_a)
    client.force_login(users.admin_a)
    assert client.post(_url("item_share", item), {"sharing": "province"}).status_code == 403


def test_a_province_officer_shares_and_narrows_back(client, users, qworld):
    item = _approved(users.teacher_a, qworld.bank_a, users.admin_a)
    client.force_login(users.province)
    client.post(_url("item_share", item), {"sharing": "province"})
    item.refresh_from_db()
    assert item.sharing == SharingScope.PROVINCE
    client.post(_url("item_share", item), {"sharing": "school"})
    item.refresh_from_db()
    assert item.sharing == SharingScope.SCHOOL


def test_the_author_retires_their_own_draft(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    client.force_login(users.teacher_a)
    client.post(_url("item_retire", item), {"comment": "Không dùng nữa"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RETIRED


def test_actions_are_post_only(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    client.force_login(users.teacher_a)
    for name in ("item_submit", "item_review", "item_share", "item_retire"):
        assert client.get(_url(name, item)).status_code == 405
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT


def test_actions_on_an_invisible_item_are_404(client, users, qworld):
    item = _item(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    client.force_login(users.admin_c)
    assert client.post(_url("item_review", item), {"decision": "approve"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED


def test_the_navigation_links_the_bank_for_staff_only(client, users, qworld):
    client.force_login(users.teacher_a)
    assert f'href="{BROWSE}"' in client.get(reverse("home")).content.decode()
    client.force_login(users.student_a)
    assert f'href="{BROWSE}"' not in client.get(reverse("home")).content.decode()
