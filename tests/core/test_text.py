"""Text rules: NFC storage and the search key (case-, diacritic-, đ- and normalization-blind)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from hocso.core.text import clean_text, fold

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " \t\n"), max_size=40
)


@given(st.text(max_size=40))
def test_fold_is_blind_to_unicode_normalization(text):
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


@given(vietnamese_text)
def test_fold_of_vietnamese_is_blind_to_normalization_including_nfkd(text):
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)
    assert fold(unicodedata.normalize("NFKD", text)) == fold(text)


@given(st.text(max_size=40))
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(vietnamese_text)
def test_folded_vietnamese_is_plain_lower_case_ascii(text):
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert "  " not in folded
    assert folded == folded.strip()


@given(vietnamese_text)
def test_fold_ignores_case(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


def test_fold_of_dang_is_dang():
    assert fold("Đặng") == "dang"
    assert fold("đặng") == "dang"


def test_fold_of_full_names():
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("  THẠCH   SÔ PHAL ") == "thach so phal"
    assert fold(unicodedata.normalize("NFD", "Lâm Thị Mỹ Đào")) == "lam thi my dao"


def test_fold_of_nothing_is_empty():
    assert fold(None) == ""
    assert fold("") == ""
    assert fold(" \t ") == ""


def test_clean_text_collapses_white_space_and_trims():
    assert clean_text("  Nguyễn \t Văn\n\nAn  ") == "Nguyễn Văn An"
    assert clean_text("\u00a0Sơn\u00a0Sa Rum\u2003") == "Sơn Sa Rum"


def test_clean_text_stores_nfc():
    decomposed = unicodedata.normalize("NFD", "Huỳnh Thị Ngọc")
    assert decomposed != "Huỳnh Thị Ngọc"
    assert clean_text(decomposed) == "Huỳnh Thị Ngọc"


def test_clean_text_of_none_is_empty_and_numbers_become_text():
    assert clean_text(None) == ""
    assert clean_text(84) == "84"


@given(st.text(max_size=40))
def test_clean_text_is_idempotent_and_nfc(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)


def test_fold_treats_the_legacy_eth_lookalike_as_d():
    assert fold("Ðào Văn Ðức") == "dao van duc"
