"""Registry rules (DOMAIN.md §5): citizen ID, MOET code, ethnic groups, genders."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hocso.registry.rules import (
    CITIZEN_ID_PROVINCES,
    ETHNIC_GROUPS,
    FEMALE,
    KHMER,
    MALE,
    citizen_id_problems,
    ethnicity_code,
    gender_code,
    moet_code_problems,
)

provinces = st.sampled_from(sorted(CITIZEN_ID_PROVINCES))
genders = st.sampled_from([MALE, FEMALE])
birth_years = st.integers(min_value=1900, max_value=2199)
serials = st.integers(min_value=0, max_value=999_999)
UNKNOWN_PROVINCES = sorted({f"{n:03d}" for n in range(1000)} - set(CITIZEN_ID_PROVINCES))


def make_id(province: str, gender: str, year: int, serial: int) -> str:
    """The ID the rules of DOMAIN.md §5 give a person."""
    century_digit = {1900: 0, 2000: 2, 2100: 4}[year // 100 * 100] + (gender == FEMALE)
    return f"{province}{century_digit}{year % 100:02d}{serial:06d}"


def codes(problems) -> set[str]:
    return {p.code for p in problems}


@given(provinces, genders, birth_years, serials)
def test_a_well_formed_id_has_no_problems(province, gender, year, serial):
    value = make_id(province, gender, year, serial)
    assert citizen_id_problems(value, gender=gender, birth_year=year) == []
    assert citizen_id_problems(value) == []


def test_known_examples():
    assert citizen_id_problems("084213000123", gender=MALE, birth_year=2013) == []
    assert citizen_id_problems("084313000123", gender=FEMALE, birth_year=2013) == []
    assert citizen_id_problems("001085000001", gender=MALE, birth_year=1985) == []
    assert citizen_id_problems("079199000001", gender=FEMALE, birth_year=1999) == []


@given(provinces, genders, birth_years, serials, st.integers(min_value=1, max_value=11))
def test_a_shortened_id_is_a_format_problem(province, gender, year, serial, length):
    value = make_id(province, gender, year, serial)[:length]
    assert codes(citizen_id_problems(value, gender=gender, birth_year=year)) == {
        "citizen_id.format"
    }


@given(
    provinces, genders, birth_years, serials, st.text(alphabet="0123456789", min_size=1, max_size=3)
)
def test_a_lengthened_id_is_a_format_problem(province, gender, year, serial, extra):
    value = make_id(province, gender, year, serial) + extra
    assert codes(citizen_id_problems(value)) == {"citizen_id.format"}


@given(provinces, genders, birth_years, serials, st.integers(0, 11), st.sampled_from("aZ -.٣"))
def test_a_non_digit_anywhere_is_a_format_problem(province, gender, year, serial, position, char):
    value = make_id(province, gender, year, serial)
    value = value[:position] + char + value[position + 1 :]
    assert codes(citizen_id_problems(value)) == {"citizen_id.format"}


def test_non_ascii_digits_are_refused():
    arabic_indic = "٠٨٤٢١٣٠٠٠١٢٣"  # looks like digits, str.isdigit() says so
    assert arabic_indic.isdigit()
    assert codes(citizen_id_problems(arabic_indic)) == {"citizen_id.format"}


@given(st.sampled_from(UNKNOWN_PROVINCES), genders, birth_years, serials)
def test_an_unknown_province_code_is_named(province, gender, year, serial):
    value = make_id(province, gender, year, serial)
    problems = citizen_id_problems(value, gender=gender, birth_year=year)
    assert codes(problems) == {"citizen_id.province"}
    assert province in problems[0].message


@given(provinces, birth_years, serials, st.sampled_from("6789"))
def test_a_century_digit_above_five_is_a_century_problem(province, year, serial, digit):
    value = make_id(province, MALE, year, serial)
    value = value[:3] + digit + value[4:]
    assert codes(citizen_id_problems(value, gender=MALE, birth_year=year)) == {"citizen_id.century"}


@given(provinces, genders, birth_years, serials)
def test_the_other_gender_is_a_gender_problem(province, gender, year, serial):
    value = make_id(province, gender, year, serial)
    other = FEMALE if gender == MALE else MALE
    assert codes(citizen_id_problems(value, gender=other, birth_year=year)) == {"citizen_id.gender"}


@given(provinces, genders, birth_years, serials, birth_years)
def test_another_birth_year_is_a_birth_year_problem(province, gender, year, serial, claimed):
    assume(claimed != year)
    value = make_id(province, gender, year, serial)
    problems = citizen_id_problems(value, gender=gender, birth_year=claimed)
    assert codes(problems) == {"citizen_id.birth_year"}
    assert str(year) in problems[0].message and str(claimed) in problems[0].message


@given(provinces, genders, st.integers(1900, 2099), serials)
def test_the_right_two_digits_in_the_wrong_century_is_a_birth_year_problem(
    province, gender, year, serial
):
    """2013 and 1913 share "13": the century digit decides, and it must agree."""
    value = make_id(province, gender, year, serial)
    wrong_century = year + 100 if year < 2000 else year - 100
    assert codes(citizen_id_problems(value, gender=gender, birth_year=wrong_century)) == {
        "citizen_id.birth_year"
    }


def test_several_problems_are_reported_together():
    value = make_id("084", MALE, 2013, 1)
    value = "999" + value[3:]
    assert codes(citizen_id_problems(value, gender=FEMALE, birth_year=2012)) == {
        "citizen_id.province", "citizen_id.gender", "citizen_id.birth_year",
    }  # fmt: skip


def test_every_problem_message_is_vietnamese_text():
    problems = citizen_id_problems("999613000001", gender=MALE, birth_year=2013)
    problems += citizen_id_problems("12")
    assert all(p.message and p.code.startswith("citizen_id.") for p in problems)
    assert "12 chữ số" in citizen_id_problems("12")[0].message


def test_the_province_list_has_the_63_pre_2025_provinces():
    assert len(CITIZEN_ID_PROVINCES) == 63
    assert CITIZEN_ID_PROVINCES["084"] == "Trà Vinh"
    assert CITIZEN_ID_PROVINCES["086"] == "Vĩnh Long"
    assert all(len(code) == 3 and code.isdigit() for code in CITIZEN_ID_PROVINCES)


# --- MOET learner code ------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_any_ten_digits_is_a_valid_moet_code(value):
    assert moet_code_problems(value) == []


@pytest.mark.parametrize(
    "value",
    ["", "840000001", "84000000011", "84O0000001", "8.4209E+10", " 8400000001", "٨٤٠٠٠٠٠٠٠١"],
)
def test_anything_else_is_a_moet_format_problem(value):
    assert codes(moet_code_problems(value)) == {"moet_code.format"}


def test_a_moet_code_with_leading_zeros_is_valid():
    assert moet_code_problems("0012345678") == []


# --- ethnic groups and genders ----------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["Khmer", "Khơ-me", "Khơ me", "kho me", "KHO-ME", "khome", "5", "05", " 05 "]
)
def test_khmer_in_every_spelling_is_code_05(spelling):
    assert ethnicity_code(spelling) == KHMER == "05"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("Kinh", "01"), ("kinh", "01"), ("1", "01"), ("Hoa", "04"), ("hoa", "04"), ("4", "04"),
     ("Ê-đê", "12"), ("e de", "12"), ("Ba na", "13"), ("H'Mông", "08"), ("Mông", "08"),
     ("Bru-Vân Kiều", "23"), ("Rơ-măm", "54"), ("54", "54")],
)  # fmt: skip
def test_other_groups_by_name_or_code(spelling, code):
    assert ethnicity_code(spelling) == code


@pytest.mark.parametrize("value", ["", "0", "00", "55", "99", "Klingon", "Khmer Đỏ"])
def test_unknown_groups_are_none(value):
    assert ethnicity_code(value) is None


def test_there_are_54_groups_each_found_by_its_own_name_and_code():
    assert len(ETHNIC_GROUPS) == 54
    for code, name in ETHNIC_GROUPS.items():
        assert ethnicity_code(name) == code
        assert ethnicity_code(name.upper()) == code
        assert ethnicity_code(str(int(code))) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [("Nam", MALE), ("nam", MALE), ("NAM", MALE), ("M", MALE), ("male", MALE), ("Nữ", FEMALE),
     ("nữ", FEMALE), ("NỮ", FEMALE), ("nu", FEMALE), ("F", FEMALE), ("Female", FEMALE),
     (" Nữ ", FEMALE)],
)  # fmt: skip
def test_gender_spellings(value, code):
    assert gender_code(value) == code


@pytest.mark.parametrize("value", ["", "X", "khác", "0", "1"])
def test_unknown_gender_is_none(value):
    assert gender_code(value) is None
