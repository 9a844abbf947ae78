"""Helpers for the grading and results tests: answers written straight as Response rows (as
delivery would store them: original option indexes), submitted attempts, and a second exam
asking the item types the shared fixture does not (true/false, short text, matching,
ordering)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hocso.exams.models import Attempt, AttemptStatus, ExamClass, Response, SubmittedHow
from hocso.questions.interchange import ItemData, ItemType, Pair
from hocso.questions.models import Item, ItemStatus
from hocso.questions.services import item_create
from hocso.registry import services as registry

from ..factories import StudentFactory
from ..questions.items import short_text
from .conftest import START, make_session


def answer(attempt: Attempt, question, value, *, seq: int = 1) -> Response:
    return Response.objects.create(
        attempt=attempt, question=question, school=attempt.school, seq=seq, answer=value,
        saved_at=timezone.now(),
    )  # fmt: skip


def submit(attempt: Attempt, *, minutes: int = 20) -> Attempt:
    """Mark the attempt submitted (started `minutes` ago), as delivery would, without grading."""
    now = timezone.now()
    attempt.status = AttemptStatus.SUBMITTED
    attempt.started_at = now - timedelta(minutes=minutes)
    attempt.submitted_at = now
    attempt.submitted_how = SubmittedHow.CANDIDATE
    attempt.save(update_fields=["status", "started_at", "submitted_at", "submitted_how"])
    return attempt


def sit(attempt: Attempt, questions, answers: dict) -> Attempt:
    """Answers by question position (1-based), then submitted."""
    for position, value in answers.items():
        answer(attempt, questions[position - 1], value)
    return submit(attempt)


def other_type_items(bank) -> list[Item]:
    datas = [
        ItemData(type=ItemType.TRUE_FALSE, stem="Số 7 là số nguyên tố.", correct=True),
        short_text(),
        ItemData(
            type=ItemType.MATCHING,
            stem="Ghép thủ đô.",
            points=Decimal(3),
            pairs=[
                Pair("Việt Nam", "Hà Nội"),
                Pair("Lào", "Viêng Chăn"),
                Pair("Campuchia", "Phnôm Pênh"),
                Pair("", "Băng Cốc"),
            ],
        ),  # fmt: skip
        ItemData(
            type=ItemType.ORDERING,
            stem="Xếp theo thứ tự tăng dần.",
            order=["1", "2", "3", "4"],
        ),  # fmt: skip
    ]
    items = [item_create(actor=None, bank=bank, data=data) for data in datas]
    Item.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.APPROVED)
    return [Item.objects.select_related("current_version").get(pk=i.pk) for i in items]


def other_types_session(exam, year):
    """A second session for the same class asking the four other item types."""
    items = other_type_items(exam.bank)
    return make_session(
        org_unit=exam.session.org_unit, year=year, creator=exam.teacher, items=items,
        school_class=exam.school_class, students=exam.students,
    )  # fmt: skip


def department_exam(exam, tree, users, year):
    """A Department (province 84) exam sat by 6A1 of school A and by 10A of school C; returns
    (session, questions, attempts of A, attempts of C)."""
    session, form, questions, attempts_a = make_session(
        org_unit=tree.province, year=year, creator=users.province, items=exam.items,
        school_class=exam.school_class, students=exam.students, name="Khảo sát chất lượng",
    )  # fmt: skip
    class_c = registry.class_create(
        actor=None, school=tree.school_c, year=year, grade=10, name="10A"
    )
    ExamClass.objects.create(session=session, school_class=class_c)
    attempts_c = []
    for n in range(2):
        student = StudentFactory(school=tree.school_c, full_name=f"Sơn Sô Phal {n}")
        registry.student_enroll(actor=None, student=student, school_class=class_c, start_date=START)
        attempts_c.append(
            Attempt.objects.create(
                session=session,
                student=student,
                school=tree.school_c,
                school_class=class_c,
                form=form,
                question_order=[q.pk for q in questions],
            )  # fmt: skip
        )
    return session, questions, attempts_a, attempts_c


def set_score(attempt: Attempt, score, max_score=8, *, submitted=True) -> Attempt:
    """A graded result written straight on the attempt (for the results selectors)."""
    if submitted:
        submit(attempt)
        attempt.score, attempt.max_score = Decimal(score), Decimal(max_score)
        attempt.save(update_fields=["score", "max_score"])
    return attempt
