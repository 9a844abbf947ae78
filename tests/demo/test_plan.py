"""The generator's decisions, before anything is written: roster, determinism, validity."""

from collections import Counter

from hocso.demo.data.geography import DISTRICTS
from hocso.demo.data.schools import SMALL_SCALE_SCHOOLS
from hocso.demo.plan import CURRENT_YEAR, SCALES, DemoPlan
from hocso.demo.roster import ROSTER, ROSTER_BY_NAME
from hocso.orgs.models import SchoolType
from hocso.registry.rules import citizen_id_problems


def _first_students(seed: int, n: int = 40) -> list[tuple]:
    plan = DemoPlan(SCALES["small"], seed)
    students = plan.students_for(plan.schools[0]).students[:n]
    return [(s.full_name, s.national_id, s.moet_code, s.date_of_birth) for s in students]


def test_same_seed_gives_the_same_learners():
    assert _first_students(5) == _first_students(5)


def test_different_seeds_give_different_learners():
    first, second = _first_students(5), _first_students(6)
    assert [s[0] for s in first] != [s[0] for s in second]
    assert {s[1] for s in first}.isdisjoint({s[1] for s in second} - {None})


def test_roster_has_the_real_proportions_of_school_types():
    counts = Counter(s.school_type for s in ROSTER)
    assert counts == {
        SchoolType.PRIMARY: 160, SchoolType.LOWER_SECONDARY: 101, SchoolType.UPPER_SECONDARY: 35,
        SchoolType.PRESCHOOL: 120, SchoolType.CONTINUING: 9, SchoolType.MULTI_LEVEL: 2,
    }  # fmt: skip
    assert any(s.private for s in ROSTER)


def test_school_codes_are_unique_8_digit_strings_starting_84_and_names_unique():
    codes = [s.code for s in ROSTER]
    assert len(set(codes)) == len(codes) == 427
    assert all(len(c) == 8 and c.isdigit() and c.startswith("84") for c in codes)
    assert len({s.name for s in ROSTER}) == 427


def test_roster_uses_the_nine_districts_and_106_communes():
    assert [d.code for d in DISTRICTS] == [str(c) for c in range(842, 852) if c != 843]
    communes = [code for d in DISTRICTS for code, _ in d.communes]
    assert len(communes) == len(set(communes)) == 106


def test_small_scale_schools_and_demo_account_schools_exist_in_the_roster():
    assert all(name in ROSTER_BY_NAME for name in SMALL_SCALE_SCHOOLS)
    districts = {ROSTER_BY_NAME[name].district.code for name in SMALL_SCALE_SCHOOLS}
    assert len(districts) == 3


def test_school_names_look_like_real_ones():
    names = {s.name for s in ROSTER}
    for expected in (
        "Trường Tiểu học Phường 1", "Trường THCS Lý Tự Trọng", "Trường THPT Trà Cú",
        "Trường Mầm non Hoa Sen", "Trường Phổ thông Dân tộc Nội trú THCS huyện Trà Cú",
        "Trung tâm GDNN-GDTX huyện Cầu Ngang",
    ):  # fmt: skip
        assert expected in names


def test_planned_identifiers_are_valid_for_gender_and_birth_year():
    plan = DemoPlan(SCALES["small"], 3)
    for school in plan.schools:
        for staff in plan.staff_for(school):
            assert not citizen_id_problems(
                staff.national_id, gender=staff.gender, birth_year=staff.date_of_birth.year
            )
        for student in plan.students_for(school).students[:200]:
            if student.national_id:
                assert not citizen_id_problems(
                    student.national_id,
                    gender=student.gender,
                    birth_year=student.date_of_birth.year,
                )
            assert len(student.moet_code) == 10 and student.moet_code.startswith("84")


def test_province_scale_plans_about_215000_learners_in_classes_of_30_to_45():
    plan = DemoPlan(SCALES["province"], 1)
    sizes = [c.size for s in plan.schools for c in plan.classes_for(s) if c.year == CURRENT_YEAR]
    assert 205_000 <= sum(sizes) <= 225_000
    assert min(sizes) >= 30 and max(sizes) <= 45
    assert len(plan.schools) == 427
