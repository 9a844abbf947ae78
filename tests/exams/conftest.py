"""Exam fixtures built straight on the models, so every module of the app can be tested without
the others: class 6A1 of school A with three learners who have accounts, six approved items of
every kind the scoring rules know, and a session with one form whose attempts are made (not
started) and whose window is open now.

`exam` (SimpleNamespace): session, form, questions (ExamQuestion by position), items,
attempts / students / learner_users (same order), school_class, teacher (the creator, a teacher
of school A), bank.
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.curriculum.models import Subject
from hocso.exams.models import (
    Attempt,
    ExamClass,
    ExamForm,
    ExamQuestion,
    ExamSession,
    SessionStatus,
)
from hocso.questions.interchange import Choice, ItemData, ItemType
from hocso.questions.models import Item, ItemStatus
from hocso.questions.services import bank_create, item_create
from hocso.registry import services as registry

from ..factories import StudentFactory, UserFactory
from ..questions.items import short_numeric, single_choice, true_false_4

START = date(2025, 9, 5)
_codes = itertools.count(1)


def essay(stem="Trình bày cách giải phương trình bậc nhất.") -> ItemData:
    return ItemData(type=ItemType.ESSAY, stem=stem, points=Decimal(2), rubric="Đủ 3 bước: 2 điểm.")


def multiple_response() -> ItemData:
    options = [
        Choice(text="2", fraction=Decimal("0.5")),
        Choice(text="3", fraction=Decimal("0.5")),
        Choice(text="4", fraction=Decimal(-1)),
    ]
    return ItemData(type=ItemType.MULTIPLE_RESPONSE, stem="Số nguyên tố?", choices=options)


def exam_items(bank) -> list[Item]:
    """Six approved items: 3 single choice (right answer = option 0), a multiple response,
    a 2025 true/false (Đ S Đ S), a short numeric (3,5) and an essay (2 points) — seven."""
    datas = [
        single_choice("2 + 2 = ?", "4", ("3", "5", "22")),
        single_choice("3 × 3 = ?", "9", ("6", "8", "12")),
        single_choice("10 : 2 = ?", "5", ("2", "4", "8")),
        multiple_response(),
        true_false_4(),
        short_numeric(),
        essay(),
    ]
    items = [item_create(actor=None, bank=bank, data=data) for data in datas]
    Item.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.APPROVED)
    return [Item.objects.select_related("current_version").get(pk=i.pk) for i in items]


def make_session(*, org_unit, year, creator, items, school_class, students, **fields):
    """A READY session with one form "101" asking `items` in order, window open now, and one
    not-started attempt per learner (same question order as the form, options unshuffled)."""
    now = timezone.now()
    defaults = dict(
        code=f"KT-{next(_codes)}",
        name="Kiểm tra giữa kì Toán 6",
        org_unit=org_unit,
        year=year,
        subject=Subject.objects.get(code="TOAN"),
        grade=6,
        opens_at=now - timedelta(minutes=10),
        closes_at=now + timedelta(hours=2),
        duration_minutes=45,
        status=SessionStatus.READY,
        created_by=creator,
        seed="fixture",
    )
    defaults.update(fields)
    session = ExamSession.objects.create(**defaults)
    ExamClass.objects.create(session=session, school_class=school_class)
    form = ExamForm.objects.create(session=session, code="101")
    questions = []
    for position, item in enumerate(items, start=1):
        version = item.current_version
        questions.append(
            ExamQuestion.objects.create(
                form=form,
                position=position,
                part="",
                number=position,
                item=item,
                item_version=version,
                points=version.points,
                option_order=list(range(len(version.content.get("choices", [])))),
            )
        )
    attempts = [
        Attempt.objects.create(
            session=session,
            student=student,
            school=student.school,
            school_class=school_class,
            form=form,
            question_order=[q.pk for q in questions],
            option_orders={},
        )
        for student in students
    ]
    return session, form, questions, attempts


@pytest.fixture
def exam(tree, users, year):
    school_class = registry.class_create(
        actor=None, school=tree.school_a, year=year, grade=6, name="6A1"
    )
    students, learner_users = [], []
    for n in range(3):
        user = UserFactory(username=f"hs_{n}")
        role_grant(actor=None, user=user, role=Role.STUDENT, org_unit=tree.school_a)
        student = StudentFactory(school=tree.school_a, full_name=f"Thạch Thị Mai {n}", user=user)
        registry.student_enroll(
            actor=None, student=student, school_class=school_class, start_date=START
        )
        students.append(student)
        learner_users.append(user)
    bank = bank_create(
        actor=None,
        code="A-TOAN-THI",
        name="Toán 6 thi",
        org_unit=tree.school_a,
        subject=Subject.objects.get(code="TOAN"),
    )
    items = exam_items(bank)
    session, form, questions, attempts = make_session(
        org_unit=tree.school_a,
        year=year,
        creator=users.teacher_a,
        items=items,
        school_class=school_class,
        students=students,
    )
    return SimpleNamespace(
        session=session,
        form=form,
        questions=questions,
        items=items,
        attempts=attempts,
        students=students,
        learner_users=learner_users,
        school_class=school_class,
        teacher=users.teacher_a,
        bank=bank,
    )
