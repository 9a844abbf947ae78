"""Results: summaries on a hand-computed example, scope, the candidate's review and the rules
that say when a candidate may see their result."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hocso.accounts.models import AuditEntry
from hocso.exams import results
from hocso.exams.exporters import results_xlsx
from hocso.exams.grading import attempt_grade
from hocso.exams.models import Attempt, ExamSession, SessionStatus, ShowResults

from .grading_setup import department_exam, set_score, sit

D = Decimal


def test_a_class_summary_on_a_hand_computed_example(exam):
    # 8/8 → 10, 4/8 → 5, 2/8 → 2.5 on the 10-point scale.
    for attempt, score in zip(exam.attempts, (8, 4, 2), strict=True):
        set_score(attempt, score)

    (summary,) = results.summary_by_class(actor=exam.teacher, session=exam.session)

    assert (summary.label, summary.count, summary.submitted, summary.graded) == ("6A1", 3, 3, 3)
    assert summary.mean == D("5.83")  # 17.5 / 3
    assert (summary.median, summary.minimum, summary.maximum) == (D(5), D("2.5"), D(10))
    assert summary.distribution == [0, 0, 1, 0, 0, 1, 0, 0, 0, 1]


def test_absent_and_ungraded_candidates_count_but_have_no_score(exam):
    set_score(exam.attempts[0], 6)  # 7.5
    attempt_grade(sit(exam.attempts[1], exam.questions, {7: "Bài làm"}))  # essay pending

    summary = results.summary_overall(actor=exam.teacher, session=exam.session)

    assert (summary.count, summary.submitted, summary.graded) == (3, 2, 1)
    assert summary.mean == summary.median == summary.minimum == D("7.5")
    assert sum(summary.distribution) == 1 and summary.distribution[7] == 1


def test_an_even_number_of_scores_has_the_middle_mean_as_median(exam):
    set_score(exam.attempts[0], 3)  # 3.75
    set_score(exam.attempts[1], 6)  # 7.5

    summary = results.summary_overall(actor=exam.teacher, session=exam.session)

    assert summary.median == D("5.63")  # (3.75 + 7.5) / 2 = 5.625, half up


def test_a_department_exam_is_summarised_per_school_and_a_school_sees_only_its_own(
    exam, tree, users, year
):
    session, _questions, attempts_a, attempts_c = department_exam(exam, tree, users, year)
    for attempt, score in zip([*attempts_a, *attempts_c], (8, 6, 4, 2, 0), strict=True):
        set_score(attempt, score)

    by_school = results.summary_by_school(actor=users.province, session=session)
    assert [(s.label, s.count, s.mean) for s in by_school] == [
        ("THCS Lý Tự Trọng", 3, D("7.50")),  # 10, 7.5, 5
        ("THPT Trà Cú", 2, D("1.25")),  # 2.5, 0
    ]
    # School A's admin sees the exam, but only school A's candidates.
    mine = results.summary_by_school(actor=users.admin_a, session=session)
    assert [s.label for s in mine] == ["THCS Lý Tự Trọng"]
    seen = results.candidates(actor=users.admin_a, session=session)
    assert {a.school_id for a in seen} == {tree.school_a.pk}
    assert results.candidates(actor=users.admin_c, session=session).count() == 2


def test_another_schools_admin_does_not_see_the_exam(exam, users):
    with pytest.raises(ExamSession.DoesNotExist):
        results.session_get(actor=users.admin_c, pk=exam.session.pk)
    with pytest.raises(Attempt.DoesNotExist):
        results.staff_attempt_get(actor=users.admin_c, pk=exam.attempts[0].pk)


def test_candidates_sort_by_score_with_the_ungraded_last(exam):
    set_score(exam.attempts[0], 2)
    set_score(exam.attempts[1], 7)

    by_score = results.candidates(actor=exam.teacher, session=exam.session, sort="-score")

    assert [a.pk for a in by_score] == [
        exam.attempts[1].pk,
        exam.attempts[0].pk,
        exam.attempts[2].pk,
    ]


def test_a_candidate_result_has_each_questions_points_and_the_time_used(exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 5: [True] * 4}))

    result = results.candidate_result(attempt)

    assert result.ten == D("1.56")  # 1 + 0.25 (two statements right) of 8: 1.5625
    assert result.time_used == attempt.submitted_at - attempt.started_at
    assert [earned for _label, earned, _points in result.per_question] == [
        D(1), D(0), D(0), D(0), D("0.25"), D(0), D(0),
    ]  # fmt: skip


# --- review -----------------------------------------------------------------------------------


def test_the_review_shows_the_options_as_the_candidate_saw_them_with_answer_and_key(exam):
    attempt = exam.attempts[0]
    attempt.option_orders = {str(exam.questions[0].pk): [2, 0, 3, 1]}
    attempt.save(update_fields=["option_orders"])
    attempt_grade(sit(attempt, exam.questions, {1: 3, 5: [True, True, None, False]}))

    first, *_rest = reviews = results.attempt_review(attempt)

    assert [(o["letter"], o["html"], o["chosen"], o["correct"]) for o in first.options] == [
        ("A", "5", False, False), ("B", "4", False, True),
        ("C", "22", True, False), ("D", "3", False, False),
    ]  # fmt: skip
    statements = reviews[4].statements
    assert [(s["answer"], s["key"]) for s in statements] == [
        (True, True), (True, False), (None, True), (False, False),
    ]  # fmt: skip
    assert reviews[2].answered is False and reviews[2].score == 0


# --- when a candidate may see the result ---------------------------------------------------------


def _rules(session, **fields):
    ExamSession.objects.filter(pk=session.pk).update(**fields)
    session.refresh_from_db()


def _closed(session):
    now = timezone.now()
    _rules(session, opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=2))


@pytest.fixture
def submitted(exam):
    return attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0}))


def test_a_result_is_never_shown_before_submitting(exam):
    shown = results.availability(exam.attempts[1], exam.session)
    assert (shown.score, shown.review) == (False, False)


def test_never_means_never(exam, submitted):
    _rules(exam.session, show_results=ShowResults.NEVER)
    _closed(exam.session)
    assert results.availability(submitted, exam.session).score is False


def test_after_submit_shows_the_score_at_once_and_the_key_once_the_exam_is_over(exam, submitted):
    _rules(exam.session, show_results=ShowResults.AFTER_SUBMIT)
    shown = results.availability(submitted, exam.session)
    assert (shown.score, shown.review) == (True, False)
    assert "sau khi kết thúc" in shown.message

    _closed(exam.session)
    assert results.availability(submitted, exam.session).review is True


def test_after_close_waits_for_the_end_of_the_window(exam, submitted):
    _rules(exam.session, show_results=ShowResults.AFTER_CLOSE)
    assert results.availability(submitted, exam.session).score is False
    _closed(exam.session)
    assert results.availability(submitted, exam.session) == results.Availability(True, True)


def test_after_release_waits_for_the_teacher(exam, submitted):
    _rules(exam.session, show_results=ShowResults.AFTER_RELEASE)
    _closed(exam.session)
    assert results.availability(submitted, exam.session).score is False
    _rules(exam.session, status=SessionStatus.RELEASED)
    assert results.availability(submitted, exam.session).review is True


def test_without_review_allowed_only_the_score_is_shown(exam, submitted):
    _rules(exam.session, review_allowed=False)
    _closed(exam.session)
    shown = results.availability(submitted, exam.session)
    assert (shown.score, shown.review) == (True, False)


def test_an_essay_still_to_mark_holds_the_score(exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {7: "Bài làm"}))
    _closed(exam.session)
    shown = results.availability(attempt, exam.session)
    assert shown.score is False and "đang được chấm" in shown.message


# --- export ---------------------------------------------------------------------------------


def test_the_xlsx_has_one_row_per_candidate_and_is_audited(exam):
    student = exam.students[0]
    student.full_name, student.moet_code = '=HYPERLINK("http://x")', "0840000001"
    student.save(update_fields=["full_name", "moet_code"])
    attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 4: [0], 6: "3,5"}))
    set_score(exam.attempts[1], 4)

    output = BytesIO()
    assert results_xlsx(output, actor=exam.teacher, session=exam.session) == 3

    rows = list(load_workbook(BytesIO(output.getvalue())).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Lớp", "Họ và tên", "Mã định danh Bộ GD&ĐT", "Mã đề", "Câu 1")
    assert rows[0][-4:] == ("Tổng điểm", "Điểm tối đa", "Điểm thang 10", "Trạng thái")
    first = next(r for r in rows[1:] if r[2] == "0840000001")
    assert first[:4] == ("6A1", '\'=HYPERLINK("http://x")', "0840000001", "101")
    assert first[4:11] == (1, 0, 0, 0.5, 0, 1, 0)
    assert first[11:14] == (2.5, 8, 3.13)
    absent = next(r for r in rows[1:] if r[1] == exam.students[2].full_name)
    assert absent[4] is None and absent[11] is None
    entry = AuditEntry.objects.get(action="exam.results_export")
    assert (entry.actor, entry.detail["rows"], entry.detail["personal"]) == (exam.teacher, 3, True)


def test_time_taken_reads_like_a_stopwatch():
    from datetime import timedelta

    from hocso.exams.templatetags.exams_tags import clock

    assert clock(timedelta(minutes=36, seconds=26, microseconds=406757)) == "36:26"
    assert clock(timedelta(hours=1, minutes=2, seconds=5)) == "1:02:05"
    assert clock(None) == ""
