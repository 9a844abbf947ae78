"""The stored form of an item's content, and the normalized forms that compare items."""

from dataclasses import fields
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hocso.questions import content
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Statement,
    TextAnswer,
)

from .items import single_choice


def test_every_itemdata_field_is_stored_somewhere():
    """A field added to ItemData must be stored: as version content, or deliberately elsewhere
    (identity and tags on Item, stem and points on ItemVersion, files as MediaFile)."""
    stored_elsewhere = {
        "type", "stem", "name", "identifier", "category", "points", "tags", "files", "source",
    }  # fmt: skip
    assert set(content.CONTENT_FIELDS) == {f.name for f in fields(ItemData)} - stored_elsewhere
    assert set(content.content_from_data(single_choice())) == set(content.CONTENT_FIELDS)


def _full_item() -> ItemData:
    return ItemData(
        type=ItemType.MULTIPLE_RESPONSE, stem="<p>Chọn \\(x\\)</p>", points=Decimal("0.50"),
        choices=[Choice("a", Decimal("0.5"), "fb", pinned=True), Choice("b", Decimal("-1.0"))],
        statements=[Statement("s", True, "f")], text_answers=[TextAnswer("t", Decimal("0.5"))],
        case_sensitive=True, numeric_answers=[NumericAnswer(Decimal("3.50"), Decimal("0.1"))],
        pairs=[Pair("l", "r")], order=["1", "2"], correct=False, feedback_true="ft",
        feedback_false="ff", general_feedback="g", rubric="r",
    )  # fmt: skip


def test_content_round_trips_through_json():
    item = _full_item()
    stored = content.content_from_data(item)
    back = content.data_from_content(type=item.type, stem=item.stem, points=item.points,
                                     content=stored)  # fmt: skip
    assert back == item


def test_equal_numbers_written_differently_store_the_same():
    a = content.content_from_data(single_choice())
    b = single_choice()
    b.choices[0].fraction = Decimal("1.000")
    assert content.content_from_data(b) == a
    assert content.decimal_text(Decimal("100")) == "100"
    assert content.decimal_text(Decimal("-0.250")) == "-0.25"
    assert content.decimal_text(Decimal("0E-3")) == "0"


def test_stem_hash_ignores_case_diacritics_markup_and_spacing_but_not_the_options():
    base = content.stem_hash(single_choice(stem="Thủ đô của Việt Nam?"))
    assert content.stem_hash(single_choice(stem="<p>THU DO  cua Viet Nam?</p>")) == base
    assert content.stem_hash(single_choice(stem="Thủ đô của Việt Nam?", right="5")) != base
    assert content.stem_hash(single_choice(stem="Thủ đô của Lào?")) != base


def test_search_text_is_folded_plain_text():
    text = content.search_text(single_choice(stem="<b>Đường</b> &amp; Hà Nội", name="Câu 1"))
    assert text.startswith("cau 1 duong & ha noi")


def test_nfc_normalizes_text_but_keeps_enums_bytes_and_numbers():
    item = single_choice(stem="Thu\u0309 đô", files={"a\u0300.png": b"\xcc\x80"})
    normalized = content.nfc(item)
    assert normalized.stem == "Thủ đô"
    assert normalized.type is ItemType.SINGLE_CHOICE
    assert normalized.files == {"à.png": b"\xcc\x80"}
    assert normalized.choices[0].fraction == Decimal(1)


@given(
    st.lists(st.tuples(st.text(max_size=5), st.decimals(-1, 1, places=4)), max_size=4),
    st.decimals(0, 100, places=3),
)
def test_any_choice_item_round_trips(options, points):
    item = ItemData(
        type=ItemType.SINGLE_CHOICE, stem="?", points=points,
        choices=[Choice(text, fraction) for text, fraction in options],
    )  # fmt: skip
    back = content.data_from_content(
        type=item.type, stem=item.stem, points=item.points,
        content=content.content_from_data(item),
    )  # fmt: skip
    assert back == item


def test_item_html_is_sanitized_but_math_and_images_are_kept():
    from hocso.questions.content import sanitized
    from hocso.questions.interchange import Choice, ItemData, ItemType

    data = ItemData(
        type=ItemType.SINGLE_CHOICE,
        stem='Tính \\(\\frac{1}{2}\\) <img src="h.png" onerror="alert(1)"><script>x()</script>',
        choices=[Choice('<a href="javascript:x()">A</a>', 1), Choice("<b>B</b>")],
        general_feedback='<p style="color:red">Vì 1 &lt; 2</p>',
    )
    clean = sanitized(data)
    assert clean.stem == 'Tính \\(\\frac{1}{2}\\) <img src="h.png">'
    assert "javascript" not in clean.choices[0].text and clean.choices[1].text == "<b>B</b>"
    assert clean.general_feedback == "<p>Vì 1 &lt; 2</p>"
