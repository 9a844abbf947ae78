"""Automatic grading of every item type, essays marked by hand, regrades."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocso.accounts.models import AuditEntry
from hocso.exams import delivery
from hocso.exams.grading import attempt_grade, essay_grade, session_grade
from hocso.exams.models import Attempt, Response

from .grading_setup import answer, other_types_session, sit, submit

D = Decimal

# The shared fixture's questions by position: 1–3 single choice (right = option 0),
# 4 multiple response (0.5, 0.5, −1), 5 true/false of 4 (Đ S Đ S), 6 short numeric 3,5,
# 7 essay (2 points). Every question is worth 1 point but the essay: 8 in all.


def graded(exam, index, answers) -> Attempt:
    attempt = sit(exam.attempts[index], exam.questions, answers)
    return attempt_grade(attempt)


def scores(attempt) -> dict[int, Decimal | None]:
    return {
        r.question.position: r.score
        for r in Response.objects.filter(attempt=attempt).select_related("question")
    }


def test_each_response_is_scored_and_an_essay_waits_for_its_marker(exam):
    attempt = graded(
        exam, 0, {1: 0, 2: 1, 4: [0, 1], 5: [True, False, True, False], 6: " 3,5 ", 7: "Bước 1…"}
    )

    assert scores(attempt) == {1: D(1), 2: D(0), 4: D(1), 5: D(1), 6: D(1), 7: None}
    # Question 3 was never answered: it earns nothing and no row is made for it.
    assert not Response.objects.filter(attempt=attempt, question=exam.questions[2]).exists()
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.pending_manual) == (None, D(8), 1)
    assert attempt.graded_at is not None


def test_the_total_is_the_sum_once_nothing_is_pending(exam):
    attempt = graded(exam, 0, {1: 0, 2: 0, 3: 2, 6: "3.5"})

    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.pending_manual) == (D(3), D(8), 0)


@pytest.mark.parametrize(
    ("judged", "earned"),
    [
        ([False, True, False, True], "0"),  # none right
        ([True, True, False, True], "0.1"),  # 1 right
        ([True, False, False, True], "0.25"),  # 2 right
        ([True, False, True, True], "0.5"),  # 3 right
        ([True, False, True, False], "1"),  # all 4
        ([True, None, None, None], "0.1"),  # a blank statement is not right
    ],
)
def test_the_2025_true_false_item_earns_partial_credit_by_statements_right(exam, judged, earned):
    attempt = graded(exam, 0, {5: judged})

    assert scores(attempt)[5] == D(earned)
    assert Attempt.objects.get(pk=attempt.pk).score == D(earned)


@pytest.mark.parametrize(
    ("chosen", "earned"),
    [([0], "0.5"), ([0, 1], "1"), ([0, 1, 2], "0"), ([0, 2], "0"), ([2], "0"), ([], "0")],
)
def test_multiple_response_adds_fractions_and_a_wrong_option_takes_back(exam, chosen, earned):
    assert scores(graded(exam, 0, {4: chosen}))[4] == D(earned)


def test_answers_are_read_in_original_option_indexes_whatever_the_shuffle(exam):
    attempt = exam.attempts[0]
    attempt.option_orders = {str(exam.questions[0].pk): [3, 2, 1, 0]}
    attempt.save(update_fields=["option_orders"])

    # Option 0 is the right one, even though this candidate saw it last.
    assert scores(graded(exam, 0, {1: 0}))[1] == D(1)


def test_true_false_short_text_matching_and_ordering(exam, year):
    _session, _form, questions, attempts = other_types_session(exam, year)
    right = sit(
        attempts[0], questions,
        {1: True, 2: "  hà   NỘI ", 3: ["Hà Nội", "Viêng Chăn", "Băng Cốc"], 4: ["1", "2", "3", "4"]},
    )  # fmt: skip
    wrong = sit(
        attempts[1], questions,
        {1: False, 2: "Ha Noi", 3: [None, None, "Phnôm Pênh"], 4: ["2", "1", "3", "4"]},
    )  # fmt: skip

    assert scores(attempt_grade(right)) == {1: D(1), 2: D(1), 3: D(2), 4: D(1)}
    assert scores(attempt_grade(wrong)) == {1: D(0), 2: D(0), 3: D(1), 4: D(0)}
    right.refresh_from_db()
    assert (right.score, right.max_score) == (D(5), D(6))


def test_an_answer_of_the_wrong_shape_earns_nothing_rather_than_failing(exam):
    assert scores(graded(exam, 0, {1: "A", 5: "đúng", 4: 7})) == {1: D(0), 4: D(0), 5: D(0)}


def test_a_blank_essay_scores_zero_without_waiting_for_a_marker(exam):
    attempt = graded(exam, 0, {1: 0, 7: "   "})

    attempt.refresh_from_db()
    assert (attempt.score, attempt.pending_manual) == (D(1), 0)


# --- essays -------------------------------------------------------------------------------------


def test_a_marked_essay_completes_the_total_and_survives_a_regrade(exam):
    attempt = graded(exam, 0, {1: 0, 7: "Chuyển vế, đổi dấu, chia hai vế."})
    essay = Response.objects.get(attempt=attempt, question=exam.questions[6])

    essay_grade(actor=exam.teacher, response=essay, score="1,5", feedback="Thiếu bước kiểm tra.")

    attempt.refresh_from_db()
    assert (attempt.score, attempt.pending_manual) == (D("2.5"), 0)
    essay.refresh_from_db()
    assert (essay.score, essay.graded_by, essay.feedback) == (
        D("1.5"), exam.teacher, "Thiếu bước kiểm tra.",
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="exam.essay_grade", actor=exam.teacher).exists()

    session_grade(actor=exam.teacher, session=exam.session)
    attempt.refresh_from_db()
    assert attempt.score == D("2.5")


@pytest.mark.parametrize("score", ["-1", "2.5", "abc", "1.555"])
def test_an_essay_score_outside_zero_to_its_points_is_refused(exam, score):
    attempt = graded(exam, 0, {7: "Bài làm"})
    essay = Response.objects.get(attempt=attempt, question=exam.questions[6])

    with pytest.raises(ValidationError) as info:
        essay_grade(actor=exam.teacher, response=essay, score=score)
    assert "score" in info.value.message_dict
    essay.refresh_from_db()
    assert essay.score is None


def test_only_those_who_manage_the_exam_mark_essays(exam, users):
    attempt = graded(exam, 0, {1: 0, 7: "Bài làm"})
    essay = Response.objects.get(attempt=attempt, question=exam.questions[6])

    for outsider in (users.admin_c, exam.learner_users[0], users.student_a):
        with pytest.raises(PermissionDenied):
            essay_grade(actor=outsider, response=essay, score="2")
    essay_grade(actor=users.admin_a, response=essay, score="2")
    assert Attempt.objects.get(pk=attempt.pk).score == D(3)


def test_a_question_that_is_not_an_essay_is_not_marked_by_hand(exam):
    attempt = graded(exam, 0, {1: 1})
    response = Response.objects.get(attempt=attempt, question=exam.questions[0])

    with pytest.raises(ValidationError):
        essay_grade(actor=exam.teacher, response=response, score="1")


def test_an_attempt_not_yet_submitted_is_not_marked(exam):
    essay = answer(exam.attempts[0], exam.questions[6], "Đang viết…")

    with pytest.raises(ValidationError):
        essay_grade(actor=exam.teacher, response=essay, score="1")


# --- whole sessions -----------------------------------------------------------------------------


def test_session_grade_grades_every_submitted_attempt_and_skips_the_others(exam):
    sit(exam.attempts[0], exam.questions, {1: 0, 2: 0})
    sit(exam.attempts[1], exam.questions, {1: 1})
    answer(exam.attempts[2], exam.questions[0], 0)  # still writing

    assert session_grade(actor=exam.teacher, session=exam.session) == 2

    got = {a.pk: a.score for a in Attempt.objects.filter(session=exam.session)}
    assert got == {exam.attempts[0].pk: D(2), exam.attempts[1].pk: D(0), exam.attempts[2].pk: None}
    assert AuditEntry.objects.filter(action="exam.grade").exists()


def test_session_grade_needs_a_manager(exam, users):
    with pytest.raises(PermissionDenied):
        session_grade(actor=users.admin_c, session=exam.session)


def _grading_queries(session, teacher) -> int:
    Response.objects.update(score=None)  # so every row changes and is written again
    with CaptureQueriesContext(connection) as queries:
        session_grade(actor=teacher, session=session)
    return len(queries)


def test_session_grade_does_not_query_per_attempt(exam):
    sit(exam.attempts[0], exam.questions, {1: 0, 2: 0, 5: [True, True, True, True]})
    session_grade(actor=exam.teacher, session=exam.session)  # the actor's scope is cached
    one = _grading_queries(exam.session, exam.teacher)
    for attempt in exam.attempts[1:]:
        sit(attempt, exam.questions, {1: 1, 3: 0, 4: [1], 6: "2"})

    assert _grading_queries(exam.session, exam.teacher) == one


def test_submitting_without_any_answer_scores_zero(exam):
    attempt = attempt_grade(submit(exam.attempts[0]))

    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.pending_manual) == (D(0), D(8), 0)


def test_a_submit_through_delivery_is_graded_once_committed(
    exam, django_capture_on_commit_callbacks
):
    me, attempt = exam.learner_users[0], exam.attempts[0]
    started = delivery.attempt_start(actor=me, attempt=attempt)
    saves = [
        delivery.Save(question_id=exam.questions[0].pk, seq=1, answer=0),
        delivery.Save(question_id=exam.questions[4].pk, seq=1, answer=[True, False, True, True]),
    ]
    delivery.responses_save(
        actor=me, attempt_id=attempt.pk, device_token=started.device_token, saves=saves
    )

    with django_capture_on_commit_callbacks(execute=True):
        delivery.attempt_submit(actor=me, attempt=attempt, device_token=started.device_token)

    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.pending_manual) == (D("1.5"), D(8), 0)
