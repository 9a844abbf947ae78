"""Candidates and responses for the analysis tests, on the `exam` fixture (conftest.py).

The fixture's form asks, in order: three single-choice items (right answer = option 0, 1 point
each), a multiple response, a 2025 true/false, a short numeric (3,5) and an essay of 2 points.
"""

from decimal import Decimal

import numpy as np
from django.utils import timezone

from hocso.exams.models import Attempt, AttemptStatus, Response

from ..factories import StudentFactory

SC1, SC2, SC3, MR, TF4, NUM, ESSAY = range(7)

# Example A of test_stats.py on items SC1, SC2, SC3 and NUM (the others left unanswered):
EXAMPLE_A = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]


def candidates(exam, count: int) -> list[Attempt]:
    """The fixture's three attempts and `count − 3` more, all submitted."""
    attempts = list(exam.attempts)
    for _ in range(count - len(attempts)):
        student = StudentFactory(school=exam.session.org_unit)
        attempts.append(
            Attempt.objects.create(
                session=exam.session,
                student=student,
                school=student.school,
                school_class=exam.school_class,
                form=exam.form,
                question_order=[q.pk for q in exam.questions],
            )  # fmt: skip
        )
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        status=AttemptStatus.SUBMITTED, submitted_at=timezone.now()
    )
    return attempts


def respond(exam, attempt, position: int, answer, score=None):
    question = exam.questions[position]
    response, _created = Response.objects.update_or_create(
        attempt=attempt, question=question,
        defaults=dict(school=attempt.school, seq=1, answer=answer, saved_at=timezone.now(),
                      score=None if score is None else Decimal(score)),
    )  # fmt: skip
    return response


def example_a(exam):
    attempts = candidates(exam, 6)
    for attempt, row in zip(attempts, EXAMPLE_A, strict=True):
        for position, right in zip((SC1, SC2, SC3, NUM), row, strict=True):
            if position == NUM:
                respond(exam, attempt, NUM, "3,5" if right else "4", score=right)
            else:
                respond(exam, attempt, position, 0 if right else 1, score=right)
    return attempts


def simulated(exam, count=40, seed=1):
    """`count` candidates answering the three single-choice items and the numeric one by a 2PL
    with increasing difficulty."""
    attempts = candidates(exam, count)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=count)
    difficulty = np.array([-1.0, 0.0, 0.5, 1.0])
    right = rng.random((count, 4)) < 1 / (1 + np.exp(-(theta[:, None] - difficulty)))
    for attempt, row in zip(attempts, right, strict=True):
        for position, ok in zip((SC1, SC2, SC3, NUM), row, strict=True):
            respond(exam, attempt, position, 0 if ok else 1, score=int(ok))
    return attempts, theta
