"""The item editor: every item type written through the form, errors shown next to what they are
about with what the user typed kept, images through the media service, edits as new versions,
and the live preview's markup."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocso.questions import services
from hocso.questions.interchange import ItemType
from hocso.questions.models import Item, ItemStatus, MediaFile

from .items import PNG_1PX, single_choice

CREATE = reverse("questions:item_create")


def _post(**fields):
    """The editor's POST: the fixed fields with defaults, plus the given option lists."""
    data = {"type": "single_choice", "stem": "2 + 2 = ?", "points": "1", "bank": ""}
    data.update(fields)
    return data


def _sc_rows(texts, right=0, **extra):
    return {
        "sc_text": list(texts),
        "sc_weight": [""] * len(texts),
        "sc_feedback": [""] * len(texts),
        "sc_right": str(right),
        **extra,
    }


@pytest.fixture
def author(client, users, qworld):
    client.force_login(users.teacher_a)
    return users.teacher_a


def _created(response) -> Item:
    assert response.status_code == 302, response.context and (
        response.context["form"].errors,
        response.context["option_errors"],
    )
    return Item.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


# --- the page --------------------------------------------------------------------------------


def test_the_editor_offers_only_banks_the_teacher_may_write(client, author, qworld):
    response = client.get(CREATE)
    assert list(response.context["form"].fields["bank"].queryset) == [qworld.bank_a]


def test_the_editor_has_a_live_preview_and_katex(client, author, qworld):
    page = client.get(CREATE, {"bank": "A-TOAN"}).content.decode()
    assert 'id="stem-preview" data-preview-for="id_stem"' in page
    assert "katex.min.js" in page and "auto-render.min.js" in page and "questions.js" in page
    assert 'aria-live="polite"' in page
    # Every option input has a label (keyboard and screen-reader use).
    assert 'for="sc-text-0"' in page and 'id="sc-text-0"' in page
    assert 'name="tf4_true_3"' in page


def test_the_preview_script_renders_math_in_an_inert_template():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(finders.find("hocso/questions.js")).read_text(encoding="utf-8")
    assert "renderMathInElement" in script and 'createElement("template")' in script


def test_choosing_a_bank_preselects_its_subject(client, author, qworld):
    form = client.get(CREATE, {"bank": "A-TOAN"}).context["form"]
    assert form.initial["bank"] == qworld.bank_a and form.initial["subject"] == qworld.math


def test_topic_options_follow_subject_and_grade(client, author, qworld):
    url = reverse("questions:topic_options")
    page = client.get(url, {"subject": qworld.math.pk, "grade": 6}).content.decode()
    assert "T6.1 · Số tự nhiên" in page
    assert (
        "Số tự nhiên"
        not in client.get(url, {"subject": qworld.math.pk, "grade": 7}).content.decode()
    )


# --- creating each type ----------------------------------------------------------------------


def test_create_single_choice_with_tags_math_and_a_pinned_option(client, author, qworld):
    response = client.post(
        CREATE,
        _post(
            bank=qworld.bank_a.pk,
            stem="Giải \\(x^2 = 4\\), x < 0\nChọn đáp án",
            subject=qworld.math.pk,
            grade="6",
            topic=qworld.topic.pk,
            level="thong_hieu",
            source="SGK",
            **_sc_rows(["-2", "2", "0", "Cả ba đều sai", ""], right=0, sc_pinned=["3"]),
        ),
    )
    item = _created(response)
    data = services.item_data(item)
    assert data.stem == "Giải \\(x^2 = 4\\), x &lt; 0<br>Chọn đáp án"
    assert [(c.text, c.fraction, c.pinned) for c in data.choices] == [
        ("-2", 1, False), ("2", 0, False), ("0", 0, False), ("Cả ba đều sai", 0, True),
    ]  # fmt: skip
    assert (item.subject, item.grade, item.topic, item.level, item.source) == (
        qworld.math, 6, qworld.topic, "thong_hieu", "SGK",
    )  # fmt: skip
    assert item.status == ItemStatus.DRAFT and item.author == author


def test_create_multiple_response_with_weights(client, author, qworld):
    item = _created(
        client.post(
            CREATE,
            _post(
                bank=qworld.bank_a.pk, type="multiple_response", stem="Số chẵn?",
                sc_text=["2", "3", "4"], sc_weight=["50", "-100", "50"], sc_feedback=["", "", ""],
            ),
        )
    )  # fmt: skip
    assert [c.fraction for c in services.item_data(item).choices] == [
        Decimal("0.5"), Decimal(-1), Decimal("0.5"),
    ]  # fmt: skip


def test_create_true_false_4_and_submit_at_once(client, author, qworld):
    rows = {f"tf4_true_{i}": value for i, value in enumerate("1010")}
    item = _created(
        client.post(
            CREATE,
            _post(
                bank=qworld.bank_a.pk, type="true_false_4", stem="Cho hàm số y = x².",
                tf4_text=["a", "b", "c", "d"], tf4_feedback=["", "", "", ""], then="submit",
                **rows,
            ),
        )
    )  # fmt: skip
    data = services.item_data(item)
    assert [s.is_true for s in data.statements] == [True, False, True, False]
    assert item.status == ItemStatus.SUBMITTED


@pytest.mark.parametrize(
    ("fields", "check"),
    [
        (
            {"type": "true_false", "correct": "false", "feedback_false": "Đúng vậy"},
            lambda d: d.correct is False and d.feedback_false == "Đúng vậy",
        ),
        (
            {"type": "short_text", "st_text": ["Hà Nội", "Ha Noi", ""],
             "st_weight": ["", "50", ""], "st_feedback": ["", "", ""], "case_sensitive": "on"},
            lambda d: [(a.text, a.fraction) for a in d.text_answers]
            == [("Hà Nội", 1), ("Ha Noi", Decimal("0.5"))] and d.case_sensitive,
        ),
        (
            {"type": "short_numeric", "sn_value": ["3,5", ""], "sn_tolerance": ["0.05", ""],
             "sn_weight": ["", ""], "sn_feedback": ["", ""]},
            lambda d: [(a.value, a.tolerance) for a in d.numeric_answers]
            == [(Decimal("3.5"), Decimal("0.05"))],
        ),
        (
            {"type": "matching", "m_left": ["Hà Nội", "Huế", ""], "m_right": ["Bắc", "Trung", "Nam"]},
            lambda d: [(p.left, p.right) for p in d.pairs]
            == [("Hà Nội", "Bắc"), ("Huế", "Trung"), ("", "Nam")],
        ),
        (
            {"type": "ordering", "o_text": ["Một", "Hai", "Ba", ""]},
            lambda d: d.order == ["Một", "Hai", "Ba"],
        ),
        (
            {"type": "essay", "rubric": "Ý 1: 0,5 điểm\nÝ 2: 0,5 điểm"},
            lambda d: d.rubric == "Ý 1: 0,5 điểm<br>Ý 2: 0,5 điểm",
        ),
    ],
    ids=["true_false", "short_text", "short_numeric", "matching", "ordering", "essay"],
)  # fmt: skip
def test_create_each_other_type(client, author, qworld, fields, check):
    item = _created(client.post(CREATE, _post(bank=qworld.bank_a.pk, **fields)))
    assert item.type == fields["type"]
    assert check(services.item_data(item))


# --- errors ----------------------------------------------------------------------------------


def test_content_errors_are_shown_and_what_was_typed_is_kept(client, author, qworld):
    response = client.post(
        CREATE,
        _post(bank=qworld.bank_a.pk, stem="", sc_text=["Một", "Hai"], sc_weight=["", ""],
              sc_feedback=["gợi ý", ""]),
    )  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert "stem" in form.errors
    assert (
        "Câu trắc nghiệm một lựa chọn cần một phương án đúng (100%)"
        in response.context["option_errors"]
    )
    rows = response.context["rows"]["sc"]
    assert [r["text"] for r in rows[:2]] == ["Một", "Hai"] and rows[0]["feedback"] == "gợi ý"
    assert Item.objects.count() == 0


def test_a_number_that_is_not_a_number_is_named(client, author, qworld):
    response = client.post(
        CREATE,
        _post(bank=qworld.bank_a.pk, type="short_numeric", sn_value=["ba"], sn_tolerance=[""],
              sn_weight=[""], sn_feedback=[""]),
    )  # fmt: skip
    assert any("«ba»" in e for e in response.context["option_errors"])
    assert Item.objects.count() == 0


def test_a_topic_of_another_grade_is_refused_on_the_topic_field(client, author, qworld):
    response = client.post(
        CREATE,
        _post(bank=qworld.bank_a.pk, subject=qworld.math.pk, grade="7", topic=qworld.topic.pk,
              **_sc_rows(["4", "5"])),
    )  # fmt: skip
    # The topic list follows subject and grade: a grade-6 topic is not a choice for grade 7.
    assert "topic" in response.context["form"].errors
    assert Item.objects.count() == 0


def test_a_teacher_cannot_post_into_another_schools_bank(client, author, qworld):
    response = client.post(CREATE, _post(bank=qworld.bank_c.pk, **_sc_rows(["4", "5"])))
    assert response.status_code == 200 and "bank" in response.context["form"].errors
    assert Item.objects.count() == 0


# --- images ----------------------------------------------------------------------------------


def test_an_uploaded_image_is_stored_and_shown_in_the_stem(client, author, qworld):
    upload = SimpleUploadedFile("Hình 1.png", PNG_1PX, content_type="image/png")
    item = _created(
        client.post(CREATE, _post(bank=qworld.bank_a.pk, files=upload, **_sc_rows(["4", "5"])))
    )
    data = services.item_data(item)
    assert data.files == {"H-nh-1.png": PNG_1PX}
    assert data.stem.endswith('<p><img src="H-nh-1.png" alt=""></p>')
    assert MediaFile.objects.count() == 1


def test_a_file_that_is_not_an_image_is_refused_on_the_image_field(client, author, qworld):
    upload = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post(
        CREATE, _post(bank=qworld.bank_a.pk, files=upload, **_sc_rows(["4", "5"]))
    )
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert Item.objects.count() == 0 and MediaFile.objects.count() == 0


# --- editing ---------------------------------------------------------------------------------


def test_the_edit_form_shows_the_item_as_editor_text(client, author, qworld):
    item = services.item_create(
        actor=author, bank=qworld.bank_a, data=single_choice(stem="x &lt; 3<br>y")
    )
    response = client.get(reverse("questions:item_edit", args=[item.pk]))
    assert response.context["form"].initial["stem"] == "x < 3\ny"
    rows = response.context["rows"]["sc"]
    assert [r["text"] for r in rows] == ["4", "3", "5", "22"] and rows[0]["right"]


def test_editing_an_approved_item_makes_a_version_and_returns_it_to_draft(
    client, users, author, qworld
):
    item = services.item_create(actor=author, bank=qworld.bank_a, data=single_choice())
    services.item_submit(actor=author, item=item)
    services.item_review(actor=users.admin_a, item=item, decision="approve")
    response = client.post(
        reverse("questions:item_edit", args=[item.pk]),
        _post(stem="2 + 2 = ?", **_sc_rows(["4", "3", "5", "Hai mươi hai"])),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.current_version.number == 2 and item.status == ItemStatus.DRAFT
    assert item.versions.get(number=1).content["choices"][3]["text"] == "22"


def test_saving_an_unchanged_item_writes_no_version(client, author, qworld):
    item = services.item_create(actor=author, bank=qworld.bank_a, data=single_choice())
    client.post(
        reverse("questions:item_edit", args=[item.pk]), _post(**_sc_rows(["4", "3", "5", "22"]))
    )
    item.refresh_from_db()
    assert item.current_version.number == 1


def test_editing_keeps_images_still_used(client, author, qworld):
    data = single_choice(stem='Hình <img src="a.png">', files={"a.png": PNG_1PX})
    item = services.item_create(actor=author, bank=qworld.bank_a, data=data)
    client.post(
        reverse("questions:item_edit", args=[item.pk]),
        _post(stem='Xem hình <img src="a.png">', **_sc_rows(["4", "3", "5", "22"])),
    )
    item.refresh_from_db()
    assert item.current_version.number == 2
    assert services.item_data(item).files == {"a.png": PNG_1PX}


def test_the_type_of_an_existing_item_cannot_be_changed(client, author, qworld):
    item = services.item_create(actor=author, bank=qworld.bank_a, data=single_choice())
    client.post(
        reverse("questions:item_edit", args=[item.pk]),
        _post(type="essay", rubric="x", **_sc_rows(["4", "3", "5", "22"])),
    )
    item.refresh_from_db()
    assert item.type == ItemType.SINGLE_CHOICE and item.current_version.number == 1


def test_another_teacher_cannot_open_the_editor_of_a_draft(client, users, qworld):
    item = services.item_create(actor=users.teacher_a, bank=qworld.bank_a, data=single_choice())
    client.force_login(qworld.teacher_c)
    assert client.get(reverse("questions:item_edit", args=[item.pk])).status_code == 404


def test_the_full_flow_create_submit_approve_through_posts(client, users, qworld):
    client.force_login(users.teacher_a)
    item = _created(
        client.post(CREATE, _post(bank=qworld.bank_a.pk, stem="\\(1+1\\)", **_sc_rows(["2", "3"])))
    )
    client.post(reverse("questions:item_submit", args=[item.pk]))
    client.force_login(users.admin_a)
    client.post(reverse("questions:item_review", args=[item.pk]), {"decision": "approve"})
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED
    client.force_login(qworld.teacher_a2)
    assert client.get(reverse("questions:item", args=[item.pk])).status_code == 200
