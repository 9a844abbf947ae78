"""A grade-6 class at school A with its teachers, and helpers that fill grade books directly.

- 6A1 (school A, 2025-2026): three learners; homeroom teacher `people.homeroom`;
  `people.teacher` (users.teacher_a's staff record) teaches GDCD and TOAN there;
  `people.other_teacher` teaches at school A but not in 6A1; `people.principal` heads school A.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.assessment import services
from hocso.assessment.compute import plans_for_grade
from hocso.assessment.models import Score, ScoreKind
from hocso.curriculum.models import Subject
from hocso.registry import services as registry
from hocso.registry.models import Position

from ..factories import StaffFactory, StudentFactory, UserFactory

START = date(2025, 9, 5)


def teacher_user(username, school, position=Position.TEACHER):
    user = UserFactory(username=username)
    role_grant(actor=None, user=user, role=Role.TEACHER, org_unit=school)
    staff = StaffFactory(school=school, user=user, position=position)
    return user, staff


def enrol(school_class, count, *, start=0):
    learners = []
    for n in range(start, start + count):
        student = StudentFactory(school=school_class.school, full_name=f"Kim Thị Sô Phia {n:02d}")
        registry.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=START
        )
        learners.append(student)
    return learners


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


@pytest.fixture
def people(tree, users, year):
    teacher_staff = StaffFactory(school=tree.school_a, user=users.teacher_a)
    other_user, other_staff = teacher_user("teacher_other", tree.school_a)
    homeroom_user, homeroom_staff = teacher_user("homeroom_a", tree.school_a)
    principal_user, principal_staff = teacher_user(
        "principal_a", tree.school_a, position=Position.PRINCIPAL
    )
    school_class = registry.class_create(
        actor=None, school=tree.school_a, year=year, grade=6, name="6A1",
        homeroom_teacher=homeroom_staff,
    )  # fmt: skip
    learners = enrol(school_class, 3)
    for code in ("GDCD", "TOAN"):
        services.teaching_assign(
            actor=None, school_class=school_class, subject=subject(code), staff=teacher_staff
        )
    return SimpleNamespace(
        school=tree.school_a, year=year, school_class=school_class, learners=learners,
        teacher=users.teacher_a, teacher_staff=teacher_staff, other_teacher=other_user,
        other_staff=other_staff, homeroom=homeroom_user, homeroom_staff=homeroom_staff,
        principal=principal_user, principal_staff=principal_staff, admin=users.admin_a,
    )  # fmt: skip


def put_scores(school_class, student, term, values: dict) -> None:
    """Write a learner's scores straight into the grade book (test data, no services).

    values: subject code → a number (every cell of a scored subject gets it), a bool (every cell
    of a comment subject), or a dict {(kind, seq): value} for chosen cells.
    """
    plans = {p.code: p for p in plans_for_grade(school_class.grade)}
    rows = []
    for code, value in values.items():
        plan = plans[code]
        if isinstance(value, dict):
            cells = value
        else:
            keys = [(ScoreKind.REGULAR, s) for s in range(1, plan.required + 1)]
            keys += [(ScoreKind.MIDTERM, 1), (ScoreKind.FINAL, 1)]
            cells = dict.fromkeys(keys, value)
        for (kind, seq), cell in cells.items():
            is_comment = isinstance(cell, bool)
            rows.append(
                Score(
                    school_id=school_class.school_id, year_id=school_class.year_id, term=term,
                    school_class=school_class, student=student, subject_id=plan.subject_id,
                    kind=kind, seq=seq, value=None if is_comment else Decimal(str(cell)),
                    passed=cell if is_comment else None,
                )
            )  # fmt: skip
    Score.objects.bulk_create(rows)


def full_term(grade: int, scored=8, passed=True, **overrides) -> dict:
    """Every counted subject of `grade` at one value; overrides by subject code."""
    values = {p.code: (scored if p.scored else passed) for p in plans_for_grade(grade)}
    values = {code: v for code, v in values.items() if code in _compulsory(grade)}
    values.update(overrides)
    return values


def _compulsory(grade: int) -> set[str]:
    return {p.code for p in plans_for_grade(grade) if p.compulsory}
