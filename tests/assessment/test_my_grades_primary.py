""" "My grades" for a primary learner (Circular 27): per assessment point reached, each subject's
level with the teacher's comment and the periodic test score, the qualities and competences, the
year result once the end of the year is there — for the learner and their guardians only, with a
fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.assessment.compute_primary import primary_results_compute
from hocso.assessment.models import (
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    Score,
    ScoreKind,
    Stage,
    Term,
)
from hocso.curriculum.models import Subject
from hocso.orgs.models import OrgUnit
from hocso.registry import services as registry
from hocso.registry.models import Enrollment, EnrollmentEnd, Guardian, Guardianship

from ..factories import UserFactory, make_year
from .primary_setup import make_primary, put_year_end

MY_GRADES = reverse("assessment:my_grades")


def level(school_class, student, code, term, stage, value, comment=""):
    PrimarySubjectAssessment.objects.create(
        school_id=school_class.school_id, year_id=school_class.year_id, term=term, stage=stage,
        school_class=school_class, student=student, subject=Subject.objects.get(code=code),
        level=value, comment=comment,
    )  # fmt: skip


def trait(school_class, student, code, term, stage, value):
    PrimaryTraitAssessment.objects.create(
        school_id=school_class.school_id, year_id=school_class.year_id, term=term, stage=stage,
        school_class=school_class, student=student, trait=code, level=value,
    )  # fmt: skip


def test_score(school_class, student, code, term, value):
    Score.objects.create(
        school_id=school_class.school_id, year_id=school_class.year_id, term=term,
        school_class=school_class, student=student, subject=Subject.objects.get(code=code),
        kind=ScoreKind.FINAL, seq=1, value=Decimal(value),
    )  # fmt: skip


test_score.__test__ = False  # a helper, not a test


@pytest.fixture
def p(tree, users, year):
    """3A at school B: the first learner is student_a's own record and has a mid-term I, an end
    of term I and a complete end of year; the second is guardian_a's child with an end of term I
    only; the third belongs to another guardian."""
    primary = make_primary(tree, users, year)
    first, second, third = primary.learners
    first.user = users.student_a
    first.save()
    mother = Guardian.objects.create(full_name="Thạch Thị Sa Rum", user=users.guardian_a)
    Guardianship.objects.create(student=second, guardian=mother, relationship="mother")
    other_user = UserFactory(username="guardian_other")
    role_grant(actor=None, user=other_user, role=Role.GUARDIAN, org_unit=primary.school)
    other = Guardian.objects.create(full_name="Sơn Văn Sô Phal", user=other_user)
    Guardianship.objects.create(student=third, guardian=other, relationship="father")
    primary.other_guardian = other_user
    cls = primary.school_class
    level(cls, first, "TOAN", Term.FIRST, Stage.MID, "H", "Cần luyện bảng nhân")
    level(cls, first, "TOAN", Term.FIRST, Stage.END, "T", "Tiến bộ rõ")
    test_score(cls, first, "TOAN", Term.FIRST, 9)
    trait(cls, first, "cham_chi", Term.FIRST, Stage.END, "T")
    put_year_end(cls, first, tests={"TV": 9})
    level(cls, second, "TV", Term.FIRST, Stage.END, "C", "Đọc còn chậm")
    test_score(cls, second, "TV", Term.FIRST, 4)
    primary_results_compute(school_class=cls)
    return primary


def page(client, user, **params):
    client.force_login(user)
    return client.get(MY_GRADES, params)


def test_a_primary_learner_sees_levels_comments_tests_traits_per_point_reached(client, users, p):
    response = page(client, users.student_a)
    assert response.status_code == 200
    primary = response.context["primary"]
    assert [point["label"] for point in primary["points"]] == [
        "Giữa học kì I", "Cuối học kì I", "Cuối năm học",
    ]  # fmt: skip
    mid, end_1, year_end = primary["points"]
    assert mid["subjects"] == [
        {"name": "Toán", "level": "Hoàn thành", "comment": "Cần luyện bảng nhân", "test": None}
    ]
    assert not mid["has_tests"] and not mid["trait_groups"]
    assert end_1["subjects"] == [
        {"name": "Toán", "level": "Hoàn thành tốt", "comment": "Tiến bộ rõ", "test": 9}
    ]
    assert end_1["trait_groups"] == [
        {"label": "Phẩm chất chủ yếu", "items": [{"name": "Chăm chỉ", "level": "Tốt"}]}
    ]
    by_name = {s["name"]: s for s in year_end["subjects"]}
    assert by_name["Tiếng Việt"]["level"] == "Hoàn thành tốt" and by_name["Tiếng Việt"]["test"] == 9
    assert {g["label"] for g in year_end["trait_groups"]} == {
        "Phẩm chất chủ yếu", "Năng lực chung", "Năng lực đặc thù",
    }  # fmt: skip
    html = response.content.decode()
    assert "Tiến bộ rõ" in html and "Cần luyện bảng nhân" in html and "Chăm chỉ" in html
    assert "Hoàn thành chương trình lớp 3" in html and "Học sinh Xuất sắc" in html
    assert "Chưa có kết quả học tập nào" not in html  # not the secondary empty state


def test_the_year_result_shows_once_computed(client, users, p):
    result = page(client, users.student_a).context["primary"]["result"]
    assert result["outcome"] == "Hoàn thành xuất sắc" and result["award"] == "Học sinh Xuất sắc"
    assert result["promoted"] is True and result["missing"] == []


def test_a_year_not_finished_shows_no_year_result_and_says_what_is_missing(client, users, p):
    response = page(client, users.guardian_a)
    primary = response.context["primary"]
    assert response.context["student"] == p.learners[1]
    assert [point["label"] for point in primary["points"]] == ["Cuối học kì I"]
    assert primary["points"][0]["subjects"] == [
        {"name": "Tiếng Việt", "level": "Chưa hoàn thành", "comment": "Đọc còn chậm", "test": 4}
    ]
    assert primary["result"] is None  # computed (with gaps) but the end of year is not reached
    html = response.content.decode()
    assert "Đọc còn chậm" in html and "Chưa có đánh giá phẩm chất, năng lực." in html


def test_the_end_of_year_point_lists_what_the_year_result_still_lacks(client, users, p):
    first = p.learners[0]
    PrimarySubjectAssessment.objects.filter(
        student=first, subject__code="TOAN", term=Term.SECOND, stage=Stage.END
    ).delete()
    primary_results_compute(school_class=p.school_class)
    result = page(client, users.student_a).context["primary"]["result"]
    assert result["outcome"] == "" and result["promoted"] is None
    assert result["missing"] == ["Mức đạt được môn Toán"]


def test_a_guardian_sees_their_child_and_gets_404_for_another(client, users, p):
    own = page(client, users.guardian_a, student=p.learners[1].pk)
    assert own.status_code == 200 and own.context["primary"]["points"]
    assert page(client, users.guardian_a, student=p.learners[2].pk).status_code == 404
    assert page(client, users.guardian_a, student=p.learners[0].pk).status_code == 404


def test_another_guardian_sees_only_their_own_child(client, p):
    response = page(client, p.other_guardian)
    assert response.context["learners"] == [p.learners[2]]
    assert response.context["primary"]["points"] == []
    html = response.content.decode()
    assert "Chưa có đánh giá nào trong năm học này." in html
    assert "Đọc còn chậm" not in html and "Tiến bộ rõ" not in html
    assert page(client, p.other_guardian, student=p.learners[1].pk).status_code == 404


def test_a_learner_cannot_pick_a_classmate(client, users, p):
    assert page(client, users.student_a, student=p.learners[1].pk).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_data(client, users, p):
    """The third learner has nothing; the first has every point, subject and trait."""
    first, cls = p.learners[0], p.school_class
    for code in ("TV", "TOAN", "NN1", "TINCN", "DD"):
        level(cls, first, code, Term.SECOND, Stage.MID, "T", f"Nhận xét {code}")
    trait(cls, first, "trung_thuc", Term.SECOND, Stage.MID, "D")
    client.force_login(p.other_guardian)
    with CaptureQueriesContext(connection) as empty:
        assert client.get(MY_GRADES).status_code == 200
    client.force_login(users.student_a)
    with CaptureQueriesContext(connection) as full:
        response = client.get(MY_GRADES)
    assert len(response.context["primary"]["points"]) == 4
    assert len(response.context["primary"]["points"][3]["subjects"]) > 5
    assert len(full) == len(empty)


def test_a_learner_now_in_grade_6_sees_their_primary_year_when_picking_it(client, users, people):
    """people: 6A1 at school A (2025-2026); its first learner was in 5A at school B the year
    before. The current year shows the Circular 22 results, 2024-2025 the primary levels."""
    learner = people.learners[0]
    learner.user = users.student_a
    learner.save()
    old_year = make_year("2024-2025")
    five = registry.class_create(
        actor=None, school=OrgUnit.objects.get(code="84000002"), year=old_year, grade=5, name="5A"
    )
    Enrollment.objects.create(
        student=learner, school=five.school, year=old_year, school_class=five,
        start_date=date(2024, 9, 5), end_date=date(2025, 5, 31), end_reason=EnrollmentEnd.YEAR_END,
    )  # fmt: skip
    level(five, learner, "TOAN", Term.SECOND, Stage.END, "T", "Giải toán có lời văn tốt")
    current = page(client, users.student_a)
    assert current.context["year"] == people.year and current.context["primary"] is None
    assert "Giải toán có lời văn tốt" not in current.content.decode()
    old = page(client, users.student_a, year="2024-2025")
    assert old.status_code == 200
    assert [pt["label"] for pt in old.context["primary"]["points"]] == ["Cuối năm học"]
    assert "Giải toán có lời văn tốt" in old.content.decode()
    assert "Hoàn thành chương trình lớp 5" not in old.content.decode()  # not computed
