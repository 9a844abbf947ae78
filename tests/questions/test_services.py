"""Writes of the question bank: items, versions, the review workflow, sharing, images, import."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry
from hocso.questions import services
from hocso.questions.interchange import (
    ItemType,
    Pair,
    Problem,
    ProblemKind,
    ReadResult,
)
from hocso.questions.models import (
    Bank,
    Item,
    ItemStatus,
    ItemVersion,
    MediaFile,
    ReviewComment,
    ReviewDecision,
    SharingScope,
)
from hocso.questions.services import Tags

from .items import PNG_1PX, short_numeric, short_text, single_choice, true_false_4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _create(actor, bank, data=None, **kwargs):
    return services.item_create(actor=actor, bank=bank, data=data or single_choice(), **kwargs)


def _approved(item, reviewer, *, share_province=False):
    services.item_submit(actor=None, item=item)
    services.item_review(
        actor=reviewer, item=item, decision=ReviewDecision.APPROVE, share_province=share_province
    )
    item.refresh_from_db()
    return item


# --- creating ---------------------------------------------------------------------------------


def test_a_teacher_creates_a_draft_in_their_schools_bank(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)

    assert item.status == ItemStatus.DRAFT
    assert item.sharing == SharingScope.SCHOOL
    assert item.author == users.teacher_a
    assert item.org_unit == qworld.bank_a.org_unit
    assert item.current_version.number == 1
    assert item.current_version.content["choices"][0] == {
        "text": "4", "fraction": "1", "feedback": "", "pinned": False,
    }  # fmt: skip
    assert item.subject == qworld.math  # the bank's subject when the item names none
    assert AuditEntry.objects.filter(action="question.create", object_id=str(item.pk)).exists()


def test_a_teacher_cannot_create_in_another_schools_or_the_provinces_bank(users, qworld):
    with pytest.raises(PermissionDenied):
        _create(users.teacher_a, qworld.bank_c)
    with pytest.raises(PermissionDenied):
        _create(users.teacher_a, qworld.province_bank)
    with pytest.raises(PermissionDenied):
        _create(users.student_a, qworld.bank_a)


def test_item_create_takes_tags_from_the_item_data(users, qworld):
    data = single_choice(tags={"grade": "6", "topic": "T6.1", "level": "Thông hiểu",
                               "source": "Đề KT giữa kì", "chapter": "1"})  # fmt: skip
    item = _create(users.teacher_a, qworld.bank_a, data)

    assert (item.grade, item.topic, item.level) == (6, qworld.topic, "thong_hieu")
    assert item.source == "Đề KT giữa kì"
    assert item.other_tags == {"chapter": "1"}
    assert services.tags_of(item) == {
        "subject": "TOAN", "grade": "6", "topic": "T6.1", "level": "thong_hieu",
        "source": "Đề KT giữa kì", "chapter": "1",
    }  # fmt: skip


def test_a_topic_may_be_named_instead_of_coded(users, qworld):
    data = single_choice(tags={"grade": "6", "topic": "so tu nhien"})
    assert _create(users.teacher_a, qworld.bank_a, data).topic == qworld.topic


def test_unknown_topic_or_level_is_refused(users, qworld):
    with pytest.raises(ValidationError, match="không có chủ đề T9.9"):
        _create(users.teacher_a, qworld.bank_a, single_choice(tags={"grade": "6", "topic": "T9.9"}))
    with pytest.raises(ValidationError, match="Mức độ nhận thức"):
        _create(users.teacher_a, qworld.bank_a, single_choice(tags={"level": "khó"}))


def test_a_topic_of_another_grade_is_refused_when_tags_are_given_directly(users, qworld):
    tags = Tags(subject=qworld.math, grade=7, topic=qworld.topic)
    with pytest.raises(ValidationError, match="Chủ đề phải thuộc"):
        _create(users.teacher_a, qworld.bank_a, tags=tags)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (single_choice(wrong=()), "ít nhất 2 phương án"),
        (single_choice(stem="  <p> </p> "), "chưa có đề bài"),
        (true_false_4(truths=(True, False, True)), "đúng 4 ý"),
        (short_text(answers=()), "đáp án đúng"),
        (short_numeric(points=Decimal(-1)), "Điểm của câu hỏi"),
    ],
)
def test_malformed_content_is_refused(users, qworld, data, message):
    with pytest.raises(ValidationError, match=message):
        _create(users.teacher_a, qworld.bank_a, data)
    assert not Item.objects.exists()


def test_text_is_stored_in_nfc(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a, single_choice(stem="Thu\u0309 đô"))
    assert item.current_version.stem == "Thủ đô"
    assert "thu do" in item.search_text


# --- versions ---------------------------------------------------------------------------------


def test_editing_a_draft_writes_a_new_version_and_keeps_the_old_one(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    first = item.current_version

    services.item_update(actor=users.teacher_a, item=item, data=single_choice(stem="3 + 3 = ?"))
    item.refresh_from_db()

    assert item.current_version.number == 2
    assert item.current_version.stem == "3 + 3 = ?"
    first.refresh_from_db()
    assert first.stem == "2 + 2 = ?"
    assert item.status == ItemStatus.DRAFT


def test_an_edit_that_changes_nothing_writes_no_version(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_update(actor=users.teacher_a, item=item, data=single_choice())
    assert ItemVersion.objects.filter(item=item).count() == 1
    assert not AuditEntry.objects.filter(action="question.update").exists()


def test_editing_after_approval_makes_a_new_version_and_sends_it_back_to_review(users, qworld):
    item = _approved(_create(users.teacher_a, qworld.bank_a), users.admin_a)
    approved_version = item.current_version

    services.item_update(actor=users.teacher_a, item=item, data=single_choice(right="four"))
    item.refresh_from_db()

    assert item.current_version.number == 2
    assert item.status == ItemStatus.DRAFT
    approved_version.refresh_from_db()  # what an exam recorded is still there, unchanged
    assert approved_version.content["choices"][0]["text"] == "4"


def test_changing_only_tags_keeps_the_version_and_the_approval(users, qworld):
    item = _approved(_create(users.teacher_a, qworld.bank_a), users.admin_a)
    services.item_update(
        actor=users.teacher_a, item=item, tags=Tags(subject=qworld.math, grade=6, level="biet")
    )
    item.refresh_from_db()
    assert (item.grade, item.level, item.status) == (6, "biet", ItemStatus.APPROVED)
    assert item.current_version.number == 1


def test_editing_content_without_tags_keeps_the_items_tags(users, qworld):
    item = _create(
        users.teacher_a, qworld.bank_a, single_choice(tags={"grade": "6", "level": "biet"})
    )
    services.item_update(actor=users.teacher_a, item=item, data=single_choice(stem="3 + 1 = ?"))
    item.refresh_from_db()
    assert (item.grade, item.level, item.current_version.number) == (6, "biet", 2)


def test_an_item_cannot_change_type(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    with pytest.raises(ValidationError):
        services.item_update(actor=users.teacher_a, item=item, data=short_numeric())


def test_another_teacher_cannot_edit_a_colleagues_draft_but_the_school_admin_can(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    with pytest.raises(PermissionDenied):
        services.item_update(actor=qworld.teacher_a2, item=item, data=single_choice(right="IV"))
    services.item_update(actor=users.admin_a, item=item, data=single_choice(right="IV"))
    assert ItemVersion.objects.filter(item=item).count() == 2


# --- review -----------------------------------------------------------------------------------


def test_submit_then_approve(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    review = services.item_review(
        actor=users.admin_a, item=item, decision=ReviewDecision.APPROVE, comment="Tốt"
    )
    item.refresh_from_db()

    assert item.status == ItemStatus.APPROVED
    assert item.sharing == SharingScope.SCHOOL
    assert review.version == item.current_version
    assert review.text == "Tốt"


def test_request_changes_returns_the_item_to_its_author_who_resubmits(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    services.item_review(
        actor=users.admin_a, item=item, decision=ReviewDecision.REQUEST_CHANGES,
        comment="Phương án nhiễu chưa hợp lý",
    )  # fmt: skip
    item.refresh_from_db()
    assert item.status == ItemStatus.REVIEWED

    services.item_update(
        actor=users.teacher_a, item=item, data=single_choice(wrong=("3", "5", "6"))
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT
    services.item_submit(actor=users.teacher_a, item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED


def test_reject_retires_the_item_and_needs_a_comment(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    with pytest.raises(ValidationError):
        services.item_review(actor=users.admin_a, item=item, decision=ReviewDecision.REJECT)
    services.item_review(
        actor=users.admin_a, item=item, decision=ReviewDecision.REJECT, comment="Trùng đề cũ"
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.RETIRED
    with pytest.raises(ValidationError):
        services.item_update(actor=users.teacher_a, item=item, data=single_choice(right="IV"))


def test_only_reviewers_of_the_unit_review_and_never_their_own_item(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    for outsider in (qworld.teacher_a2, users.admin_c, users.district2):
        with pytest.raises(PermissionDenied):
            services.item_review(actor=outsider, item=item, decision=ReviewDecision.APPROVE)
    own = _create(users.admin_a, qworld.bank_a)
    services.item_submit(actor=users.admin_a, item=own)
    with pytest.raises(PermissionDenied):
        services.item_review(actor=users.admin_a, item=own, decision=ReviewDecision.APPROVE)


def test_only_a_submitted_item_is_reviewed(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    with pytest.raises(ValidationError):
        services.item_review(actor=users.admin_a, item=item, decision=ReviewDecision.APPROVE)


def test_province_sharing_needs_a_province_officer(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    services.item_submit(actor=users.teacher_a, item=item)
    with pytest.raises(PermissionDenied):
        services.item_review(
            actor=users.admin_a, item=item, decision=ReviewDecision.APPROVE, share_province=True
        )
    services.item_review(
        actor=users.province, item=item, decision=ReviewDecision.APPROVE, share_province=True
    )
    item.refresh_from_db()
    assert (item.status, item.sharing) == (ItemStatus.APPROVED, SharingScope.PROVINCE)


def test_an_approved_item_is_shared_later_only_by_a_province_officer(users, qworld):
    item = _approved(_create(users.teacher_a, qworld.bank_a), users.admin_a)
    with pytest.raises(PermissionDenied):
        services.item_share(actor=users.admin_a, item=item, sharing=SharingScope.PROVINCE)
    services.item_share(actor=users.province, item=item, sharing=SharingScope.PROVINCE)
    item.refresh_from_db()
    assert item.sharing == SharingScope.PROVINCE
    services.item_share(actor=users.admin_a, item=item, sharing=SharingScope.SCHOOL)
    item.refresh_from_db()
    assert item.sharing == SharingScope.SCHOOL


def test_a_draft_cannot_be_shared_with_the_province(users, qworld):
    item = _create(users.teacher_a, qworld.bank_a)
    with pytest.raises(ValidationError):
        services.item_share(actor=users.province, item=item, sharing=SharingScope.PROVINCE)


def test_an_edit_of_a_province_item_takes_it_back_to_the_school(users, qworld):
    item = _approved(_create(users.teacher_a, qworld.bank_a), users.province, share_province=True)
    services.item_update(actor=users.teacher_a, item=item, data=single_choice(right="bốn"))
    item.refresh_from_db()
    assert (item.status, item.sharing) == (ItemStatus.DRAFT, SharingScope.SCHOOL)


def test_retire_by_reviewer_or_by_the_author_before_approval(users, qworld):
    draft = _create(users.teacher_a, qworld.bank_a)
    services.item_retire(actor=users.teacher_a, item=draft, comment="Không dùng nữa")
    draft.refresh_from_db()
    assert draft.status == ItemStatus.RETIRED
    assert ReviewComment.objects.filter(item=draft, text="Không dùng nữa").exists()

    approved = _approved(_create(users.teacher_a, qworld.bank_a, single_choice(stem="1+1")),
                         users.admin_a)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.item_retire(actor=users.teacher_a, item=approved)
    services.item_retire(actor=users.admin_a, item=approved)
    approved.refresh_from_db()
    assert approved.status == ItemStatus.RETIRED


# --- banks and images -------------------------------------------------------------------------


def test_bank_create_needs_write_scope_over_the_unit(users, tree):
    with pytest.raises(PermissionDenied):
        services.bank_create(actor=users.teacher_a, code="X", name="X", org_unit=tree.school_a)
    bank = services.bank_create(
        actor=users.admin_a, code="A-VAN", name="Văn", org_unit=tree.school_a
    )
    assert bank.org_unit == tree.school_a
    with pytest.raises(ValidationError):
        services.bank_create(actor=None, code="có dấu", name="x", org_unit=tree.school_a)


def test_images_are_stored_once_by_content(users, qworld):
    data = single_choice(stem='<img src="h.png"> Hình bên là gì?', files={"h.png": PNG_1PX})
    item = _create(users.teacher_a, qworld.bank_a, data)
    _create(users.teacher_a, qworld.bank_a,
            single_choice(stem='<img src="x.png"> Khác', files={"x.png": PNG_1PX}))  # fmt: skip

    assert MediaFile.objects.count() == 1
    media = MediaFile.objects.get()
    assert (media.content_type, media.size) == ("image/png", len(PNG_1PX))
    assert item.current_version.content["files"] == {"h.png": media.sha256}
    assert services.item_data(item).files == {"h.png": PNG_1PX}


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"<svg onload='alert(1)'></svg>", "không phải ảnh"),
        (PNG_1PX[:30], "bị hỏng"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (services.IMAGE_MAX_BYTES + 1), "quá lớn"),
    ],
)
def test_images_are_checked_by_content_and_size(users, qworld, blob, message):
    data = single_choice(files={"a.png": blob})
    with pytest.raises(ValidationError, match=message):
        _create(users.teacher_a, qworld.bank_a, data)
    assert not MediaFile.objects.exists()


# --- import -----------------------------------------------------------------------------------


def _items():
    return [
        single_choice(name="Cộng", category=("Toán", "Lớp 6")),
        true_false_4(identifier="Q-TF-1"),
        short_numeric(),
        short_text(tags={"grade": "6", "level": "biet"}),
    ]


def test_import_creates_drafts_and_reimport_changes_nothing(qworld):
    first = services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(_items()))
    assert (first.created, first.updated, first.unchanged, first.rejected) == (4, 0, 0, 0)
    assert set(Item.objects.values_list("status", flat=True)) == {ItemStatus.DRAFT}

    again = services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(_items()))
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 0)
    assert ItemVersion.objects.count() == 4


def test_import_matches_by_identifier_then_name_then_text(qworld):
    services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(_items()))
    changed = [
        single_choice(name="Cộng", category=("Toán", "Lớp 6"), right="bốn"),  # by name
        true_false_4(identifier="Q-TF-1", truths=(True, True, True, True)),  # by identifier
        short_numeric(),  # by text: unchanged
        short_text(tags={"grade": "6", "level": "hieu"}),  # by text, tag changed
    ]
    summary = services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(changed))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 3, 1)
    named = Item.objects.get(name="Cộng")
    assert named.current_version.number == 2
    assert named.current_version.content["choices"][0]["text"] == "bốn"
    assert Item.objects.get(identifier="Q-TF-1").current_version.number == 2
    tagged = Item.objects.get(type=ItemType.SHORT_TEXT)
    assert (tagged.level, tagged.current_version.number) == ("hieu", 1)


def test_an_import_with_any_problem_writes_nothing(qworld):
    read_problem = Problem(ProblemKind.MALFORMED, "line 12", "Thiếu dấu }", {})
    result = ReadResult(items=_items(), problems=[read_problem])
    summary = services.items_import(actor=None, bank_code="MOI", result=result)

    assert summary.rejected == 1
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 0)
    assert summary.planned["create"] == 4
    assert not Bank.objects.filter(code="MOI").exists()
    assert not Item.objects.exists()


def test_invalid_items_are_rejected_with_where_they_are(qworld):
    bad = single_choice(wrong=(), source="line 7")
    summary = services.items_import(
        actor=None, bank_code="A-TOAN", result=ReadResult([*_items(), bad])
    )
    assert summary.rejected == 1
    assert [p.where for p in summary.problems] == ["line 7"]
    assert summary.problems[0].kind == ProblemKind.INVALID
    assert not Item.objects.exists()


def test_duplicates_within_a_file_are_rejected(qworld):
    twins = [short_numeric(source="line 1"), short_numeric(stem="TÍNH  7 : 2.", source="line 5")]
    summary = services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(twins))
    assert summary.rejected == 1
    assert summary.problems[0].where == "line 5"
    assert summary.problems[0].params == {"where": "line 1"}


def test_a_renamed_copy_of_a_stored_item_is_a_duplicate(qworld):
    services.items_import(
        actor=None, bank_code="A-TOAN", result=ReadResult([short_numeric(name="Chia")])
    )
    summary = services.items_import(
        actor=None, bank_code="A-TOAN", result=ReadResult([short_numeric(name="Chia 2")])
    )
    assert summary.rejected == 1
    assert "trùng nội dung" in summary.problems[0].message


def test_same_stem_with_different_options_is_not_a_duplicate(qworld):
    items = [
        single_choice(stem="Chọn đáp án đúng."),
        single_choice(stem="Chọn đáp án đúng.", right="5"),
    ]
    summary = services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(items))
    assert (summary.created, summary.rejected) == (2, 0)


def test_import_into_a_new_bank_creates_it_owned_by_the_province(tree, qworld):
    summary = services.items_import(actor=None, bank_code="SO-LY", result=ReadResult(_items()))
    bank = Bank.objects.get(code="SO-LY")
    assert summary.bank_created
    assert bank.org_unit == tree.province
    assert Item.objects.filter(bank=bank, org_unit=tree.province).count() == 4


def test_dry_run_counts_and_writes_nothing(qworld):
    summary = services.items_import(
        actor=None, bank_code="SO-LY", result=ReadResult(_items()), dry_run=True
    )
    assert (summary.created, summary.written) == (4, False)
    assert not Bank.objects.filter(code="SO-LY").exists()
    assert not Item.objects.exists()


def test_reimport_of_an_approved_item_with_new_content_sends_it_back_to_review(users, qworld):
    services.items_import(
        actor=None, bank_code="A-TOAN", result=ReadResult([short_numeric(name="Chia")])
    )
    item = _approved(Item.objects.get(), users.admin_a)

    services.items_import(
        actor=None,
        bank_code="A-TOAN",
        result=ReadResult([short_numeric(name="Chia", value="3.50001")]),
    )
    item.refresh_from_db()
    assert (item.status, item.current_version.number) == (ItemStatus.DRAFT, 2)


def test_an_import_by_a_teacher_is_limited_to_their_schools_banks(users, qworld):
    with pytest.raises(PermissionDenied):
        services.items_import(
            actor=users.teacher_a, bank_code="C-TOAN", result=ReadResult(_items())
        )
    with pytest.raises(PermissionDenied):
        services.items_import(actor=users.teacher_a, bank_code="MOI", result=ReadResult(_items()))
    summary = services.items_import(
        actor=users.teacher_a, bank_code="A-TOAN", result=ReadResult(_items())
    )
    assert summary.created == 4
    assert set(Item.objects.values_list("author", flat=True)) == {users.teacher_a.pk}


def test_an_import_may_not_change_a_colleagues_item(users, qworld):
    services.items_import(
        actor=users.teacher_a, bank_code="A-TOAN", result=ReadResult([short_numeric(name="Chia")])
    )
    summary = services.items_import(
        actor=qworld.teacher_a2, bank_code="A-TOAN",
        result=ReadResult([short_numeric(name="Chia", value="4")]),
    )  # fmt: skip
    assert summary.rejected == 1
    assert "quyền" in summary.problems[0].message


def test_matching_and_ordering_round_trip_through_the_store(users, qworld):
    from hocso.questions.interchange import ItemData

    matching = ItemData(
        type=ItemType.MATCHING, stem="Ghép", pairs=[Pair("a", "1"), Pair("b", "2"), Pair("", "3")],
        general_feedback="<b>Xem SGK</b>",
    )  # fmt: skip
    services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult([matching]))
    exported = services.items_export(actor=None, bank_code="A-TOAN")
    assert exported[0].pairs == matching.pairs
    assert exported[0].general_feedback == "<b>Xem SGK</b>"
    assert exported[0].tags == {"subject": "TOAN"}


def test_export_gives_back_what_was_imported(users, qworld):
    original = _items()
    services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(original))
    exported = services.items_export(actor=None, bank_code="A-TOAN")

    assert [e.stem for e in exported] == [o.stem for o in original]
    assert exported[0].choices == original[0].choices
    assert (exported[0].name, exported[0].category) == ("Cộng", ("Toán", "Lớp 6"))
    assert exported[1].statements == original[1].statements
    assert exported[1].identifier == "Q-TF-1"
    assert exported[2].numeric_answers == original[2].numeric_answers
    assert exported[3].tags == {"subject": "TOAN", "grade": "6", "level": "biet"}
    assert AuditEntry.objects.filter(action="question.export").exists()


def test_export_leaves_out_retired_items_and_what_the_actor_may_not_see(users, qworld):
    services.items_import(actor=None, bank_code="A-TOAN", result=ReadResult(_items()))
    services.item_retire(actor=None, item=Item.objects.get(identifier="Q-TF-1"))
    assert len(services.items_export(actor=None, bank_code="A-TOAN")) == 3
    assert services.items_export(actor=users.teacher_a, bank_code="A-TOAN") == []  # drafts
    with pytest.raises(Bank.DoesNotExist):
        services.items_export(actor=users.teacher_a, bank_code="C-TOAN")
