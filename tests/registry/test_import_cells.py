"""Cell conversions on their own: identifiers Excel mangled, dates, yes/no, formula quotes."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hocso.core.text import fold
from hocso.registry.importers.cells import (
    fast_fold,
    identifier,
    integer,
    neutralise,
    text,
    to_date,
    unneutralise,
    yes_no,
)
from hocso.registry.importers.columns import header_key
from hocso.registry.importers.problems import CellError


def _citizen(value):
    return identifier(value, length=12, max_lost_zeros=2, valid=lambda v: v[:3] in {"001", "084"})


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("084213000123", "084213000123"),
        (84213000123, "084213000123"),
        (84213000123.0, "084213000123"),
        ("84213000123.0", "084213000123"),
        ("8.4213000123E+10", "084213000123"),
        ("8,4213000123E+10", "084213000123"),  # a Vietnamese decimal comma
        (1213000123, "001213000123"),  # Hà Nội's 001 lost both zeros
        ("08421300012X", "08421300012X"),  # wrong text is left for the rules to describe
        ("123", "123"),
        (None, None),
        ("  ", None),
    ],
)
def test_identifier_recovery(cell, expected):
    assert _citizen(cell) == expected


@pytest.mark.parametrize(
    "cell",
    ["8.4209E+10", "8.42E+11", 8.4e10 + 0.5, 213000123, "8.4213000123E+09", -84213000123.0],
    ids=[
        "rounded-mantissa",
        "short-mantissa",
        "fraction",
        "too-short-number",
        "not-whole",
        "negative",
    ],
)
def test_identifier_that_lost_digits_raises(cell):
    with pytest.raises(CellError):
        _citizen(cell)


def test_padding_is_refused_when_the_padded_value_is_not_valid():
    with pytest.raises(CellError):
        _citizen(99213000123)  # "099…" has no province 099


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("14/03/2012", date(2012, 3, 14)),
        ("4/3/2012", date(2012, 3, 4)),
        ("14-03-2012", date(2012, 3, 14)),
        ("14.03.2012", date(2012, 3, 14)),
        ("2012-03-14", date(2012, 3, 14)),
        ("2012-03-14 00:00:00", date(2012, 3, 14)),
        (date(2012, 3, 14), date(2012, 3, 14)),
        (datetime(2012, 3, 14, 7, 30), date(2012, 3, 14)),
        (40982.0, date(2012, 3, 14)),
        ("", None),
    ],
)
def test_dates(cell, expected):
    assert to_date(cell) == expected


@pytest.mark.parametrize("cell", ["2012/14/03", "14/03/12", "hôm qua", True, -5.0, "30/02/2012"])
def test_bad_dates_raise(cell):
    with pytest.raises(CellError):
        to_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Có", True), ("co", True), ("x", True), ("Yes", True), (True, True), ("Không", False),
     ("KHONG", False), ("no", False), (False, False), ("", None), (None, None)],
)  # fmt: skip
def test_yes_no(cell, expected):
    assert yes_no(cell) is expected


def test_integer_accepts_whole_floats_and_digit_text():
    assert (integer(6.0), integer("7"), integer("8.0"), integer(None)) == (6, 7, 8, None)
    with pytest.raises(CellError):
        integer(6.5)


def test_text_is_nfc_trimmed_and_whole_floats_lose_their_point():
    assert text("  Nguye\u0302\u0303n   An ") == "Nguyễn An"
    assert text(6.0) == "6"
    assert text(None) == ""


@pytest.mark.parametrize("value", ["=1+1", "+84912345678", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised_and_restored(value):
    assert neutralise(value) == "'" + value
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize("value", ["Nguyễn An", "084213000123", "'quoted", ""])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value
    assert unneutralise(value) == value


@pytest.mark.parametrize(
    "header", ["Họ và tên", "HỌ VÀ TÊN", "ho va ten", "Họ  và  tên (*)", "Ho_va_ten", "Họ và tên\n"]
)
def test_header_keys_ignore_case_diacritics_spaces_and_notes(header):
    assert header_key(header) == "hovaten"


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
    + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    + " -'"
)


@given(st.text(alphabet=VIETNAMESE, max_size=40))
def test_fast_fold_equals_fold_on_vietnamese_text(value):
    assert fast_fold(value) == fold(value)


@given(st.text(max_size=30))
def test_fast_fold_equals_fold_on_any_text(value):
    assert fast_fold(value) == fold(value)
