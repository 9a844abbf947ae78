"""A grade-3 class at the primary school B and helpers that fill its assessments directly, shared
by the test_primary_* modules.

- 3A (school B, 2025-2026): three learners; homeroom teacher `homeroom`; `teacher` teaches
  Ngoại ngữ 1 (NN1) there; `other_teacher` works at school B but teaches nothing in 3A;
  `admin` is school B's admin; `admin_a` (school A's admin) is out of scope.
"""

from decimal import Decimal
from types import SimpleNamespace

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.assessment import services
from hocso.assessment.compute_primary import primary_plans
from hocso.assessment.models import (
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    Score,
    ScoreKind,
    Stage,
    Term,
)
from hocso.assessment.rules import primary_traits_for_grade
from hocso.curriculum.models import Subject
from hocso.registry import services as registry

from ..factories import UserFactory
from .conftest import enrol, teacher_user

GRADE = 3
TESTED = ("TV", "TOAN", "NN1", "TINCN")  # grade 3's subjects with periodic tests


def make_primary(tree, users, year) -> SimpleNamespace:
    school = tree.school_b
    teacher, teacher_staff = teacher_user("teacher_b", school)
    other_teacher, _other = teacher_user("teacher_b2", school)
    homeroom, homeroom_staff = teacher_user("homeroom_b", school)
    admin = UserFactory(username="admin_b")
    role_grant(actor=None, user=admin, role=Role.SCHOOL_ADMIN, org_unit=school)
    school_class = registry.class_create(
        actor=None, school=school, year=year, grade=GRADE, name="3A",
        homeroom_teacher=homeroom_staff,
    )  # fmt: skip
    learners = enrol(school_class, 3, start=500)
    services.teaching_assign(
        actor=None, school_class=school_class, subject=Subject.objects.get(code="NN1"),
        staff=teacher_staff,
    )  # fmt: skip
    return SimpleNamespace(
        school=school, year=year, school_class=school_class, learners=learners, teacher=teacher,
        other_teacher=other_teacher, homeroom=homeroom, admin=admin, admin_a=users.admin_a,
    )  # fmt: skip


def put_year_end(school_class, student, *, levels=None, traits=None, tests=None, skip=()):
    """A complete end of year for a learner, written directly: every compulsory subject T, every
    trait of the grade T, every end-of-year test 10 — overridden by `levels` / `traits` /
    `tests` (code → value) and leaving out the codes in `skip`."""
    plans = [p for p in primary_plans(school_class.grade) if p.compulsory]
    common = {
        "school_id": school_class.school_id, "year_id": school_class.year_id,
        "term": Term.SECOND, "stage": Stage.END, "school_class": school_class, "student": student,
    }  # fmt: skip
    levels, traits, tests = levels or {}, traits or {}, tests or {}
    PrimarySubjectAssessment.objects.bulk_create(
        PrimarySubjectAssessment(subject_id=p.subject_id, level=levels.get(p.code, "T"), **common)
        for p in plans
        if p.code not in skip
    )
    PrimaryTraitAssessment.objects.bulk_create(
        PrimaryTraitAssessment(trait=code, level=traits.get(code, "T"), **common)
        for code in primary_traits_for_grade(school_class.grade)
        if code not in skip
    )
    Score.objects.bulk_create(
        Score(
            subject_id=p.subject_id,
            kind=ScoreKind.FINAL,
            seq=1,
            value=Decimal(tests.get(p.code, 10)),
            **common_score(common),
        )  # fmt: skip
        for p in plans
        if p.tested and f"test:{p.code}" not in skip
    )


def common_score(common: dict) -> dict:
    return {key: value for key, value in common.items() if key != "stage"}
