"""The learner's exam pages: /my-exams/ lists only the learner's own attempts by what they can do
with them, and the take page (/my-exams/<attempt>/) is the shell exam.js fills — only for the
candidate, with the room-code field when the session asks for one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hocso.exams.models import Attempt, AttemptStatus, ExamSession, SessionStatus, ShowResults

from .conftest import make_session

pytestmark = pytest.mark.django_db


def my_exams(client, user):
    client.force_login(user)
    return client.get(reverse("exams:my_exams"))


def take_url(attempt):
    return reverse("exams:take", args=[attempt.pk])


def other_session(exam, **fields):
    session, _, _, attempts = make_session(
        org_unit=exam.session.org_unit, year=exam.session.year, creator=exam.teacher,
        items=exam.items[:2], school_class=exam.school_class, students=exam.students, **fields,
    )  # fmt: skip
    return session, attempts


def test_urls_are_the_contracts():
    assert reverse("exams:my_exams") == "/my-exams/"
    assert reverse("exams:take", args=[7]) == "/my-exams/7/"


def test_a_learner_sees_their_open_exam_with_a_button_to_take_it(client, exam):
    response = my_exams(client, exam.learner_users[0])
    assert response.status_code == 200
    html = response.content.decode()
    assert exam.session.name in html
    assert "Vào thi" in html
    assert take_url(exam.attempts[0]) in html
    # Only their own attempt: the classmates' are not linked.
    assert take_url(exam.attempts[1]) not in html


def test_the_list_sorts_upcoming_and_submitted_exams(client, exam):
    now = timezone.now()
    upcoming, upcoming_attempts = other_session(
        exam, name="Cuối kì Toán 6", opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=2, hours=2),
    )  # fmt: skip
    done, done_attempts = other_session(exam, name="Kiểm tra 15 phút")
    Attempt.objects.filter(pk=done_attempts[0].pk).update(
        status=AttemptStatus.SUBMITTED, submitted_at=now
    )
    html = my_exams(client, exam.learner_users[0]).content.decode()
    assert "Sắp tới" in html and "Cuối kì Toán 6" in html and "Mở lúc" in html
    assert take_url(upcoming_attempts[0]) not in html  # nothing to take yet
    assert "Đã nộp bài" in html
    assert reverse("exams:my_result", args=[done_attempts[0].pk]) in html


def test_no_result_link_when_the_exam_never_shows_results(client, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(show_results=ShowResults.NEVER)
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(status=AttemptStatus.SUBMITTED)
    html = my_exams(client, exam.learner_users[0]).content.decode()
    assert "Đã nộp bài" in html
    assert reverse("exams:my_result", args=[exam.attempts[0].pk]) not in html


def test_draft_sessions_are_not_listed(client, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(status=SessionStatus.DRAFT)
    html = my_exams(client, exam.learner_users[0]).content.decode()
    assert exam.session.name not in html
    assert "Bạn chưa có bài thi nào" in html


def test_someone_without_exams_sees_the_empty_state(client, users, exam):
    response = my_exams(client, users.teacher_a)
    assert response.status_code == 200
    assert "Bạn chưa có bài thi nào" in response.content.decode()


def test_the_list_needs_a_login(client):
    response = client.get(reverse("exams:my_exams"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_take_page_is_the_shell_for_exam_js(client, exam):
    attempt = exam.attempts[0]
    client.force_login(exam.learner_users[0])
    response = client.get(take_url(attempt))
    assert response.status_code == 200
    html = response.content.decode()
    assert exam.session.name in html
    assert "Bắt đầu làm bài" in html
    assert "<noscript>" in html
    assert f'data-api="/api/v1/attempts/{attempt.pk}"' in html
    assert "hocso/exam.js" in html
    assert 'id="ex-code"' not in html  # no room code for this one
    assert response["Cache-Control"].startswith("max-age=0")  # never cached: it carries a token


def test_the_room_code_field_is_shown_when_the_session_has_one(client, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(access_code="PHONG3")
    client.force_login(exam.learner_users[0])
    html = client.get(take_url(exam.attempts[0])).content.decode()
    assert 'id="ex-code"' in html
    assert "Mã vào phòng thi" in html
    assert "PHONG3" not in html  # the code is never given away by the page


def test_an_attempt_in_progress_offers_to_continue(client, exam):
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        status=AttemptStatus.IN_PROGRESS,
        started_at=timezone.now(),
        deadline=timezone.now() + timedelta(minutes=30),
    )
    client.force_login(exam.learner_users[0])
    html = client.get(take_url(exam.attempts[0])).content.decode()
    assert "Tiếp tục làm bài" in html
    assert 'data-status="in_progress"' in html


def test_within_the_grace_period_the_page_still_opens_to_send_what_the_browser_kept(client, exam):
    now = timezone.now()
    started = dict(status=AttemptStatus.IN_PROGRESS, started_at=now - timedelta(minutes=45))
    Attempt.objects.filter(pk=exam.attempts[0].pk).update(
        deadline=now - timedelta(seconds=10), **started
    )  # grace: 60 s
    Attempt.objects.filter(pk=exam.attempts[1].pk).update(
        deadline=now - timedelta(seconds=90), **started
    )
    client.force_login(exam.learner_users[0])
    assert "hocso/exam.js" in client.get(take_url(exam.attempts[0])).content.decode()
    client.force_login(exam.learner_users[1])
    html = client.get(take_url(exam.attempts[1])).content.decode()
    assert "Bài thi đã kết thúc" in html and "hocso/exam.js" not in html


def test_a_submitted_attempt_shows_no_exam_but_the_result_link(client, exam):
    attempt = exam.attempts[0]
    Attempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.SUBMITTED, submitted_at=timezone.now()
    )
    client.force_login(exam.learner_users[0])
    html = client.get(take_url(attempt)).content.decode()
    assert "Bạn đã nộp bài" in html
    assert reverse("exams:my_result", args=[attempt.pk]) in html
    assert "hocso/exam.js" not in html and "Bắt đầu làm bài" not in html


def test_an_exam_not_yet_open_says_when_it_opens(client, exam):
    now = timezone.now()
    ExamSession.objects.filter(pk=exam.session.pk).update(
        opens_at=now + timedelta(hours=3), closes_at=now + timedelta(hours=5)
    )
    client.force_login(exam.learner_users[0])
    html = client.get(take_url(exam.attempts[0])).content.decode()
    assert "Bài thi mở lúc" in html
    assert "Bắt đầu làm bài" not in html


def test_a_closed_window_ends_an_attempt_never_started(client, exam):
    now = timezone.now()
    ExamSession.objects.filter(pk=exam.session.pk).update(
        opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=1)
    )
    client.force_login(exam.learner_users[0])
    html = client.get(take_url(exam.attempts[0])).content.decode()
    assert "Bài thi đã kết thúc" in html
    assert "Bắt đầu làm bài" not in html


def test_another_learners_attempt_is_a_404(client, exam):
    client.force_login(exam.learner_users[1])
    assert client.get(take_url(exam.attempts[0])).status_code == 404


def test_staff_who_see_the_attempt_are_sent_to_its_staff_view(client, exam):
    client.force_login(exam.teacher)
    response = client.get(take_url(exam.attempts[0]))
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:attempt_detail", args=[exam.attempts[0].pk])


def test_staff_of_another_school_get_a_404(client, users, exam):
    client.force_login(users.admin_c)
    assert client.get(take_url(exam.attempts[0])).status_code == 404


def test_a_missing_attempt_is_a_404(client, exam):
    client.force_login(exam.learner_users[0])
    assert client.get(reverse("exams:take", args=[999999])).status_code == 404
