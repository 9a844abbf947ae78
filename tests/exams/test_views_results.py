"""The result pages: results, export, attempt detail, marking, key correction, grade book push,
release and the learner's own result."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hocso.exams.grading import attempt_grade
from hocso.exams.models import Attempt, ExamSession, KeyCorrection, Response, SessionStatus
from hocso.exams.views_results import marking_code

from .grading_setup import department_exam, set_score, sit
from .test_grading_corrections import new_key_version

D = Decimal


def url(name, *args):
    return reverse(f"exams:{name}", args=args)


def closed(session, **fields):
    now = timezone.now()
    ExamSession.objects.filter(pk=session.pk).update(
        opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=2), **fields
    )
    session.refresh_from_db()


# --- results --------------------------------------------------------------------------------


def test_the_results_page_lists_candidates_sorted_on_the_server(client, exam):
    set_score(exam.attempts[0], 2)
    set_score(exam.attempts[1], 8)
    client.force_login(exam.teacher)

    page = client.get(url("results", exam.session.pk), {"sort": "-score"}).content.decode()

    names = [s.full_name for s in exam.students]
    assert page.index(names[1]) < page.index(names[0]) < page.index(names[2])
    assert "10,00" in page or "10.00" in page
    assert url("results_xlsx", exam.session.pk) in page


@pytest.mark.parametrize("tab", ["classes", "schools"])
def test_the_summary_tabs_show_the_aggregates(client, exam, tab):
    set_score(exam.attempts[0], 4)
    client.force_login(exam.teacher)

    page = client.get(url("results", exam.session.pk), {"tab": tab}).content.decode()

    assert ("6A1" if tab == "classes" else "THCS Lý Tự Trọng") in page
    assert "0 · 0 · 0 · 0 · 0 · 1 · 0 · 0 · 0 · 0" in page


def test_a_school_admin_sees_only_their_school_in_a_department_exam(
    client, exam, tree, users, year
):
    session, _q, _a, attempts_c = department_exam(exam, tree, users, year)
    client.force_login(users.admin_c)

    page = client.get(url("results", session.pk)).content.decode()

    assert attempts_c[0].student.full_name in page
    assert exam.students[0].full_name not in page


def test_another_schools_admin_and_a_learner_get_no_results(client, exam, users):
    client.force_login(users.admin_c)
    assert client.get(url("results", exam.session.pk)).status_code == 404
    assert client.get(url("results_xlsx", exam.session.pk)).status_code == 404
    assert client.get(url("attempt_detail", exam.attempts[0].pk)).status_code == 404
    client.force_login(exam.learner_users[0])
    assert client.get(url("results", exam.session.pk)).status_code == 403


def test_the_xlsx_download(client, exam):
    set_score(exam.attempts[0], 4)
    client.force_login(exam.teacher)

    response = client.get(url("results_xlsx", exam.session.pk))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_the_attempt_detail_shows_answers_and_key_to_staff(client, exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 2, 6: "4"}))
    client.force_login(exam.teacher)

    page = client.get(url("attempt_detail", attempt.pk)).content.decode()

    assert exam.students[0].full_name in page
    assert "Đã chọn" in page and "Đáp án" in page


# --- marking ------------------------------------------------------------------------------------


def essays(exam):
    for attempt in exam.attempts[:2]:
        attempt_grade(sit(attempt, exam.questions, {1: 0, 7: f"Bài làm số {attempt.pk}"}))
    return list(Response.objects.filter(question=exam.questions[6]).order_by("attempt_id"))


def test_marking_saves_the_score_and_moves_to_the_next_ungraded(client, exam):
    first, second = essays(exam)
    client.force_login(exam.teacher)
    page = client.get(url("marking", exam.session.pk)).content.decode()
    assert "Đủ 3 bước" in page  # the rubric
    assert 'max="2"' in page

    shown = first if f'value="{first.pk}"' in page else second
    other = second if shown is first else first
    response = client.post(
        url("marking", exam.session.pk), {"response": shown.pk, "score": "1,5", "feedback": "Tốt"}
    )

    assert response.status_code == 302 and response["Location"].endswith(f"?response={other.pk}")
    shown.refresh_from_db()
    assert shown.score == D("1.5")
    assert Attempt.objects.get(pk=shown.attempt_id).score == D("2.5")


def test_a_bad_mark_is_shown_with_what_was_typed(client, exam):
    first, _second = essays(exam)
    client.force_login(exam.teacher)

    response = client.post(
        url("marking", exam.session.pk), {"response": first.pk, "score": "5", "feedback": "Hay"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Điểm phải từ 0 đến 2" in page and 'value="5"' in page and ">Hay</textarea>" in page


def test_blind_marking_shows_a_code_instead_of_the_name(client, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(blind_marking=True)
    first, second = essays(exam)
    client.force_login(exam.teacher)

    for response in (first, second):
        page = client.get(url("marking", exam.session.pk), {"response": response.pk})
        text = page.content.decode()
        assert marking_code(response.attempt_id) in text
        for student in exam.students:
            assert student.full_name not in text


def test_marking_is_for_managers(client, exam, users):
    essays(exam)
    client.force_login(users.admin_c)
    assert client.get(url("marking", exam.session.pk)).status_code == 404
    client.force_login(users.province)  # writes the province, so manages its schools' exams
    assert client.get(url("marking", exam.session.pk)).status_code == 200


# --- key correction ------------------------------------------------------------------------------


def test_a_key_correction_from_the_page_lists_who_changed(client, exam):
    sit(exam.attempts[0], exam.questions, {1: 0})
    sit(exam.attempts[1], exam.questions, {1: 1})
    for attempt in exam.attempts[:2]:
        attempt_grade(attempt)
    version = new_key_version(exam.items[0], right=1)
    client.force_login(exam.teacher)
    page = client.get(url("correct_key", exam.session.pk)).content.decode()
    assert f'value="{version.pk}"' in page

    unconfirmed = client.post(url("correct_key", exam.session.pk), {"version": version.pk})
    assert unconfirmed.status_code == 422 and not KeyCorrection.objects.exists()

    response = client.post(
        url("correct_key", exam.session.pk),
        {"version": version.pk, "reason": "Sai đáp án", "confirm": "1"},
        follow=True,
    )

    page = response.content.decode()
    assert "2 thí sinh thay đổi điểm" in page
    assert exam.students[0].full_name in page and exam.students[1].full_name in page
    assert KeyCorrection.objects.get().reason == "Sai đáp án"


# --- grade book and release ----------------------------------------------------------------------


def test_the_grade_book_push_reports_what_was_written(client, exam, users):
    ExamSession.objects.filter(pk=exam.session.pk).update(gradebook_column="final", term=1)
    attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 2: 0}))
    client.force_login(users.admin_a)

    page = client.post(url("gradebook", exam.session.pk)).content.decode()

    assert "Đã ghi 1 điểm; 0 điểm không ghi được." in page
    assert "2 thí sinh không nộp bài" in page


def test_the_grade_book_push_is_a_post(client, exam, users):
    client.force_login(users.admin_a)
    assert client.get(url("gradebook", exam.session.pk)).status_code == 405


def test_releasing_results_from_the_page(client, exam):
    closed(exam.session)
    client.force_login(exam.teacher)

    response = client.post(url("results_release", exam.session.pk))

    assert response.status_code == 302
    assert ExamSession.objects.get(pk=exam.session.pk).status == SessionStatus.RELEASED


def test_regrading_the_whole_exam_from_the_page(client, exam, users):
    sit(exam.attempts[0], exam.questions, {1: 0, 2: 0})  # submitted, never graded
    client.force_login(exam.teacher)

    assert client.post(url("results_regrade", exam.session.pk)).status_code == 302
    assert Attempt.objects.get(pk=exam.attempts[0].pk).score == D(2)
    client.force_login(users.admin_c)
    assert client.post(url("results_regrade", exam.session.pk)).status_code == 404


# --- the learner's own result --------------------------------------------------------------------


def test_a_learner_sees_their_result_and_review_when_allowed(client, exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0, 6: "3,5"}))
    closed(exam.session, show_results="after_close")
    client.force_login(exam.learner_users[0])

    page = client.get(url("my_result", attempt.pk)).content.decode()

    assert 'id="my-score"' in page and ("2,50" in page or "2.50" in page)
    assert "Xem lại bài làm" in page and "Đáp án" in page


def test_a_learner_is_told_when_the_result_is_not_yet_available(client, exam):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0}))
    ExamSession.objects.filter(pk=exam.session.pk).update(show_results="after_release")
    client.force_login(exam.learner_users[0])

    page = client.get(url("my_result", attempt.pk)).content.decode()

    assert "khi giáo viên công bố" in page
    assert 'id="my-score"' not in page and "Đáp án" not in page


def test_someone_elses_result_is_a_404(client, exam, users):
    attempt = attempt_grade(sit(exam.attempts[0], exam.questions, {1: 0}))
    for other in (exam.learner_users[1], users.admin_c, users.student_a):
        client.force_login(other)
        assert client.get(url("my_result", attempt.pk)).status_code == 404
