"""The demo's online exams (hocso/demo/exams.py): a graded, analysed and released grade-9
mid-term, and a review quiz open to the demo learner."""

import pytest
from django.utils import timezone

from hocso.accounts.models import User
from hocso.demo.accounts import STUDENT
from hocso.demo.exams import MIDTERM_CODE, REVIEW_CODE
from hocso.exams import delivery
from hocso.exams.models import (
    Attempt,
    AttemptStatus,
    ExamSession,
    ItemAnalysis,
    Response,
    SessionStatus,
)
from hocso.registry.models import Enrollment

pytestmark = pytest.mark.django_db


def test_every_grade_9_learner_sat_the_midterm_and_was_graded(demo):
    midterm = ExamSession.objects.get(code=MIDTERM_CODE)
    attempts = Attempt.objects.filter(session=midterm)
    enrolled = Enrollment.objects.filter(
        school_class__in=midterm.classes.values("school_class"),
        start_date__lte=timezone.localdate(midterm.opens_at),
    ).exclude(end_date__lte=timezone.localdate(midterm.opens_at))
    assert attempts.count() == enrolled.count() > 50
    assert not attempts.exclude(status=AttemptStatus.SUBMITTED).exists()
    assert not attempts.filter(score__isnull=True).exists()
    assert midterm.status == SessionStatus.RELEASED
    # Some learners changed an answer once (two saves); none answered after their deadline.
    assert Response.objects.filter(attempt__session=midterm, seq=2).exists()
    for attempt in attempts[:20]:
        assert attempt.submitted_at <= attempt.deadline


def test_the_midterm_analysis_converged_and_flags_its_extreme_items(demo):
    midterm = ExamSession.objects.get(code=MIDTERM_CODE)
    assert midterm.analysis["irt"]["model"] == "2pl"
    assert midterm.analysis["irt"]["converged"] is True
    assert 0.6 < midterm.analysis["reliability"] < 1
    flags = {flag for row in ItemAnalysis.objects.filter(session=midterm) for flag in row.flags}
    assert {"too_easy", "too_hard"} <= flags
    assert not Attempt.objects.filter(session=midterm, theta__isnull=True).exists()


def test_the_demo_learner_can_start_the_open_review_quiz(demo):
    learner = User.objects.get(username=STUDENT)
    attempt = Attempt.objects.get(session__code=REVIEW_CODE, student__user=learner)
    started = delivery.attempt_start(actor=learner, attempt=attempt)
    assert started.remaining_seconds > 0
    assert len(started.questions) == len(attempt.question_order) > 0


def test_the_demo_teacher_set_and_manages_both_exams(demo):
    from hocso.demo.accounts import TEACHER
    from hocso.exams.access import can_manage

    teacher = User.objects.get(username=TEACHER)
    for code in (MIDTERM_CODE, REVIEW_CODE):
        session = ExamSession.objects.select_related("org_unit").get(code=code)
        assert session.created_by == teacher
        assert can_manage(teacher, session)
