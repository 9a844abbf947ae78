from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.registry import selectors, services


def test_school_admin_creates_and_enrolls_a_student_in_own_school(tree, users, year):
    school_class = services.class_create(
        actor=users.admin_a, school=tree.school_a, year=year, grade=6, name="6a1"
    )
    student = services.student_create(
        actor=users.admin_a,
        school=tree.school_a,
        full_name="  Thạch  Sô Phal ",
        gender="M",
        date_of_birth=date(2013, 2, 1),
        ethnicity="05",
        national_id="084213000123",
    )
    services.student_enroll(
        actor=users.admin_a, student=student, school_class=school_class, start_date=date(2025, 9, 5)
    )
    found = selectors.students_search(actor=users.admin_a, q="thach so phal").get()
    assert found.full_name == "Thạch Sô Phal"
    assert found.class_name == "6A1"


def test_school_admin_cannot_create_a_student_in_another_school(tree, users):
    with pytest.raises(PermissionDenied):
        services.student_create(
            actor=users.admin_a,
            school=tree.school_c,
            full_name="X",
            gender="M",
            moet_code="8400000001",
        )


def test_student_id_inconsistent_with_gender_is_rejected(tree, users):
    with pytest.raises(ValidationError) as info:
        services.student_create(
            actor=users.admin_a,
            school=tree.school_a,
            full_name="Lê Thị Hoa",
            gender="F",
            date_of_birth=date(2013, 1, 1),
            national_id="084213000123",
        )
    assert "national_id" in info.value.message_dict


def test_name_search_matches_word_starts_not_word_insides(tree, users):
    from tests.factories import StudentFactory

    StudentFactory(school=tree.school_a, full_name="Nguyễn Văn An", search_name="nguyen van an")
    StudentFactory(school=tree.school_a, full_name="Nguyễn Văn Bình", search_name="nguyen van binh")
    found = selectors.students_search(actor=users.admin_a, q="nguyen van an")
    assert [s.full_name for s in found] == ["Nguyễn Văn An"]
