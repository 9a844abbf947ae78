"""Key corrections, the release of results and the push of scores to the grade book."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hocso.accounts.models import AuditEntry
from hocso.assessment import services as assessment
from hocso.assessment.models import ChangeSource, Score, ScoreChange, ScoreKind
from hocso.exams.grading import (
    attempt_grade,
    essay_grade,
    gradebook_value,
    key_correct,
    results_release,
    scores_to_gradebook,
    session_grade,
)
from hocso.exams.models import Attempt, ExamQuestion, ExamSession, KeyCorrection, SessionStatus
from hocso.questions.services import item_data, item_update
from hocso.registry.models import Enrollment

from .grading_setup import answer, sit

D = Decimal


def new_key_version(item, right: int):
    """Edit the item in the bank so option `right` is the right one: a new version."""
    data = item_data(item, with_files=False)
    for index, choice in enumerate(data.choices):
        choice.fraction = D(1) if index == right else D(0)
    return item_update(actor=None, item=item, data=data).current_version


# --- key corrections ------------------------------------------------------------------------


def test_a_key_correction_regrades_and_lists_exactly_who_changed(exam):
    first = exam.items[0]
    for attempt, chosen in zip(exam.attempts, (0, 1, 2), strict=True):
        sit(attempt, exam.questions, {1: chosen, 2: 0})
    session_grade(actor=exam.teacher, session=exam.session)
    old_version = exam.questions[0].item_version
    new_version = new_key_version(first, right=1)

    correction = key_correct(
        actor=exam.teacher, session=exam.session, item=first, new_version=new_version,
        reason="Đáp án đúng là B",
    )  # fmt: skip

    a, b, _c = exam.attempts
    assert sorted(correction.changes, key=lambda c: c["attempt"]) == [
        {"attempt": a.pk, "student": a.student.full_name, "old": "2", "new": "1"},
        {"attempt": b.pk, "student": b.student.full_name, "old": "1", "new": "2"},
    ]
    assert (correction.old_version, correction.new_version) == (old_version, new_version)
    assert ExamQuestion.objects.get(pk=exam.questions[0].pk).item_version == new_version
    assert [Attempt.objects.get(pk=x.pk).score for x in exam.attempts] == [D(1), D(2), D(1)]
    entry = AuditEntry.objects.get(action="exam.key_correct")
    assert (entry.actor, entry.detail["changed"]) == (exam.teacher, 2)


def test_a_key_correction_needs_a_version_of_the_same_item(exam):
    other_version = new_key_version(exam.items[1], right=1)

    with pytest.raises(ValidationError):
        key_correct(
            actor=exam.teacher, session=exam.session, item=exam.items[0],
            new_version=other_version,
        )  # fmt: skip
    with pytest.raises(ValidationError):  # the version already in use
        key_correct(
            actor=exam.teacher, session=exam.session, item=exam.items[0],
            new_version=exam.questions[0].item_version,
        )  # fmt: skip
    assert not KeyCorrection.objects.exists()


def test_a_key_correction_needs_a_manager(exam, users):
    version = new_key_version(exam.items[0], right=1)

    with pytest.raises(PermissionDenied):
        key_correct(
            actor=users.admin_c, session=exam.session, item=exam.items[0], new_version=version
        )


def test_a_key_correction_keeps_the_essays_already_marked(exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 7: "Bài làm"}))
    essay = attempt.responses.get(question=exam.questions[6])
    essay_grade(actor=exam.teacher, response=essay, score="2")

    correction = key_correct(
        actor=exam.teacher, session=exam.session, item=exam.items[0],
        new_version=new_key_version(exam.items[0], right=3),
    )  # fmt: skip

    assert correction.changes[0]["old"] == "3" and correction.changes[0]["new"] == "2"


# --- release ----------------------------------------------------------------------------------


def close_window(session):
    now = timezone.now()
    ExamSession.objects.filter(pk=session.pk).update(
        opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=2)
    )
    session.refresh_from_db()


def test_results_are_released_only_after_the_window_and_the_marking(exam):
    attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 7: "Bài làm"}))
    with pytest.raises(ValidationError, match="Chưa hết giờ"):
        results_release(actor=exam.teacher, session=exam.session)

    close_window(exam.session)
    with pytest.raises(ValidationError, match="chưa chấm"):
        results_release(actor=exam.teacher, session=exam.session)

    essay = exam.attempts[0].responses.get(question=exam.questions[6])
    essay_grade(actor=exam.teacher, response=essay, score="1")
    assert results_release(actor=exam.teacher, session=exam.session).status == "released"
    assert AuditEntry.objects.filter(action="exam.release").exists()


def test_extra_time_of_one_candidate_holds_the_release(exam):
    close_window(exam.session)
    Attempt.objects.filter(pk=exam.attempts[1].pk).update(extra_minutes=180)

    with pytest.raises(ValidationError, match="Chưa hết giờ"):
        results_release(actor=exam.teacher, session=exam.session)


def test_release_needs_a_manager(exam, users):
    close_window(exam.session)
    with pytest.raises(PermissionDenied):
        results_release(actor=users.admin_c, session=exam.session)


# --- the grade book ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "max_score", "grade", "expected"),
    [
        ("5", "8", 6, "6.3"),  # 6.25 rounds half up, not to even
        ("7.25", "10", 9, "7.3"),
        ("1", "3", 10, "3.3"),
        ("8", "8", 6, "10.0"),
        ("0", "8", 6, "0.0"),
        ("6.5", "10", 4, "7"),  # primary periodic tests are integers
    ],
)
def test_the_score_goes_to_the_grade_book_on_the_ten_point_scale(score, max_score, grade, expected):
    assert gradebook_value(D(score), D(max_score), grade) == D(expected)


def graded_for_gradebook(exam, column="midterm", seq=None):
    ExamSession.objects.filter(pk=exam.session.pk).update(
        gradebook_column=column, term=1, gradebook_seq=seq
    )
    exam.session.refresh_from_db()
    sit(exam.attempts[0], exam.questions, {1: 0, 2: 0, 3: 0, 4: [0, 1], 6: "3,5"})  # 5 of 8
    sit(exam.attempts[1], exam.questions, {1: 0, 7: "Bài làm"})  # essay not marked yet
    # exam.attempts[2] is absent.
    session_grade(actor=exam.teacher, session=exam.session)


def test_fully_graded_scores_are_written_to_the_grade_book_from_the_exam(exam, users):
    graded_for_gradebook(exam)

    outcome = scores_to_gradebook(actor=users.admin_a, session=exam.session)

    assert (outcome.written, outcome.refused, outcome.not_graded, outcome.absent) == (1, 0, 1, 1)
    score = Score.objects.get()
    assert (score.student, score.kind, score.seq, score.term, score.value) == (
        exam.students[0], ScoreKind.MIDTERM, 1, 1, D("6.3"),
    )  # fmt: skip
    assert ScoreChange.objects.get().source == ChangeSource.EXAM
    assert AuditEntry.objects.filter(action="exam.gradebook").exists()

    # Pushing again changes nothing; after marking the essay the second learner is written.
    essay = exam.attempts[1].responses.get(question=exam.questions[6])
    essay_grade(actor=exam.teacher, response=essay, score="2")
    again = scores_to_gradebook(actor=users.admin_a, session=exam.session)
    assert (again.written, again.classes[0].unchanged) == (1, 1)
    assert Score.objects.get(student=exam.students[1]).value == D("3.8")  # 3/8 → 3.75


def test_a_regular_column_uses_its_number(exam, users):
    graded_for_gradebook(exam, column="regular", seq=2)

    scores_to_gradebook(actor=users.admin_a, session=exam.session)

    assert Score.objects.values_list("kind", "seq").get() == (ScoreKind.REGULAR, 2)


def test_a_locked_term_is_refused_and_nothing_is_written(exam, users):
    graded_for_gradebook(exam)
    assessment.gradebook_review(actor=users.admin_a, school_class=exam.school_class, term=1)
    assessment.gradebook_approve_lock(actor=users.admin_a, school_class=exam.school_class, term=1)

    outcome = scores_to_gradebook(actor=users.admin_a, session=exam.session)

    assert outcome.written == 0
    assert outcome.refused == 1 and "khóa" in outcome.classes[0].refused[0]
    assert not Score.objects.exists()


def test_a_teacher_who_does_not_teach_the_class_is_refused_by_the_grade_book(exam):
    graded_for_gradebook(exam)

    outcome = scores_to_gradebook(actor=exam.teacher, session=exam.session)

    assert outcome.written == 0 and "quyền" in outcome.classes[0].refused[0]
    assert not Score.objects.exists()


def test_an_exam_without_a_grade_book_column_is_not_pushed(exam, users):
    with pytest.raises(ValidationError):
        scores_to_gradebook(actor=users.admin_a, session=exam.session)


def test_a_learner_no_longer_on_the_class_list_is_refused_alone(exam, users):
    graded_for_gradebook(exam)
    essay = exam.attempts[1].responses.get(question=exam.questions[6])
    essay_grade(actor=exam.teacher, response=essay, score="2")
    Enrollment.objects.filter(student=exam.students[1]).delete()

    outcome = scores_to_gradebook(actor=users.admin_a, session=exam.session)

    assert (outcome.written, outcome.refused) == (1, 1)
    assert list(Score.objects.values_list("student", flat=True)) == [exam.students[0].pk]


def test_the_grade_book_push_needs_a_manager(exam, users):
    graded_for_gradebook(exam)
    with pytest.raises(PermissionDenied):
        scores_to_gradebook(actor=users.admin_c, session=exam.session)


def test_an_absent_candidate_is_not_written_even_with_a_saved_answer(exam, users):
    graded_for_gradebook(exam)
    answer(exam.attempts[2], exam.questions[0], 0)

    scores_to_gradebook(actor=users.admin_a, session=exam.session)

    assert not Score.objects.filter(student=exam.students[2]).exists()
    assert ExamSession.objects.get(pk=exam.session.pk).status == SessionStatus.READY
